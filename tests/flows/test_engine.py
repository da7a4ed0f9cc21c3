"""The flow engine as a pure step function: dataclasses in, dataclasses out, no database."""

from __future__ import annotations

from typing import Any

import pytest

from flows.engine import (
    CallWebhook,
    EffectResult,
    Inbound,
    LetAIAnswer,
    Log,
    Reading,
    RequestHandoff,
    Resolve,
    RunAIAction,
    RunState,
    SendMessage,
    SetAttributes,
    Step,
    UpdateTags,
    advance,
)
from flows.graph import Edge, FlowGraph, Node
from flows.nodes import CollectInputConfig, check_answer, json_path, render
from tests.flows.conftest import graph_document

# --- helpers ---------------------------------------------------------------------------


def flow(
    *nodes: tuple[str, str, dict[str, Any]], edges: list[tuple[str, str, str]] | None = None
) -> FlowGraph:
    """Nodes as (id, type, config); without `edges`, consecutive nodes are chained by "next"."""
    return FlowGraph.from_document(graph_document(list(nodes), edges))


def sent(step: Step) -> list[str]:
    return [e.text for e in step.effects if isinstance(e, SendMessage)]


def logs(step: Step) -> list[str]:
    return [e.text for e in step.effects if isinstance(e, Log)]


def run(graph: FlowGraph, *texts: str | None, **inbound: Any) -> Step:
    """Start a run, then feed each text as the next visitor message; the last Step."""
    step = advance(graph, RunState(), Inbound(**inbound), flow_name="Billing")
    for text in texts:
        step = advance(graph, step.state, Inbound(text=text, **inbound), flow_name="Billing")
    return step


ASK_EMAIL = (
    "ask",
    "collect_input",
    {"variable": "email", "question": "Your email?", "kind": "email"},
)
THANKS = ("thanks", "message", {"text": "Thanks, {{email}}!"})
HANDOFF = (
    "handoff",
    "handoff",
    {"target": {"kind": "team", "name": "Billing"}, "reason": "Billing question"},
)


# --- graph document ----------------------------------------------------------------------


def test_document_round_trips_and_entry_is_first_node() -> None:
    doc = {
        "nodes": [
            {"id": "n1", "type": "message", "config": {"text": "Hi"}},
            {"id": "n2", "type": "resolve", "config": {"resolution": "resolved", "csat": True}},
        ],
        "edges": [{"from": "n1", "to": "n2", "when": "next"}],
    }
    graph = FlowGraph.from_document(doc)

    assert graph.to_document() == doc
    assert graph.entry == Node("n1", "message", {"text": "Hi"})
    assert graph.outgoing("n1") == (Edge("n1", "n2", "next"),)


def test_edge_without_when_means_next() -> None:
    graph = FlowGraph.from_document({"nodes": [], "edges": [{"from": "a", "to": "b"}]})
    assert graph.edges == (Edge("a", "b", "next"),)


# --- message, placeholders, the end of a flow ------------------------------------------------


def test_message_renders_variables_and_contact_placeholders_then_finishes() -> None:
    graph = flow(
        (
            "hi",
            "message",
            {"text": "Hi {{contact.name}}, plan {{ contact.plan }}, order {{order}}{{nope}}."},
        )
    )
    state = RunState(variables={"order": 42})

    step = advance(
        graph,
        state,
        Inbound(contact_fields={"name": "Ann"}, contact_attributes={"plan": "pro"}),
        flow_name="Billing",
    )

    assert sent(step) == ["Hi Ann, plan pro, order 42."]
    assert step.state.status == "finished"
    assert step.state.end_reason == "completed"
    assert logs(step) == ["flow Billing: sent message hi", "flow Billing: finished"]


def test_render_leaves_unknown_placeholders_empty() -> None:
    assert render("{{a}}-{{contact.b}}-{{ c }}", {"c": True}, {}) == "--true"


def test_an_empty_placeholder_takes_its_space_along() -> None:
    """Trial of 3 Dec: "I couldn't find an order {{order_number}}." with no number read "an order ."."""
    assert render("I couldn't find an order {{order_number}}. Let me help.", {}, {}) == \
        "I couldn't find an order. Let me help."
    assert render("Hi {{contact.name}} ({{contact.email}}), order {{n}} is late", {"n": "A1"}, {"name": "Pat"}) == \
        "Hi Pat, order A1 is late"


