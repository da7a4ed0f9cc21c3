"""Plan one visitor turn: a pure function from what is known to what happens.

    plan_turn(policy, memory, analysis, text, facts) -> TurnPlan

Imports nothing from Django. `routing/decision.py` is the rule table (answer, ask, gather,
offer a person, hand off, whether a language model may still hand off, the fail-safe);
this module turns its decision into what the visitor is told, in their language, and what
the agent who takes over is told: a reason that names what the visitor said and a summary
of the unresolved problem. The turn (conversations/turns.py) builds the snapshot, calls
`plan_turn` and applies the plan; a configured language model is consulted in between
(`TurnPlan.consult_model`) and its verdict planned again through the same function.

Gathering information before a handoff is never a trap: each field is asked at most
`ASK_LIMIT` times; "skip" or a refusal moves on without it; a request for a person or
frustration hands off at once with what is known; a real question is answered and the
gathering resumes; what the conversation or the contact already says is never asked.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from conversations.assistant.detectors import (confused, doubts, says_no, vague_request, venting_only,
                                               without_contact_details)
from conversations.assistant.extract import SPOKEN_EMAIL, extract_field, given_detail, spoken_email, stated_name, validate_field
from conversations.assistant.human_request import (asked_besides, asks_for_a_call, asks_for_our_phone, asks_if_someone_is_there,
                                                   asks_in_a_word, asks_to_be_put_through, asks_to_talk_to_someone,
                                                   names_a_person)
from conversations.assistant.phrases import phrase
from conversations.assistant.text import detect_language, normalize
from conversations.assistant.types import NO_SIGNAL, Analysis, Signal, Turn
from conversations.turn_memory import PendingHandoff, TurnMemory
from routing.decision import ASK_LIMIT, REASON, TRIGGER, Decision, TurnSignals, decide, strongest_cause
from routing.priority import says_urgent

# "yes" to the AI's offer of a person
YES = re.compile(r"^\s*(yes|yeah|yep|sure|ok|okay|please|yes please|s[ií]|por favor|oui|ja|sim|claro)\b", re.I)
# A question at least 60% like one asked before is that question put another way (detect_repeated scores a question
# not asked again at half its similarity to the closest earlier one)
ANOTHER_WAY = 0.3
# "not now", "better not" in five languages: no to the offer of a person, or to the detail asked for
_NOT_NOW = r"better not|ahora no|mejor no|pas maintenant|plutot pas|jetzt nicht|nicht jetzt|agora nao|melhor nao"
# "no" to the AI's offer of a person (a short message; normalized text)
NO_THANKS = re.compile(rf"^\s*(?:no|nope|nah|not now|i'?m (?:fine|good|ok)|non|nein|nao|rather not|lieber nicht|{_NOT_NOW}"
                       r"|(?:maybe\s+)?later|mas\s+tarde|luego|plus\s+tard|spater|vielleicht\s+spater|mais\s+tarde|depois)\b")
# what follows a "no" that declines the offer of a person rather than saying something else is not so ("no, just tell me
# what to do", "no thanks, I don't need anyone", "no, dime qué hago"; not "no, it still doesn't work")
NO_THANKS_THEN = re.compile(r"^\W*(?:thanks?|thank you|thx|gracias|merci|danke|obrigad[oa]|just|only|i'?m fine|i'?m ok"
                            r"|i (?:don'?t|do not) (?:need|want)|i'?d rather|tell me|solo|dime|digame|no necesito|no quiero"
                            r"|seulement|dites-moi|dis-moi|je n'ai pas besoin|je ne veux pas|nur|sag mir|sagen sie mir"
                            r"|ich brauche kein|ich will kein|apenas|so me|diga-me|me diga|me fala|nao preciso|nao quero)\b")
# Declining a question while information is gathered (matched on normalized text: no accents, lower case;
# normalize keeps "ß")
DECLINE = re.compile(
    r"^\s*(?:skip|pass|no|nope|nah|n/?a|none|no thanks|not now|later|rather not|i'?d rather not|i would rather not|"
    r"prefer not|i'?d prefer not|i prefer not|i don'?t (?:want|have|know|remember)|i do not (?:want|have|know)|"
    r"i can'?t|i cannot|dunno|not sure(?=\W*$)|no idea|i lost it|"
    r"omitir|saltar|paso|prefiero no|no tengo|no lo se|no quiero|no se|ni idea|"
    # "je ne l'ai pas" (I don't have it) at the order number's question was read as a question and asked again
    # (trial of 4 Dec)
    r"passer|je passe|je prefere ne pas|je n'ai pas|je ne (?:sais|veux|connais) pas"
    r"|je ne (?:l'|le |la )(?:ai|sais|connais|trouve|retrouve) (?:pas|plus)|je (?:l'|le |la )(?:ai|sais|connais) pas"
    r"|j'ai pas|je ne m'en souviens (?:pas|plus)|pas sur(?=\W*$)"
    r"|aucune idee|non|aucun|"
    r"uberspringen|weiter|lieber nicht|habe ich nicht|hab ich nicht|ich wei(?:ss|ß) (?:es )?nicht"
    r"|ich (?:habe|hab) (?:sie|es|ihn|die nummer) nicht|ich (?:habe|hab) keine|ich mochte nicht|keine ahnung|nein|keine|"
    rf"pular|passo|prefiro nao|nao tenho|nao sei|nao quero|nao|{_NOT_NOW})\b")
# A detail refused before it is asked ("I don't want to give my email", "je ne veux pas donner mon email", "no quiero dar
# mi correo"): the field is not asked later (normalized text); which kind of detail, by the word for it
REFUSES_DETAIL = re.compile(
    r"\b(?:(?:i\s+)?(?:don'?t|do\s+not|won'?t|will\s+not|rather\s+not|prefer\s+not\s+to)\s+(?:want\s+to\s+|wish\s+to\s+)?"
    r"(?:give|share|provide|leave|send)|no\s+(?:quiero|voy\s+a)\s+(?:dar|dejar|compartir|facilitar)|prefiero\s+no\s+(?:dar|dejar)"
    r"|je\s+(?:ne\s+)?(?:veux|souhaite|vais)\s+pas\s+(?:donner|laisser|communiquer|partager)"
    r"|(?:ich\s+)?(?:mochte|will|werde)\s+(?:meine\s+\S+\s+)?nicht\s+(?:angeben|geben|nennen|teilen)"
    r"|nao\s+(?:quero|vou)\s+(?:dar|deixar|passar|compartilhar|partilhar))\b")
_DETAIL_WORDS = {"email": re.compile(r"\b(?:e-?mail|mail|correo|courriel|adresse\s+mail|e-mail-adresse)\b"),
                 "phone": re.compile(r"\b(?:phone|number|telefono|numero|telephone|telefon\w*|nummer|numero)\b")}
# Asking back why the information is needed ("why do you need my email?", "¿para qué lo necesitan?", "wozu?"): not a
# refusal, not an answer; the AI says why and asks once more (normalized text)
WHY_ASKED = re.compile(
    r"^\W*(?:(?:but|and|y|pero|mais|et|aber|und|mas|e)\s+)?(?:why|what for|how come|por que|para que|pourquoi"
    r"|a quoi bon|pour quoi faire|warum|wozu|wieso|weshalb|porque|pra que)\W*$"
    r"|\bwhy\s+(?:do|would|does|should|did)\s+(?:you|u|they|we)\s+(?:guys\s+)?(?:need|want|ask|require|have\s+to\s+know)"
    r"|\bwhat\s+do\s+you\s+need\s+(?:it|that|this|my\s+\w+)\s+for\b"
    r"|\bwhy\s+(?:is\s+(?:it|that|this)\s+)?(?:needed|necessary|required)\b"
    r"|\b(?:por\s+que|para\s+que)\s+(?:me\s+)?(?:lo\s+|la\s+|los\s+|las\s+)?(?:necesit|quier|pid|pregunt)\w*"
    r"|\bpourquoi\s+(?:vous\s+en\s+avez\s+besoin|en\s+avez-vous\s+besoin|me\s+(?:le|la|les)\s+demande\w*"
    r"|vous\s+(?:le\s+|la\s+)?(?:demandez|voulez))"
    r"|\b(?:warum|wozu|wieso|weshalb)\s+(?:brauchen|wollen|benotigen)\s+sie\b"
    r"|\b(?:por\s+que|pra\s+que|para\s+que)\s+(?:voces?\s+)?(?:precis|quer|ped)\w*")
# "How long will I have to wait?", "when will someone answer?" while information is gathered for a person: about the
# wait for that person, not a question for the knowledge base (its shipping times)
WAIT_ASKED = re.compile(
    r"\bhow\s+long\s+(?:will|do|would|must|until|till|before)\s+(?:i|you|someone|somebody|anyone|an?\s+(?:agent|person|human))"
    r"(?:\s+(?:have\s+to|need\s+to|gonna|going\s+to))?\s+(?:wait|be\s+waiting|take|answer|reply|respond|get\s+back)"
    r"|\bhow\s+long\s+(?:is|will\s+be)\s+the\s+wait\b"
    r"|\bwhen\s+(?:will|does|can)\s+(?:someone|somebody|anyone|a\s+(?:person|human)|an\s+agent|they|you)\s+"
    r"(?:answer|reply|respond|contact|call|write|get\s+back|be\s+(?:here|with\s+me))"
    r"|\bcuanto\s+(?:tiempo\s+)?(?:tengo\s+que|hay\s+que|voy\s+a\s+tener\s+que)\s+esperar|\bcuando\s+me\s+(?:contesta|responde|atiende)\w*"
    r"|\bcombien\s+de\s+temps\s+(?:dois-je|je\s+dois|faut-il|vais-je)\s+attendre|\bquand\s+(?:est-ce\s+qu')?(?:quelqu'un|on)\s+(?:va\s+)?(?:me\s+)?repond\w*"
    r"|\bwie\s+lange\s+(?:muss|soll)\s+ich\s+(?:\w+\s+)?warten|\bwann\s+(?:meldet|antwortet)\s+(?:sich\s+)?(?:jemand|ihr|sie)"
    r"|\bquanto\s+tempo\s+(?:tenho\s+que|vou\s+ter\s+que|preciso)\s+esperar|\bquando\s+(?:alguem|voces?)\s+(?:vai\s+|vao\s+)?(?:me\s+)?respond\w*")
# Withdrawing a handoff being prepared, or the offer of one: "never mind", "cancel", "forget it", "I found it",
# "I don't need anyone anymore" (normalized text). The phrase ends the message or a sentence of it ("never
# mind, how long is the warranty?" withdraws, then asks); "cancel my order" is no withdrawal.
WITHDRAW = re.compile(
    r"^\W*(?:(?:oh|ok|okay|actually|well|ah|sorry|no|nope|non|nao|nein|nah|hmm|wait|hold\s+on|espera|attendez|warte|espere"
    # "non en fait pas besoin" while the email was asked was handed off anyway (trial 51c)
    r"|en\s+fait|en\s+realidad|na\s+verdade|eigentlich"
    # "finalement non, c'est bon, merci", "ach nee, doch nicht, schon gut" at the email question were asked again (trial 28)
    r"|finalement|au\s+final|al\s+final|no\s+fim|nee|ne|noe|you\s+know\s+what|on\s+second\s+thought|second\s+thought"
    # "non attends, laisse tomber", "pera, deixa pra lá" while queued stayed queued (trial 29)
    r"|attends|attend|pera|perai|espera\s+ai|calma"
    # "fine, forget it", "bueno, olvídalo", "bon, laisse tomber": the same, said with a shrug (trial of 4 Dec)
    r"|fine|alright|all\s+right|just|bueno|vale|pues|bon|bah|ben|na\s+gut|ach|bem|entao"
    r"|thanks|thank\s+you|gracias|merci|danke|obrigad[oa]|egal|ist\s+egal|c'est\s+bon|ca\s+y\s+est)\W+)*"
    r"(?:never\s*mind|nvm|(?:i(?:'?ve)?\s+)?changed\s+my\s+mind|he\s+cambiado\s+de\s+opinion|j'ai\s+change\s+d'avis"
    r"|mudei\s+de\s+ideia|that'?s\s+(?:all|it)|eso\s+es\s+todo|c'est\s+tout|das\s+war'?s|e\s+isso|era\s+isso|cancel(?:\s+(?:that|it|this|the\s+(?:request|handoff|transfer)))?|forget\s+(?:it|that|about\s+it)"
    r"|don'?t\s+bother|i\s+(?:found|figured)\s+(?:it|the\s+answer|it\s+out)(?:\s+myself)?"
    r"|i\s+(?:don'?t|do\s+not)\s+need\s+(?:anyone|anybody|a\s+person|an?\s+(?:agent|human)|help)(?:\s+any\s*more)?"
    r"|olvida(?:lo|le)?|olvidelo|da\s+igual|no\s+importa|dejalo|cancela(?:r|lo)?|ya\s+(?:lo\s+)?encontre"
    r"|ya\s+no\s+(?:hace\s+falta|lo\s+necesito)|laisse[zr]?\s+tomber|oublie[zr]?(?:\s+ca)?|annule[rz]?|pas\s+la\s+peine"
    r"|vergiss\s+es|vergessen\s+sie\s+es|schon\s+gut|abbrechen|nicht\s+mehr\s+notig"
    # "egal, hat sich erledigt" while queued got no word and stayed queued (trial of 4 Dec)
    r"|(?:hat\s+sich|ist(?:\s+schon)?)\s+erledigt|(?:ich\s+)?hab(?:e)?\s+es\s+(?:selbst\s+|schon\s+)?gefunden"
    # "c'est bon, j'ai trouvé la réponse, merci" while queued got no word (trial of 4 Dec)
    r"|ya\s+(?:lo\s+)?(?:resolvi|solucione)|ya\s+esta\s+resuelto|ya\s+encontre\s+la\s+respuesta"
    r"|j'ai\s+trouve(?:\s+(?:la\s+reponse|ce\s+que\s+je\s+cherchais|tout\s+seul|toute\s+seule))?|c'est\s+regle"
    r"|(?:ich\s+)?hab(?:e)?\s+die\s+antwort\s+gefunden|ja\s+(?:resolvi|encontrei|consegui)(?:\s+a\s+resposta)?"
    r"|problem\s+solved|(?:all\s+)?sorted(?:\s+now)?"
    r"|deixa\s+(?:pra|para)\s+la|esquece|esqueca|nao\s+precisa(?:\s+mais)?"
    # "actually no", "en fait non", "doch nicht": changed their mind (trial of 3 Dec)
    r"|(?:actually|en\s+fait|en\s+realidad|na\s+verdade)\s*,?\s+(?:no|non|nao)|(?:lieber\s+|besser\s+)?doch\s+nicht"
    r"|no\s+hace\s+falta|pas\s+besoin|nicht\s+notig|no\s+need"
    # "no, mejor no" ("better not") while the email was asked was handed off anyway (trial 51c)
    r"|(?:mejor|melhor)\s+(?:no|nao)|better\s+not|plutot\s+pas|lieber\s+nicht"
    # "no wait, don't. sorry. how do I reset my password?" while queued (trial 28); "finalement non, c'est bon"
    r"|don'?t|(?:finalement\s*,?\s+|non\s*,?\s+)c'est\s+bon|finalement\s*,?\s+non"
    # "hmm actually you know what, you can probably help. do jackets run small?" at the email question (trial 28)
    # (said, not asked: "tu peux m'aider ?" asks for help)
    r"|(?:you\s+can\s+(?:probably\s+|maybe\s+|surely\s+)?(?:help(?:\s+me)?|do\s+it|answer\s+(?:it|that|this))"
    r"|(?:tu\s+(?:peux|pourrais)|vous\s+(?:pouvez|pourriez))\s+(?:surement|sans\s+doute|peut-etre)\s+m'aider"
    r"|(?:tu\s+)?(?:puedes|podes|podeis)\s+(?:seguramente|seguro|probablemente)\s+(?:ayudarme|hacerlo)"
    r"|du\s+kannst\s+(?:mir\s+)?(?:sicher|bestimmt|wohl)\s+(?:helfen|weiterhelfen)"
    r"|(?:voce|vc|tu)\s+(?:provavelmente|com\s+certeza|certamente)\s+(?:pode|podes)\s+(?:me\s+)?ajudar)(?!\s*\?))"
    r"(?:\s+(?:then|entonces|alors|dann|entao))?"
    r"(?:\s+(?:please|thanks|thank\s+you|por\s+favor|gracias|merci|danke|obrigad[oa]))?(?=\s*(?:[,.;!?]|$))")
# A question word opening a message, normalized: a question even without its mark
_OPENS_A_QUESTION = re.compile(
    r"^\W*(?:what|how|why|when|where|who|which|can|could|do|does|is|are|que|como|por\s+que|cuando|donde|quien|cual"
    r"|puedo|pourquoi|comment|quand|quel\w*|est-ce|warum|wie|wann|wo|wer|was|welche\w*|kann|porque|quando|onde|quem"
    r"|qual|posso)\b")
# An answer telling the visitor to contact the team ("write to us with your order number"), accent-folded
CONTACT_US = re.compile(
    r"\b(?:write\s+to\s+us|contact\s+us|email\s+us|get\s+in\s+touch\s+with\s+us|reach\s+out\s+to\s+us"
    r"|escribenos|contactanos|ponte\s+en\s+contacto\s+con\s+nosotros|escribe(?:nos)?\s+a\s+(?:nuestro\s+equipo|soporte)"
    r"|ecrivez[\s-]nous|contactez[\s-]nous|schreiben\s+sie\s+uns|kontaktieren\s+sie\s+uns|melden\s+sie\s+sich\s+bei\s+uns"
    r"|escreva[\s-]nos|entre\s+em\s+contato\s+conosco|contacte[\s-]nos|fale\s+connosco|fale\s+conosco)\b")
# An accident, injury or danger: no cheerful opener before the handoff notice
DISTRESS = re.compile(
    r"\b(?:fire|caught fire|on fire|burn\w*|smoke|injur\w*|hurt|bleed\w*|accident|emergency|danger\w*|explo\w*|"
    r"shock|fuego|incendio|quemad\w*|herid\w*|accidente|feu|brule\w*|blesse\w*|incendie|feuer|brand|verletz\w*|"
    r"unfall|rauch|fogo|queimad\w*|ferid\w*|acidente|fumaca)\b")
PERSON_KINDS = ("name", "email", "phone")  # gathered values of these kinds fill the contact's own fields
ANSWERED = "answered"  # how the memory's list of what was tried notes an answer from the knowledge base
ASKED_WHAT = "asked what the problem is"
PHONE_INSTEAD = "phone"  # gathered: the number a visitor gave when asked for an email
ORDER_GIVEN = "order number"  # gathered: an order number the visitor gave though no field asks for one
NOT_GIVEN = "Not given: "  # the summary's line of the details the visitor did not give
NOT_DESCRIBED = "Problem: not described yet"  # the summary's first line when the assistant heard no problem
NOTHING_TRIED = "AI tried: nothing yet"  # the summary's line when the assistant answered nothing

Notice = Literal["of_course", "sorry", "plain", "ai_disclosed"]


# --- the snapshot in -------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One piece of information to gather before a handoff (routing.GatherField)."""

    name: str
    kind: str  # name, email, phone, order_number, text, regex
    required: bool = True
    question: str = ""  # the workspace's own wording, else the built-in question of the kind
    regex: str = ""

    @property
    def label(self) -> str:
        """How a custom field is named to the visitor: "order_ref" -> "order ref"."""
        return self.name.replace("_", " ")


