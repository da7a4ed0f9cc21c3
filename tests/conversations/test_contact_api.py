"""The inbox's contact panel: an agent corrects a contact and sees the contact's other conversations."""
from __future__ import annotations

from conversations import services
from conversations.models import Contact
from tests import factories
from tests.conftest import client_for


def test_an_agent_corrects_a_contact_and_every_inbox_row_follows(workspace, agent_client, published,
                                                                  django_capture_on_commit_callbacks):
    contact = factories.ContactFactory(workspace=workspace, name="", email="old@example.org")
    first = factories.ConversationFactory(workspace=workspace, contact=contact)
    second = factories.ConversationFactory(workspace=workspace, contact=contact)

    with django_capture_on_commit_callbacks(execute=True):
        answer = agent_client.patch(f"/api/v1/contacts/{contact.pk}/", {"name": "Rosa Díaz", "phone": "+34 600 11 22 33"},
                                    format="json")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["name"], body["name_on_file"], body["email"], body["phone"]) == (
        "Rosa Díaz", "Rosa Díaz", "old@example.org", "+34 600 11 22 33"), "absent fields stay as they were"
    contact.refresh_from_db()
    assert (contact.name, contact.phone) == ("Rosa Díaz", "+34 600 11 22 33")
    updated = {e["conversation"]["id"]: e["conversation"]["contact"]["name"] for e in published
               if e["type"] == "conversation.updated" and "conversation" in e}
    assert updated == {str(first.pk): "Rosa Díaz", str(second.pk): "Rosa Díaz"}

    detail = agent_client.get(f"/api/v1/conversations/{first.pk}/").json()
    assert detail["contact"]["name_on_file"] == "Rosa Díaz" and detail["contact"]["phone"] == "+34 600 11 22 33"


def test_a_bad_contact_edit_changes_nothing(workspace, agent_client):
    contact = factories.ContactFactory(workspace=workspace, name="Rosa", email="rosa@example.org")
    bad_email = agent_client.patch(f"/api/v1/contacts/{contact.pk}/", {"name": "Other", "email": "not an email"},
                                   format="json")
    assert bad_email.status_code == 400 and "email" in bad_email.json()["error"]["fields"]
    bad_phone = agent_client.patch(f"/api/v1/contacts/{contact.pk}/", {"phone": "<script>"}, format="json")
    assert bad_phone.status_code == 400 and "phone" in bad_phone.json()["error"]["fields"]
    too_long = agent_client.patch(f"/api/v1/contacts/{contact.pk}/", {"name": "x" * 201}, format="json")
    assert too_long.status_code == 400
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.phone) == ("Rosa", "rosa@example.org", "")

    cleared = agent_client.patch(f"/api/v1/contacts/{contact.pk}/", {"email": ""}, format="json")
    assert cleared.status_code == 200 and Contact.objects.get(pk=contact.pk).email == ""


def test_contacts_of_another_workspace_are_not_found(workspace, agent_client):
    foreign = factories.ContactFactory(name="Foreign")
    for contact_id in (foreign.pk, 999_999_999, "²", "abc"):
        answer = agent_client.patch(f"/api/v1/contacts/{contact_id}/", {"name": "Hijacked"}, format="json")
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    foreign.refresh_from_db()
    assert foreign.name == "Foreign"


def test_the_list_filters_by_contact_for_past_conversations(workspace, agent_client):
    contact = factories.ContactFactory(workspace=workspace)
    earlier = factories.ConversationFactory(workspace=workspace, contact=contact, status="resolved")
    now = factories.ConversationFactory(workspace=workspace, contact=contact)
    factories.ConversationFactory(workspace=workspace)  # someone else's
    foreign_contact = factories.ContactFactory(name="Foreign")
    factories.ConversationFactory(workspace=foreign_contact.workspace, contact=foreign_contact)

    listed = agent_client.get(f"/api/v1/conversations/?contact={contact.pk}").json()["results"]
    assert {c["id"] for c in listed} == {str(earlier.pk), str(now.pk)}
    assert agent_client.get(f"/api/v1/conversations/?contact={foreign_contact.pk}").json()["count"] == 0
    assert agent_client.get("/api/v1/conversations/?contact=²").json()["count"] == 0


def test_a_claim_race_names_who_won(workspace, agent):
    colleague = factories.AgentFactory(workspace=workspace, user__username="ben", user__first_name="Ben").user
    conversation = factories.ConversationFactory(workspace=workspace)
    handoff = services.handoff_request(conversation=conversation, request=services.HandoffRequest(
        trigger="user_request", reason="Asked for a human", summary="", priority="normal", gathered={},
        target=services.Target(kind="user", user=agent)))
    assert client_for(colleague).post(f"/api/v1/handoffs/{handoff.pk}/acknowledge/").status_code == 200
    late = client_for(agent).post(f"/api/v1/handoffs/{handoff.pk}/acknowledge/")
    assert late.status_code == 409
    assert late.json()["error"] == {"code": "handoff_already_claimed", "message": "Ben took this conversation first.",
                                    "fields": {}}
