"""What the assistant says, in the visitor's language (en, es, fr, de, pt; fallback en)."""
from __future__ import annotations

import logging
import string
from datetime import datetime

logger = logging.getLogger(__name__)

_PHRASES: dict[str, dict[str, str]] = {
    "handoff_queued": {
        "en": "Everyone on our team is busy right now. You are number {position} in the queue; "
        "expect a reply in {wait}. The reply will appear here, even if you leave this page and come back "
        "later.",
        "es": "Ahora mismo todo nuestro equipo está ocupado. Eres el número {position} en la cola; "
        "espera una respuesta en {wait}. La respuesta aparecerá aquí, también si sales de esta página y "
        "vuelves más tarde.",
        "fr": "Toute notre équipe est occupée pour le moment. Vous êtes numéro {position} dans la file ; "
        "réponse prévue dans {wait}. La réponse s'affichera ici, même si vous quittez cette page et "
        "revenez plus tard.",
        "de": "Unser Team ist gerade beschäftigt. Sie sind Nummer {position} in der Warteschlange; "
        "rechnen Sie mit einer Antwort in {wait}. Die Antwort erscheint hier, auch wenn Sie die Seite "
        "verlassen und später zurückkommen.",
        "pt": "Toda a nossa equipa está ocupada neste momento. É o número {position} na fila; conte com uma "
              "resposta em {wait}. A resposta vai aparecer aqui, mesmo que saia desta página e volte mais tarde.",
    },
    # the expected wait in the queue notices' {wait} (waiting_time)
    "wait_minutes": {
        "en": "about {minutes} minutes", "es": "unos {minutes} minutos", "fr": "environ {minutes} minutes",
        "de": "etwa {minutes} Minuten", "pt": "cerca de {minutes} minutos",
    },
    "wait_an_hour": {
        "en": "about an hour", "es": "una hora más o menos", "fr": "environ une heure", "de": "etwa einer Stunde",
        "pt": "cerca de uma hora",
    },
    "wait_hours": {
        "en": "about {hours} hours", "es": "unas {hours} horas", "fr": "environ {hours} heures",
        "de": "etwa {hours} Stunden", "pt": "cerca de {hours} horas",
    },
    "wait_over_a_day": {
        "en": "more than a day", "es": "más de un día", "fr": "plus d'une journée", "de": "mehr als einem Tag",
        "pt": "mais de um dia",
    },
    # a flow's question asked again (flows.nodes.retry_hint / several_hint), before the question itself
    "flow_retry_text": {
        "en": "Sorry, I didn't get an answer.",
        "es": "Perdona, no he recibido una respuesta.",
        "fr": "Désolé, je n'ai pas eu de réponse.",
        "de": "Entschuldigung, ich habe keine Antwort bekommen.",
        "pt": "Desculpe, não recebi uma resposta.",
    },
    # the last try at a detail was not valid either: the handoff goes on without it (a French visitor's second try,
    # "jean.dupont@gmail", was dropped without a word: trial of 4 Dec)
    "gather_not_taken_email": {
        "en": "That still doesn't look like an email address, so I'll go on without it: you can give it to the team here.",
        "es": "Eso sigue sin parecer una dirección de correo, así que sigo sin ella: puedes dársela al equipo aquí.",
        "fr": "Cela ne ressemble toujours pas à une adresse e-mail, je continue donc sans : vous pourrez la donner à "
              "l'équipe ici.",
        "de": "Das sieht immer noch nicht wie eine E-Mail-Adresse aus, ich mache ohne sie weiter: Sie können sie dem "
              "Team hier geben.",
        "pt": "Isso continua a não parecer um endereço de e-mail, por isso continuo sem ele: pode dá-lo à equipa aqui.",
    },
    "gather_not_taken_phone": {
        "en": "That still doesn't look like a phone number, so I'll go on without it: you can give it to the team here.",
        "es": "Eso sigue sin parecer un número de teléfono, así que sigo sin él: puedes dárselo al equipo aquí.",
        "fr": "Cela ne ressemble toujours pas à un numéro de téléphone, je continue donc sans : vous pourrez le donner à "
              "l'équipe ici.",
        "de": "Das sieht immer noch nicht wie eine Telefonnummer aus, ich mache ohne sie weiter: Sie können sie dem Team "
              "hier geben.",
        "pt": "Isso continua a não parecer um número de telefone, por isso continuo sem ele: pode dá-lo à equipa aqui.",
    },
    "gather_not_taken": {
        "en": "That still doesn't match the format for {label}, so I'll go on without it: you can give it to the team "
              "here.",
        "es": "Eso sigue sin tener el formato de {label}, así que sigo sin ello: puedes dárselo al equipo aquí.",
        "fr": "Cela ne correspond toujours pas au format de {label}, je continue donc sans : vous pourrez le donner à "
              "l'équipe ici.",
        "de": "Das passt immer noch nicht zum Format von {label}, ich mache ohne weiter: Sie können es dem Team hier "
              "geben.",
        "pt": "Isso continua a não corresponder ao formato de {label}, por isso continuo sem isso: pode dá-lo à equipa "
              "aqui.",
    },
    "flow_retry_email": {
        "en": "That doesn't look like an email address.",
        "es": "Eso no parece una dirección de correo electrónico.",
        "fr": "Cela ne ressemble pas à une adresse e-mail.",
        "de": "Das sieht nicht wie eine E-Mail-Adresse aus.",
        "pt": "Isso não parece um endereço de e-mail.",
    },
    "flow_retry_phone": {
        "en": "That doesn't look like a phone number.",
        "es": "Eso no parece un número de teléfono.",
        "fr": "Cela ne ressemble pas à un numéro de téléphone.",
        "de": "Das sieht nicht wie eine Telefonnummer aus.",
        "pt": "Isso não parece um número de telefone.",
    },
    "flow_retry_number": {
        "en": "Please answer with a number.",
        "es": "Responde con un número, por favor.",
        "fr": "Merci de répondre par un nombre.",
        "de": "Bitte antworten Sie mit einer Zahl.",
        "pt": "Responda com um número, por favor.",
    },
    "flow_retry_choice": {
        "en": "Please pick one of the options.",
        "es": "Elige una de las opciones, por favor.",
        "fr": "Merci de choisir l'une des options.",
        "de": "Bitte wählen Sie eine der Optionen.",
        "pt": "Escolha uma das opções, por favor.",
    },
    "flow_several_email": {
        "en": "I see more than one email address there: which one should we use?",
        "es": "Veo más de una dirección de correo: ¿cuál usamos?",
        "fr": "Je vois plusieurs adresses e-mail : laquelle devons-nous utiliser ?",
        "de": "Ich sehe dort mehr als eine E-Mail-Adresse: Welche sollen wir verwenden?",
        "pt": "Vejo mais do que um endereço de e-mail: qual devemos usar?",
    },
    "flow_several_phone": {
        "en": "I see more than one phone number there: which one should we use?",
        "es": "Veo más de un número de teléfono: ¿cuál usamos?",
        "fr": "Je vois plusieurs numéros de téléphone : lequel devons-nous utiliser ?",
        "de": "Ich sehe dort mehr als eine Telefonnummer: Welche sollen wir verwenden?",
        "pt": "Vejo mais do que um número de telefone: qual devemos usar?",
    },
    "flow_several_text": {  # two codes at a question for one ("NW-10001 and NW-10002")
        "en": "You gave more than one there: which one do you mean?",
        "es": "Me has dado más de uno: ¿a cuál te refieres?",
        "fr": "Vous en avez donné plusieurs : lequel voulez-vous dire ?",
        "de": "Sie haben mehr als eine angegeben: Welche meinen Sie?",
        "pt": "Indicou mais do que um: a qual se refere?",
    },
    "flow_several_number": {
        "en": "I see more than one number there: which one do you mean?",
        "es": "Veo más de un número: ¿a cuál te refieres?",
        "fr": "Je vois plusieurs nombres : lequel voulez-vous dire ?",
        "de": "Ich sehe dort mehr als eine Zahl: Welche meinen Sie?",
        "pt": "Vejo mais do que um número: a qual se refere?",
    },
    # after the queue notice on the web, when the visitor gave an email (services/missed_replies.py)
    "reply_by_email_too": {
        "en": "If you're not on this page when it comes, we'll email it to {email}.",
        "es": "Si no estás en esta página cuando llegue, te la enviaremos a {email}.",
        "fr": "Si vous n'êtes pas sur cette page à ce moment-là, nous vous l'enverrons à {email}.",
        "de": "Falls Sie dann nicht auf dieser Seite sind, schicken wir sie an {email}.",
        "pt": "Se não estiver nesta página quando ela chegar, enviamo-la por e-mail para {email}.",
    },
    # the mail of agents' replies a web visitor did not see on the page (connectors/email.send_missed_replies)
    "missed_replies_intro": {
        "en": "Our team replied in the chat while you were away:",
        "es": "Nuestro equipo te respondió en el chat mientras no estabas:",
        "fr": "Notre équipe vous a répondu dans le chat pendant votre absence :",
        "de": "Unser Team hat Ihnen im Chat geantwortet, während Sie nicht da waren:",
        "pt": "A nossa equipa respondeu no chat enquanto não estava na página:",
    },
    "missed_replies_outro": {
        "en": "Reply to this email to answer: your reply reaches the same conversation, which the chat on our website "
              "shows too.",
        "es": "Responde a este correo para contestar: tu respuesta llega a la misma conversación, que también ves en "
              "el chat de nuestra web.",
        "fr": "Répondez à cet e-mail pour continuer : votre réponse arrive dans la même conversation, que vous "
              "retrouvez aussi dans le chat de notre site.",
        "de": "Antworten Sie einfach auf diese E-Mail: Ihre Antwort landet in derselben Unterhaltung, die Sie auch im "
              "Chat auf unserer Website sehen.",
        "pt": "Responda a este e-mail para continuar: a sua resposta chega à mesma conversa, que também aparece no "
              "chat do nosso site.",
    },
    "handoff_queued_thread": {  # the same by email, SMS or Slack: there is no page to leave
        "en": "Everyone on our team is busy right now. You are number {position} in the queue; "
        "expect a reply in {wait}. We'll answer in this conversation.",
        "es": "Ahora mismo todo nuestro equipo está ocupado. Eres el número {position} en la cola; "
        "espera una respuesta en {wait}. Te responderemos en esta conversación.",
        "fr": "Toute notre équipe est occupée pour le moment. Vous êtes numéro {position} dans la file ; "
        "réponse prévue dans {wait}. Nous vous répondrons dans cette conversation.",
        "de": "Unser Team ist gerade beschäftigt. Sie sind Nummer {position} in der Warteschlange; "
        "rechnen Sie mit einer Antwort in {wait}. Wir antworten Ihnen in dieser Unterhaltung.",
        "pt": "Toda a nossa equipa está ocupada neste momento. É o número {position} na fila; conte com uma "
              "resposta em {wait}. Responderemos nesta conversa.",
    },
    # queued while nobody who could take it is online (in office hours, or none set): not "busy"; the usual wait
    "handoff_queued_offline": {
        "en": "No one from our team is online right now. You are number {position} in the queue; we usually reply "
              "within {wait}. The reply will appear here, even if you leave this page and come back later.",
        "es": "Ahora mismo no hay nadie de nuestro equipo conectado. Eres el número {position} en la cola; "
              "solemos responder en {wait}. La respuesta aparecerá aquí, también si sales de esta página y "
              "vuelves más tarde.",
        "fr": "Personne de notre équipe n'est en ligne pour le moment. Vous êtes numéro {position} dans la file ; "
              "nous répondons d'habitude en {wait}. La réponse s'affichera ici, même si vous quittez "
              "cette page et revenez plus tard.",
        "de": "Gerade ist niemand aus unserem Team online. Sie sind Nummer {position} in der Warteschlange; "
              "normalerweise antworten wir in {wait}. Die Antwort erscheint hier, auch wenn Sie die Seite "
              "verlassen und später zurückkommen.",
        "pt": "Neste momento não há ninguém da nossa equipa online. É o número {position} na fila; costumamos "
              "responder em {wait}. A resposta vai aparecer aqui, mesmo que saia desta página e volte mais tarde.",
    },
    "handoff_queued_thread_offline": {
        "en": "No one from our team is online right now. You are number {position} in the queue; we usually reply "
              "within {wait}, in this conversation.",
        "es": "Ahora mismo no hay nadie de nuestro equipo conectado. Eres el número {position} en la cola; "
              "solemos responder en {wait}, en esta conversación.",
        "fr": "Personne de notre équipe n'est en ligne pour le moment. Vous êtes numéro {position} dans la file ; "
              "nous répondons d'habitude en {wait}, dans cette conversation.",
        "de": "Gerade ist niemand aus unserem Team online. Sie sind Nummer {position} in der Warteschlange; "
              "normalerweise antworten wir in {wait}, in dieser Unterhaltung.",
        "pt": "Neste momento não há ninguém da nossa equipa online. É o número {position} na fila; costumamos "
              "responder em {wait}, nesta conversa.",
    },
    "call_queued_text_back_offline": {
        "en": "No one from our team is available right now. You are number {position} in the queue; a member of "
              "our team will send you a text message at this number, usually within {wait}.",
        "es": "Ahora mismo no hay nadie de nuestro equipo disponible. Eres el número {position} en la cola; una "
              "persona de nuestro equipo te escribirá a este número, normalmente en {wait}.",
        "fr": "Personne de notre équipe n'est disponible pour le moment. Vous êtes numéro {position} dans la file ; "
              "un membre de notre équipe vous enverra un SMS à ce numéro, d'habitude en {wait}.",
        "de": "Gerade ist niemand aus unserem Team erreichbar. Sie sind Nummer {position} in der Warteschlange; "
              "jemand aus unserem Team schickt Ihnen eine SMS an diese Nummer, normalerweise in {wait}.",
        "pt": "Neste momento não há ninguém da nossa equipa disponível. É o número {position} na fila; uma pessoa "
              "da nossa equipa vai enviar-lhe uma mensagem de texto para este número, normalmente em {wait}.",
    },
    "still_waiting_queued_offline": {
        "en": "You're still in the queue, number {position}. No one from our team is online right now; we usually "
              "reply within {wait}. Everything you write here is kept for the team.",
        "es": "Sigues en la cola, con el número {position}. Ahora mismo no hay nadie del equipo conectado; solemos "
              "responder en {wait}. Todo lo que escribas aquí se guarda para el equipo.",
        "fr": "Vous êtes toujours dans la file, numéro {position}. Personne de l'équipe n'est en ligne pour le moment ; "
              "nous répondons d'habitude en {wait}. Tout ce que vous écrivez ici est gardé pour l'équipe.",
        "de": "Sie sind noch in der Warteschlange, Nummer {position}. Gerade ist niemand aus dem Team online; "
              "normalerweise antworten wir in {wait}. Alles, was Sie hier schreiben, bleibt für das Team erhalten.",
        "pt": "Continua na fila, com o número {position}. Neste momento não há ninguém da equipa online; costumamos "
              "responder em {wait}. Tudo o que escrever aqui fica guardado para a equipa.",
    },
    "offer_human": {
        "en": "I'm sorry this is frustrating. Would you like me to bring in a person from our team?",
        "es": "Siento que esto sea frustrante. ¿Quieres que te pase con una persona de nuestro equipo?",
        "fr": "Je suis désolé que ce soit frustrant. Voulez-vous que je fasse appel à une personne de notre équipe ?",
        "de": "Es tut mir leid, dass das frustrierend ist. Soll ich jemanden aus unserem Team dazuholen?",
        "pt": "Lamento que isto seja frustrante. Quer que eu chame uma pessoa da nossa equipa?",
    },
    # offer_human said around an answer: sorry first, the answer, then the question (trial 56: "my boots fell apart,
    # useless idiots" read the returns passage first and the apology only after it)
    "offer_human_sorry": {
        "en": "I'm sorry this is frustrating.",
        "es": "Siento que esto sea frustrante.",
        "fr": "Je suis désolé que ce soit frustrant.",
        "de": "Es tut mir leid, dass das frustrierend ist.",
        "pt": "Lamento que isto seja frustrante.",
    },
    "offer_human_question": {
        "en": "Would you like me to bring in a person from our team?",
        "es": "¿Quieres que te pase con una persona de nuestro equipo?",
        "fr": "Voulez-vous que je fasse appel à une personne de notre équipe ?",
        "de": "Soll ich jemanden aus unserem Team dazuholen?",
        "pt": "Quer que eu chame uma pessoa da nossa equipa?",
    },
    "confused_offer": {  # "I don't understand" after an answer
        "en": "Sorry, that wasn't clear. You can ask it another way, or I can bring in a person from our team. Would you like that?",
        "es": "Perdona, no ha quedado claro. Puedes preguntarlo de otra forma, o te paso con una persona de nuestro equipo. ¿Quieres?",
        "fr": "Désolé, ce n'était pas clair. Vous pouvez reformuler, ou je fais appel à une personne de notre équipe. Le voulez-vous ?",
        "de": "Entschuldigung, das war nicht klar. Sie können es anders fragen, oder ich hole jemanden aus unserem Team dazu. Möchten Sie das?",
        "pt": "Desculpe, não ficou claro. Pode perguntar de outra forma, ou eu chamo uma pessoa da nossa equipa. "
              "Quer?",
    },
    "doubt_offer": {  # "are you sure?" after an answer
        "en": "That's what our help article says. If your case is different, tell me more, or I can bring in a person from our team. Would you like that?",
        "es": "Es lo que dice nuestro artículo de ayuda. Si tu caso es distinto, cuéntame más, o te paso con una persona de nuestro equipo. ¿Quieres?",
        "fr": "C'est ce que dit notre article d'aide. Si votre cas est différent, dites-m'en plus, ou je fais appel à une personne de notre équipe. Le voulez-vous ?",
        "de": "So steht es in unserem Hilfeartikel. Wenn es bei Ihnen anders ist, erzählen Sie mir mehr, oder ich hole jemanden aus unserem Team dazu. Möchten Sie das?",
        "pt": "É o que diz o nosso artigo de ajuda. Se o seu caso for diferente, conte-me mais, ou eu chamo uma "
              "pessoa da nossa equipa. Quer?",
    },
    "offer_declined": {  # "no thanks" to the offer of a person
        "en": "No problem. What else can I help you with?",
        "es": "De acuerdo. ¿En qué más puedo ayudarte?",
        "fr": "D'accord. Puis-je vous aider pour autre chose ?",
        "de": "In Ordnung. Wobei kann ich Ihnen sonst helfen?",
        "pt": "Está bem. Em que mais posso ajudar?",
    },
    "bot_offer_human": {  # the answer to "are you a bot?" (opener_ai_disclosed), and the offer
        "en": "I'm an AI assistant, not a person. Would you like me to bring in a person from our team?",
        "es": "Soy un asistente de IA, no una persona. ¿Quieres que te pase con una persona de nuestro equipo?",
        "fr": "Je suis un assistant IA, pas une personne. Voulez-vous que je fasse appel à une personne de notre équipe ?",
        "de": "Ich bin ein KI-Assistent, kein Mensch. Soll ich jemanden aus unserem Team dazuholen?",
        "pt": "Sou um assistente de IA, não uma pessoa. Quer que eu chame uma pessoa da nossa equipa?",
    },
    "ask_problem": {
        "en": "I can connect you with our team. So they can help right away, what is the problem you need help with?",
        "es": "Puedo ponerte en contacto con nuestro equipo. Para que puedan ayudarte enseguida, ¿cuál es el problema?",
        "fr": "Je peux vous mettre en relation avec notre équipe. Pour qu'elle vous aide tout de suite, quel est le problème ?",
        "de": "Ich kann Sie mit unserem Team verbinden. Damit es sofort helfen kann: Worum geht es genau?",
        "pt": "Posso pôr a nossa equipa em contacto consigo. Para que possam ajudar de imediato, qual é o problema?",
    },
    "said_above": {  # the articles' answer to a new question is the one just given: not sent again (trial 28)
        "en": "Our help articles say nothing more about that than my answer above.",
        "es": "Nuestros artículos de ayuda no dicen nada más sobre eso que mi respuesta de arriba.",
        "fr": "Nos articles d'aide n'en disent pas plus que ma réponse ci-dessus.",
        "de": "Unsere Hilfeartikel sagen dazu nicht mehr als meine Antwort oben.",
        "pt": "Os nossos artigos de ajuda não dizem mais nada sobre isso além da minha resposta acima.",
    },
    "contact_us_here": {  # after an answer telling the visitor to write to the team: they can, here
        "en": "You can do that right here: just say so and I'll pass this to a person from our team.",
        "es": "Puedes hacerlo aquí mismo: dímelo y se lo paso a una persona de nuestro equipo.",
        "fr": "Vous pouvez le faire ici même : dites-le-moi et je transmets votre demande à une personne de notre équipe.",
        "de": "Das geht auch direkt hier: Sagen Sie einfach Bescheid, und ich gebe es an jemanden aus unserem Team weiter.",
        "pt": "Pode fazê-lo aqui mesmo: basta dizer e eu passo isto a uma pessoa da nossa equipa.",
    },
    "ask_problem_again": {  # AI first: asked for a person again instead of saying what it is about
        "en": "Understood, you'd like a person, and I'll get you one. In a few words, what is it about, so they can help "
              "you straight away?",
        "es": "Entendido, quieres hablar con una persona y te pondré con una. En pocas palabras, ¿de qué se trata, para "
              "que puedan ayudarte enseguida?",
        "fr": "Entendu, vous voulez parler à une personne et je vais vous en trouver une. En quelques mots, de quoi "
              "s'agit-il, pour qu'elle puisse vous aider tout de suite ?",
        "de": "Verstanden, Sie möchten mit einer Person sprechen, und ich hole jemanden dazu. Worum geht es in wenigen "
              "Worten, damit man Ihnen sofort helfen kann?",
        "pt": "Entendido, quer falar com uma pessoa e vou chamar uma. Em poucas palavras, de que se trata, para que "
              "possam ajudar de imediato?",
    },
    "ask_what_you_need": {  # "I have a problem", "can you help me?": nothing said yet of what it is
        "en": "Of course. What do you need help with? Tell me in a sentence or two and I'll look into it.",
        "es": "Claro. ¿En qué necesitas ayuda? Cuéntamelo en una o dos frases y lo miro.",
        "fr": "Bien sûr. De quoi avez-vous besoin ? Dites-le-moi en une ou deux phrases et je regarde.",
        "de": "Gern. Wobei brauchen Sie Hilfe? Beschreiben Sie es mir in ein, zwei Sätzen, dann schaue ich nach.",
        "pt": "Claro. Em que precisa de ajuda? Conte-me numa ou duas frases e eu verifico.",
    },
    "vague_handoff": {  # asked what they need, the visitor said again only that they need help
        "en": "A person from our team can work out with you what you need.",
        "es": "Una persona de nuestro equipo podrá ver contigo qué necesitas.",
        "fr": "Une personne de notre équipe pourra voir avec vous ce dont vous avez besoin.",
        "de": "Eine Person aus unserem Team kann mit Ihnen klären, was Sie brauchen.",
        "pt": "Uma pessoa da nossa equipa pode ver consigo aquilo de que precisa.",
    },
    "ask_what_you_need_short": {  # after a detail refused before it was asked
        "en": "What can I help you with?",
        "es": "¿En qué puedo ayudarte?",
        "fr": "Comment puis-je vous aider ?",
        "de": "Wobei kann ich Ihnen helfen?",
        "pt": "Como posso ajudar?",
    },
    "details_noted": {  # an email or a number sent with nothing asked for it: kept for the team
        "en": "Thanks, I've added that to your details. What can I help you with?",
        "es": "Gracias, lo he añadido a tus datos. ¿En qué puedo ayudarte?",
        "fr": "Merci, je l'ai ajouté à vos coordonnées. Comment puis-je vous aider ?",
        "de": "Danke, ich habe das zu Ihren Angaben hinzugefügt. Wobei kann ich Ihnen helfen?",
        "pt": "Obrigado, acrescentei isso aos seus dados. Como posso ajudar?",
    },
    "ask_problem_sorry": {
        "en": "I'm sorry about this. Tell me what went wrong, and I'll do my best to sort it out or bring in the right person from our team.",
        "es": "Siento mucho lo ocurrido. Cuéntame qué ha pasado y haré lo posible por resolverlo o pasarte con la persona adecuada de nuestro equipo.",
        "fr": "Je suis désolé. Dites-moi ce qui ne va pas : je ferai de mon mieux pour régler le problème ou faire appel à la bonne personne de notre équipe.",
        "de": "Das tut mir leid. Erzählen Sie mir, was passiert ist – ich versuche, es zu lösen, oder hole die richtige Person aus unserem Team dazu.",
        "pt": "Lamento muito. Conte-me o que aconteceu e farei o possível para resolver ou chamar a pessoa certa da "
              "nossa equipa.",
    },
    "why_we_ask": {
        "en": "We ask so that our team has what it needs to help you right away, without asking you again.",
        "es": "Te lo pedimos para que nuestro equipo tenga lo necesario para ayudarte enseguida, sin volver a preguntarte.",
        "fr": "Nous vous le demandons pour que notre équipe ait ce qu'il faut pour vous aider tout de suite, sans vous le redemander.",
        "de": "Wir fragen, damit unser Team alles hat, um Ihnen gleich zu helfen, ohne noch einmal nachzufragen.",
        "pt": "Pedimos estes dados para que a nossa equipa tenha o necessário para ajudar de imediato, sem ter de "
              "perguntar outra vez.",
    },
    "cannot_answer": {
        "en": "I couldn't find an answer to that in our help articles. Would you like me to bring in a person from our team?",
        "es": "No he encontrado la respuesta en nuestros artículos de ayuda. ¿Quieres que te pase con una persona de nuestro equipo?",
        "fr": "Je n'ai pas trouvé de réponse dans nos articles d'aide. Voulez-vous que je fasse appel à une personne de notre équipe ?",
        "de": "Dazu habe ich in unseren Hilfeartikeln keine Antwort gefunden. Soll ich jemanden aus unserem Team dazuholen?",
        "pt": "Não encontrei uma resposta nos nossos artigos de ajuda. Quer que eu chame uma pessoa da nossa equipa?",
    },
    "offer_human_repeated": {  # after the answer given again to a question asked again, calmly
        "en": "If that doesn't answer what you're asking, I can bring in a person from our team: would you like that?",
        "es": "Si eso no responde a lo que preguntas, puedo pasarte con una persona de nuestro equipo: ¿quieres?",
        "fr": "Si cela ne répond pas à votre question, je peux faire appel à une personne de notre équipe : le "
              "souhaitez-vous ?",
        "de": "Falls das Ihre Frage nicht beantwortet, kann ich jemanden aus unserem Team dazuholen: Möchten Sie das?",
        "pt": "Se isso não responde ao que pergunta, posso chamar uma pessoa da nossa equipa: quer que o faça?",
    },
    "what_to_do_again": {  # no person wanted, "just tell me what to do" right after an answer: that answer again
        "en": "All right, no person. Here's what to do, from the answer above:",
        "es": "De acuerdo, sin pasarte con nadie. Esto es lo que puedes hacer, según la respuesta anterior:",
        "fr": "D'accord, sans faire appel à personne. Voici quoi faire, d'après la réponse ci-dessus :",
        "de": "In Ordnung, ohne Kollegen. So gehen Sie vor, laut der Antwort oben:",
        "pt": "Está bem, sem chamar ninguém. Eis o que fazer, segundo a resposta acima:",
    },
    "declined_no_answer": {  # no person wanted, and the articles have nothing (more) on the question
        "en": "All right, no person. I couldn't find more on that in our help articles: tell me a bit more about what's "
              "happening, or ask it another way, and I'll look again.",
        "es": "De acuerdo, sin pasarte con nadie. No he encontrado nada más sobre eso en nuestros artículos de ayuda: "
              "cuéntame un poco más de lo que pasa, o pregúntalo de otra forma, y vuelvo a buscar.",
        "fr": "D'accord, sans faire appel à personne. Je n'ai rien trouvé de plus à ce sujet dans nos articles d'aide : "
              "dites-m'en un peu plus sur ce qui se passe, ou posez la question autrement, et je chercherai à nouveau.",
        "de": "In Ordnung, ohne Kollegen. Dazu habe ich in unseren Hilfeartikeln nichts weiter gefunden: Erzählen Sie mir "
              "etwas mehr darüber, was los ist, oder fragen Sie anders, dann suche ich noch einmal.",
        "pt": "Está bem, sem chamar ninguém. Não encontrei mais nada sobre isso nos nossos artigos de ajuda: conte-me um "
              "pouco mais sobre o que se passa, ou pergunte de outra forma, e volto a procurar.",
    },
    "cannot_answer_ai_only": {
        "en": "I couldn't find an answer to that in our help articles. Could you rephrase it, or ask about something else?",
        "es": "No he encontrado la respuesta en nuestros artículos de ayuda. ¿Puedes reformular la pregunta o preguntar otra cosa?",
        "fr": "Je n'ai pas trouvé de réponse dans nos articles d'aide. Pouvez-vous reformuler ou poser une autre question ?",
        "de": "Dazu habe ich in unseren Hilfeartikeln keine Antwort gefunden. Können Sie die Frage anders formulieren oder etwas anderes fragen?",
        "pt": "Não encontrei uma resposta nos nossos artigos de ajuda. Pode reformular a pergunta ou perguntar outra coisa?",
    },
    "no_person_after_answer": {  # AI only: after the answer to a message that also asked for a person
        "en": "As for talking to a person: no one from the team can join this chat, but I'm happy to keep helping here.",
        "es": "En cuanto a hablar con una persona: nadie del equipo puede unirse a este chat, pero con gusto sigo "
              "ayudándote aquí.",
        "fr": "Quant à parler à quelqu'un : personne de l'équipe ne peut rejoindre cette conversation, mais je peux "
              "continuer à vous aider ici.",
        "de": "Was ein Gespräch mit einer Person angeht: Niemand aus dem Team kann diesem Chat beitreten, aber ich "
              "helfe gern hier weiter.",
        "pt": "Quanto a falar com uma pessoa: ninguém da equipa pode entrar neste chat, mas posso continuar a "
              "ajudar aqui.",
    },
    "no_person_here": {  # AI only, or handoff turned off: a request for a person is answered plainly
        "en": "I'm the virtual assistant, and no one from the team can join this chat. I'm happy to keep helping "
              "here: tell me what you need.",
        "es": "Soy el asistente virtual y nadie del equipo puede unirse a este chat. Con gusto sigo ayudándote aquí: "
              "cuéntame qué necesitas.",
        "fr": "Je suis l'assistant virtuel, et personne de l'équipe ne peut rejoindre cette conversation. Je peux "
              "continuer à vous aider ici : dites-moi ce dont vous avez besoin.",
        "de": "Ich bin der virtuelle Assistent, und niemand aus dem Team kann diesem Chat beitreten. Ich helfe gern "
              "hier weiter: Sagen Sie mir, was Sie brauchen.",
        "pt": "Sou o assistente virtual e ninguém da equipa pode entrar nesta conversa. Posso continuar a ajudar "
              "aqui: diga-me de que precisa.",
    },
    "topic_no_person_here": {  # AI only, or handoff turned off: a restricted topic, which the AI may not handle
        "en": "That's something our team has to handle, and no one from the team can join this chat.",
        "es": "Eso lo tiene que gestionar nuestro equipo, y nadie del equipo puede unirse a este chat.",
        "fr": "C'est une demande que notre équipe doit traiter, et personne de l'équipe ne peut rejoindre cette "
              "conversation.",
        "de": "Darum muss sich unser Team kümmern, und niemand aus dem Team kann diesem Chat beitreten.",
        "pt": "Isso tem de ser tratado pela nossa equipa, e ninguém da equipa pode entrar nesta conversa.",
    },
    "detail_noted_waiting": {  # an order number, an email or a phone given while a person is awaited
        "en": "Thanks, that's added to your conversation for the team.",
        "es": "Gracias, lo he añadido a tu conversación para el equipo.",
        "fr": "Merci, c'est ajouté à votre conversation pour l'équipe.",
        "de": "Danke, das steht jetzt für das Team in Ihrem Gespräch.",
        "pt": "Obrigado, fica registado na sua conversa para a equipa.",
    },
    "call_noted_waiting": {  # a call asked for while a person is awaited
        "en": "I've noted for the team that you'd like a call; write your number here if they don't have it.",
        "es": "He anotado para el equipo que prefieres una llamada; escribe aquí tu número si no lo tienen.",
        "fr": "J'ai noté pour l'équipe que vous souhaitez un appel ; écrivez ici votre numéro s'ils ne l'ont pas.",
        "de": "Ich habe für das Team notiert, dass Sie einen Anruf möchten; schreiben Sie Ihre Nummer hier, falls sie "
              "fehlt.",
        "pt": "Registei para a equipa que prefere uma chamada; escreva aqui o seu número se ainda não o tiverem.",
    },
    "call_noted_waiting_at": {  # a call asked for while a person is awaited, the number known (by SMS, on the contact)
        "en": "I've noted for the team that you'd like a call at {phone}.",
        "es": "He anotado para el equipo que prefieres una llamada al {phone}.",
        "fr": "J'ai noté pour l'équipe que vous souhaitez un appel au {phone}.",
        "de": "Ich habe für das Team notiert, dass Sie einen Anruf unter {phone} möchten.",
        "pt": "Registei para a equipa que prefere uma chamada para o {phone}.",
    },
    "call_the_team": {  # after no_person_here, when the policy has a fallback phone
        "en": "To speak with someone, call us at {phone}.",
        "es": "Para hablar con alguien, llámanos al {phone}.",
        "fr": "Pour parler à quelqu'un, appelez-nous au {phone}.",
        "de": "Wenn Sie mit jemandem sprechen möchten, rufen Sie uns an: {phone}.",
        "pt": "Para falar com alguém, ligue-nos para o {phone}.",
    },
    "handed_back": {
        "en": "Hi again, I'm the assistant and I'm back with you. How can I help?",
        "es": "Hola de nuevo, soy el asistente y vuelvo a atenderte. ¿En qué puedo ayudarte?",
        "fr": "Re-bonjour, c'est l'assistant, je reprends la conversation. Comment puis-je vous aider ?",
        "de": "Hallo nochmal, hier ist wieder der Assistent. Wie kann ich helfen?",
        "pt": "Olá de novo, sou o assistente e estou de volta. Como posso ajudar?",
    },
    "handed_back_to_question": {  # handed back with the visitor's last message unanswered: the AI answers it next
        "en": "Hi again, I'm the assistant and I'm back with you. About your last message:",
        "es": "Hola de nuevo, soy el asistente y vuelvo a atenderte. Sobre tu último mensaje:",
        "fr": "Re-bonjour, c'est l'assistant, je reprends la conversation. À propos de votre dernier message :",
        "de": "Hallo nochmal, hier ist wieder der Assistent. Zu Ihrer letzten Nachricht:",
        "pt": "Olá de novo, sou o assistente e estou de volta. Sobre a sua última mensagem:",
    },
    "place_not_listed": {  # a country no article names, answered with the list of the countries the shop serves
        "en": "{place} isn't mentioned in our help articles. This is what they say about other countries:",
        "es": "{place} no aparece en nuestros artículos de ayuda. Esto es lo que dicen sobre otros países:",
        "fr": "{place} n'apparaît pas dans nos articles d'aide. Voici ce qu'ils disent des autres pays :",
        "de": "{place} wird in unseren Hilfeartikeln nicht genannt. Das steht dort zu anderen Ländern:",
        "pt": "{place} não aparece nos nossos artigos de ajuda. Eis o que dizem sobre outros países:",
    },
    "price_not_given": {  # a price asked of an article that gives none ("How much does shipping to the UK cost?")
        "en": "Our help articles don't give a price for that. This is what they say:",
        "es": "Nuestros artículos de ayuda no dan un precio para eso. Esto es lo que dicen:",
        "fr": "Nos articles d'aide n'indiquent pas de prix pour cela. Voici ce qu'ils disent :",
        "de": "Einen Preis dafür nennen unsere Hilfeartikel nicht. Das steht dort:",
        "pt": "Os nossos artigos de ajuda não indicam um preço para isso. Eis o que dizem:",
    },
    "time_not_given": {  # a length of time asked of an article that gives none
        "en": "Our help articles don't say how long that takes. This is what they say:",
        "es": "Nuestros artículos de ayuda no dicen cuánto tarda eso. Esto es lo que dicen:",
        "fr": "Nos articles d'aide n'indiquent pas combien de temps cela prend. Voici ce qu'ils disent :",
        "de": "Wie lange das dauert, steht nicht in unseren Hilfeartikeln. Das steht dort:",
        "pt": "Os nossos artigos de ajuda não dizem quanto tempo isso demora. Eis o que dizem:",
    },
    "thing_not_mentioned": {  # a thing asked about that the article answering does not mention ("bank transfer")
        "en": "Our help articles don't mention “{thing}”. This is what they say:",
        "es": "Nuestros artículos de ayuda no mencionan «{thing}». Esto es lo que dicen:",
        "fr": "Nos articles d'aide ne mentionnent pas « {thing} ». Voici ce qu'ils disent :",
        "de": "„{thing}“ wird in unseren Hilfeartikeln nicht erwähnt. Das steht dort:",
        "pt": "Os nossos artigos de ajuda não mencionam «{thing}». Eis o que dizem:",
    },
    "thing_mentioned": {  # something asked to be sold that only another article mentions ("do you sell tents?")
        "en": "Our help articles mention “{thing}” here:",
        "es": "Nuestros artículos de ayuda mencionan «{thing}» aquí:",
        "fr": "Nos articles d'aide mentionnent « {thing} » ici :",
        "de": "„{thing}“ wird in unseren Hilfeartikeln hier erwähnt:",
        "pt": "Os nossos artigos de ajuda mencionam «{thing}» aqui:",
    },
    "name_not_listed": {  # a follow-up asks the question before of a name no article has ("et à Paris ?")
        "en": "I don't see {name} in our help articles. This is what they say:",
        "es": "No veo {name} en nuestros artículos de ayuda. Esto es lo que dicen:",
        "fr": "Je ne vois pas {name} dans nos articles d'aide. Voici ce qu'ils disent :",
        "de": "{name} finde ich in unseren Hilfeartikeln nicht. Das steht dort:",
        "pt": "Não vejo {name} nos nossos artigos de ajuda. Eis o que dizem:",
    },
    "kb_source": {
        "en": "From our article “{title}”",
        "es": "De nuestro artículo «{title}»",
        "fr": "Extrait de notre article « {title} »",
        "de": "Aus unserem Artikel „{title}“",
        "pt": "Do nosso artigo “{title}”",
    },
    # --- what happens next, said in a way that fits the situation ---
    "handoff_after_hours": {  # queued while the team is out of office hours: when it is back, not "busy"
        "en": "Our team is out of office right now and back {when}. You are number {position} in the queue; the "
              "reply will appear here, even if you leave this page and come back later.",
        "es": "Nuestro equipo está fuera de horario y vuelve {when}. Eres el número {position} en la cola; la "
              "respuesta aparecerá aquí, también si sales de esta página y vuelves más tarde.",
        "fr": "Notre équipe est absente pour le moment et revient {when}. Vous êtes numéro {position} dans la "
              "file ; la réponse s'affichera ici, même si vous quittez cette page et revenez plus tard.",
        "de": "Unser Team ist gerade nicht im Dienst und ab {when} wieder da. Sie sind Nummer {position} in der "
              "Warteschlange; die Antwort erscheint hier, auch wenn Sie die Seite verlassen und später zurückkommen.",
        "pt": "A nossa equipa está fora do horário de atendimento e volta {when}. É o número {position} na fila; a "
              "resposta vai aparecer aqui, mesmo que saia desta página e volte mais tarde.",
    },
    "handoff_after_hours_thread": {  # the same by email, SMS or Slack
        "en": "Our team is out of office right now and back {when}; they'll reply in this conversation then. You "
              "are number {position} in the queue.",
        "es": "Nuestro equipo está fuera de horario y vuelve {when}; te responderá en esta conversación. Eres el "
              "número {position} en la cola.",
        "fr": "Notre équipe est absente pour le moment et revient {when} ; elle vous répondra dans cette conversation. "
              "Vous êtes numéro {position} dans la file.",
        "de": "Unser Team ist gerade nicht im Dienst und ab {when} wieder da; die Antwort kommt dann in dieser "
              "Unterhaltung. Sie sind Nummer {position} in der Warteschlange.",
        "pt": "A nossa equipa está fora do horário de atendimento e volta {when}; vai responder nesta conversa. É o "
              "número {position} na fila.",
    },
    "still_waiting_after_hours": {  # "anyone there?" while queued out of office hours
        "en": "You're still in the queue, number {position}. Our team is back {when} and will reply here.",
        "es": "Sigues en la cola, con el número {position}. Nuestro equipo vuelve {when} y te responderá aquí.",
        "fr": "Vous êtes toujours dans la file, numéro {position}. Notre équipe revient {when} et vous répondra ici.",
        "de": "Sie sind noch in der Warteschlange, Nummer {position}. Unser Team ist ab {when} wieder da und "
              "antwortet hier.",
        "pt": "Continua na fila, com o número {position}. A nossa equipa volta {when} e vai responder aqui.",
    },
    "when_today": {"en": "today at {time}", "es": "hoy a las {time}", "fr": "aujourd'hui à {time}",
                   "de": "heute um {time}", "pt": "hoje às {time}"},
    "when_tomorrow": {"en": "tomorrow at {time}", "es": "mañana a las {time}", "fr": "demain à {time}",
                      "de": "morgen um {time}", "pt": "amanhã às {time}"},
    "when_on_day": {"en": "on {day} at {time}", "es": "el {day} a las {time}", "fr": "{day} à {time}",
                    "de": "{day} um {time}", "pt": "{day} às {time}"},
    "still_waiting_assigned": {  # "anyone there?" while the handoff waits for its assignee's first reply
        "en": "Yes, a member of our team has your conversation and will reply here as soon as they can.",
        "es": "Sí, una persona de nuestro equipo tiene tu conversación y te responderá aquí en cuanto pueda.",
        "fr": "Oui, un membre de notre équipe a votre conversation et vous répondra ici dès que possible.",
        "de": "Ja, jemand aus unserem Team hat Ihr Gespräch und antwortet hier, sobald es geht.",
        "pt": "Sim, uma pessoa da nossa equipa está com a sua conversa e vai responder aqui assim que puder.",
    },
    "sms_help": {  # the answer to HELP by SMS
        "en": "{name} support: write your question here and we will answer. Reply STOP to opt out.",
        "es": "Atención al cliente de {name}: escribe aquí tu pregunta y te responderemos. Responde STOP para darte de baja.",
        "fr": "Service client {name} : écrivez votre question ici et nous vous répondrons. Répondez STOP pour vous "
              "désabonner.",
        "de": "{name} Kundenservice: Schreiben Sie Ihre Frage hier, wir antworten Ihnen. Antworten Sie STOP zum Abmelden.",
        "pt": "Apoio ao cliente {name}: escreva aqui a sua pergunta e nós respondemos. Responda STOP para cancelar.",
    },
    "sms_opted_out": {  # a sender's own word for STOP (BAJA, ARRET, STOPP, PARAR), which Twilio does not answer
        "en": "You won't get any more texts from us. Reply START to receive them again.",
        "es": "No recibirás más mensajes nuestros. Responde START para volver a recibirlos.",
        "fr": "Vous ne recevrez plus de SMS de notre part. Répondez START pour les recevoir à nouveau.",
        "de": "Sie erhalten keine SMS mehr von uns. Antworten Sie START, um sie wieder zu erhalten.",
        "pt": "Não vai receber mais mensagens nossas. Responda START para voltar a recebê-las.",
    },
    "sms_rating_thanks": {  # a survey answered 1, 2 or 3 by SMS
        "en": "Thanks for your rating!", "es": "¡Gracias por tu valoración!", "fr": "Merci pour votre note !",
        "de": "Danke für Ihre Bewertung!", "pt": "Obrigado pela sua avaliação!",
    },
    "waiting_assigned": {  # a detail given while the handoff waits for its assignee's first reply
        "en": "A member of our team has your conversation and will reply here as soon as they can.",
        "es": "Una persona de nuestro equipo tiene tu conversación y te responderá aquí en cuanto pueda.",
        "fr": "Un membre de notre équipe a votre conversation et vous répondra ici dès que possible.",
        "de": "Jemand aus unserem Team hat Ihr Gespräch und antwortet hier, sobald es geht.",
        "pt": "Uma pessoa da nossa equipa está com a sua conversa e vai responder aqui assim que puder.",
    },
    "still_waiting_queued": {  # "anyone there?" while the handoff waits in the queue
        "en": "You're still in the queue, number {position}; expect a reply in {wait}. "
              "Everything you write here is kept for the team.",
        "es": "Sigues en la cola, con el número {position}; espera una respuesta en {wait}. "
              "Todo lo que escribas aquí se guarda para el equipo.",
        "fr": "Vous êtes toujours dans la file, numéro {position} ; réponse prévue dans {wait}. "
              "Tout ce que vous écrivez ici est gardé pour l'équipe.",
        "de": "Sie sind noch in der Warteschlange, Nummer {position}; rechnen Sie mit einer Antwort in {wait}. "
              "Alles, was Sie hier schreiben, bleibt für das Team erhalten.",
        "pt": "Continua na fila, com o número {position}; a resposta deve chegar em {wait}. Tudo o que escrever "
              "aqui fica guardado para a equipa.",
    },
    "handoff_passing": {
        "en": "I'm passing this conversation to a member of our team; they'll reply here.",
        "es": "Paso esta conversación a una persona de nuestro equipo; te responderá aquí.",
        "fr": "Je transmets cette conversation à un membre de notre équipe ; il vous répondra ici.",
        "de": "Ich gebe dieses Gespräch an jemanden aus unserem Team weiter; die Antwort kommt hier.",
        "pt": "Estou a passar esta conversa a uma pessoa da nossa equipa; ela vai responder aqui.",
    },
    "opener_of_course": {
        "en": "Of course.",
        "es": "Por supuesto.",
        "fr": "Bien sûr.",
        "de": "Natürlich.",
        "pt": "Claro.",
    },
    "opener_sorry": {
        "en": "I'm sorry about this.",
        "es": "Siento mucho lo ocurrido.",
        "fr": "Je suis désolé de ce qui se passe.",
        "de": "Das tut mir leid.",
        "pt": "Lamento muito o sucedido.",
    },
    "opener_ai_disclosed": {
        "en": "I'm an AI assistant, not a person.",
        "es": "Soy un asistente de IA, no una persona.",
        "fr": "Je suis un assistant IA, pas une personne.",
        "de": "Ich bin ein KI-Assistent, kein Mensch.",
        "pt": "Sou um assistente de IA, não uma pessoa.",
    },
    "not_helpful_plain": {  # the visitor said the answer did not help: said so, then what happens next
        "en": "Sorry that didn't help.",
        "es": "Siento que eso no te haya servido.",
        "fr": "Désolé que cela ne vous ait pas aidé.",
        "de": "Schade, dass das nicht geholfen hat.",
        "pt": "Lamento que isso não tenha ajudado.",
    },
    "cannot_answer_plain": {
        "en": "I couldn't find an answer to that in our help articles.",
        "es": "No he encontrado la respuesta en nuestros artículos de ayuda.",
        "fr": "Je n'ai pas trouvé de réponse dans nos articles d'aide.",
        "de": "Dazu habe ich in unseren Hilfeartikeln keine Antwort gefunden.",
        "pt": "Não encontrei uma resposta nos nossos artigos de ajuda.",
    },
    "gather_intro_of_course": {
        "en": "Of course, I'll bring in a member of our team.",
        "es": "Por supuesto, te paso con una persona de nuestro equipo.",
        "fr": "Bien sûr, je fais appel à un membre de notre équipe.",
        "de": "Natürlich, ich hole jemanden aus unserem Team dazu.",
        "pt": "Claro, vou chamar uma pessoa da nossa equipa.",
    },
    "gather_intro_sorry": {
        "en": "I'm sorry about this. I'll bring in a member of our team.",
        "es": "Siento mucho lo ocurrido. Te paso con una persona de nuestro equipo.",
        "fr": "Je suis désolé de ce qui se passe. Je fais appel à un membre de notre équipe.",
        "de": "Das tut mir leid. Ich hole jemanden aus unserem Team dazu.",
        "pt": "Lamento muito o sucedido. Vou chamar uma pessoa da nossa equipa.",
    },
    "gather_intro_plain": {
        "en": "I'll bring in a member of our team.",
        "es": "Te paso con una persona de nuestro equipo.",
        "fr": "Je fais appel à un membre de notre équipe.",
        "de": "Ich hole jemanden aus unserem Team dazu.",
        "pt": "Vou chamar uma pessoa da nossa equipa.",
    },
    "gather_intro_ai_disclosed": {
        "en": "I'm an AI assistant, not a person. I'll bring in a member of our team.",
        "es": "Soy un asistente de IA, no una persona. Te paso con una persona de nuestro equipo.",
        "fr": "Je suis un assistant IA, pas une personne. Je fais appel à un membre de notre équipe.",
        "de": "Ich bin ein KI-Assistent, kein Mensch. Ich hole jemanden aus unserem Team dazu.",
        "pt": "Sou um assistente de IA, não uma pessoa. Vou chamar uma pessoa da nossa equipa.",
    },
    "gather_phone_instead": {  # asked for an email, the visitor gave a phone number
        "en": "Thanks, our team can reach you on that number.",
        "es": "Gracias, nuestro equipo puede contactarte en ese número.",
        "fr": "Merci, notre équipe pourra vous joindre à ce numéro.",
        "de": "Danke, unser Team kann Sie unter dieser Nummer erreichen.",
        "pt": "Obrigado, a nossa equipa pode ligar-lhe para esse número.",
    },
    "wait_after_gathering": {  # "how long will I have to wait?" while a detail is asked before the handoff
        "en": "As soon as I have this, you're in the queue and I'll tell you how long the wait is.",
        "es": "En cuanto tenga este dato, entras en la cola y te digo cuánto hay que esperar.",
        "fr": "Dès que j'ai cette information, vous êtes dans la file et je vous dis combien de temps il faut attendre.",
        "de": "Sobald ich das habe, sind Sie in der Warteschlange, und ich sage Ihnen, wie lange es dauert.",
        "pt": "Assim que eu tiver esse dado, entra na fila e digo-lhe quanto tempo terá de esperar.",
    },
    "gather_skipped": {
        "en": "No problem, we'll go on without it.",
        "es": "No pasa nada, seguimos sin ese dato.",
        "fr": "Pas de souci, on continue sans.",
        "de": "Kein Problem, dann geht es ohne weiter.",
        "pt": "Sem problema, seguimos sem essa informação.",
    },
    # a question sent with others (their turns merged into one) that the articles do not answer: said, not skipped
    "earlier_not_found": {
        "en": "I couldn't find an answer to “{question}” in our help articles.",
        "es": "No he encontrado la respuesta a «{question}» en nuestros artículos de ayuda.",
        "fr": "Je n'ai pas trouvé de réponse à « {question} » dans nos articles d'aide.",
        "de": "Auf „{question}“ habe ich in unseren Hilfeartikeln keine Antwort gefunden.",
        "pt": "Não encontrei uma resposta para “{question}” nos nossos artigos de ajuda.",
    },
    "question_passed_on": {
        "en": "I couldn't find an answer to that in our help articles; I'll pass your question on to our team.",
        "es": "No he encontrado la respuesta en nuestros artículos de ayuda; pasaré tu pregunta a nuestro equipo.",
        "fr": "Je n'ai pas trouvé de réponse dans nos articles d'aide ; je transmets votre question à notre équipe.",
        "de": "Dazu habe ich in unseren Hilfeartikeln keine Antwort gefunden; ich gebe Ihre Frage an unser Team weiter.",
        "pt": "Não encontrei uma resposta nos nossos artigos de ajuda; vou passar a sua pergunta à nossa equipa.",
    },
    "assistant_trouble": {
        "en": "Sorry, something went wrong on my side. Please try again in a moment.",
        "es": "Lo siento, algo ha fallado por mi parte. Inténtalo de nuevo en un momento.",
        "fr": "Désolé, un problème est survenu de mon côté. Réessayez dans un instant.",
        "de": "Entschuldigung, bei mir ist etwas schiefgelaufen. Bitte versuchen Sie es gleich noch einmal.",
        "pt": "Desculpe, algo correu mal do meu lado. Tente novamente daqui a pouco.",
    },
    "capabilities": {  # "what can you do?", "who are you?"
        "en": "I'm the AI assistant here: I answer questions from our help articles, and I can bring in a person from our team when you need one. What can I help you with?",
        "es": "Soy el asistente de IA: respondo preguntas con nuestros artículos de ayuda y, si lo necesitas, te paso con una persona de nuestro equipo. ¿En qué puedo ayudarte?",
        "fr": "Je suis l'assistant IA : je réponds aux questions à partir de nos articles d'aide et, si besoin, je fais appel à une personne de notre équipe. Comment puis-je vous aider ?",
        "de": "Ich bin der KI-Assistent: Ich beantworte Fragen mit unseren Hilfeartikeln und hole bei Bedarf jemanden aus unserem Team dazu. Wie kann ich helfen?",
        "pt": "Sou o assistente de IA: respondo a perguntas com os nossos artigos de ajuda e, se precisar, chamo "
              "uma pessoa da nossa equipa. Como posso ajudar?",
    },
    "still_there": {  # "are you there?" said to the assistant
        "en": "Yes, I'm here. What can I help you with?",
        "es": "Sí, aquí estoy. ¿En qué puedo ayudarte?",
        "fr": "Oui, je suis là. Comment puis-je vous aider ?",
        "de": "Ja, ich bin da. Wie kann ich Ihnen helfen?",
        "pt": "Sim, estou aqui. Como posso ajudar?",
    },
    "greeting": {
        "en": "Hello! How can I help you today?",
        "es": "¡Hola! ¿En qué puedo ayudarte hoy?",
        "fr": "Bonjour ! Comment puis-je vous aider aujourd'hui ?",
        "de": "Hallo! Wie kann ich Ihnen heute helfen?",
        "pt": "Olá! Como posso ajudar hoje?",
    },
    "thanks": {
        "en": "You're welcome! Is there anything else I can help with?",
        "es": "¡De nada! ¿Puedo ayudarte en algo más?",
        "fr": "Avec plaisir ! Puis-je vous aider pour autre chose ?",
        "de": "Gern geschehen! Kann ich sonst noch helfen?",
        "pt": "De nada! Posso ajudar em mais alguma coisa?",
    },
    "thanks_staff": {  # thanks for the person who helped: the team sees the conversation in its inbox
        "en": "Thank you, that's kind! The team will see your message. Is there anything else I can help with?",
        "es": "¡Gracias, qué amable! El equipo verá tu mensaje. ¿Puedo ayudarte en algo más?",
        "fr": "Merci, c'est gentil ! L'équipe verra votre message. Puis-je vous aider pour autre chose ?",
        "de": "Danke, das ist nett! Das Team sieht Ihre Nachricht. Kann ich sonst noch helfen?",
        "pt": "Obrigado, é muito amável! A equipa vai ver a sua mensagem. Posso ajudar em mais alguma coisa?",
    },
    "acknowledgment": {  # a bare "ok", "yes", "no": nothing to look up, nobody to bring in
        "en": "All right. What can I help you with?",
        "es": "De acuerdo. ¿En qué puedo ayudarte?",
        "fr": "D'accord. En quoi puis-je vous aider ?",
        "de": "In Ordnung. Wobei kann ich Ihnen helfen?",
        "pt": "Está bem. Em que posso ajudar?",
    },
    "handoff_withdrawn": {  # "never mind" while a handoff was being prepared: nobody is brought in
        "en": "All right, I won't bring anyone in. What else can I help you with?",
        "es": "De acuerdo, no avisaré a nadie del equipo. ¿En qué más puedo ayudarte?",
        "fr": "D'accord, je ne fais appel à personne. En quoi puis-je encore vous aider ?",
        "de": "In Ordnung, ich hole niemanden dazu. Wobei kann ich sonst noch helfen?",
        "pt": "Está bem, não vou chamar ninguém. Em que mais posso ajudar?",
    },
    "handoff_not_needed": {  # a goodbye or "that helped" while a handoff was being prepared: before the reply to it
        "en": "All right, I won't bring anyone in.",
        "es": "De acuerdo, no avisaré a nadie del equipo.",
        "fr": "D'accord, je ne fais appel à personne.",
        "de": "In Ordnung, ich hole niemanden dazu.",
        "pt": "Está bem, não vou chamar ninguém.",
    },
    "flow_left": {  # "never mind", "cancel", "stop" while a flow waited for an answer: the flow stops there
        "en": "All right, let's leave that there. What else can I help you with?",
        "es": "De acuerdo, lo dejamos aquí. ¿En qué más puedo ayudarte?",
        "fr": "D'accord, on s'arrête là. En quoi puis-je encore vous aider ?",
        "de": "In Ordnung, wir lassen das hier. Wobei kann ich sonst noch helfen?",
        "pt": "Está bem, ficamos por aqui. Em que mais posso ajudar?",
    },
    "flow_left_answered": {  # the same, said before the answer to the question the visitor asked instead
        "en": "All right, let's leave that there.",
        "es": "De acuerdo, lo dejamos aquí.",
        "fr": "D'accord, on s'arrête là.",
        "de": "In Ordnung, wir lassen das hier.",
        "pt": "Está bem, ficamos por aqui.",
    },
    "unclear": {  # "?", "...", an emoji: nothing to answer and no reason to bring anyone in
        "en": "Sorry, I didn't quite get that. Could you tell me in a few words what you need?",
        "es": "Perdona, no lo he entendido. ¿Puedes contarme en pocas palabras qué necesitas?",
        "fr": "Désolé, je n'ai pas bien compris. Pouvez-vous me dire en quelques mots ce dont vous avez besoin ?",
        "de": "Entschuldigung, das habe ich nicht verstanden. Können Sie mir in ein paar Worten sagen, was Sie brauchen?",
        "pt": "Desculpe, não percebi. Pode dizer-me em poucas palavras de que precisa?",
    },
    "goodbye": {
        "en": "Thanks for reaching out. Have a good day!",
        "es": "Gracias por escribirnos. ¡Que tengas un buen día!",
        "fr": "Merci de nous avoir contactés. Bonne journée !",
        "de": "Danke für Ihre Nachricht. Einen schönen Tag noch!",
        "pt": "Obrigado pelo contacto. Tenha um bom dia!",
    },
    # information to gather before a handoff: one question at a time
    "gather_name": {
        "en": "Before I connect you, what is your name?",
        "es": "Antes de pasarte con el equipo, ¿cómo te llamas?",
        "fr": "Avant de vous mettre en relation, quel est votre nom ?",
        "de": "Bevor ich Sie verbinde: Wie ist Ihr Name?",
        "pt": "Antes de passar a conversa, qual é o seu nome?",
    },
    "gather_email": {
        "en": "What email address can our team reach you at?",
        "es": "¿En qué dirección de correo electrónico puede contactarte nuestro equipo?",
        "fr": "À quelle adresse e-mail notre équipe peut-elle vous joindre ?",
        "de": "Unter welcher E-Mail-Adresse kann unser Team Sie erreichen?",
        "pt": "Para que endereço de e-mail pode a nossa equipa escrever-lhe?",
    },
    "gather_phone": {
        "en": "What phone number can our team call you on?",
        "es": "¿A qué número de teléfono puede llamarte nuestro equipo?",
        "fr": "À quel numéro de téléphone notre équipe peut-elle vous appeler ?",
        "de": "Unter welcher Telefonnummer kann unser Team Sie anrufen?",
        "pt": "Para que número de telefone pode a nossa equipa ligar-lhe?",
    },
    "gather_phone_after_email": {  # a call asked for, an email given when the number was asked
        "en": "Thanks, I've noted your email. To call you back, our team needs a phone number: what number can they call "
              "you on? (If email is fine, just say so.)",
        "es": "Gracias, he anotado tu correo. Para llamarte, nuestro equipo necesita un número de teléfono: ¿a qué número "
              "pueden llamarte? (Si prefieres el correo, dímelo.)",
        "fr": "Merci, j'ai noté votre e-mail. Pour vous rappeler, notre équipe a besoin d'un numéro de téléphone : à quel "
              "numéro peut-elle vous appeler ? (Si l'e-mail vous convient, dites-le-moi.)",
        "de": "Danke, ich habe Ihre E-Mail notiert. Für einen Rückruf braucht unser Team eine Telefonnummer: Unter welcher "
              "Nummer kann es Sie anrufen? (Wenn E-Mail in Ordnung ist, sagen Sie es einfach.)",
        "pt": "Obrigado, anotei o seu e-mail. Para lhe ligar, a nossa equipa precisa de um número de telefone: para que "
              "número pode ligar-lhe? (Se o e-mail servir, diga-me.)",
    },
    "gather_order_number": {
        "en": "What is your order number?",
        "es": "¿Cuál es tu número de pedido?",
        "fr": "Quel est votre numéro de commande ?",
        "de": "Wie lautet Ihre Bestellnummer?",
        "pt": "Qual é o número da sua encomenda?",
    },
    "gather_text": {
        "en": "Could you describe the issue in a sentence or two?",
        "es": "¿Puedes describir el problema en una o dos frases?",
        "fr": "Pouvez-vous décrire le problème en une ou deux phrases ?",
        "de": "Können Sie das Problem in ein, zwei Sätzen beschreiben?",
        "pt": "Pode descrever o problema numa ou duas frases?",
    },
    "gather_regex": {
        "en": "Could you give me the {label}?",
        "es": "¿Puedes indicarme {label}?",
        "fr": "Pouvez-vous m'indiquer {label} ?",
        "de": "Können Sie mir {label} nennen?",
        "pt": "Pode indicar-me {label}?",
    },
    "gather_invalid_name": {
        "en": "Sorry, I didn't catch a name. Please type your name, for example “Maria Silva”.",
        "es": "Perdona, no he entendido el nombre. Escribe tu nombre, por ejemplo «María García».",
        "fr": "Désolé, je n'ai pas compris le nom. Tapez votre nom, par exemple « Marie Dupont ».",
        "de": "Entschuldigung, ich habe keinen Namen erkannt. Bitte geben Sie Ihren Namen ein, z. B. „Anna Müller“.",
        "pt": "Desculpe, não percebi o nome. Escreva o seu nome, por exemplo “Maria Silva”.",
    },
    "gather_invalid_email": {
        "en": "That doesn't look like an email address. Please send one like name@example.com.",
        "es": "Eso no parece una dirección de correo. Envía una como nombre@ejemplo.com.",
        "fr": "Cela ne ressemble pas à une adresse e-mail. Envoyez-en une comme nom@exemple.fr.",
        "de": "Das sieht nicht wie eine E-Mail-Adresse aus. Bitte senden Sie eine wie name@beispiel.de.",
        "pt": "Isso não parece um endereço de e-mail. Envie um como nome@exemplo.com.",
    },
    "gather_invalid_phone": {
        "en": "That doesn't look like a phone number. Please send it with the country code, e.g. +1 555 123 4567.",
        "es": "Eso no parece un número de teléfono. Envíalo con el prefijo del país, p. ej. +34 612 345 678.",
        "fr": "Cela ne ressemble pas à un numéro de téléphone. Envoyez-le avec l'indicatif, p. ex. +33 6 12 34 56 78.",
        "de": "Das sieht nicht wie eine Telefonnummer aus. Bitte mit Ländervorwahl senden, z. B. +49 151 2345 6789.",
        "pt": "Isso não parece um número de telefone. Envie-o com o indicativo do país, por exemplo +351 912 345 "
              "678.",
    },
    "gather_invalid_order_number": {
        "en": "I couldn't find an order number in that. It's on your confirmation email, e.g. “A12345”.",
        "es": "No encuentro un número de pedido ahí. Está en tu correo de confirmación, p. ej. «A12345».",
        "fr": "Je ne trouve pas de numéro de commande. Il figure dans votre e-mail de confirmation, p. ex. « A12345 ».",
        "de": "Ich finde darin keine Bestellnummer. Sie steht in Ihrer Bestätigungs-E-Mail, z. B. „A12345“.",
        "pt": "Não encontrei um número de encomenda. Está no seu e-mail de confirmação, por exemplo “A12345”.",
    },
    "gather_invalid_text": {
        "en": "Could you tell me a bit more? A short sentence about the problem is enough.",
        "es": "¿Puedes contarme un poco más? Basta con una frase sobre el problema.",
        "fr": "Pouvez-vous m'en dire un peu plus ? Une courte phrase sur le problème suffit.",
        "de": "Können Sie etwas mehr dazu sagen? Ein kurzer Satz zum Problem genügt.",
        "pt": "Pode contar-me um pouco mais? Basta uma frase curta sobre o problema.",
    },
    "gather_invalid_regex": {
        "en": "That doesn't match the expected format for {label}. Please check and send it again.",
        "es": "Eso no coincide con el formato esperado de {label}. Revísalo y envíalo de nuevo.",
        "fr": "Cela ne correspond pas au format attendu pour {label}. Vérifiez et renvoyez-le.",
        "de": "Das passt nicht zum erwarteten Format für {label}. Bitte prüfen und erneut senden.",
        "pt": "Isso não corresponde ao formato esperado para {label}. Verifique e envie novamente.",
    },
    "handoff_dequeued": {
        "en": "A member of our team is available now and will reply here shortly.",
        "es": "Ya hay una persona de nuestro equipo disponible; te responderá aquí en breve.",
        "fr": "Un membre de notre équipe est maintenant disponible et vous répondra ici sous peu.",
        "de": "Jetzt ist jemand aus unserem Team verfügbar und antwortet Ihnen hier in Kürze.",
        "pt": "Uma pessoa da nossa equipa já está disponível e vai responder aqui em breve.",
    },
    # --- the same notices on a phone call: heard, not read, and no page to leave ---
    "call_transfer": {
        "en": "I'm putting you through to a member of our team now. Please stay on the line.",
        "es": "Te paso ahora con una persona de nuestro equipo. Por favor, no cuelgues.",
        "fr": "Je vous passe maintenant un membre de notre équipe. Merci de rester en ligne.",
        "de": "Ich verbinde Sie jetzt mit jemandem aus unserem Team. Bitte bleiben Sie dran.",
        "pt": "Vou passar agora a sua chamada a uma pessoa da nossa equipa. Por favor, não desligue.",
    },
    "call_text_back": {
        "en": "I've passed your call to a member of our team. They'll send you a text message at this number.",
        "es": "He pasado tu llamada a una persona de nuestro equipo. Te escribirá un mensaje de texto a este número.",
        "fr": "J'ai transmis votre appel à un membre de notre équipe. Il vous enverra un SMS à ce numéro.",
        "de": "Ich habe Ihren Anruf an jemanden aus unserem Team weitergegeben. Sie bekommen eine SMS an diese Nummer.",
        "pt": "Passei a sua chamada a uma pessoa da nossa equipa, que lhe vai enviar uma mensagem de texto para "
              "este número.",
    },
    "call_queued_text_back": {
        "en": "Everyone on our team is busy right now. You are number {position} in the queue. "
        "A member of our team will send you a text message at this number in {wait}.",
        "es": "Ahora mismo todo nuestro equipo está ocupado. Eres el número {position} en la cola. "
        "Una persona de nuestro equipo te escribirá a este número en {wait}.",
        "fr": "Toute notre équipe est occupée pour le moment. Vous êtes numéro {position} dans la file. "
        "Un membre de notre équipe vous enverra un SMS à ce numéro dans {wait}.",
        "de": "Unser Team ist gerade beschäftigt. Sie sind Nummer {position} in der Warteschlange. "
        "Jemand aus unserem Team schickt Ihnen in {wait} eine SMS an diese Nummer.",
        "pt": "Toda a nossa equipa está ocupada neste momento. É o número {position} na fila. Uma pessoa da nossa "
              "equipa vai enviar-lhe uma mensagem de texto para este número em {wait}.",
    },
    "handoff_transferred": {  # an agent passed the conversation to a team that is there
        "en": "Your conversation has been passed to the colleagues who can best help with it; they'll reply here.",
        "es": "Hemos pasado tu conversación a los compañeros que mejor pueden ayudarte; te responderán aquí.",
        "fr": "Votre conversation a été transmise aux collègues les mieux placés pour vous aider ; ils vous "
        "répondront ici.",
        "de": "Ihr Gespräch wurde an die Kolleginnen und Kollegen weitergegeben, die Ihnen am besten helfen können; "
        "die Antwort kommt hier.",
        "pt": "A sua conversa foi passada aos colegas que melhor podem ajudar; vão responder-lhe aqui.",
    },
    "handoff_transferred_waiting": {  # ... to a team that is away: the queue or office-hours notice follows
        "en": "Your conversation has been passed to the colleagues who can best help with it.",
        "es": "Hemos pasado tu conversación a los compañeros que mejor pueden ayudarte.",
        "fr": "Votre conversation a été transmise aux collègues les mieux placés pour vous aider.",
        "de": "Ihr Gespräch wurde an die Kolleginnen und Kollegen weitergegeben, die Ihnen am besten helfen können.",
        "pt": "A sua conversa foi passada aos colegas que melhor podem ajudar.",
    },
    "handoff_rerouted": {
        "en": "The teammate who had your conversation isn't available, so I've passed it to another member "
        "of our team; they'll reply here.",
        "es": "La persona que tenía tu conversación no está disponible, así que la he pasado a otra persona "
        "de nuestro equipo; te responderá aquí.",
        "fr": "La personne qui suivait votre conversation n'est pas disponible ; je l'ai transmise à un autre "
        "membre de notre équipe, qui vous répondra ici.",
        "de": "Die Person, die Ihr Gespräch hatte, ist nicht erreichbar. Ich habe es an jemand anderen aus "
        "unserem Team weitergegeben; die Antwort kommt hier.",
        "pt": "A pessoa que estava com a sua conversa não está disponível, por isso passei-a a outra pessoa da "
              "nossa equipa; ela vai responder aqui.",
    },
    "answer_check_question": {
        "en": "Did that answer your question?",
        "es": "¿Eso responde a tu pregunta?",
        "fr": "Cela répond-il à votre question ?",
        "de": "Hat das Ihre Frage beantwortet?",
        "pt": "Isso respondeu à sua pergunta?",
    },
    "answer_check_yes": {
        "en": "Yes, thanks",
        "es": "Sí, gracias",
        "fr": "Oui, merci",
        "de": "Ja, danke",
        "pt": "Sim, obrigado",
    },
    # Worded so the assistant's not-helpful detector recognises it: "no" takes the usual path.
    "answer_check_no": {
        "en": "No, that didn't answer my question",
        "es": "No, eso no responde a mi pregunta",
        "fr": "Non, ça ne répond pas à ma question",
        "de": "Nein, das beantwortet meine Frage nicht",
        "pt": "Não, isso não me ajudou",
    },
    "csat_widget": {  # above the rating card in the widget, whose own title asks "How did we do?" (said twice: trial)
        "en": "Thanks for contacting us. Please rate this conversation below.",
        "es": "Gracias por escribirnos. Valora esta conversación aquí abajo.",
        "fr": "Merci de nous avoir écrit. Notez cette conversation ci-dessous.",
        "de": "Danke für Ihre Nachricht. Bitte bewerten Sie dieses Gespräch unten.",
        "pt": "Obrigado por nos contactar. Avalie esta conversa aqui em baixo.",
    },
    "csat_text_reply": {  # SMS and phone: answered with 1, 2 or 3
        "en": "How did we do? Reply 1 for 👍 good, 2 for 😐 okay, 3 for 👎 bad.",
        "es": "¿Qué tal lo hicimos? Responde 1 si fue 👍 bien, 2 si fue 😐 regular, 3 si fue 👎 mal.",
        "fr": "Comment s'est passé l'échange ? Répondez 1 pour 👍 bien, 2 pour 😐 moyen, 3 pour 👎 mauvais.",
        "de": "Wie waren wir? Antworten Sie 1 für 👍 gut, 2 für 😐 okay, 3 für 👎 schlecht.",
        "pt": "Como foi o nosso atendimento? Responda 1 para 👍 bom, 2 para 😐 razoável, 3 para 👎 mau.",
    },
    "csat_rated": {  # the rating, in the history the visitor and the inbox see
        "en": "Rated {rating}",
        "es": "Valoración: {rating}",
        "fr": "Note : {rating}",
        "de": "Bewertung: {rating}",
        "pt": "Avaliação: {rating}",
    },
    "csat_positive": {"en": "👍 Positive", "es": "👍 Buena", "fr": "👍 Bien", "de": "👍 Gut", "pt": "👍 Bom"},
    "csat_neutral": {"en": "😐 Neutral", "es": "😐 Regular", "fr": "😐 Moyen", "de": "😐 Okay", "pt": "😐 Razoável"},
    "csat_negative": {"en": "👎 Negative", "es": "👎 Mala", "fr": "👎 Mauvais", "de": "👎 Schlecht", "pt": "👎 Mau"},
    "csat_comment": {
        "en": "Comment on the rating: {comment}",
        "es": "Comentario sobre la valoración: {comment}",
        "fr": "Commentaire sur la note : {comment}",
        "de": "Kommentar zur Bewertung: {comment}",
        "pt": "Comentário sobre a avaliação: {comment}",
    },
    "csat_links": {  # email and Slack: one link per rating follows
        "en": "How did we do? Tap to rate:",
        "es": "¿Qué tal lo hicimos? Toca para valorar:",
        "fr": "Comment s'est passé l'échange ? Touchez pour noter :",
        "de": "Wie waren wir? Zum Bewerten tippen:",
        "pt": "Como foi o nosso atendimento? Toque para avaliar:",
    },
    # The survey mail and the page its links open, in the conversation's language (a German customer got them in
    # English while the inbox showed the survey in German: trial of 4 Dec)
    "csat_mail_greeting": {"en": "Hi {name},", "es": "Hola, {name}:", "fr": "Bonjour {name},", "de": "Hallo {name},",
                           "pt": "Olá, {name},"},
    "csat_mail_greeting_anonymous": {"en": "Hi,", "es": "Hola:", "fr": "Bonjour,", "de": "Hallo,", "pt": "Olá,"},
    "csat_mail_resolved": {
        "en": "Your conversation with {workspace} was resolved.",
        "es": "Tu conversación con {workspace} se ha resuelto.",
        "fr": "Votre conversation avec {workspace} est résolue.",
        "de": "Ihr Gespräch mit {workspace} ist abgeschlossen.",
        "pt": "A sua conversa com {workspace} foi resolvida.",
    },
    "csat_mail_ask": {
        "en": "How did we do? One click is enough:",
        "es": "¿Qué tal lo hicimos? Basta con un clic:",
        "fr": "Comment s'est passé l'échange ? Un clic suffit :",
        "de": "Wie waren wir? Ein Klick genügt:",
        "pt": "Como foi o nosso atendimento? Basta um clique:",
    },
    "csat_mail_thanks": {"en": "Thank you!", "es": "¡Gracias!", "fr": "Merci !", "de": "Vielen Dank!",
                         "pt": "Obrigado!"},
    "csat_page_invalid_title": {
        "en": "This survey link is not valid", "es": "Este enlace de encuesta no es válido",
        "fr": "Ce lien d'enquête n'est pas valide", "de": "Dieser Umfragelink ist ungültig",
        "pt": "Este link do inquérito não é válido",
    },
    "csat_page_invalid_text": {
        "en": "It may have been copied incompletely. If you followed a link from an email, try clicking it again.",
        "es": "Puede que se haya copiado incompleto. Si llegaste desde un correo, vuelve a hacer clic en el enlace.",
        "fr": "Il a peut-être été copié en partie. Si vous venez d'un e-mail, cliquez à nouveau sur le lien.",
        "de": "Er wurde vielleicht unvollständig kopiert. Wenn Sie von einer E-Mail kommen, klicken Sie erneut auf den "
              "Link.",
        "pt": "Pode ter sido copiado de forma incompleta. Se veio de um e-mail, clique novamente no link.",
    },
    "csat_page_closed_title": {"en": "This survey is closed", "es": "Esta encuesta está cerrada",
                               "fr": "Cette enquête est close", "de": "Diese Umfrage ist geschlossen",
                               "pt": "Este inquérito está fechado"},
    "csat_page_closed_text": {
        "en": "The conversation was reopened, so there is nothing to rate for now. Thank you anyway!",
        "es": "La conversación se reabrió, así que por ahora no hay nada que valorar. ¡Gracias de todos modos!",
        "fr": "La conversation a été rouverte : il n'y a rien à noter pour l'instant. Merci quand même !",
        "de": "Das Gespräch wurde wieder geöffnet, es gibt also gerade nichts zu bewerten. Trotzdem vielen Dank!",
        "pt": "A conversa foi reaberta, por isso não há nada para avaliar por agora. Obrigado na mesma!",
    },
    "csat_page_already": {
        "en": "You already rated this conversation: {label}", "es": "Ya valoraste esta conversación: {label}",
        "fr": "Vous avez déjà noté cette conversation : {label}", "de": "Sie haben dieses Gespräch schon bewertet: {label}",
        "pt": "Já avaliou esta conversa: {label}",
    },
    "csat_page_recorded": {
        "en": "Your answer was recorded; each survey counts once.",
        "es": "Tu respuesta quedó registrada; cada encuesta cuenta una vez.",
        "fr": "Votre réponse est enregistrée ; chaque enquête compte une fois.",
        "de": "Ihre Antwort ist gespeichert; jede Umfrage zählt einmal.",
        "pt": "A sua resposta ficou registada; cada inquérito conta uma vez.",
    },
    "csat_page_comment_refused": {"en": "Your comment could not be added.", "es": "No se pudo añadir tu comentario.",
                                  "fr": "Votre commentaire n'a pas pu être ajouté.",
                                  "de": "Ihr Kommentar konnte nicht hinzugefügt werden.",
                                  "pt": "Não foi possível adicionar o seu comentário."},
    "csat_page_confirm": {"en": "Rate this conversation: {label}?", "es": "¿Valorar esta conversación: {label}?",
                          "fr": "Noter cette conversation : {label} ?", "de": "Dieses Gespräch bewerten: {label}?",
                          "pt": "Avaliar esta conversa: {label}?"},
    "csat_page_add": {"en": "Anything to add? (optional)", "es": "¿Algo que añadir? (opcional)",
                      "fr": "Quelque chose à ajouter ? (facultatif)", "de": "Möchten Sie etwas ergänzen? (optional)",
                      "pt": "Algo a acrescentar? (opcional)"},
    "csat_page_send_rating": {"en": "Send my rating", "es": "Enviar mi valoración", "fr": "Envoyer ma note",
                              "de": "Bewertung senden", "pt": "Enviar a minha avaliação"},
    "csat_page_not_right": {"en": "Not right? Choose", "es": "¿No es eso? Elige", "fr": "Ce n'est pas ça ? Choisissez",
                            "de": "Nicht richtig? Wählen Sie", "pt": "Não é isso? Escolha"},
    "csat_page_or": {"en": "or", "es": "o", "fr": "ou", "de": "oder", "pt": "ou"},
    "csat_page_commented": {"en": "Thanks for your comment!", "es": "¡Gracias por tu comentario!",
                            "fr": "Merci pour votre commentaire !", "de": "Danke für Ihren Kommentar!",
                            "pt": "Obrigado pelo seu comentário!"},
    "csat_page_thanks": {"en": "Thanks for your feedback: {label}", "es": "Gracias por tu opinión: {label}",
                         "fr": "Merci pour votre avis : {label}", "de": "Danke für Ihre Rückmeldung: {label}",
                         "pt": "Obrigado pela sua opinião: {label}"},
    "csat_page_send_comment": {"en": "Send comment", "es": "Enviar comentario", "fr": "Envoyer le commentaire",
                               "de": "Kommentar senden", "pt": "Enviar comentário"},
    "answer_confirmed": {
        "en": "Great, glad I could help! If anything else comes up, just write here.",
        "es": "¡Genial, me alegra haber ayudado! Si necesitas algo más, escribe aquí.",
        "fr": "Parfait, ravi d'avoir pu vous aider ! Pour toute autre question, écrivez ici.",
        "de": "Super, freut mich, dass ich helfen konnte! Wenn noch etwas ist, schreiben Sie einfach hier.",
        "pt": "Ótimo, ainda bem que pude ajudar! Se precisar de mais alguma coisa, basta escrever aqui.",
    },
}