@dataclass(frozen=True)
class TurnPolicy:
    """The workspace's handoff policy as a turn needs it."""

    level: str = "balanced"
    handoff_enabled: bool = True
    fields: tuple[FieldSpec, ...] = ()
    uses_model: bool = False  # a language model writes the answers (HELPDESK_LLM_BASE_URL)
    fallback_phone: str = ""  # where the team can be called when no person can join the chat

    @property
    def hands_off(self) -> bool:
        """Whether the AI may bring in a person: handoffs switched on, and not "AI only"."""
        return self.handoff_enabled and self.level != "ai_only"


@dataclass(frozen=True)
class ModelVerdict:
    """What the language model said when asked to write the answer."""

    text: str | None = None
    handoff: bool = False
    reason: str = ""
    source: str = "llm"  # "llm"; "fallback" when the provider failed and the local answer stands; "local" with no provider


@dataclass(frozen=True)
class TurnFacts:
    """What the turn knows besides its memory: the messages before this one and the contact."""

    history: tuple[Turn, ...] = ()
    contact: Mapping[str, str] = field(default_factory=dict)  # name/email/phone and attribute names -> value
    model: ModelVerdict | None = None
    assistant_failed: bool = False
    withdrew_handoff: bool = False  # this message took back a handoff still waiting for a person (it was cancelled)
    # the analyses of the visitor's messages sent just before this one that no reply answered (two sent at once:
    # the newer message's turn answers for both, so each question the knowledge base answers gets its answer)
    earlier: tuple[Analysis, ...] = ()
    earlier_texts: tuple[str, ...] = ()  # those messages, in the same order
    # the words of the earlier message whose request for a person / restricted topic the turn carries (a handoff's
    # reason quotes them, not the newest message's: trial of 3 Dec)
    request_words: str = ""
    topic_words: str = ""
    # the conversation's channel reaches the visitor itself (SMS, a call's texts, email, Slack): the built-in email
    # question, "What email address can our team reach you at?", is not asked (SMS texters were: trial of 4 Dec)
    reached_here: bool = False


# --- the plan out ----------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    kb_answer: bool = False  # a knowledge-base answer (the widget may ask whether it helped)


