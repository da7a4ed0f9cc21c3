"""Does the visitor ask for a person? A classifier on multilingual sentence embeddings decides;
a few small rules handle what such a classifier is known to get wrong.

Sentence embeddings place "I don't need an agent" next to "I need an agent" and "are you a
human?" next to "I want a human": the words are the same, the meaning is not. So, before the
classifier scores a message, clauses that *decline* a person (a negation in front of a person or
a transfer) and clauses that *ask whether the assistant is a bot* are taken out, and what is left
is scored. "Are you a bot? I want a person" still asks for a person; "Are you a bot?" alone is
no request: the engine reports it as `asked_if_bot`, and the turn says it is an AI assistant
and offers a person (routing.decision). Money sent to someone ("transfer money to a person") is
taken out too. A message that is only a name for a person ("agent", "representative please",
"opérateur") is a request whatever the classifier makes of one word.

Everything else — indirect phrasings, other languages, "someone" in other senses — is the
classifier's job, learnt from data (models.py, training_data/README.md), not listed here.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from .text import EMOJI, normalize, sentences


# Clause boundaries: punctuation, and the conjunctions that turn a sentence around.
# (a tenth blind probe, stop 58) an emoji ends a clause: in "este bot no entiende nada 😤 pasame con un humano" the "no" is
# the bot's; and a German relative clause stays with whom it describes: "gibt es da jemanden, der sich das anschauen kann?"
_CLAUSE_SPLIT = re.compile(rf"[.;!?¿¡\n{EMOJI}]+|,(?!\s*(?:der|die|dem|den|welche[rnms]?|wo|um)\s)"
                           r"|\s+(?=(?:but|pero|mais|aber|mas|porem|sondern|est-ce\s+que|est\s+ce\s+que)\b)", re.IGNORECASE)

# Who or what a visitor asks to be handed to, in the five languages (normalised: no accents).
_PERSON = (
    r"human\w*|person|people|agent\w*|representative\w*|rep|operator\w*|someone|somebody|anyone|anybody|staff|employee\w*"
    r"|advisor\w*|adviser\w*|manager\w*|supervisor\w*|transfer\w*|connect\w*|forward\w*|escalat\w*|put\s+me\s+through"
    r"|humano\w*|persona\w*|agente\w*|alguien|nadie|asesor\w*|operador\w*|representante\w*|encargad\w*|gerente\w*|pases|pasarme|pasar|transferir\w*|comuniques?"
    r"|humain\w*|personne\w*|conseill\w*|quelqu.un|interlocuteur\w*|responsable\w*|transfer\w*|passer"
    r"|mensch\w*|mitarbeiter\w*|berater\w*|jemand\w*|niemand\w*|ansprechpartner\w*|weiterleit\w*|weiterzuleiten|verbind\w*|durchstell\w*"
    r"|pessoa\w*|atendente\w*|alguem|ninguem|consultor\w*|transferi\w*|passar"
)
_BOT = r"bot|bots|robot\w*|robo|machine|maquina|maschine|ia|ai|ki|chatbot|automat\w*|computer|ordinateur"

# A negation that governs what follows, per language (Spanish/Portuguese "no"/"nao" only there:
# an English "No, I want a person" is a request).
_NEGATION = {
    "en": r"don'?t|do\s+not|does\s+not|doesn'?t|didn'?t|did\s+not|never|no\s+need|not\s+necessary|rather\s+not|won'?t|no\s+one|nobody"
          r"|not\s+(?:looking|asking|searching)\s+for|no\s+longer|forget(?:\s+about)?",  # ("forget the human, found it", stop 58)
    "es": r"no|nunca|ni|sin|tampoco|nadie|olvida|olvidate\s+de",
    "fr": r"ne|n'|pas|jamais|sans|plus\s+besoin|laisse[zr]?\s+tomber|oubliez",  # ("finalement plus besoin d'un conseiller", stop 58)
    "de": r"nicht|kein\w*|nie|niemals|niemand\w*|ohne|vergiss|vergessen\s+sie",
    "pt": r"nao|nunca|sem|ninguem|nem|esquece|esqueca",
}
_NEGATED = {
    # ... through the last person word nearby: "don't need to transfer me to a real person"
    lang: re.compile(rf"\b(?:{neg})\b(?P<gap>\S*(?:\s+\S+){{0,6}}?)\s*\b(?:{_PERSON})\b(?:(?:\s+\S+){{0,4}}?\s+(?:{_PERSON})\b)*")
    for lang, neg in _NEGATION.items()
}
# Money sent to someone: "transfer money to a person", "make a transfer to a new person", "quiero
# transferir dinero a otra persona". The person is a payee, not someone to talk to; sentence
# embeddings put these next to "transfer me to a person" (the known false alarms of the voters,
# docs/assistant.md). A verb of paying or sending with money as its object (or "a transfer" as a
# noun), and the payee if one follows within a few words, is taken out; the rest is scored.
# (a number is money only with its currency: "transfer me to level 2 support" is a request)
_MONEY = (r"money|funds?|cash|[$€£]\S*|(?:\d[\d.,]*\s*)?(?:dollars?|euros?|pounds?|bucks|usd|eur|gbp|reais)|payments?"
          r"|dinero|plata|fondos|pago|argent|fonds|paiement|virement|geld|betrag|zahlung|dinheiro|grana|pagamento|pix")
# ... or what was bought: "transfer my booking to another person", "pasar la reserva a otra persona"
_GOODS = (r"(?:booking|reservation|ticket|order|subscription|membership|points|miles|voucher|gift\s+card|licen[cs]e|seat|room)s?"
          r"|reservas?|billetes?|entradas?|pedidos?|suscripcion|reservations?|billets?|commandes?|abonnements?"
          r"|buchung\w*|tickets?|bestellung\w*|abo\w*|bilhetes?|ingressos?|assinatura")
_RECIPIENT = (r"person|persona|personne|pessoa|someone|somebody|alguien|quelqu'un|jemand\w*|alguem|friends?|amig[oa]s?|amie?s?"
              r"|freund\w*|wife|husband|partner|son|daughter|mother|father|brother|sister|colleague|name|esposa|esposo|marido"
              r"|mujer|hij[oa]|femme|mari|fils|fille|frau|mann|sohn|tochter|mulher|filh[oa]")
_PAYING = (r"transfer\w*|send\w*|sent|wir(?:e|ed|ing)|pay|paying|paid|mov(?:e|ed|ing)"
           r"|transferir\w*|enviar|envie|mandar|pagar|transferer|virer|envoyer|payer|uberw(?:ei|ie)s\w*|schick\w*|zahl\w*")
_TRANSFER_NOUN = (r"(?:make|do|send|set\s+up|schedule|initiate|hacer|realizar|faire|effectuer|tatigen|machen|fazer)"
                  r"\s+(?:a|an|the|my|this|that|una|la|un|le|mon|ma|eine|die|uma|a)\s+(?:\w+\s+)?"
                  r"(?:transfer|transferencia|virement|uberweisung|transferencia)")
_PAYEE = rf"(?:\s+(?:to|for|a|para|pra|à|an|fur)\s+(?:\S+\s+){{0,3}}?(?:{_PERSON})\b)?"
_PAYMENT = re.compile(
    # (with the payer when a person word is the subject: "can someone transfer funds into my account")
    rf"\b(?:(?:{_PERSON})\s+)?(?:(?:{_PAYING})\s+(?:\S+\s+){{0,3}}?(?:[a-z]')?(?:{_MONEY})(?!\w)|{_TRANSFER_NOUN}\b){_PAYEE}"
    # a booking passed on to someone else (not "transfer my order to an agent", a hand-over with its topic)
    rf"|\b(?:{_PAYING}|pasar|passer|passar|ubertragen|give)\s+(?:\S+\s+){{0,2}}?(?:{_GOODS})\s+(?:to|a|para|pra|an|auf)\s+"
    rf"(?:\S+\s+){{0,2}}?(?:{_RECIPIENT})\b"
    rf"|\b(?:{_GOODS})\s+(?:auf|an)\s+(?:\S+\s+){{0,2}}?(?:{_RECIPIENT})\s+(?:ubertrag\w*|umschreib\w*|weitergeb\w*)"
    # German puts the verb last: "jemandem 50 Euro überweisen", "meiner Schwester Geld schicken"
    # ("Geld an eine andere Person senden": the payee may come between)
    rf"|\b(?:(?:{_PERSON})\s+|\w+\s+)?(?:{_MONEY})\s+(?:\w+\s+){{0,4}}?(?:uberw(?:ei|ie)s\w*|schick\w*|send\w*|zahl\w*)\b")
# Jobs: "are you hiring customer service agents?", "¿están contratando agentes?", "vous recrutez des
# conseillers ?", "I want to become a sales agent". The staff are people to be hired, not someone to
# talk to; a hiring verb and the staff it names (within a few words) are taken out, the rest scored.
_STAFF = (r"agents?|representatives?|reps|staff|employees?|advisou?rs?|advisers?|operators?|consultants?|people|workers?"
          r"|agentes?|asesor(?:es|as?)?|operador(?:es|as?)?|representantes?|personal|empleados?"
          r"|conseill(?:er|ere)s?|operat(?:eur|rice)s?|employes?|mitarbeiter(?:in|innen)?|berater(?:in|innen)?"
          r"|atendentes?|consultor(?:es|as?)?|funcionarios?|tele-?conseill(?:er|ere)s?|tele-?operador(?:es|as?)?")
_HIRING_VERB = (r"hir(?:e|es|ed|ing)|recruit\w*|becom(?:e|ing)\s+(?:a|an|one\s+of\s+your)|(?:jobs?|openings?|vacanc(?:y|ies)|positions?)\s+for|work\s+as"
                r"|contrat(?:ando|an|ais|a|ar|am)|reclut\w*|vacantes?\s+(?:de|para)|trabajar\s+como|convertirme\s+en"
                r"|recrut\w*|embauch\w*|devenir\s+(?:un|une)|travailler\s+comme"
                r"|such(?:t|en)\s+(?:ihr|sie)|einstell\w*|arbeiten\s+als|vagas?\s+(?:de|para)|trabalhar\s+como|tornar-me"
                # a job applicant (a third blind probe, stop 54): "quiero postular como asesor", "queria me candidatar pra
                # vaga de atendente", "estan buscando personal?"
                r"|postul\w*|candidat\w*|apply(?:ing)?\s+(?:for|as|to\s+be)|bewerb\w*|buscan|buscando|procuram|procurando")
_HIRING = re.compile(rf"\b(?:{_HIRING_VERB})\s+(?:\S+\s+){{0,3}}?(?:{_STAFF})\b|\b(?:{_HIRING_VERB})\W*$"  # "are you hiring?"
                     # German "stellen Sie … Mitarbeiter ein" (not "stellen Sie mich zu einem Mitarbeiter durch")
                     rf"|\bstell(?:t|en)\s+(?:ihr|sie)\s+(?:\S+\s+){{0,3}}?(?:{_STAFF})\s+ein\b")
# People added to an account, human resources and a helping hand: "Can I invite a colleague to my workspace?", "Kann ich
# einen Kollegen hinzufügen?", "contact human resources about a job". A colleague, a user or a member is
# added, not asked for (not "someone", "an agent" or "a human": "add someone from billing to this chat" asks)
# ("add a person to this chat" may ask for one, so persons are left to the classifiers, but for German's
# "eine weitere Person hinzufügen", where the verb comes last)
_MEMBER = (r"colleagues?|co-?workers?|teammates?|team\s+members?|members?|users?|friends?"
           r"|companer[oa]s?|colegas?|usuari[oa]s?|collegues?|utilisat(?:eur|rice)s?|membres?|membros?|amig[oa]s?")
_ADDING_VERB = (r"add|adding|invite|inviting|remove|removing|agregar|agrego|anadir|anado|invitar|invito|eliminar|quitar"
                r"|ajouter|ajoute|inviter|invite|supprimer|retirer|adicionar|adiciono|convidar|convido|remover|tirar")
_DESCRIBED_SUBJECT = (r"i\s+am|i'?m|im|i\s+was|(?:my|our)\s+\w+\s+(?:is|was)|(?:he|she)\s+is|(?:he|she)'s"
                      r"|(?:yo\s+)?soy|mis?\s+\w+\s+es|je\s+suis|(?:mon|ma)\s+\w+\s+est|ich\s+bin|meine?\s+\w+\s+ist"
                      r"|(?:eu\s+)?sou|(?:meu|minha)\s+\w+\s+e")
_DESCRIBED_ARTICLE = r"a|an|one|the|una|la|un|une|ein|eine|die|uma"
_DESCRIBED_NOUN = r"person|persona|personne|pessoa"
_DESCRIBED_NOUN_WITH_ARTICLE = (
    r"the\s+(?:\w+\s+)?(?:person|agent|rep|representative|advisou?r|adviser|operator|consultant|lady|guy)"
    r"|(?:la|el)\s+(?:persona|agente|asesora?|operadora?|chica|chico)|(?:la|le)\s+(?:personne|conseill(?:er|ere)|agent|operat(?:eur|rice))|l'(?:agent|operat(?:eur|rice)|employee?)"
    r"|(?:die|der)\s+(?:person|mitarbeiter(?:in)?|berater(?:in)?|dame|herr|agent(?:in)?)|(?:a|o)\s+(?:pessoa|atendente|agente|consultora?)")
_DESCRIBED_PAST = (r"was|were|did|didn'?t|said|told|gave|hung\s+up|promised|spoke|talked|chatted|helped|solved|fixed|sorted"
                   r"|resolved|called|fue|era|dijo|colgo|prometio|ha\s+solucionado|soluciono|resolvio|ayudo|me\s+llamo|hable"
                   r"|etait|a\s+ete|a\s+dit|m'a\s+dit|a\s+raccroche|m'a\s+(?:rappele|aide|appele|repondu)|a\s+(?:resolu|regle)"
                   r"|war|hat|sagte|meinte|geholfen|gelost|zuruckgerufen|foi|disse|desligou|prometeu|ajudou|resolveu|ligou|falei|atendeu")
# staff a visitor has spoken with or waits for
_PERSON_SPOKEN = (rf"{_STAFF}|rep|person|persona|personne|pessoa|support|team|kundenberater(?:in)?|assistente|assistant"
                  r"|colleagues?|kolleg(?:e|en|in)|collegues?|colegas?")  # ("dann warte ich auf den kollegen": stop 57)
_TALK_VERB = r"talk|speak|chat|hablar|charlar|conversar|parler|discuter|sprechen|reden|falar|conversar"
_OTHER_SENSES = re.compile(
    rf"\b(?:{_ADDING_VERB})\s+(?:\S+\s+){{0,3}}?(?:{_MEMBER})\b"
    r"|\b(?:kolleg\w*|person|personen|benutzer\w*|nutzer\w*|mitglied\w*|mitarbeiter\w*)\s+(?:\S+\s+){0,3}?(?:hinzu\w*|ein(?:zu)?lad\w*|entfern\w*)"
    r"|\bhuman\s+resources?\b|\brecursos\s+humanos\b|\bressources\s+humaines\b|\bpersonalabteilung\b"
    # (a sixth blind probe, stop 55) agents of other trades: "mi agente inmobiliario dice que necesito una tasación", "user agent"
    # (not a travel or insurance agent: at a travel agency or an insurer they are the staff asked for)
    r"|\b(?:estate|real\s+estate|letting|user|secret|free|sports)\s+agents?\b"
    # (a tenth blind probe, stop 58) the visitor's own trade, a form's contact: "sou agente de viagens", "je suis conseillère",
    # "personne à contacter", "emergency contact"
    r"|\b(?:i'?m|i\s+am|im|soy|sou|je\s+suis|ich\s+bin)\s+(?:an?\s+|un[ae]?\s+|uma?\s+|eine?\s+)?(?:agent\w*|representative|representante"
    r"|conseill\w*|berater\w*|consultor\w*|operador\w*)\b"
    r"|\b(?:formulario|formular|form|formulaire)\b.*\b(?:persona\s+de\s+contacto|ansprechpartner\w*|contact\s+person|pessoa\s+de\s+contato)\b"
    r"|\b(?:persona\s+de\s+contacto|ansprechpartner\w*|contact\s+person|pessoa\s+de\s+contato)\b.*\b(?:formulario|formular|form|formulaire)\b"
    # (a twelfth blind probe, stop 58) booked for someone else, the visitor's own boss: "je réserve le cours pour une autre
    # personne", "ich buche für eine andere Person", "Mein Chef will wissen, ob…"
    r"|\b(?:for|pour|para|fur)\s+(?:another|une\s+autre|otra|outra|eine\s+andere)\s+(?:person|personne|persona|pessoa)\b"
    r"|\b(?:my|mein\w*|mi|mon|ma|meu|minha)\s+(?:boss|chef|chefin|jefe|jefa|patron|patronne|chefe)\b"
    r"|\bpersona\s+de\s+contacto\s+(?:para|en\s+caso\s+de)\s+emergencia"
    # (the external val split) someone described, nobody: "alguien está bien", "personne ne se soucie…"
    r"|\b(?:alguien|alguem|someone|somebody|quelqu'un|jemand)\s+(?:esta|is|est|ist|e)\s+(?:bien|fine|ok|okay|well|bem|gut|bon)\b"
    r"|^\W*personne\s+(?:ne\b|n')"
    r"|\bpersonne\s+a\s+contacter\b|\bemergency\s+contact\b|\bcontacto\s+de\s+emergencia\b|\bnotfallkontakt\w*|\bcontato\s+de\s+emergencia\b"
    r"|\bagentes?\s+(?:inmobiliari[oa]s?|imobiliari[oa]s?|de\s+(?:aduanas?|bolsa))\b|\bagents?\s+immobiliers?\b|\bimmobilienmakler\w*"
    # (a seventh blind probe, stop 55) a person added to a membership, a contract: "need to add another person to our
    # coworking membership", "je voudrais ajouter une personne à mon contrat habitation"
    r"|\badd\w*\s+(?:another|a|an\s+extra|a\s+second|one\s+more|a\s+new)\s+(?:person|people)\s+to\s+(?:my|our|the)\s+(?!chat|conversation)\w+"
    r"|\bajout\w*\s+(?:une|une\s+autre|une\s+deuxieme)\s+personne\s+(?:a|sur|dans)\s+(?:mon|ma|notre|mes|le|la)\s+(?!chat|conversation|discussion)\w+"
    r"|\b(?:anadir|agregar|incluir)\s+(?:a\s+)?(?:otra|una)\s+persona\s+(?:a|en)\s+(?:mi|nuestra|nuestro|la|el)\s+(?!chat|conversacion)\w+"
    r"|\b(?:adicionar|incluir)\s+(?:outra|uma)\s+pessoa\s+(?:ao|a|na|no)\s+(?!chat|conversa)\w+"
    r"|\bhab\w*\s+(?:\S+\s+){0,3}?mit\s+(?:\S+\s+){0,2}?(?:mitarbeiter\w*|berater\w*|kundenberater\w*|jemand\w*)\s+(?:telefoniert|gesprochen"
    r"|gechattet|geschrieben)\b"
    # (a fifth blind probe, stop 55) "can i change my personal trainer", "changer de coach perso"
    r"|\bpersonal\s+(?:trainer\w*|coach\w*|shopper\w*)|\bcoach\s+perso\w*|\b(?:entrenador|entrenadora)\s+personal\b"
    r"|\b(?:treinador|treinadora|personal)\s+(?:pessoal|trainer)\b"
    # "can you give me a hand?": help asked of whoever answers, the assistant included (not a hand-over)
    r"|\b(?:give|lend|gimme)\s+(?:me|us)\s+a\s+hand\b|\becha(?:r|rme|me|s|n|rias?)?\s+una\s+mano\b|\bdonner\s+un\s+coup\s+de\s+main\b"
    r"|\bdar\s+uma\s+(?:mao|maozinha|forca)\b"
    # A person described, not asked for: the visitor or a relative ("I'm a disabled person", "soy una persona
    # mayor", "ma mère est une personne âgée"), and staff met before ("the person at the desk was rude").
    # The copula comes straight before the article: "I'm looking for a person" still asks.
    rf"|\b(?:{_DESCRIBED_SUBJECT})\s+(?:not\s+|no\s+|pas\s+|nicht\s+|nao\s+)?(?:{_DESCRIBED_ARTICLE})\s+(?:[\w-]+\s+){{0,2}}?(?:{_DESCRIBED_NOUN})\b"
    # Talking about something, with nobody named: "I'd like to talk about my order" is said to whoever answers
    # ("… about my order with an agent" names one and is left to the classifiers)
    rf"|^(?!.*\b(?:{_PERSON})\b).*?\b(?:{_TALK_VERB})\s+(?:about|of|sobre|de|du|des|uber)\b"
    # A person already spoken with, waited for, or someone else's to contact (a blind probe, stop 53): "ya hablé con la
    # persona de soporte y quedó todo resuelto", "ok I'll wait for the agent then", "¿cómo contacto con el vendedor?"
    rf"|\b(?:i\s+(?:already\s+)?(?:spoke|talked|chatted)|(?:ya\s+)?hable|(?:j'ai\s+)?(?:deja\s+)?(?:parle|discute)"
    rf"|(?:ja\s+)?falei|(?:ja\s+)?conversei)\s+(?:to|with|con|a|avec|com)\s+(?:\S+\s+){{0,2}}?(?:{_PERSON_SPOKEN})\b"
    rf"|\bhabe\s+(?:\S+\s+){{0,3}}?mit\s+(?:\S+\s+){{0,2}}?(?:{_PERSON_SPOKEN})\s+(?:\S+\s+){{0,2}}?gesprochen\b"
    # already being served elsewhere (a third blind probe, stop 54): "já estou a ser atendido pelo Rui no outro chat"
    r"|\b(?:estou|to|tou|estoy|je\s+suis|i'?m|im|i\s+am|ich\s+werde)\s+(?:already\s+|ya\s+|deja\s+|ja\s+|schon\s+|bereits\s+)?"
    r"(?:a\s+ser|sendo|siendo|being|en\s+train\s+d'etre)\s+(?:atendid[oa]|helped|served|assisted|pris\s+en\s+charge|betreut)\b"
    r"|\b(?:ya\s+me\s+(?:esta|estan)\s+atendiendo|i'?m\s+already\s+(?:talking|chatting|speaking)\s+(?:to|with))\b"
    rf"|\b(?:i'?ll|ill|i\s+will|i\s+can|i'?m|im|i\s+am)\s+(?:just\s+)?(?:wait|waiting)\s+for\s+(?:the|your|my)\s+(?:\w+\s+)?(?:{_PERSON_SPOKEN})\b"
    rf"|\b(?:espero|esperare|voy\s+a\s+esperar)\s+(?:a\s+)?(?:al|la|el)\s+(?:{_PERSON_SPOKEN})\b"
    # (a fifth blind probe, stop 55) until the person is free: "espero a que se conecte el agente", "dann warte ich bis der
    # mitarbeiter frei ist", "fico a aguardar que o assistente fique disponível", "j'attends qu'un conseiller se libère"
    rf"|\b(?:espero|esperare|voy\s+a\s+esperar|me\s+quedo\s+esperando)\s+(?:a\s+)?(?:que|hasta\s+que)\s+(?:\S+\s+){{0,3}}?"
    rf"(?:el|la|un|una|algun|alguna)\s+(?:{_PERSON_SPOKEN})\b"
    rf"|\b(?:dann|ok|okay|gut)\s+warte\s+ich\s+(?:\S+\s+){{0,2}}?(?:bis|auf|dass)\s+(?:\S+\s+){{0,2}}?(?:{_PERSON_SPOKEN})\b"
    rf"|\bfico\s+(?:a\s+)?(?:aguardar|esperar|aguardando|esperando)\s+(?:que\s+|ate\s+que\s+)?(?:pel[oa]\s+|[oa]\s+|um\s+|uma\s+)"
    rf"(?:{_PERSON_SPOKEN})\b"
    rf"|\b(?:j'attends|je\s+vais\s+attendre|j'attendrai)\s+(?:que\s+|qu')(?:le\s+|la\s+|l'|un\s+|une\s+)?(?:{_PERSON_SPOKEN})\b"
    rf"|\b(?:j'attends|je\s+vais\s+attendre|j'attendrai)\s+(?:que\s+)?(?:le\s+|la\s+|l')(?:{_PERSON_SPOKEN})\b"
    rf"|\bwarte\s+(?:ich\s+)?(?:(?:dann|halt|mal|einfach|gerne?)\s+)*auf\s+(?:den|die|ihren|ihre|meinen|meine)\s+(?:{_PERSON_SPOKEN})\b"
    rf"|\b(?:espero|aguardo|vou\s+esperar|vou\s+aguardar)\s+(?:pel[oa]|[oa])\s+(?:{_PERSON_SPOKEN})\b"
    # someone the visitor hired or booked through the shop: "how do i contact the plumber i hired through you", "¿cómo
    # contacto con el electricista que contraté aquí?" (a ninth blind probe, stop 57)
    r"|\b(?:contact|reach|call|contacto|contactar|llamar|contacter|joindre|kontaktiere\w*|erreiche\w*|contatar|falar)\s+"
    r"(?:con\s+|a\s+|avec\s+|com\s+)?(?:the|el|al|le|la|l'|den|die|das|o|a)\s*\w+\s+(?:i|que|qui|que\s+j'ai|den|die|das|que\s+eu)\s+"
    r"(?:hired|booked|found|used|contrate|contratamos|reserve|contratei|ai\s+engage|ai\s+reserve|engage|gebucht|beauftragt|reservei)\b"
    r"|\b(?:how\s+(?:do|can|could)\s+i|como\s+(?:puedo\s+|posso\s+|eu\s+)?|comment\s+(?:puis-je\s+|je\s+peux\s+)?|wie\s+(?:kann\s+ich\s+)?)"
    r"(?:contact|reach|message|get\s+in\s+touch\s+with|contacto|contactar|contacte|contacter|joindre|kontaktiere\w*|erreiche\w*"
    r"|contato|contatar|falar\s+com)\s+(?:con\s+|a\s+|avec\s+)?(?:the|el|al|le|la|den|die|das|o|a)\s+(?:seller|vendor|merchant"
    r"|restaurant|driver|courier|host|landlord|vendedora?|restaurante|repartidor|conductor|vendeur|livreur|chauffeur|verkaufer\w*"
    r"|handler\w*|fahrer\w*|kurier\w*|entregador|motorista)\b"
    # (staff only at the clause's start: "can I talk to the person who was helping me?" asks for them)
    rf"|^\W*(?:(?:and|but|also|y|et|und|e)\s+)?(?:{_DESCRIBED_NOUN_WITH_ARTICLE})\s+(?:\S+\s+){{0,5}}?(?:{_DESCRIBED_PAST})(?!\w)")
# Thanks for the staff: "I want to thank the agent who helped me", "a compliment to one of your staff",
# "felicitar a la persona que me atendió", "remercier le conseiller", "mich bei dem Mitarbeiter bedanken".
# The person is praised, not asked for. Only verbs of thanking (not "merci"/"gracias", which often open a
# request: "merci, un conseiller svp"), and only articles and the like between them and the person.
_THANKED = rf"(?:{_STAFF})|person|persona|personne|pessoa|team|equipo|equipe|colleague|manager|supervisor|gerente|responsable"
_THANKING = (r"thank|thanking|compliment\w*|prais\w*|commend\w*|kudos|felicitar\w*|agradecer\w*|agradezco|agradeco"
             r"|elogi(?:ar|o)\w*|remerci(?:er|e|ons)|feliciter|felicite|parabenizar")
_DETERMINERS = (r"to|the|your|that|this|our|a|an|one|of|for|all|nice|kind|lovely|helpful|great|wonderful|support|customer"
                r"|service|sales|el|la|los|las|al|del|de|su|sus|le|les|au|aux|du|des|votre|vos|ce|cette|o|os|ao|aos|da|do"
                r"|seu|sua|vosso|vossa")
_THANKS = re.compile(rf"\b(?:{_THANKING})(?:\s+(?:{_DETERMINERS}))*\s+(?:{_THANKED})\b"
                     # German puts the verb last: "mich bei dem Mitarbeiter bedanken", "Ihr Team loben"
                     rf"|\b(?:{_THANKED})\b(?:\s+\S+){{0,4}}?\s+(?:bedank\w*|danken|loben)\b")
# (a fifth blind probe, stop 55) thanks or a message passed on: "transmettez mes remerciements à l'équipe", "leiten Sie
# das bitte an den Mitarbeiter weiter", and, said with praise, "they were brilliant, please pass that on to whoever manages
# them" (not "pass me on to a manager", nor "please pass this to a human, you're not understanding me")
_PRAISE = re.compile(r"\b(?:brilliant|great|amazing|excellent|wonderful|fantastic|lovely|kind|helpful|superb|thanks|thank\s+you"
                     r"|genial|excelente|maravillos\w*|estupend\w*|gracias|super|formidable|merci|toll|klasse|danke|otim[oa]"
                     r"|incrivel|obrigad[oa])\b")
_SIGNING_OFF = re.compile(r"\W*\b(?:thanks|thank\s+you|thx|ty|cheers|merci|gracias|danke|obrigad[oa])\W*$")
_PASSED_ON_PRONOUN = re.compile(r"\bpass\s+(?:that|this|it|these|those)\s+(?:on\s+|along\s+|back\s+)?to\s+(?:\S+\s*){1,4}")
_PASSED_ON = re.compile(
    r"\bpass\s+(?:(?:my|our)\s+\w+|the\s+(?:message|feedback|compliments?|praise|thanks))\s+"
    r"(?:on\s+|along\s+|back\s+)?to\s+(?:\S+\s*){1,4}"
    r"|\b(?:transmettez|transmets|transmettre)\s+(?:ca|cela|le\s+message|mes\s+\w+|nos\s+\w+)\s+(?:a|au|aux)\s+(?:\S+\s*){1,3}"
    r"|\b(?:digaselo|digale|diselo|transmitale|transmitele|transmita|pasale\s+el\s+mensaje)\s+(?:\S+\s+){0,2}?(?:a|al)\s+(?:\S+\s*){1,3}"
    r"|\b(?:richten\s+sie|richte|leiten\s+sie|leite|geben\s+sie|gib)\s+(?:das|dies|meinen\s+dank|mein\s+lob)\s+(?:\S+\s+){0,5}?(?:aus|weiter)\b"
    r"|\b(?:passe|passa|transmita|transmite|transmitam)\s+(?:isso|o\s+recado|os\s+meus\s+\w+|o\s+elogio|o\s+meu\s+\w+)\s+"
    r"(?:a|ao|a|as|aos|para|pra|pro)\s+(?:\S+\s*){1,3}")
_NEGATED_FR_PERSONNE = re.compile(r"\b(?:ne|n')\b.*\ba\s+personne\b"  # "je ne veux parler à personne"
                                  # spoken, without "ne": "je veux parler à personne, dites-moi juste…" (probe D, stop 54)
                                  r"|\b(?:veux|voudrais|souhaite)\s+(?:parler|avoir\s+affaire)\s+a\s+personne\b")
# The negation is the person itself, after a wish: "Ich will mit niemandem sprechen", "I want to talk
# to nobody" (Spanish and Portuguese put a "no"/"não" first, which _NEGATED takes). Not "Will nobody
# help me?", which asks for someone.
_WANTS_NOBODY = {
    "en": re.compile(r"\b(?:want|need|wish)\b(?:\s+\S+){0,4}?\s+(?:nobody|no\s+one|no-one)\b"
                     # ... or says none is needed: "no real person needed"
                     rf"|\bno\s+(?:\S+\s+){{0,2}}?(?:{_PERSON})\s+(?:is\s+)?(?:needed|necessary|required)\b"),
    "de": re.compile(r"\b(?:will|mochte|moechte|brauche|wollen|mochten|muss)\b(?:\s+\S+){0,4}?\s+niemand\w*"),
    "pt": re.compile(r"\bdispenso\b(?:\s+\S+){0,3}?\s+(?:alguem|atendente|pessoa|humano|agente)"),
}
# (without "ai"/"ia": French "j'ai", Spanish "ia" are words of their own)
_BOT_WORD = re.compile(r"\b(?:bots?|robot\w*|robo|machine|maquina|maschine|ki|chatbot|automat\w*|computer|ordinateur)\b")
# "I don't know how to reach an agent" does not decline one: a negated *knowing* is no refusal.
_NOT_A_REFUSAL = re.compile(
    r"\b(?:know|sure|understand|idea|how|where|why|what|find|se|sais|sait|sei|weiss|sabe|sabia|como|comment|ou|wie|wo|onde|donde)\b")

# "Are you a bot?", "am I talking to a real person?", "who am I chatting with?" (not "is there
# a real person?", which asks for one, nor "are you able to connect me to a human?"): the verb
# first, then only articles and words like "real" before what the visitor asks about.
_FILLER = r"(?:\s+(?:a|an|just|only|really|actually|even|still|real|actual|live|un|una|une|um|uma|ein|eine|einem|einer|echte[mnr]?|vrai|vraie|de|du|da|do|mit|con|com|avec|a|to|with|talking|speaking|chatting|actually))*"
_BEING = (rf"(?:{_BOT}|human\w*|person\w*|mensch\w*|humain\w*|humano\w*|pessoa\w*|real\s+person|persona\s+real"
          # "am I chatting with a live agent?" asks what the assistant is, like "are you a human?"
          r"|agents?|agente|representative|operator|operador|rep|conseiller|mitarbeiter\w*|atendente)")
_BOT_QUESTION = re.compile(
    r"^\W*(?:(?:hi|hello|hey|so|ok|okay|wait|sorry|hola|oye|bueno|pues|perdon|salut|bonjour|alors|pardon|hallo|also|oi|ola|entao)\W+)?"
    r"(?:are\s+you|r\s+u|am\s+i\s+(?:(?:actually|really|currently|now|even)\s+)?(?:talking|chatting|speaking|writing)\s+(?:to|with)"
    r"|is\s+(?:this|it|that)|is\s+(?:this|the)\s+(?:chat|conversation|service|support|line)\s+(?:(?:read|answered|run|staffed|handled"
    r"|monitored|manned|operated)\s+)?(?:by|with)"
    r"|eres|es\s+usted|es|estoy\s+(?:(?:ahora|realmente)\s+)?(?:hablando|chateando|escribiendo)\s+con|hablo\s+con|es\s+esto"
    r"|etes[\s-]+vous|vous\s+etes|es[\s-]+tu|tu\s+es|t'es|t\s+es|t'est|tes|je\s+parle\s+(?:a|avec)|est-ce\s+que\s+je\s+parle\s+(?:a|avec)|est-ce\s+que\s+(?:vous\s+etes|tu\s+es|c'est)|c'est"
    r"|bist\s+du|sind\s+sie|is\s+des|bin\s+ich\s+(?:(?:gerade|grad|hier|jetzt|eigentlich|wirklich|da)\s+)*mit|(?:spreche|rede|schreibe|chatte)\s+ich\s+(?:(?:gerade|grad|hier|jetzt|eigentlich|wirklich|da)\s+)*mit|ist\s+das"
    r"|voce\s+eh?|vc\s+eh?|e\s+voce|(?:estou|to|tou)\s+(?:(?:agora|aqui|mesmo)\s+)?(?:falando|conversando|teclando|a\s+falar|a\s+conversar)\s+com|falo\s+com|isso\s+e"
    # the plural ("Vocês são um robô?" started a handoff: re-trial of 4 Dec)
    r"|voces\s+sao|vcs\s+sao|sao\s+voces|sois|ustedes\s+son|son\s+ustedes|seid\s+ihr)"
    rf"{_FILLER}\s+{_BEING}\b"
    r"|^\W*(?:who\s+am\s+i\s+(?:talking|chatting|speaking|writing)|con\s+quien\s+(?:hablo|estoy\s+hablando)"
    r"|a\s+qui\s+(?:je\s+parle|suis-je)|mit\s+wem\s+(?:spreche|schreibe|rede|chatte)|com\s+quem\s+(?:falo|estou\s+falando))\b"
)

# (a fifth blind probe, stop 55) which of the two, asked anywhere in the clause: "before I type my card details in, is this
# chat a human or an AI?", "bin ich hier mit einem menschen oder mit einem bot?", "c'est un robot ou une vraie personne ?"
# Not when the clause asks to talk to the person: "tem como falar com um ser humano ou é só robô?" asks for one.
_A_HUMAN = (r"(?:real\s+|actual\s+|live\s+|echte[mnr]?\s+|vraie?\s+)?(?:human(?:\s+being)?|person|mensch\w*|humain\w*|personne"
            r"|humano|persona|pessoa|ser\s+humano|etre\s+humain|someone|somebody|anyone|anybody|alguien|alguem|quelqu'un|jemand)"
            r"(?:\s+(?:real|de\s+verdad|de\s+verdade))?")
_A_BOT = rf"(?:{_BOT})"
# ("is this automated or is someone actually reading these", "mit nem echten menschen oder ist das automatisch?", probe F)
_OR = (r"\s+(?:or|o|ou|oder)(?:\s+(?:is\s+there|is|are|ist\s+das|ist\s+da|es|est-ce|c'est|est|e|esta\s+ai|esta|tem|hay|il\s+y\s+a"
       r"|y\s+a|there|it|that|this))?" + _FILLER + r"\s+")
_HUMAN_OR_BOT = re.compile(rf"\b{_A_HUMAN}{_OR}{_A_BOT}\b|\b{_A_BOT}{_OR}{_A_HUMAN}\b")
_ASKS_TO_TALK = re.compile(r"\b(?:talk|speak|chat)\s+(?:to|with)\b|\b(?:hablar|conversar|falar)\s+(?:con|com)\b|\bparler\s+(?:a|avec)\b"
                           r"|\b(?:sprechen|reden)\b")


def asks_human_or_bot(clause: str) -> bool:
    """A folded clause asks which of the two the assistant is ("is this a human or an AI?"), not for a person."""
    return bool(_HUMAN_OR_BOT.search(clause)) and not _ASKS_TO_TALK.search(clause)


# A message that is only a name for a person, maybe with "please" ("agent", "representative
# please", "operador", "Mensch bitte", "live agent"): what visitors type to get past a bot. One
# word gives the classifier too little to be sure of; as a whole message it means one thing.
_COURTESY = (r"please|pls|plz|x\s+favor|xfa|porfis|now|asap|urgent|urgente|urgently|dringend|thanks|a|an|the|live|real|human|talk\s+to|speak\s+to|por\s+favor|porfa|ya|un|una"
             r"|s'il\s+vous\s+plait|svp|stp|merci|bitte|sofort|einen?|agora|um|uma|obrigad[oa]|danke|gracias|thank\s+you|thx|ty"
             # what makes the person a real one: "echter Mensch bitte", "un vrai humain", "humano de verdad"
             r"|echte[rnms]?|vrai|vraie|reel|reelle|de\s+verdad|de\s+verdade|verdadeir[oa]|real(?:es)?|en\s+vivo|ao\s+vivo")
_PERSON_NOUN = (r"agents?|representative|rep|operator|human|person|someone|somebody|supervisor|manager"
                r"|humano|persona|agente|operador(?:a)?|asesor(?:a)?|representante"
                r"|humain|conseill(?:er|ere)|operat(?:eur|rice)|mensch(?:en)?|mitarbeiter(?:in)?|berater(?:in)?"
                r"|kundendienst|kundenservice|kundenberater(?:in)?|kundenbetreuer(?:in)?|sachbearbeiter(?:in)?|atendente|pessoa|consultor(?:a)?")
# "Escalate" alone asks the same thing: the visitor wants it taken past the assistant.
_ESCALATE = r"escalat(?:e|ion)(?:\s+(?:this|it|me|my\s+(?:case|issue|ticket)))?"
_IN_A_WORD = re.compile(rf"^\W*(?:(?:{_COURTESY})\W+)*(?:{_PERSON_NOUN}|{_ESCALATE})(?:\W+(?:{_COURTESY}))*\W*$")


# The names _IN_A_WORD knows, for a typo in one ("un agemte porfa", "un conseiler svp urgent": a blind probe, stop 55)
_NOUNS_IN_A_WORD = ("agent", "agente", "representative", "representante", "operator", "operador", "operateur", "supervisor",
                    "manager", "human", "humano", "humain", "person", "persona", "personne", "pessoa", "asesor", "conseiller",
                    "conseillere", "mitarbeiter", "berater", "kundendienst", "atendente", "consultor", "someone", "somebody")


def _one_typo_away(word: str) -> str | None:
    """The name of a person `word` is one typing slip from (a letter wrong, missing, extra or two swapped: optimal
    string alignment distance 1), if any; words of five letters or more only."""
    if len(word) < 5:
        return None
    return next((noun for noun in _NOUNS_IN_A_WORD if OSA.distance(noun, word, score_cutoff=1) == 1), None)


def _with_typos_mended(part: str) -> str:
    return re.sub(r"[a-z]+", lambda m: _one_typo_away(m.group(0)) or m.group(0), part)


def asks_in_a_word(text: str) -> bool:
    """The whole message, or one of its sentences, names a person to be handed to ("agent",
    "operador por favor", "I've asked three times. Human. Now."), maybe with a typing slip in the name."""
    return any(len(part) <= 60 and (_IN_A_WORD.match(folded := fold_in_place(part))
                                    or _IN_A_WORD.match(_with_typos_mended(folded)))
               for part in [text, *sentences(text)])


# "Is anyone there?", "Is a real person reading this?", "¿Hay alguien ahí?", "Ist da jemand?": asking
# whether a person is there at all is asking for one (not "Is anyone else having this problem?", "Is
# there a fee per person?", nor "Is this a real person?", which asks what the assistant is). A person
# is there (here, on the other end, online), reads or answers these messages, or the sentence ends.
_SOMEONE = (r"(?:(?:a|an|any|some|one)\s+)?(?:(?:real|actual|live|living|human)\s+)?"
            r"(?:person|persons|people|humans?|human\s+beings?|someone|somebody|anyone|anybody|agents?|staff)")
_THERE = (r"(?:there|here|around|on\s+the\s+(?:other\s+end|line)|online|available|reading|listening|behind\s+(?:this|the)"
          r"|working\s+(?:here|there)|in\s+(?:this|the)\s+chat)")
_READS = r"(?:ever\s+|actually\s+|really\s+|even\s+)*(?:read|reads|reading|see|sees|look\s+at|answer|answers)\s+(?:this|these|it|my|the)"
_FROM_YOU = (r"(?:\s+(?:from|at|of|on|in)\s+(?:your|the)\s+(?:\S+\s+){0,2}?(?:team|company|support|staff|side|end|department"
             r"|dept|desk|office))?")
_SOMEONE_THERE = {
    "en": re.compile(
        rf"\b(?:is|are)\s+(?:there\s+)?{_SOMEONE}{_FROM_YOU}\s+(?:(?:real|actually|really|even|still|alive)\s+)*{_THERE}\b"
        rf"|\b(?:is|are|does|do|will|would|can)\s+(?:there\s+)?{_SOMEONE}{_FROM_YOU}\s+{_READS}\b"
        rf"|^\W*(?:(?:hello|hi|hey|helo)\W+)*(?:is\s+|are\s+)?(?:there\s+)?{_SOMEONE}(?:\s+(?:real|alive))?(?:\s+(?:there|here|home|out\s+there))?\W*$"),
    "es": re.compile(
        r"\bhay\s+(?:alguien|(?:alguna|una|algun|un)\s+(?:persona|humano|agente|ser\s+humano)|personas|humanos)"
        r"(?:\s+(?:real|reales|de\s+verdad))?(?:\s+(?:ahi|alli|aqui|disponible|leyendo|detras|al\s+otro\s+lado|en\s+linea)\b|\W*$)"),
    "fr": re.compile(
        r"\b(?:il\s+y\s+a|y\s*'?\s*a[\s-]+t[\s-]+il|est-ce\s+qu'il\s+y\s+a)\s+(?:quelqu'un|une\s+(?:vraie\s+)?personne"
        r"|un\s+(?:vrai\s+)?(?:etre\s+)?humain|des\s+humains)(?:\s+(?:de\s+reel|de\s+vrai|la|ici|en\s+ligne|derriere\s+\S+(?:\s+\S+)?"
        r"|de\s+dispo\w*(?:\s+(?:la|ici|maintenant))?))?\W*$"
        # (a sixth blind probe, stop 55) "est-ce qu'un conseiller voyage est dispo là maintenant ?", "un conseiller est-il disponible ?"
        r"|\b(?:est-ce\s+qu'|qu')(?:un|une)\s+(?:conseill\w*|agent|personne|humain|operat\w*|interlocuteur|responsable)\s+"
        r"(?:\S+\s+)?(?:est|serait)\s+(?:\S+\s+)?dispo\w*"
        r"|\b(?:un|une)\s+(?:conseill\w*|agent|personne|humain|operat\w*)\s+(?:\S+\s+)?(?:est|serait)-(?:il|elle)\s+(?:\S+\s+)?dispo\w*"
        # (a fifth blind probe, stop 55) "y a quelqu'un qui peut vraiment regarder mon dossier?"
        r"|(?:^|\s)(?:il\s+)?y\s*'?\s*a(?:[\s-]+t[\s-]+il)?\s+(?:quelqu'un|qqn|une\s+personne)\s+(?:de\s+dispo\w*|qui\s+(?:peut|pourrait|puisse))\b"
        r"|^\W*(?:(?:allo|bonjour|salut)\W+)*quelqu'un\s+(?:est\s+)?la\W*$"),
    "de": re.compile(
        r"\b(?:ist|sind)\s+(?:da|hier|dort)\s+(?:(?:ein|eine|irgendein|uberhaupt|wirklich|auch)\s+)*(?:echte[rnms]?\s+)?"
        r"(?:jemand|irgendwer|irgendjemand|mensch|menschen|mitarbeiter\w*|person)(?:\s+(?:da|hier|online))?(?:\W*$|\s*,?\s+(?:der|die)\s+)"
        r"|\bliest\s+(?:das|dies|diese\s+nachricht)\s+(?:(?:uberhaupt|wirklich|auch|jemals)\s+)*(?:(?:ein|eine)\s+)?"
        r"(?:echte[rnms]?\s+)?(?:mensch|person|jemand|mitarbeiter\w*)\b"),
    "pt": re.compile(
        r"\b(?:tem|ha|existe)\s+(?:alguem|(?:alguma|uma|algum|um)\s+(?:pessoa|humano|atendente|ser\s+humano)|pessoas|humanos)"
        r"(?:\s+(?:real|reais|de\s+verdade))?(?:\s+(?:ai|ali|aqui|disponivel|lendo|online|do\s+outro\s+lado)\b|\W*$)"),
}


# Nobody there, asked (a question, a blind probe's, stop 54): "is there literally noone who can read this??", "¿no hay un
# asesor disponible?", "il n'y a personne pour m'aider ?", "gibt es niemanden, der mir helfen kann?", "não tem ninguém
# que possa me ajudar?". The negation asks for one; said, not asked ("no hay nadie en la tienda"), it is left to the rest.
_NOBODY_THERE = re.compile(
    r"\b(?:is|are)\s+there\s+(?:\S+\s+){0,2}?(?:no\s+one|noone|no-one|nobody|no\s+(?:human|person|agent|rep|representative|staff)"
    r"|not\s+(?:a|any|one)\s+(?:single\s+)?(?:person|human|agent|rep))\b"
    r"|\b(?:isn'?t|aren'?t|isnt|arent)\s+there\s+(?:\S+\s+)?(?:anyone|anybody|someone|somebody|a\s+(?:real\s+)?(?:person|human)"
    r"|an?\s+(?:agent|rep))\b"
    r"|\bno\s+hay\s+(?:nadie|alguien|ningun[oa]?\s+(?:persona|humano|agente|asesor\w*|operador\w*|representante)"
    r"|(?:un|una|algun|alguna)\s+(?:persona|humano|agente|asesora?|operadora?|representante|ejecutiv[oa]))\b"
    r"|\bn'?y\s+a[\s-]+(?:t[\s-]+il\s+)?(?:personne|pas\s+(?:un|une|de|d')\s*(?:vrai\s+)?(?:conseill\w*|personne|humain|agent"
    r"|operat\w*|interlocuteur))\b|\by\s+a\s+personne\s+(?:qui|pour|de\s+dispo)"
    r"|\b(?:gibt\s+es|gibts|ist\s+da)\s+(?:(?:denn|hier|da|bei\s+euch|bei\s+ihnen|wirklich)\s+)*(?:niemand\w*"
    r"|keine[nrm]?\s+(?:mensch\w*|mitarbeiter\w*|berater\w*|person|ansprechpartner\w*))"
    r"|\bnao\s+(?:tem|ha|existe)\s+(?:ninguem|nenhum\w*\s+(?:atendente|pessoa|humano|agente|consultor\w*)"
    r"|(?:um|uma|algum|alguma)\s+(?:atendente|pessoa|humano|agente|consultora?))\b")

# "isn't there anyone else with this problem?", "¿no hay nadie más con este problema?": other customers, not staff
_ANYONE_ELSE = re.compile(r"\b(?:anyone|anybody|someone|somebody|nobody|no\s+one|noone|nadie|alguien|personne|niemand\w*|ninguem"
                          r"|alguem)\s+(?:else|mas|d'autre|sonst|mais)\b")

# A person made real ("a live rep", "una persona de verdad", "un vrai conseiller", "einen echten
# Menschen"): said to a bot, it asks for one. Read only in what the rules leave (bot questions and
# refusals are out by then), in a clause without a negation ("no live agent needed").
_MADE_REAL = re.compile(
    r"\b(?:live|real|actual)\s+(?:reps?|agents?|persons?|humans?|human\s+beings?|representatives?|operators?|support\s+agents?)\b"
    r"|\b(?:persona|humano|agente|operador|asesora?|representante|pessoa|atendente|consultora?)\s+(?:real|de\s+verdad|de\s+verdade"
    r"|en\s+vivo|ao\s+vivo)\b"
    r"|\b(?:vrai|vraie|veritable|reel|reelle)\s+(?:personne|humain|conseiller|conseillere|agent|operateur|gars|mec|type)\b"
    r"|\b(?:quero|queremos|quiero)\s+(?:falar\s+com\s+|hablar\s+con\s+)?gente\b"  # ("CHEGA DE ROBÔ, QUERO GENTE", probe L)
    r"|\b(?:echte[nrms]?|richtige[nrms]?)\s+(?:mensch\w*|person\w*|mitarbeiter\w*|berater\w*)\b"
    r"|\b(?:alguien|alguem|quelqu'un|qqn|someone|somebody)\s+(?:de\s+carne\s+y\s+hueso|de\s+verdad|de\s+verdade|de\s+vrai|de\s+reel"
    r"|real|in\s+the\s+flesh)\b|\b(?:wen|jemand\w*)\s+echt\w*"
    # (a fifth blind probe, stop 55) real people: "prefiro resolver isso com gente de verdade", "I'd rather deal with real people"
    r"|\b(?:gente|personas|pessoas)\s+(?:de\s+verdad|de\s+verdade|real|reales|reais|de\s+carne\s+y\s+hueso)\b"
    r"|\b(?:real|actual|live)\s+people\b|\b(?:vraies|vrais)\s+(?:gens|personnes|humains)\b|\bechte\s+(?:menschen|leute)\b")
_NEGATION_WORD = re.compile(r"\b(?:no|not|never|without|dont|nobody|sin|nunca|pas|jamais|sans|kein\w*|nicht|nie|nao|sem"
                            r"|plus\s+besoin)\b|n't\b")  # ("finalement plus besoin qu'on me rappelle", stop 58)


def asks_for_a_real_person(kept: str) -> bool:
    """What the rules leave of a message names a person made real ("I need help from a live rep")."""
    return _in_a_clause_without_negation(_MADE_REAL, kept)


# (a sixth blind probe, stop 55) what the assistant cannot do negates no wish: "since the bot can't help i suppose i need a
# person to look at it", "como o bot nao resolve nada, acho que vou precisar de uma pessoa"
_THE_BOT_FAILS = re.compile(r"\b(?:the\s+|this\s+|your\s+|o\s+|el\s+|le\s+|der\s+|das\s+)?(?:bot|chatbot|robot|robo|assistant|ai|app|chat)"
                            r"\s+(?:(?:really|still|just|even|clearly|obviously|ja|ya|aqui|simply|einfach)\s+)?"
                            r"(?:can'?t|cannot|can\s+not|couldn'?t|doesn'?t|does\s+not|won'?t|isn'?t|is\s+not|nao|no|ne|n'|kann\s+(?:\S+\s+)?nicht"
                            r"|versteht\s+(?:\S+\s+)?nicht|hilft\s+(?:\S+\s+)?nicht)\b")


def _in_a_clause_without_negation(pattern: re.Pattern, kept: str) -> bool:
    """A clause says it with no negation before or in it (one after it negates something else: "quisiera que alguien
    revise mi caso porque esto no es justo", "is there someone who can look at it because i dont trust the app"), but
    for the assistant's own failing ("the bot can't help, i need a person")."""
    for clause in _CLAUSE_SPLIT.split(fold_in_place(kept)):
        clause = clause.strip()
        if (m := pattern.search(clause)) and not _negated_before(clause, m):
            return True
    return False


# A new wish of the visitor's own after the negation: "i dont want a link i want a REAL PERSON" (a seventh blind probe)
# The verbs of a wish the negation rules read (normalized, first person)
_WISHING = "want|need|veux|voudrais|will|mochte|brauche|quiero|necesito|quero|preciso"
_NEW_WISH = re.compile(rf"\b(?:i|je|j'|ich|yo|eu)\s+(?:\S+\s+)?(?:{_WISHING})\b")


def _negated_before(clause: str, m: re.Match) -> bool:
    """A negation before or in the match `m` of the clause governs it (not the assistant's failing, nor one that a new
    wish follows)."""
    negations = list(_NEGATION_WORD.finditer(_THE_BOT_FAILS.sub(lambda f: " " * len(f.group(0)), clause[:m.end()])))
    if not negations:
        return False
    last = negations[-1]
    return last.start() >= m.start() or not _NEW_WISH.search(clause[last.end():m.start()])


# Someone else, someone to talk to, a department, "manual" service: said to a bot, each asks for a person.
# "Can somebody else take a look at my refund claim?", "I want another agent", "do you have someone there to talk
# to", "i need manual customer service" (a literal rendering of "human service"), "spa team please", "I want to
# speak to the restaurant". Not "someone else used my card" or "Is anyone else having this problem?" (no wish,
# no helping verb). Read, like a person made real, in what the rules leave and in clauses without a negation.
_ANOTHER = (r"(?:somebody|someone)\s+else|(?:another|a\s+different)\s+(?:person|agent|human|representative|rep|operator)"
            r"|otra\s+persona|otro\s+(?:agente|asesor|operador)|alguien\s+mas|quelqu'un\s+d'autre|une\s+autre\s+personne"
            r"|un\s+autre\s+(?:conseiller|agent|interlocuteur)|jemand(?:en)?\s+ander\w*|eine[nm]?\s+andere[nm]?\s+"
            r"(?:person|mitarbeiter\w*|berater\w*)|outra\s+pessoa|outro\s+(?:atendente|agente)|alguem\s+mais")
_SEEKING = (r"looking\s+for|searching\s+for|need|want|busco|necesito|necesitar|cherche|besoin\s+d'|suche|brauche|procuro|preciso\s+de"
            r"|precisar\s+de")
_SOMEONE_SOUGHT = (r"someone|somebody|a\s+(?:real\s+)?(?:person|human)|an\s+(?:agent|actual\s+person)|(?:a\s+)?alguien"
                   r"|una\s+persona|quelqu'un|une\s+personne|jemand\w*|eine\s+person|alguem|uma\s+pessoa")
_HELPING = (r"help|fix|sort|look|check|handle|deal|assist|explain|answer|call|resolve|solve|ayud\w*|revis\w*|atiend\w*"
            r"|soluci\w*|resuelv\w*|aide\w*|aider|regarde\w*|trait\w*|resou\w*|helf\w*|hilft|kummer\w*|ajud\w*|resolv\w*"
            r"|atend\w*|jeter|anschau\w*|ansehen|anguck\w*|nachseh\w*|nachschau\w*|pruf\w*|ver|olhar|analis\w*|mirar|voir"
            r"|knows?|sepa|sache|saiba|weiss|auskennt")  # ("alguien que sepa", an eleventh blind probe, stop 58)
_ELSEWHERE = re.compile(
    rf"\b(?:can|could|would|will|may|puede|podria|peut|pourrait|kann|konnte|pode|poderia)\s+(?:{_ANOTHER})\s+(?:\S+\s+){{0,2}}?"
    r"(?:help|look|take|check|handle|deal|assist|review|call|contact|answer|ayudar\w*|revisar|atender\w*|aider|regarder"
    r"|helfen|ansehen|schauen|ajudar|ver|olhar|atender)\b"
    rf"|\b(?:want|need|(?:would|'d)\s+like|get|speak\s+(?:to|with)|talk\s+(?:to|with)|quiero|necesito|hablar\s+con|pasame\s+con"
    rf"|veux|voudrais|parler\s+a|passez-moi|will|mochte|brauche|sprechen|mit|quero|preciso|falar\s+com)\s+"
    rf"(?:to\s+(?:speak|talk)\s+(?:to|with)\s+)?(?:{_ANOTHER})\b"
    r"|\b(?:someone|somebody|a\s+(?:real\s+)?(?:person|human))\s+(?:\S+\s+){0,2}?(?:i\s+(?:can|could)\s+)?(?:to\s+)?"
    r"(?:talk|speak|chat)\s+(?:to|with)\b"
    # a contact person asked for: "gibt es einen Ansprechpartner für mein Problem?"
    r"|\b(?:gibt\s+es|is\s+there|hay|y\s+a-t-il|il\s+y\s+a|existe|tem)\s+(?:(?:einen?|a|an|un|une|uma|um|alguna?|algum|alguma)\s+)?"
    r"(?:ansprechpartner\w*|contact\s+person|persona\s+de\s+contacto|interlocuteur|pessoa\s+de\s+contato)\b"
    # someone sought to help: "I'm looking for someone who can fix my booking", "busco a alguien que me ayude"
    rf"|\b(?:{_SEEKING})\s+(?:{_SOMEONE_SOUGHT})\s+(?:who|that|to|que|qui|der|die|para|pra|pour)\s+(?:\S+\s+){{0,2}}?(?:[a-z]')?(?:{_HELPING})"
    # (a blind probe, stop 53) someone there who can help: "is there anyone who can actually look at my account",
    # "hay alguien que pueda revisar mi cuenta", "y a-t-il quelqu'un qui peut regarder mon dossier"
    rf"|\b(?:is\s+there|are\s+there|hay|y\s+a[\s-]+t[\s-]+il|il\s+y\s+a|(?:^|\s)y\s+a|est-ce\s+qu'il\s+y\s+a|gibt\s+es|gibts|ist\s+da|tem|ha|existe)\s+"
    r"(?:(?:bei\s+(?:euch|ihnen)|hier|da|ahi|aqui|ici|la)\s+)?"
    r"(?:anyone|anybody|someone|somebody|a\s+(?:real\s+)?person|alguien|alguna\s+persona|una\s+persona|quelqu'un|une\s+personne"
    rf"|jemand(?:en)?|irgendwe[rnm]|irgendjemand\w*|alguem|uma\s+pessoa)(?:\s+(?:at|from|in|on|of|de|da|do|del|bei|von)\s+(?:the|your|la|el|le|o|a|der|dem|euch|ihnen|chez)"
    r"(?:\s+\S+){1,2}?|\s+chez\s+vous|\s+bei\s+(?:ihnen|euch))?,?\s+(?:who|that|que|qui|der|die)\s+(?:\S+\s+){0,8}?(?:[a-z]')?"
    rf"(?:{_HELPING})"
    # ... or to talk with: "gibts da irgendwen mit dem ich reden kann"
    r"|\b(?:gibt\s+es|gibts|ist\s+da)\s+(?:(?:da|hier|bei\s+euch|bei\s+ihnen)\s+)?(?:jemand\w*|irgendwe[rnm]|irgendjemand\w*)\s+"
    r"mit\s+(?:dem|der)\s+(?:\S+\s+){0,3}?(?:reden|sprechen|telefonieren)\b"
    # a wish to talk with a person: "je souhaiterais échanger avec un agent", "will das mit nem Menschen besprechen"
    r"|\b(?:(?:je|il|elle)\s+(?:veux|voudrais|souhaite|souhaiterais|peux|pourrais|aimerais|dois|veut|voudrait|aimerait|doit)"
    r"|puis-je|pourrais-je|j'aimerais"
    r"|est-ce\s+que\s+je\s+(?:peux|pourrais)|j'ai\s+besoin\s+de|(?:est|serait)-il\s+possible\s+de|(?:est-ce|c'est)\s+possible\s+de"
    r"|il\s+faut\s+que\s+je)\s+(?:\S+\s+){0,2}?(?:parler|echanger|discuter|m'entretenir|parle)\s+"
    r"(?:(?:a|avec)\s+(?:quelqu'un|qqn|qq'un|un\s+membre|un\s+(?:vrai\s+)?(?:agent|conseiller|humain|operateur|interlocuteur|responsable|technicien|employe"
    r"|gerant|superviseur)|une\s+(?:vraie\s+)?(?:personne|conseillere|operatrice))"
    r"|au\s+(?:responsable|gerant|directeur|superviseur|technicien|service\s+(?:client|clientele|apres-vente)))\b"
    r"|\b(?:quiero|quisiera|necesito|puedo|podria|me\s+gustaria|deseo|se\s+puede|es\s+posible|seria\s+posible|quiere|necesita|le\s+gustaria"
    r"|hay\s+(?:forma|manera|modo)\s+de)\s+(?:\S+\s+){0,2}?(?:hablar|conversar|chatear"
    r"|comunicarme)\s+con\s+(?:alguien|una\s+persona|un\s+(?:agente|asesor|humano|operador|representante|encargado|responsable"
    r"|ejecutivo|tecnico|supervisor|gerente)|una\s+(?:asesora|operadora|ejecutiva)"
    r"|el\s+(?:gerente|encargado|supervisor|responsable|tecnico|jefe|ejecutivo)|la\s+(?:gerente|encargada|supervisora|responsable))\b"
    # formally: "solicito ser atendido por un representante"
    r"|\bser\s+atendid[oa]s?\s+por\s+(?:alguien|alguem|una?\s+(?:persona|representante|asesora?|agente|humano|ejecutivo|emplead[oa]"
    r"|dependienta?|trabajador\w*|miembro)"
    r"|uma?\s+(?:pessoa|atendente|consultora?|representante|humano))\b"
    r"|\b(?:will|mochte|moechte|wurde|kann\s+ich|konnte\s+ich|muss|brauch\w*)\b(?:\s+\S+){0,6}?\s+mit\s+(?:jemandem|jemand"
    r"|(?:einem|nem|einer|ner)\s+(?:echten\s+)?(?:menschen|mitarbeiter\w*|person|berater\w*|kundenberater\w*|sachbearbeiter\w*))"
    r"\s+(?:\S+\s+){0,3}?(?:sprechen|reden|besprechen|telefonieren|chatten|klaren|schreiben)\b"
    r"|\b(?:quero|queria|gostaria\s+de|preciso|posso|poderia|da\s+pra|e\s+possivel|tem\s+como|seria\s+possivel|como\s+faco\s+(?:para|pra)"
    r"|quer|precisa|gostaria)\s+(?:\S+\s+){0,2}?"  # (she wants: "escrevo pela minha mãe: ela quer falar com alguém", probe F)
    r"(?:falar|conversar)\s+com\s+"
    r"(?:alguem|uma\s+pessoa|um\s+(?:atendente|humano|consultor|agente|gerente|responsavel|tecnico|funcionario|colaborador)"
    r"|uma\s+(?:atendente|consultora|funcionaria|colaboradora)"
    r"|o\s+(?:gerente|responsavel|supervisor|tecnico|atendente|encarregado)|a\s+(?:gerente|responsavel|supervisora|atendente))\b"
    # formally: "venho solicitar o contacto de um assistente"
    r"|\b(?:solicitar|pedir|peco|solicito)\s+(?:o\s+)?(?:contacto|contato)\s+(?:de|com)\s+(?:um|uma)\s+(?:assistente|atendente"
    r"|consultora?|agente|gestora?|tecnico|responsavel|pessoa)\b"
    # being connected with one: "merci de me mettre en relation avec un conseiller", "mich zur Schadenabteilung
    # durchstellen", "me transfere pro setor financeiro"
    r"|\b(?:me\s+mettre|mettez-moi|me\s+mettez|me\s+mettre|etre\s+mise?)\s+en\s+(?:relation|contact)\s+avec\b"
    r"|\b(?:ponerme|ponme|pongame|me\s+pone[ns]?|me\s+puede[ns]?\s+poner)\s+en\s+contacto\s+con\b"
    r"|\bme\s+(?:colocar|colocam?|por|poe[m]?)\s+em\s+contato\s+com\b|\bme\s+(?:transfere|transfira|passa|passe)\s+(?:para|pra|pro)\b"
    r"|\bmich\s+(?:\S+\s+){0,4}?(?:durchstellen|weiterverbinden|verbinden)\b"
    # (the probe of 30 Nov, stop 55) "can I be put through to customer support?" (not calls,
    # money or an account moved: "can my calls be forwarded to a new number?")
    r"|\b(?:be|get|getting|being)\s+(?:put\s+through|transferred|connected|forwarded|passed\s+on)\s+(?:to|with)\s+(?!(?:my|our)\b)"
    r"(?!(?:\S+\s+){0,2}?(?:numbers?|voicemail|address|accounts?|e-?mail|phones?|devices?|inbox|page|site|links?|url|bank|card)\b)"
    r"|\b(?:connect|transfer|pass|put)\s+me\s+(?:to|with|on\s+to|through\s+to)\s+"
    r"(?:a|an|the|your|some|someone|somebody|anyone|whoever)\b"
    # (a second blind probe, stop 53) a channel on which a person answers: "what email do I use to reach a person",
    # "vous avez un whatsapp où une personne répond ?", "an welche Mailadresse schreib ich, damit das eine Person liest?"
    r"|\b(?:number|email|e-mail|mail|whatsapp|correo|numero|mailadresse|adresse|telefone|telefono|telephone|nummer|phone|num"
    r"|telefonnummer|rufnummer|hotline)\b"
    r"[^?.!]{0,40}?\b(?:to|pour|para|pra|damit|where|wo|ou|donde|onde|que|so|unter\s+der|unter\s+dem|bei\s+der)\s+(?:\S+\s+){0,3}?"
    r"(?:someone|somebody|a\s+(?:real\s+)?person|a\s+human|an?\s+(?:agent|rep|representative)|quelqu'un|qqn|qq'un|une\s+personne"
    r"|un\s+conseiller|alguien|una\s+persona|un\s+asesor|jemand\w*|wen|irgendwen|(?:ein|eine|einen|einem|einer)\s+(?:mensch|person|mitarbeiter)\w*"
    r"|(?:a|an|un|une|una|um|uma|einen|einem)\s+(?:broker|courtier|corredor|makler|corretor|technician|technicien|tecnico|techniker"
    r"|specialist|specialiste|especialista|spezialist\w*|expert|experto|experte[nm]?|advisou?r|adviser|consultant|consultor|berater\w*)"
    r"|alguem|uma\s+pessoa|atendente)\b"
    # "vcs tem whatsapp com atendente de vdd?", "do you have a chat with a real agent?"
    r"|\b(?:whatsapp|chat|telegram|hotline|line|linea|ligne|telefone|telefono|telephone)\s+(?:com|con|avec|mit|with)\s+"
    r"(?:(?:um|uma|un|una|une|a|an|einem|einer|real|live|echten)\s+){0,2}(?:atendente|pessoa|humano|agente|asesor|persona|agent"
    r"|conseiller|personne|humain|mensch\w*|mitarbeiter\w*|person|human|rep|representative)\b"
    # someone asked to look at it: "necesito que alguien revise mi solicitud", "faudrait que qqn regarde mon dossier",
    # "kann sich bitte jemand meine Bestellung anschauen", "est-ce qu'un responsable peut s'occuper de ça ?"
    r"|\b(?:need|want|necesito\s+que|quiero\s+que|quisiera\s+que|me\s+gustaria\s+que|faudrait\s+que|il\s+faut\s+que"
    r"|je\s+(?:veux|voudrais|souhaite|souhaiterais)\s+que|j'aimerais\s+que|kann|konnte|preciso\s+que|quero\s+que|queria\s+que"
    r"|gostaria\s+que|can|could|est-ce\s+qu'|qu')\s*(?:\S+\s+){0,2}?(?:someone|somebody|alguien|qqn|quelqu'un|un\s+responsable"
    r"|un\s+conseiller|un\s+technicien|un\s+expert|jemand|alguem)\s+(?:\S+\s+){0,4}?(?:[a-z]')?(?:revis\w*|regarde\w*|occupe\w*|occuper"
    r"|anschau\w*|ansehen|look|check|review|handle|olhe|veja|verifique|mire|kummer\w*|traite\w*|trait\w*|reprenne|reprendre|verifie\w*"
    r"|examine\w*)"
    r"|\bescalat(?:e|ing)\s+(?:this|it|my|the)\b|\b(?:hay\s+que\s+|quiero\s+|pueden\s+)?escalar(?:lo|la)?\b|\beskalier\w*"
    r"|\b(?:put|get)\s+me\s+thr(?:u|ough)\b|\b(?:pasame|pasenme|paseme|comunicame|transfiereme|me\s+pasan)\s+con\b"
    r"|\b(?:transferez|transfere|passez|passe)[\s-]+moi\s+(?:au|a\s+la|le|la|un|une)\b"
    r"|\b(?:an|zur|zum|in\s+die)\s+(?:\S+\s+){0,2}?\w*(?:abteilung|kundendienst|kundenservice|team)\s+weiterleiten\b"
    r"|\b(?:hatte|hatt|mochte|mocht)\s+(?:gerne?|bitte)\s+(?:einen|eine|an|nen|n|mit\s+(?:einem|einer|wem|jemandem))\s+(?:berater\w*|mitarbeiter\w*"
    r"|menschen|person|ansprechpartner\w*|kundenberater\w*|reden|sprechen)\b|\bmit\s+wem\s+(?:reden|sprechen)\b"
    # rather with the staff: "I'd rather go over the group booking details with one of your staff" (re-trial 53)
    r"|\b(?:rather|prefer\w*)\s+(?:(?!than\b)\S+\s+){0,8}?(?:with|to)\s+(?:one\s+of\s+|someone\s+(?:from|on|of)\s+)?(?:your|the\s+shop'?s?|the\s+company'?s?)\s+"
    r"(?:staff|team|people|agents?|employees?|advisou?rs?|colleagues)\b"
    # a person of the company wished for: "i want a customer service rep", "I need an actual advisor"
    r"|\b(?:want|need|like|get\s+me|give\s+me)\s+(?:a|an)\s+(?:(?:actual|proper|real|live)\s+)?(?:customer\s+(?:service|support|care)\s+)?"
    r"(?:rep|representative|agent|advisou?r|adviser|operator|engineer|technician|tech|specialist|expert|supervisor|manager)\b"
    r"(?!\s+(?:code|number|id|fee|fees|license|licence|mode|account|role|access|view|dashboard|panel)\b)"
    r"|\bmanual\s+(?:customer\s+)?(?:service|support|assistance|help|agent|operator)\b"
    r"|\b(?:servicio|atencion|soporte|asistencia)\s+(?:al\s+cliente\s+)?manual\b|\b(?:service|assistance|support)\s+(?:client\s+)?manuel\b"
    r"|\bmanuelle[nr]?\s+(?:kundenservice|kundendienst|support|service)\b|\b(?:atendimento|suporte|servico)\s+(?:ao\s+cliente\s+)?manual\b"
    r"|^\W*(?:the\s+)?\w+(?:\s+\w+)?\s+(?:team|department|desk|dept)\s+(?:please|pls|plz|now)\W*$"
    # (a fourth blind probe, stop 54) a person wanted, plainly: "quiero una persona YA", "ich will einen menschen der auch
    # was entscheiden darf" (not to sign for or collect something)
    r"|\b(?:want|need|quiero|necesito|quisiera|veux|voudrais|will|mochte|brauche|quero|queria|preciso\s+de)\s+"
    r"(?:a|an|una|un|une|einen|eine|um|uma)\s+(?:real\s+|echte[nm]?\s+|vraie?\s+)?(?:person|human|persona|humano|personne|humain"
    r"|menschen|mensch|pessoa)\b(?!\s+(?:to\s+)?(?:sign|pick|collect|receive|deliver|drive|carry|firmar|recoger|signer|unterschreiben"
    r"|assinar|buscar))"
    r"|\b(?:holen|hol|holt)\s+(?:sie\s+)?(?:mir|uns)\s+(?:jemand\w*|einen\s+(?:menschen|mitarbeiter\w*|berater\w*))"
    r"|\b(?:chama|chame|chamem)\s+(?:alguem|um\s+atendente|uma\s+pessoa|um\s+humano)\b"
    # talking to someone, wished or asked: "i want to speak with someone from the rental desk", "any chance i could talk
    # to someone in admissions", "id rather just call and talk to someone"
    r"|\b(?:want|wants|need|needs|like|rather|let\s+me|can\s+i|could\s+i|may\s+i|i\s+could|possible\s+to|and)\s+(?:\S+\s+){0,2}?"
    r"(?:speak|talk|chat)\s+(?:to|with)\s+(?:someone|somebody|anyone|a\s+(?:real\s+)?(?:person|human))\b"
    # a call or a meeting booked with one: "can we book a 30 min slot with someone from your solutions team", "podemos
    # marcar uma call com o time tecnico"
    r"|\b(?:book|schedule|set\s+up|arrange)\s+(?:a\s+|an\s+)?(?:\S+\s+){0,3}?(?:call|meeting|slot|appointment)\s+with\s+"
    r"(?:someone|somebody|a\s+person|your|one\s+of\s+your)\b"
    r"|\b(?:marcar|agendar)\s+uma?\s+(?:call|chamada|reuniao|ligacao|conversa)\s+com\b"
    # someone senior: "id like someone senior at the city to review this", "a human with authority"
    r"|\bsomeone\s+(?:more\s+)?senior\b|\bsomeone\s+in\s+charge\b|\b(?:someone|a\s+human|a\s+person)\s+with\s+(?:more\s+|real\s+)?authority\b"
    # a manager's wish for ours: "my manager wants to talk to your account manager", "echanger avec votre chargé de compte",
    # "je peux avoir un supérieur hiérarchique ?"
    r"|\b(?:parler|echanger|discuter)\s+(?:avec|a)\s+(?:votre|un|une|le|la)\s+(?:charge\w*\s+de\s+compte|superieur\w*|commercial\w*)\b"
    r"|\bavoir\s+(?:un|une|votre)\s+(?:superieur\w*|responsable|manager)\b"
    r"|\bavoir\s+(?:quelqu'un|qqn|qq'un|un\s+conseiller|une\s+personne)\s+au\s+bout\s+du\s+fil\b"
    # someone to look at it, the person after the verb: "quisiera que lo revise un funcionario", "queria que um servidor da
    # prefeitura olhasse meu recurso", "quiero que una persona revise mi caso"
    r"|\b(?:quisiera|quiero|queria|gostaria|necesito|preciso)\s+que\s+(?:lo\s+|la\s+|me\s+)?(?:revise|mire|vea|atienda|olhe|veja"
    r"|analise)\s+(?:un|una|um|uma)\s+(?:persona|humano|funcionario|servidor|agente|asesor|pessoa|atendente)\b"
    r"|\b(?:quisiera|quiero|queria|gostaria|necesito|preciso)\s+que\s+(?:un|una|um|uma)\s+(?:persona|humano|funcionario|servidor|agente"
    r"|asesor|pessoa|atendente|tecnic[oa]|especialista|ingenier[oa]|experto|responsable|encargad[oa]|supervisor|gerente)\s+"
    r"(?:\S+\s+){0,3}?(?:revis\w*|mir\w*|olh\w*|analis\w*|vea|viera|visse|atend\w*)"
    # (a third blind probe, stop 54) "y a moyen d'avoir quelqu'un", "brauch dafür jemanden von euch am telefon", "un
    # numéro direct pour joindre mon conseiller"
    r"|\b(?:moyen|possible)\s+d'(?:avoir|parler\s+a)\s+(?:quelqu'un|qqn|qq'un|un\s+(?:conseiller|humain|agent)|une\s+personne)\b"
    r"|\b(?:brauch\w*|will|mochte|hatte\s+gern\w*)\s+(?:\S+\s+){0,3}?jemand\w*\s+(?:von\s+(?:euch|ihnen|dir)|am\s+telefon"
    r"|personlich)\b"
    r"|\b(?:joindre|contacter|reach|contact|contactar|falar\s+com|erreichen)\s+(?:mon|ma|my|mi|meu|minha|meinen|meine)\s+"
    r"(?:conseill\w*|advisou?r|adviser|agent|account\s+manager|asesora?|gestora?|berater\w*|ansprechpartner\w*)\b"
    # (a third blind probe, stop 54) a role: "need to speak with the store manager at your elm street location"
    r"|\b(?:want|wants|need|needs|like|let\s+me|can\s+i|could\s+i|may\s+i|have)\s+(?:to\s+)?(?:speak|talk|chat)\s+(?:to|with)\s+"
    r"(?:the|your|a|an)\s+(?:\w+\s+)?(?:manager|supervisor|technician|claims\s+handler|adjuster|team\s+leader)\b"
    r"|\b(?:is\s+it|would\s+it\s+be)\s+possible\s+to\s+(?:speak|talk|chat)\s+(?:to|with)\s+(?:someone|somebody|anyone|a\s+person"
    r"|a\s+human|an?\s+(?:agent|rep|representative|advisou?r|operator|manager|supervisor))\b"
    # (a fifth blind probe, stop 55) one of the staff: "would it be possible to speak with one of your staff", "is it
    # possible to talk to one of the course advisers"
    rf"|\b(?:want|need|like|rather|let\s+me|can\s+i|could\s+i|may\s+i|possible\s+to)\s+(?:\S+\s+){{0,2}}?(?:speak|talk|chat)\s+"
    rf"(?:to|with)\s+one\s+of\s+(?:your|the|you)\s+(?:\w+\s+)?(?:{_STAFF}|guys|team)\b"
    # (a seventh blind probe, stop 55) one of your pharmacists, instructors...: "id like to talk to one of your pharmacists"
    r"|\b(?:want|like|need|rather|can\s+i|could\s+i|may\s+i|possible\s+to)\s+(?:\S+\s+){0,2}?(?:speak|talk|chat)\s+(?:to|with)\s+"
    r"one\s+of\s+(?:your|the)\s+(?:\w+\s+)?\w+s\b"
    # ... the person who helped before: "could I speak to Marta who helped me last week", "est-ce que je peux avoir Camille
    # qui m'a aidé", "sería posible que me atendiera Lucía, la chica que me ayudó"
    r"|\b(?:speak|talk|chat)\s+(?:to|with)\s+(?:\w+\s+){1,2}(?:who|that)\s+(?:\S+\s+)?(?:helped|assisted|served|dealt\s+with|handled)\s+(?:me|us)\b"
    r"|\b(?:avoir|parler\s+(?:a|avec))\s+(?:\w+\s+){1,2}qui\s+(?:m'a|nous\s+a)\s+(?:aide|aidee|conseille|conseillee|servi|pris\s+en\s+charge)\b"
    r"|\bque\s+me\s+(?:atiend\w+|ayud\w+)\s+(?:\S+\s+){0,3}?(?:el|la)?\s*(?:\w+\s+)?que\s+me\s+(?:ayudo|atendio)\b"
    r"|\bque\s+me\s+atendiera\w*\b|\bsich\s+(?:\S+\s+){0,4}?bei\s+(?:mir|uns)\s+(?:meldet|melden|meldete)\b"
    # ... a number to speak to someone on: "is there a number I can ring to speak to my instructor directly?"
    r"|\b(?:number|line|hotline)\b[^?.!]{0,30}?\b(?:speak|talk)\s+(?:to|with)\s+(?:my|the|your|a|an|someone)\b"
    # ... calling or a phone appointment: "je peux vous appeler ?", "un rendez-vous téléphonique avec le photographe"
    r"|\b(?:can|could|may)\s+i\s+(?:call|ring|phone)\s+(?:you|your\s+\w+)\b|\b(?:je\s+(?:peux|pourrais)|puis-je)\s+vous\s+(?:appeler|telephoner)\b"
    r"|\b(?:puedo|podria)\s+llamar(?:les|los|os|le)\b|\bkann\s+ich\s+(?:sie|euch)\s+anrufen\b|\bposso\s+(?:ligar\s+(?:para\s+)?(?:voces|vcs)|ligar-vos)\b"
    r"|\brendez-vous\s+(?:telephonique\s+)?avec\b|\bcita\s+(?:telefonica\s+|presencial\s+)?con\s+(?:el|la|un|una)\b|\btelefontermin\s+mit\b"
    r"|\b(?:je\s+|j'?)\s*(?:prefere|prefererais)\s+(?:\S+\s+){0,2}?(?:parler|echanger|discuter)\s+(?:a|avec)\s+(?:quelqu'un|qqn|qq'un"
    r"|une\s+personne|un\s+(?:conseiller|humain|agent))\b"
    # ... someone to go over it with: "need to go over my tax return with someone", "quiero revisarlo con alguien",
    # "je voudrais voir ça avec quelqu'un", "queria ver isso com alguém"
    r"|\b(?:need|want|like|rather|have)\s+to\s+(?:go\s+(?:over|through)|discuss|talk\s+(?:through|over)|run\s+through)\s+"
    r"(?:\S+\s+){0,5}?with\s+(?:someone|somebody|a\s+(?:real\s+)?(?:person|human)|an?\s+(?:agent|advisou?r|adviser|expert))\b"
    r"|\b(?:quiero|quisiera|necesito|prefiero)\s+(?:revisar\w*|ver\w*|hablar\w*|verlo|mirar\w*)\s+(?:\S+\s+){0,3}?con\s+"
    r"(?:alguien|una\s+persona|un\s+(?:asesor|agente|humano))\b"
    r"|\b(?:veux|voudrais|prefere|prefererais|dois|aimerais)\s+(?:voir|regler|revoir|en\s+discuter)\s+(?:\S+\s+){0,3}?avec\s+"
    r"(?:quelqu'un|qqn|une\s+personne|un\s+(?:conseiller|humain|agent))\b"
    r"|\b(?:quero|queria|preciso|prefiro|gostaria\s+de)\s+(?:ver|rever|resolver|tratar|falar)\s+(?:\S+\s+){0,3}?com\s+"
    r"(?:alguem|uma\s+pessoa|um\s+(?:atendente|humano|consultor)|gente\s+de\s+verdade)\b"
    # ... or tried for days to reach one: "ive been trying to get hold of someone at your company for 6 days", "j'essaie de
    # joindre quelqu'un chez vous depuis une semaine", "seit tagen versuche ich jemanden bei euch zu erreichen", "há dias que
    # tento falar com alguém da vossa empresa"
    r"|\b(?:trying|tried|try)\s+to\s+(?:get\s+hold\s+of|reach|contact|get\s+through\s+to|speak\s+(?:to|with)|talk\s+(?:to|with)"
    r"|get\s+in\s+touch\s+with)\s+(?:(?:a|an|any|some|one\s+of|your|a\s+real|an\s+actual)\s+)*(?:someone|somebody|anyone|anybody|person"
    r"|human|agent|rep|representative|staff)\b"  # (not "trying to talk with customer support": Bitext's customer-service intent)
    r"|\b(?:intento|intentando|intentado|trato\s+de|tratando\s+de)\s+(?:de\s+)?(?:contactar|hablar|comunicarme|localizar|dar)\s+"
    r"(?:con\s+|a\s+)?(?:alguien|una\s+persona|un\s+(?:agente|asesor|humano))\b"
    r"|\b(?:j'essaie|j'essaye|essaie|essaye|j'ai\s+essaye|je\s+tente|j'ai\s+tente)\s+(?:\S+\s+){0,2}?d[e']\s*(?:joindre|contacter"
    r"|parler\s+a|avoir)\s+(?:quelqu'un|qqn|qq'un|une\s+personne|un\s+(?:conseiller|humain|agent))\b"
    r"|\bversuch\w*\s+(?:\S+\s+){0,4}?(?:jemand\w*|wen|einen\s+(?:menschen|mitarbeiter\w*|berater\w*))\s+(?:\S+\s+){0,3}?"
    r"(?:zu\s+)?(?:erreichen|sprechen)\b"
    r"|\b(?:tento|tentando|tentei|tentar|tentado)\s+(?:\S+\s+){0,1}?(?:falar\s+com|contactar|contatar|ligar\s+para"
    r"|entrar\s+em\s+contato\s+com|chegar\s+a)\s+(?:alguem|uma\s+pessoa|um\s+(?:atendente|humano))\b"
    # someone to contact the visitor: "i need the claims handler assigned to my case to contact me"
    r"|\b(?:need|want|would\s+like|'d\s+like)\s+(?:\S+\s+){1,8}?to\s+(?:contact|call|ring|phone|get\s+back\s+to|reach\s+out\s+to)\s+me\b"
    r"|\b(?:want|need|like|let\s+me|can\s+i|could\s+i|may\s+i)\s+(?:to\s+)?(?:speak|talk)\s+(?:to|with)\s+(?:the|your)\s+"
    r"(?!bot\b|robot|ai\b|assistant|chatbot|machine)\w+(?:\s+(?:team|department|desk|office))?\W*$"
    # (an eighth blind probe, stop 56) someone who knows, whoever handles it: "get me someone who actually knows how the
    # railcard works", "I'd like to speak to whoever handles repair complaints", "geben Sie mir bitte jemanden, der sich mit
    # Lohnabrechnung auskennt", "pásame con alguien que sepa", "passez-moi quelqu'un qui connaît", "me passa alguém que entenda"
    r"|\b(?:get|give|find)\s+me\s+(?:someone|somebody|a\s+person|whoever)\s+(?:who|that)\s+(?:actually\s+|really\s+)?"
    r"(?:knows?|understands?|can|could|handles?|deals?|is\s+(?:in\s+charge|responsible)|works?\s+(?:in|on)|speaks?)\b"
    r"|\b(?:speak|talk)\s+(?:to|with)\s+whoever\s+(?:handles|deals|is\s+(?:in\s+charge|responsible)|manages|looks\s+after|runs|can)\b"
    r"|\b(?:pasame|pasenme|paseme|dame|deme|denme|ponme|pongame)\s+(?:con\s+)?(?:alguien|una\s+persona)\s+que\b"
    r"|\bhablar\s+con\s+quien\s+(?:se\s+encargue|lleve|lo\s+lleve|sepa)\b"
    r"|\b(?:passez|passe|donnez|trouvez)[\s-]moi\s+(?:quelqu'un|qqn|une\s+personne)\s+qui\b"
    r"|\bparler\s+(?:a|avec)\s+(?:la\s+personne|celui|celle)\s+qui\s+s'occupe\b"
    r"|\b(?:geben\s+sie|gib|gebt)\s+mir\s+(?:bitte\s+|mal\s+)*(?:jemanden|einen\s+menschen|einen\s+mitarbeiter\w*)\b"
    r"|\b(?:sprechen|reden)\s+mit\s+(?:dem|der|jemandem),?\s+(?:der|die)\s+(?:\S+\s+){0,3}?zustandig\b"
    r"|\b(?:me\s+passa|me\s+passe|me\s+coloca|me\s+coloque|passa[\s-]me)\s+(?:para\s+|com\s+)?(?:alguem|uma\s+pessoa)\s+que\b"
    r"|\bfalar\s+com\s+quem\s+(?:cuida|trata|e\s+responsavel|entende)\b"
    # escalated to someone senior: "escálalo a un responsable", "examinée par un responsable, merci d'escalader"
    r"|\bescala(?:lo|la)\b|\b(?:merci\s+d'|veuillez\s+|pouvez[\s-]vous\s+|pourriez[\s-]vous\s+)escalader\b"
    r"|\bescalader\s+(?:mon|ma|ce|cette|le|la)\s+(?:dossier|demande|reclamation|ticket|cas|probleme)\b"
    r"|\b(?:que|afin\s+que|pour\s+que)\s+(?:\S+\s+){0,4}?(?:soit|soient|sera)\s+(?:examine\w*|traite\w*|regarde\w*|revu\w*|vue?s?)"
    r"\s+par\s+un\s+(?:responsable|superieur|manager)\b"
    r"|\bescal(?:ar|em|e)\s+(?:isso|o\s+(?:meu\s+)?caso|para\s+um)\b"
    # still waiting for the person promised: "still waiting for the agent??", "warte immer noch auf den mitarbeiter",
    # "ainda to esperando o atendente", "sigo esperando al agente", "j'attends toujours le conseiller"
    r"|\bstill\s+waiting\s+(?:for|on)\s+(?:the|an|a|your)\s+(?:agent|person|human|rep\w*|operator|advisou?r)\b"
    r"|\b(?:sigo|estoy|sigo\s+aun)\s+esperando\s+(?:al|a\s+un|a\s+la|a\s+una)\s+(?:agente|asesor\w*|persona|operador\w*)\b"
    r"|\b(?:j'attends|attends|on\s+attend)\s+toujours\s+(?:le|l'|un|une)\s*(?:conseiller\w*|agent|operat\w*|humain|personne)\b"
    r"|\bwarte\w*\s+(?:\S+\s+){0,2}?(?:immer\s+)?noch\s+auf\s+(?:den|die|einen|eine)\s+(?:mitarbeiter\w*|berater\w*|menschen)\b"
    r"|\b(?:to|tou|estou|continuo)\s+(?:\S+\s+)?esperando\s+(?:o|a|um|uma)\s+(?:atendente|agente|pessoa|humano)\b"
    # (a ninth blind probe, stop 57) the person awaited, asked after again: "toujours en attente du conseiller ??",
    # "ainda esperando o atendente??", "todavía esperando al agente", "immer noch kein mitarbeiter da?", "still no agent?"
    r"|\btoujours\s+en\s+attente\s+(?:du|d'un|d'une|de\s+l'|de\s+la)\s*(?:conseiller\w*|agent|operat\w*|humain|personne)\b"
    r"|\b(?:ainda|segue|sigo)\s+(?:\S+\s+)?(?:esperando|aguardando|a\s+espera\s+d[oa]|a\s+aguardar)\s+(?:o\s+|a\s+|um\s+|uma\s+|pel[oa]\s+)?"
    r"(?:atendente|agente|pessoa|humano|assistente|consultor\w*)\b"
    r"|\b(?:todavia|aun)\s+(?:\S+\s+)?esperando\s+(?:al|a\s+la|a\s+un|a\s+una|a)\s+(?:agente|asesor\w*|persona|operador\w*|humano)\b"
    r"|\bimmer\s+noch\s+(?:kein\w*)\s+(?:mitarbeiter\w*|berater\w*|mensch\w*)\b|\bstill\s+no\s+(?:agent|human|person|rep\w*)\b"
    # a formal request to be served by someone: "Solicito que me atienda un gestor", "Solicito atendimento por um
    # colaborador", "quiero que me atienda una audioprotesista", "je demande à être reçu par un conseiller"
    r"|\bsolicit[oa]\s+(?:que\s+me\s+(?:atienda|atiendan|atenda|atendam)|ser\s+atendid[oa]|atencion\s+(?:de|por)|atendimento"
    r"|hablar\s+con|falar\s+com)\b"
    r"|\b(?:quiero|quisiera|necesito|prefiero)\s+que\s+me\s+(?:atienda|atiendan|llame|llamen)\s+(?:un|una|el|la|alguien|algun\w*)\b"
    r"|\b(?:quero|queria|preciso|prefiro)\s+(?:que\s+)?(?:me\s+atenda|me\s+atendam|ser\s+atendid[oa])\s+(?:por\s+)?(?:um|uma|o|a|alguem)\b"
    r"|\b(?:je\s+demande|je\s+souhaite|je\s+voudrais)\s+(?:a\s+)?etre\s+(?:recu|rappele|pris\s+en\s+charge|contacte)e?\s+par\s+(?:un|une|le|la|l')"
    # to someone senior: "quiero que esto lo revise un responsable", "que mon dossier soit remonté à un responsable",
    # "ich möchte, dass ein vorgesetzter sich das ansieht", "quero que um responsável analise isto"
    r"|\bque\s+(?:\S+\s+){0,3}?(?:lo\s+|la\s+|me\s+)?(?:revise|vea|mire|atienda|gestione)\s+(?:un|una|el|la|algun)\s+"
    r"(?:responsable|supervisor\w*|encargad[oa]|gerente|jef[ea])\b"
    r"|\b(?:remonte\w*|transmis\w*|transfere\w*|escalade\w*)\s+(?:\S+\s+){0,2}?a\s+(?:un|une|votre|mon)\s+(?:responsable|superieur|manager)\b"
    r"|\bque\s+(?:um|uma|o|a)\s+(?:responsavel|supervisor\w*|gerente|chefe)\s+(?:\S+\s+){0,1}?(?:analise|veja|olhe|trate|revise)\b"
    r"|\b(?:dass|das)\s+(?:ein|eine|der|die)\s+(?:vorgesetzte\w*|teamleiter\w*|chef\w*|verantwortliche\w*)\s+(?:\S+\s+){0,4}?"
    r"(?:ansieht|anschaut|pruft|kummert|ubernimmt)\b"
    # speaking to a named role, the wish ending the clause ("je voudrais parler à l'audioprothésiste svp", "quiero hablar
    # con la encargada", "quero falar com o técnico", "ich möchte mit dem techniker sprechen"), as in English above
    r"|\b(?:je\s+)?(?:veux|voudrais|souhaite|souhaiterais|aimerais|peux|puis-je|pourrais)\s+(?:\S+\s+)?parler\s+(?:a|avec)\s+"
    r"(?:l'|la\s+|le\s+|un\s+|une\s+|votre\s+)(?!robot|bot\b|chatbot|ia\b|assistant|machine)\w+(?:\s+(?:svp|stp|merci|s'il\s+vous\s+plait))?\W*$"
    r"|\b(?:quiero|quisiera|necesito|puedo|podria)\s+hablar\s+con\s+(?:el|la|un|una|su|vuestr[oa])\s+(?!bot\b|robot|chatbot|ia\b|asistente|maquina)\w+"
    r"(?:\s+(?:por\s+favor|porfa|porfavor))?\W*$"
    r"|\b(?:quero|queria|preciso|posso|poderia)\s+falar\s+com\s+(?:o|a|um|uma|seu|sua|vosso|vossa)\s+(?!bot\b|robo|chatbot|ia\b|assistente|maquina)\w+"
    r"(?:\s+(?:por\s+favor|pf|pfv))?\W*$"
    r"|\b(?:mochte|will|muss|kann)\s+(?:ich\s+)?(?:bitte\s+)?mit\s+(?:dem|der|einem|einer|ihrem|ihrer)\s+(?!bot\b|roboter|chatbot|ki\b|assistent|maschine)\w+"
    r"\s+(?:sprechen|reden)(?:\s+bitte)?\W*$"
    # a person there at all, in German: "ist gerade ein mensch da?", "ist überhaupt ein mitarbeiter online?"
    r"|\bist\s+(?:(?:gerade|jetzt|hier|denn|uberhaupt|heute|grad)\s+)*(?:ein|irgendein)\s+(?:echter\s+)?(?:mensch|mitarbeiter)"
    r"\s+(?:\S+\s+)?(?:da|online|erreichbar|im\s+chat)\b"
    # (a tenth blind probe, stop 58) passed on to whoever handles it: "could you pass this on to whoever handles refunds?",
    # "pásenlo a quien lleve la facturación", "transmettez à la personne qui s'occupe des factures", "an die zuständige
    # Abteilung weiterleiten", "encaminha para quem cuida disso" (not "send": documents are sent)
    r"|\b(?:pass|forward|hand)\s+(?:this|it|that|my\s+\w+|the\s+\w+)\s+(?:on\s+|over\s+|along\s+)?to\s+(?:whoever|someone|somebody"
    r"|the\s+(?:person|people|team|department)|a\s+(?:person|human|colleague))\b"
    r"|\b(?:pasar|pasarlo|pasarle|pasalo|pasad|pasenlo|paselo|trasladar\w*|reenviar\w*)\s+(?:\S+\s+){0,2}?a\s+(?:quien|la\s+persona\s+que"
    r"|alguien\s+que|el\s+(?:area|departamento)\s+de)\b"
    r"|\b(?:transmettre|transmettez|transmets|faire\s+suivre|faites\s+suivre)\s+(?:\S+\s+){0,2}?a\s+(?:qui|quelqu'un|la\s+personne"
    r"|un\s+(?:conseiller|collegue|responsable))\b"
    r"|\bweiter(?:leiten|geben)\s+an\s+(?:jemand\w*|(?:den|die)\s+zustandig\w*)|\ban\s+(?:den|die|das)\s+zustandig\w*\s+(?:\S+\s+)?weiter\w*"
    r"|\b(?:passar|passa|passe|encaminhar|encaminha|encaminhe|repassar|repassa|repasse)\s+(?:\S+\s+){0,2}?(?:para|pra)\s+(?:quem"
    r"|alguem|a\s+pessoa\s+que|o\s+responsavel)\b"
    # an answer from a person: "I'd appreciate a proper answer from someone on your team", "une vraie réponse de quelqu'un",
    # "una respuesta de verdad de alguien que sepa" (a twelfth probe, stop 58)
    r"|\b(?:answer|reply|response)\s+from\s+(?:someone|somebody|a\s+(?:real\s+)?(?:person|human)|an\s+(?:actual\s+)?(?:person|human|agent)"
    r"|one\s+of\s+your|your\s+(?:team|staff|people))\b"
    r"|\b(?:answer|reply|response)\s+(?:\S+\s+){1,2}?from\s+(?:someone|somebody|a\s+(?:real\s+)?(?:person|human))\b"
    r"|\brespuesta\s+(?:\S+\s+){0,3}?de\s+(?:alguien|una\s+persona|un\s+humano)\b|\b(?:reponse|retour)\s+(?:de\s+|d')(?:quelqu'un|une\s+(?:vraie\s+)?personne"
    r"|un\s+(?:humain|conseiller))\b|\bantwort\s+von\s+(?:jemandem|einem\s+(?:menschen|mitarbeiter))\b"
    r"|\bresposta\s+(?:\S+\s+){0,3}?de\s+(?:alguem|uma\s+pessoa|um\s+humano)\b"
    # put through or transferred to a department: "me pueden pasar con el área de facturación?", "pouvez-vous me transférer
    # au service facturation ?", "verbinden Sie mich bitte mit der Filiale", "pode me transferir pro setor financeiro?"
    r"|\bme\s+(?:pueden|puede|podes|podeis|podrian|podria|puedes)\s+(?:pasar|transferir|comunicar|derivar)\s+(?:con|a|al)\b"
    r"|\b(?:pasame|pasenme|paseme|comunicame|comuniqueme|comuniquenme|transfiereme|transfierame|derivame|deriveme|derivenme)\s+(?:con|a|al)\b"
    r"|\b(?:me\s+transferer|transferez-moi|me\s+transferez|me\s+rediriger|redirigez-moi)\s+(?:au|aux|a\s+la|a\s+l'|vers|a\s+un|a\s+une)"
    r"|\b(?:verbinden|verbinde)\s+(?:sie\s+|du\s+)?mich\b|\bstellen\s+sie\s+mich\s+(?:\S+\s+){0,3}?durch\b"
    r"|\bme\s+(?:transferir|encaminhar)\s+(?:para|pra|pro|ao|a)\b"
    # someone to serve the visitor: "es posible que me atienda alguien de la escuela?", "que alguém me atenda"
    r"|\bme\s+(?:atienda|atiendan|atenda|atendam)\s+(?:alguien|alguem|una\s+persona|uma\s+pessoa|un\s+(?:humano|asesor|agente|responsable))\b"
    r"|\b(?:alguien|alguem|una\s+persona|uma\s+pessoa)\s+(?:que\s+)?me\s+(?:atienda|atenda)\b"
    # a meeting with one of the staff: "agendar una cita con alguien de la agencia", "prendre rendez-vous avec un conseiller"
    r"|\b(?:appointment|meeting)\s+with\s+(?:someone|somebody|a\s+(?:person|member\s+of\s+(?:staff|your\s+team)))\s+(?:from|at|of|in)\b"
    r"|\bcita\s+con\s+(?:alguien|una\s+persona)\s+de\b|\brendez-vous\s+avec\s+(?:quelqu'un|une\s+personne|un\s+conseiller)\b"
    r"|\btermin\s+mit\s+(?:jemandem|einem\s+(?:mitarbeiter|berater))\b|\b(?:reuniao|horario)\s+com\s+(?:alguem|uma\s+pessoa)\s+(?:da|do|de)\b"
    # a person to reach: "how do I get hold of someone?", "comment joindre une personne ?", "jemanden erreichen"
    r"|\b(?:reach|contact|get\s+hold\s+of|get\s+through\s+to)\s+(?:a\s+(?:real\s+|live\s+)?(?:person|human|employee|staff\s+member)|someone|somebody"
    r"|an\s+(?:actual\s+)?(?:person|human|agent|employee))\b"
    r"|\b(?:joindre|contacter)\s+(?:une\s+(?:vraie\s+)?personne|quelqu'un|un\s+(?:humain|conseiller|agent|interlocuteur|employe|membre|vendeur"
    r"|collaborateur)|une\s+(?:employee|vendeuse|conseillere))\b"
    r"|\b(?:contactar(?:\s+con)?|comunicarme\s+con|localizar\s+a)\s+(?:alguien|una\s+persona|un\s+(?:humano|asesor|agente))\b"
    r"|\b(?:jemanden|einen\s+(?:menschen|mitarbeiter\w*|berater\w*))\s+(?:\S+\s+){0,3}?(?:erreichen|kontaktieren)\b"
    r"|\b(?:contactar|contatar)\s+(?:alguem|uma\s+pessoa|um\s+(?:humano|atendente))\b"
    # spoken German: "i will endlich mit am Menschen redn"
    r"|\b(?:will|mochte|mog)\s+(?:\S+\s+){0,3}?mit\s+(?:am|an|'nem)\s+(?:menschen|mitarbeiter\w*)\s+(?:\S+\s+){0,2}?(?:reden|redn|sprechen)\b"
    # someone from the team to look at it: "pls someone from support check it"
    r"|\b(?:please|pls|plz|can|could|would|need|want)\s+(?:someone|somebody|anyone|a\s+person)\s+(?:from|at|in|on)\s+(?:\S+\s+){0,2}?"
    r"(?:to\s+)?(?:check|look|help|fix|sort|handle|call|contact|review|investigate|get\s+back)\b"
    # (an eleventh blind probe, stop 58) to take it up with the person in charge: "who's responsible for the bookings? I'd
    # like to take this up with them directly", "quiero tratar esto con él directamente", "das direkt mit ihm klären"
    r"|\btake\s+(?:this|it|that|the\s+matter)\s+up\s+(?:directly\s+)?with\s+(?:them|him|her|someone|somebody|a\s+person|the\s+\w+|your\s+\w+)\b"
    r"|\btratar\s+(?:esto|eso|el\s+tema|el\s+asunto)\s+(?:directamente\s+)?con\s+(?:el|ella|alguien|una\s+persona|el\s+\w+|la\s+\w+)\b"
    r"|\b(?:regler|voir)\s+(?:ca|cela)\s+(?:directement\s+)?avec\s+(?:lui|elle|quelqu'un|le\s+\w+|la\s+\w+)\b"
    r"|\b(?:das|es)\s+(?:direkt\s+)?mit\s+(?:ihm|ihr|jemandem|dem\s+\w+|der\s+\w+)\s+(?:direkt\s+)?(?:klaren|besprechen|regeln)\b"
    r"|\btratar\s+(?:disso|isso|do\s+assunto)\s+(?:diretamente\s+)?com\s+(?:ele|ela|alguem|o\s+\w+|a\s+\w+)\b"
    # a call or a meeting with one of the staff: "can I arrange a video call with one of the coordinators?", "agendar una
    # cita presencial con la coordinadora", "marcar uma reunião com a coordenadora", "an Termin mit wem vom Lager"
    r"|\b(?:video\s*call|meeting|zoom\s+call)\s+with\s+(?:one\s+of\s+(?:your|the)\s+\w+|your\s+\w+|a\s+(?:member|staff)\b)"
    r"|\b(?:reunion|videollamada|entretien|appel\s+video|visio|reuniao|videochamada|chamada\s+de\s+video)\s+(?:presencial\s+)?"
    r"(?:con|avec|com)\s+(?:el|la|le|l'|o|a|uno\s+de|una\s+de|un\s+de|une\s+de|um\s+dos|uma\s+das|algun\w*|su|votre|seu|sua)\s*\w+"
    r"|\btermin\s+mit\s+(?:wem|jemandem)\s+(?:\S+\s+)?(?:vom|von|aus|bei)\b"
    # ... a call or a consultation with someone, to talk it over
    r"|\b(?:call|appointment|llamada|horario|consulta)\s+(?:presencial\s+)?(?:with|con|avec|com)\s+(?:\S+\s+){1,4}?"
    r"(?:to\s+(?:discuss|talk|go\s+over|review)|para\s+(?:ver|hablar|revisar|discutir|comentar|falar|conversar)|pra\s+(?:falar|conversar|ver)"
    r"|pour\s+(?:parler|discuter|faire\s+le\s+point))\b"
    # one of the staff to talk with: "¿podría hablar con uno de los monitores?", "parler à un prof de l'école",
    # "kann ich mit einer Lehrerin vom Yogastudio sprechen?", "falar com um dos professores"
    r"|\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:one\s+of\s+(?:your|the)\s+\w+|(?:a|an)\s+\w+\s+(?:from|at)\s+(?:your|the)\s+\w+)"
    r"|\bhablar\s+con\s+(?:uno|una|alguno|alguna)\s+de\s+(?:los|las|sus|vuestros|vuestras)\s+\w+"
    r"|\b(?:voudrais|veux|souhaite|souhaiterais|aimerais|possible\s+de|peux|puis-je|pourrais)\s+(?:\S+\s+)?parler\s+(?:a|avec)\s+(?:un|une)\s+\w+"
    r"\s+(?:de|du|des|chez|de\s+la|de\s+l')\b"
    r"|\b(?:kann|konnte|mochte|will|darf)\s+(?:ich\s+)?(?:bitte\s+)?(?:auch\s+)?mit\s+(?:einem|einer|dem|der)\s+\w+\s+(?:vom|von\s+der|von\s+dem|aus\s+dem|im|bei)"
    r"\s+(?:\S+\s+){0,3}?(?:sprechen|reden)\b"
    r"|\b(?:quero|queria|posso|poderia|gostaria\s+de)\s+falar\s+com\s+(?:um|uma|algum|alguma)\s+d[oa]s\s+\w+"
    # put through in French: "passe-moi quelqu'un", "passez-moi la responsable"
    r"|\b(?:passe|passez)-moi\s+(?:quelqu'un|qqn|un\s+\w+|une\s+\w+|le\s+\w+|la\s+\w+|l'\w+|votre\s+\w+)"
    # a person to reach, in German word order: "Wie erreiche ich jemanden vom Kundenservice?"
    r"|\berreiche\s+ich\s+(?:jemand\w*|einen\s+(?:menschen|mitarbeiter\w*|berater\w*)|eine\s+(?:person|mitarbeiterin|beraterin))\b"
    # passed on, with more words between: "Agradecia que encaminhassem o meu pedido para quem trata das reservas"
    r"|\b(?:encaminh\w*|repass\w*)\s+(?:\S+\s+){0,3}?(?:para|pra|a)\s+(?:quem|alguem|a\s+pessoa\s+que|o\s+responsavel)\b"
    # (a twelfth blind probe, stop 58) raised with the person in charge: "I'd like this raised with them directly"
    r"|\b(?:raise|raised)\s+(?:(?:this|it|the\s+matter)\s+)?(?:directly\s+)?with\s+(?:them|him|her|someone|somebody|a\s+person|the\s+\w+|your\s+\w+)\b"
    # one of the team to go over it: "is it possible to have one of your team go over my invoice with me?"
    r"|\b(?:have|get|ask)\s+(?:one\s+of\s+your\s+(?:team|staff|people|colleagues|employees)|someone\s+(?:from|on|in)\s+your\s+\w+)\s+(?:to\s+)?"
    r"(?:go\s+over|look|check|call|review|help|explain|contact|ring)\b"
    # a person of the team to look at it: "es posible que una persona del equipo revise la foto?", "qu'une personne de
    # l'équipe vérifie ma facture", "que alguém da equipa veja", "dass jemand aus dem Team das prüft"
    r"|\bque\s+(?:alguien|una\s+persona|alguem|uma\s+pessoa)\s+(?:(?:de|del|da|do)\s+(?:\S+\s+){0,3}?)?(?:revise|mire|vea|compruebe|verifique"
    r"|atienda|veja|analise|olhe|me\s+ayude|me\s+ajude)\b"
    r"|\bqu(?:'|e\s+)(?:une\s+personne|quelqu'un|un\s+conseiller|un\s+membre)\s+(?:de\s+(?:\S+\s+){0,3}?)?(?:verifie|regarde|examine|s'occupe"
    r"|m'aide)\b"
    r"|\b(?:dass|das)\s+(?:jemand|eine\s+person)\s+(?:(?:vom|aus\s+dem|von)\s+\S+\s+)?(?:\S+\s+){0,3}?(?:pruft|ansieht|anschaut|nachschaut)\b"
    # a number to reach someone: "un numéro pour joindre le ramoneur directement ?", "eine Telefonnummer, wo man wen
    # erreicht?", "id rather just call"
    r"|\bnumero\s+(?:de\s+telephone\s+|de\s+telefono\s+|de\s+telefone\s+)?(?:pour|para|pra)\s+(?:joindre|contacter|appeler|llamar|contactar"
    r"|hablar\s+con|ligar|falar\s+com)\s+(?:le|la|l'|un|une|el|al|a|o|quelqu'un|alguien|alguem)"
    r"|\btelefonnummer\w*\s*,?\s+(?:wo|unter\s+der)\s+(?:man|ich)\s+(?:wen|jemand\w*|einen\s+\w+)\s+erreich\w*"
    r"|\b(?:i'?d|id|i\s+would)\s+rather\s+(?:just\s+)?(?:call|phone|ring)\b"
    # an appointment to talk it over, in German: "einen Termin mit der Planerin ausmachen, um die Location zu besprechen"
    r"|\btermin\s+mit\s+(?:\S+\s+){1,6}?(?:ausmachen|vereinbaren|machen)\s*,?\s+um\s+(?:\S+\s+){0,4}?zu\s+besprechen\b")


# A call asked for: only a person calls back. "Could someone call me back?", "please ring me", "I'd like a
# callback", "quelqu'un pourrait me rappeler ?", "¿pueden llamarme?", "kann mich jemand zurückrufen?", "podem me
# ligar?". A wish or a request comes first ("why did you call me?" asks none).
_CALL_ME = re.compile(
    r"\b(?:can|could|would|will|please|pls|want|need|like|may)\s+"
    # (not someone who comes to the visitor: "can the driver call me when he's outside?", probe F)
    r"(?!(?:the|your|my|a)\s+(?:driver|courier|rider|delivery\s+\w+|doctor|vet|landlord|neighbou?r|nurse|plumber|installer)\b)"
    r"(?:\S+\s+){0,6}?(?:call|ring|phone)\s+me\b"
    # "Could I get a phone call from your team?" was asked for an email (trial of 4 Dec)
    r"|\b(?:like|want|need|request|get|arrange|book|schedule|have|receive)\s+(?:a\s+)?(?:phone\s+|quick\s+)?"
    r"(?:call\s*back|callback|call\s+from|call(?=\s*(?:please|pls)?\s*[?.!]*$))\b|\bgive\s+me\s+a\s+(?:call|ring)\b"
    r"|\b(?:pourr?(?:ait|iez|aient)|peu[tx]|peuvent|pouvez|voudrais|souhaite|souhaiterais|merci\s+de)\s+(?:\S+\s+){0,4}?"
    r"(?:me\s+rappeler|m'appeler|me\s+telephoner)"
    r"|\b(?:puede\w*|podri\w*|quiero|quisiera|necesito|por\s+favor)\s+(?:\S+\s+){0,4}?"
    r"(?:llamarme|me\s+llam(?:e|en|a|as)\b|devolverme\s+la\s+llamada)"
    # ("kann mich jemand nach 17 uhr zurückrufen?", "rufen sie mich bitte morgen vormittag an": an eighth blind probe, stop 56)
    r"|\b(?:kann|konnen|konnte\w*|bitte|mochte)\s+(?:\S+\s+){0,6}?(?:zuruckrufen|anrufen)\b"
    r"|\brufen\s+sie\s+mich\s+(?:\S+\s+){0,4}?(?:zuruck|an)\b"
    # (a fifth blind probe, stop 55) "ich hätte gern dass mich jemand vom service anruft"
    r"|\b(?:dass|das)\s+mich\s+(?:\S+\s+){0,4}?(?:anruft|zuruckruft|anrufen|zuruckrufen)\b"
    r"|\b(?:dass|das)\s+(?:jemand|wer|ein\w*)\s+(?:\S+\s+){0,3}?mich\s+(?:\S+\s+){0,2}?(?:anruft|zuruckruft)\b"
    r"|\b(?:pode\w*|poderi\w*|quero|queria|preciso|por\s+favor)\s+(?:\S+\s+){0,4}?(?:me\s+ligar|ligar\s+para\s+mim|retornar\s+a\s+ligacao)"
    # "Ich hätte gern einen Rückruf" got the returns article, "¿Me podéis llamar?", "Pouvez-vous me rappeler ?", "Podem
    # ligar-me?" nothing (trial of 4 Dec)
    r"|\b(?:hatte|mochte|will|brauche|bitte\s+um|wunsche)\s+(?:\S+\s+){0,2}?ruckruf\b|\bruckruf\s+bitte\b"
    r"|\bme\s+(?:pueden|puede|podeis|podrian|podria|podrias|puedes)\s+(?:llamar|marcar)\b|\bllamadme\b|\bmarcarme\b"
    r"|\b(?:alguem|alguien|quelqu'un|qqn|qq'un)\s+(?:\S+\s+){0,5}?me\s+(?:ligue|liguem|ligasse|ligassem|llame|llamen|llamara|llamaran"
    r"|llamase|rappelle|telephone)\b"
    r"|\bme\s+(?:llame|llamen|ligue|liguem|rappelle)\s+(?:alguien|alguem|quelqu'un|qqn|un\s+\w+|una\s+\w+|um\s+\w+|uma\s+\w+)\b"
    r"|\b(?:prefiero|prefiro|je\s+prefere)\s+(?:que\s+|qu'on\s+)(?:me\s+(?:llamen|llame|liguem|ligue|rappelle)|m'appelle)\b"
    r"|\bde\s+vive\s+voix\b|\brappel\s+telephonique\b|\betre\s+rappelee?\b"
    r"|\bme\s+faire\s+rappeler\b|\b(?:podem|pode|poderiam|poderia)-me\s+ligar\b"
    r"|\b(?:pouvez|pourriez|peux|pourrais)[\s-](?:vous|tu)\s+me\s+(?:rappeler|telephoner|appeler)\b|\brappelez[\s-]moi\b"
    r"|\b(?:podem|pode|podiam|podia|poderiam|poderia)\s+(?:\S+\s+){0,3}?ligar[\s-]me\b|\bliguem[\s-]me\b"
    # "Pouvez-vous m'appeler ?", "qu'un conseiller me téléphone", "lieber telefonisch", "de preferência por telefone"
    # were asked for an email (re-trial of 4 Dec); said with a request for a person, "by phone" is a call
    r"|\b(?:pouvez|pourriez|peux|pourrais)[\s-](?:vous|tu)\s+m'(?:appeler|rappeler)\b|\bqu(?:'|e\s+)(?:\S+\s+){0,3}?me\s+(?:telephone|rappelle|appelle)\b"
    r"|\b(?:lieber|am\s+liebsten|gern|gerne)\s+(?:\S+\s+){0,2}?(?:telefonisch|am\s+telefon|per\s+telefon)\b"
    r"|\b(?:de\s+preferencia|preferencialmente|prefiro)\s+(?:\S+\s+){0,2}?(?:por|ao)\s+telefone\b"
    r"|\b(?:preferiblemente|prefiero|mejor)\s+(?:\S+\s+){0,2}?(?:por|al)\s+telefono\b"
    r"|\b(?:de\s+preference|plutot|je\s+prefere)\s+(?:\S+\s+){0,2}?(?:par|au)\s+telephone\b"
    r"|\b(?:preferably|rather|prefer(?:\s+it)?)\s+(?:\S+\s+){0,2}?(?:by|over\s+the|on\s+the)\s+phone\b"
    # (a ninth blind probe, stop 57) told, not asked, at the start of what they say: "ring me after 5 pls", "llámame mañana
    # por la mañana", "ruf mich bitte heute ab 18 uhr an", "me liga amanhã depois do almoço", "appelez-moi demain"
    r"|^(?:(?:ok|okay|hi|hey|hello|so|just|please|pls|plz|hola|vale|porfa|bonjour|salut|hallo|oi|ola|bitte)\W+)*"
    # (not a name to be called by: "call me steve !", an external train row)
    r"(?:(?:call|ring|phone)\s+me(?!\s+(?:a|an|the)\b)"
    r"(?!\s+(?!back\b|now\b|asap\b|pls\b|please\b|plz\b|today\b|tomorrow\b|tonight\b|later\b|soon\b)[a-z]+\W*$)|give\s+me\s+a\s+(?:call|ring|bell)|llamame|llameme|llamenme|marcame"
    r"|(?:appelle|appelez|rappelle|telephonez)[\s-]moi|ruf\s+mich\s+(?:\S+\s+){0,6}?(?:an|zuruck)|me\s+(?:liga|ligue|liguem)"
    r"|(?:liga|ligue|liguem)[\s-]me)\b"
    # to call the team: "can I call you?", "¿os puedo llamar?", "je peux vous appeler ?", "kann ich euch anrufen?",
    # "posso ligar para vocês?" (not "posso ligar o aparelho?": "ligar" also switches on)
    r"|\b(?:can|could|may)\s+i\s+(?:call|ring|phone)\s+(?:you|your\s+(?:team|office|support|staff))\b"
    r"|\b(?:os|le|les)\s+(?:puedo|podria)\s+llamar\b|\b(?:puedo|podria)\s+llamar(?:os|le|les)\b"
    r"|\b(?:je\s+peux|puis-je|pourrais-je|est-ce\s+que\s+je\s+peux)\s+vous\s+(?:appeler|telephoner)\b"
    r"|\bkann\s+ich\s+(?:euch|sie|dich)\s+(?:\S+\s+)?anrufen\b"
    r"|\b(?:posso|poderia)\s+(?:ligar[\s-](?:vos|lhes)|ligar\s+(?:para|pra)\s+(?:voces|vcs|vc|voce|a\s+loja|a\s+equipe|a\s+equipa))\b"
    # rather told to someone: "prefiero explicárselo a alguien por teléfono", "I'd rather explain it to someone"
    r"|\b(?:prefiero|prefiro|je\s+prefere|i'?d\s+rather|i\s+would\s+rather|i\s+prefer\s+to|lieber)\s+(?:\S+\s+){0,3}?"
    r"(?:a\s+alguien|a\s+alguem|a\s+quelqu'un|to\s+(?:someone|somebody|a\s+person)|jemandem)\b")


def asks_for_a_call(text: str) -> bool:
    """The message asks to be called ("could someone call me back?"): the team needs a number, not an email."""
    return _in_a_clause_without_negation(_CALL_ME, text)


# "what's your phone number?", "¿cuál es vuestro teléfono?", "quel est votre numéro de téléphone ?", "Wie ist Ihre
# Telefonnummer?", "qual é o vosso número de telefone?": the shop's number asked for, not a number given
_OUR_PHONE = re.compile(
    r"\b(?:your|ur|the\s+support|the\s+customer\s+service|a\s+contact)\s+(?:phone|telephone|contact|hotline)?\s*"
    r"(?:number|line)\b|\bnumber\s+(?:i\s+can|to)\s+call\b|\bphone\s+number\s+(?:for|of)\s+(?:you|support|customer)"
    r"|\b(?:vuestro|su|tu|el)\s+(?:numero\s+de\s+)?telefono(?:\s+de\s+(?:contacto|atencion))?\b(?=.*\?)"
    r"|\btelefono\s+de\s+(?:contacto|atencion)\b"
    r"|\bvotre\s+numero(?:\s+de\s+telephone)?\b|\bnumero\s+de\s+telephone\s+(?:du\s+service|de\s+contact)"
    r"|\b(?:ihre|eure|deine)\s+(?:telefonnummer|nummer|hotline)\b|\bhotline\b"
    r"|\b(?:vosso|seu|o)\s+(?:numero\s+de\s+)?telefone(?:\s+de\s+contacto)?\b(?=.*\?)|\btelefone\s+de\s+contacto\b")


def asks_for_our_phone(text: str) -> bool:
    """The message asks for the shop's phone number (a question, with no number of its own in it)."""
    norm = normalize(text)
    return "?" in text and not re.search(r"\d{3}", text) and bool(_OUR_PHONE.search(norm))


def asks_for_someone_else(kept: str) -> bool:
    """What the rules leave of a message asks for someone else, someone to talk to, a department or a call."""
    return _in_a_clause_without_negation(_ELSEWHERE, kept) or _in_a_clause_without_negation(_CALL_ME, kept)


# Being put through, asked again while a person is awaited: "why do you need it? just put me through", "connect me
# to someone now", "pásame con alguien", "passez-moi un conseiller", "verbinden Sie mich", "me transfere".
_PUT_THROUGH = re.compile(
    r"\b(?:put|get)\s+me\s+through\b|\b(?:connect|transfer|forward|pass)\s+me\s+(?:to|with|on|through)\b"
    r"|\b(?:pasame|pasenme|paseme|comunicame|transfiereme)\b|\bpassez-moi\b|\bpasse-moi\b|\bme\s+(?:passer|transferer)\b"
    r"|\bverbinden\s+sie\s+mich\b|\bstellen\s+sie\s+mich\s+durch\b|\bme\s+(?:transfere|transfira|passa|passe)\s+(?:para|pra)\b")


def asks_to_be_put_through(text: str) -> bool:
    """The message asks to be put through to a person, or for a real one, in a clause without a negation."""
    return _in_a_clause_without_negation(_PUT_THROUGH, text) or asks_for_a_real_person(text)


# "I want to talk to a human", "quero falar com uma pessoa", "je veux parler à un humain": said again while a person
# is awaited, it asks where the handoff stands (re-trial of 3 Dec: it got no answer at all). Only there: the
# detector reads such wishes with its classifier.
_TALK_TO_SOMEONE = re.compile(
    r"(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|some\s+|the\s+)?(?:real\s+|live\s+)?"
    r"(?:human|person|agent|someone|somebody|representative|operator)"
    r"|hablar\s+con\s+(?:una\s+persona|un\s+humano|un\s+agente|alguien|un\s+asesor)"
    r"|parler\s+(?:a|avec)\s+(?:un\s+humain|une\s+personne|un\s+agent|quelqu'un|un\s+conseiller)"
    r"|mit\s+(?:einem\s+menschen|einer\s+person|jemandem|einem\s+mitarbeiter|einem\s+berater)\s+(?:sprechen|reden)"
    r"|falar\s+com\s+(?:uma\s+pessoa|um\s+humano|um\s+atendente|alguem|um\s+agente)")


def asks_to_talk_to_someone(text: str) -> bool:
    """A clause without a negation wishes to talk to a person ("I want to talk to a human")."""
    return _in_a_clause_without_negation(_TALK_TO_SOMEONE, text)


@lru_cache(maxsize=256)  # asked by the detector, what it re-reads and the dissatisfaction check, per message
def asks_if_someone_is_there(text: str) -> bool:
    """A sentence of the message asks whether a person is there at all ("Is anyone there?",
    "Il y a quelqu'un ?"), or whether nobody is ("is there nobody who can help me?"); every language's wording is
    tried, as a short question's language is often misread."""
    # (not "is this automated or is someone actually reading these", which asks what the assistant is)
    folded = [part for part in map(fold_in_place, sentences(text)) if not asks_human_or_bot(part)]
    return any(pattern.search(part) for part in folded for pattern in _SOMEONE_THERE.values()) or any(
        _NOBODY_THERE.search(part) and not _ANYONE_ELSE.search(part) for part in folded if part.rstrip().endswith("?"))


@dataclass(frozen=True)
class Clauses:
    """A message cut at its clause boundaries, with the clauses the rules take out."""

    kept: str  # the message without the declining and bot-question clauses and the payments
    negated: tuple[str, ...]  # clauses that decline a person ("I don't need an agent")
    bot_questions: tuple[str, ...]  # clauses asking whether the assistant is a bot
    payments: tuple[str, ...] = ()  # money sent to someone ("transfer money to a person")
    hiring: tuple[str, ...] = ()  # staff to be hired ("are you hiring agents?")
    thanks: tuple[str, ...] = ()  # staff thanked ("I want to thank the agent who helped me")
    other_senses: tuple[str, ...] = ()  # people added to an account, human resources

    @property
    def changed(self) -> bool:
        return bool(self.negated or self.bot_questions or self.payments or self.hiring or self.thanks
                    or self.other_senses)


def fold_in_place(text: str) -> str:
    """Lower case without accents, one character for one (so positions map back to the text)."""
    out = []
    for ch in text.replace("\u2019", "'").replace("\u2018", "'"):
        base = unicodedata.normalize("NFD", ch)[0].lower()
        out.append(base if len(base) == 1 else ch)
    return "".join(out)


# (a fifth blind probe, stop 55) a wish after another verb ends what a negation governs: in "vc não entende nada 🤦 quero
# um humano" the "não" is about understanding and "quero um humano" asks (not "I don't think I want an agent").
_WISH = frozenset([*_WISHING.split("|"), "queria", "quisiera"])
_BEFORE_A_WISH = frozenset("i je j' ich yo eu really even just realmente wirklich vraiment to do".split())
# ... and a wish before the negation is the decline's: "ich brauch keinen mitarbeiter" (the rest, "ich brauch", read
# as a need, 0.52), "je veux pas de conseiller"
_WISH_BEFORE = re.compile(rf"(?:\b(?:i|ich|je|yo|eu)\s+)?\b(?:brauch\w*|{_WISHING})\s*$")  # (spoken "ich brauch")


def _wish_after_another_verb(gap: str) -> bool:
    """ "não entende nada quero um humano"; and a wish with its own object then a new one: "i dont want a link i want a
    real person" (a seventh blind probe, stop 55)."""
    words = gap.split()
    return any(k >= 2 and word in _WISH and (words[k - 1] not in _BEFORE_A_WISH or words[0] in _WISH)
               for k, word in enumerate(words))


def _declining_spans(clause: str, lang: str) -> list[tuple[int, int]]:
    """Where `clause` (folded) declines a person: from the wish or negation to the person it governs."""
    if lang == "fr" and _NEGATED_FR_PERSONNE.search(clause):
        return [(0, len(clause))]
    if lang in _WANTS_NOBODY and _WANTS_NOBODY[lang].search(clause):
        return [(0, len(clause))]
    patterns = [_NEGATED[lang]] if lang in _NEGATED else list(_NEGATED.values())
    spans = []
    for pat in patterns:
        for m in pat.finditer(clause):
            gap = m.group("gap") or ""
            if (not _BOT_WORD.search(gap) and not _NOT_A_REFUSAL.search(gap)  # "don't want a bot, I want a human"
                    and not _wish_after_another_verb(gap)):
                wish = _WISH_BEFORE.search(clause[:m.start()])
                spans.append((wish.start() if wish else m.start(), m.end()))
    return spans


# A person someone else told the visitor to ask for, when the visitor says the assistant can do it (a third blind
# probe, stop 54): "mi esposa dice que pida hablar con el gerente pero yo creo que tu me puedes ayudar", "my wife said I
# should ask for a manager but I think you can do it". Without "but you can", the suggestion may be theirs too.
_REPORTED = re.compile(rf"\b(?:said|says|told\s+me|suggested|dice|dijo|me\s+dijo|dicen|dit|m'a\s+dit|disent|sagt|meint|meinte|sagte"
                       rf"|disse|diz|falou)\b(?:\s+\S+){{0,8}}?\s+(?:{_PERSON}|superviseur|gerant|chef|vorgesetzt\w*|filialleiter\w*)\b")
_YOU_CAN_DO_IT = re.compile(
    r"\b(?:but|pero|mais|aber|mas|porem)\s+(?:\S+\s+){0,4}?(?:you\s+(?:can|could)|tu\s+(?:me\s+)?puedes|usted\s+(?:me\s+)?puede"
    r"|vous\s+(?:me\s+)?(?:pouvez|pourriez)|tu\s+(?:me\s+)?(?:peux|pourrais)|du\s+(?:kannst|konntest)|sie\s+(?:konnen|konnten)"
    r"|(?:voce|vc|tu)\s+(?:me\s+)?(?:pode|podes|consegue))\b")


# The engine and the detector ask for the same message's clauses (what it declines, thanks, asks):
# computed once per message and language (Clauses is immutable).
@lru_cache(maxsize=256)
def split_clauses(text: str, lang: str) -> Clauses:
    kept: list[str] = []
    negated: list[str] = []
    bot_questions: list[str] = []
    payments: list[str] = []
    hiring: list[str] = []
    thanks: list[str] = []
    other_senses: list[str] = []
    reported = _YOU_CAN_DO_IT.search(fold_in_place(text)) is not None
    # (a thanks signing off is no praise: "could you pass this on to whoever handles refunds? thx", stop 58)
    praised = _PRAISE.search(_SIGNING_OFF.sub("", fold_in_place(text))) is not None
    for raw in _CLAUSE_SPLIT.split(text):
        clause = raw.strip()
        if not clause:
            continue
        folded = fold_in_place(clause)
        if _BOT_QUESTION.search(folded) or asks_human_or_bot(folded):
            bot_questions.append(clause)
            continue
        spans = [(start, end, negated) for start, end in _declining_spans(folded, lang)]
        spans += [(m.start(), m.end(), payments) for m in _PAYMENT.finditer(folded)]
        spans += [(m.start(), m.end(), hiring) for m in _HIRING.finditer(folded)]
        spans += [(m.start(), m.end(), thanks) for m in _THANKS.finditer(folded)]
        spans += [(m.start(), m.end(), thanks) for m in _PASSED_ON.finditer(folded)]
        if praised:
            spans += [(m.start(), m.end(), thanks) for m in _PASSED_ON_PRONOUN.finditer(folded)]
        spans += [(m.start(), m.end(), other_senses) for m in _OTHER_SENSES.finditer(folded)]
        if reported:
            spans += [(m.start(), m.end(), other_senses) for m in _REPORTED.finditer(folded)]
        if not spans:
            kept.append(clause)
            continue
        rest, last = [], 0
        for start, end, taken in sorted(spans):
            if start >= last:
                taken.append(clause[start:end])
                rest.append(clause[last:start])
                last = end
        rest.append(clause[last:])
        remainder = " ".join(" ".join(rest).split())
        if len(remainder.split()) >= 2:
            kept.append(remainder)
    return Clauses(", ".join(kept), tuple(negated), tuple(bot_questions), tuple(payments), tuple(hiring),
                   tuple(thanks), tuple(other_senses))


_NAMES_A_PERSON = re.compile(rf"\b(?:{_PERSON})\b")


def names_a_person(text: str) -> bool:
    """A word for someone to be handed to ("agent", "alguien", "Mitarbeiter") or for handing over."""
    return bool(_NAMES_A_PERSON.search(fold_in_place(text)))


def asked_besides(text: str) -> str:
    """The sentences of a message that ask something of their own beside a request for a person, naming nobody and
    not whether anyone is there ("Do you accept PayPal? Also I want to talk to someone": "Do you accept PayPal?"); ""
    when there are none, or the message is one sentence."""
    parts = sentences(text)
    if len(parts) < 2:
        return ""
    return " ".join(part for part in parts
                    if part.rstrip().endswith("?") and not names_a_person(part) and not asks_if_someone_is_there(part))
