"""The bench seeder at a tiny scale: exact counts, a plausible shape, idempotent, --reset."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from conversations.models import Conversation, Handoff, Message
from csat import selectors
from csat.models import Survey
from workspaces.models import Workspace


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_bench", slug="bench-test", conversations=300, messages=3000, stdout=out, **options)
    return out.getvalue()


def test_seed_exact_counts_and_a_plausible_shape(db):
    assert "Seeded 'bench-test'" in seed()
    workspace = Workspace.objects.get(slug="bench-test")
    conversations = Conversation.objects.filter(workspace=workspace)
    assert conversations.count() == 300
    assert Message.objects.filter(conversation__workspace=workspace).count() == 3000
    assert Handoff.objects.filter(conversation__workspace=workspace).exists()
    assert Survey.objects.filter(workspace=workspace, status="answered").exists()
    assert conversations.filter(needs_agent=True).count() == conversations.filter(status="pending_human").count() > 0
    # Agent messages exist exactly where a human replied to a handoff.
    human = set(Message.objects.filter(conversation__workspace=workspace, sender_type="agent")
                .values_list("conversation_id", flat=True))
    replied = set(Handoff.objects.filter(conversation__workspace=workspace, first_human_reply_at__isnull=False)
                  .values_list("conversation_id", flat=True))
    assert human == replied

    summary = selectors.analytics_summary(workspace=workspace, period=selectors.Period.last_days(366))
    assert summary["conversations"] == 300 and 0 < summary["handoff_rate"] < 1
    assert 0 < summary["csat"]["score"] < 1 and summary["median_first_human_reply_s"] > 0


def test_seed_is_idempotent_and_reset_rebuilds(db):
    seed()
    first = set(Conversation.objects.filter(workspace__slug="bench-test").values_list("pk", flat=True))
    assert "already seeded (300 conversations)" in seed()
    assert set(Conversation.objects.filter(workspace__slug="bench-test").values_list("pk", flat=True)) == first

    seed(reset=True)
    again = set(Conversation.objects.filter(workspace__slug="bench-test").values_list("pk", flat=True))
    assert len(again) == 300 and not again & first
    assert Message.objects.filter(conversation__workspace__slug="bench-test").count() == 3000

    seed(delete=True)
    assert not Workspace.objects.filter(slug="bench-test").exists()
    assert not Conversation.objects.filter(pk__in=again).exists()


def test_seed_refuses_impossible_ratios(db):
    with pytest.raises(CommandError):
        call_command("seed_bench", slug="bench-test", conversations=100, messages=100, stdout=io.StringIO())