@dataclass(frozen=True)
class HandoffPlan:
    trigger: str
    cause: str
    reason: str  # names what the visitor said
    summary: str  # the unresolved problem in the visitor's words and what the AI tried
    gathered: Mapping[str, str]
    topic: str | None  # the restricted topic whose target the handoff goes to
    frustrated: bool
    notice: Notice  # how the handoff notice opens: "Of course." only after a calm request
    language: str


@dataclass(frozen=True)
class ContactUpdate:
    """A gathered value the contact does not have yet: name/email/phone fill the contact's
    own field, anything else its attribute `name`."""

    kind: str
    name: str
    value: str


@dataclass(frozen=True)
class TurnPlan:
    """Exactly one outcome: replies to send, or a handoff (possibly after a reply saying why)."""

    memory: TurnMemory
    language: str
    decision: Decision
    replies: tuple[Reply, ...] = ()
    handoff: HandoffPlan | None = None
    consult_model: bool = False  # ask the language model to write the answer, then plan again with its verdict
    model_may_hand_off: bool = False
    contact_updates: tuple[ContactUpdate, ...] = ()
    resolve: bool = False  # the visitor confirmed the AI's answer: the conversation is resolved at once

    @property
    def outcome(self) -> Literal["reply", "handoff"]:
        return "handoff" if self.handoff is not None else "reply"


# --- planning --------------------------------------------------------------------------


def plan_turn(policy: TurnPolicy, memory: TurnMemory, analysis: Analysis | None, text: str,
              facts: TurnFacts = TurnFacts()) -> TurnPlan:
    """What to do about the visitor's message `text`, given everything known before it.

    `analysis` is the assistant's analysis of `text`, or None when the assistant failed
    (the fail-safe). Deterministic: the same arguments always give the same plan.
    """
    return _with_stated_name(_plan_turn(policy, memory, analysis, text, facts), text, facts)


def _with_stated_name(plan: TurnPlan, text: str, facts: TurnFacts) -> TurnPlan:
    """"Hi, my name is Rosa…" said unasked names a contact who has no name yet (the inbox showed their email and a
    canned "Hi {{contact.name}}" had nothing to say: trial 54)."""
    if facts.contact.get("name") or any(u.kind == "name" for u in plan.contact_updates):
        return plan
    name = stated_name(text)
    return replace(plan, contact_updates=(*plan.contact_updates, ContactUpdate("name", "name", name))) if name else plan


def _plan_turn(policy: TurnPolicy, memory: TurnMemory, analysis: Analysis | None, text: str,
               facts: TurnFacts) -> TurnPlan:
    text = text or ""
    if analysis is None or facts.assistant_failed:
        return _fail_safe(policy, memory, text, facts)
    if (withdraws(text) or _no_thanks_to_an_unasked_person(text, memory)
            or _thanks_to_an_unasked_person(analysis, memory)) and not analysis.human_request.fired \
            and not _said_no_to_the_answer(text, memory):
        if memory.gathering or memory.awaiting_problem or facts.withdrew_handoff:
            return _Turn.start(policy, _withdrawn(memory), _calm(analysis), text, facts).after_withdrawal()
        if analysis.answer is None and not memory.offer_open and len(_after_withdrawal(text).split()) < 2:
            # "never mind" with nothing being prepared: nothing to look up, nobody to bring in
            analysis = replace(_calm(analysis), smalltalk=analysis.smalltalk or "acknowledgment")
    if not withdraws(text):
        carried = _with_earlier_signals(analysis, facts.earlier)
        if carried is not analysis:
            facts = replace(facts, **_carried_words(analysis, carried, facts))
        analysis = carried
    vague_again = analysis.smalltalk == "vague" and ASKED_WHAT in memory.tried
    if vague_again:
        # asked once already what the problem is, and still nothing said of it: a person finds out ("I need help"
        # twice is no frustration: the repetition is not counted)
        calm = not (analysis.complaint.fired or analysis.anger.fired)
        analysis = replace(analysis, smalltalk=None, repeated_question=NO_SIGNAL,
                           frustration=NO_SIGNAL if calm else analysis.frustration)
    if memory.gathering and analysis.smalltalk in ("goodbye", "confirmed") and not analysis.human_request.fired:
        # "egal, tschüss" or "danke schön, das hilft mir" at the email question: leaving, or helped after all; the
        # visitor was queued, or told it was not an email (trial of 4 Dec). Said so, then answered as small talk.
        plan = _Turn.start(policy, _withdrawn(memory), analysis, text, facts).plan()
        if plan.handoff is None and plan.replies:
            said = f"{phrase('handoff_not_needed', plan.language)} {plan.replies[0].text}"
            return replace(plan, replies=(replace(plan.replies[0], text=said), *plan.replies[1:]))
    turn = _Turn.start(policy, memory, analysis, text, facts)
    turn.vague_again = vague_again
    if memory.gathering:
        return turn.continue_gathering()
    return _with_earlier_answers(turn.plan(), facts.earlier, facts.earlier_texts)


def _with_earlier_signals(analysis: Analysis, earlier: tuple[Analysis, ...]) -> Analysis:
    """A burst is one turn: a request for a person, a restricted topic or upset words in a message sent just before
    the newest one count as the newest one's, unless it declines a person. "can I talk to a human please" then "How
    long does shipping take?" sent together got the shipping answer and no handoff (trial of 3 Dec)."""
    if analysis.declined_human.fired:
        return analysis
    for a in earlier:
        if a.human_request.fired and not analysis.human_request.fired:
            analysis = replace(analysis, human_request=a.human_request,
                               asks_for_call=analysis.asks_for_call or a.asks_for_call)
        if a.restricted_topic is not None and analysis.restricted_topic is None:
            analysis = replace(analysis, restricted_topic=a.restricted_topic)
        if (a.complaint.fired or a.anger.fired) and not analysis.frustration.fired:  # (a message sent twice is not)
            analysis = replace(analysis, frustration=a.frustration, complaint=a.complaint, anger=a.anger)
    return analysis


def _carried_words(own: Analysis, carried: Analysis, facts: TurnFacts) -> dict[str, str]:
    """Which earlier messages' words the carried signals came from (TurnFacts.request_words, topic_words)."""
    words = {}
    pairs = list(zip(facts.earlier, facts.earlier_texts))
    if carried.human_request.fired and not own.human_request.fired:
        words["request_words"] = next((t for a, t in pairs if a.human_request.fired), "")
    if carried.restricted_topic is not None and own.restricted_topic is None:
        words["topic_words"] = next((t for a, t in pairs if a.restricted_topic is not None), "")
    return words


def asked_for_person_before(analysis: Analysis, earlier: tuple[Analysis, ...], text: str) -> bool:
    """Whether a message sent just before the newest one (`text`, read as `analysis`) asks for a person that the
    newest one does not ask for itself, decline or withdraw: the request the turn carries (`_with_earlier_signals`),
    which a flow must not swallow either ("can I talk to a human please" then "where is my order?" started the
    order flow and nobody came: trial of 3 Dec)."""
    return (not withdraws(text) and not analysis.human_request.fired
            and _with_earlier_signals(analysis, earlier).human_request.fired)


def _with_earlier_answers(plan: TurnPlan, earlier: tuple[Analysis, ...], texts: tuple[str, ...] = ()) -> TurnPlan:
    """The plan's replies after the answers to the questions sent just before, each article once ("how long does
    shipping take?" and "can I pay with PayPal?" sent together get both answers), then a word on each of those
    questions the articles do not answer: five questions sent at once got four answers, and nothing said of the
    fifth (trial of 3 Dec). A handoff takes them all to a person instead; a language model writing the answer sees
    only the last message, so it is left as it is."""
    if not earlier or plan.handoff is not None or plan.consult_model:
        return plan
    quoted = {str((r.metadata.get("article") or {}).get("id")) for r in plan.replies if r.metadata.get("article")}
    extra = earlier_answers(earlier, quoted=quoted, texts=texts, lang=plan.language)
    return replace(plan, replies=(*extra, *plan.replies)) if extra else plan


def _unanswered_question(analysis: Analysis, text: str) -> bool:
    """A question the articles had no answer for, and nothing else (not small talk, not a request for a person)."""
    return (analysis.answer is None and not analysis.smalltalk and analysis.restricted_topic is None
            and not analysis.wants_person and "?" in text and len(text.split()) >= 2)


def earlier_answers(earlier: tuple[Analysis, ...], *, quoted: set[str] | frozenset[str] = frozenset(),
                    texts: tuple[str, ...] = (), lang: str = "en") -> tuple[Reply, ...]:
    """The answers from the articles to questions sent just before a turn's message, each article once and none
    already `quoted` (also what a flow that took the newest message leaves to the assistant). With the messages'
    `texts`, a question the articles do not answer is said so, in its place."""
    seen, said, out = set(quoted), set(), []
    for n, a in enumerate(earlier):
        text = texts[n] if n < len(texts) else ""
        if a.answer is not None and not a.smalltalk:
            if a.answer.article_id not in seen:
                seen.add(a.answer.article_id)
                out.append(Reply(a.answer.text, _answer_metadata(a), kb_answer=True))
        elif text and _unanswered_question(a, text) and normalize(text) not in said:
            said.add(normalize(text))  # the same question twice is said once
            out.append(Reply(phrase("earlier_not_found", a.language or lang, question=clip(text, 120))))
    return tuple(out)


# "just tell me what to do", "dime qué hago", "dites-moi quoi faire", "sagen Sie mir, was ich tun soll", "diga-me o que
# fazer" (normalized)
_WHAT_TO_DO = re.compile(
    r"\b(?:tell\s+me|say)\s+what\s+(?:to\s+do|i\s+(?:should|can|need\s+to|have\s+to)\s+do)\b|\bwhat\s+(?:do|should|can)\s+i\s+do\b"
    r"|\b(?:dime|decidme|digame|dinos)\s+(?:que|lo\s+que)\s+(?:hago|hacer|debo\s+hacer|tengo\s+que\s+hacer)\b"
    r"|\bque\s+(?:hago|debo\s+hacer|tengo\s+que\s+hacer)\b"
    r"|\b(?:dites|dis)[\s-]moi\s+(?:quoi\s+faire|ce\s+que\s+je\s+dois\s+faire|ce\s+qu'il\s+faut\s+faire)"
    r"|\bque\s+(?:dois[\s-]je|faut[\s-]il)\s+faire\b"
    r"|\bwas\s+(?:ich\s+(?:tun|machen)\s+soll|soll\s+ich\s+(?:tun|machen))\b"
    r"|\b(?:diga|diz|digam)[\s-]me\s+o\s+que\s+(?:fazer|faco|devo\s+fazer)\b|\bo\s+que\s+(?:faco|devo\s+fazer)\b")


def asks_while_waiting(text: str) -> bool:
    """Said while a person is waited for, it is told where the handoff stands: a nudge (`nudges`), or a question
    ("how long does shipping take?" got no word at all: the visitor could not tell whether anyone read it, trial of
    3 Dec), or something for the team (`for_the_team_while_waiting`). The message itself stays the team's."""
    return asks_where_it_stands(text) or bool(for_the_team_while_waiting(text))


