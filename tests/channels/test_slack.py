"""Slack: a handoff is posted to the team's channel (slack_sdk against a local Web API stand-in); a reply in
its thread is an agent reply that reaches the customer on their own channel."""
from __future__ import annotations

import json

import pytest

from conversations import services
from conversations.connectors import slack
from conversations.models import Message
from helpdesk.errors import ProviderUnavailable
from tests import factories
from tests.channels.conftest import run_deliveries, slack_headers
from tests.conftest import request_handoff

HOOK = "/api/v1/hooks/slack/events/"


@pytest.fixture
def team(workspace, agent):
    team = factories.TeamFactory(workspace=workspace, name="Billing", slack_channel="C0123ABC")
    agent.agent.teams.add(team)
    return team


def zoe_by_email(workspace):
    """A customer who wrote by email, so that replies reach her by mail."""
    contact = factories.ContactFactory(workspace=workspace, name="Zoe", email="zoe@example.org")
    return factories.ConversationFactory(workspace=workspace, contact=contact, channel="email")


def hand_to_team(conversation, team, announcements, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        handoff = request_handoff(conversation, target=services.Target(kind="team", team=team),
                                  summary="Wants a refund for order 1234\nGathered: email: zoe@example.org",
                                  gathered={"email": "zoe@example.org"})  # (the summary as turn_plan writes it)
    assert announcements == [handoff.pk]
    return handoff


def posted_thread(handoff) -> str:
    """Post the handoff to its team's channel; the thread's ts, where replies to it land."""
    return slack.post_handoff(handoff_id=handoff.pk).split(":")[1]


def post_event(client, payload: dict, *, headers: dict | None = None):
    body = json.dumps(payload).encode()
    return client.post(HOOK, data=body, content_type="application/json", **(headers or slack_headers(body)))


def thread_reply(thread_ts: str, *, text: str = "Refund issued, Zoe!", user: str = "UANA", ts: str = "1700000001.000001",
                 **extra) -> dict:
    return {"type": "event_callback", "event_id": f"Ev{ts}", "event": {
        "type": "message", "channel": "C0123ABC", "user": user, "text": text, "ts": ts, "thread_ts": thread_ts, **extra}}


def test_a_handoff_is_posted_once_to_the_team_channel_with_summary_gathered_and_link(
        workspace, team, slack_api, announcements, no_tasks, django_capture_on_commit_callbacks):
    conversation = factories.ConversationFactory(workspace=workspace, channel="email")
    handoff = hand_to_team(conversation, team, announcements, django_capture_on_commit_callbacks)
    key = slack.post_handoff(handoff_id=handoff.pk)
    [post] = slack_api.requests
    assert post["path"] == "/api/chat.postMessage"
    sent = json.loads(post["body"])
    assert sent["channel"] == "C0123ABC"
    assert "Wants a refund for order 1234" in sent["text"] and "email: zoe@example.org" in sent["text"]
    assert sent["text"].count("zoe@example.org") == 1, "the gathered values are listed once"
    assert f"https://help.example.com/inbox/#conversation={conversation.pk}" in sent["text"]
    assert key.startswith("C0123ABC:")
    assert slack.post_handoff(handoff_id=handoff.pk) == "" and len(slack_api.requests) == 1, "posted once"


def test_no_slack_channel_no_post(workspace, agent, slack_api, announcements, no_tasks, django_capture_on_commit_callbacks):
    quiet = factories.TeamFactory(workspace=workspace, name="Quiet", slack_channel="")
    conversation = factories.ConversationFactory(workspace=workspace)
    handoff = hand_to_team(conversation, quiet, announcements, django_capture_on_commit_callbacks)
    assert slack.post_handoff(handoff_id=handoff.pk) == "" and slack_api.requests == []


def test_slack_down_is_retried(workspace, team, slack_api, announcements, no_tasks, django_capture_on_commit_callbacks):
    handoff = hand_to_team(factories.ConversationFactory(workspace=workspace), team, announcements,
                           django_capture_on_commit_callbacks)
    slack_api.fail_status = 503
    with pytest.raises(ProviderUnavailable):
        slack.post_handoff(handoff_id=handoff.pk)
    slack_api.fail_status = None
    assert slack.post_handoff(handoff_id=handoff.pk)


def test_a_thread_reply_is_an_agent_reply_delivered_on_the_customer_channel(
        workspace, team, agent, client, slack_api, announcements, no_tasks, deliveries, smtp_server,
        django_capture_on_commit_callbacks):
    conversation = zoe_by_email(workspace)
    handoff = hand_to_team(conversation, team, announcements, django_capture_on_commit_callbacks)
    thread_ts = posted_thread(handoff)
    deliveries.clear()  # the handoff notice's mail

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, thread_reply(thread_ts))
    assert response.status_code == 200, response.content
    reply = Message.objects.get(sender_type="agent")
    assert (reply.body, reply.sender_user, reply.metadata["via"]) == ("Refund issued, Zoe!", agent, "slack")
    handoff.refresh_from_db()
    assert handoff.status == "acknowledged" and handoff.first_human_reply_at is not None
    assert deliveries == [reply.pk]
    assert run_deliveries(deliveries) == ["sent"]
    assert "Refund issued, Zoe!" in smtp_server.received[-1].get_body(("plain",)).get_content()

    # Slack retries the event: nothing twice.
    assert post_event(client, thread_reply(thread_ts)).status_code == 200
    assert Message.objects.filter(sender_type="agent").count() == 1


