"""A waiting Collect Input on a real conversation: the workspace's assistant reads the answer (five
languages) and the flow lets the visitor out through the normal handoff path."""
from __future__ import annotations

import pytest

from conversations.models import Handoff
from flows.models import FlowRun
from tests.flows.conftest import bot_texts

ORDER_FLOW = [
    ("ask", "collect_input", {"variable": "order_number", "question": "Número de pedido?"}),
    ("done", "message", {"text": "Pedido {{order_number}}."}),
    ("none", "message", {"text": "Sin número, seguimos."}),
]
EDGES = [("ask", "done", "next"), ("ask", "none", "error")]


@pytest.fixture
def waiting(make_flow, conversation, deliver):
    make_flow(ORDER_FLOW, EDGES, name="Pedidos", trigger={"kind": "keywords", "keywords": ["pedido"]})
    deliver(conversation, "Dónde está mi pedido")
    assert bot_texts(conversation) == ["Número de pedido?"]
    return conversation


@pytest.mark.django_db
def test_a_spanish_request_for_a_person_hands_off_in_spanish(waiting, deliver):
    _, consumed = deliver(waiting, "Quiero hablar con una persona, por favor")

    assert consumed
    handoff = Handoff.objects.get(conversation=waiting)
    assert handoff.trigger == "user_request" and handoff.target_team is None
    assert handoff.reason == "The visitor asked for a human: “Quiero hablar con una persona, por favor”"
    run = FlowRun.objects.get(conversation=waiting)
    assert not run.active and run.end_reason == "handed_off"
    assert "order_number" not in run.state["variables"]


@pytest.mark.django_db
def test_a_german_refusal_takes_the_no_answer_path(waiting, deliver):
    deliver(waiting, "Ich weiß nicht")

    assert bot_texts(waiting)[-1] == "Sin número, seguimos."
    assert not Handoff.objects.filter(conversation=waiting).exists()
    assert "order_number" not in FlowRun.objects.get(conversation=waiting).state["variables"]


@pytest.mark.django_db
def test_an_order_number_is_still_taken(waiting, deliver):
    deliver(waiting, "es el A1234")
    assert bot_texts(waiting)[-1] == "Pedido A1234."


@pytest.mark.django_db
def test_a_restricted_topic_instead_of_the_order_number_goes_to_the_topics_target(waiting, deliver, workspace,
                                                                                   billing_team):
    from routing.selectors import policy_for
    from tests import factories

    factories.RestrictedTopicFactory(policy=policy_for(workspace=workspace), name="Billing disputes",
                                     keywords=["chargeback"], examples=["I want to dispute a charge"],
                                     target_kind="team", target_team=billing_team)
    _, consumed = deliver(waiting, "olvídalo, voy a hacer un chargeback con mi banco")

    assert consumed
    handoff = Handoff.objects.get(conversation=waiting)
    assert (handoff.trigger, handoff.target_team) == ("restricted_topic", billing_team)
    assert handoff.priority in ("high", "urgent") and "restricted topic" in handoff.priority_reasons  # as outside a flow
    assert handoff.reason.startswith("Restricted topic “Billing disputes”: “olvídalo")
    assert FlowRun.objects.get(conversation=waiting).end_reason == "handed_off"