def asks_where_it_stands(text: str) -> bool:
    """A nudge or a question while a person is waited for: the answer may begin "Yes," (not for a message that only
    gives the team a detail: "Yes, a member of our team has your conversation" answered a mail that asked nothing,
    re-trial of 4 Dec)."""
    return nudges(text) or ("?" in text and len(text.split()) >= 2)


def for_the_team_while_waiting(text: str) -> str:
    """"call" when the message asks for a call, "detail" when it gives an order number, an email or a phone number,
    else "": said while a person is waited for, the visitor is told it is kept for the team ("oh sorry, it's NW-10002
    actually" got no word: trial of 4 Dec)."""
    if asks_for_a_call(text):
        return "call"
    if any(given_detail(kind, text) for kind in ("email", "phone")) or extract_field("order_number", text):
        return "detail"
    return ""


def nudges(text: str) -> bool:
    """Whether the message asks whether anyone is there, names a person and nothing else, or asks again to be put
    through or to talk to someone ("hello?? anyone?", "agent please", "just put me through", "I want to talk to a
    human"): said while waiting for a person, it asks where the handoff stands."""
    return (asks_if_someone_is_there(text) or asks_in_a_word(text) or asks_to_be_put_through(text)
            or asks_to_talk_to_someone(text))


_NO_THANKS_WORDS = re.compile(r"^\W*(?:no|nope|nah|non|nein|nao)\W+(?:thanks|thank\s+you|gracias|merci|danke|obrigad[oa])\W*$")


_ORDER_WORDS = frozenset("order number no nr my is it's its it the here this pedido encomenda commande bestellung "
                         "numero nummer es est ist e c'est el mi mon ma le la mein meine meiner die der o a meu minha"
                         .split())


def _only_an_order_number(text: str) -> bool:
    """"NW-10005", "order NW-10005", "my order number is A-1234": an order number and nothing else."""
    number = extract_field("order_number", text)
    if not number:
        return False
    rest = normalize(text.replace(number, " ")).replace("#", " ").replace(":", " ").split()
    return all(word.strip(".,!") in _ORDER_WORDS or not word.strip(".,!") for word in rest)


def _said_no_to_the_answer(text: str, memory: TurnMemory) -> bool:
    """"actually no", "en fait non" right after an answer, with nothing else open: it did not help."""
    return (says_no(text) and not (memory.gathering or memory.offer_open) and bool(memory.tried)
            and memory.tried[-1].startswith(ANSWERED))


def _no_thanks_to_an_unasked_person(text: str, memory: TurnMemory) -> bool:
    """"No thanks" to the person the AI brought in because it had no answer (not one the visitor asked for): that
    handoff is withdrawn, where after "I want to talk to a person" it declines the email (trial of 3 Dec)."""
    return (memory.pending is not None and memory.pending.cause == "cannot_answer"
            and bool(_NO_THANKS_WORDS.match(normalize(text))))


def _thanks_to_an_unasked_person(analysis: Analysis, memory: TurnMemory) -> bool:
    """Thanks or goodbye while a person the AI brought in for a question it could not answer is being prepared: the
    visitor is done ("Danke, super" after two answers queued them for the question that failed before: re-trial 52).
    Not after a visitor's own request for a person: they still wait for one."""
    return (memory.pending is not None and memory.pending.cause == "cannot_answer"
            and analysis.smalltalk in ("thanks", "goodbye", "confirmed"))


# Where a request for a person turns to what it is about: "Necesito hablar con una persona, mi chaqueta llegó rota"
_REQUEST_AND_MORE = re.compile(r"\s*[,;:.!?]+\s+|\s+(?:and|but|because|as|since|y|pero|porque|ya\s+que|et|mais|car"
                               r"|parce\s+que|und|aber|weil|denn|e|mas|pois"
                               # what the person is wanted for ("una persona sobre mi pedido NW-10002, llega tarde": the
                               # summary said "not described yet", re-trial of 4 Dec)
                               r"|about|regarding|concerning|sobre|acerca\s+de|au\s+sujet\s+de|concernant|à\s+propos\s+de"
                               r"|wegen|über|bezüglich)\s+", re.IGNORECASE)


_COURTESY = re.compile(r"^\W*(?:thanks|thank\s+you|thx|cheers|gracias|merci|danke|obrigad[oa]|please|por\s+favor|bitte"
                       r"|s'il\s+vous\s+plait|right\s+now|now|ahora|maintenant|jetzt|agora|asap)\b")


def says_more_than_the_request(text: str) -> bool:
    """A request for a person that also says what the problem is, in a clause of its own that names nobody and is no
    vague "I have a question" (the handoff summary read "Problem: not described yet": re-trial of 4 Dec)."""
    clauses = _REQUEST_AND_MORE.split(text.strip())
    return len(clauses) > 1 and any(
        len(c.split()) >= 3 and not names_a_person(c) and not vague_request(c) and not venting_only(c)
        and not nudges(c) and not withdraws(c) and not _COURTESY.match(normalize(c)) and not DECLINE.match(normalize(c))
        for c in clauses)


# Saying there is nothing more ("that's all", "eso es todo", "c'est tout", "das war's", "era isso"), normalized
_THATS_ALL = re.compile(r"\b(?:that'?s\s+(?:all|it)|that\s+is\s+all|nothing\s+else|eso\s+es\s+todo|nada\s+mas|c'est\s+tout"
                        r"|rien\s+d'autre|das\s+war'?s|nichts\s+weiter|e\s+isso|era\s+isso|mais\s+nada)\b")


def withdraws(text: str) -> bool:
    """Whether the message withdraws a handoff (or the offer of one): "never mind", "I found it", "olvídalo"."""
    return bool(WITHDRAW.match(normalize(text)))


# A flow's question left with one word ("stop", "exit", "salir", "arrête", "sair"): the whole message, nothing else
_STOP_WORD = re.compile(r"^\W*(?:(?:no|ok|okay|please|just|por\s+favor|bitte|s'il\s+vous\s+plait)\W+)*"
                        r"(?:stop|exit|quit|salir|parar|arrete[rz]?|stopp|aufhoren|beenden|sair)"
                        r"(?:\W+(?:it|that|this|now|please|por\s+favor|bitte|s'il\s+vous\s+plait))*\W*$")


def leaves_a_question(text: str) -> bool:
    """Whether the message leaves what is being asked (a flow's question): a withdrawal ("never mind", "cancel",
    "olvídalo") or one stop word. Visitors who wrote "cancel" or "stop" at a flow's question were asked again, or had
    "stop" filed as their billing issue and handed to the team (trial of 3 Dec)."""
    return withdraws(text) or bool(_STOP_WORD.match(normalize(text)))


def asks_after_withdrawing(text: str) -> bool:
    """ "never mind, how long does shipping take?": something asked after the withdrawal."""
    return bool(what_follows_a_withdrawal(text))


def what_follows_a_withdrawal(text: str) -> str:
    """What the message asks after withdrawing ("no actually I don't need anyone, just tell me if the tent is
    waterproof": "just tell me if the tent is waterproof"), normalized; "" when nothing."""
    rest = _after_withdrawal(text)
    return rest if len(rest.split()) >= 2 else ""


def _after_withdrawal(text: str) -> str:
    """What follows the withdrawal; a second one is part of it ("never mind, I figured it out" as a first message was
    read as a question and handed off: trial of 4 Dec)."""
    rest = normalize(text)
    for _ in range(3):
        shorter = WITHDRAW.sub("", rest, count=1).strip(" ,.;!")
        if shorter == rest:
            break
        rest = shorter
    return rest


def _withdrawn(memory: TurnMemory) -> TurnMemory:
    """The handoff being prepared, and what asked for it, are dropped; what was gathered stays known."""
    return replace(memory, pending=None, asks={}, skipped=(), awaiting_problem=False, human_requests=0, request="",
                   frustration="", offered_human=False, offer_open=False).with_tried("the visitor withdrew the handoff")


def _calm(analysis: Analysis) -> Analysis:
    """The withdrawing message read as declining a person: what follows it is answered, never handed off."""
    return replace(analysis, frustration=NO_SIGNAL, complaint=NO_SIGNAL, anger=NO_SIGNAL, not_helpful=NO_SIGNAL,
                   repeated_question=NO_SIGNAL, declined_human=Signal(1.0, True, WITHDREW))


WITHDREW = "withdrew the handoff"  # (a withdrawal is no "no person" for later turns: a miss after it hands off again)


