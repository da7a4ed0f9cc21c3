"""A flow's Collect Input is never a trap: the escapes, decided by the pure engine from the
assistant's reading of the visitor's message (no database)."""

from __future__ import annotations

import pytest

from typing import Any

from flows.engine import Inbound, Reading, RequestHandoff, RunState, SendMessage, Step, advance, answers_the_question
from flows.graph import FlowGraph
from flows.nodes import CollectInputConfig, expects_specific_value, looks_like_value, why_we_ask
from tests.flows.conftest import graph_document

ASK_ORDER = ("ask", "collect_input", {"variable": "order_number", "kind": "text",
                                      "question": "What's your order number?"})
LOOKUP = ("lookup", "message", {"text": "Looking up {{order_number}}."})
NO_NUMBER = ("no_number", "message", {"text": "No problem, someone will look it up."})
RETURNS = Reading(kb_answer="You can return items within 30 days.", kb_metadata={"article": {"id": "7"}})


def flow(*nodes: tuple[str, str, dict[str, Any]], edges: list[tuple[str, str, str]] | None = None) -> FlowGraph:
    return FlowGraph.from_document(graph_document(list(nodes), edges))


def sent(step: Step) -> list[str]:
    return [e.text for e in step.effects if isinstance(e, SendMessage)]


def handoffs(step: Step) -> list[RequestHandoff]:
    return [e for e in step.effects if isinstance(e, RequestHandoff)]


def waiting(graph: FlowGraph) -> RunState:
    state = advance(graph, RunState(), Inbound(), flow_name="Orders").state
    assert state.status == "waiting_input"
    return state


def answer(graph: FlowGraph, state: RunState, text: str, reading: Reading | None = None) -> Step:
    return advance(graph, state, Inbound(text=text, reading=reading), flow_name="Orders")


ORDERS = flow(ASK_ORDER, LOOKUP)
ORDERS_WITH_FALLBACK = flow(ASK_ORDER, LOOKUP, NO_NUMBER,
                            edges=[("ask", "lookup", "next"), ("ask", "no_number", "error")])


def test_a_question_is_answered_and_the_flow_asks_again() -> None:
    step = answer(ORDERS, waiting(ORDERS), "What is your return policy?", RETURNS)

    assert sent(step) == ["You can return items within 30 days.", "What's your order number?"]
    assert step.effects[0].metadata == {"article": {"id": "7"}}  # the reply names its article
    assert step.state.status == "waiting_input"
    assert "order_number" not in step.state.variables

    after = answer(ORDERS, step.state, "A1234", Reading())
    assert after.state.variables["order_number"] == "A1234"
    assert sent(after) == ["Looking up A1234."]


def test_asked_why_the_flow_says_why_and_asks_again_once_then_goes_on_without_it() -> None:
    issue = flow(("ask", "collect_input", {"variable": "issue", "kind": "text", "question": "What's the billing issue?"}),
                 ("thanks", "message", {"text": "Thanks: {{issue}}"}), NO_NUMBER,
                 edges=[("ask", "thanks", "next"), ("ask", "no_number", "error")])
    why = Reading(why_asked=True)
    step = answer(issue, waiting(issue), "why do you need it?", why)
    assert sent(step) == [why_we_ask("en"), "What's the billing issue?"] and "issue" not in step.state.variables, \
        "a question back is not the billing issue"
    assert sent(answer(issue, step.state, "I was charged twice for one order", Reading())) == [
        "Thanks: I was charged twice for one order"]
    again = answer(issue, step.state, "but why?", why)
    assert sent(again) == ["No problem, someone will look it up."] and "issue" not in again.state.variables