def test_empty_flow_finishes_at_once() -> None:
    step = advance(FlowGraph(), RunState(), Inbound())
    assert step.state.status == "finished"
    assert step.state.end_reason == "empty_flow"


# --- collect input ---------------------------------------------------------------------------


def test_collect_input_asks_waits_and_stores_the_answer() -> None:
    graph = flow(ASK_EMAIL, THANKS)

    asked = run(graph)
    assert sent(asked) == ["Your email?"]
    assert asked.state.status == "waiting_input"
    assert asked.state.awaiting == "ask"

    answered = advance(graph, asked.state, Inbound(text=" ann@example.org "), flow_name="Billing")
    assert answered.state.variables["email"] == "ann@example.org"
    assert sent(answered) == ["Thanks, ann@example.org!"]
    assert "flow Billing: collected email" in logs(answered)


def test_collect_input_re_asks_with_retry_text_on_invalid_input() -> None:
    ask = (
        "ask",
        "collect_input",
        {**ASK_EMAIL[2], "retry_text": "Hmm, {{contact.name}}, that is no email."},
    )
    graph = flow(ask, THANKS)

    step = run(graph, "not an email", contact_fields={"name": "Ann"})

    assert sent(step) == ["Hmm, Ann, that is no email."]
    assert step.state.status == "waiting_input"
    assert step.state.retries == {"ask": 1}
    assert "email" not in step.state.variables


@pytest.mark.parametrize("kind, text, hint", [
    ("email", "ana@example.org or ana.work@example.com", "I see more than one email address there"),
    ("phone", "+34 600 123 456 or +34 611 222 333", "I see more than one phone number there"),
    ("number", "2 or 3", "I see more than one number there"),
])
def test_an_answer_with_two_values_is_asked_which_one(kind: str, text: str, hint: str) -> None:
    graph = flow(("n", "collect_input", {"variable": "v", "kind": kind, "question": "Which?"}))
    step = run(graph, text)
    assert sent(step)[-1].startswith(hint) and "v" not in step.state.variables
    assert step.state.status == "waiting_input"


def test_collect_input_default_re_ask_repeats_the_question() -> None:
    step = run(flow(ASK_EMAIL, THANKS), "nope")
    assert sent(step) == ["That doesn't look like an email address. Your email?"]


def test_collect_input_gives_up_after_max_retries_via_error_edge() -> None:
    ask = ("ask", "collect_input", {**ASK_EMAIL[2], "max_retries": 1})
    graph = flow(
        ask, THANKS, HANDOFF, edges=[("ask", "thanks", "next"), ("ask", "handoff", "error")]
    )

    step = run(graph, "x", "y")

    assert isinstance(step.effects[-2], RequestHandoff)
    assert step.state.end_reason == "handed_off"
    assert step.state.retries == {}


def test_collect_input_gives_up_and_ends_without_error_edge() -> None:
    ask = ("ask", "collect_input", {**ASK_EMAIL[2], "max_retries": 0})
    step = run(flow(ask, THANKS), "x")
    assert step.state.status == "finished"
    assert step.state.end_reason == "input_invalid"
    assert logs(step) == ["flow Billing: no valid email after 1 tries; stopped"]


def test_collect_input_skips_when_the_variable_is_known() -> None:
    graph = flow(ASK_EMAIL, THANKS)

    step = advance(graph, RunState(variables={"email": "ann@example.org"}), Inbound())

    assert sent(step) == ["Thanks, ann@example.org!"]
    assert "flow: email already known, skipped the question" in logs(step)


def test_collect_input_skips_when_the_contact_has_it_but_not_when_invalid() -> None:
    graph = flow(ASK_EMAIL, THANKS)

    known = run(graph, contact_fields={"email": "ann@example.org"})
    invalid = run(graph, contact_fields={"email": "not-an-email"})

    assert known.state.variables == {"email": "ann@example.org"}
    assert sent(known) == ["Thanks, ann@example.org!"]
    assert sent(invalid) == ["Your email?"]


