"""Whole conversations against the pure turn planner: no database, no Django.

Each visitor message is given with the signals the assistant would report for it (so the
rules, not the detectors, are under test); a later test runs the real assistant.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from conversations.assistant.phrases import phrase
from conversations.assistant.text import detect_language, normalize
from conversations.assistant.types import NO_SIGNAL, Analysis, KBAnswer, Signal, TopicMatch, Turn
from conversations.turn_memory import TurnMemory
from conversations.turn_plan import DECLINE, FieldSpec, ModelVerdict, TurnFacts, TurnPlan, TurnPolicy, plan_turn

ON = Signal(0.9, True, "test")
EMAIL = FieldSpec("email", "email")
ORDER = FieldSpec("order", "order_number")
ARTICLES = {
    "shipping": ("Shipping times", "Standard shipping takes 2 to 4 working days."),
    "returns": ("Returns", "You can return unworn items within 30 days."),
    "envios": ("Envíos", "El envío estándar tarda de 2 a 4 días laborables."),
}


def analysis(text: str, *, lang: str = "en", human: bool = False, frustrated: bool = False, complaint: bool = False,
             not_helpful: bool = False, repeated: bool = False, topic: str | None = None, answer: str | None = None,
             smalltalk: str | None = None, call: bool = False) -> Analysis:
    kb = None
    if answer:
        title, body = ARTICLES[answer]
        kb = KBAnswer(article_id=answer, title=title, url="", passage=body, text=f"{body}\n\nFrom our article “{title}”",
                      confidence=0.8)
    return Analysis(
        language=lang, human_request=ON if human else NO_SIGNAL,
        frustration=ON if (frustrated or complaint) else NO_SIGNAL, not_helpful=ON if not_helpful else NO_SIGNAL,
        repeated_question=ON if repeated else NO_SIGNAL,
        restricted_topic=TopicMatch(topic, 0.9, "test") if topic else None,
        out_of_scope=NO_SIGNAL if kb or smalltalk else ON, answer=kb, complaint=ON if complaint else NO_SIGNAL,
        smalltalk=smalltalk, asks_for_call=call)


@dataclass
class Chat:
    """A conversation as the turn runs it: plan, send, remember (the memory goes through JSON)."""

    policy: TurnPolicy
    contact: dict[str, str] = field(default_factory=dict)
    memory: TurnMemory = field(default_factory=TurnMemory)
    history: list[Turn] = field(default_factory=list)
    plans: list[TurnPlan] = field(default_factory=list)

    def say(self, text: str, *, model: ModelVerdict | None = None, failed: bool = False, **signals) -> TurnPlan:
        assert self.handoff is None, "a human owns the conversation: the AI plans nothing more"
        facts = TurnFacts(history=tuple(self.history), contact=dict(self.contact), model=model,
                          assistant_failed=failed)
        plan = plan_turn(self.policy, self.memory, None if failed else analysis(text, **signals), text, facts)
        assert plan.replies or plan.handoff, "every visitor message gets an outcome"
        assert all(r.text.strip() for r in plan.replies)
        saved = json.loads(json.dumps(plan.memory.to_dict()))
        assert TurnMemory.from_dict(saved) == plan.memory, "the memory survives being saved"
        self.memory = TurnMemory.from_dict(saved)
        self.history.append(Turn("visitor", text))
        self.history.extend(Turn("ai", r.text) for r in plan.replies)
        for update in plan.contact_updates:
            self.contact.setdefault(update.kind if update.kind in ("name", "email", "phone") else update.name,
                                    update.value)
        self.plans.append(plan)
        return plan

    @property
    def handoff(self):
        return next((p.handoff for p in self.plans if p.handoff), None)

    @property
    def ai_texts(self) -> list[str]:
        return [t.text for t in self.history if t.sender == "ai"]

    def hand_back(self) -> None:
        """An agent hands the conversation back to the AI: its memory starts over."""
        self.plans, self.memory = [p for p in self.plans if not p.handoff], TurnMemory()


def reply(plan: TurnPlan) -> str:
    return " ".join(r.text for r in plan.replies)


def balanced(*fields: FieldSpec, **kw) -> TurnPolicy:
    return TurnPolicy(level="balanced", fields=tuple(fields), **kw)


# --- gathering is never a trap --------------------------------------------------------------


def test_the_reported_trap_a_long_conversation_where_the_visitor_declines_and_asks_questions():
    chat = Chat(balanced(EMAIL, ORDER))
    assert "help" in reply(chat.say("hi", smalltalk="greeting"))
    answered = chat.say("How long does shipping take?", answer="shipping")
    assert "working days" in reply(answered) and answered.replies[0].kb_answer
    assert reply(chat.say("thanks", smalltalk="thanks"))
    plan = chat.say("I want a human", human=True)
    assert not plan.replies[0].kb_answer
    assert plan.handoff is None and "email" in reply(plan)
    assert reply(plan).startswith("Of course"), "a calm request gets a friendly opener"

    plan = chat.say("I'd rather not")
    assert plan.handoff is None
    assert reply(plan).startswith("No problem") and "order number" in reply(plan), "a refusal moves on"

    plan = chat.say("Wait, can I return unworn shoes after two weeks?", answer="returns")
    assert "30 days" in reply(plan) and "order number" in reply(plan), "answered, then gathering resumes"
    assert plan.handoff is None

    plan = chat.say("skip")
    assert plan.handoff is not None and plan.replies == ()
    h = plan.handoff
    assert (h.trigger, h.cause) == ("user_request", "user_request")
    assert h.reason == "The visitor asked for a human: “I want a human”"
    assert h.gathered == {}
    assert "Not given: email, order" in h.summary
    assert "email address" not in h.summary and "order number?" not in h.summary, "no assistant prompts"
    assert "Problem: not described yet" in h.summary, "an answered question is not the problem"
    assert "answered “How long does shipping take?”" in h.summary
    assert len(chat.plans) == 7


def test_a_request_for_a_person_while_gathering_hands_off_at_once_with_what_is_known():
    chat = Chat(balanced(EMAIL, ORDER))
    plan = chat.say("My parcel never arrived and it's been two weeks")
    assert reply(plan).startswith("I couldn't find an answer to that"), "says it cannot answer"
    assert "email" in reply(plan)
    assert "order number" in reply(chat.say("sure, it's ana@example.org"))
    plan = chat.say("let me talk to a person", human=True)
    h = plan.handoff
    assert h is not None and h.cause == "user_request", "explicit request outranks cannot answer"
    assert h.reason == "The visitor asked for a human: “let me talk to a person”"
    assert h.gathered == {"email": "ana@example.org"}
    assert h.summary.startswith("Problem: “My parcel never arrived and it's been two weeks”")
    assert chat.contact == {"email": "ana@example.org"}, "the email given is saved on the contact"


def test_frustration_while_gathering_hands_off_at_once_named_after_it():
    chat = Chat(balanced(EMAIL))
    chat.say("The app crashes every time I open my invoices")
    plan = chat.say("I'm really frustrated", frustrated=True)
    h = plan.handoff
    assert h is not None and (h.cause, h.trigger) == ("frustration", "ai_decision")
    assert h.reason == "The visitor is frustrated: “I'm really frustrated”"
    assert h.notice == "sorry"
    assert "Problem: “The app crashes every time I open my invoices”" in h.summary


@pytest.mark.parametrize("why, lang, says", [
    ("why do you need my email?", "en", "We ask so that our team"),
    ("¿Para qué lo necesitan?", "es", "Te lo pedimos para que"),
    ("Wozu brauchen Sie das?", "de", "Wir fragen, damit"),
])
def test_asked_why_the_ai_says_why_then_asks_once_more_and_then_goes_on(why, lang, says):
    chat = Chat(balanced(EMAIL))
    chat.say({"en": "I want a human", "es": "Quiero hablar con una persona", "de": "Ich will einen Menschen"}[lang],
             human=True, lang=lang)
    plan = chat.say(why, lang=lang)
    assert plan.handoff is None and reply(plan).startswith(says) and plan.memory.skipped == (), "not a refusal"
    assert plan.memory.asks == {"email": 2}
    plan = chat.say(why, lang=lang)
    assert plan.handoff is not None and plan.handoff.gathered == {}, "asked twice: the handoff goes on without it"


def test_switched_to_ai_only_while_the_email_is_asked_the_visitor_is_told_no_person_will_come():
    """Re-trial of 2 Dec: the email given for the promised person got "I couldn't find an answer… rephrase it"."""
    chat = Chat(balanced(EMAIL, fallback_phone="+34 900 123 456"))
    assert "email" in reply(chat.say("I want a human", human=True))
    chat.policy = TurnPolicy(level="ai_only", fields=(EMAIL,), fallback_phone="+34 900 123 456")
    plan = chat.say("ana@example.org")
    assert plan.handoff is None and plan.memory.pending is None
    assert "no one from the team can join this chat" in reply(plan) and "+34 900 123 456" in reply(plan)
    plan = chat.say("How long does shipping take?", answer="shipping")
    assert "working days" in reply(plan), "the AI goes on helping"


def test_each_field_is_asked_at_most_twice():
    chat = Chat(balanced(EMAIL))
    chat.say("I need a person", human=True)
    plan = chat.say("hmm")
    assert reply(plan).startswith("That doesn't look like an email address"), "asked a second time"
    plan = chat.say("x at y")
    assert plan.handoff is not None, "never a third time"
    assert "Not given: email" in plan.handoff.summary
    asked = [t for t in chat.ai_texts if "email" in t.lower() and "go on without it" not in t]
    assert len(asked) == 2 and "go on without it" in reply(plan), "asked twice, then told it goes on without it"


def test_fields_given_earlier_or_on_the_contact_are_never_asked():
    chat = Chat(balanced(EMAIL, ORDER), contact={"email": "known@example.org"})
    chat.say("Order A-10234 arrived broken, the box was crushed")
    plan = chat.plans[-1]
    assert plan.handoff is not None, "email on the contact, order number in the message: nothing to ask"
    assert plan.handoff.gathered == {"email": "known@example.org", "order": "A-10234"}
    assert [(u.kind, u.name, u.value) for u in plan.contact_updates] == [("order_number", "order", "A-10234")]


def test_a_field_mentioned_in_an_earlier_message_is_not_asked():
    chat = Chat(balanced(EMAIL))
    chat.say("Hello, I'm writing from bo@example.org", smalltalk="greeting")
    assert chat.say("I want to talk to a human", human=True).handoff.gathered == {"email": "bo@example.org"}


def test_a_question_the_ai_cannot_answer_while_gathering_is_passed_on_and_gathering_resumes():
    chat = Chat(balanced(EMAIL))
    chat.say("I want a human", human=True)
    plan = chat.say("What's the capital of Australia, by the way?")
    assert "pass your question on" in reply(plan) and "email" in reply(plan)
    h = chat.say("my email is lu@example.org").handoff
    assert h.gathered == {"email": "lu@example.org"}
    assert "Also asked: “What's the capital of Australia, by the way?”" in h.summary


def test_an_answer_given_while_gathering_names_its_article_for_the_widgets_link():
    """Trial of 2 Dec: the answer that came with the email question had no article in its metadata, so the widget
    showed the article's bare address and no "Read" link."""
    chat = Chat(balanced(EMAIL))
    chat.say("I want a human", human=True)
    plan = chat.say("How long does shipping take?", answer="shipping")
    assert "2 to 4 working days" in reply(plan) and "email" in reply(plan)
    assert plan.replies[-1].metadata["article"]["id"] == "shipping"