def test_a_question_asked_with_the_value_is_answered_and_the_flow_goes_on() -> None:
    step = answer(ORDERS, waiting(ORDERS), "NW-10001 please, and can I also return it?", RETURNS)
    assert step.state.variables["order_number"] == "NW-10001"
    assert sent(step) == ["You can return items within 30 days.", "Looking up NW-10001."]
    issue = flow(("ask", "collect_input", {"variable": "issue", "kind": "text", "question": "What's the issue?"}),
                 ("thanks", "message", {"text": "Thanks."}))
    step = answer(issue, waiting(issue), "Can I return boots I wore once?", RETURNS)
    assert sent(step) == ["Thanks."], "a free-text question's answer is the question itself, not answered here"


def test_emoji_or_punctuation_alone_is_no_order_number_and_the_question_is_asked_again() -> None:
    for text in ("🙂🙂🙂", "??", "👍"):
        step = answer(ORDERS, waiting(ORDERS), text, Reading())
        assert step.state.status == "waiting_input", text
        assert "order_number" not in step.state.variables
        assert sent(step) == ["Sorry, I didn't get an answer. What's your order number?"]


def test_what_the_message_that_started_the_flow_gives_is_not_asked_for() -> None:
    started = advance(ORDERS, RunState(), Inbound(text="Where is my order NW-10001?"), flow_name="Orders")
    assert sent(started) == ["Looking up NW-10001."] and started.state.variables["order_number"] == "NW-10001"
    # without a code in it, the question is asked; a number or free text is never taken from it
    asked = advance(ORDERS, RunState(), Inbound(text="Where is my order?"), flow_name="Orders")
    assert sent(asked) == ["What's your order number?"]
    guests = flow(("n", "collect_input", {"variable": "guests", "kind": "number", "question": "How many guests?"}))
    assert sent(advance(guests, RunState(), Inbound(text="a room for 2 please"), flow_name="Rooms")) == ["How many guests?"]


def test_the_question_is_asked_at_most_twice_then_the_fallback_path() -> None:
    first = answer(ORDERS_WITH_FALLBACK, waiting(ORDERS_WITH_FALLBACK), "What is your return policy?", RETURNS)
    second = answer(ORDERS_WITH_FALLBACK, first.state, "And how long does shipping take?",
                    Reading(kb_answer="Shipping takes 3 days."))

    assert sent(second) == ["Shipping takes 3 days.", "No problem, someone will look it up."]
    assert second.state.passed_inputs == ("ask",)
    assert "order_number" not in second.state.variables


def test_without_a_fallback_path_the_flow_goes_on_without_the_value() -> None:
    first = answer(ORDERS, waiting(ORDERS), "What is your return policy?", RETURNS)
    second = answer(ORDERS, first.state, "How long does shipping take?", Reading(kb_answer="3 days."))

    assert sent(second) == ["3 days.", "Looking up."]
    assert "order_number" not in second.state.variables


def test_a_request_for_a_person_hands_off_at_once_with_what_is_known() -> None:
    graph = flow(("intro", "collect_input", {"variable": "email", "kind": "email", "question": "Email?"}),
                 ASK_ORDER, LOOKUP)
    state = answer(graph, waiting(graph), "ann@example.org", Reading()).state
    assert state.variables == {"email": "ann@example.org"}

    step = answer(graph, state, "I want to talk to a person", Reading(wants_person=True, language="es"))

    (handoff,) = handoffs(step)
    assert (handoff.target_kind, handoff.trigger, handoff.notice) == ("", "user_request", "of_course")
    assert handoff.reason == "The visitor asked for a human: “I want to talk to a person”"
    assert handoff.language == "es"
    assert step.state.end_reason == "handed_off"
    assert step.state.variables == {"email": "ann@example.org"}
    assert sent(step) == []  # the normal handoff path tells the visitor, not the flow