KEYS = frozenset(_PHRASES)
WEEKDAYS = {  # Monday first, as datetime.weekday()
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "pt": ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"),
}


def when(opens_at: datetime, now: datetime, lang: str) -> str:
    """"today at 09:00 (Europe/Madrid)", "mañana a las 09:00 (Europe/Madrid)", "lundi à 09:00 (…)": when a
    team opens, in its own time zone (`opens_at` carries it), said in `lang`."""
    lang = (lang or "en")[:2].lower()
    local_now = now.astimezone(opens_at.tzinfo)
    days = (opens_at.date() - local_now.date()).days
    time = opens_at.strftime("%H:%M")
    key = "when_today" if days <= 0 else "when_tomorrow" if days == 1 else "when_on_day"
    day = WEEKDAYS.get(lang, WEEKDAYS["en"])[opens_at.weekday()]
    zone = getattr(opens_at.tzinfo, "key", "") or str(opens_at.tzinfo)
    return f"{phrase(key, lang, time=time, day=day)} ({zone})"


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def phrase(key: str, lang: str, **kwargs: object) -> str:
    """The phrase `key` in `lang` (falls back to English), formatted with kwargs.

    A placeholder with no matching kwarg is left as written rather than raising: a missing
    queue position must not break a handoff message.
    """
    table = _PHRASES.get(key)
    if table is None:
        raise KeyError(f"unknown phrase {key!r}")
    template = table.get((lang or "en")[:2].lower()) or table["en"]
    if not kwargs:
        return template if "{" not in template else string.Formatter().vformat(template, (), _Missing())
    return string.Formatter().vformat(template, (), _Missing(kwargs))


def rating_word(rating: str, language: str) -> str:
    """A CSAT rating's word without its emoji: "Buena" for "positive" in Spanish; the rating itself if unknown."""
    return phrase(f"csat_{rating}", language).split(" ", 1)[-1] if f"csat_{rating}" in _PHRASES else rating


def waiting_time(minutes: int, language: str) -> str:
    """A queue's expected wait in words: "about 25 minutes", "about 4 hours" (not "about 215 minutes": trial of
    3 Dec), "more than a day"."""
    if minutes < 60:
        return phrase("wait_minutes", language, minutes=max(2, minutes))  # (never "about 1 minutes")
    if minutes < 90:
        return phrase("wait_an_hour", language)
    if minutes < 24 * 60:
        return phrase("wait_hours", language, hours=round(minutes / 60))
    return phrase("wait_over_a_day", language)


def languages() -> tuple[str, ...]:
    return ("en", "es", "fr", "de", "pt")