def test_choice_offers_quick_replies_and_accepts_label_or_number() -> None:
    ask = (
        "ask",
        "collect_input",
        {
            "variable": "topic",
            "question": "About?",
            "kind": "choice",
            "choices": ["Billing", "Shipping"],
        },
    )
    graph = flow(ask, ("ok", "message", {"text": "{{topic}}"}))

    asked = run(graph)
    assert asked.effects[0] == SendMessage("About?", ("Billing", "Shipping"))
    assert sent(run(graph, "shipping")) == ["Shipping"]
    assert sent(run(graph, "1")) == ["Billing"]
    reasked = run(graph, "Returns")
    assert reasked.effects[0] == SendMessage(
        "Please pick one of the options. About?", ("Billing", "Shipping")
    )


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("text", "  hello ", "hello"),
        ("text", "   ", None),
        ("email", "a@b.co", "a@b.co"),
        ("email", "a@b", None),
        ("phone", "+34 (600) 12-34-56", "+34600123456"),
        ("phone", "12", None),
        ("number", "42", 42),
        ("number", "3,5", 3.5),
        ("number", "many", None),
        ("number", "nan", None),
        # an answer in a sentence, when it holds exactly one value
        ("email", "my email is carlos@example.com", "carlos@example.com"),
        ("email", "Mi correo es <carlos@example.es>.", "carlos@example.es"),
        ("email", "either a@b.co or c@d.co", None),
        ("phone", "call me on +34 600 123 456 please", "+34600123456"),
        ("number", "about 3 nights", 3),
        ("number", "2 adults and 1 child", None),
        ("number", "is it 5 a night?", None),
    ],
)
def test_answer_checks_per_kind(kind: str, text: str, value: Any) -> None:
    config = CollectInputConfig(variable="v", question="?", kind=kind)  # type: ignore[arg-type]
    assert check_answer(config, text) == value


# --- branch ------------------------------------------------------------------------------


def branch_flow(*conditions: dict[str, Any]) -> FlowGraph:
    labels = list(dict.fromkeys(c["label"] for c in conditions))
    nodes = [("b", "branch", {"conditions": list(conditions)})]
    nodes += [(label, "message", {"text": label}) for label in [*labels, "else"]]
    edges = [("b", label, label) for label in [*labels, "else"]]
    return flow(*nodes, edges=edges)


def test_branch_eq_on_variable_is_case_insensitive() -> None:
    graph = branch_flow({"label": "vip", "variable": "tier", "op": "eq", "value": "VIP"})
    assert sent(advance(graph, RunState(variables={"tier": "vip"}), Inbound())) == ["vip"]
    assert sent(advance(graph, RunState(variables={"tier": "basic"}), Inbound())) == ["else"]
    assert sent(advance(graph, RunState(), Inbound())) == ["else"]


def test_branch_contains_on_contact_attribute_and_list_membership() -> None:
    graph = branch_flow({"label": "eu", "attribute": "region", "op": "contains", "value": "eu"})
    assert sent(run(graph, contact_attributes={"region": "west-EU"})) == ["eu"]
    assert sent(run(graph, contact_attributes={"region": ["us", "eu"]})) == ["eu"]
    assert sent(run(graph, contact_attributes={"region": "us"})) == ["else"]


def test_branch_matches_regex_on_the_message() -> None:
    graph = branch_flow({"label": "order", "message": True, "op": "matches", "value": r"#\d{4,}"})
    assert sent(advance(graph, RunState(), Inbound(text="Where is #12345?"))) == ["order"]
    assert sent(advance(graph, RunState(), Inbound(text="Where is my order?"))) == ["else"]


def test_branch_at_least_compares_numbers() -> None:
    graph = branch_flow({"label": "often", "variable": "tries", "op": "at_least", "value": "2"})
    assert [sent(advance(graph, RunState(variables={"tries": n}), Inbound())) for n in (1, 2, "3", None)] == [
        ["else"], ["often"], ["often"], ["else"]]


# An order looked up twice: a number not found is asked for again once, then a person takes over.
LOOKUP_LOOP = flow(
    ("ask", "collect_input", {"variable": "order", "question": "Your order number?",
                              "retry_text": "Could you check it and send it again?"}),
    ("lookup", "branch", {"conditions": [{"label": "found", "variable": "order", "op": "eq", "value": "NW-1"}]}),
    ("status", "message", {"text": "{{order}} has shipped."}),
    ("count", "action", {"count": ["tries"]}),
    ("often", "branch", {"conditions": [{"label": "twice", "variable": "tries", "op": "at_least", "value": 2}]}),
    ("again", "message", {"text": "I couldn't find {{order}}."}),
    HANDOFF,
    edges=[("ask", "lookup", "next"), ("lookup", "status", "found"), ("lookup", "count", "else"),
           ("count", "often", "next"), ("often", "handoff", "twice"), ("often", "again", "else"),
           ("again", "ask", "next")],
)