def test_a_visitor_who_leaves_the_flow_for_a_person_goes_where_the_flow_hands_off() -> None:
    to_billing = ("to_billing", "handoff", {"target": {"kind": "team", "name": "Billing"}, "reason": "Billing question"})
    graph = flow(ASK_ORDER, to_billing)
    (handoff,) = handoffs(answer(graph, waiting(graph), "can I talk to someone?", Reading(wants_person=True)))
    assert (handoff.target_kind, handoff.target_name, handoff.trigger) == ("team", "Billing", "user_request")

    # two Handoff nodes with different targets: the workspace's routing decides
    to_support = ("to_support", "handoff", {"target": {"kind": "team", "name": "Support"}})
    graph = flow(ASK_ORDER, to_billing, to_support, edges=[("ask", "to_billing", "next"), ("ask", "to_support", "error")])
    (handoff,) = handoffs(answer(graph, waiting(graph), "this is useless", Reading(upset=True)))
    assert (handoff.target_kind, handoff.target_name) == ("", "")


def test_a_restricted_topic_instead_of_the_answer_hands_off_with_the_topic() -> None:
    graph = flow(("intro", "collect_input", {"variable": "email", "kind": "email", "question": "Email?"}), LOOKUP)
    step = answer(graph, waiting(graph), "forget it, I want a refund", Reading(topic="Refunds", upset=True))
    (handoff,) = handoffs(step)
    assert (handoff.trigger, handoff.topic, handoff.notice) == ("restricted_topic", "Refunds", "sorry")
    assert handoff.reason == "Restricted topic “Refunds”: “forget it, I want a refund”"

    # an order number given with it is kept, and no lookup runs on the sentence
    step = answer(ORDERS, waiting(ORDERS), "A1234, you charged me twice for it", Reading(topic="Billing disputes"))
    assert handoffs(step) and sent(step) == []

    # the free-text answer of a flow about that very topic is an answer, not an escape
    issue = flow(("issue", "collect_input", {"variable": "issue", "kind": "text", "question": "What's the issue?"}),
                 ("thanks", "message", {"text": "Thanks: {{issue}}"}))
    step = answer(issue, waiting(issue), "you charged me twice for my order", Reading(topic="Billing disputes"))
    assert not handoffs(step) and sent(step) == ["Thanks: you charged me twice for my order"]


def test_anger_hands_off_with_a_sorry_notice_and_keeps_a_value_given_with_it() -> None:
    step = answer(ORDERS, waiting(ORDERS), "A1234 and this is ridiculous, I've waited two weeks",
                  Reading(upset=True))

    (handoff,) = handoffs(step)
    assert (handoff.trigger, handoff.notice) == ("ai_decision", "sorry")
    assert handoff.reason.startswith("The visitor is frustrated: “A1234 and this is ridiculous")
    assert step.state.variables["order_number"] == "A1234"


@pytest.mark.parametrize("button, reading", [("Damaged", Reading(upset=True)), ("terrible quality ", Reading(upset=True)),
                                             ("Talk to a person", Reading(wants_person=True)),
                                             ("Refund", Reading(topic="Refunds"))])
def test_one_of_the_questions_own_buttons_is_its_answer_whatever_it_reads_as(button, reading) -> None:
    """Clicking "Damaged" was read as frustration and handed the visitor off, skipping the flow's own "Damaged"
    branch, even under "AI only" (trial of 3 Dec)."""
    graph = flow(("problem", "collect_input", {"variable": "problem", "kind": "choice", "question": "What happened?",
                                               "choices": ["Damaged", "Terrible quality", "Talk to a person", "Refund"]}),
                 ("thanks", "message", {"text": "Noted: {{problem}}"}))
    step = answer(graph, waiting(graph), button, reading)
    assert handoffs(step) == [] and sent(step) == [f"Noted: {step.state.variables['problem']}"]
    assert step.state.variables["problem"].casefold() == button.strip().casefold()
    # the same words typed with more around them still escape
    assert handoffs(answer(graph, waiting(graph), f"{button.strip()}!! this is ridiculous, useless shop", reading))


def test_an_explicit_request_outranks_frustration() -> None:
    step = answer(ORDERS, waiting(ORDERS), "This is useless, get me a human", Reading(wants_person=True, upset=True))
    (handoff,) = handoffs(step)
    assert (handoff.trigger, handoff.notice) == ("user_request", "sorry")


