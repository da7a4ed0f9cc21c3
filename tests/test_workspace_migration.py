"""Workspace moved from conversations to its own app: a database migrated before the move keeps its rows."""
from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from workspaces.models import Workspace

BEFORE_THE_MOVE = [
    ("workspaces", None),
    ("conversations", "0003_analytics_indexes"),
    ("routing", "0001_initial"),
    ("flows", "0001_initial"),
    ("csat", "0001_initial"),
]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_migrating_across_the_move_keeps_workspaces_their_teams_and_their_content_type():
    content_type = ContentType.objects.get_for_model(Workspace)
    executor = _migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state([node for node in BEFORE_THE_MOVE if node[1]]).apps
    old_workspace = old.get_model("conversations", "Workspace").objects.create(name="Acme", slug="acme")
    old.get_model("routing", "Team").objects.create(workspace_id=old_workspace.pk, name="Billing")
    assert ContentType.objects.get(pk=content_type.pk).app_label == "conversations"

    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())

    moved = Workspace.objects.get(pk=old_workspace.pk)
    assert (moved.name, moved.slug) == ("Acme", "acme")
    assert [team.name for team in moved.teams.all()] == ["Billing"]
    assert ContentType.objects.get_for_model(Workspace).pk == content_type.pk  # admin permissions still apply