@dataclass
class _Turn:
    """One planning pass (mutable scratch; the inputs and the plan are frozen)."""

    policy: TurnPolicy
    memory: TurnMemory
    analysis: Analysis
    text: str
    facts: TurnFacts
    lang: str
    asked: bool
    topic: str | None
    declined_offer: bool = False  # "no thanks" to the offer of a person: the AI stays, nothing is escalated
    vague_again: bool = False  # a need said vaguely again after the AI asked what it is: a person finds out

    @classmethod
    def start(cls, policy: TurnPolicy, memory: TurnMemory, analysis: Analysis, text: str, facts: TurnFacts) -> _Turn:
        lang = analysis.language or "en"
        if memory.language and len(_words_besides_details(text)) < 3:
            lang = memory.language  # "skip", "ok", "hans at gmx punkt de": the conversation's language
        # "Are you a bot?" is no request for a person: the AI says what it is and offers one (decide);
        # a "yes" to that offer is the request, a "no" declines it, and only the message right after it
        # answers it ("ok" to a later answer accepts nothing).
        asked = analysis.human_request.fired or (memory.offer_open and bool(YES.match(text)))
        no_thanks = NO_THANKS.match(normalize(text))
        declined_offer = memory.offer_open and not asked and (withdraws(text) or bool(no_thanks and (
            len(text.split()) <= 4 or analysis.answer is not None
            # "no, just tell me what to do", "no, dime qué puedo hacer" after "Would you like a person?" were handed off
            # as still frustrated (trial 54)
            or NO_THANKS_THEN.match(normalize(text)[no_thanks.end():]))))
        # ("the link expired" after "I don't want to talk to a person, just tell me how to reset my password" asked for
        # an email, and the visitor gone quiet was handed off anyway: trial of 4 Dec)
        said_no_person = analysis.declined_human.fired and analysis.declined_human.evidence != WITHDREW
        declined_person = (memory.declined_person or said_no_person) and not asked
        memory = replace(memory, language=lang, offer_open=False, human_requests=memory.human_requests + int(asked),
                         declined_person=declined_person,
                         request=text[:300] if asked else memory.request,
                         frustration=text[:300] if _upset(analysis) else memory.frustration,
                         distressed=memory.distressed or _distress(text))
        topic = analysis.restricted_topic.name if analysis.restricted_topic else None
        return cls(policy, memory, analysis, text, facts, lang, asked, topic, declined_offer)

    # -- a turn that withdraws the handoff being prepared --

    def after_withdrawal(self) -> TurnPlan:
        rest = _after_withdrawal(self.text)
        # "never mind, how long is the warranty?": the question is answered ("never mind, I found it" asks nothing)
        if len(rest.split()) >= 2 and (self.analysis.answer is not None or "?" in rest or self.topic):
            return self.plan()
        return self._reply(Decision("small_talk", why="the visitor withdrew the handoff being prepared"),
                           phrase("handoff_withdrawn", self.lang))

    # -- a turn outside gathering --

    def plan(self) -> TurnPlan:
        a, m = self.analysis, self.memory
        said_before = self._answer_said_before()
        if a.declined_human.fired and said_before and _WHAT_TO_DO.search(normalize(self.text)) and not self.topic:
            # "no I don't want a person, just tell me what to do" after the late-parcel answer: that answer again, not
            # "I couldn't find more" ("no quiero una persona, dime qué hago" got the returns article: re-trial of 4 Dec)
            return self._reply(Decision("answer", why="declined a person and asked what to do: the answer before"),
                               f"{phrase('what_to_do_again', self.lang)}\n\n{said_before}")
        if self.policy.fallback_phone and asks_for_our_phone(self.text) and not (a.frustration.fired or self.topic):
            # "what's your phone number?" started a handoff; the policy has the number (re-trial of 4 Dec)
            return self._reply(Decision("small_talk", why="asked for the phone number: the policy's fallback phone"),
                               phrase("call_the_team", self.lang, phone=self.policy.fallback_phone))
        if (a.smalltalk == "details" or (_only_an_order_number(self.text) and not (m.tried or m.problem))) \
                and not self.asked:
            # ("NW-10001" as the first words: noted and asked what about, not "I couldn't find an answer": re-trial)
            return self._details_noted()
        refused = self._details_refused()
        if refused is not None and a.answer is None and not self.asked and not a.frustration.fired and not self.topic:
            # "I don't want to give my email" before anything was asked: it never will be
            self.memory = replace(self.memory, skipped=tuple(dict.fromkeys((*m.skipped, *refused))),
                                  awaiting_problem=not m.problem or m.awaiting_problem)
            return self._reply(Decision("small_talk", why="the visitor refused a detail before it was asked"),
                               f"{phrase('gather_skipped', self.lang)} {phrase('ask_what_you_need_short', self.lang)}")
        # "are you sure?" after an answer is said of the answer: never a new question, whatever the articles find for
        # it ("is that right?" found the shipping article); after the offer of a person, said again, it did not help
        doubted = doubts(self.text) and not self.asked and any(t.startswith(ANSWERED) for t in m.tried[-2:])
        if doubted:
            self.analysis = a = replace(a, answer=None, not_helpful=Signal(0.9, True, "doubts the answer again")
                                        if m.offered_human else a.not_helpful)
        elif _said_no_to_the_answer(self.text, m) and not (self.asked or self.declined_offer):
            # "en fait non" right after an answer: it did not help (as the widget's "No" says), not a new question
            # the articles have no answer to ("Je n'ai pas trouvé de réponse…": trial of 3 Dec)
            self.analysis = a = replace(a, answer=None, smalltalk=None,
                                        not_helpful=Signal(0.9, True, f"said no after the answer: {self.text!r}"))
        problem, answered, awaiting = m.problem, m.problem_answered, m.awaiting_problem
        if awaiting and not self.asked:
            problem, answered, awaiting = self.text, False, False
        elif a.not_helpful.fired or a.repeated_question.fired:
            problem, answered = problem or self.text, False
        elif self._substantive() and not doubted:
            problem, answered = self.text, False
        elif not problem:
            # Messages sent in a quick burst are answered by the last one's turn: the problem may be in an earlier one.
            problem = next((t for t in reversed(_unanswered(self.facts.history)) if len(t.split()) >= 4), "")
        self.memory = replace(m, problem=problem[:500], problem_answered=answered, awaiting_problem=awaiting)
        known = self._known()
        signals = self._signals(known, gathering_for=None)
        decision = decide(self.policy.level, signals)
        action = decision.action
        if (action in ("ask_field", "handoff") and decision.cause == "cannot_answer"
                and (confused(self.text) or doubted) and not m.offered_human and self.policy.level != "quick"):
            # "I don't understand" or "are you sure?" after an answer: a person is offered, not queued for at once; the
            # visitor may ask it another way instead
            self.memory = replace(self.memory, offered_human=True, offer_open=True).with_tried("offered a person")
            return self._reply(Decision("offer_human", why="the visitor did not follow or doubts the answer: a person "
                                        "is offered"), phrase("doubt_offer" if doubted else "confused_offer", self.lang))
        if action == "small_talk":
            if self.declined_offer:
                return self._reply(decision, phrase("offer_declined", self.lang))
            if a.smalltalk == "bot_question":  # AI only: no person to bring in, the honest answer alone
                return self._reply(decision, phrase("opener_ai_disclosed", self.lang))
            if a.smalltalk == "confirmed":
                return self._confirmed(decision)
            if a.smalltalk == "vague":  # "I have a problem": the next message says what it is
                self.memory = replace(self.memory, awaiting_problem=True).with_tried(ASKED_WHAT)
                return self._reply(decision, phrase("ask_what_you_need", self.lang))
            return self._reply(decision, phrase(a.smalltalk or "greeting", self.lang))
        if action == "answer":
            return self._answer(decision)
        if action == "cannot_answer":
            if a.restricted_topic is not None:
                # "you charged me twice, I want a refund" with nobody to hand to: not "could you rephrase it?" (trial
                # of 3 Dec, AI only), but that the team handles it and how to reach them
                self.memory = self.memory.with_tried("told the visitor no person can join this chat")
                return self._reply(decision, self._no_person_line("topic_no_person_here"))
            self.memory = self.memory.with_tried(f"could not answer “{clip(self.text, 80)}”")
            return self._reply(decision, phrase("cannot_answer_ai_only", self.lang))
        if action == "apologize":
            return self._reply(decision, phrase("assistant_trouble", self.lang))
        if action == "no_person_here":
            return self._no_person_here(decision)
        if action == "ask_problem":
            # asked for a person again instead: not the same sentence word for word (trial of 4 Dec, AI first)
            again = self.memory.tried[-1:] == (ASKED_WHAT,) and a.human_request.fired
            self.memory = replace(self.memory, awaiting_problem=True).with_tried(ASKED_WHAT)
            key = "ask_problem_again" if again else "ask_problem_sorry" if self._venting() else "ask_problem"
            return self._reply(decision, phrase(key, self.lang))
        if action == "offer_human" and a.declined_human.fired and a.answer is None and not a.asked_if_bot.fired:
            # "no I don't want a person, just tell me what to do": not offered one again in the same breath (trial of
            # 4 Dec); asked for more to look up, the person still there if they ask
            self.memory = self.memory.with_tried("told the visitor the articles have no more on it")
            return self._reply(decision, phrase("declined_no_answer", self.lang))
        if action == "offer_human":
            self.memory = replace(self.memory, offered_human=True, offer_open=True).with_tried("offered a person")
            # the same question asked again, calmly ("ok so how much is express shipping?"), is no frustration to be
            # sorry for (trial of 4 Dec)
            calm_repeat = a.repeated_question.fired and not (a.complaint.fired or a.anger.fired or a.dissatisfied.fired)
            offer = ("bot_offer_human" if a.asked_if_bot.fired
                     else "cannot_answer" if (a.declined_human.fired or self.memory.declined_person) and a.answer is None
                     else "offer_human_repeated" if calm_repeat and a.answer is not None else "offer_human")
            body, metadata = phrase(offer, self.lang), {}
            if a.answer is not None and offer == "offer_human":
                body, metadata = (f"{phrase('offer_human_sorry', self.lang)}\n\n{a.answer.text}\n\n"
                                  f"{phrase('offer_human_question', self.lang)}"), _answer_metadata(a)
            elif a.answer is not None:
                body, metadata = f"{a.answer.text}\n\n{body}", _answer_metadata(a)
            return self._reply(decision, body, metadata)
        cause = decision.cause or "cannot_answer"
        pending = PendingHandoff(cause=cause, reason=self._reason(decision, cause), topic=self.topic,
                                 by_phone=a.asks_for_call)
        # a question of its own beside the request is answered too ("¿Aceptáis PayPal? Y también quiero hablar con
        # alguien" got only the email question: trial 56)
        answered = cause == "user_request" and a.answer is not None and bool(asked_besides(self.text))
        if action == "ask_field":
            return self._ask(decision, pending, decision.field or "", lead_in=True, known=known,
                             prefix=a.answer.text if answered else "")
        return self._handoff(decision, pending, known, fresh=True, answered_question=answered)

    def _no_person_here(self, decision: Decision) -> TurnPlan:
        """Said plainly: no person can join this chat, with the other way to reach the team when there is one."""
        self.memory = self.memory.with_tried("told the visitor no person can join this chat")
        return self._reply(decision, self._no_person_line("no_person_here"))

    def _answer_just_given(self, body: str) -> bool:
        """The articles' answer to this message is the passage the assistant's last message gave ("and do you have half
        sizes?" after the boots' sizing got the same paragraph again: trial 28)."""
        history = self.facts.history
        last = history[-1].text if history and history[-1].sender == "ai" else ""  # (the turn just before)
        passage = body.split("\n\n")[0].strip()
        asked_before = next((t.text for t in reversed(history) if t.sender == "visitor"), "")
        return len(passage) > 40 and passage in last and normalize(self.text) != normalize(asked_before)

    def _said_above(self, decision: Decision) -> TurnPlan:
        """Said once, not twice: the articles hold nothing more, and a person is offered where the policy hands off."""
        self.memory = self.memory.with_tried("the articles' answer was the one just given")
        if not self.policy.hands_off:
            return self._reply(decision, phrase("said_above", self.lang))
        self.memory = replace(self.memory, offered_human=True, offer_open=True).with_tried("offered a person")
        return self._reply(decision, f"{phrase('said_above', self.lang)} {phrase('offer_human_question', self.lang)}")

    def _answer_said_before(self) -> str:
        """The answer from the articles the assistant's last message gave (the memory's last tries), without the offer
        of a person after it; else ""."""
        said = next((t.text for t in reversed(self.facts.history) if t.sender == "ai"), "").split("\n\n")
        offers = {phrase(key, self.lang) for key in ("offer_human", "offer_human_repeated", "offer_human_question")}
        if len(said) > 1 and said[-1] in offers:  # an answer, then the offer of a person (sorry before it)
            return "\n\n".join(said[1 if said[0] == phrase("offer_human_sorry", self.lang) else 0:-1])
        return "\n\n".join(said) if self.memory.tried[-1:] and self.memory.tried[-1].startswith(ANSWERED) else ""

    def _no_person_line(self, key: str) -> str:
        body = phrase(key, self.lang)
        if self.policy.fallback_phone:
            body = f"{body} {phrase('call_the_team', self.lang, phone=self.policy.fallback_phone)}"
        return body

    def _confirmed(self, decision: Decision) -> TurnPlan:
        """"That answered my question" after an answer resolves the conversation at once; before any, it is thanks."""
        if not any(t.startswith(ANSWERED) for t in self.memory.tried):
            # "thanks, that's all" is done: no "anything else?" (trial of 4 Dec, after an order's status)
            return self._reply(decision, phrase("goodbye" if _THATS_ALL.search(normalize(self.text)) else "thanks",
                                                self.lang))
        self.memory = replace(self.memory, problem_answered=True).with_tried("the visitor confirmed the answer")
        return replace(self._reply(decision, phrase("answer_confirmed", self.lang)), resolve=True)

    def _details_refused(self) -> tuple[str, ...] | None:
        """The policy's fields of the kind of detail the message refuses to give ("I don't want to give my email":
        its email fields, maybe none); None when it refuses none."""
        norm = normalize(self.text)
        kinds = {kind for kind, word in _DETAIL_WORDS.items() if word.search(norm)} if REFUSES_DETAIL.search(norm) else set()
        return tuple(f.name for f in self.policy.fields if f.kind in kinds) if kinds else None

    def _details_noted(self) -> TurnPlan:
        """An email or a number with nothing asked for it (the answer to a question asked before an agent resolved
        the conversation, or a first message): it goes on the contact, and the visitor is asked what they need."""
        given = {f.name: value for f in self.policy.fields
                 if f.kind in ("email", "phone") and (value := given_detail(f.kind, self.text))}
        given.update({f.name: value for f in self.policy.fields
                      if f.kind == "order_number" and (value := extract_field("order_number", self.text))})
        phone = given_detail("phone", self.text)
        if phone and not any(f.kind == "phone" for f in self.policy.fields):
            given[PHONE_INSTEAD] = phone
        self.memory = replace(self.memory, awaiting_problem=not self.memory.problem or self.memory.awaiting_problem)
        decision = Decision("small_talk", why="contact details with nothing asked: noted, the visitor is asked what they need")
        return replace(self._reply(decision, phrase("details_noted", self.lang)),
                       contact_updates=self._contact_updates(given))

    def _substantive(self) -> bool:
        """A message that states a problem: not small talk, not only a request for a person."""
        a = self.analysis
        if a.smalltalk:
            return False
        if self.asked and a.answer is None and a.restricted_topic is None:
            return says_more_than_the_request(self.text)
        if self._venting():  # AI first asks what went wrong; an earlier problem stays the one to solve
            return False
        return a.answer is not None or a.restricted_topic is not None or len(self.text.split()) >= 4

    def _venting(self) -> bool:
        """Anger or a complaint and nothing else: no answer, no topic, no detail, no word naming a problem."""
        a = self.analysis
        return (a.frustration.fired and a.answer is None and a.restricted_topic is None
                and venting_only(self.text))

    def _answer(self, decision: Decision) -> TurnPlan:
        a, model = self.analysis, self.facts.model
        if a.answer is None:  # the rules only answer what the knowledge base can; never send nothing
            return self._reply(decision, phrase("cannot_answer_ai_only", self.lang))
        body, metadata = a.answer.text, _answer_metadata(a)
        if model is None and self._answer_just_given(body) and not decision.tell_no_person:
            return self._said_above(decision)
        if model is not None:  # the model wrote it, or failed and the local answer stands ("fallback")
            body, metadata = model.text or body, {**metadata, "generated_by": model.source}
        m = self.memory
        if m.problem:
            m = replace(m, ai_attempted=True, problem_answered=m.problem == self.text or m.problem_answered)
        self.memory = m.with_tried(f"{ANSWERED} “{clip(self.text, 80)}” from the article “{a.answer.title}”")
        if decision.tell_no_person:  # AI only: the request for a person in the same message is not passed over
            body = f"{body}\n\n{self._no_person_line('no_person_after_answer')}"
            self.memory = self.memory.with_tried("told the visitor no person can join this chat")
        ask_if_helpful = True
        if CONTACT_US.search(normalize(a.answer.passage)) and self.policy.hands_off and not decision.tell_no_person:
            # "…write to us with your order number": the visitor is writing to us; a person is offered here, not a dead
            # end (trial of 4 Dec: "my parcel has not arrived" got the article and nothing else)
            body = f"{body}\n\n{phrase('contact_us_here', self.lang)}"
            self.memory = replace(self.memory, offered_human=True, offer_open=True).with_tried("offered a person")
            ask_if_helpful = False  # ("Yes, thanks" under it would close the conversation the offer keeps open)
        consult = self.policy.uses_model and model is None
        return TurnPlan(memory=self.memory, language=self.lang, decision=decision,
                        replies=(Reply(body, metadata, kb_answer=ask_if_helpful),), consult_model=consult,
                        model_may_hand_off=consult and decision.model_may_hand_off)

    # -- a turn while information is gathered for a handoff --

    def continue_gathering(self) -> TurnPlan:
        a, m = self.analysis, self.memory
        pending = m.pending
        assert pending is not None
        call_asked = a.asks_for_call and not pending.by_phone  # "can you call me instead?": a number is asked
        if call_asked:  # a way to be reached, not impatience: the number is asked before the handoff
            self.asked = False
            pending = replace(pending, by_phone=True)
            self.memory = m = replace(m, pending=pending)
        current = self._field(pending.field)
        gathered, skipped = dict(m.gathered), list(m.skipped)
        frustrated = a.frustration.fired
        why_asked = bool(WHY_ASKED.search(normalize(self.text)))
        wait_asked = not why_asked and bool(WAIT_ASKED.search(normalize(self.text)))
        declined = not why_asked and bool(DECLINE.match(normalize(self.text)))
        bot_question = a.asked_if_bot.fired and not self.asked
        # "ok great, thanks a lot", "obrigado" at the phone question: no try at the number ("That still doesn't look
        # like a phone number" said to thanks: trial 52)
        signed_off = a.smalltalk in ("thanks", "goodbye", "confirmed", "acknowledgment")
        # ("I want to talk to a human please" at the email question asks for the person, not something to pass on)
        question = (not declined and not bot_question and not why_asked and not wait_asked and not call_asked
                    and not (self.asked and a.answer is None) and self._is_question())
        took = False
        if current is not None and current.name not in gathered:
            value = _value_in_answer(current, self.text,
                                     bare_name=not (self.asked or frustrated or declined or question))
            if value:
                gathered[current.name], took = value, True
        if current is not None and not took and declined and current.name not in skipped:
            skipped.append(current.name)
        by_phone = current is not None and not took and _phone_instead_of_email(current, self.text)
        if by_phone:  # "you can call me on +34 612 345 678": the team reaches them there, no email asked again
            gathered[PHONE_INSTEAD] = by_phone
            skipped += [] if current.name in skipped else [current.name]
            question = False
        self.memory = replace(m, gathered=gathered, skipped=tuple(skipped))
        if took and pending.by_phone and current.kind == "email" and not self.memory.asks.get(PHONE_INSTEAD) \
                and not self._phone_to_call(known := self._known()):
            # asked for a number to be called on, the visitor gave an email: kept, and the number asked once more (the
            # handoff went with the email only, and nobody could call back: trial 53)
            self.memory = replace(self.memory, asks={**self.memory.asks, PHONE_INSTEAD: 1})
            decision = Decision("gather", field=current.name, why="a call was asked for and an email given: the number "
                                "is asked once more")
            return replace(self._reply(decision, phrase("gather_phone_after_email", self.lang)),
                           contact_updates=self._contact_updates(self._gathered(known)))
        put_another_way = a.repeated_question.fired or a.repeated_question.score >= ANOTHER_WAY
        if (pending.cause == "cannot_answer" and put_another_way and a.answer is not None and not took
                and not declined and not (self.asked or self.topic or a.anger.fired or a.complaint.fired
                                          or a.not_helpful.fired)):
            # "wat is ur retrun polcy" found nothing, "What is your return policy?" does: the handoff was only for
            # the answer the AI lacked, and asking again is no frustration
            self.memory = replace(self.memory, pending=None, asks={}, skipped=())
            return self._answer(Decision("answer", why="put another way, the question has an answer: nobody to bring in"))
        if question and not took:
            self._note_question()
        known = self._known()
        cause = strongest_cause("restricted_topic" if self.topic else None, pending.cause)
        if cause != pending.cause:  # a restricted topic outranks what the handoff was decided for
            pending = replace(pending, cause=cause, reason=self._cause_reason(cause), topic=self.topic)
        decision = decide(self.policy.level, self._signals(known, gathering_for=pending.cause))
        if decision.action == "handoff":
            if decision.cause != pending.cause and strongest_cause(decision.cause, pending.cause) == decision.cause:
                # asked for a person or frustrated: named after what they said (not over a restricted topic said
                # meanwhile: "quero falar com um advogado, vou processar vocês" was a plain request: trial 51c)
                pending = replace(pending, cause=decision.cause, reason=self._cause_reason(decision.cause))
            lead = phrase("gather_phone_instead", self.lang) if by_phone else ""
            if current is not None and current.name not in gathered and not (
                    took or by_phone or declined or question or why_asked or wait_asked or bot_question or call_asked
                    or signed_off or decision.cause != pending.cause) and m.asks.get(current.name, 0) >= ASK_LIMIT:
                # a last try that was no valid value either: said, not dropped without a word
                kind = current.kind if current.kind in ("email", "phone") else ""
                lead = phrase(f"gather_not_taken_{kind}" if kind else "gather_not_taken", self.lang, label=current.label)
            return self._handoff(decision, pending, known, answered_question=question and not took, lead=lead)
        if decision.action != "gather":  # AI only or handoff disabled meanwhile: nothing to gather for
            self.memory = replace(self.memory, pending=None)
            if question and not took:
                return _Turn.plan(self)
            # the email just given was for a person who will not come now: say so, not "I couldn't find an answer"
            return self._no_person_here(Decision("no_person_here", why="handoffs were switched off while information "
                                                 "was gathered: the visitor is told no person can join"))
        nxt = decision.field or ""
        prefix = self._question_reply() if question and not took else ""
        if declined:
            prefix = phrase("gather_skipped", self.lang)
        if bot_question:  # the honest answer, then the same question again
            prefix = phrase("opener_ai_disclosed", self.lang)
        if why_asked and not took:  # why we ask, then the same question again (asked at most ASK_LIMIT times)
            prefix = phrase("why_we_ask", self.lang)
        if wait_asked and not took:  # the wait is known once the handoff is made: one more step first
            prefix = phrase("wait_after_gathering", self.lang)
        if by_phone:
            prefix = phrase("gather_phone_instead", self.lang)
        retry = nxt == pending.field and not (took or question or declined or bot_question or why_asked or wait_asked
                                              or call_asked or signed_off)
        return self._ask(decision, pending, nxt, known=known, retry=retry, prefix=prefix)

    def _is_question(self) -> bool:
        """A real question, not an attempt at the answer asked for."""
        a, n = self.analysis, len(self.text.split())
        # (a short one too: "c'est gratuit ?" at the email question was told it is not an email: trial of 3 Dec)
        asks = "?" in self.text and (n >= 4 or (n >= 2 and "@" not in self.text))
        # (one without its mark too: "what is the meaning of life" was told it is no email address: trial 51c)
        unmarked = n >= 3 and "@" not in self.text and bool(_OPENS_A_QUESTION.match(normalize(self.text)))
        return a.answer is not None or a.restricted_topic is not None or asks or unmarked or n >= 7

    def _note_question(self) -> None:
        if self.analysis.answer is not None:
            self.memory = self.memory.with_tried(
                f"{ANSWERED} “{clip(self.text, 80)}” from the article “{self.analysis.answer.title}”")
        else:
            unanswered = tuple(q for q in self.memory.unanswered if q != self.text) + (self.text[:300],)
            self.memory = replace(self.memory, unanswered=unanswered[-3:])

    def _question_reply(self) -> str:
        if self.analysis.answer is not None:
            return self.analysis.answer.text
        return phrase("question_passed_on", self.lang)

    # -- shared steps --

    def _signals(self, known: Mapping[str, str], *, gathering_for: str | None) -> TurnSignals:
        a, m = self.analysis, self.memory
        called = self._phone_to_call(known)  # a call asked for and a number to call: no email needed
        if called and not m.gathered.get(PHONE_INSTEAD) and called != self.facts.contact.get("phone", "") \
                and not any(f.kind == "phone" and f.name in known for f in self.policy.fields):
            self.memory = m = replace(m, gathered={**m.gathered, PHONE_INSTEAD: called})  # the agent reads it
        missing = tuple(f.name for f in self.policy.fields
                        if f.required and f.name not in known and f.name not in m.skipped
                        and m.asks.get(f.name, 0) < ASK_LIMIT and not (called and f.kind == "email")
                        and not (self.facts.reached_here and f.kind == "email" and not f.question))
        return TurnSignals(
            asked_for_human=self.asked,
            frustrated=a.frustration.fired,
            restricted_topic=self.topic,
            kb_can_answer=a.answer is not None,
            said_not_helpful=a.not_helpful.fired,
            repeated_failure=a.repeated_question.fired,
            has_problem_statement=bool(m.problem),
            ai_attempted=m.ai_attempted,
            human_requests=m.human_requests,
            ai_offered_human=m.offered_human,
            missing_fields=missing,
            handoff_enabled=self.policy.handoff_enabled,
            smalltalk=bool(a.smalltalk),
            gathering_for=gathering_for,  # type: ignore[arg-type]
            model_handoff=bool(self.facts.model and self.facts.model.handoff),
            was_frustrated=m.frustrated,
            asked_if_bot=a.asked_if_bot.fired,
            declined_human=a.declined_human.fired or m.declined_person,
            declined_offer=self.declined_offer,
        )

    def _known(self) -> dict[str, str]:
        """What the memory, the contact and the conversation already say: never asked again."""
        m, contact = self.memory, self.facts.contact
        known = dict(m.gathered)
        visitor_texts = [t.text for t in self.facts.history if t.sender == "visitor"] + [self.text]
        for f in self.policy.fields:
            if f.name in known:
                continue
            on_contact = contact.get(f.kind if f.kind in PERSON_KINDS else f.name, "")
            if on_contact and validate_field(f.kind, on_contact, f.regex or None):
                known[f.name] = on_contact
            elif f.kind == "text":
                if m.problem:
                    known[f.name] = m.problem
            elif f.kind != "name":  # a name is asked, not guessed from free text
                for past in reversed(visitor_texts):
                    value = extract_field(f.kind, past, f.regex or None)
                    if value and validate_field(f.kind, value, f.regex or None):
                        known[f.name] = value
                        break
        return known

    def _phone_to_call(self, known: Mapping[str, str]) -> str:
        """The number to call a visitor who asked to be called (given meanwhile, asked as a field, or on the
        contact), else ""."""
        pending = self.memory.pending
        if not (self.analysis.asks_for_call or (pending is not None and pending.by_phone)):
            return ""
        phones = [self.memory.gathered.get(PHONE_INSTEAD, "")]
        phones += [value for name, value in known.items() if (spec := self._field(name)) and spec.kind == "phone"]
        phones.append(self.facts.contact.get("phone", ""))
        # given with the request ("Please call me back on +34 600 111 222" was asked for its number: re-trial of 4 Dec)
        phones += [given_detail("phone", t) or "" for t in [self.text, *reversed(
            [t.text for t in self.facts.history if t.sender == "visitor"][-3:])]]
        return next((p for p in phones if p and validate_field("phone", p, None)), "")

    def _field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.policy.fields if f.name == name), None)

    def _ask(self, decision: Decision, pending: PendingHandoff, name: str, *, known: Mapping[str, str],
             lead_in: bool = False, retry: bool = False, prefix: str = "") -> TurnPlan:
        spec = self._field(name)
        assert spec is not None
        asks = {**self.memory.asks, name: self.memory.asks.get(name, 0) + 1}
        gathered = self._gathered(known)
        self.memory = replace(self.memory, pending=replace(pending, field=name), asks=asks, gathered=gathered)
        by_phone = pending.by_phone and spec.kind == "email"  # "could someone call me back?": their number
        question = phrase("gather_phone", self.lang) if by_phone else self._question(spec)
        if retry:
            question = phrase(f"gather_invalid_{'phone' if by_phone else spec.kind}", self.lang, label=spec.label)
            if by_phone:
                question = f"{question} {phrase('gather_phone', self.lang)}"
            elif spec.question and self._speaks(spec.question):
                question = f"{question} {spec.question}"
        parts: list[str] = []
        if lead_in:
            if pending.cause == "cannot_answer" and (miss := self._miss_phrase()):
                parts.append(phrase(miss, self.lang))  # says so, then what happens next
            opened = self._notice(pending.cause)
            parts.append(phrase(f"gather_intro_{opened}", self.lang))
            self.memory = replace(self.memory, pending=replace(self.memory.pending, opened=opened))
        parts.append(question)
        body = " ".join(parts)
        metadata: dict[str, Any] = {}
        if prefix:  # an answer to a question asked meanwhile, or "no problem" after a refusal
            body = f"{prefix}\n\n{body}" if "\n" in prefix or len(prefix) > 80 else f"{prefix} {body}"
            if self.analysis.answer is not None and prefix == self.analysis.answer.text:
                metadata = _answer_metadata(self.analysis)  # its article as a link (the widget hides the bare address)
        return replace(self._reply(decision, body, metadata), contact_updates=self._contact_updates(gathered))

    def _question(self, spec: FieldSpec) -> str:
        if spec.question and self._speaks(spec.question):
            return spec.question
        return phrase(f"gather_{spec.kind}", self.lang, label=spec.label)

    def _speaks(self, wording: str) -> bool:
        """Whether the workspace's own wording is in the visitor's language (never mix two in one message)."""
        return detect_language(wording, default=self.lang) == self.lang

    def _handoff(self, decision: Decision, pending: PendingHandoff, known: Mapping[str, str], *,
                 answered_question: bool = False, fresh: bool = False, lead: str = "") -> TurnPlan:
        gathered = self._gathered(known)
        cause = decision.cause or pending.cause
        self.memory = replace(self.memory, pending=None, gathered=gathered)
        replies: list[Reply] = [Reply(lead)] if lead else []
        if answered_question and self.analysis.answer is not None:
            replies.append(Reply(self.analysis.answer.text, _answer_metadata(self.analysis)))
        elif answered_question:
            replies.append(Reply(phrase("question_passed_on", self.lang)))
        elif fresh and cause == "cannot_answer" and (miss := self._miss_phrase()):
            replies.append(Reply(phrase(miss, self.lang)))  # says so, then the handoff notice
        handoff = HandoffPlan(
            trigger=decision.trigger or TRIGGER[cause], cause=cause, reason=pending.reason,
            summary=handoff_summary(self.memory, self.policy.fields, latest=self.text),
            gathered=gathered, topic=pending.topic or self.topic, frustrated=self.memory.frustrated,
            notice=_not_twice(self._notice(cause), pending.opened), language=self.lang)
        return TurnPlan(memory=self.memory, language=self.lang, decision=decision, replies=tuple(replies),
                        handoff=handoff, contact_updates=self._contact_updates(gathered))

    def _miss_phrase(self) -> str | None:
        """Why the AI hands off what it could not solve: the answer did not help, or there was none; None when there
        was neither an answer nor a question ("😡😡😡" as the first words got "Sorry that didn't help": trial of 3 Dec)."""
        if self.vague_again:  # "I need help" again: there was no question to answer
            return "vague_handoff"
        a = self.analysis
        answered_before = any(t.startswith(ANSWERED) for t in self.memory.tried)
        if a.not_helpful.fired and not answered_before and not doubts(self.text) and "?" not in self.text:
            return None
        said_of_the_answer = a.not_helpful.fired or doubts(self.text)  # "are you sure?" asked again
        # the same question again, and the articles do answer it: their answer did not help, not "no answer found"
        # (trial of 2 Dec: "I couldn't find an answer to that" after the answer had been given twice)
        asked_again = a.repeated_question.fired and a.answer is not None
        if not (said_of_the_answer or asked_again) and answered_before and _only_an_order_number(self.text):
            # "NW-10005" after the late-parcel article ("write to us with your order number"): no question the articles
            # failed, the number for the person who looks it up (trial of 3 Dec: "I couldn't find an answer to that")
            return None
        return "not_helpful_plain" if said_of_the_answer or asked_again else "cannot_answer_plain"

    def _notice(self, cause: str) -> Notice:
        """No cheerful opener after a complaint, anger, an accident or an urgent problem; asked "are you a
        bot?", the AI says what it is ("Of course." would read as a yes to "are you human?")."""
        m = self.memory
        if m.frustrated or m.distressed or self.analysis.complaint.fired or self.analysis.anger.fired \
                or _distress(m.problem):
            return "sorry"
        if self.analysis.asked_if_bot.fired:
            return "ai_disclosed"
        return "of_course" if cause == "user_request" else "plain"

    def _reason(self, decision: Decision, cause: str) -> str:
        if cause == "restricted_topic" and not self.topic:
            return self.memory.pending.reason if self.memory.pending else REASON[cause]
        if cause == "cannot_answer":
            a = self.analysis
            problem = clip(self.memory.problem or self.text, 120)
            if self.vague_again:
                return f"The visitor needs help and did not say with what: “{clip(self.text, 120)}”"
            if a.not_helpful.fired:
                return f"The AI's answer did not help with “{problem}”"
            if a.repeated_question.fired:
                return f"The visitor keeps asking the same thing: “{clip(self.text, 120)}”"
            if self.memory.problem_answered and self.memory.problem and self.text.strip() != self.memory.problem.strip():
                # the question before was answered: the one left is this message ("customs?" after the delivery times
                # to Switzerland was filed as the times left unanswered: trial of 4 Dec)
                return f"The AI could not answer “{clip(self.text, 120)}” (after answering “{clip(self.memory.problem, 80)}”)"
            return f"The AI could not answer “{problem}”"
        if cause == "model":
            model = self.facts.model
            return f"The AI decided to hand off: {model.reason}" if model and model.reason else REASON["model"]
        return self._cause_reason(cause)

    def _cause_reason(self, cause: str | None) -> str:
        """The reason, quoting the words that caused it (an earlier message's, if that one did)."""
        m = self.memory
        if cause == "user_request":
            words = self.facts.request_words or (self.text if self.asked else m.request)
            if m.offered_human and YES.match(words) and not self.analysis.human_request.fired:
                # ("The visitor asked for a human: “ja”" told the agent nothing: trial of 4 Dec)
                return f"The visitor accepted the AI's offer of a person: “{clip(words, 120)}”"
            return f"The visitor asked for a human: “{clip(words, 120)}”"
        if cause == "restricted_topic":
            return f"Restricted topic {self.topic}: “{clip(self.facts.topic_words or self.text, 120)}”"
        if cause == "frustration":
            words = self.text if _upset(self.analysis) else m.frustration
            if not words:  # the same question asked again: no angry words to quote
                return f"The visitor is frustrated: asked again “{clip(self.text, 120)}”"
            return f"The visitor is frustrated: “{clip(words, 120)}”"
        return f"{REASON.get(cause or '', 'Handoff')}: “{clip(self.text, 120)}”"

    def _gathered(self, known: Mapping[str, str]) -> dict[str, str]:
        """The policy's fields known so far, a phone number given instead of the email asked for, and an order
        number the visitor gave though no field asks for one ("kim@example.com and my order number is NW-10001":
        the agent had the email only, re-trial of 4 Dec)."""
        gathered = {f.name: known[f.name] for f in self.policy.fields if f.name in known}
        if self.memory.gathered.get(PHONE_INSTEAD) and PHONE_INSTEAD not in gathered:
            gathered[PHONE_INSTEAD] = self.memory.gathered[PHONE_INSTEAD]
        if not any(f.kind == "order_number" for f in self.policy.fields):
            said = [t.text for t in self.facts.history if t.sender == "visitor"] + [self.text]
            number = next((n for text in reversed(said) if (n := extract_field("order_number", text))), None)
            if number and number not in gathered.values():  # (a member id "M-12345" is no order number)
                gathered[ORDER_GIVEN] = number
        return gathered

    def _contact_updates(self, gathered: Mapping[str, str]) -> tuple[ContactUpdate, ...]:
        contact, out = self.facts.contact, []
        for f in self.policy.fields:
            value = gathered.get(f.name)
            if not value or f.kind == "text":
                continue
            key = f.kind if f.kind in PERSON_KINDS else f.name
            if not contact.get(key):
                out.append(ContactUpdate(f.kind, f.name, value))
        if gathered.get(PHONE_INSTEAD) and not contact.get("phone") and not any(u.kind == "phone" for u in out):
            out.append(ContactUpdate("phone", PHONE_INSTEAD, gathered[PHONE_INSTEAD]))
        return tuple(out)

    def _reply(self, decision: Decision, body: str, metadata: Mapping[str, Any] | None = None) -> TurnPlan:
        return TurnPlan(memory=self.memory, language=self.lang, decision=decision,
                        replies=(Reply(body, dict(metadata or {})),))