def test_a_refusal_takes_the_no_answer_path_instead_of_becoming_the_value() -> None:
    step = answer(ORDERS_WITH_FALLBACK, waiting(ORDERS_WITH_FALLBACK), "I don't know it", Reading(declined=True))

    assert sent(step) == ["No problem, someone will look it up."]
    assert "order_number" not in step.state.variables

    skipped = answer(ORDERS, waiting(ORDERS), "skip", Reading(declined=True))
    assert sent(skipped) == ["Looking up."]
    assert "order_number" not in skipped.state.variables


def test_values_that_look_like_answers_are_still_accepted() -> None:
    # the code alone is kept when a sentence gives it ("it's 55512" is order 55512)
    for text, value in (("A1234", "A1234"), ("it's 55512", "55512"), ("NW-10001", "NW-10001"),
                        ("No, it's A1234", "A1234"), ("my order number is NW 10002", "NW 10002")):
        step = answer(ORDERS, waiting(ORDERS), text, Reading(declined=text.startswith("No"),
                                                             kb_answer="an unrelated article"))
        assert step.state.variables["order_number"] == value, text


ORDERS_THEN_EMAIL = flow(ASK_ORDER, LOOKUP, NO_NUMBER,
                         ("ask_email", "collect_input", {"variable": "email", "kind": "email",
                                                         "question": "What email did you order with?"}),
                         ("passed", "message", {"text": "Our team will write to {{email}}."}),
                         edges=[("ask", "lookup", "next"), ("ask", "no_number", "error"),
                                ("no_number", "ask_email", "next"), ("ask_email", "passed", "next")])


@pytest.mark.parametrize("text, reading", [("jean@gmail.com", Reading()), ("c'est jean@gmail.com", Reading()),
                                           ("I don't have one, I ordered with jean@gmail.com", Reading(declined=True))])
def test_an_email_address_at_the_order_numbers_question_is_no_number_and_answers_the_email_question(text, reading):
    # trial of 4 Dec: "jean@gmail.com" at the order number's question was looked up ("No order jean@gmail.com"); then
    # refused as no number, and "I don't have one, I used jane.doe@example.com" was asked for the email again
    step = answer(ORDERS_THEN_EMAIL, waiting(ORDERS_THEN_EMAIL), text, reading)
    assert sent(step) == ["No problem, someone will look it up.", "Our team will write to jean@gmail.com."]
    assert "order_number" not in step.state.variables and step.state.variables["email"] == "jean@gmail.com"
    with_code = answer(ORDERS, waiting(ORDERS), "NW-10002, and my email is jean@gmail.com", Reading())
    assert with_code.state.variables["order_number"] == "NW-10002"


def test_two_numbers_in_the_message_that_starts_the_flow_are_asked_about_and_both_is_no_number() -> None:
    # re-trial of 4 Dec: "What's the status of NW-10001 and NW-10002?" got "What's your order number?", and "both"
    # was looked up as an order number
    step = advance(ORDERS, RunState(), Inbound(text="What's the status of NW-10001 and NW-10002?"), flow_name="Orders")
    assert sent(step) == ["You gave more than one there: which one do you mean?"]
    assert step.state.status == "waiting_input"
    assert "order_number" not in answer(ORDERS, step.state, "both", Reading()).state.variables
    assert answer(ORDERS, step.state, "the second, NW-10002", Reading()).state.variables["order_number"] == "NW-10002"


def test_a_number_corrected_in_the_same_message_is_the_one_it_corrects_to_and_two_are_asked_about() -> None:
    # trial of 4 Dec: "NW-10001, perdón, quise decir NW-10002" was looked up whole: "No order NW-10001, perdón, …"
    corrected = answer(ORDERS, waiting(ORDERS), "NW-10001, perdón, quise decir NW-10002", Reading())
    assert corrected.state.variables["order_number"] == "NW-10002"
    two = answer(ORDERS, waiting(ORDERS), "NW-10001 and NW-10002", Reading())
    assert "order_number" not in two.state.variables and two.state.status == "waiting_input"
    assert sent(two) == ["You gave more than one there: which one do you mean?"]