def test_a_loop_asks_again_in_its_retry_words_and_a_count_ends_it() -> None:
    first = run(LOOKUP_LOOP, "NW-9")
    assert sent(first) == ["I couldn't find NW-9.", "Could you check it and send it again?"]
    assert first.state.variables["tries"] == 1 and first.state.status == "waiting_input"

    found = advance(LOOKUP_LOOP, first.state, Inbound(text="NW-1"))
    assert sent(found) == ["NW-1 has shipped."]

    second = advance(LOOKUP_LOOP, first.state, Inbound(text="NW-8"))
    assert sent(second) == []
    assert any(isinstance(e, RequestHandoff) for e in second.effects)
    assert second.state.variables["tries"] == 2


def test_two_values_are_asked_which_one_whatever_the_retry_text() -> None:
    ask = ("ask", "collect_input", {"variable": "order", "question": "Your order number?",
                                    "retry_text": "Could you check it and send it again?"})
    assert sent(run(flow(ask, THANKS), "NW-10001 or NW-10002")) == [
        "You gave more than one there: which one do you mean?"]


def test_branch_on_office_hours() -> None:
    graph = branch_flow({"label": "open", "op": "in_office_hours", "value": True})
    assert sent(run(graph, in_office_hours=True)) == ["open"]
    assert sent(run(graph, in_office_hours=False)) == ["else"]


def test_branch_first_matching_label_wins() -> None:
    graph = branch_flow(
        {"label": "first", "variable": "n", "op": "eq", "value": "1"},
        {"label": "second", "variable": "n", "op": "eq", "value": 1},
    )
    step = advance(graph, RunState(variables={"n": 1}), Inbound())
    assert sent(step) == ["first"]
    assert "flow: branch b: took “first”" in logs(step)


def test_branch_without_match_and_without_else_stops() -> None:
    graph = flow(
        ("b", "branch", {"conditions": [{"label": "x", "variable": "v", "op": "eq", "value": "1"}]})
    )
    step = advance(graph, RunState(), Inbound())
    assert step.state.end_reason == "no_branch"


# --- AI nodes ------------------------------------------------------------------------------


def test_ai_answer_lets_the_assistant_answer_and_goes_on() -> None:
    step = run(flow(("ai", "ai_answer", {}), THANKS))
    assert step.effects[0] == LetAIAnswer()
    assert step.state.status == "finished"


def test_ai_action_classify_waits_then_resumes_with_the_label() -> None:
    classify = (
        "cls",
        "ai_action",
        {"task": "classify", "variable": "intent", "labels": ["refund", "other"]},
    )
    graph = flow(classify, ("say", "message", {"text": "intent={{intent}}"}))

    waiting = advance(graph, RunState(), Inbound(text="I want my money back"))
    assert waiting.effects[0] == RunAIAction(
        "classify", "intent", ("refund", "other"), "I want my money back"
    )
    assert waiting.state.status == "waiting_effect"

    resumed = advance(
        graph, waiting.state, Inbound(effect_result=EffectResult(ok=True, json="Refund"))
    )
    assert resumed.state.variables == {"intent": "refund"}
    assert sent(resumed) == ["intent=refund"]


def test_ai_action_extract_failure_takes_error_edge_or_continues() -> None:
    extract = ("ext", "ai_action", {"task": "extract", "variable": "order"})
    oops = ("oops", "message", {"text": "oops"})
    done = ("done", "message", {"text": "order={{order}}"})
    with_error = flow(
        extract, done, oops, edges=[("ext", "done", "next"), ("ext", "oops", "error")]
    )
    without = flow(extract, done)
    failed = EffectResult(ok=False, error="no order number")

    assert sent(advance(with_error, run(with_error).state, Inbound(effect_result=failed))) == [
        "oops"
    ]
    assert sent(advance(without, run(without).state, Inbound(effect_result=failed))) == ["order="]
    ok = EffectResult(ok=True, json="A-17")
    assert sent(advance(without, run(without).state, Inbound(effect_result=ok))) == ["order=A-17"]