def _fail_safe(policy: TurnPolicy, memory: TurnMemory, text: str, facts: TurnFacts) -> TurnPlan:
    """The assistant broke: a human takes over, or under AI only the visitor is told to try again."""
    lang = memory.language or "en"
    decision = decide(policy.level, TurnSignals(assistant_error=True, handoff_enabled=policy.handoff_enabled))
    if decision.action != "handoff":
        return TurnPlan(memory=memory, language=lang, decision=decision,
                        replies=(Reply(phrase("assistant_trouble", lang)),))
    topic = memory.pending.topic if memory.pending else None
    if not memory.problem or memory.problem_answered:
        memory = replace(memory, problem=text[:500], problem_answered=False)
    memory = replace(memory, pending=None)
    handoff = HandoffPlan(
        trigger=decision.trigger or "ai_decision", cause="assistant_error", reason=REASON["assistant_error"],
        summary=handoff_summary(memory, policy.fields, latest=text), gathered=dict(memory.gathered),
        topic=topic, frustrated=memory.frustrated,
        notice="sorry" if memory.frustrated else "plain", language=lang)
    return TurnPlan(memory=memory, language=lang, decision=decision, handoff=handoff)


def plan_gathering_lapsed(policy: TurnPolicy, memory: TurnMemory) -> TurnPlan | None:
    """The visitor went quiet while a detail was asked for the person they were promised: the handoff is made
    with what is known ("Not given: email"), so the promise is kept and agents see it. None when nothing was
    being gathered; with handoffs switched off meanwhile, only the preparation is dropped."""
    pending = memory.pending
    if pending is None:
        return None
    lang = memory.language or "en"
    memory = replace(memory, pending=None).with_tried("asked for details; the visitor went quiet")
    if not policy.hands_off:
        return TurnPlan(memory=memory, language=lang, decision=Decision("small_talk", why="handoffs are off now"))
    cause = pending.cause
    decision = Decision("handoff", TRIGGER[cause], pending.reason, cause=cause,  # type: ignore[arg-type]
                        why="the visitor went quiet while a detail was asked: handed off with what is known")
    fields = {f.name for f in policy.fields} | {PHONE_INSTEAD}
    gathered = {k: v for k, v in memory.gathered.items() if k in fields}
    notice: Notice = "sorry" if memory.frustrated or memory.distressed else (
        "of_course" if cause == "user_request" else "plain")
    handoff = HandoffPlan(trigger=TRIGGER[cause], cause=cause, reason=pending.reason or REASON.get(cause, ""),
                          summary=handoff_summary(memory, policy.fields, latest=memory.request),
                          gathered=gathered, topic=pending.topic,
                          frustrated=memory.frustrated, notice=notice, language=lang)
    return TurnPlan(memory=memory, language=lang, decision=decision, handoff=handoff)