def test_a_thread_reply_reaches_the_customer_as_text_not_as_slack_markup(
        workspace, team, agent, client, slack_api, announcements, no_tasks, deliveries, smtp_server,
        django_capture_on_commit_callbacks):
    """Slack escapes & < > and wraps links in the text it sends (trial of 2 Dec: the customer's SMS read
    "Refund &amp; reversal done &lt;2 days&gt;. Details: <https://…|refund page>")."""
    conversation = zoe_by_email(workspace)
    handoff = hand_to_team(conversation, team, announcements, django_capture_on_commit_callbacks)
    thread_ts = posted_thread(handoff)
    text = ("Refund &amp; reversal done &lt;2 days&gt;. Details: <https://shop.example/refunds|refund page> "
            "or mail <mailto:billing@shop.example|billing@shop.example>, see <https://shop.example/faq>. "
            "<@UANA> or <@UNOBODY> will follow up")
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(client, thread_reply(thread_ts, text=text)).status_code == 200
    assert Message.objects.get(sender_type="agent").body == (
        "Refund & reversal done <2 days>. Details: refund page (https://shop.example/refunds) "
        f"or mail billing@shop.example, see https://shop.example/faq. {agent.first_name or agent.get_username()} "
        "or a colleague will follow up")


@pytest.mark.parametrize("text, body", [
    ("*Good news*: it _ships_ today :smile: :+1:", "Good news: it ships today 😄 👍"),
    ("a ~wrong~ size", "a wrong size"),
    # markers inside a word, or not closed, are the agent's own text
    ("see order_number_field and 2*3*4, *maybe", "see order_number_field and 2*3*4, *maybe"),
    (":not_an_emoji: stays", ":not_an_emoji: stays")])
def test_slack_emphasis_and_emoji_codes_reach_the_customer_as_they_look_in_slack(text, body) -> None:
    """Trial 51: "*bold* _it_ :smile:" reached a web visitor as written."""
    assert slack.plain(text) == body


@pytest.mark.parametrize("extra,user", [({"bot_id": "B1"}, "UANA"), ({"subtype": "message_changed"}, "UANA"),
                                        ({}, "USTRANGER")])
def test_the_app_own_messages_edits_and_non_agents_are_ignored(
        workspace, team, client, slack_api, announcements, no_tasks, django_capture_on_commit_callbacks, extra, user):
    handoff = hand_to_team(factories.ConversationFactory(workspace=workspace), team, announcements,
                           django_capture_on_commit_callbacks)
    thread_ts = posted_thread(handoff)
    response = post_event(client, thread_reply(thread_ts, user=user, **extra))
    assert response.status_code == 200 and "ignored" in response.json()
    assert not Message.objects.filter(sender_type="agent").exists()


