"""Questions the knowledge base does not answer, per workspace (the policy's `kb_not_covered`): set by an admin in
the workspace document or on the policy page, they reindex the knowledge base, and a visitor's question like one
of them is not answered from a wrong article while covered questions still are."""
from __future__ import annotations

from django.test import Client

from conversations import knowledge
from conversations.models import KnowledgeArticle
from helpdesk.workspace_config import workspace_export, workspace_import
from routing.models import HandoffPolicy
from routing.validation import NOT_COVERED_MAX_LENGTH, NOT_COVERED_MAX_QUESTIONS
from tests.conftest import client_for

RETURNS = ("Return any item within 30 days for a full refund. Send it back the same way it came, with the "
           "return label from your order page.\n\nExchanges for another size are free.")
PASSWORD = ("To reset your password, click \"Forgot password\" on the sign-in page and follow the email link. "
            "\n\nIf your account is locked, wait 15 minutes and try again.")
NOT_COVERED = ["how can I transfer money to a friend?", "I want to open a bank account"]


def shop(workspace) -> None:
    KnowledgeArticle.objects.create(workspace=workspace, title="Returns and exchanges", body=RETURNS)
    KnowledgeArticle.objects.create(workspace=workspace, title="Password and account access", body=PASSWORD)


def ask(workspace, question: str):
    policy = HandoffPolicy.objects.get(workspace=workspace)
    return knowledge.assistant_for(workspace=workspace, policy=policy).analyze(question)


def test_an_admin_sets_them_through_the_api_and_a_question_like_one_is_no_longer_answered(
        workspace, admin_agent, no_tasks, django_capture_on_commit_callbacks):
    shop(workspace)
    HandoffPolicy.objects.filter(workspace=workspace).update(kb_threshold=0.2)
    knowledge.knowledge_reindex(workspace=workspace)
    # worded unlike either question not covered; answered from wrong articles without them
    asked, savings = "how do I send money to another person?", "I would like to open a savings account"
    before = ask(workspace, asked)
    assert before.answer is not None and before.answer.title == "Returns and exchanges", before.candidates
    assert ask(workspace, savings).answer is not None

    admin = client_for(admin_agent)
    document = admin.get("/api/v1/workspace/").json()
    assert document["policy"]["kb_not_covered"] == []
    document["policy"]["kb_not_covered"] = ["  how can I   transfer money to a friend? ", NOT_COVERED[1],
                                            "HOW CAN I TRANSFER MONEY TO A FRIEND?"]
    with django_capture_on_commit_callbacks(execute=True):
        put = admin.put("/api/v1/workspace/", document, format="json")
    assert put.status_code == 200, put.json()
    assert put.json()["policy"]["kb_not_covered"] == NOT_COVERED, "trimmed, repeats dropped"
    assert ("reindex_knowledge_task", (workspace.pk,)) in no_tasks
    assert not knowledge.knowledge_index_ready(workspace), "readiness waits for the index of the new list"
    knowledge.knowledge_reindex(workspace=workspace)  # the worker's run
    assert knowledge.knowledge_index_ready(workspace)

    after = ask(workspace, asked)
    assert after.answer is None and after.kb_confidence < 0.2, after.candidates
    assert ask(workspace, savings).answer is None
    covered = ask(workspace, "how do I send back a jacket that doesn't fit?")
    assert covered.answer is not None and covered.answer.title == "Returns and exchanges"
    password = ask(workspace, "I forgot my password")
    assert password.answer is not None and password.answer.title == "Password and account access"