def _not_twice(notice: Notice, opened: str) -> Notice:
    """The handoff notice's opener, unless the question asked before it opened the same way: "I'm sorry about this."
    opened the email question of a billing dispute and the queue notice again (trial of 3 Dec)."""
    return "plain" if notice == opened and notice in ("sorry", "of_course") else notice


def handoff_summary(memory: TurnMemory, fields: tuple[FieldSpec, ...], *, latest: str = "") -> str:
    """For the agent who takes over: the unresolved problem in the visitor's words, what the AI
    tried, what was gathered. Never the assistant's own prompts."""
    lines: list[str] = []
    if memory.problem and not memory.problem_answered:
        lines.append(f"Problem: “{clip(memory.problem, 240)}”")
    elif memory.problem and "?" not in memory.problem and not _OPENS_A_QUESTION.match(normalize(memory.problem)):
        # a problem told, not a question asked, stays the problem once answered: "my jacket zipper broke" got the
        # warranty article, then "I want to talk to a human", and the agent read "Problem: not described yet" (trial 55)
        lines.append(f"Problem: “{clip(memory.problem, 240)}” (the AI answered it: see below)")
    else:
        lines.append(NOT_DESCRIBED)
    latest = latest.strip()
    if latest and latest != memory.problem and len(latest.split()) >= 4 and not DECLINE.match(normalize(latest)) \
            and not WHY_ASKED.search(normalize(latest)):
        lines.append(f"Latest from the visitor: “{clip(latest, 200)}”")
    for question in memory.unanswered:
        if question != latest:
            lines.append(f"Also asked: “{clip(question, 160)}”")
    lines.append("AI tried: " + "; ".join(memory.tried) if memory.tried else NOTHING_TRIED)
    labels = {f.name: f.label for f in fields}
    if memory.gathered:
        lines.append("Gathered: " + "; ".join(f"{labels.get(k, k)}: {v}" for k, v in memory.gathered.items()))
    not_given = [labels.get(f.name, f.name) for f in fields
                 if f.required and f.name not in memory.gathered and (f.name in memory.skipped or memory.asks.get(f.name))]
    if not_given:
        lines.append(NOT_GIVEN + ", ".join(not_given))
    return "\n".join(lines)


