"""Bad input of every family gets a JSON 4xx or an error frame, never a 500 or a closed socket;
and nothing is stored from it."""
from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from conversations.models import Contact, Message
from helpdesk.asgi import application
from tests.conftest import client_for, close_socket_connections
from tests.conversations.test_consumers import make_workspace, new_widget_conversation, receive_until

CREATE = "/api/v1/widget/conversations/"


def post_raw(client, url, body: bytes | str, content_type="application/json", **headers):
    return client.generic("POST", url, body, content_type=content_type, **headers)


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] and error["message"]
    return error


@pytest.mark.parametrize("attributes", [
    {"plan\u0000": "pro"}, {"plan": "pro\u0000"}, {"plan": "\u0007bell"}, {"k\u001b": "v"},
    {"plan": "\ud800"}, {"nested": {"deeper": ["ok", "bad\u0000"]}},
], ids=["nul-key", "nul-value", "bell", "escape-key", "lone-surrogate", "nested-nul"])
def test_control_characters_and_surrogates_in_attributes_are_400(workspace, attributes):
    from rest_framework.test import APIClient

    body = json.dumps({"attributes": attributes})  # ensure_ascii: the JSON escapes them, as a browser would
    error = assert_json_error(post_raw(APIClient(), CREATE, body), 400)
    assert error["code"] == "malformed_request"
    assert Contact.objects.count() == 0


@pytest.mark.parametrize("body, why", [
    ("[" * 5000 + "]" * 5000, "nested"),
    (json.dumps({"attributes": {"a": {"b": {"c": {"d": 1}}}}}).replace("1", "[" * 40 + "]" * 40), "nested"),
    ('{"name": NaN}', "NaN"),
    (b'{"name": "\xff\xfe"}', "UTF-8"),
    ("{broken", "JSON"),
], ids=["5000-deep", "40-deep", "nan", "not-utf8", "not-json"])
def test_malformed_json_is_400(workspace, body, why):
    from rest_framework.test import APIClient

    error = assert_json_error(post_raw(APIClient(), CREATE, body), 400)
    assert why in error["message"]


def test_a_body_over_the_limit_is_json_413(visitor):
    _conversation, _token, client = visitor
    big = json.dumps({"body": "x" * (3 * 1024 * 1024)})
    error = assert_json_error(post_raw(client, CREATE, big), 413)
    assert error["code"] == "too_large"
    conversation = _conversation
    error = assert_json_error(post_raw(client, f"/api/v1/widget/conversations/{conversation.pk}/messages/", big), 413)
    assert error["code"] == "too_large"


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "image/png"])
def test_wrong_content_types_are_415(visitor, content_type):
    conversation, _token, client = visitor
    url = f"/api/v1/widget/conversations/{conversation.pk}/messages/"
    error = assert_json_error(post_raw(client, url, "body=hi", content_type=content_type), 415)
    assert error["code"] == "unsupported_media_type"