def test_a_bad_list_is_refused_by_path_and_changes_nothing(workspace, admin_agent, no_tasks):
    admin = client_for(admin_agent)
    document = admin.get("/api/v1/workspace/").json()
    document["policy"]["kb_not_covered"] = NOT_COVERED
    assert admin.put("/api/v1/workspace/", document, format="json").status_code == 200
    for bad, path in [(["ok", "x" * (NOT_COVERED_MAX_LENGTH + 1)], "policy.kb_not_covered[1]"),
                      ([f"question {i}" for i in range(NOT_COVERED_MAX_QUESTIONS + 1)], "policy.kb_not_covered"),
                      (["fine", ""], "policy.kb_not_covered[1]"),
                      ("open a bank account", "policy.kb_not_covered"),
                      ([{"q": 1}], "policy.kb_not_covered[0]")]:
        document["policy"]["kb_not_covered"] = bad
        answer = admin.put("/api/v1/workspace/", document, format="json")
        assert answer.status_code == 400, (bad, answer.json())
        assert path in answer.json()["error"]["fields"], answer.json()
    assert HandoffPolicy.objects.get(workspace=workspace).kb_not_covered == NOT_COVERED


def test_only_admins_change_them(workspace, agent, admin_agent, no_tasks):
    document = client_for(admin_agent).get("/api/v1/workspace/").json()
    document["policy"]["kb_not_covered"] = NOT_COVERED
    assert client_for(agent).put("/api/v1/workspace/", document, format="json").status_code == 403
    assert client_for(agent).get("/api/v1/workspace/").status_code == 403
    assert HandoffPolicy.objects.get(workspace=workspace).kb_not_covered == []
    assert not no_tasks


def test_the_workspace_document_round_trips_them(workspace, no_tasks):
    document = workspace_export(workspace=workspace)
    document["policy"]["kb_not_covered"] = NOT_COVERED
    workspace_import(document=document, workspace=workspace)
    exported = workspace_export(workspace=workspace)
    assert exported["policy"]["kb_not_covered"] == NOT_COVERED
    workspace_import(document=exported, workspace=workspace)
    assert workspace_export(workspace=workspace) == exported

    del document["policy"]["kb_not_covered"]  # a document from before the field: none
    workspace_import(document=document, workspace=workspace)
    assert workspace_export(workspace=workspace)["policy"]["kb_not_covered"] == []


def test_the_policy_page_edits_them_one_a_line_escaped_and_reindexes(
        workspace, admin_agent, no_tasks, django_capture_on_commit_callbacks):
    admin_agent.is_superuser = True
    admin_agent.save()
    client = Client()
    client.force_login(admin_agent)
    url = f"/admin/routing/handoffpolicy/{workspace.policy.pk}/change/"
    page = client.get(url).content.decode()
    form = {"workspace": workspace.pk, "level": "balanced", "when_to_use": "", "handoff_enabled": "on",
            "target": "", "fallback_phone": "", "kb_threshold": "", "expiry_minutes": 1440, "reminder_minutes": 15,
            "reassign_after_minutes": 10, "ai_idle_resolve_seconds": 1800, "csat_delay_seconds": 30,
            "restricted_topics-TOTAL_FORMS": 0, "restricted_topics-INITIAL_FORMS": 0,
            "gather_fields-TOTAL_FORMS": 0, "gather_fields-INITIAL_FORMS": 0}
    assert "Questions the knowledge base does not answer" in page and 'name="kb_not_covered"' in page

    too_long = client.post(url, {**form, "kb_not_covered": "fine\n" + "y" * (NOT_COVERED_MAX_LENGTH + 1)})
    assert too_long.status_code == 200 and f"under {NOT_COVERED_MAX_LENGTH} characters" in too_long.content.decode()
    assert HandoffPolicy.objects.get(workspace=workspace).kb_not_covered == []
    assert not no_tasks

    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(url, {**form, "kb_not_covered": "  can I open a bank account? \n\n<script>alert(1)</script>\n"
                                                            "can I open a  bank account?\n"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert HandoffPolicy.objects.get(workspace=workspace).kb_not_covered == [
        "can I open a bank account?", "<script>alert(1)</script>"]
    assert ("reindex_knowledge_task", (workspace.pk,)) in no_tasks
    page = client.get(url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page

    no_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        unchanged = client.post(url, {**form, "kb_not_covered": "can I open a bank account?\n<script>alert(1)</script>"})
    assert unchanged.status_code == 302
    assert not no_tasks, "saving the policy without changing them does not reindex"
