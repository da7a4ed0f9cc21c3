"""The widget's script events for the host page (API.md "Widget script events"), in a real browser:
`window.Helpdesk.on/off` callbacks and `helpdesk:<name>` CustomEvents on window."""
from __future__ import annotations

import httpx
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from conversations.models import Conversation
from routing.models import HandoffPolicy
from tests.e2e.conftest import seed_demo_workspace

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# What a host page would do before the widget's async script has even loaded: listen on window.
HOST_PAGE = """
window.__windowEvents = [];
for (const name of ["handoff", "message", "open", "close", "csat"]) {
  window.addEventListener(`helpdesk:${name}`, (event) => window.__windowEvents.push([name, event.detail]));
}
"""


# Predicates as functions, not expression strings: Playwright re-evaluates an expression with eval() while it
# polls, which the page's CSP (script-src 'self', no 'unsafe-eval') refuses.


def events(page, key: str = "__windowEvents") -> list:
    return page.evaluate(f"window.{key}")


def names(page, key: str = "__windowEvents") -> list[str]:
    return [name for name, *_ in events(page, key)]


def test_the_host_page_hears_open_messages_handoff_close_and_csat(live_stack, new_context):
    base = live_stack["url"]
    workspace = seed_demo_workspace()
    HandoffPolicy.objects.filter(workspace=workspace).update(csat_enabled=True, csat_delay_seconds=0)
    agent_token = Token.objects.get_or_create(user=get_user_model().objects.get(username="agent1"))[0].key

    page = new_context().new_page()
    page.add_init_script(HOST_PAGE)
    page.goto(f"{base}/")
    page.wait_for_function("() => window.Helpdesk && typeof window.Helpdesk.on === 'function'")
    # Callbacks through the API; one registered and removed again must never run.
    page.evaluate("""() => {
      window.__callbacks = [];
      window.Helpdesk.on("handoff", (d) => window.__callbacks.push(["handoff", d.status]));
      window.Helpdesk.on("message", (d) => window.__callbacks.push(["message", d.message.sender_type]));
      window.Helpdesk.on("open", () => { throw new Error("a broken host listener"); });
      const dropped = () => window.__callbacks.push(["dropped"]);
      window.Helpdesk.on("close", dropped);
      window.Helpdesk.off("close", dropped);
    }""")

    page.locator("[data-testid=widget-launcher]").click()
    expect(page.locator("[data-testid=widget-panel]")).to_be_visible()
    page.wait_for_function("() => window.__windowEvents.some(([n]) => n === 'open')")

    page.locator("[data-testid=widget-input]").fill("I want to talk to a human agent please")
    page.locator("[data-testid=widget-send]").click()
    # The demo policy gathers an email first, then hands off.
    ai = page.locator("[data-testid=widget-message][data-sender-type=ai]")
    expect(ai.last).to_contain_text("email", timeout=30_000)
    page.locator("[data-testid=widget-input]").fill("it's rosa@example.org")
    page.locator("[data-testid=widget-send]").click()
    page.wait_for_function("() => window.__windowEvents.some(([n, d]) => n === 'handoff' && d.status === 'pending')",
                           timeout=30_000)
    handoffs = [detail for name, detail in events(page) if name == "handoff"]
    assert handoffs[0] == {"status": "pending"}
    messages = [detail["message"] for name, detail in events(page) if name == "message"]
    assert any(m["sender_type"] == "visitor" and "human agent" in m["body"] for m in messages)
    callbacks = events(page, "__callbacks")
    assert ["handoff", "pending"] in callbacks and ["message", "visitor"] in callbacks
    assert ["dropped"] not in callbacks

    page.locator("button[aria-label='Close chat']").click()
    page.wait_for_function("() => window.__windowEvents.some(([n]) => n === 'close')")
    assert names(page).count("open") == 1 and names(page).count("close") == 1

    # Resolved with a survey: the visitor's rating is an event too.
    conversation = Conversation.objects.get(workspace=workspace)
    response = httpx.post(f"{base}/api/v1/conversations/{conversation.pk}/resolve/", json={"resolution": "resolved"},
                          headers={"Authorization": f"Token {agent_token}"}, timeout=10)
    assert response.status_code == 200, response.text
    page.locator("[data-testid=widget-launcher]").click()
    page.locator("[data-testid=csat-positive]").click(timeout=20_000)
    page.wait_for_function("() => window.__windowEvents.some(([n]) => n === 'csat')")
    assert [detail for name, detail in events(page) if name == "csat"] == [{"rating": "positive"}]
    assert [d for n, d in events(page) if n == "handoff"][-1] == {"status": "resolved"}
    assert ["dropped"] not in events(page, "__callbacks")


@pytest.mark.parametrize(("case", "code"), [("another conversation", 4404), ("forged token", 4401)])
def test_a_refused_socket_tells_the_client_why_through_daphne(live_stack, case, code):
    """Trial of 3 Dec: through Daphne, a refused socket was an HTTP 403 handshake, so a client could not tell a bad
    token from someone else's conversation (docs/api.md's 4401/4404 never arrived)."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    base = live_stack["url"]
    seed_demo_workspace()
    mine, theirs = (httpx.post(f"{base}/api/v1/widget/conversations/", json={}).json() for _ in range(2))
    token = mine["visitor_token"] if case == "another conversation" else "forged"
    url = f"{base.replace('http', 'ws', 1)}/ws/widget/{theirs['id']}/?token={token}"
    with connect(url, origin=base, open_timeout=10) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == code