def summary_with_details_given_later(summary: str, given: Mapping[str, str]) -> str:
    """A handoff's summary once the visitor gave details after it was made: they leave "Not given" and are listed."""
    lines = []
    for line in summary.split("\n"):
        if line.startswith(NOT_GIVEN):
            left = [label for label in line[len(NOT_GIVEN):].split(", ") if label not in given]
            line = NOT_GIVEN + ", ".join(left) if left else ""
        if line:
            lines.append(line)
    lines.append("Given later: " + "; ".join(f"{kind}: {value}" for kind, value in given.items()))
    return "\n".join(lines)


def _unanswered(history: tuple[Turn, ...]) -> list[str]:
    """The visitor's messages since the last message of anyone else."""
    texts: list[str] = []
    for turn in history:
        texts = [*texts, turn.text] if turn.sender == "visitor" else []
    return texts


def _upset(analysis: Analysis) -> bool:
    """Frustrated in words (a complaint, anger), not only by asking the same thing again."""
    a = analysis
    return a.frustration.fired and (a.complaint.fired or a.anger.fired or not a.repeated_question.fired)


def _distress(text: str) -> bool:
    words = normalize(text)
    return bool(DISTRESS.search(words)) or says_urgent(words)


def _value_in_answer(spec: FieldSpec, text: str, *, bare_name: bool) -> str | None:
    """The value of the field asked for in the visitor's answer, if it holds a valid one."""
    if spec.kind == "name" and not bare_name and not re.search(r"\b(?:name|llamo|nombre|appelle|nom|heisse|heiße|chamo|nome)\b", text, re.I):
        return None
    if spec.kind == "text" and not bare_name:
        return None
    value = extract_field(spec.kind, text, spec.regex or None)
    if value is None and spec.kind == "email":
        value = spoken_email(text)  # "ana at example dot com"
    return value if value and validate_field(spec.kind, value, spec.regex or None) else None


def _answer_metadata(analysis: Analysis) -> dict[str, Any]:
    a = analysis.answer
    if a is None:
        return {}
    metadata = {"article": {"id": a.article_id, "title": a.title, "url": a.url}, "confidence": round(a.confidence, 3)}
    if a.also:  # the message asked several things: each answer's article
        metadata["more_articles"] = [{"id": x.article_id, "title": x.title, "url": x.url} for x in a.also]
    return metadata


def _words_besides_details(text: str) -> list[str]:
    """The message's words once its email addresses (also spelt out), links and phone numbers are taken out."""
    rest = without_contact_details(SPOKEN_EMAIL.sub(" ", text))
    return re.findall(r"[^\W\d_]+", rest)


def _phone_instead_of_email(spec: FieldSpec, text: str) -> str:
    """The phone number given in answer to the email asked for ("call me on +34 612 345 678"), else ""."""
    if spec.kind != "email" or extract_field("email", text):
        return ""
    return given_detail("phone", text) or ""


def clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"