def test_a_message_outside_a_handoff_thread_is_ignored(workspace, client, slack_api, no_tasks):
    response = post_event(client, thread_reply("1600000000.000001"))
    assert response.json()["ignored"] == "not a handoff thread"
    assert Message.objects.count() == 0


def test_url_verification_is_answered(client, slack_api, db):
    response = post_event(client, {"type": "url_verification", "challenge": "abc123"})
    assert response.status_code == 200 and response.json() == {"challenge": "abc123"}


def test_unsigned_mis_signed_or_stale_events_are_refused(workspace, team, client, slack_api, announcements, no_tasks,
                                                         django_capture_on_commit_callbacks):
    handoff = hand_to_team(factories.ConversationFactory(workspace=workspace), team, announcements,
                           django_capture_on_commit_callbacks)
    thread_ts = posted_thread(handoff)
    body = json.dumps(thread_reply(thread_ts)).encode()
    for headers in ({}, slack_headers(body, secret="wrong"), slack_headers(body, timestamp=1_600_000_000)):
        assert post_event(client, thread_reply(thread_ts), headers=headers or {"HTTP_X_NONE": "1"}).status_code == 401
    assert not Message.objects.filter(sender_type="agent").exists()


def test_a_signed_body_that_is_not_json_is_a_400(client, slack_api, db):
    body = b"{not json"
    response = client.post(HOOK, data=body, content_type="application/json", **slack_headers(body))
    assert response.status_code == 400


def test_an_agent_assigning_to_a_team_posts_to_its_channel(workspace, team, agent, slack_api, announcements, no_tasks,
                                                          django_capture_on_commit_callbacks):
    from tests.conftest import client_for

    conversation = factories.ConversationFactory(workspace=workspace)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent).post(f"/api/v1/conversations/{conversation.pk}/assign/", {"team_id": team.pk},
                                          format="json")
    assert response.status_code == 200, response.content
    [handoff_id] = announcements
    assert slack.post_handoff(handoff_id=handoff_id).startswith("C0123ABC:")


def test_an_agent_is_matched_by_their_slack_member_id_when_their_slack_email_differs(
        workspace, team, client, slack_api, announcements, no_tasks, django_capture_on_commit_callbacks):
    bob = factories.AgentFactory(workspace=workspace, user__email="bob@northwind.test", slack_user_id="UBOB",
                                 teams=[team]).user
    handoff = hand_to_team(factories.ConversationFactory(workspace=workspace), team, announcements,
                           django_capture_on_commit_callbacks)
    thread_ts = posted_thread(handoff)
    response = post_event(client, thread_reply(thread_ts, user="UBOB", text="On it."))  # Slack knows no email for UBOB
    assert response.status_code == 200 and "message" in response.json(), response.content
    assert Message.objects.get(sender_type="agent").sender_user == bob
    assert not [r for r in slack_api.requests if r["path"] == "/api/users.info"], "no lookup needed"

    factories.AgentFactory(user__email="eve@example.org", slack_user_id="UEVE")  # another workspace's agent
    response = post_event(client, thread_reply(thread_ts, user="UEVE", ts="1700000002.000001"))
    assert "ignored" in response.json()


def test_the_customer_and_inbox_replies_are_copied_into_the_handoff_thread_once(
        workspace, team, agent, client, slack_api, announcements, slack_copies, no_tasks, deliveries,
        django_capture_on_commit_callbacks):
    conversation = zoe_by_email(workspace)
    handoff = hand_to_team(conversation, team, announcements, django_capture_on_commit_callbacks)
    thread_ts = posted_thread(handoff)
    slack_api.requests.clear()

    with django_capture_on_commit_callbacks(execute=True):
        from_customer = services.receive_message(conversation=conversation, body="Also, it arrived <b>broken</b> & late")
        from_inbox = services.agent_reply(conversation=conversation, agent=agent, body="Sorry Zoe, refund on its way")
        services.note_add(conversation=conversation, agent=agent, body="checked the courier")  # a private note
        post_event(client, thread_reply(thread_ts, text="Done from Slack"))  # written in Slack: not copied back
    assert slack_copies == [from_customer.pk, from_inbox.pk]

    assert [slack.mirror_message(message_id=pk) for pk in slack_copies]
    posts = [json.loads(r["body"]) for r in slack_api.requests if r["path"] == "/api/chat.postMessage"]
    assert [(p["channel"], p["thread_ts"]) for p in posts] == [("C0123ABC", thread_ts)] * 2
    assert posts[0]["text"] == "*Zoe (customer)*: Also, it arrived &lt;b&gt;broken&lt;/b&gt; &amp; late"
    assert posts[1]["text"].endswith("(in the inbox)*: Sorry Zoe, refund on its way")
    assert slack.mirror_message(message_id=from_customer.pk) == "", "a redelivered task posts nothing twice"
    assert len([r for r in slack_api.requests if r["path"] == "/api/chat.postMessage"]) == 2