def test_a_question_put_another_way_that_the_ai_can_answer_needs_nobody(bot):
    """Trial of 2 Dec: "wat is ur retrun polcy" found nothing and the handoff began; "What is your return policy?"
    got its answer and was queued all the same, as "frustrated"."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    plan = chat.say("wat is the policy 4 sending stuf bak")
    assert plan.memory.pending is not None and "email" in reply(plan)
    plan = chat.say("What is your policy for sending items back?")
    assert plan.handoff is None and plan.memory.pending is None and "30 days" in reply(plan)
    assert "email" not in reply(plan), "nothing more is asked for a handoff that is not needed"
    # a new question answered meanwhile leaves the unanswered one waiting for the team
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("Do you sell gift cards in your Berlin shop?")
    plan = chat.say("How long does standard shipping take?")
    assert "working days" in reply(plan) and plan.memory.pending is not None and "email" in reply(plan)


def test_a_restricted_topic_while_gathering_takes_over_the_target_and_the_reason():
    chat = Chat(balanced(EMAIL))
    chat.say("This page does not load on my phone at all")
    plan = chat.say("Also I want to dispute a charge on my card", topic="Billing disputes")
    assert plan.handoff is None and "email" in reply(plan)
    h = chat.say("ok ana@example.org").handoff
    assert (h.cause, h.topic, h.trigger) == ("restricted_topic", "Billing disputes", "restricted_topic")
    assert h.reason == "Restricted topic Billing disputes: “Also I want to dispute a charge on my card”"


def test_a_name_is_taken_from_the_answer_but_skip_is_not_a_name():
    chat = Chat(balanced(FieldSpec("name", "name")))
    chat.say("I want a human", human=True)
    plan = chat.say("skip")
    assert plan.handoff is not None and plan.handoff.gathered == {}
    chat = Chat(balanced(FieldSpec("name", "name")))
    chat.say("I want a human", human=True)
    plan = chat.say("Maria Silva")
    assert plan.handoff.gathered == {"name": "Maria Silva"}
    assert [(u.kind, u.value) for u in plan.contact_updates] == [("name", "Maria Silva")]


# --- the visitor is told what happens, in their language --------------------------------------


def test_the_ai_says_when_it_cannot_answer_before_the_handoff():
    chat = Chat(balanced())
    plan = chat.say("What's the capital of Australia?")
    assert plan.handoff is not None
    assert reply(plan) == "I couldn't find an answer to that in our help articles."
    assert plan.handoff.reason == "The AI could not answer “What's the capital of Australia?”"
    assert plan.handoff.notice == "plain"


def test_the_reason_quotes_the_question_left_unanswered_not_the_one_answered_before():
    # trial of 4 Dec: "customs?" after the delivery times to Switzerland was filed as "The AI could not answer “How long
    # does delivery to Switzerland take?”", the question the AI had answered
    chat = Chat(balanced())
    chat.say("How long does delivery to Switzerland take?", answer="shipping")
    plan = chat.say("VAT?")
    assert plan.handoff.reason == ("The AI could not answer “VAT?” (after answering “How long does delivery to "
                                   "Switzerland take?”)")


def test_no_cheerful_opener_after_an_accident():
    chat = Chat(balanced(EMAIL))
    plan = chat.say("My stove caught fire, I need to talk to someone", human=True)
    assert not reply(plan).startswith("Of course")
    assert reply(plan).startswith("I'm sorry about this.")
    # said once: the notice after the email does not open "I'm sorry about this." again (trial of 3 Dec)
    assert chat.say("it's rui@example.org").handoff.notice == "plain"


def test_an_apology_said_before_the_details_is_not_said_again_unless_the_visitor_got_upset_since():
    chat = Chat(balanced(EMAIL))
    assert reply(chat.say("Can I talk to a person please?", human=True)).startswith("Of course")
    assert chat.say("it's rui@example.org").handoff.notice == "plain", "no second “Of course.”"
    chat = Chat(balanced(EMAIL))
    assert reply(chat.say("Can I talk to a person please?", human=True)).startswith("Of course")
    plan = chat.say("why do you need that?? this is ridiculous, rui@example.org", frustrated=True, complaint=True)
    assert plan.handoff.notice == "sorry", "upset after the first question: the apology is new"


def test_a_complaint_gets_no_cheerful_opener_either():
    plan = Chat(balanced()).say("This is unacceptable, I want to file a complaint with a manager", human=True,
                                complaint=True)
    assert plan.handoff.notice == "sorry"


@pytest.mark.parametrize("lang, text, declined", [
    ("es", "Quiero hablar con una persona", "no sé"),
    ("fr", "Je veux parler à un conseiller", "je ne sais pas"),
    ("de", "Ich möchte mit einem Mitarbeiter sprechen", "weiß ich nicht"),
    ("pt", "Quero falar com um atendente", "não sei"),
])
def test_every_message_is_in_the_visitors_language_never_mixed(lang, text, declined):
    custom = FieldSpec("email", "email", question="So the team can follow up, what email did you order with?")
    member = FieldSpec("member_id", "regex", regex=r"M-\d{5}", question="What is your member id?")
    chat = Chat(balanced(custom, member))
    chat.say(text, lang=lang, human=True)
    assert chat.say("???", lang=lang).handoff is None
    chat.say(declined, lang=lang)
    chat.say("M-1", lang=lang)
    chat.say("M-12345", lang=lang)
    assert chat.handoff is not None and chat.handoff.language == lang
    assert chat.handoff.gathered == {"member_id": "M-12345"}
    for text in chat.ai_texts:
        assert "email did you order" not in text and "What is your" not in text, "the English wording is not mixed in"
        assert detect_language(text.replace("member id", "")) == lang, text


@pytest.mark.parametrize("text", ["Ich weiß nicht", "ich weiss nicht", "No lo sé", "Je ne sais pas", "Não sei",
                                  "I don't know"])
def test_not_knowing_the_answer_declines_the_question_in_every_language(text):
    assert DECLINE.match(normalize(text)), "a visitor who does not know is not asked again and again"


@pytest.mark.parametrize("text", ["je ne l'ai pas", "je l'ai pas",
                                  "je ne le trouve plus", "pas sûr", "Keine Ahnung", "ich habe sie nicht", "ni idea", "not sure"])
def test_not_having_the_detail_declines_the_question(text):
    # trial of 4 Dec: "je ne l'ai pas" at the order number's question got the lost-parcels article and the same question
    assert DECLINE.match(normalize(text))


@pytest.mark.parametrize("text", ["ich habe es gefunden", "je ne trouve pas le bouton pour retourner mon article",
                                  "not sure why my parcel is late", "ich habe eine Frage", "not sure, why?"])
def test_a_sentence_that_only_starts_like_not_having_it_is_no_refusal(text):
    assert not DECLINE.match(normalize(text))


# --- the agent gets the right context ------------------------------------------------------------


@pytest.mark.parametrize("signals, cause", [
    ({"human": True, "frustrated": True, "topic": "Legal"}, "user_request"),
    ({"frustrated": True, "topic": "Legal"}, "restricted_topic"),
    ({"frustrated": True}, "frustration"),
    ({}, "cannot_answer"),
])
def test_the_reason_follows_the_precedence(signals, cause):
    plan = Chat(TurnPolicy(level="quick")).say("Nothing works and I have been waiting for a week", **signals)
    assert plan.handoff.cause == cause
    assert "“Nothing works and I have been waiting for a week”" in plan.handoff.reason


def test_the_summary_is_the_unresolved_problem_in_the_visitors_words():
    chat = Chat(balanced())
    chat.say("How long does shipping take?", answer="shipping")
    chat.say("that didn't help at all, it's been 10 days", not_helpful=True)
    h = chat.handoff
    assert h.summary.splitlines()[0] == "Problem: “How long does shipping take?”"
    assert h.reason == "The AI's answer did not help with “How long does shipping take?”"
    assert "AI tried: answered “How long does shipping take?” from the article “Shipping times”" in h.summary
    assert "From our article" not in h.summary, "no assistant boilerplate"


# --- each level, in conversations of ten turns and more ------------------------------------------

SCRIPT = [
    ("hello", {"smalltalk": "greeting"}),
    ("How long does shipping take?", {"answer": "shipping"}),
    ("thanks!", {"smalltalk": "thanks"}),
    ("Can I return shoes I wore once?", {"answer": "returns"}),
    ("This is ridiculous, the shoes fell apart", {"frustrated": True}),
    ("What's the capital of Australia?", {}),
    ("I want a human", {"human": True}),
    ("I said I want a human", {"human": True}),
    ("HUMAN NOW", {"human": True}),
    ("hello??", {}),
    ("anyone there", {}),
]


@pytest.mark.parametrize("level, handed_off_at, cause", [
    ("quick", 4, "frustration"),
    ("balanced", 5, "frustration"),  # offered a person first; named after the earlier frustration
    ("ai_first", 4, "frustration"),  # the stated problem was tried; this one it cannot answer
    ("ai_only", None, None),
])
def test_the_same_conversation_under_each_level(level, handed_off_at, cause):
    chat = Chat(TurnPolicy(level=level))
    for n, (text, signals) in enumerate(SCRIPT):
        plan = chat.say(text, **signals)
        if plan.handoff:
            assert (n, plan.handoff.cause) == (handed_off_at, cause)
            break
    else:
        assert handed_off_at is None and len(chat.plans) == len(SCRIPT)
    if level == "balanced":
        assert "Would you like me to bring in a person" in chat.ai_texts[4], "balanced offers a person once"
        assert chat.handoff.notice == "sorry"


def test_ai_first_asks_for_the_problem_tries_it_then_hands_off_after_repeated_requests():
    chat = Chat(TurnPolicy(level="ai_first", fields=(EMAIL,)))
    assert "what is the problem" in reply(chat.say("I want a human", human=True))
    assert "working days" in reply(chat.say("How long does shipping take to Portugal?", answer="shipping"))
    plan = chat.say("I still want a person", human=True)
    assert plan.handoff is None and "email" in reply(plan)
    h = chat.say("me@example.org").handoff
    assert h.cause == "user_request" and h.gathered == {"email": "me@example.org"}
    chat.hand_back()
    assert "help" in reply(chat.say("hi again", smalltalk="greeting"))
    assert "what is the problem" in reply(chat.say("agent", human=True))
    # asked again, not the same sentence word for word (trial of 4 Dec)
    assert reply(chat.say("AGENT", human=True)).startswith("Understood, you'd like a person, and I'll get you one.")
    plan = chat.say("AGENT!!!", human=True)
    assert plan.handoff is not None and plan.handoff.cause == "user_request", "insisting three times is enough"
    assert plan.handoff.gathered == {"email": "me@example.org"}, "the earlier message still counts"


@pytest.mark.parametrize("policy", [TurnPolicy(level="ai_only", fields=(EMAIL,), fallback_phone="+34 910 000 000"),
                                    TurnPolicy(level="balanced", handoff_enabled=False, fields=(EMAIL,),
                                               fallback_phone="+34 910 000 000")])
def test_a_restricted_topic_with_nobody_to_hand_to_is_told_who_handles_it_not_asked_to_rephrase(policy):
    """Trial of 3 Dec, AI only: "I want a refund, you charged me twice" got "Could you rephrase it?", again and again;
    "I want to talk to a human" got the phone number."""
    chat = Chat(policy)
    plan = chat.say("I want a refund, you charged me twice", topic="Billing disputes")
    assert plan.handoff is None
    assert reply(plan) == ("That's something our team has to handle, and no one from the team can join this chat. "
                           "To speak with someone, call us at +34 910 000 000.")
    plan = chat.say("¿Por qué me cobrasteis dos veces?", topic="Billing disputes", lang="es")
    assert reply(plan).startswith("Eso lo tiene que gestionar nuestro equipo") and "rephrase" not in reply(plan)


def test_ai_only_answers_every_message_of_a_long_conversation_and_never_hands_off():
    chat = Chat(TurnPolicy(level="ai_only", fields=(EMAIL,)))
    for text, signals in SCRIPT + [("my email is a@b.co", {}), ("I'm angry", {"frustrated": True}),
                                   ("broken", {"failed": True})]:
        plan = chat.say(text, **signals) if "failed" not in signals else chat.say(text, failed=True)
        assert plan.handoff is None and plan.replies
    assert chat.ai_texts[-1].startswith("Sorry, something went wrong")


# --- the language model and the fail-safe take their rules from the same table -------------------


def test_the_model_is_consulted_only_where_it_may_hand_off_and_its_handoff_is_planned_the_same_way():
    chat = Chat(balanced(EMAIL, uses_model=True))
    plan = plan_turn(chat.policy, chat.memory, analysis("How long does shipping take?", answer="shipping"),
                     "How long does shipping take?")
    assert plan.consult_model and plan.model_may_hand_off
    plan = chat.say("How long does shipping take?", answer="shipping",
                    model=ModelVerdict(handoff=True, reason="Asks about a custom contract."))
    assert plan.handoff is None and "email" in reply(plan), "the model's handoff gathers like any other"
    h = chat.say("x@example.org").handoff
    assert (h.cause, h.reason) == ("model", "The AI decided to hand off: Asks about a custom contract.")


def test_ai_first_answering_a_request_gives_the_model_no_handoff_tool():
    policy = TurnPolicy(level="ai_first", uses_model=True)
    memory = TurnMemory(problem="How long does shipping take?", awaiting_problem=False)
    plan = plan_turn(policy, memory, analysis("get me a person: shipping time?", human=True, answer="shipping"),
                     "get me a person: shipping time?")
    assert plan.decision.action == "answer" and plan.consult_model and not plan.model_may_hand_off
    written = plan_turn(policy, memory, analysis("get me a person: shipping time?", human=True, answer="shipping"),
                        "get me a person: shipping time?", TurnFacts(model=ModelVerdict(text="Two to four days.")))
    assert reply(written) == "Two to four days." and written.replies[0].metadata["generated_by"] == "llm"


def test_the_fail_safe_hands_off_with_the_problem_and_what_is_known():
    chat = Chat(balanced(EMAIL))
    chat.say("My invoice shows the wrong VAT number")
    plan = chat.say("hello?", failed=True)
    assert plan.handoff is not None and plan.handoff.cause == "assistant_error"
    assert plan.handoff.summary.startswith("Problem: “My invoice shows the wrong VAT number”")


# --- the same planner with the real assistant's analysis (still no database) ---------------------


@pytest.fixture(scope="module")
def bot():
    from conversations.assistant import Article, Assistant, Topic, build_knowledge_index

    articles = [
        Article("shipping", "Shipping times", "Standard shipping takes 2 to 4 working days in Spain and Portugal. "
                                              "Express shipping arrives the next working day."),
        Article("returns", "Returns and exchanges", "You can return unworn items within 30 days of delivery for a "
                                                    "full refund or an exchange. Start a return from My account."),
    ]
    return Assistant(build_knowledge_index(articles),
                     topics=[Topic("Billing disputes", keywords=("chargeback",), examples=("I want to dispute a charge",))])


@dataclass
class RealChat(Chat):
    bot: object = None

    def say(self, text: str, **_) -> TurnPlan:  # type: ignore[override]
        assert self.handoff is None
        facts = TurnFacts(history=tuple(self.history), contact=dict(self.contact))
        plan = plan_turn(self.policy, self.memory, self.bot.analyze(text, self.history), text, facts)
        assert plan.replies or plan.handoff
        self.memory = TurnMemory.from_dict(json.loads(json.dumps(plan.memory.to_dict())))
        self.history.append(Turn("visitor", text))
        self.history.extend(Turn("ai", r.text) for r in plan.replies)
        self.plans.append(plan)
        return plan


def test_the_reported_conversation_with_the_real_assistant(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert "working days" in reply(chat.say("How long does standard shipping take?"))
    plan = chat.say("I want a human")
    assert "email" in reply(plan).lower()
    plan = chat.say("I'd rather not")
    assert plan.handoff is not None, "a refusal moves on instead of re-asking forever"
    assert plan.handoff.cause == "user_request"
    assert "Problem: not described yet" in plan.handoff.summary


def test_a_visitor_who_says_no_to_everything_is_never_queued_for_a_person(bot):
    """Trial 56: after an answer, "no", "never mind", then "no thanks" was "I couldn't find an answer to that" and a
    person brought in; the visitor's "no" to the email then queued them, and "nope, forget it" stayed queued."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert "working days" in reply(chat.say("How long does standard shipping take?"))
    for text in ("no", "never mind", "no thanks", "nah, I'm good", "non merci"):
        plan = chat.say(text)
        assert plan.handoff is None and "email" not in reply(plan).lower(), (text, reply(plan))
        assert "couldn't find" not in reply(plan), (text, reply(plan))
    assert not chat.memory.gathering