def test_ai_action_classify_outside_the_labels_is_a_failure() -> None:
    classify = (
        "cls",
        "ai_action",
        {"task": "classify", "variable": "intent", "labels": ["refund"]},
    )
    graph = flow(classify)
    step = advance(
        graph, run(graph).state, Inbound(effect_result=EffectResult(ok=True, json="weather"))
    )
    assert "intent" not in step.state.variables


# --- handoff, resolve, action ----------------------------------------------------------------


def test_handoff_ends_the_run_and_nothing_after_it_runs() -> None:
    graph = flow(HANDOFF, THANKS)  # the validator rejects this edge; the engine ignores it
    step = run(graph)
    assert step.effects == (
        RequestHandoff("team", "Billing", "Billing question"),
        Log("flow Billing: handed off to team Billing"),
    )
    assert step.state.status == "finished"
    assert step.state.end_reason == "handed_off"


def test_handoff_without_reason_names_the_flow() -> None:
    graph = flow(("h", "handoff", {"target": {"kind": "specialty", "name": "refunds"}}))
    assert run(graph).effects[0] == RequestHandoff(
        "specialty", "refunds", "Requested by flow Billing"
    )


def test_handoff_reason_fills_its_placeholders() -> None:
    """Trial 55: agents read "Warranty claim for order {{order}}" with the order collected."""
    graph = flow(("h", "handoff", {"target": {"kind": "team", "name": "Billing"},
                                   "reason": "Warranty claim for order {{order}}"}))
    step = advance(graph, RunState(variables={"order": "NW-10001"}), Inbound(), flow_name="Billing")
    assert step.effects[0] == RequestHandoff("team", "Billing", "Warranty claim for order NW-10001")


def test_resolve_ends_the_run_with_csat_settings() -> None:
    graph = flow(
        (
            "r",
            "resolve",
            {"resolution": "no_action_needed", "csat": True, "csat_delay_seconds": 30},
        ),
        THANKS,
    )
    step = run(graph)
    assert step.effects[0] == Resolve("no_action_needed", True, 30)
    assert sent(step) == []
    assert step.state.end_reason == "resolved"


def test_resolve_defaults_leave_csat_to_the_policy() -> None:
    assert run(flow(("r", "resolve", {}))).effects[0] == Resolve("resolved", None, None)


def test_action_updates_tags_and_attributes_visible_to_later_branches() -> None:
    action = (
        "act",
        "action",
        {"add_tags": ["vip"], "remove_tags": ["new"], "set_attributes": {"plan": "{{plan}}"}},
    )
    graph = flow(
        action,
        (
            "b",
            "branch",
            {"conditions": [{"label": "pro", "attribute": "plan", "op": "eq", "value": "pro"}]},
        ),
        ("pro", "message", {"text": "pro"}),
        ("other", "message", {"text": "other"}),
        edges=[("act", "b", "next"), ("b", "pro", "pro"), ("b", "other", "else")],
    )
    step = advance(
        graph, RunState(variables={"plan": "pro"}), Inbound(contact_attributes={"plan": "free"})
    )
    assert step.effects[0] == UpdateTags(("vip",), ("new",))
    assert step.effects[1] == SetAttributes({"plan": "pro"})
    assert sent(step) == ["pro"]
    assert logs(step)[0] == "flow: tagged vip; untagged new; set plan"


# --- webhook ---------------------------------------------------------------------------------

WEBHOOK = (
    "hook",
    "webhook",
    {
        "url": "https://api.example.org/orders",
        "secret": "s3",
        "timeout_seconds": 5,
        "retries": 1,
        "map": {"status": "items.0.status", "eta": "eta", "gone": "x.y"},
    },
)