def test_without_a_reading_a_message_with_a_value_gives_it() -> None:
    step = answer(ORDERS, waiting(ORDERS), "it's nw10001 I think", None)
    assert step.state.variables["order_number"] == "nw10001"


@pytest.mark.parametrize("reading", [None, Reading()])
def test_a_question_with_nothing_like_a_value_is_no_order_number_even_unanswered(reading) -> None:
    # trial of 2 Dec: "actually, do you ship to Canada?" was looked up as the order number, "not found", handed off
    step = answer(ORDERS, waiting(ORDERS), "actually, do you ship to Canada?", reading)
    assert step.state.status == "waiting_input" and "order_number" not in step.state.variables
    assert sent(step) == ["I couldn't find an answer to that in our help articles. What's your order number?"]


@pytest.mark.parametrize("text", ["Can I change my delivery address to 2 Elm St?",
                                  "Can I change my delivery address? [ref-v3m1]", "do you have size 42 in stock?"])
def test_a_question_with_a_number_but_no_code_is_no_order_number(text) -> None:
    # trial of 3 Dec: a question with a digit in it was taken whole as the order number: "I couldn't find an order
    # Can I change my delivery address? …", and handed off
    step = answer(ORDERS, waiting(ORDERS), text, Reading())
    assert step.state.status == "waiting_input" and "order_number" not in step.state.variables


@pytest.mark.parametrize("text, code", [("is it NW-10001?", "NW-10001"), ("my order is 55512, where is it?", "55512")])
def test_a_question_holding_a_code_gives_it(text, code) -> None:
    step = answer(ORDERS, waiting(ORDERS), text, Reading())
    assert step.state.variables["order_number"] == code


def test_a_free_text_question_takes_a_question_as_the_answer_but_not_a_short_refusal() -> None:
    issue = flow(("ask", "collect_input", {"variable": "issue", "kind": "text", "question": "What's the issue?"}),
                 ("done", "message", {"text": "Noted: {{issue}}"}))

    described = answer(issue, waiting(issue), "Why was I charged twice?", Reading(kb_answer="Refunds take 5 days."))
    assert described.state.variables["issue"] == "Why was I charged twice?"

    no_refund = answer(issue, waiting(issue), "No refund came through yet", Reading(declined=True))
    assert no_refund.state.variables["issue"] == "No refund came through yet"

    refused = answer(issue, waiting(issue), "rather not", Reading(declined=True))
    assert "issue" not in refused.state.variables


def test_validated_kinds_keep_rejecting_and_their_re_ask_has_the_escapes() -> None:
    graph = flow(("ask", "collect_input", {"variable": "email", "kind": "email", "question": "Email?"}),
                 ("done", "message", {"text": "Thanks {{email}}"}))
    invalid = answer(graph, waiting(graph), "nope@", Reading())
    assert sent(invalid) == ["That doesn't look like an email address. Email?"]

    question = answer(graph, invalid.state, "What are your opening hours?", Reading(kb_answer="9 to 5."))
    assert sent(question) == ["9 to 5.", "Thanks"]  # asked twice already: the flow goes on without it

    refused = answer(graph, invalid.state, "I'd rather not", Reading(declined=True))
    assert sent(refused) == ["Thanks"]
    person = answer(graph, invalid.state, "let me talk to a person", Reading(wants_person=True))
    assert [h.trigger for h in handoffs(person)] == ["user_request"]

    choice = flow(("ask", "collect_input", {"variable": "plan", "kind": "choice", "question": "Plan?",
                                            "choices": ["yes", "no"]}), ("done", "message", {"text": "{{plan}}"}))
    assert answer(choice, waiting(choice), "no", Reading(declined=True)).state.variables["plan"] == "no"


