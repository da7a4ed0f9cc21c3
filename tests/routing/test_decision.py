"""The handoff decision, level by level and trigger by trigger (no database)."""
import pytest

from routing.decision import INSIST_LIMIT, HandoffLevel, TurnSignals, decide

ALL = list(HandoffLevel)
ONE_REQUEST = {"asked_for_human": True, "human_requests": 1}

# (signals, expected action per level) — quick, balanced, ai_first; ai_only is checked below.
CASES = {
    "explicit human request, problem unknown": (
        ONE_REQUEST, {"quick": ("handoff", "user_request"), "balanced": ("handoff", "user_request"),
                      "ai_first": ("ask_problem", None)}),
    "explicit human request, problem stated, AI can answer, not tried": (
        {**ONE_REQUEST, "has_problem_statement": True}, {"quick": ("handoff", "user_request"),
                                                         "balanced": ("handoff", "user_request"),
                                                         "ai_first": ("answer", None)}),
    "explicit human request after the AI tried": (
        {**ONE_REQUEST, "has_problem_statement": True, "ai_attempted": True},
        {"quick": ("handoff", "user_request"), "balanced": ("handoff", "user_request"),
         "ai_first": ("handoff", "user_request")}),
    "frustration": (
        {"frustrated": True}, {"quick": ("handoff", "ai_decision"), "balanced": ("offer_human", None),
                               "ai_first": ("answer", None)}),
    "frustration after the human was offered": (
        {"frustrated": True, "ai_offered_human": True}, {"quick": ("handoff", "ai_decision"),
                                                         "balanced": ("answer", None), "ai_first": ("answer", None)}),
    "restricted topic": (
        {"restricted_topic": "Billing disputes"}, {"quick": ("handoff", "restricted_topic"),
                                                   "balanced": ("handoff", "restricted_topic"),
                                                   "ai_first": ("handoff", "restricted_topic")}),
    "knowledge base cannot answer, problem stated": (
        {"kb_can_answer": False, "has_problem_statement": True},
        {"quick": ("handoff", "ai_decision"), "balanced": ("handoff", "ai_decision"),
         "ai_first": ("handoff", "ai_decision")}),
    "knowledge base cannot answer, no problem statement": (
        {"kb_can_answer": False}, {"quick": ("handoff", "ai_decision"), "balanced": ("handoff", "ai_decision"),
                                   "ai_first": ("ask_problem", None)}),
    "knowledge base cannot answer, the visitor declined a person": (
        {"kb_can_answer": False, "declined_human": True},
        {"quick": ("offer_human", None), "balanced": ("offer_human", None), "ai_first": ("offer_human", None)}),
    "answer did not help": (
        {"said_not_helpful": True, "has_problem_statement": True},
        {"quick": ("handoff", "ai_decision"), "balanced": ("handoff", "ai_decision"),
         "ai_first": ("handoff", "ai_decision")}),
    "repeated failure (a loop)": (
        {"repeated_failure": True, "has_problem_statement": True},
        {"quick": ("handoff", "ai_decision"), "balanced": ("handoff", "ai_decision"),
         "ai_first": ("handoff", "ai_decision")}),
    "flow node": ({"flow_handoff": True}, {"quick": ("handoff", "flow"), "balanced": ("handoff", "flow"),
                                           "ai_first": ("handoff", "flow")}),
    "agent takeover": ({"agent_takeover": True}, {"quick": ("handoff", "agent"), "balanced": ("handoff", "agent"),
                                                  "ai_first": ("handoff", "agent")}),
    "assistant error": ({"assistant_error": True}, {"quick": ("handoff", "ai_decision"),
                                                    "balanced": ("handoff", "ai_decision"),
                                                    "ai_first": ("handoff", "ai_decision")}),
    "nothing special": ({}, {"quick": ("answer", None), "balanced": ("answer", None), "ai_first": ("answer", None)}),
    "are you a bot? (no request)": (
        {"asked_if_bot": True, "smalltalk": True}, {"quick": ("offer_human", None), "balanced": ("offer_human", None),
                                                    "ai_first": ("offer_human", None)}),
    "are you a bot? and a request": (
        {**ONE_REQUEST, "asked_if_bot": True}, {"quick": ("handoff", "user_request"),
                                                "balanced": ("handoff", "user_request"), "ai_first": ("ask_problem", None)}),
}


@pytest.mark.parametrize("level", ["quick", "balanced", "ai_first"])
@pytest.mark.parametrize("case", list(CASES))
def test_every_level_and_trigger(case, level):
    signals, expected = CASES[case]
    decision = decide(level, TurnSignals(**signals))
    assert (decision.action, decision.trigger) == expected[level], decision.why