def test_webhook_posts_a_payload_then_maps_the_response() -> None:
    graph = flow(WEBHOOK, ("say", "message", {"text": "{{status}} by {{eta}}"}))

    waiting = advance(
        graph,
        RunState(variables={"order": "A-1"}),
        Inbound(text="where?", contact_fields={"name": "Ann"}),
        flow_name="Billing",
    )
    call = waiting.effects[0]
    assert isinstance(call, CallWebhook)
    assert (call.url, call.secret, call.timeout_seconds, call.retries) == (
        "https://api.example.org/orders",
        "s3",
        5,
        1,
    )
    assert call.payload == {
        "flow": "Billing",
        "node": "hook",
        "variables": {"order": "A-1"},
        "contact": {"name": "Ann", "attributes": {}},
        "message": "where?",
    }
    assert waiting.state.status == "waiting_effect"

    body = {"items": [{"status": "shipped"}], "eta": "Friday"}
    done = advance(
        graph,
        waiting.state,
        Inbound(effect_result=EffectResult(ok=True, json=body)),
        flow_name="Billing",
    )
    assert done.state.variables == {"order": "A-1", "status": "shipped", "eta": "Friday"}
    assert sent(done) == ["shipped by Friday"]
    assert (
        logs(done)[0]
        == "flow Billing: webhook succeeded; set status, eta; not in the response: x.y"
    )


def test_webhook_failure_takes_the_error_edge() -> None:
    graph = flow(
        WEBHOOK, THANKS, HANDOFF, edges=[("hook", "thanks", "next"), ("hook", "handoff", "error")]
    )
    step = advance(
        graph, run(graph).state, Inbound(effect_result=EffectResult(ok=False, error="timeout"))
    )
    assert isinstance(step.effects[1], RequestHandoff)
    assert logs(step)[0] == "flow: webhook failed (timeout); took the error edge"


def test_webhook_failure_without_error_edge_ends_the_run() -> None:
    graph = flow(WEBHOOK, THANKS)
    step = advance(
        graph,
        run(graph).state,
        Inbound(effect_result=EffectResult(ok=False, error="HTTP 500")),
        flow_name="Billing",
    )
    assert step.state.end_reason == "webhook_failed"
    assert sent(step) == []
    assert logs(step) == ["flow Billing: webhook failed (HTTP 500) and has no error edge; stopped"]


def test_json_path() -> None:
    data = {"items": [{"status": "a"}, {"status": "b"}], "n": 0}
    assert json_path(data, "items.1.status") == (True, "b")
    assert json_path(data, "items[0].status") == (True, "a")
    assert json_path(data, "items.-1.status") == (True, "b")
    assert json_path(data, "n") == (True, 0)
    assert json_path(data, "") == (True, data)
    assert json_path(data, "items.5.status") == (False, None)
    assert json_path(data, "n.x") == (False, None)


# --- run bookkeeping: waiting, stale input, steps, limits -------------------------------------


def test_inbound_the_run_cannot_use_changes_nothing() -> None:
    graph = flow(WEBHOOK, ASK_EMAIL)
    waiting_effect = run(graph).state
    waiting_input = run(flow(ASK_EMAIL)).state
    finished = run(flow(THANKS)).state

    assert advance(graph, waiting_effect, Inbound(text="hello?")) == Step(waiting_effect, ())
    assert advance(graph, waiting_input, Inbound(effect_result=EffectResult(ok=True))) == Step(
        waiting_input, ()
    )
    assert advance(graph, waiting_input, Inbound()) == Step(waiting_input, ())
    assert advance(graph, finished, Inbound(text="hi")) == Step(finished, ())


def test_a_stale_effect_result_is_ignored() -> None:
    graph = flow(WEBHOOK, THANKS)
    waiting = run(graph).state
    stale = EffectResult(ok=True, json={}, step=waiting.steps - 1)
    current = EffectResult(ok=True, json={}, step=waiting.steps)

    assert advance(graph, waiting, Inbound(effect_result=stale)) == Step(waiting, ())
    assert advance(graph, waiting, Inbound(effect_result=current)).state.status == "finished"


def test_advance_is_deterministic_and_steps_only_grow() -> None:
    graph = flow(("hi", "message", {"text": "Hi"}), ASK_EMAIL, THANKS)
    first = advance(graph, RunState(), Inbound())
    assert advance(graph, RunState(), Inbound()) == first

    second = advance(graph, first.state, Inbound(text="ann@example.org"))
    assert 0 < first.state.steps < second.state.steps
    assert advance(graph, first.state, Inbound(text="ann@example.org")) == second


def test_step_limit_stops_a_loop_without_input() -> None:
    graph = flow(
        ("a", "action", {"add_tags": ["x"]}),
        ("b", "message", {"text": "again"}),
        edges=[("a", "b", "next"), ("b", "a", "next")],
    )
    step = advance(graph, RunState(), Inbound(), flow_name="Billing", max_steps=10)
    assert step.state.status == "finished"
    assert step.state.end_reason == "step_limit"
    assert step.state.steps == 10
    assert len(sent(step)) == 5
    assert logs(step)[-1] == (
        "flow Billing: stopped after 10 steps without waiting for the visitor; the flow probably loops"
    )


