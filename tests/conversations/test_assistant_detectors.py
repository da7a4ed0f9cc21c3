"""The assistant's detectors on hand-written cases (pure: no database, no Django)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conversations.assistant import Assistant, KnowledgeIndex, Topic, Turn
from conversations.assistant.extract import extract_field, validate_field
from conversations.assistant.phrases import KEYS, phrase, waiting_time
from conversations.assistant.text import detect_language, spelt_out, unshouted

CHECKSET = Path(__file__).resolve().parents[2] / "conversations/assistant/checksets/human_request_multilingual.jsonl"


@pytest.fixture(scope="module")
def bot() -> Assistant:
    return Assistant(KnowledgeIndex())


# --- human request ---------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "I want to talk to a human",
    "Can I speak with a real person please?",
    "human please",
    "agent",
    "transfer me to a representative",
    "I don't want to talk to a bot, I want a human",
    "I do not know how to speak with an agent",  # "don't know how" is not a negated request
    "Quiero hablar con una persona",
    "Je veux parler à un conseiller",
    "Kann ich mit einem Mitarbeiter sprechen?",
    "Quero falar com um atendente",
])
def test_human_request_fires(bot: Assistant, text: str) -> None:
    signal = bot.analyze(text).human_request
    assert signal.fired, signal
    assert signal.evidence


@pytest.mark.parametrize("text", [
    "I don't need a human, just tell me the price",
    "No need for an agent, I found it myself",
    "What are your customer service hours?",
    "The delivery person left my parcel at the wrong door",
    "Someone used my card without permission",
    "No necesito hablar con nadie, solo dime el precio",
    "Je n'ai pas besoin d'un humain, donnez-moi juste le prix",
    "Ich brauche keinen Mitarbeiter, nur den Preis",
    "Não preciso de um humano, só me diga o preço",
])
def test_human_request_does_not_fire(bot: Assistant, text: str) -> None:
    signal = bot.analyze(text).human_request
    assert not signal.fired, signal


@pytest.mark.parametrize("text, language", [
    ("is there someone who could check my booking instead of sending me links", "en"),
    ("hay alguien que me pueda ayudar con la factura de verdad?", "es"),
    ("est-ce qu'il y a quelqu'un qui peut traiter mon dossier ?", "fr"),
    ("je voudrais échanger avec un conseiller au sujet de mon contrat", "fr"),
    ("necesito hablar con un asesor sobre mi seguro", "es"),
    ("ich möchte das lieber mit einem Mitarbeiter besprechen", "de"),
    ("queria falar com um consultor sobre a minha apólice", "pt"),
    ("pouvez-vous me mettre en relation avec le service client ?", "fr"),
    ("könnten Sie mich bitte mit der Buchhaltung verbinden?", "de"),
    ("me passa pro setor de cobrança por favor", "pt"),
    ("Kundenberater bitte, danke", "de"),
    ("gibts bei euch jemanden, der sich meinen Vertrag anschauen kann?", "de"),
    ("kann ich mit einer Beraterin aus der Filiale schreiben?", "de"),
    ("honestly I just need a customer support agent", "en"),
    ("I'd prefer to sort out the invoice with one of your people", "en"),
    ("I have to talk to the branch manager about what happened at the till", "en"),
    ("would it be possible to speak with an advisor this afternoon?", "en"),
    ("is anybody from the billing department around right now?", "en"),
    ("I want whoever handles refunds to contact me about this", "en"),
    ("is there someone at your head office who can sort out my account because the app doesn't work", "en"),
    ("¿es posible hablar con el encargado de la sucursal?", "es"),
    ("me gustaría que alguien revisara la factura porque no me cuadra", "es"),
    ("deseo ser atendido por un asesor, gracias", "es"),
    ("serait-il possible de parler au responsable du magasin ?", "fr"),
    ("je demande à être mise en relation avec une conseillère", "fr"),
    ("ich bräuchte jemanden von euch persönlich für die Kündigung", "de"),
    ("tem como falar com o responsável da agência?", "pt"),
    ("vocês têm um chat com atendente de verdade?", "pt"),
    ("preciso que alguém me ligue hoje ainda", "pt"),
    # (a fourth blind probe, stop 54)
    ("this bot is hopeless. i want a person now", "en"),
    ("Ihr Bot versteht nichts, holen Sie mir bitte jemanden", "de"),
    ("could we schedule a call with someone from your billing team on monday?", "en"),
    ("I'd like someone senior to look at this decision", "en"),
    ("quiero que un funcionario revise mi recurso, no un formulario", "es"),
    ("je préfère téléphoner et avoir quelqu'un au bout du fil", "fr"),
    ("gibt es eine Telefonnummer, unter der man einen Menschen erreicht?", "de"),
])
def test_indirect_requests_for_a_person_fire(bot: Assistant, text: str, language: str) -> None:
    """Blind probes written by sessions that never saw the detector (stops 53 and 54): someone there who can help, a
    wish to talk with an adviser, being put in touch with a department, a role asked for (the store manager, the claims
    handler), a possibility asked, formal letters, someone to contact the visitor, a negation after the request in its
    clause, in five languages, were missed."""
    signal = bot.analyze(text, language=language).human_request
    assert signal.fired, signal


@pytest.mark.parametrize("text, language", [
    ("ok, I'll wait for the agent", "en"),
    ("vale, espero a la asesora", "es"),
    ("d'accord, j'attends le conseiller", "fr"),
    ("gut, dann warte ich auf die Mitarbeiterin", "de"),
    ("tá bom, aguardo o atendente", "pt"),
    ("the rep I chatted with this morning solved everything, thanks", "en"),
    ("ya hablé con el agente y me lo arregló todo", "es"),
    ("le conseiller m'a rappelé hier, tout est réglé", "fr"),
    ("a consultora ajudou muito ontem, obrigado", "pt"),
    ("chatte ich hier gerade mit einem echten Menschen?", "de"),
    ("tô conversando com uma pessoa ou é um robô?", "pt"),
    ("how can I contact the driver? he has my parcel", "en"),
    ("¿cómo contacto con el repartidor?", "es"),
    ("do I need an agent code to sign up?", "en"),
    ("I'd rather pay by card than talk to your team about it", "en"),
    ("is this support chat answered by people or by a bot?", "en"),
    ("my boss told me to ask for a supervisor but I'm sure you can sort it out: change the delivery address", "en"),
    ("mi hermano dijo que pidiera un asesor, pero creo que tú puedes: ¿cómo cambio la contraseña?", "es"),
    ("are you guys hiring? I'd love to apply as a support agent", "en"),
    ("¿están buscando personal? quiero postular", "es"),
    ("vous recrutez ? je voudrais postuler comme téléconseiller", "fr"),
    ("estou sendo atendida pela Ana no outro chat, só queria saber o prazo de entrega", "pt"),
    ("je veux parler à personne, dites-moi juste le statut", "fr"),
    ("c'est réglé, l'agent m'a rappelé ce matin", "fr"),
    ("I need a person to sign for the delivery, can I name a neighbour?", "en"),
])
def test_staff_already_met_waited_for_or_someone_else_to_contact_is_no_request(bot: Assistant, text: str,
                                                                               language: str) -> None:
    """The same probes' false alarms: a person already spoken with, the awaited agent waited for, a bot question with an
    adverb or a colloquial verb or whether people read the chat, a third party to contact, a person someone else
    advised asking for when the visitor says the assistant can do it, a job application, a visitor already served."""
    signal = bot.analyze(text, language=language).human_request
    assert not signal.fired, signal


@pytest.mark.parametrize("text, language", [
    # (a fifth and a sixth blind probe, stop 55)
    ("I've been trying to reach someone in your billing team since Monday and nobody picks up", "en"),
    ("llevo días intentando hablar con alguien de atención al cliente", "es"),
    ("ça fait trois jours que j'essaie de joindre quelqu'un, sans réponse", "fr"),
    ("ich versuche seit Wochen, jemanden bei Ihnen telefonisch zu erreichen", "de"),
    ("estou há dias a tentar falar com alguém do apoio ao cliente", "pt"),
    ("would it be possible to chat with one of your support staff about my invoice?", "en"),
    ("I need to go over the contract terms with someone before I sign", "en"),
    ("y a quelqu'un qui pourrait vérifier ma facture ?", "fr"),
    ("ist da jemand, der mir bei der Rechnung helfen kann?", "de"),
    ("prefiero resolverlo con gente de verdad", "es"),
    ("this app clearly can't do it, so I'll need a person to sort out my refund", "en"),
    ("o bot não entende nada, quero um humano", "pt"),
    ("I HAVE ASKED THREE TIMES NOW, I WANT TO TALK TO A REAL HUMAN BEING", "en"),
    ("ICH MÖCHTE SOFORT EINEN MENSCHEN SPRECHEN, DAS IST EINE FRECHHEIT", "de"),
    ("u keep sending me links, i need to talk to sum1 asap", "en"),
    ("mi madre quiere hablar con alguien sobre su receta", "es"),
    ("ma femme voudrait parler à un conseiller au sujet du contrat", "fr"),
    ("our whole shop is offline, I need a technician on this right now", "en"),
    ("necesito que un técnico revise la instalación hoy", "es"),
    ("un conseiller est-il disponible cet après-midi ?", "fr"),
    ("Servus, i hätt gern an Berater wegen der Finanzierung", "de"),
    ("vous avez un numéro pour joindre un expert en fiscalité ?", "fr"),
    ("i'd like the manager to ring me: ich hätte gern, dass mich jemand zurückruft", "de"),
    # (a seventh blind probe, stop 55)
    ("operadr por favor", "es"),
    ("i don't want another article, i want a real person", "en"),
    ("I'd like to talk to one of your mechanics before I book the repair", "en"),
    ("could I speak with Tom who helped me with the lease last month?", "en"),
    ("is there a line I can call to speak to my account manager?", "en"),
    ("je peux vous appeler demain matin ?", "fr"),
    ("Ich bitte darum, dass sich ein Mitarbeiter zeitnah bei mir meldet.", "de"),
    ("can somebody from the accounts team at the depot ring me back today?", "en"),
    # (an eighth blind probe, stop 56)
    ("that answer is no use, find me somebody who understands pension contributions", "en"),
    ("I want to talk to whoever is in charge of refunds", "en"),
    ("pásame con alguien que sepa de facturación, por favor", "es"),
    ("escálalo a tu supervisor, esto no puede seguir así", "es"),
    ("passez-moi quelqu'un qui connaît les contrats d'entreprise", "fr"),
    ("je veux que mon dossier soit regardé par un responsable", "fr"),
    ("gib mir bitte jemanden, der sich mit Domains auskennt", "de"),
    ("können Sie mich bitte heute zwischen 14 und 16 Uhr zurückrufen?", "de"),
    ("me passa para alguém que entenda de faturamento", "pt"),
    ("still waiting on the agent, it's been twenty minutes", "en"),
    ("ich warte schon noch auf den Mitarbeiter, wie lange noch?", "de"),
    ("continuo esperando o atendente, alguém aí?", "pt"),
    # (a ninth blind probe, stop 57)
    ("phone me tomorrow morning about the boiler quote please", "en"),
    ("llámenme esta tarde, es por la factura del seguro", "es"),
    ("rappelez-moi après 18h, c'est pour la résiliation", "fr"),
    ("ruf mich morgen früh zurück, geht um die Kaution", "de"),
    ("liga-me amanhã de manhã, é sobre a fatura", "pt"),
    ("toujours en attente d'un conseiller, ça fait un quart d'heure", "fr"),
    ("ainda aguardando o atendente, já são 20 minutos", "pt"),
    ("Solicito ser atendido por un asesor para revisar mi contrato.", "es"),
    ("quiero que lo revise un supervisor, ya van dos cambios de fecha", "es"),
    ("merci de remonter ma réclamation à un responsable", "fr"),
    ("je souhaiterais parler à la gérante svp", "fr"),
    ("quero falar com o gerente", "pt"),
    ("ich möchte bitte mit der Filialleiterin sprechen", "de"),
    ("kann ich Sie heute noch anrufen?", "de"),
    ("I'd rather explain this to someone on the phone", "en"),
    ("ist überhaupt ein Mitarbeiter online?", "de"),
    # (a tenth blind probe, stop 58)
    ("can you forward my message to whoever does the invoices?", "en"),
    ("I'd like an answer from one of your staff, not another FAQ link", "en"),
    ("nada de respuestas automáticas 🙄 pásame con alguien de reservas", "es"),
    ("¿me puede pasar con el departamento de envíos?", "es"),
    ("quisiera que me atienda una persona, es sobre la matrícula", "es"),
    ("pouvez-vous me transférer vers le service des réclamations ?", "fr"),
    ("je voudrais une réponse de quelqu'un de l'équipe, pas d'un robot", "fr"),
    ("comment faire pour contacter un conseiller ?", "fr"),
    ("verbinden Sie mich mit der Buchhaltung, bitte", "de"),
    ("gibt es jemanden, der mir die Rechnung erklären kann?", "de"),
    ("pode me encaminhar para o setor de cobrança?", "pt"),
    ("queria que alguém da loja me ligasse hoje à tarde", "pt"),
    ("the app froze twice. could someone from your tech team look at my account?", "en"),
    ("un agente x favor", "es"),
    # (an eleventh blind probe, stop 58)
    ("I want to take this up directly with your manager", "en"),
    ("quiero tratar el tema directamente con la encargada", "es"),
    ("Could we set up a video call with one of your advisers?", "en"),
    ("¿puedo hablar con una de las recepcionistas?", "es"),
    ("je voudrais parler à une vendeuse du magasin", "fr"),
    ("könnte ich mit einem Techniker vom Kundendienst sprechen?", "de"),
    ("posso falar com um dos técnicos?", "pt"),
    ("passe-moi la responsable, s'il te plaît", "fr"),
    ("Wie erreiche ich einen Mitarbeiter der Buchhaltung?", "de"),
    ("que me llame alguien del taller mañana", "es"),
    ("y a-t-il quelqu'un chez vous qui pourrait regarder mon contrat ?", "fr"),
    ("busco a alguien que sepa de calderas", "es"),
    ("la machine ne démarre pas du tout est-ce que quelqu'un peut me rappeler", "fr"),
    ("Agradecia que encaminhassem a minha reclamação para quem trata das faturas", "pt"),
    # (a twelfth blind probe, stop 58)
    ("I would like the matter raised with your supervisor", "en"),
    ("could I get one of your staff to look over my quote?", "en"),
    ("how can I contact a staff member about my booking?", "en"),
    ("Solicito ser atendido por un empleado de la sucursal.", "es"),
    ("derívame con alguien de facturación", "es"),
    ("quisiera que una persona de soporte revise mi caso", "es"),
    ("je souhaiterais m'entretenir avec un membre de l'équipe commerciale", "fr"),
    ("auriez-vous un numéro pour joindre le technicien ?", "fr"),
    ("Gibt es eine Telefonnummer, unter der man jemanden erreicht?", "de"),
    ("prefiro que me liguem amanhã", "pt"),
    ("como faço pra falar com uma funcionária da loja?", "pt"),
])
def test_requests_of_other_writers_fire(bot: Assistant, text: str, language: str) -> None:
    """Requests missed on two more blind probes (stop 55), written here again in other words: a visitor who has tried for
    days to reach someone, one of the staff, someone to go over it with, someone there who could check, real people,
    a wish after the assistant's own failure or after a negation of something else, shouting, chat shorthand, someone
    asking for a relative, a technician or an expert, someone available, a call asked for in German."""
    signal = bot.analyze(text, language=language).human_request
    assert signal.fired, signal


@pytest.mark.parametrize("text, language", [
    ("quick question before I pay: is this chat a real person or a bot?", "en"),
    ("bin ich hier mit einem Menschen oder mit einem Computer verbunden?", "de"),
    ("is this automated or is somebody reading it?", "en"),
    ("c'est un robot ou une vraie personne derrière ?", "fr"),
    ("ok, espero a que se conecte un asesor", "es"),
    ("gut, dann warte ich, bis die Beraterin Zeit hat", "de"),
    ("fico a aguardar que a atendente fique livre", "pt"),
    ("the installers were fantastic yesterday, please pass that along to their boss", "en"),
    ("ich brauche keinen Berater, sagen Sie mir nur, wie ich kündige", "de"),
    ("can I switch my personal trainer to a morning slot?", "en"),
    ("our estate agent says we need a survey, do you do those?", "en"),
    ("can the courier call me when he's at the gate?", "en"),
    # (look-alikes of the eighth blind probe's rules, stop 56)
    ("on peut escalader le mur d'escalade le samedi ?", "fr"), ("le devis a été vu par un responsable ?", "fr"),
    ("¿el vuelo hace escala en Madrid?", "es"), ("I'm still waiting for the refund, any news?", "en"),
    ("ainda estou esperando o pedido chegar", "pt"),
    ("we need to add another person to our family plan, how much extra is it?", "en"),
    ("ich habe gestern mit einem Mitarbeiter telefoniert, ist die Rückerstattung schon raus?", "de"),
    # (look-alikes of the ninth blind probe's rules, stop 57)
    ("call me Maria, by the way", "en"), ("my friends call me every evening about it", "en"),
    ("ele me liga todo dia por causa disso", "pt"), ("posso ligar o carregador a qualquer tomada?", "pt"),
    ("je voudrais parler de ma facture", "fr"), ("how can I reach the gardener I booked through your site?", "en"),
    ("gut, dann warte ich auf die Kollegin", "de"), ("todavía esperando el paquete, ¿alguna novedad?", "es"),
    # (look-alikes of the tenth blind probe's rules, stop 58)
    ("plus besoin d'un conseiller, j'ai trouvé la réponse", "fr"), ("chatte ich gerade mit einer KI?", "de"),
    ("je suis conseillère immobilière, vous faites des tarifs pros ?", "fr"),
    ("do I have to fill in an emergency contact for the swimming course?", "en"),
    ("can you pass the salt-free recipe on to my email?", "en"),
    ("how do I connect the printer to the wifi?", "en"),
    # (look-alikes of the eleventh blind probe's rules, stop 58)
    ("forget the agent, what time do you open?", "en"), ("esquece o atendente, já resolvi", "pt"),
    ("the form asks for a contact person, who should I put?", "en"),
    ("vergiss den Mitarbeiter, ich hab's gefunden", "de"),
    # (look-alikes of the twelfth blind probe's rules, stop 58)
    ("can I buy the voucher for another person?", "en"), ("mi jefe quiere saber si hacéis factura", "es"),
    ("the contact person field on the form, is it required?", "en"),
])
def test_look_alikes_of_other_writers_are_no_request(bot: Assistant, text: str, language: str) -> None:
    """False alarms on the same probes, in other words: which of the two the assistant is, anywhere in the question;
    waiting until a person is free; praise passed on; a person declined with nobody named after; a personal
    trainer; an agent of another trade; a courier who will call."""
    signal = bot.analyze(text, language=language).human_request
    assert not signal.fired, signal


def test_please_pass_this_to_a_human_still_asks(bot: Assistant) -> None:
    """Only praise is passed on: "pass this to a human" hands the conversation over."""
    assert bot.analyze("Please pass this to a human, you keep misunderstanding me").human_request.fired

@pytest.mark.parametrize("text, language, asks", [
    ("is there nobody who can sort this out??", "en", True),
    ("isn't there a real person I could write to?", "en", True),
    ("¿no hay ningún agente que me atienda?", "es", True),
    ("il n'y a pas un humain pour répondre ?", "fr", True),
    ("gibt es denn niemanden, der das prüfen kann?", "de", True),
    ("não há nenhuma pessoa que me atenda?", "pt", True),
    ("isn't there anyone else who had this issue with the update?", "en", False),
    ("no hay nadie en la recepción por la noche", "es", False),
])
def test_asking_whether_nobody_is_there_is_a_request(bot: Assistant, text: str, language: str, asks: bool) -> None:
    """Stop 54: a question whether nobody is there ("is there literally noone who can read this??", "¿no hay un asesor
    disponible?") read as a person declined; asked, it is a plea for one. Said, not asked, or about other customers,
    it is not."""
    signal = bot.analyze(text, language=language).human_request
    assert signal.fired == asks, signal


def test_negated_request_says_why(bot: Assistant) -> None:
    signal = bot.analyze("I don't need a human, just tell me the price").human_request
    assert "declines a person" in signal.evidence


@pytest.mark.parametrize("lang", ["en", "es", "fr", "de", "pt"])
def test_multilingual_check_set(bot: Assistant, lang: str) -> None:
    """Each language of the check set (checksets/README.md): at least 40 requests and 40
    non-requests, recall >= 0.90 each (the issue's bar; bench/assistant_eval.py reports each
    language against it)."""
    rows = [r for line in CHECKSET.read_text(encoding="utf-8").splitlines() if line.strip()
            for r in [json.loads(line)] if r["lang"] == lang]
    requests = [r["text"] for r in rows if r["human"]]
    others = [r["text"] for r in rows if not r["human"]]
    assert len(requests) >= 40 and len(others) >= 40
    missed = [t for t in requests if not bot.analyze(t).human_request.fired]
    false_alarms = [t for t in others if bot.analyze(t).human_request.fired]
    assert len(missed) <= 0.10 * len(requests), missed
    assert len(false_alarms) <= 0.05 * len(others), false_alarms


# --- complaint, frustration ---------------------------------------------------------------


def test_complaint(bot: Assistant) -> None:
    a = bot.analyze("I want to file a complaint about your service")
    assert a.complaint.fired and a.frustration.fired
    assert "complaint" in a.frustration.evidence


@pytest.mark.parametrize("text, language", [
    ("This is my fifth message about the same invoice and nobody has answered", "en"),
    ("sigo sin respuesta después de tres semanas, esto no es serio", "es"),
    ("je n'ai toujours pas de réponse depuis dix jours", "fr"),
    ("Ihr seid echt ein Saftladen", "de"),
    ("bando de incompetentes, ninguém resolve nada", "pt"),
    ("refund every penny or I'm taking this to small claims", "en"),
    ("ARRÊTEZ de me facturer cet abonnement !!!", "fr"),
    ("oh I just love how the app logs me out every hour", "en"),
    ("Ich verlange eine Erstattung bis Montag, andernfalls schalte ich einen Anwalt ein", "de"),
    ("I've wasted my whole afternoon waiting for your engineer", "en"),
    ("quiero mi reembolso HOY, no la semana que viene", "es"),
    ("nobody told me the appointment was cancelled, I drove an hour for nothing", "en"),
    ("I'm such an idiot for trusting your delivery promises", "en"),  # (their own blame, but for trusting the shop)
])
def test_dissatisfaction_in_plain_words_is_frustration(bot: Assistant, text: str, language: str) -> None:
    """Two blind probes of dissatisfaction (stop 55), written by sessions that never saw the detector, read recall 0.32
    and 0.26: contacted again and again, still no answer, time wasted, insults, demands and threats, sarcasm the
    classifiers miss. Written here again in other words."""
    signal = bot.analyze(text, language=language).frustration
    assert signal.fired, signal


@pytest.mark.parametrize("text, language", [
    ("Thanks so much, the movers were brilliant and not a single scratch!", "en"),
    ("muchas gracias, todo perfecto y sin un rasguño", "es"),
    ("obrigado, chegou tudo certinho, recomendo", "pt"),
    ("Vielen Dank, alles hat perfekt geklappt, danke an das ganze Team!", "de"),
    ("what's your complaints procedure? it's for a school project", "en"),
    ("my wife is furious about the delay, what are our options?", "en"),
    # trial 56: the sister's anger read as the visitor's, and handed off under quick handoff
    ("mi hermano está furioso con la factura, ¿cómo se pide un duplicado?", "es"),
    ("ma sœur est furieuse du retard, comment suivre le colis ?", "fr"),
    # (a sixth blind probe of dissatisfaction, stop 58: the visitor's own blunder)
    ("I'm such an idiot, I ordered the wrong size. Can I swap it?", "en"),
    ("soy un despistado, puse mal la dirección, ¿la puedo cambiar?", "es"),
    ("je suis vraiment bête, j'ai réservé le mauvais jour, on peut changer ?", "fr"),
    ("ich Trottel hab die falsche Adresse angegeben, kann ich das noch ändern?", "de"),
    ("que burra que eu sou, errei o tamanho, posso trocar?", "pt"),
    # (hearts for the shop: the voters must be as sure as for praise in words)
    ("o bolo de vocês é surreal 🥰", "pt"),
])
def test_praise_a_question_on_the_complaints_procedure_and_someone_elses_anger_are_no_frustration(
        bot: Assistant, text: str, language: str) -> None:
    """The same probes' false alarms: the classifiers read the damage words of praise ("not a single scratch"), and the
    complaints procedure asked about; the anger was the husband's; the names were the ones visitors call themselves."""
    signal = bot.analyze(text, language=language).frustration
    assert not signal.fired, signal


def test_review_is_not_a_complaint(bot: Assistant) -> None:
    a = bot.analyze("I'd like to leave a review of the product")
    assert not a.complaint.fired


def test_exasperation_without_keywords_of_sentiment(bot: Assistant) -> None:
    # VADER scores this neutral; it is the textbook frustrated customer
    a = bot.analyze("third time I've asked and nothing works!!!")
    assert a.frustration.fired
    assert "third time" in a.frustration.evidence


@pytest.mark.parametrize("text", ["This is ridiculous, WHY IS NOTHING WORKING", "Estoy harto, es inaceptable",
                                  "J'en ai marre, c'est inadmissible", "Das ist eine Frechheit",
                                  "Que palhaçada, inaceitável"])
def test_anger_in_five_languages(bot: Assistant, text: str) -> None:
    assert bot.analyze(text).frustration.fired


def test_calm_message_is_not_frustrated(bot: Assistant) -> None:
    a = bot.analyze("Hi, could you tell me how long shipping to Canada takes?")
    assert not a.frustration.fired and not a.anger.fired


def test_shouting_is_read_in_lower_case_and_still_counts_as_anger(bot: Assistant) -> None:
    """The models read a shouted message as typed text; the capitals still say the visitor is angry."""
    assert unshouted("WHERE IS MY ORDER? I PAID TWO WEEKS AGO") == "Where is my order? I paid two weeks ago"
    assert unshouted("Where is my ORDER ORD-1234?") == "Where is my ORDER ORD-1234?"  # (a few capitals: left alone)
    assert bot.analyze("WHERE IS MY ORDER??? I PAID TWO WEEKS AGO").anger.fired


def test_english_chat_shorthand_is_spelt_out_but_capitals_are_left() -> None:
    assert spelt_out("r u a bot? pls get me sum1") == "are you a bot? please get me someone"
    assert spelt_out("Section R of form U.S. 12, email u@example.com") == "Section R of form U.S. 12, email u@example.com"


def test_not_angry_is_not_anger(bot: Assistant) -> None:
    assert not bot.analyze("I'm not angry, just curious how refunds work").anger.fired


def test_repeated_question(bot: Assistant) -> None:
    history = [Turn("visitor", "How do I change my delivery address?"),
               Turn("ai", "You can change it under Orders > Edit."),
               Turn("visitor", "ok")]
    a = bot.analyze("how do I change my delivery address??", history)
    assert a.repeated_question.fired and a.frustration.fired
    assert "asked before" in a.repeated_question.evidence


def test_first_question_is_not_repeated(bot: Assistant) -> None:
    a = bot.analyze("How do I change my delivery address?", [Turn("visitor", "hello")])
    assert not a.repeated_question.fired


def test_not_helpful_after_an_answer(bot: Assistant) -> None:
    history = [Turn("visitor", "where is my parcel"), Turn("ai", "Track it under Orders.")]
    a = bot.analyze("that didn't help at all", history)
    assert a.not_helpful.fired and a.not_helpful.score >= 0.9
    assert not bot.analyze("that helped, thanks", history).not_helpful.fired


@pytest.mark.parametrize("text", ["Danke, das hat geklappt!", "it worked, thanks", "¡funcionó, gracias!", "ça a marché, merci",
                                  "funcionou, obrigado", "Thanks, that worked!", "Gracias, ya está, funcionó.",
                                  "Obrigado, deu certo!"])
def test_it_worked_confirms_the_answer(bot: Assistant, text: str) -> None:
    """Trial 56: "Danke, das hat geklappt!" after the password article got the same article again."""
    assert bot.analyze(text).smalltalk == "confirmed", text


@pytest.mark.parametrize("text", ["Bom dia, como faço para devolver um produto que não serviu?",
                                  "¿cómo devuelvo un cargador que no funcionó nunca?"])
def test_a_thing_that_did_not_fit_or_work_is_no_answer_that_did_not_help(bot: Assistant, text: str) -> None:
    """Trial 56: "…um produto que não serviu?" as a first message was told "Sorry that didn't help" and handed off."""
    assert not bot.analyze(text).not_helpful.fired, text


def test_smalltalk(bot: Assistant) -> None:
    assert bot.analyze("Hello!").smalltalk == "greeting"
    assert bot.analyze("thanks a lot").smalltalk == "thanks"
    assert bot.analyze("I need a new password").smalltalk is None
    # (re-trial of 4 Dec: "genial", "vale, perfecto", "super", "prima", "perfeito", "fixe" after an answer were handed off)
    for ack in ("ok", "Yes.", "no", "got it", "vale", "d'accord", "alles klar", "beleza", "genial", "vale, perfecto",
                "super", "prima", "perfeito", "fixe", "top"):
        assert bot.analyze(ack).smalltalk == "acknowledgment", ack
    # trial 56: "no thanks" after "What else can I help you with?" was "not found" and queued for a person
    for no_thanks in ("no thanks", "nah, I'm good", "no thank you!", "no gracias", "non merci", "Nein, danke!",
                      "não, obrigado", "I'm fine, thanks", "no, I don't want that either", "nein, nichts",
                      "no, no quiero eso tampoco", "não, não quero isso", "non, ça non plus", "nein, das auch nicht",
                      "no, eso tampoco", "não, isso também não"):
        assert bot.analyze(no_thanks).smalltalk == "acknowledgment", no_thanks
    for not_ack in ("no refund yet", "yes I need help with my order", "ok where is my parcel",
                    "no thanks to your courier my parcel is lost", "nein danke, aber wo ist mein Paket?"):
        assert bot.analyze(not_ack).smalltalk is None, not_ack


@pytest.mark.parametrize("text, kind", [
    ("thanks, bye!", "goodbye"), ("ok thank you, have a nice day", "goodbye"), ("merci, au revoir", "goodbye"),
    ("gracias, adiós", "goodbye"), ("danke und tschüss", "goodbye"), ("obrigado, tchau", "goodbye"),
    ("got it, thanks", "thanks"), ("perfect, thank you so much!", "thanks"),
    # trial of 4 Dec: each of these after an answer got "I couldn't find an answer… I'll bring in a member of our team"
    ("awesome, thanks for the help!", "thanks"), ("genial, gracias por la ayuda", "thanks"),
    ("super merci pour l'aide", "thanks"), ("muito obrigada pela ajuda", "thanks"), ("danke für die Hilfe", "thanks"),
    ("great, thank you so much! that's all I needed", "confirmed"), ("obrigado, é tudo", "confirmed"),
    ("super, danke, das war's", "confirmed"), ("danke schön, das hilft mir", "confirmed"),
    ("gracias, eso me ayuda", "confirmed"), ("egal, tschüss", "goodbye"),
    # trial of 4 Dec: "Wow, that was really helpful, thank you!" was handed off as not found
    ("Wow, that was really helpful, thank you!", "thanks"), ("thanks, that was very helpful!", "confirmed"),
    ("muy útil, gracias", "confirmed"), ("merci, très utile !", "confirmed"), ("danke, sehr hilfreich", "confirmed"),
    ("obrigado, muito útil", "confirmed"),
    # trial 28: casual thanks after an answer were handed off
    ("vlw!", "thanks"), ("beleza, valeu", "thanks"), ("mil gracias, crack", "thanks"), ("passt, danke dir!", "thanks"),
    ("k thx, bye", "goodbye"), ("exactly what I needed, thanks 🙏", "confirmed"), ("top, merci bcp", "thanks"),
])
def test_a_sign_off_is_small_talk_not_a_question_to_look_up(bot: Assistant, text: str, kind: str) -> None:
    """Thanks and goodbye together got "I couldn't find an answer" and a handoff (trial of 1 Dec, night)."""
    a = bot.analyze(text)
    assert a.smalltalk == kind and not a.human_request.fired, a
    assert bot.analyze("thanks but where is my order?").smalltalk is None
    assert bot.analyze("thanks for nothing").smalltalk is None
    assert bot.analyze("das hilft mir nicht").smalltalk is None


@pytest.mark.parametrize("text", ["Wow, thanks, super helpful 🙄", "thanks for nothing", "gracias por nada",
                                  "merci pour rien", "danke für nichts", "obrigado por nada", "great answer 🙄",
                                  "thanks a lot for nothing", "vielen Dank für nichts", "obrigadinha por nada",
                                  # trial 27: read as thanks
                                  "Oh great, another bot. Wonderful. Really helpful.", "super, encore un robot",
                                  "toll, noch ein Bot!"])
def test_sarcasm_is_dissatisfaction_not_thanks(bot: Assistant, text: str) -> None:
    """Trial of 4 Dec: "Wow, thanks, super helpful 🙄" was told "I couldn't find an answer to that" and handed off."""
    a = bot.analyze(text)
    assert a.smalltalk is None and a.frustration.fired, a


# --- restricted topics ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def topic_bot() -> Assistant:
    topics = [
        Topic("refunds", keywords=("money back",), examples=("I want a refund for my order", "please refund me")),
        Topic("legal", keywords=("lawyer",), examples=("I am going to sue your company", "this is a legal matter",
                                                      "I will take legal action against you")),
    ]
    return Assistant(KnowledgeIndex(), topics)


def test_topic_by_keyword(topic_bot: Assistant) -> None:
    m = topic_bot.analyze("I just want my Money Back").restricted_topic
    assert m is not None and m.name == "refunds" and "keyword" in m.evidence


def test_topic_keyword_with_a_typo(topic_bot: Assistant) -> None:
    m = topic_bot.analyze("my lawyr will call you").restricted_topic
    assert m is not None and m.name == "legal"


def test_topic_by_meaning_without_keyword(topic_bot: Assistant) -> None:
    m = topic_bot.analyze("return the money I paid for the broken chair").restricted_topic
    assert m is not None and m.name == "refunds"
    m = topic_bot.analyze("we will see you in court").restricted_topic
    assert m is not None and m.name == "legal", m


def test_unrelated_message_matches_no_topic(topic_bot: Assistant) -> None:
    assert topic_bot.analyze("how do I reset my password?").restricted_topic is None
    assert topic_bot.analyze("what are your opening hours").restricted_topic is None


# Topics configured in English, messages in the other four languages: read on the multilingual vectors.
@pytest.mark.parametrize("text,topic", [
    ("Quiero que me reembolséis la compra, por favor", "refunds"), ("Remboursez-moi cette commande s'il vous plaît", "refunds"),
    ("Ich verklage Ihre Firma", "legal"), ("Vou entrar com uma ação judicial contra vocês", "legal"),
    ("¿Cuánto tarda el envío a Canarias?", None), ("Comment changer mon mot de passe ?", None),
    ("Welche Zahlungsarten akzeptieren Sie?", None), ("Vocês entregam no sábado?", None),
])
def test_a_topic_is_matched_in_other_languages(topic_bot: Assistant, text: str, topic: str | None) -> None:
    m = topic_bot.analyze(text).restricted_topic
    assert (m.name if m else None) == topic, m
    assert m is None or "across languages" in m.evidence


# --- language, phrases, extraction ------------------------------------------------------------


@pytest.mark.parametrize("text,lang", [("hola", "es"), ("Bonjour, j'ai une question", "fr"),
                                       # re-trial of 3 Dec: these three read as Spanish, the last as Portuguese
                                       ("tu es un robot ?", "fr"), ("es-tu un robot ?", "fr"), ("t'es un robot ?", "fr"),
                                       ("no, da igual", "es"),
                                       ("Hallo, ich brauche Hilfe", "de"), ("Olá, preciso de ajuda", "pt"),
                                       ("Hi, I need help", "en"), ("12345", "en"),
                                       # no word of the lexicon before: read as English (re-trial of 1 Dec)
                                       ("Fui cobrado duas vezes pela mesma encomenda", "pt"),
                                       # Portuguese plural verbs and chat shorthand, beside Spanish words (re-trial of 3 Dec)
                                       ("vcs enviam para o brasil? pago alfandega?", "pt"),
                                       ("entregam em lisboa?", "pt"), ("envian a brasil? pago aduana?", "es"),
                                       # trial 51b: "posso" before a verb is Portuguese beside Spanish words
                                       ("Posso pagar contra reembolso?", "pt"), ("¿Puedo pagar contra reembolso?", "es"),
                                       # trial 28: Swiss German "merci" after "alles klar" got a French reply
                                       ("alles klar, merci", "de"), ("genau, merci vielmal", "de")])
def test_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_language_of_a_short_reply_follows_the_conversation(bot: Assistant) -> None:
    history = [Turn("visitor", "Hola, necesito ayuda con mi pedido")]
    assert bot.analyze("ok", history).language == "es"
    # as a first message, the conversation's (the widget's) language: "ok" in a Spanish widget got "All right."
    # (re-trial of 4 Dec)
    for lang in ("es", "fr", "de", "pt"):
        assert bot.analyze("ok", (), lang).language == lang
        assert bot.analyze("Ok!", (), lang).language == lang
    assert bot.analyze("where is my order?", (), "es").language == "en", "words of a language still decide"


@pytest.mark.parametrize("lang", ["en", "es", "fr", "de", "pt"])
def test_every_phrase_in_every_language(lang: str) -> None:
    for key in KEYS:
        text = phrase(key, lang, minutes=5, hours=3, wait=waiting_time(5, lang), position=2, title="Returns", label="the code", phone="+34 910 000 000",
                      when="today at 09:00", time="09:00", day="Monday", email="pat@example.com",
                      question="Do you ship to the Canary Islands?", rating="👍", comment="Fast", place="Canada", name="Paris", thing="bank transfer",
                      workspace="Northwind")
        assert text and "{" not in text
    assert "5" in phrase("handoff_queued", lang, wait=waiting_time(5, lang), position=2)


@pytest.mark.parametrize(("minutes", "said"), [
    (1, "about 2 minutes"), (45, "about 45 minutes"), (70, "about an hour"), (215, "about 4 hours"),
    (26 * 60, "more than a day")])
def test_a_long_queue_is_told_in_hours_not_hundreds_of_minutes(minutes: int, said: str) -> None:
    """Trial of 3 Dec: "expect a reply in about 215 minutes"."""
    assert f"expect a reply in {said}." in phrase("handoff_queued", "en", wait=waiting_time(minutes, "en"), position=9)
    assert "unas 4 horas" in phrase("handoff_queued", "es", wait=waiting_time(215, "es"), position=9)


def test_phrase_fallback_and_missing_kwargs() -> None:
    assert phrase("ask_problem", "it") == phrase("ask_problem", "en")
    assert "{wait}" in phrase("handoff_queued", "en")  # never raises
    for kind in ("name", "email", "phone", "order_number", "text"):
        assert phrase(f"gather_{kind}", "de") != phrase(f"gather_invalid_{kind}", "de")


@pytest.mark.parametrize("kind,text,value", [
    ("email", "sure, it's Jane.Doe@Example.org thanks", "jane.doe@example.org"),
    ("phone", "call me on +1 (555) 123-4567 after 5", "+1 (555) 123-4567"),
    ("order_number", "my order is #A-10234 and it's late", "A-10234"),
    ("name", "my name is jane doe", "Jane Doe"),
    ("name", "Me llamo María García", "María García"),
    ("text", "The app crashes when I open settings", "The app crashes when I open settings"),
])
def test_extract(kind: str, text: str, value: str) -> None:
    assert extract_field(kind, text) == value
    assert validate_field(kind, value)


@pytest.mark.parametrize("kind,value", [("email", "jane@"), ("email", "not an email"), ("phone", "12"),
                                        ("order_number", "soon"), ("name", "I'm having trouble with it"),
                                        ("text", "hm")])
def test_validate_rejects(kind: str, value: str) -> None:
    assert not validate_field(kind, value)
    assert extract_field(kind, value) is None


@pytest.mark.parametrize("text,value", [("Olga Smith\nNorthwind Ltd\n+44 20 7946 0000", None),
                                        ("order A-10234, call me on +34 600 123 456", "A-10234"),
                                        ("my order number is 12345678", "12345678"),
                                        # nor an email's, but a number written after an email is one (re-trial
                                        # of 4 Dec: "kim@… and my order number is NW-10001" lost the number)
                                        ("ana2024@example.org", None), ("write to me@shop-12345.com", None),
                                        ("sure, it's kim@example.com and my order number is NW-10001", "NW-10001"),
                                        ("claro: ana@example.com, pedido NW-10002", "NW-10002"),
                                        # said to be a phone's (trial 27: noted as the order number too)
                                        ("Can someone ring me after 5? My number is 0612345678", None),
                                        ("llámame, mi móvil es 612345678", None),
                                        ("número de pedido 12345678", "12345678"), ("my order is 0612345678", "0612345678")])
def test_the_digits_of_a_phone_number_are_no_order_number(text: str, value: str | None) -> None:
    assert extract_field("order_number", text) == value


def test_custom_regex_and_bad_regex() -> None:
    assert extract_field("regex", "my code is XK-99", r"[A-Z]{2}-\d{2}") == "XK-99"
    assert validate_field("regex", "XK-99", r"[A-Z]{2}-\d{2}")
    assert not validate_field("regex", "XK-9", r"[A-Z]{2}-\d{2}")
    assert extract_field("regex", "anything", r"([unclosed") is None


@pytest.mark.parametrize("text, lang", [
    ("are you there?", "en"), ("Hello? Are you still there?", "en"), ("tu es là ?", "fr"), ("vous êtes là ?", "fr"),
    ("¿Sigues ahí?", "es"), ("¿estás ahí?", "es"), ("Bist du noch da?", "de"), ("sind Sie da?", "de"),
    ("você está aí?", "pt"), ("ainda está aí?", "pt")])
def test_are_you_there_said_to_the_assistant_is_answered_not_handed_off(bot: Assistant, text: str, lang: str) -> None:
    """Trial of 3 Dec: "tu es là ?" got "Je n'ai pas trouvé de réponse…" and a person; the assistant is there."""
    a = bot.analyze(text, language=lang)
    assert a.smalltalk == "still_there" and not a.human_request.fired, (a.smalltalk, a.human_request)


@pytest.mark.parametrize("text", ["is anyone there?", "¿hay alguien?", "il y a quelqu'un ?",
                                  "are you there to process my refund today?"])
def test_is_anyone_there_is_not_the_assistant_asked_whether_it_is_there(bot: Assistant, text: str) -> None:
    assert bot.analyze(text).smalltalk != "still_there"


@pytest.mark.parametrize("text, value", [("nw 10002", "NW-10002"), ("my order is NW 10002", "NW-10002"),
                                         ("my 10002", "10002"), ("es el 10002", "10002")])
def test_an_order_number_typed_with_its_letters_apart_keeps_them(text: str, value: str) -> None:
    """Trial of 4 Dec: "nw 10002" was noted as "10002"."""
    assert extract_field("order_number", text) == value


@pytest.mark.parametrize("text, smalltalk", [
    ("brilliant, cheers", "thanks"), ("lovely, thank you!", "thanks"), ("Danke, super Service", "thanks"),
    ("ótimo atendimento, obrigado", "thanks"), ("excelente, gracias", "thanks"), ("brilliant", "acknowledgment"),
    ("wunderbar", "acknowledgment"), ("alles klar, danke dir", "thanks"), ("obrigadíssimo, ajudou muito", "thanks"),
    ("great service, my parcel never arrived", None), ("the service was terrible, thanks for nothing", None),
    ("thanks, but my order still hasn't arrived", None),
])
def test_approval_with_or_without_thanks_is_small_talk(bot: Assistant, text: str, smalltalk: str | None) -> None:
    """Trial 52: "brilliant, cheers" after an answer found no article and was handed off ("The AI could not answer
    “brilliant, cheers”"). Praise is small talk; praise with a problem is not."""
    assert bot.analyze(text).smalltalk == smalltalk


@pytest.mark.parametrize("text, upset", [
    ("buenas, cuánto tarda en venir el técnico a instalar la fibra?", False),
    ("hi, how much does express shipping cost?", False),
    ("This is ridiculous. How long do I have to wait for my refund?", True),
    ("three weeks and still nothing, when will my refund come?? useless", True),
])
def test_a_question_for_a_price_or_a_time_is_no_dissatisfaction_by_itself(bot: Assistant, text: str, upset: bool):
    """Trial 52: "buenas, cuánto tarda en venir el técnico a instalar la fibra?" read as dissatisfied (0.53) and its
    answer came with "Siento que esto sea frustrante". Asking a figure needs a sure voter; upset words around it count."""
    assert bot.analyze(text).frustration.fired == upset


@pytest.mark.parametrize("text, language", [("Me habéis cobrado la factura dos veces este mes", "es"),
                                            ("Il me faut la facture de ce mois", "fr"),
                                            ("Me cobraram duas vezes este mês", "pt")])
def test_a_billing_complaint_is_read_in_its_language(text: str, language: str) -> None:
    """Re-trial 52: "Me habéis cobrado la factura dos veces este mes" was read as French ("me" English, "mes" French)
    and the whole handoff went on in French to a Spanish visitor."""
    assert detect_language(text) == language
