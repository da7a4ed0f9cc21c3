"""An article's example questions ("questions this answers"): set in the admin or the workspace document,
indexed by the reindex worker, matched like the title and never quoted to the visitor."""
from __future__ import annotations

import pytest

from conversations import knowledge
from conversations.models import KnowledgeArticle
from helpdesk.workspace_config import WorkspaceDocumentError, workspace_export, workspace_import

SIZES = "Our coats follow Italian sizes and run large: order one size down.\n\nEvery product page has a size chart."
DELIVERY = "Standard delivery takes 1 to 3 working days in Italy and 4 to 7 working days to the rest of Europe."


def test_the_admin_edits_questions_one_a_line_and_queues_a_reindex(workspace, admin_client, no_tasks,
                                                                   django_capture_on_commit_callbacks):
    client = admin_client
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/admin/conversations/knowledgearticle/add/", {
            "workspace": workspace.pk, "title": "Size guide", "body": SIZES, "tags": "", "published": "on",
            "questions": "my coat is too big\n\n  what size should I order?  \nmy coat is too big\n"}, follow=True)
    assert page.status_code == 200
    article = KnowledgeArticle.objects.get(workspace=workspace, title="Size guide")
    assert article.questions == ["my coat is too big", "what size should I order?"]  # blanks and repeats dropped
    assert ("reindex_knowledge_task", (workspace.pk,)) in no_tasks
    change = client.get(f"/admin/conversations/knowledgearticle/{article.pk}/change/").content.decode()
    assert "my coat is too big\nwhat size should I order?" in change and "Questions it answers" in change


def test_the_workspace_document_carries_questions_and_refuses_a_blank_one(workspace, no_tasks):
    doc = workspace_export(workspace=workspace)
    doc["knowledge_base"] = [{"title": "Size guide", "body": SIZES, "questions": ["my coat is too big"]},
                             {"title": "Delivery times", "body": DELIVERY}]
    workspace_import(document=doc, workspace=workspace)
    exported = workspace_export(workspace=workspace)["knowledge_base"]
    assert {a["title"]: a["questions"] for a in exported} == {"Size guide": ["my coat is too big"], "Delivery times": []}

    doc["knowledge_base"][1]["questions"] = ["how long to Germany?", ""]
    with pytest.raises(WorkspaceDocumentError) as error:
        workspace_import(document=doc, workspace=workspace)
    assert any(path.startswith("knowledge_base[1].questions") for path in error.value.errors), error.value.errors
    assert workspace_export(workspace=workspace)["knowledge_base"] == exported  # nothing changed


def test_the_assistant_answers_a_visitors_wording_through_an_articles_question(workspace, no_tasks):
    sizes = KnowledgeArticle.objects.create(workspace=workspace, title="Size guide", body=SIZES)
    KnowledgeArticle.objects.create(workspace=workspace, title="Delivery times", body=DELIVERY)
    asked = "the coat I got is too big, what now?"
    knowledge.knowledge_reindex(workspace=workspace)
    before = knowledge.assistant_for(workspace=workspace, policy=workspace.policy).analyze(asked)

    sizes.questions = ["my coat is too big", "what size should I order?"]
    sizes.save()
    knowledge.knowledge_reindex(workspace=workspace)
    after = knowledge.assistant_for(workspace=workspace, policy=workspace.policy).analyze(asked)
    assert dict(after.candidates)[str(sizes.pk)] > dict(before.candidates).get(str(sizes.pk), 0.0)
    assert after.answer is not None and after.answer.article_id == str(sizes.pk)
    assert "my coat is too big" not in after.answer.text and after.answer.passage in SIZES
    assert after.answer.url.endswith(f"/help/{workspace.pk}/{sizes.pk}/") and after.answer.url.startswith("http")