@pytest.mark.parametrize("key", ["k" * 256, "k" * 5000, "bad\u0001key"], ids=["256", "5000", "control"])
def test_bad_idempotency_keys_are_400_and_store_nothing(visitor, key):
    conversation, _token, client = visitor
    url = f"/api/v1/widget/conversations/{conversation.pk}/messages/"
    before = Message.objects.filter(conversation=conversation).count()
    error = assert_json_error(client.post(url, {"body": "hi"}, format="json", HTTP_IDEMPOTENCY_KEY=key), 400)
    assert "Idempotency-Key" in error["message"]
    assert Message.objects.filter(conversation=conversation).count() == before
    ok = client.post(url, {"body": "hi"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 255)
    assert ok.status_code == 201


def test_a_used_idempotency_key_with_another_text_is_refused_not_answered_with_the_first(visitor):
    """Trial of 3 Dec: a key reused with another text answered 201 with the first message; the new text was dropped
    without a word."""
    conversation, _token, client = visitor
    url = f"/api/v1/widget/conversations/{conversation.pk}/messages/"
    first = client.post(url, {"body": "hi"}, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    again = client.post(url, {"body": "hi"}, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    error = assert_json_error(client.post(url, {"body": "something else"}, format="json", HTTP_IDEMPOTENCY_KEY="key-1"),
                              422)
    assert error["code"] == "idempotency_key_reused"
    assert not Message.objects.filter(conversation=conversation, body="something else").exists()


@pytest.mark.parametrize("body", ["\u200b", "\u200b\u200d \ufeff", "\u2060"])
def test_a_message_of_invisible_characters_is_empty(visitor, body):
    conversation, _token, client = visitor
    url = f"/api/v1/widget/conversations/{conversation.pk}/messages/"
    error = assert_json_error(client.post(url, {"body": body}, format="json"), 400)
    assert error["code"] == "empty_message"


@pytest.mark.parametrize("url", ["/api/v1/conversations/99999999999999999999999/",
                                 "/api/v1/widget/conversations/99999999999999999999999/messages/?after=1"])
def test_ids_out_of_range_are_4xx_not_500(agent_client, visitor, url):
    _conversation, _token, client = visitor
    response = (agent_client if "/widget/" not in url else client).get(url)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")


# --- the widget socket ------------------------------------------------------------------------------

BAD_FRAMES = [
    ("binary", {"bytes_data": b"\x00\x01binary"}, "binary_frame"),
    ("not-json", {"text_data": "hello"}, "malformed"),
    ("nul-body", {"text_data": '{"type": "message.send", "body": "hi\\u0000there"}'}, "invalid_text"),
    ("lone-surrogate", {"text_data": '{"type": "message.send", "body": "\\ud83d"}'}, "invalid_text"),
    ("control-in-client-id", {"text_data": '{"type": "message.send", "body": "x", "client_id": "a\\u0002"}'},
     "invalid_text"),
    ("long-client-id", {"text_data": json.dumps({"type": "message.send", "body": "x", "client_id": "c" * 256})},
     "invalid"),
    ("client-id-not-string", {"text_data": json.dumps({"type": "message.send", "body": "x", "client_id": [1]})},
     "invalid"),
    ("body-not-string", {"text_data": json.dumps({"type": "message.send", "body": {"a": 1}})}, "invalid"),
    ("deep", {"text_data": "[" * 5000 + "]" * 5000}, "malformed"),
    ("deep-but-parsable", {"text_data": "[" * 100 + "]" * 100}, "invalid_text"),
    ("huge", {"text_data": json.dumps({"type": "message.send", "body": "x" * 200_000})}, "too_large"),
    ("array", {"text_data": "[1, 2]"}, "unknown_type"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("frame, code", [(f, c) for _n, f, c in BAD_FRAMES], ids=[n for n, _f, _c in BAD_FRAMES])
async def test_a_bad_frame_gets_an_error_frame_and_the_socket_stays_usable(frame, code, no_tasks):
    workspace = await make_workspace()
    conversation, token = await new_widget_conversation(workspace)
    communicator = WebsocketCommunicator(application, f"/ws/widget/{conversation.pk}/?token={token}")
    assert (await communicator.connect())[0]
    try:
        await communicator.send_to(**frame)
        error = await receive_until(communicator, "error")
        assert error["error"]["code"] == code, error
        stored = await database_sync_to_async(Message.objects.filter(conversation=conversation,
                                                                     sender_type="visitor").count)()
        assert stored == 0

        await communicator.send_json_to({"type": "message.send", "body": "still here", "client_id": "c" * 255})
        event = await receive_until(communicator, "message.created")
        assert event["message"]["body"] == "still here"
    finally:
        await communicator.disconnect()
        await close_socket_connections()


@pytest.mark.parametrize("query", ["assignee=abc", "assignee=99999999999999999999", "team=abc", "team=%00",
                                   "q=%00", "q=a%01b", "tag=%00", "status=%00", "needs_agent=%00",
                                   "page=abc", "page=99999999999999999999"])
def test_bad_query_parameters_of_the_agent_list_are_never_a_500(agent_client, query):
    response = agent_client.get(f"/api/v1/conversations/?{query}")
    assert response.status_code < 500, (query, response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("bad_id", ["%C2%B2", "%D9%A3", "99999999999999999999", "0", "-1"],
                         ids=["superscript-two", "arabic-three", "past-bigint", "zero", "negative"])
def test_ids_that_are_not_plain_row_ids_are_404_not_500(visitor, admin_agent, bad_id):
    conversation, _token, widget_client = visitor
    first = Message.objects.create(conversation=conversation, sender_type=Message.SenderType.VISITOR, body="hi")
    agent_client = client_for(admin_agent)
    for url in (f"/api/v1/conversations/{bad_id}/", f"/api/v1/flows/{bad_id}/",
                f"/api/v1/conversations/{bad_id}/flow-log/", f"/api/v1/handoffs/{bad_id}/acknowledge/",
                f"/api/v1/conversations/{conversation.pk}/messages/{bad_id}/retry/",
                f"/api/v1/conversations/{conversation.pk}/messages/{first.pk}/attachments/{bad_id}/"):
        method = agent_client.post if url.endswith(("acknowledge/", "retry/")) else agent_client.get
        assert_json_error(method(url, {}, format="json"), 404)
    assert_json_error(agent_client.post(f"/api/v1/flows/{bad_id}/validate/", {"edges": []}, format="json"), 404)
    assert_json_error(widget_client.get(f"/api/v1/widget/conversations/{bad_id}/"), 404)
    listed = agent_client.get(f"/api/v1/conversations/?assignee={bad_id}&team={bad_id}")
    assert listed.status_code == 200 and listed.json()["results"] == []
    messages = widget_client.get(f"/api/v1/widget/conversations/{conversation.pk}/messages/?after={bad_id}")
    assert messages.status_code == 200