def test_which_questions_expect_one_specific_value() -> None:
    def specific(variable: str, kind: str = "text") -> bool:
        return expects_specific_value(CollectInputConfig(variable=variable, question="?", kind=kind))

    assert specific("order_number") and specific("bookingRef") and specific("email", "email")
    assert not specific("issue") and not specific("order_issue") and not specific("name")
    assert looks_like_value("A1234") and looks_like_value("it's 55512") and looks_like_value("ABCDEF")
    assert not looks_like_value("What is your return policy?") and not looks_like_value("I don't know it")


LEAVING = "All right, let's leave that there. What else can I help you with?"


@pytest.mark.parametrize("kind", ["text", "email"])
def test_a_visitor_who_leaves_the_question_leaves_the_flow(kind) -> None:
    """Trial of 3 Dec: "never mind" at the email question was asked again as an invalid email, and "stop" at a free-text
    question was filed as the billing issue and handed to the team. Left, the flow says so and stops there."""
    ask = ("ask", "collect_input", {"variable": "issue", "kind": kind, "question": "What's the billing issue?"})
    graph = flow(ask, ("handoff", "handoff", {"target": {"kind": "team", "name": "Billing"}, "reason": "Billing"}))

    step = answer(graph, waiting(graph), "stop", Reading(leaving=LEAVING))

    assert sent(step) == [LEAVING] and not handoffs(step)
    assert step.state.finished and step.state.end_reason == "visitor_left" and "issue" not in step.state.variables


def test_leaving_with_a_question_answers_it_and_a_choice_named_like_leaving_is_still_an_answer() -> None:
    step = answer(ORDERS, waiting(ORDERS), "never mind, what is your return policy?",
                  Reading(leaving=LEAVING, kb_answer=RETURNS.kb_answer, kb_metadata=RETURNS.kb_metadata))
    assert sent(step) == [LEAVING, RETURNS.kb_answer] and step.state.finished

    choose = flow(("ask", "collect_input", {"variable": "what", "kind": "choice", "question": "Which one?",
                                            "choices": ["Track", "Cancel"]}), LOOKUP)
    picked = answer(choose, waiting(choose), "Cancel", Reading(leaving=LEAVING))
    assert picked.state.variables["what"] == "Cancel" and LEAVING not in sent(picked)


def test_a_request_for_a_person_with_leaving_words_still_hands_off() -> None:
    step = answer(ORDERS, waiting(ORDERS), "forget it, get me a human", Reading(leaving=LEAVING, wants_person=True))
    assert handoffs(step) and LEAVING not in sent(step)


@pytest.mark.parametrize("text", ["ok", "Okay!", "wait", "vale", "hmm"])
def test_a_word_of_acknowledgement_is_no_order_number(text: str) -> None:
    """"ok" typed while the visitor looks the number up was looked up as the order number."""
    step = answer(ORDERS, waiting(ORDERS), text, Reading())
    assert "order_number" not in step.state.variables and step.state.status == "waiting_input"
    assert answer(ORDERS, waiting(ORDERS), "ABCDEF", Reading()).state.variables["order_number"] == "ABCDEF"


@pytest.mark.parametrize(("graph", "text", "reading", "takes"), [
    (ORDERS, "NW-24680", Reading(), True),
    (ORDERS, "ok", Reading(), False),
    (ORDERS, "let me check", Reading(), False),
    (ORDERS, "NW-24680, get me a person", Reading(wants_person=True), False),
    (ORDERS, "never mind", Reading(leaving="All right."), False),
    (flow(("ask", "collect_input", {"variable": "issue", "kind": "text", "question": "What happened?"})),
     "my package", Reading(), False),
])
def test_which_message_a_waiting_question_takes_ahead_of_a_newer_one(graph, text, reading, takes) -> None:
    """A burst's earlier message goes to the question only when it is the answer (`answers_the_question`): free
    text, which comes in pieces, is the newest message's."""
    assert answers_the_question(graph, waiting(graph), text, reading) is takes
    assert answers_the_question(graph, RunState(), text, reading) is False, "no question waits"
