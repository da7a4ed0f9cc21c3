"""Admin refuses a policy that cannot work, with a message saying why."""
from __future__ import annotations

from django.forms.models import model_to_dict
from django.test import Client

from routing.admin import GatherFieldForm, PolicyForm
from tests import factories


def policy_data(policy, **changes):
    data = {k: v for k, v in model_to_dict(policy).items() if v is not None}
    data.update(changes)
    return data


def test_round_robin_on_a_specialty_nobody_has_is_refused(workspace):
    lonely = factories.SpecialtyFactory(workspace=workspace, name="lonely")
    form = PolicyForm(data=policy_data(workspace.policy, target_kind="specialty", target_specialty=lonely.pk),
                      instance=workspace.policy)
    assert not form.is_valid()
    assert "no agent has it" in form.errors["target_specialty"][0]

    factories.AgentFactory(workspace=workspace, specialties=[lonely])
    form = PolicyForm(data=policy_data(workspace.policy, target_kind="specialty", target_specialty=lonely.pk),
                      instance=workspace.policy)
    assert form.is_valid(), form.errors


def test_an_agent_of_another_workspace_is_refused(workspace):
    stranger = factories.AgentFactory().user
    form = PolicyForm(data=policy_data(workspace.policy, target_kind="user", target_user=stranger.pk),
                      instance=workspace.policy)
    assert not form.is_valid() and "not an active agent of this workspace" in form.errors["target_user"][0]


def test_a_required_custom_field_needs_a_question(workspace):
    base = {"policy": workspace.policy.pk, "name": "code", "kind": "regex", "regex": "[A-Z]{3}-\\d+", "position": 0}
    form = GatherFieldForm(data={**base, "required": True, "question": ""})
    assert not form.is_valid() and "needs a question" in form.errors["question"][0]
    bad_regex = GatherFieldForm(data={**base, "regex": "([", "required": False, "question": ""})
    assert not bad_regex.is_valid() and "regular expression" in bad_regex.errors["regex"][0]
    assert GatherFieldForm(data={**base, "required": True, "question": "Your code?"}).is_valid()


def test_the_ai_idle_resolve_time_is_set_in_the_admin_at_least_10_seconds_or_empty_for_never(workspace, admin_agent):
    client = Client()
    client.force_login(admin_agent)
    admin_agent.is_superuser = True
    admin_agent.save()
    page = client.get(f"/admin/routing/handoffpolicy/{workspace.policy.pk}/change/")
    assert page.status_code == 200
    assert b'name="ai_idle_resolve_seconds"' in page.content and b'name="reassign_after_minutes"' in page.content

    too_short = PolicyForm(data=policy_data(workspace.policy, ai_idle_resolve_seconds=5), instance=workspace.policy)
    assert not too_short.is_valid() and "ai_idle_resolve_seconds" in too_short.errors
    form = PolicyForm(data=policy_data(workspace.policy, ai_idle_resolve_seconds=""), instance=workspace.policy)
    assert form.is_valid(), form.errors
    assert form.save().ai_idle_resolve_seconds is None