@pytest.mark.parametrize("case", list(CASES))
def test_ai_only_hands_off_only_for_flows_and_agents(case):
    signals, _ = CASES[case]
    decision = decide(HandoffLevel.AI_ONLY, TurnSignals(**signals))
    if case in ("flow node", "agent takeover"):
        assert decision.action == "handoff"
    elif case == "assistant error":
        assert decision.action == "apologize", "the visitor is told, nobody is called"
    elif case == "are you a bot? (no request)":
        assert decision.action == "small_talk", "the honest answer alone: there is nobody to offer"
    else:
        assert decision.action in ("answer", "cannot_answer")
    assert not decision.model_may_hand_off


@pytest.mark.parametrize("level, enabled", [("ai_only", True), ("balanced", False)])
def test_with_nobody_to_bring_in_an_answer_also_says_so_when_a_person_was_asked_for(level, enabled):
    asked = decide(level, TurnSignals(asked_for_human=True, kb_can_answer=True, handoff_enabled=enabled))
    assert (asked.action, asked.tell_no_person) == ("answer", True)
    assert not decide(level, TurnSignals(kb_can_answer=True, handoff_enabled=enabled)).tell_no_person
    assert decide(level, TurnSignals(asked_for_human=True, kb_can_answer=False,
                                     handoff_enabled=enabled)).action == "no_person_here"


def test_disabled_handoff_never_hands_off_on_its_own():
    decision = decide("balanced", TurnSignals(asked_for_human=True, human_requests=1, handoff_enabled=False))
    assert decision.action == "answer"


def test_missing_information_is_gathered_before_the_handoff():
    decision = decide("balanced", TurnSignals(**ONE_REQUEST, missing_fields=("email", "order")))
    assert (decision.action, decision.field, decision.trigger) == ("ask_field", "email", "user_request")


def test_insisting_three_times_hands_off_with_what_was_gathered():
    decision = decide("balanced", TurnSignals(asked_for_human=True, human_requests=INSIST_LIMIT,
                                              missing_fields=("email",)))
    assert decision.action == "handoff"


def test_ai_first_gives_in_to_a_visitor_who_insists():
    decision = decide("ai_first", TurnSignals(asked_for_human=True, human_requests=INSIST_LIMIT))
    assert (decision.action, decision.trigger) == ("handoff", "user_request")


def test_restricted_topic_beats_a_confident_answer():
    decision = decide("balanced", TurnSignals(restricted_topic="Refunds", kb_can_answer=True))
    assert decision.trigger == "restricted_topic"
    assert "Refunds" in decision.reason


@pytest.mark.parametrize("signals, cause", [
    ({"asked_for_human": True, "human_requests": 1, "frustrated": True, "restricted_topic": "Legal",
      "kb_can_answer": False}, "user_request"),
    ({"frustrated": True, "restricted_topic": "Legal", "kb_can_answer": False}, "restricted_topic"),
    ({"frustrated": True, "kb_can_answer": False}, "frustration"),
    ({"was_frustrated": True, "kb_can_answer": False}, "frustration"),
    ({"human_requests": 1, "kb_can_answer": False}, "user_request"),
    ({"kb_can_answer": False}, "cannot_answer"),
])
def test_a_handoff_is_named_after_the_strongest_cause(signals, cause):
    decision = decide("quick", TurnSignals(**signals))
    assert (decision.action, decision.cause) == ("handoff", cause)


@pytest.mark.parametrize("signals, action", [
    ({"asked_for_human": True, "human_requests": 1, "missing_fields": ("email",)}, "handoff"),
    ({"frustrated": True, "missing_fields": ("email",)}, "handoff"),
    ({"missing_fields": ("email",)}, "gather"),
    ({"kb_can_answer": False, "missing_fields": ("email",)}, "gather"),
    ({}, "handoff"),
])
@pytest.mark.parametrize("level", ["quick", "balanced", "ai_first"])
def test_gathering_never_traps_a_visitor(level, signals, action):
    decision = decide(level, TurnSignals(gathering_for="cannot_answer", **signals))
    assert decision.action == action


def test_gathering_for_a_restricted_topic_then_asked_for_a_person_is_named_after_the_request():
    decision = decide("balanced", TurnSignals(gathering_for="restricted_topic", asked_for_human=True,
                                              human_requests=1, missing_fields=("email",)))
    assert (decision.action, decision.cause, decision.trigger) == ("handoff", "user_request", "user_request")


def test_a_language_model_may_hand_off_only_where_the_policy_chose_to_answer():
    assert decide("balanced", TurnSignals()).model_may_hand_off
    ai_first_answering = decide("ai_first", TurnSignals(asked_for_human=True, human_requests=1,
                                                        has_problem_statement=True))
    assert ai_first_answering.action == "answer" and not ai_first_answering.model_may_hand_off
    assert not decide("ai_only", TurnSignals()).model_may_hand_off
    assert not decide("balanced", TurnSignals(handoff_enabled=False)).model_may_hand_off


def test_the_models_handoff_goes_through_the_same_gathering():
    decision = decide("balanced", TurnSignals(model_handoff=True, missing_fields=("email",)))
    assert (decision.action, decision.cause, decision.trigger) == ("ask_field", "model", "ai_decision")
    assert decide("ai_only", TurnSignals(model_handoff=True)).action == "answer"