def test_nope_forget_it_takes_back_the_person_brought_in_for_a_question_not_answered(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert "email" in reply(chat.say("Do you sell bicycles?")).lower()
    plan = chat.say("nope, forget it")
    assert plan.handoff is None and "won't bring anyone in" in reply(plan)


@pytest.mark.parametrize("text, lang", [("How long does standard shipping take? I also want to talk to a person", "en"),
                                        ("¿Cuánto tarda el envío estándar? Y también quiero hablar con alguien", "es"),
                                        # the request first, the question looked up alone (trial 56b)
                                        ("Quiero hablar con una persona. ¿Cuánto tarda el envío estándar?", "es")])
def test_a_question_asked_beside_a_request_for_a_person_is_answered_too(bot, text, lang):
    """Trial 56: "¿Aceptáis PayPal? Y también quiero hablar con alguien" got only the email question."""
    plan = RealChat(balanced(EMAIL), bot=bot).say(text)
    assert "2 to 4 working days" in reply(plan) or "2 a 4 días" in reply(plan), reply(plan)
    assert reply(plan).endswith(phrase("gather_email", lang)), reply(plan)
    assert plan.memory.pending is not None and plan.memory.pending.cause == "user_request"


@pytest.mark.parametrize("text", ["I want to talk to a human, my shipping is late", "Can I talk to someone? Is anyone there?",
                                  "can I talk to someone about returns?"])
def test_a_request_for_a_person_alone_gets_no_article(bot, text):
    plan = RealChat(balanced(EMAIL), bot=bot).say(text)
    assert "From our article" not in reply(plan) and plan.memory.pending is not None, reply(plan)


def test_a_problem_told_and_answered_is_still_the_problem_the_agent_reads(bot):
    """Trial 55: "my jacket zipper broke" got the warranty article, then "I want to talk to a human"; the agent read
    "Problem: not described yet" above "AI tried: answered “my jacket zipper broke”". A question answered is still no
    problem (test_the_reported_conversation_with_the_real_assistant)."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert "30 days" in reply(chat.say("The shoes I got are unworn but too small, I want an exchange"))
    chat.say("I want to talk to a human")
    plan = chat.say("I'd rather not")
    assert plan.handoff is not None
    assert plan.handoff.summary.startswith("Problem: “The shoes I got are unworn but too small, I want an exchange” (the AI "
                                           "answered it"), plan.handoff.summary


@pytest.mark.parametrize("text", ["Necesito hablar con una persona, mi chaqueta llegó rota",
                                  "I want to talk to a person because my order arrived damaged",
                                  "Je veux parler à un conseiller. Mon colis est arrivé abîmé.",
                                  # what the person is wanted for (re-trial of 4 Dec, by email)
                                  "Hola, quiero hablar con una persona sobre mi pedido NW-10002, llega tarde.",
                                  "I need to speak to someone about my damaged tent"])
def test_a_request_for_a_person_that_says_what_is_wrong_is_the_problem_the_agent_reads(bot, text):
    # re-trial of 4 Dec: the summary of "Necesito hablar con una persona, mi chaqueta llegó rota" read "Problem: not
    # described yet"
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say(text)
    plan = chat.say("ana@example.es")
    assert plan.handoff is not None and plan.handoff.summary.startswith(f"Problem: “{text}”"), plan.handoff.summary


@pytest.mark.parametrize("text", ["I want to talk to a human", "Can I speak to someone, I have a question",
                                  "put me through to an agent, now!", "I want a human, this bot is useless"])
def test_a_request_for_a_person_alone_describes_no_problem(bot, text):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say(text)
    plan = chat.say("ana@example.es")
    assert plan.handoff is not None and plan.handoff.summary.startswith("Problem: not described yet")


def test_the_real_assistant_a_question_then_frustration_while_gathering(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    plan = chat.say("What's the capital of Australia?")
    assert reply(plan).startswith("I couldn't find an answer to that") and "email" in reply(plan)
    plan = chat.say("Can I return items I bought last week?")
    assert "30 days" in reply(plan) and "email" in reply(plan), "answered, and gathering resumes"
    plan = chat.say("This is ridiculous, I'm really frustrated!!!")
    assert plan.handoff is not None and plan.handoff.cause == "frustration"
    assert plan.handoff.notice == "sorry"


def test_the_real_assistant_in_spanish_never_mixes(bot):
    custom = FieldSpec("email", "email", question="So the team can follow up, what email did you order with?")
    chat = RealChat(balanced(custom), bot=bot)
    chat.say("Quiero hablar con una persona, por favor")
    chat.say("hola??")
    plan = chat.say("no quiero")
    assert plan.handoff is not None and plan.handoff.language == "es"
    for text in chat.ai_texts:
        assert detect_language(text) == "es", text


@pytest.mark.parametrize("vent, lang, says", [
    ("This is ridiculous. Third time I write and nobody helps. Your service is a joke!!!", "en", "I'm sorry about this."),
    ("Esto es una vergüenza, nadie me responde", "es", "Siento mucho lo ocurrido."),
    ("Ich bin total sauer, euer Service ist eine Katastrophe", "de", "Das tut mir leid."),
    ("C'est ridicule, personne n'aide, votre service est une blague !!!", "fr", "Je suis désolé."),  # trial of 2 Dec
    ("Isso é ridículo, ninguém ajuda, o vosso serviço é uma piada!!!", "pt", "Lamento muito."),
    ("J'en ai marre, ça fait une semaine que j'attends, c'est honteux", "fr", "Je suis désolé."),  # re-trial of 2 Dec
    ("Ich habe die Nase voll, seit einer Woche warte ich, unverschämt", "de", "Das tut mir leid."),
    ("I've been waiting a week and nobody answers, this is ridiculous", "en", "I'm sorry about this."),
])
def test_ai_first_asks_what_went_wrong_after_anger_alone_then_hands_off_the_problem(bot, vent, lang, says):
    chat = RealChat(TurnPolicy(level="ai_first"), bot=bot)
    plan = chat.say(vent)
    assert plan.handoff is None and plan.language == lang and reply(plan).startswith(says), "anger is no problem statement"
    plan = chat.say("My parcel arrived with the zip of the jacket torn off, I need a new one")
    assert plan.handoff is not None and plan.handoff.cause == "frustration"
    assert "Problem: “My parcel arrived with the zip" in plan.handoff.summary


@pytest.mark.parametrize("opener, lang, says", [
    ("Hi, I've got a problem", "en", "Of course. What do you need help with?"),
    ("could you help me please?", "en", "Of course. What do you need help with?"),
    ("Buenas tardes, tengo una duda sobre mi pedido", "es", "Claro. ¿En qué necesitas ayuda?"),
    ("Bonjour, j'ai besoin d'aide", "fr", "Bien sûr. De quoi avez-vous besoin ?"),
    ("Hallo, ich habe ein Problem mit meinem Konto", "de", "Gern. Wobei brauchen Sie Hilfe?"),
    ("Oi, tenho uma pergunta", "pt", "Claro. Em que precisa de ajuda?"),
])
def test_a_need_with_nothing_said_of_it_is_asked_about_not_handed_off_as_unanswerable(bot, opener, lang, says):
    # before: "I couldn't find an answer to that in our help articles. I'll bring in a member of our team."
    chat = RealChat(balanced(EMAIL), bot=bot)
    plan = chat.say(opener)
    assert plan.handoff is None and plan.memory.pending is None and plan.language == lang
    assert reply(plan).startswith(says)
    assert "30 days" in reply(chat.say("Can I return a jacket I bought last week?")), "the question that follows is answered"


def test_what_follows_a_vague_opener_is_the_problem_an_agent_reads(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("I have an issue with my order")
    plan = chat.say("The parcel was left at the wrong address and the courier will not answer")
    assert plan.memory.pending is not None and plan.memory.pending.cause == "cannot_answer"
    chat.say("ana@example.com")
    assert "Problem: “The parcel was left at the wrong address" in chat.handoff.summary


def test_a_second_vague_message_brings_in_a_person_instead_of_asking_again(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("I need help")
    plan = chat.say("I told you, I have a problem")
    assert plan.memory.pending is not None, "asked once; asking again would be a loop"


@pytest.mark.parametrize("vague, lang", [("I need help", "en"), ("necesito ayuda", "es")])
def test_the_same_vague_message_twice_brings_in_a_person_without_calling_it_frustration(bot, vague, lang):
    # before: "I'm sorry this is frustrating. Would you like me to bring in a person?" (the repetition read as upset)
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say(vague)
    plan = chat.say(vague)
    assert plan.memory.pending is not None and plan.memory.pending.cause == "cannot_answer"
    assert reply(plan).startswith(phrase("vague_handoff", lang)) and not plan.memory.frustrated
    assert plan.memory.pending.reason.startswith("The visitor needs help and did not say with what")


@pytest.mark.parametrize("question, doubt, lang", [
    ("How long does shipping take?", "are you sure?", "en"),
    ("How long does shipping take?", "is that right?", "en"),
    ("¿Cuánto tarda el envío?", "¿seguro?", "es"),
    ("Combien de temps prend la livraison ?", "vraiment ?", "fr"),
    ("Wie lange dauert der Versand?", "Stimmt das?", "de"),
    ("Quanto tempo demora o envio?", "tem certeza?", "pt"),
])
def test_a_doubt_about_an_answer_gets_a_person_offered_not_a_new_search(bot, question, doubt, lang):
    # before: "are you sure?" was looked up as a question: "I couldn't find an answer to that", or a shipping passage
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert chat.say(question).replies[0].kb_answer
    plan = chat.say(doubt)
    assert plan.handoff is None and plan.memory.pending is None and plan.memory.offer_open
    assert reply(plan) == phrase("doubt_offer", lang)
    plan = chat.say(doubt)
    assert plan.memory.pending is not None, "doubted again after the offer: a person"
    assert reply(plan).startswith(phrase("not_helpful_plain", lang))


def test_a_doubt_with_a_question_of_its_own_is_the_question():
    from conversations.assistant.detectors import doubts
    assert not doubts("are you sure it takes 4 days to Portugal?") and not doubts("really, is it free?")
    assert doubts("Hmm, are you sure?") and doubts("¿De verdad?") and doubts("Sind Sie sicher?")


def test_a_vague_opener_with_a_request_for_a_person_is_a_request(bot):
    plan = RealChat(balanced(EMAIL), bot=bot).say("I have a problem, can I talk to a human?")
    assert plan.memory.pending is not None and plan.memory.pending.cause == "user_request"


def test_ai_first_hands_off_an_angry_message_that_states_its_problem(bot):
    plan = RealChat(TurnPolicy(level="ai_first"), bot=bot).say(
        "This is ridiculous, the heel of my new boots came off after two days")
    assert plan.handoff is not None and plan.handoff.cause == "frustration"


@pytest.mark.parametrize("question, lang, says", [
    ("are you a bot?", "en", "I'm an AI assistant, not a person."),
    ("Are you human?", "en", "I'm an AI assistant, not a person."),
    ("Am I talking to a real person?", "en", "I'm an AI assistant, not a person."),
    ("¿Eres un bot?", "es", "Soy un asistente de IA, no una persona."),
    ("Êtes-vous un robot ?", "fr", "Je suis un assistant IA, pas une personne."),
    ("t'es un robot ?", "fr", "Je suis un assistant IA, pas une personne."),  # informal (trial of 3 Dec)
    ("Bist du ein Bot?", "de", "Ich bin ein KI-Assistent, kein Mensch."),
    ("Você é um robô?", "pt", "Sou um assistente de IA, não uma pessoa."),
])
def test_asked_if_it_is_a_bot_the_real_assistant_says_what_it_is_and_offers_a_person(bot, question, lang, says):
    # never "Of course" (a yes to "are you human?") nor "I couldn't find an answer"
    chat, offer = _offer_accepted(bot, question, says)
    assert offer.language == lang and reply(offer) != says, "the offer of a person follows the answer"
    plan = chat.say("skip")
    assert plan.handoff is not None and plan.handoff.cause == "user_request"
    # ("The visitor asked for a human: “ja”" told the agent nothing: trial of 4 Dec)
    assert plan.handoff.reason == "The visitor accepted the AI's offer of a person: “yes”"


def test_a_visitor_who_said_no_person_is_offered_one_later_not_brought_in():
    # trial of 4 Dec: "the link expired" after "I don't want to talk to a person, just tell me how to reset my
    # password" asked for an email, and the visitor who went quiet was handed off anyway
    from tests.conversations.test_assistant_knowledge import demo_shop_with_topics

    chat = RealChat(balanced(EMAIL), bot=demo_shop_with_topics())
    assert "Forgot password" in reply(chat.say("I don't want to talk to a person, just tell me how to reset my password"))
    plan = chat.say("the link expired")
    assert plan.memory.pending is None and plan.handoff is None, "offered, not gathering for a handoff"
    assert reply(plan) == "I couldn't find an answer to that in our help articles. Would you like me to bring in a " \
                          "person from our team?"
    assert chat.say("yes please").memory.pending is not None, "a yes brings one in"
    assert not chat.memory.declined_person


def _offer_accepted(bot, first: str, says: str, yes: str = "yes"):
    """`first` gets the offer of a person (a reply starting with `says`), which `yes` accepts."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    offer = chat.say(first)
    assert reply(offer).startswith(says)
    assert offer.handoff is None and offer.memory.pending is None and offer.memory.offered_human, "an offer, not a handoff"
    assert chat.say(yes).memory.pending is not None, "accepted: the handoff begins, the email is asked"
    return chat, offer


def test_a_bot_question_is_no_handoff_under_the_quick_level_either(bot):
    plan = RealChat(TurnPolicy(level="quick", fields=(EMAIL,)), bot=bot).say("am I chatting with a machine?")
    assert plan.handoff is None and plan.memory.pending is None and plan.memory.offered_human


def test_a_bot_question_with_a_request_for_a_person_is_a_request(bot):
    plan = RealChat(balanced(EMAIL), bot=bot).say("Are you a bot? I want to talk to a person")
    assert plan.memory.pending is not None and plan.memory.pending.cause == "user_request"
    assert reply(plan).startswith("I'm an AI assistant, not a person.")


@pytest.mark.parametrize("text, lang, says", [
    ("I don't want to talk to anyone, just tell me if you sell gift cards", "en", "All right, no person."),
    ("Ich möchte mit niemandem reden, verkaufen Sie Gutscheine?", "de", "In Ordnung, ohne Kollegen."),
    ("No quiero hablar con nadie, ¿venden tarjetas regalo?", "es", "De acuerdo, sin pasarte con nadie."),
])
def test_a_visitor_who_declined_a_person_is_neither_handed_off_nor_offered_one_in_the_same_breath(bot, text, lang, says):
    """Trial of 4 Dec: "no I don't want a person, just tell me what to do" got "Would you like me to bring in a person
    from our team?". Asked for more to look up instead; asking for a person still brings one."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    plan = chat.say(text)
    assert reply(plan).startswith(says) and plan.language == lang
    assert plan.handoff is None and plan.memory.pending is None and not plan.memory.offer_open
    asked = {"en": "ok, let me talk to a person then", "de": "ok, dann doch einen Mitarbeiter bitte",
             "es": "vale, pásame con una persona entonces"}[lang]
    assert chat.say(asked).memory.pending.cause == "user_request"


@pytest.mark.parametrize("first, no, says", [
    ("are you a bot?", "no thanks", "No problem."),
    ("¿Eres un bot?", "no, gracias", "De acuerdo."),
    # trial of 3 Dec: each of these was "I couldn't find an answer… I'll bring in a member of our team"
    ("es-tu un robot ?", "en fait non", "D'accord"), ("bist du ein Bot?", "doch nicht", "In Ordnung."),
    ("bist du ein Bot?", "lieber nicht", "In Ordnung."), ("¿Eres un bot?", "ahora no", "De acuerdo."),
    ("¿Eres un bot?", "mejor no", "De acuerdo."), ("are you a bot?", "actually no", "No problem."),
    # re-trial of 3 Dec
    ("are you a bot?", "maybe later", "No problem."), ("¿Eres un bot?", "no, da igual", "De acuerdo."),
    ("tu es un robot ?", "non merci", "D'accord"),
])
def test_no_to_the_offer_of_a_person_keeps_the_assistant_and_starts_no_handoff(bot, first, no, says):
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert chat.say(first).memory.offered_human
    plan = chat.say(no)
    assert plan.handoff is None and plan.memory.pending is None, "declined: nobody is brought in"
    assert reply(plan).startswith(says)
    plan = chat.say("How long does shipping take?")
    assert "2 to 4 working days" in reply(plan), "the assistant goes on answering"


@pytest.mark.parametrize("no", ["no thanks, how long does shipping take?", "no, gracias. ¿Cuánto tarda el envío a Portugal?"])
def test_no_to_the_offer_with_a_question_gets_the_answer(bot, no):
    """Trial 55: "no thanks, how long does shipping to France take?" after the offer got "No problem. What else can I
    help you with?", the question unanswered."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert chat.say("are you a bot?").memory.offered_human
    plan = chat.say(no)
    assert plan.handoff is None and plan.memory.pending is None, "declined: nobody is brought in"
    assert "working days" in reply(plan) or "días laborables" in reply(plan), reply(plan)


@pytest.mark.parametrize("first, ack, says", [
    ("How long does shipping take?", "ok", "All right."), ("How long does shipping take?", "yes", "All right."),
    ("How long does shipping take?", "no", "All right."), ("¿Cuánto tarda el envío a Portugal?", "vale", "De acuerdo."),
])
def test_a_bare_ok_yes_or_no_after_an_answer_is_acknowledged_not_handed_off(bot, first, ack, says):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say(first)
    plan = chat.say(ack)
    assert plan.handoff is None and plan.memory.pending is None, "nothing to answer is no reason to bring someone in"
    assert reply(plan).startswith(says)


@pytest.mark.parametrize("thanks, says", [
    ("I want to thank the agent who helped me yesterday", "Thank you, that's kind!"),
    ("Quiero felicitar al agente que me ayudó ayer", "¡Gracias, qué amable!"),
    ("Ich möchte mich bei dem Mitarbeiter bedanken, der mir geholfen hat", "Danke, das ist nett!"),
])
def test_thanks_for_the_staff_are_taken_as_thanks_not_handed_off(bot, thanks, says):
    """Not a request for a person, not a question the knowledge base fails, not frustration."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    plan = chat.say(thanks)
    assert plan.handoff is None and plan.memory.pending is None and not plan.memory.offered_human
    assert reply(plan).startswith(says)


def test_sarcastic_thanks_are_not_taken_as_thanks(bot):
    plan = RealChat(balanced(EMAIL), bot=bot).say("Please thank the agent for losing my parcel")
    assert "kind" not in reply(plan)


@pytest.mark.parametrize("first", ["are you a bot?", "I don't want to talk to anyone, can I pay with bitcoin?"])
def test_only_the_message_right_after_an_offer_can_accept_it(bot, first):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say(first)
    chat.say("How long does shipping take?")  # moved on: the offer is no longer open
    plan = chat.say("ok")
    assert plan.handoff is None and plan.memory.pending is None, "\"ok\" to an answer accepts no earlier offer"
    assert reply(plan).startswith("All right.")


def test_no_with_a_request_for_a_person_after_the_offer_is_a_request(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("are you a bot?")
    assert chat.say("no, I want a human").memory.pending is not None


def test_the_same_question_without_declining_a_person_goes_to_the_team(bot):
    plan = RealChat(balanced(EMAIL), bot=bot).say("Do you sell gift cards?")
    assert plan.memory.pending is not None and plan.memory.pending.cause == "cannot_answer"


def test_a_question_about_a_machine_washable_jacket_is_not_asking_for_a_person(bot):
    plan = RealChat(balanced(EMAIL), bot=bot).say("Is this jacket machine washable?")
    assert not reply(plan).startswith("I'm an AI assistant")


def test_asking_the_same_thing_again_names_the_loop_not_frustration():
    chat = Chat(balanced())
    chat.say("How long does shipping take?", answer="shipping")
    plan = chat.say("How long does shipping take?", answer="shipping", repeated=True, frustrated=True)
    assert plan.handoff is None and reply(plan).endswith(phrase("offer_human_repeated", "en"))
    h = chat.say("How long does shipping take??", answer="shipping", repeated=True, frustrated=True).handoff
    assert h.cause == "cannot_answer" and "keeps asking the same thing" in h.reason


def test_the_same_answered_question_again_is_told_the_answer_did_not_help_not_that_there_was_none():
    """Trial of 2 Dec: asked a third time, a question the articles answer got "I couldn't find an answer to that in
    our help articles" before the email was asked for."""
    chat = Chat(balanced(EMAIL))
    chat.say("How long does shipping take?", answer="shipping")
    chat.say("How long does shipping take?", answer="shipping", repeated=True, frustrated=True)
    plan = chat.say("How long does shipping take??", answer="shipping", repeated=True, frustrated=True)
    assert plan.memory.pending is not None and "email" in reply(plan)
    assert "couldn't find an answer" not in reply(plan) and "Sorry that didn't help" in reply(plan), reply(plan)


def test_topic_changes_keep_the_unresolved_problem_for_the_agent():
    chat = Chat(balanced(EMAIL, ORDER))
    chat.say("hello", smalltalk="greeting")
    chat.say("How long does shipping take?", answer="shipping")
    chat.say("ok thanks", smalltalk="thanks")
    plan = chat.say("Why was I charged twice for order A-55231?")
    assert "email" in reply(plan) and "order number" not in reply(plan), "the order number was just given"
    plan = chat.say("By the way, can I return shoes I wore once?", answer="returns")
    assert "30 days" in reply(plan) and "email" in reply(plan)
    plan = chat.say("Also how long does shipping take again?", answer="shipping")
    assert "working days" in reply(plan), "answered first"
    h = plan.handoff
    assert h is not None, "email was asked twice: the handoff goes on without it"
    assert h.summary.splitlines()[0] == "Problem: “Why was I charged twice for order A-55231?”"
    assert h.gathered == {"order": "A-55231"}
    assert "answered “By the way, can I return shoes I wore once?” from the article “Returns”" in h.summary
    assert h.reason == "The AI could not answer “Why was I charged twice for order A-55231?”"


def test_a_problem_sent_in_a_burst_before_the_request_is_the_agents_problem():
    chat = Chat(balanced())
    chat.history.extend([Turn("ai", "Hi! How can I help?"), Turn("visitor", "What's the capital of Australia?"),
                         Turn("visitor", "hello?")])  # answered together with the next message (merged turns)
    h = chat.say("let me talk to a person", human=True).handoff
    assert h.summary.startswith("Problem: “What's the capital of Australia?”")
    assert "Latest from the visitor: “let me talk to a person”" in h.summary


def test_a_refusal_is_not_the_visitors_latest_word_in_the_summary():
    chat = Chat(balanced(EMAIL))
    chat.say("My invoice shows the wrong VAT number")
    plan = chat.say("I'd rather not share it")
    assert plan.handoff is not None and "Latest from the visitor" not in plan.handoff.summary


# --- a visitor who changes their mind, confirms, or sends nothing to answer -----------------------


@pytest.mark.parametrize("withdraw, lang, says", [
    ("never mind", "en", "All right, I won't bring anyone in."),
    ("Actually, forget it.", "en", "All right, I won't bring anyone in."),
    ("I don't need anyone anymore", "en", "All right, I won't bring anyone in."),
    ("olvídalo", "es", "De acuerdo, no avisaré a nadie"),
    ("laissez tomber", "fr", "D'accord, je ne fais appel à personne."),
    ("schon gut", "de", "In Ordnung, ich hole niemanden dazu."),
    ("deixa pra lá", "pt", "Está bem, não vou chamar ninguém."),
    ("no wait, forget it", "en", "All right, I won't bring anyone in."),
    ("I changed my mind", "en", "All right, I won't bring anyone in."),
    ("gracias, eso es todo", "es", "De acuerdo, no avisaré a nadie"),
    ("en fait non", "fr", "D'accord, je ne fais appel à personne."),  # trial of 3 Dec: "not an email", then queued
    ("doch nicht", "de", "In Ordnung, ich hole niemanden dazu."),
    ("actually, no", "en", "All right, I won't bring anyone in."),
    ("no hace falta", "es", "De acuerdo, no avisaré a nadie"),  # re-trial of 3 Dec: queued at once
    ("fine, never mind then", "en", "All right, I won't bring anyone in."),  # trial of 4 Dec
    ("bon, laisse tomber", "fr", "D'accord, je ne fais appel à personne."),
    ("egal, hat sich erledigt", "de", "In Ordnung, ich hole niemanden dazu."),  # trial of 4 Dec: no word, queued
    ("já resolvi", "pt", "Está bem, não vou chamar ninguém."),
    ("c'est bon, j'ai trouvé la réponse, merci", "fr", "D'accord, je ne fais appel à personne."),  # trial of 4 Dec
    # trial 51c: handed off anyway
    ("non en fait pas besoin", "fr", "D'accord, je ne fais appel à personne."),
    ("no, mejor no", "es", "De acuerdo, no avisaré a nadie"),
    ("não, melhor não", "pt", "Está bem, não vou chamar ninguém."),
    # trial 28: the email was asked again
    ("finalement non, c'est bon, merci", "fr", "D'accord, je ne fais appel à personne."),
    ("ach nee, doch nicht, schon gut", "de", "In Ordnung, ich hole niemanden dazu."),
])
def test_never_mind_while_the_email_is_asked_withdraws_the_handoff(bot, withdraw, lang, says):
    first = {"en": "I want to talk to a human", "es": "Quiero hablar con una persona", "fr": "Je veux parler à un conseiller",
             "de": "Ich möchte mit einem Mitarbeiter sprechen", "pt": "Quero falar com um atendente"}[lang]
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert chat.say(first).memory.pending is not None
    plan = chat.say(withdraw)
    assert plan.handoff is None and plan.memory.pending is None, "nobody is brought in"
    assert reply(plan).startswith(says) and plan.language == lang
    assert plan.memory.human_requests == 0 and not plan.memory.frustrated
    plan = chat.say("How long does shipping take?")
    assert plan.handoff is None and plan.memory.pending is None, "the withdrawn request does not come back"
    plan = chat.say("What's the capital of Australia?")  # a miss is the balanced policy's own handoff, named after it
    assert plan.memory.pending is not None and plan.memory.pending.cause == "cannot_answer"


@pytest.mark.parametrize("text", ["never mind, I figured it out", "egal, hat sich erledigt", "ya lo resolví, gracias"])
def test_a_visitor_done_before_asking_anything_is_not_handed_off(bot, text):
    # trial of 4 Dec: "never mind, I figured it out" as a first message was "not found" and handed to the team
    plan = RealChat(balanced(EMAIL), bot=bot).say(text)
    assert plan.handoff is None and plan.memory.pending is None
    assert "couldn't find" not in reply(plan) and "No he encontrado" not in reply(plan)


def test_never_mind_then_a_question_withdraws_and_answers_it(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("I want to talk to a human")
    plan = chat.say("never mind, how long does shipping take?")
    assert plan.handoff is None and plan.memory.pending is None
    assert "2 to 4 working days" in reply(plan) and "email" not in reply(plan)


def test_cancel_my_order_while_the_email_is_asked_is_no_withdrawal(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("I want to talk to a human")
    plan = chat.say("cancel my order")
    assert plan.memory.pending is not None or plan.handoff is not None, "the handoff goes on"


def test_a_question_without_its_mark_while_the_email_is_asked_is_no_failed_email(bot):
    """Trial 51c: "what is the meaning of life" was told "That doesn't look like an email address"."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("I want to talk to a human")
    plan = chat.say("what is the meaning of life")
    assert "doesn't look like an email" not in reply(plan) and "email" in reply(plan), reply(plan)


def test_never_mind_to_the_offer_of_a_person_declines_it(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert chat.say("are you a bot?").memory.offer_open
    plan = chat.say("never mind")
    assert plan.handoff is None and plan.memory.pending is None and reply(plan).startswith("No problem.")


@pytest.mark.parametrize("upset, no, lang", [
    ("your assistant is useless. I've been waiting 3 weeks for my tent", "no, just tell me what to do", "en"),
    ("this is ridiculous, my boots arrived broken", "no thanks, I don't need anyone", "en"),
    ("esto es inaceptable, llevo tres semanas esperando mi pedido", "no, dime qué puedo hacer", "es"),
])
def test_no_with_more_words_to_the_offer_of_a_person_declines_it(bot, upset, no, lang):
    """Trial 54: "no, just tell me what to do" to "Would you like me to bring in a person?" was answered "I'll bring in
    a member of our team" (still frustrated): only a "no" of four words or fewer declined the offer."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert chat.say(upset).memory.offer_open
    plan = chat.say(no)
    assert plan.handoff is None and plan.memory.pending is None, reply(plan)
    assert reply(plan) == phrase("offer_declined", lang)


def test_no_to_the_offer_with_something_else_said_is_still_heard(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert chat.say("this is ridiculous, my boots arrived broken").memory.offer_open
    plan = chat.say("no, I want a real person right now")
    assert plan.memory.pending is not None or plan.handoff is not None, "a request for a person still is one"


@pytest.mark.parametrize("confirm, lang, says", [
    ("that answered my question", "en", "Great, glad I could help!"),
    ("great, that's all I needed", "en", "Great, glad I could help!"),
    ("Perfecto, eso responde a mi pregunta", "es", "¡Genial, me alegra haber ayudado!"),
    ("Das hat geholfen, danke", "de", "Super, freut mich"),
    ("solved, cheers", "en", "Great, glad I could help!"),
    ("thanks, that's all", "en", "Great, glad I could help!"),
])
def test_confirming_an_answer_resolves_the_conversation(bot, confirm, lang, says):
    chat = RealChat(balanced(EMAIL), bot=bot)
    first = "¿Cuánto tarda el envío?" if lang == "es" else "How long does shipping take?"
    chat.say(first)
    plan = chat.say(confirm)
    assert plan.resolve and plan.handoff is None and plan.memory.pending is None
    assert reply(plan).startswith(says)


def test_that_did_not_help_is_no_confirmation(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("How long does shipping take?")
    plan = chat.say("that didn't answer my question")
    assert not plan.resolve


def test_a_confirmation_before_any_answer_resolves_nothing(bot):
    plan = RealChat(balanced(EMAIL), bot=bot).say("that answered my question")
    assert not plan.resolve and plan.handoff is None and plan.memory.pending is None


@pytest.mark.parametrize("text, lang, says", [("thanks, that's all", "en", "Thanks for reaching out."),
                                              ("gracias, eso es todo", "es", "Gracias por escribirnos."),
                                              # (trial 27: a question not answered, and a person brought in)
                                              ("no that's all, have a nice evening", "en", "Thanks for reaching out.")])
def test_that_is_all_is_a_goodbye_not_a_question_whether_there_is_more(bot, text, lang, says):
    # trial of 4 Dec: "thanks, that's all" got "Is there anything else I can help with?"
    plan = RealChat(balanced(EMAIL), bot=bot).say(text)
    assert reply(plan).startswith(says) and not plan.resolve and plan.handoff is None


@pytest.mark.parametrize("text, lang", [("Brilliant, thank you so much! You've all been super kind and quick :)", "en"),
                                        ("Love it, best purchase ever", "en"),
                                        ("Muchísimas gracias, me has ayudado un montón, sois geniales", "es"),
                                        ("Danke schön, Sie waren eine große Hilfe, wirklich toll!", "de"),
                                        ("Obrigada, ajudou imenso, vocês são ótimos!", "pt")])
def test_thanks_and_praise_after_an_answer_bring_in_nobody(bot, text, lang):
    """Trial 27: "That's perfect, thank you so much! You've been really helpful :)" and "Love you guys, best shop ever"
    after an answer were "I couldn't find an answer to that… I'll bring in a member of our team"."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert chat.say("How long does shipping take?").memory.problem_answered
    plan = chat.say(text)
    assert plan.handoff is None and plan.memory.pending is None, reply(plan)
    assert "help articles" not in reply(plan)


@pytest.mark.parametrize("text, says", [("?", "Sorry, I didn't quite get that."), ("...", "Sorry, I didn't quite get that."),
                                        ("👍", "All right."),
                                        # keys typed along a row (re-trial of 2 Dec: handed off)
                                        ("asdfghjkl", "Sorry, I didn't quite get that."),
                                        ("sdfsdf qwerty", "Sorry, I didn't quite get that.")])
def test_a_message_of_only_symbols_is_no_reason_to_hand_off(bot, text, says):
    chat = RealChat(balanced(EMAIL), bot=bot)
    plan = chat.say(text)
    assert plan.handoff is None and plan.memory.pending is None and reply(plan).startswith(says)


def test_are_you_a_bot_while_the_email_is_asked_gets_the_honest_answer_and_the_question_again(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("I want to talk to a human")
    plan = chat.say("are you a bot?")
    assert reply(plan).startswith("I'm an AI assistant, not a person.") and "email" in reply(plan)
    assert "couldn't find an answer" not in reply(plan)
    assert plan.memory.pending is not None and plan.memory.unanswered == ()


def test_never_mind_with_a_reason_asks_nothing_more(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("I want to talk to a human")
    plan = chat.say("actually never mind, I found the answer myself")
    assert plan.handoff is None and plan.memory.pending is None
    assert reply(plan).startswith("All right, I won't bring anyone in.")


@pytest.mark.parametrize("question", ["so is a real person reading this?", "Is anybody there?"])
def test_asking_if_anyone_is_there_starts_the_handoff_without_an_apology(bot, question):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("are you a bot?")
    plan = chat.say(question)
    assert plan.memory.pending is not None and plan.memory.pending.cause == "user_request"
    assert reply(plan).startswith("Of course") and not plan.memory.frustrated


@pytest.mark.parametrize("text", ["never mind", "forget it"])
def test_never_mind_with_nothing_being_prepared_is_acknowledged_not_handed_off(bot, text):
    plan = RealChat(balanced(EMAIL), bot=bot).say(text)
    assert plan.handoff is None and plan.memory.pending is None and reply(plan).startswith("All right.")


def test_a_thumbs_down_after_an_answer_says_it_did_not_help(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("How long does shipping take?")
    plan = chat.say("👎")
    assert plan.memory.pending is not None and plan.memory.pending.cause == "cannot_answer"
    assert "did not help" in plan.memory.pending.reason
    assert reply(plan).startswith("Sorry that didn't help."), "not \"I couldn't find an answer\" after an answer"


def test_keyboard_mash_is_letters_along_a_row_and_never_a_known_word():
    from conversations.assistant.detectors import keyboard_mash

    known = {"power", "fewer", "newer"}
    assert keyboard_mash("asdfghjkl", known) and keyboard_mash("jkjkjk!!", known)
    for text in ("power", "fewer newer", "asdfghjkl refund", "asdf", "asdf 123", "NW-10001", "Bizum", ""):
        assert not keyboard_mash(text, known), text


def test_a_vague_request_is_a_need_and_nothing_said_of_it():
    from conversations.assistant.detectors import vague_request

    for text in ("I have a problem", "Good morning, can you help?", "quick question about my account",
                 "Necesito ayuda, por favor", "J'ai un souci avec ma commande", "Ich brauche Hilfe", "Preciso de ajuda"):
        assert vague_request(text), text
    for text in ("I have a problem with my payment", "my order never arrived", "can you help me change my address?",
                 "question about order 40512", "Hello", "Tengo un problema con la talla", "thanks for the help"):
        assert not vague_request(text), text


@pytest.mark.parametrize("opener, says", [
    ("Hello, I'm Priya", "Hello! How can I help you today?"),
    ("good evening, how are you doing?", "Hello! How can I help you today?"),
    ("Buenos días, ¿cómo estás?", "¡Hola! ¿En qué puedo ayudarte hoy?"),
    ("Salut, je m'appelle Camille", "Bonjour ! Comment puis-je vous aider aujourd'hui ?"),
    ("Was kannst du alles?", "Ich bin der KI-Assistent"),
    ("what can you help me with?", "I'm the AI assistant here"),
    ("Quem é você?", "Sou o assistente de IA"),
    ("testing", "Sorry, I didn't quite get that."),
    ("hello?", "Hello! How can I help you today?"),  # re-trial of 2 Dec: handed off
    ("Hallo?", "Hallo! Wie kann ich Ihnen heute helfen?"),
    ("hola buenas", "¡Hola!"),  # trial of 2 Dec: two greetings in one, handed off as a question with no answer
    ("Hola, buenos días", "¡Hola!"),
    ("I would like more information", "Of course. What do you need help with?"),
])
def test_an_opener_that_asks_nothing_is_answered_not_handed_off(bot, opener, says):
    # before: "I couldn't find an answer to that in our help articles. I'll bring in a member of our team."
    plan = RealChat(balanced(EMAIL), bot=bot).say(opener)
    assert plan.handoff is None and plan.memory.pending is None
    assert reply(plan).startswith(says)


@pytest.mark.parametrize("text", ["Hi, I'm furious", "this is unacceptable", "I'm stuck", "hi, I'm having trouble"])
def test_a_state_after_i_am_is_no_name_to_greet(text):
    from conversations.assistant.detectors import detect_smalltalk

    assert detect_smalltalk(text) is None


@pytest.mark.parametrize("confused, lang, says", [
    ("Sorry, I don't get it", "en", "Sorry, that wasn't clear."),
    ("what does that mean?", "en", "Sorry, that wasn't clear."),
    ("Ich verstehe das nicht", "de", "Entschuldigung, das war nicht klar."),
])
def test_not_understanding_the_answer_is_offered_a_person_not_told_there_was_no_answer(bot, confused, lang, says):
    # first: "I couldn't find an answer to that in our help articles." after an answer was just given; then (re-trial
    # of 2 Dec) straight into the queue: a person is offered, and the visitor may ask it another way
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert "30 days" in reply(chat.say("Can I return shoes?"))
    plan = chat.say(confused)
    assert plan.language == lang and reply(plan).startswith(says)
    assert plan.memory.pending is None and plan.memory.offered_human, "offered, not queued"
    plan = chat.say("ja" if lang == "de" else "yes")
    assert plan.memory.pending is not None and plan.memory.pending.cause == "user_request"


def test_not_understanding_again_after_the_offer_hands_off_the_answer_that_did_not_help(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("Can I return shoes?")
    chat.say("what do you mean?")
    plan = chat.say("I still don't understand")
    assert plan.memory.pending is not None and "did not help" in plan.memory.pending.reason
    assert reply(plan).startswith("Sorry that didn't help.")


def test_not_understanding_with_no_answer_before_is_no_verdict_on_an_answer(bot):
    from conversations.assistant.detectors import detect_not_helpful

    assert not bot.analyze("I don't understand").not_helpful.fired
    after = [Turn("visitor", "¿Puedo devolverlo?"), Turn("ai", "Sí, en 30 días.")]
    for text in ("no lo entiendo", "je ne comprends pas", "não entendi", "wait, what?"):
        assert detect_not_helpful(text, after).fired and not detect_not_helpful(text, []).fired, text
    assert not detect_not_helpful("I don't understand my invoice", after).fired, "a question of its own"


def test_a_thinking_noise_with_ok_is_an_acknowledgment(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("Can I return shoes?")
    plan = chat.say("hmm ok")
    assert plan.handoff is None and plan.memory.pending is None


def test_a_phone_number_given_for_the_email_reaches_the_team_and_the_email_is_not_asked_again():
    # before: "I couldn't find an answer to that in our help articles; I'll pass your question on…" and the email again
    chat = Chat(balanced(EMAIL, ORDER))
    chat.say("I want to talk to someone", human=True)
    plan = chat.say("no email sorry, you can ring me on +34 612 345 678 instead")
    assert reply(plan).startswith("Thanks, our team can reach you on that number.")
    assert plan.memory.pending is not None and plan.memory.pending.field == "order", "the next field, not the email"
    assert ("phone", "phone", "+34 612 345 678") in [(u.kind, u.name, u.value) for u in plan.contact_updates]
    plan = chat.say("NW-10001")
    assert plan.handoff is not None and plan.handoff.gathered["phone"] == "+34 612 345 678"
    assert "phone: +34 612 345 678" in plan.handoff.summary and "email" not in plan.handoff.gathered


@pytest.mark.parametrize("ask, number, lang", [("could someone call me back?", "+34 612 345 678", "en"),
                                                ("¿pueden llamarme, por favor?", "mi número es 612 34 56 78", "es"),
                                                ("Est-ce que quelqu'un pourrait me rappeler ?", "06 12 34 56 78", "fr")])
def test_a_visitor_who_asks_to_be_called_is_asked_for_a_number_not_an_email(bot, ask, number, lang):
    # before: "What email address can our team reach you at?" to a visitor who wants a call
    chat = RealChat(balanced(EMAIL), bot=bot)
    plan = chat.say(ask)
    assert plan.handoff is None and plan.language == lang
    assert reply(plan).endswith(phrase("gather_phone", lang)) and phrase("gather_email", lang) not in reply(plan)
    plan = chat.say(number)
    assert plan.handoff is not None and plan.handoff.cause == "user_request"
    assert "email" not in plan.handoff.gathered and plan.handoff.gathered["phone"].replace(" ", "")[-9:] in \
        number.replace(" ", "")
    assert any(u.kind == "phone" for u in plan.contact_updates), "the number is on the contact for the agent"


def test_a_visitor_asked_for_an_email_who_asks_for_a_call_instead_is_asked_for_the_number(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("I want to talk to a person")
    plan = chat.say("can you call me instead?")
    assert plan.handoff is None, "a way to be reached, not impatience: the team could not call without a number"
    assert reply(plan) == phrase("gather_phone", "en")
    plan = chat.say("sure, 0034 612 345 678")
    assert plan.handoff is not None and plan.handoff.gathered["phone"].endswith("612 345 678")


@pytest.mark.parametrize("then, phone", [("+34 612 345 678", True), ("no, email is fine", False)])
def test_an_email_given_for_a_call_is_kept_and_the_number_asked_once_more(bot, then, phone):
    """Trial 53: asked for a number to be called back on, the visitor gave an email; the handoff went with the email
    only and nobody could call back. The email is kept, the number asked once more, and either answer hands off."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("could someone call me back?")
    plan = chat.say("ana.reyes@example.com")
    assert plan.handoff is None and reply(plan) == phrase("gather_phone_after_email", "en")
    assert ("email", "email", "ana.reyes@example.com") in [(u.kind, u.name, u.value) for u in plan.contact_updates]
    plan = chat.say(then)
    assert plan.handoff is not None and plan.handoff.gathered["email"] == "ana.reyes@example.com"
    assert ("phone" in plan.handoff.gathered) == phone, plan.handoff.gathered


def test_a_call_asked_for_when_the_number_is_known_is_handed_off_without_asking_anything():
    # an SMS or phone contact: the team already has the number to call
    chat = Chat(balanced(EMAIL), contact={"phone": "+34612345678"})
    plan = chat.say("could someone call me back?", human=True, call=True)
    assert plan.handoff is not None and not any("email" in r.text for r in plan.replies)


@pytest.mark.parametrize("text", ["Please call me back on +34 600 111 222", "¿Me podéis llamar al 600 111 222?"])
def test_a_call_asked_for_with_the_number_is_handed_off_without_asking_for_it(bot, text):
    # re-trial of 4 Dec: "What phone number can our team call you on?", then "That doesn't look like a phone number"
    plan = RealChat(balanced(EMAIL), bot=bot).say(text)
    assert plan.handoff is not None and plan.handoff.gathered["phone"].replace(" ", "").endswith("600111222")


def test_a_number_that_is_no_number_is_asked_again_as_a_number():
    chat = Chat(balanced(EMAIL))
    chat.say("please call me", human=True, call=True)
    plan = chat.say("tomorrow morning")
    assert plan.handoff is None and reply(plan).startswith(phrase("gather_invalid_phone", "en"))
    assert reply(plan).endswith(phrase("gather_phone", "en"))


@pytest.mark.parametrize("text, kind", [("ana@example.com", "email"), ("my email is ana@example.com", "email"),
                                        ("+34 612 345 678", "phone")])
def test_a_detail_sent_with_nothing_asked_is_kept_and_the_visitor_asked_what_they_need(bot, text, kind):
    # before: "Não encontrei uma resposta…" (an address read as Portuguese) and a handoff for an answer nobody asked;
    # seen when an agent resolved the conversation while the AI was asking for the email, and the email came after
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.history += [Turn("visitor", "I want to talk to a person"), Turn("ai", phrase("gather_email", "en"))]
    plan = chat.say(text)
    assert plan.handoff is None and plan.language == "en" and reply(plan) == phrase("details_noted", "en")
    assert [u.kind for u in plan.contact_updates] == [kind]
    plan = chat.say("how long does shipping take?")
    assert plan.handoff is None and "working days" in reply(plan), "the next message is the question"


def test_a_link_alone_is_no_detail_to_note(bot):
    plan = RealChat(balanced(EMAIL), bot=bot).say("https://northwind.example/orders/123")
    assert reply(plan) != phrase("details_noted", "en")


@pytest.mark.parametrize("refusal, lang", [("I don't want to give my email", "en"),
                                           ("je ne veux pas donner mon email", "fr"),
                                           ("no quiero dar mi correo", "es")])
def test_an_email_refused_before_it_is_asked_is_never_asked(bot, refusal, lang):
    # re-trial of 2 Dec: "je ne veux pas donner mon email" was handed off as a question with no answer, the email asked
    chat = RealChat(balanced(EMAIL), bot=bot)
    plan = chat.say(refusal)
    assert plan.handoff is None and plan.memory.pending is None and plan.language == lang
    assert reply(plan).startswith(phrase("gather_skipped", lang))
    plan = chat.say({"en": "I want to talk to a person", "fr": "je veux parler à quelqu'un",
                     "es": "quiero hablar con una persona"}[lang])
    assert plan.handoff is not None and phrase("gather_email", lang) not in reply(plan)


def test_an_email_refused_with_a_question_gets_the_answer(bot):
    plan = RealChat(balanced(EMAIL), bot=bot).say("I don't want to give my email, how long does shipping take?")
    assert "working days" in reply(plan) and plan.memory.pending is None


def test_an_email_and_a_phone_together_give_the_email():
    chat = Chat(balanced(EMAIL))
    chat.say("I want to talk to someone", human=True)
    plan = chat.say("ana@example.com or +34 612 345 678")
    assert plan.handoff is not None and plan.handoff.gathered == {"email": "ana@example.com"}


@pytest.mark.parametrize("wait, lang", [("so how long until someone answers?", "en"),
                                        ("¿Y cuánto tiempo tengo que esperar?", "es"),
                                        ("Wie lange muss ich denn warten?", "de")])
def test_asked_how_long_the_wait_is_while_a_detail_is_gathered_the_ai_says_when_it_will_know(bot, wait, lang):
    # before: "how long will I have to wait?" was answered from the shipping times article
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say({"en": "I want to talk to a person", "es": "Quiero hablar con una persona",
              "de": "Ich möchte mit einem Menschen sprechen"}[lang])
    plan = chat.say(wait)
    assert plan.language == lang and reply(plan).startswith(phrase("wait_after_gathering", lang))
    assert plan.memory.pending is not None and plan.memory.pending.field == "email", "the email is asked again"
    assert "working days" not in reply(plan)


def test_an_email_spelt_out_to_keep_it_from_bots_is_taken_when_asked_for():
    chat = Chat(balanced(EMAIL))
    chat.say("I want to talk to someone", human=True)
    plan = chat.say("it's maria.g at example dot org")
    assert plan.handoff is not None and plan.handoff.gathered == {"email": "maria.g@example.org"}


def test_a_spelt_out_address_is_read_only_as_one():
    from conversations.assistant.extract import spoken_email

    assert spoken_email("luis arroba correo punto es") == "luis@correo.es"
    assert spoken_email("ana (at) example [dot] co [dot] uk") == "ana@example.co.uk"
    for text in ("I'm at home dot", "meet me at the cafe", "we arrive at noon. ok"):
        assert spoken_email(text) is None, text


def test_an_address_given_in_a_few_words_keeps_the_conversation_language(bot):
    """Trial of 2 Dec: "hans at gmx punkt de" turned a German conversation English (its notices and survey too)."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("Mein Paket ist nie angekommen, ich möchte bitte mit einem Menschen sprechen")
    plan = chat.say("hans at gmx punkt de")
    assert plan.handoff is not None and plan.handoff.language == "de" and plan.language == "de"
    assert plan.handoff.gathered == {"email": "hans@gmx.de"}


@pytest.mark.parametrize("text, leaves", [
    ("never mind", True), ("cancel", True), ("Cancel.", True), ("forget it", True), ("olvídalo", True),
    ("stop", True), ("stop please", True), ("no, stop", True), ("ok stop it", True), ("salir", True),
    ("cancel my order", False), ("I want to stop my subscription", False), ("stop charging me twice!", False),
    ("NW-10001", False), ("no", False),
])
def test_what_leaves_a_flows_question(text, leaves):
    """Re-trial of 3 Dec: "stop please" was asked the question again and "no, stop" read as declining to answer."""
    from conversations.turn_plan import leaves_a_question

    assert leaves_a_question(text) is leaves


@pytest.mark.parametrize("lang, no", [("en", "actually no"), ("fr", "en fait non"), ("es", "en realidad no"),
                                      ("de", "eigentlich nicht"), ("pt", "na verdade não"), ("en", "not really")])
def test_a_bare_no_right_after_an_answer_says_it_did_not_help(lang, no):
    """Trial of 3 Dec: "en fait non" after an answer got "Je n'ai pas trouvé de réponse dans nos articles d'aide" and a
    handoff for a question nobody asked; it answers the widget's "Did that answer your question?" as its "No" does."""
    chat = Chat(balanced())
    chat.say("How long does shipping take?", answer="shipping", lang=lang)
    plan = chat.say(no, lang=lang)
    assert reply(plan) == phrase("not_helpful_plain", lang), chat.ai_texts
    assert plan.handoff is not None and "did not help" in plan.handoff.reason, plan.handoff


def test_a_no_to_anything_but_an_answer_is_not_taken_for_it():
    chat = Chat(balanced())
    chat.say("Hi", smalltalk="greeting")
    plan = chat.say("actually no")
    assert reply(plan) != phrase("not_helpful_plain", "en") and (plan.handoff is None or "did not help" not in plan.handoff.reason)


def test_no_thanks_to_the_person_the_ai_brought_in_for_a_question_it_could_not_answer_withdraws_it(bot):
    """Trial of 3 Dec: "do you sell bicycles?" → "I couldn't find an answer… I'll bring in a member of our team… what
    email?" → "no thanks" queued the visitor. They never asked for a person: "no thanks" declines the person. After
    "I want to talk to a person" the same words decline the email, and the handoff goes on."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert chat.say("What's the capital of Australia?").memory.pending.cause == "cannot_answer"
    plan = chat.say("no thanks")
    assert plan.handoff is None and plan.memory.pending is None
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("I want to talk to a person")
    plan = chat.say("no thanks")
    assert plan.handoff is not None and plan.handoff.cause == "user_request"


@pytest.mark.parametrize("first, sign_off, says", [
    ("What's the capital of Australia?", "ok, bye", "All right, I won't bring anyone in."),
    ("I want to talk to a person", "thanks, that's all I needed", "All right, I won't bring anyone in."),
    ("¿Cuál es la capital de Australia?", "vale, adiós", "De acuerdo, no avisaré a nadie del equipo."),
])
def test_a_goodbye_at_the_email_question_brings_in_nobody(bot, first, sign_off, says):
    """Trial of 4 Dec: "egal, tschüss" at the email question queued the visitor, "danke schön, das hilft mir" was told
    it was no email address."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert chat.say(first).memory.pending is not None
    plan = chat.say(sign_off)
    assert plan.handoff is None and plan.memory.pending is None
    assert reply(plan).startswith(says), reply(plan)


def test_asking_for_a_person_at_the_email_question_is_no_question_passed_on(bot):
    """Trial of 3 Dec: "my parcel is late" found no answer, the email was asked, and "I want to talk to a human
    please" got "I couldn't find an answer to that in our help articles; I'll pass your question on to our team."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert chat.say("What's the capital of Australia?").memory.pending.cause == "cannot_answer"
    plan = chat.say("I want to talk to a human please")
    assert plan.handoff is not None and plan.handoff.cause == "user_request"
    assert phrase("question_passed_on", "en") not in reply(plan) and "couldn't find" not in reply(plan)


@pytest.mark.parametrize("number", ["NW-10005", "order NW-10005", "Es el pedido NW-10005."])
def test_an_order_number_sent_after_an_answer_is_for_the_person_not_a_question_without_an_answer(bot, number):
    """Trial of 3 Dec: "my package never arrived" got the late-parcel article ("write to us with your order number"),
    then "order NW-10005" got "I couldn't find an answer to that in our help articles"."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("How long does shipping take?")
    plan = chat.say(number)
    assert phrase("cannot_answer_plain", plan.language) not in reply(plan), reply(plan)
    assert plan.handoff is not None or plan.memory.pending is not None, "someone looks the order up"


@pytest.mark.parametrize("question, lang", [("c'est gratuit ?", "fr"), ("is it free?", "en")])
def test_a_short_question_at_the_email_question_is_no_bad_email(bot, question, lang):
    """Trial of 3 Dec: "c'est gratuit ?" at the email question got "Cela ne ressemble pas à une adresse e-mail"."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say({"fr": "Je voudrais parler à quelqu'un", "en": "I want to talk to a person"}[lang])
    plan = chat.say(question)
    assert phrase("gather_invalid_email", lang, label="email") not in reply(plan), reply(plan)


def test_an_order_number_as_the_first_words_is_noted_and_the_visitor_asked_what_about(bot):
    """Re-trial of 3 Dec: "NW-10001" as the first message got "I couldn't find an answer" and a handoff."""
    chat = RealChat(balanced(EMAIL, ORDER), bot=bot)
    plan = chat.say("NW-10001")
    assert plan.handoff is None and plan.memory.pending is None
    assert reply(plan) == phrase("details_noted", "en")
    assert [(u.name, u.value) for u in plan.contact_updates] == [("order", "NW-10001")], "kept for the team"


@pytest.fixture(scope="module")
def parcels_bot():
    from conversations.assistant import Article, Assistant, build_knowledge_index

    return Assistant(build_knowledge_index([
        Article("late", "Late or missing parcels", "If your parcel hasn't arrived within the delivery time, or its "
                "tracking hasn't moved for 5 working days, write to us with your order number: we open an "
                "investigation with the carrier."),
        Article("shipping", "Shipping times", "Standard shipping takes 2 to 4 working days in Spain and Portugal."),
    ]))


def test_an_answer_telling_the_visitor_to_write_to_us_offers_a_person_here(parcels_bot):
    """Trial of 4 Dec: "My parcel has not arrived, tracking has not moved for a week" got "…write to us with your order
    number…" and nothing else: the visitor is writing to us. A person is offered, and "yes" brings one in."""
    chat = RealChat(balanced(EMAIL), bot=parcels_bot)
    plan = chat.say("My parcel has not arrived, tracking has not moved for a week")
    assert "write to us" in reply(plan) and reply(plan).endswith(phrase("contact_us_here", "en")), reply(plan)
    assert not plan.replies[0].kb_answer, "no \"Did that answer your question?\" under an offer left open"
    plan = chat.say("yes please")
    assert plan.memory.pending is not None or plan.handoff is not None, reply(plan)
    # an answer that sends nobody anywhere is asked about as before
    chat = RealChat(balanced(EMAIL), bot=parcels_bot)
    plan = chat.say("How long does standard shipping take?")
    assert phrase("contact_us_here", "en") not in reply(plan) and plan.replies[0].kb_answer


def test_by_sms_or_email_the_built_in_email_question_is_not_asked_but_the_admins_own_is():
    """Trial of 4 Dec: a texter asking for a person was asked "What email address can our team reach you at?", though
    the team answers by text. A question the admin wrote for the field may want the address for another reason."""
    asking = analysis("I want to talk to a person", human=True)
    here = TurnFacts(reached_here=True)
    plan = plan_turn(balanced(EMAIL), TurnMemory(), asking, "I want to talk to a person", here)
    assert plan.handoff is not None and plan.handoff.cause == "user_request"
    assert plan_turn(balanced(EMAIL), TurnMemory(), asking, "I want to talk to a person").handoff is None  # the widget asks
    own = FieldSpec("email", "email", question="Which email address is your account under?")
    plan = plan_turn(balanced(own), TurnMemory(), asking, "I want to talk to a person", here)
    assert plan.handoff is None and "account" in reply(plan)


def test_a_question_asked_again_calmly_gets_the_answer_and_an_offer_without_an_apology_for_frustration(bot):
    """Trial of 4 Dec: "ok so how much is express shipping?" after its answer got "I'm sorry this is frustrating"."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("How long does express shipping take?")
    plan = chat.say("ok so how long does express shipping take?")
    assert "next working day" in reply(plan) and plan.handoff is None and plan.memory.pending is None
    assert reply(plan).endswith(phrase("offer_human_repeated", "en")) and "sorry" not in reply(plan).lower()
    angry = RealChat(balanced(EMAIL), bot=bot)
    angry.say("How long does express shipping take?")
    plan = angry.say("HOW LONG DOES EXPRESS SHIPPING TAKE?? this is ridiculous, answer me")
    assert "sorry" in reply(plan).lower(), reply(plan)


@pytest.mark.parametrize("lang", ["en", "es", "fr", "de", "pt"])
def test_an_upset_visitor_hears_sorry_before_the_answer_and_the_offer_after_it(lang):
    """Trial 56: "this shop is garbage, my boots fell apart after a week, useless idiots" was answered with the returns
    passage first, and "I'm sorry this is frustrating" only after it."""
    chat = Chat(balanced(EMAIL))
    plan = chat.say("this is ridiculous, how long does shipping take?", lang=lang, frustrated=True, answer="shipping")
    assert reply(plan).startswith(phrase("offer_human_sorry", lang)), reply(plan)
    assert reply(plan).endswith(phrase("offer_human_question", lang)) and "2 to 4 working days" in reply(plan)
    assert plan.memory.offer_open
    # what the visitor may ask back about is the answer, not the apology or the offer ("what?" reads it again)
    assert chat.plans[-1].replies[0].text.split("\n\n")[1].startswith("Standard shipping")
    plan = chat.say("no", lang=lang, smalltalk="acknowledgment")
    assert plan.handoff is None and not plan.memory.pending


def test_a_call_asked_for_in_two_words_of_portuguese_is_asked_its_number_in_portuguese(bot):
    """Re-trial of 4 Dec: "Podem ligar-me?" was read as English and asked "What phone number can our team call you on?"."""
    plan = RealChat(balanced(EMAIL), bot=bot).say("Podem ligar-me?")
    assert plan.language == "pt" and reply(plan).endswith(phrase("gather_phone", "pt")), reply(plan)


@pytest.mark.parametrize("question, lang", [("what's your phone number?", "en"), ("¿Cuál es vuestro teléfono?", "es"),
                                            ("Wie ist Ihre Telefonnummer?", "de")])
def test_asked_for_the_phone_number_the_policys_is_given_not_a_handoff(bot, question, lang):
    """Re-trial of 4 Dec: "what's your phone number?" started a handoff; the policy had +34 910 000 000."""
    plan = RealChat(balanced(EMAIL, fallback_phone="+34 910 000 000"), bot=bot).say(question)
    assert plan.handoff is None and plan.memory.pending is None
    assert reply(plan) == phrase("call_the_team", lang, phone="+34 910 000 000")
    without = RealChat(balanced(EMAIL), bot=bot).say(question)
    assert "+34" not in reply(without)


@pytest.mark.parametrize("upset, then, lang", [
    ("this is so annoying, my parcel is late again", "no I don't want a person, just tell me what to do", "en"),
    ("esto es un desastre, mi paquete llega tarde otra vez", "no quiero una persona, dime qué hago", "es"),
])
def test_no_person_and_what_to_do_after_an_answer_gets_that_answer_again(upset, then, lang):
    """Re-trial of 4 Dec: the English got "I couldn't find more on that", the Spanish the returns article."""
    from tests.conversations.test_assistant_knowledge import demo_shop_with_topics

    chat = RealChat(balanced(EMAIL), bot=demo_shop_with_topics())
    first = chat.say(upset)
    assert first.memory.offered_human and "/help/1/11/" in reply(first)
    plan = chat.say(then)
    assert plan.handoff is None and reply(plan).startswith(phrase("what_to_do_again", lang))
    assert "/help/1/11/" in reply(plan) and phrase("offer_human", lang) not in reply(plan)


@pytest.mark.parametrize("lang, tries, said", [
    ("fr", ("mon email c'est jean at gmail", "jean.dupont@gmail"), "Cela ne ressemble toujours pas à une adresse e-mail"),
    ("en", ("it's pat at example", "pat@example"), "That still doesn't look like an email address"),
])
def test_a_last_invalid_try_at_a_detail_is_said_not_to_be_taken(lang, tries, said):
    """Trial of 4 Dec: the second invalid address handed off without a word; the visitor could think the team would
    write to it."""
    chat = Chat(balanced(EMAIL))
    chat.say("I want to talk to a person" if lang == "en" else "je veux parler à quelqu'un", human=True, lang=lang)
    first = chat.say(tries[0], lang=lang)
    assert first.handoff is None and said not in reply(first)
    last = chat.say(tries[1], lang=lang)
    assert last.handoff is not None and reply(last).startswith(said)
    assert "Not given: email" in last.handoff.summary and last.handoff.gathered == {}


@pytest.mark.parametrize("thanks, lang", [("ok great, thanks a lot", "en"), ("Danke, super Service", "de"),
                                          ("obrigado", "pt"), ("brilliant, cheers", "en")])
def test_thanks_while_a_detail_is_asked_is_no_failed_try_at_it(bot, thanks, lang):
    """Trial 52: "ok great, thanks a lot", "Danke, super Service", "obrigado" at the phone question were each told "That
    still doesn't look like a phone number". Thanks is no try: the question is asked again plainly, and the last time
    the handoff goes on without a word on the number."""
    phone = FieldSpec("phone", "phone", required=True)
    chat = RealChat(balanced(phone), bot=bot)
    chat.say("I want to talk to a person")
    plan = chat.say(thanks)
    invalid = [phrase(key, language) for key in ("gather_invalid_phone", "gather_not_taken_phone")
               for language in {"en", lang}]
    assert not any(reply(plan).startswith(said) for said in invalid), reply(plan)
    assert plan.memory.pending is not None and plan.handoff is None, "asked again"
    last = chat.say(thanks)
    assert not any(reply(last).startswith(said) for said in invalid), reply(last)


@pytest.mark.parametrize("thanks", ["Danke, super", "alles klar, danke dir", "obrigadíssimo, ajudou muito", "vale, gracias"])
def test_thanks_while_a_person_is_prepared_for_an_unanswered_question_withdraws_it(bot, thanks):
    """Re-trial 52: a question the articles did not answer brought a person in; the next answers came, then "Danke,
    super" queued the visitor for the question they had moved on from. The AI's own handoff is withdrawn by thanks; a
    handoff the visitor asked for is not (`test_thanks_while_a_detail_is_asked_is_no_failed_try_at_it`)."""
    phone = FieldSpec("phone", "phone", required=True)
    chat = RealChat(balanced(phone), bot=bot)
    first = chat.say("what is the meaning of life?")
    assert first.memory.pending is not None and first.memory.pending.cause == "cannot_answer", reply(first)
    chat.say("how long does shipping take?")
    plan = chat.say(thanks)
    assert plan.handoff is None and plan.memory.pending is None, reply(plan)


def test_an_answer_just_given_is_not_sent_again_for_another_question(bot):
    """Trial 28: "and do you have half sizes?" after the boots' sizing got the same paragraph word for word. The
    assistant says its articles hold nothing more and offers a person; a yes hands off."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    first = reply(chat.say("How long does standard shipping take?"))
    assert "2 to 4 working days" in first
    plan = chat.say("and is that the same for Portugal?")
    if "2 to 4 working days" in reply(plan):
        pytest.fail(f"the same paragraph again: {reply(plan)!r}")
    assert reply(plan) == f"{phrase('said_above', 'en')} {phrase('offer_human_question', 'en')}"
    assert plan.memory.offer_open and plan.handoff is None
    assert "email" in reply(chat.say("yes please")).lower()


def test_the_same_question_asked_again_still_gets_its_answer(bot):
    chat = RealChat(balanced(EMAIL), bot=bot)
    chat.say("How long does standard shipping take?")
    assert "2 to 4 working days" in reply(chat.say("How long does standard shipping take?"))


@pytest.mark.parametrize("text", ["hmm actually you know what, you can probably help. how long does shipping take?",
                                  "du kannst mir sicher helfen, wie lange dauert der Versand?"])
def test_you_can_help_after_all_withdraws_and_the_question_is_answered(bot, text):
    """Trial 28: the visitor took the person back ("you can probably help"); the answer came with the email asked again."""
    chat = RealChat(balanced(EMAIL), bot=bot)
    assert chat.say("I want to talk to a human").memory.pending is not None
    plan = chat.say(text)
    assert plan.handoff is None and plan.memory.pending is None
    assert "2 to 4" in reply(plan) and "email" not in reply(plan).lower()