def test_a_conversation_without_a_slack_thread_queues_no_copy(workspace, agent, slack_api, slack_copies, no_tasks,
                                                               django_capture_on_commit_callbacks):
    conversation = factories.ConversationFactory(workspace=workspace)
    with django_capture_on_commit_callbacks(execute=True):
        services.receive_message(conversation=conversation, body="hello?")
    assert slack_copies == [] and slack_api.requests == []


def test_customer_text_cannot_ping_the_channel_or_hide_a_link_in_the_handoff_post(
        workspace, team, slack_api, announcements, no_tasks, django_capture_on_commit_callbacks):
    contact = factories.ContactFactory(workspace=workspace, name="<!channel>")
    conversation = factories.ConversationFactory(workspace=workspace, contact=contact)
    with django_capture_on_commit_callbacks(execute=True):
        handoff = request_handoff(conversation, target=services.Target(kind="team", team=team),
                                  summary="<https://evil.example|your invoice> <!here>")
    slack.post_handoff(handoff_id=handoff.pk)
    text = json.loads(slack_api.requests[0]["body"])["text"]
    assert "<!channel>" not in text and "<!here>" not in text and "<https://evil" not in text
    assert "&lt;!here&gt;" in text and "from &lt;!channel&gt;" in text


def test_slack_down_while_copying_is_retried(workspace, team, slack_api, announcements, slack_copies, no_tasks,
                                             django_capture_on_commit_callbacks):
    conversation = factories.ConversationFactory(workspace=workspace)
    handoff = hand_to_team(conversation, team, announcements, django_capture_on_commit_callbacks)
    slack.post_handoff(handoff_id=handoff.pk)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.receive_message(conversation=conversation, body="still there?")
    slack_api.fail_status = 503
    with pytest.raises(ProviderUnavailable):
        slack.mirror_message(message_id=message.pk)
    slack_api.fail_status = None
    assert slack.mirror_message(message_id=message.pk)


def test_someone_outside_the_team_cannot_take_its_waiting_handoff_from_slack_and_is_told_why(
        workspace, team, client, slack_api, announcements, no_tasks, django_capture_on_commit_callbacks):
    factories.AgentFactory(workspace=workspace, user__first_name="Carl", slack_user_id="UCARL")  # Support, not Billing
    handoff = hand_to_team(factories.ConversationFactory(workspace=workspace), team, announcements,
                           django_capture_on_commit_callbacks)
    thread_ts = posted_thread(handoff)
    response = post_event(client, thread_reply(thread_ts, user="UCARL", text="I'll take it"))
    assert "ignored" in response.json() and not Message.objects.filter(sender_type="agent").exists()
    handoff.refresh_from_db()
    assert handoff.status == "pending" and handoff.assigned_to is None, "still waiting for the Billing team"
    told = [json.loads(r["body"]) if r["body"].startswith("{") else r["form"] for r in slack_api.requests
            if r["path"] == "/api/chat.postEphemeral"]
    assert [(t["user"], t["thread_ts"]) for t in told] == [("UCARL", thread_ts)]
    assert "waits for the Billing team" in told[0]["text"]

    response = post_event(client, thread_reply(thread_ts, text="On it", ts="1700000003.000001"))  # Ana, a member
    assert "message" in response.json()