def test_a_loop_back_to_collect_input_asks_again_even_when_known() -> None:
    graph = flow(
        ASK_EMAIL,
        ("again", "message", {"text": "Not found, {{email}}."}),
        edges=[("ask", "again", "next"), ("again", "ask", "next")],
    )
    step = advance(graph, RunState(), Inbound(contact_fields={"email": "a@b.co"}))
    assert sent(step) == ["Not found, a@b.co.", "Your email?"]
    assert step.state.status == "waiting_input"

    step = advance(graph, step.state, Inbound(text="c@d.co"))
    assert sent(step) == ["Not found, c@d.co.", "Your email?"]
    assert step.state.status == "waiting_input"


def test_a_misconfigured_node_stops_the_run_with_the_reason() -> None:
    step = run(flow(("m", "message", {})))
    assert step.state.end_reason == "misconfigured"
    assert logs(step) == [
        "flow Billing: node m is not set up correctly (Write the message to send.); stopped"
    ]


def test_an_edge_to_a_missing_node_stops_the_run() -> None:
    graph = flow(THANKS, edges=[("thanks", "ghost", "next")])
    step = advance(graph, RunState(variables={"email": "x"}), Inbound())
    assert step.state.end_reason == "missing_node"


def test_state_round_trips_through_a_dict() -> None:
    state = run(flow(ASK_EMAIL), "bad").state
    assert RunState.from_dict(state.to_dict()) == state


@pytest.mark.parametrize("pick, order", [
    ("the second one", "NW-10002"), ("La primera, por favor", "NW-10001"), ("die letzte", "NW-10002"),
    ("la première", "NW-10001"), ("o segundo", "NW-10002"),
])
def test_which_one_is_answered_by_its_place(pick: str, order: str) -> None:
    ask = ("ask", "collect_input", {"variable": "order_number", "question": "Your order number?"})
    graph = flow(ask, ("status", "message", {"text": "Looking up {{order_number}}."}))
    asked = run(graph, "NW-10001 or NW-10002")
    assert asked.state.offered == ("NW-10001", "NW-10002")
    assert RunState.from_dict(asked.state.to_dict()) == asked.state  # kept between messages

    step = advance(graph, asked.state, Inbound(text=pick))
    assert sent(step) == [f"Looking up {order}."]


def test_which_one_asked_at_the_start_takes_a_place_too_but_not_a_moment() -> None:
    ask = ("ask", "collect_input", {"variable": "order_number", "question": "Your order number?"})
    graph = flow(ask, ("status", "message", {"text": "Looking up {{order_number}}."}))
    asked = advance(graph, RunState(), Inbound(text="where are NW-10001 and NW-10002?"))
    assert sent(asked) == ["You gave more than one there: which one do you mean?"]

    waiting = advance(graph, asked.state, Inbound(text="wait a second"))
    assert waiting.state.status == "waiting_input" and waiting.state.offered == asked.state.offered
    picked = advance(graph, waiting.state, Inbound(text="the 2nd"))
    assert sent(picked) == ["Looking up NW-10002."] and picked.state.offered == ()


def test_which_one_by_its_place_or_number_is_no_escape_to_a_restricted_topic() -> None:
    """Re-trial of 4 Dec: "la primera" in an English conversation was read as the Refunds topic and handed off."""
    ask = ("ask", "collect_input", {"variable": "order_number", "question": "Your order number?"})
    graph = flow(ask, ("status", "message", {"text": "Looking up {{order_number}}."}), HANDOFF)
    asked = run(graph, "NW-10001 or NW-10002")
    on_refunds = Reading(topic="Refunds")
    assert sent(advance(graph, asked.state, Inbound(text="la primera", reading=on_refunds))) == ["Looking up NW-10001."]
    assert sent(advance(graph, asked.state, Inbound(text="2"))) == ["Looking up NW-10002."]
    escaped = advance(graph, asked.state, Inbound(text="I want a refund", reading=on_refunds))
    assert any(isinstance(e, RequestHandoff) for e in escaped.effects)
