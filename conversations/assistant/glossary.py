"""Support words in Spanish, French, German and Portuguese, read as English for the knowledge base.

MiniLM, which ranks an English knowledge base, reads English only; the multilingual encoder matches a question in
another language to English passages only loosely ("¿Cuál es su política de devoluciones?" is as close to "Which
payment methods do you accept?" as to the returns article). A question whose words of online shopping and support
are put in English, its greeting and its language's function words left out ("policy returns?"), is read by MiniLM
like an English one. The words are the
vocabulary of a shop's help centre (orders, delivery, returns, payment, accounts, stores) and of other help centres
(`_GENERAL_WORDS`), written for this module from general knowledge, not from any evaluation set; words the list lacks
stay as written.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .text import normalize

# accent-folded, lower case (as text.normalize writes them) -> English
_WORDS: dict[str, dict[str, str]] = {
    "es": {
        "hay que": "do i have to", "tengo que": "do i have to", "debo": "must", "luego": "later",
        "mas tarde": "later", "caja": "box", "aplastada": "crushed", "suiza": "switzerland", "alemania": "germany",
        "francia": "france", "reino unido": "united kingdom", "estados unidos": "united states", "noruega": "norway",
        "aduana": "customs", "aduanas": "customs", "impuestos": "taxes", "a plazos": "in instalments",
        "en plazos": "in instalments", "plazos sin intereses": "interest-free instalments",
        "pedido": "order", "pedidos": "orders", "compra": "purchase", "envio": "shipping", "envios": "shipping",
        "entrega": "delivery", "enviar": "ship", "envian": "ship", "enviais": "ship", "enviado": "shipped",
        "llega": "arrive", "llegar": "arrive", "llegara": "arrive", "llegado": "arrived", "llego": "arrived",
        "tarda": "take", "tardan": "take", "plazo": "time",
        "devolucion": "return", "devoluciones": "returns", "devolver": "return", "devuelvo": "return",
        "cambio": "exchange", "cambios": "exchanges", "cambiar": "change", "reembolso": "refund",
        "reembolsos": "refunds", "dinero": "money", "talla": "size", "tallas": "sizes", "politica": "policy",
        "pago": "payment", "pagos": "payments", "pagar": "pay", "tarjeta": "card", "regalo": "gift",
        "garantia": "warranty", "roto": "broken", "rota": "broken", "danado": "damaged", "danada": "damaged",
        "estropeado": "damaged", "aplastado": "crushed",
        "seguimiento": "tracking", "rastrear": "track", "paquete": "parcel", "cancelar": "cancel",
        "contrasena": "password", "cuenta": "account", "tienda": "store", "tiendas": "stores", "horario": "hours",
        "abre": "open", "abierto": "open", "gratis": "free", "gratuito": "free", "coste": "cost", "precio": "price",
        "cuanto": "how much", "cuanto tarda": "how long does it take", "cuanto tardan": "how long does it take",
        "cuanto demora": "how long does it take", "cuando": "when", "donde": "where", "como": "how", "puedo": "can i", "botas": "boots",
        "chaqueta": "jacket", "pantalones": "trousers", "mochila": "backpack", "tienda de campana": "tent",
        "saldo": "balance", "factura": "invoice", "no": "not", "recoger": "collect", "internacional": "international",
        "direccion": "address", "direccion de envio": "shipping address", "direccion de entrega": "delivery address",
        "modificar": "change",
    },
    "fr": {
        "dois-je": "do i have to", "faut-il": "do i have to", "dois": "must", "frais": "fees",
        "frais de douane": "customs duties", "plus tard": "later", "carton": "box", "ecrase": "crushed",
        "dechire": "torn", "suisse": "switzerland", "allemagne": "germany", "royaume-uni": "united kingdom",
        "etats-unis": "united states", "norvege": "norway",
        "douane": "customs", "douanes": "customs", "en plusieurs fois": "in instalments",
        "mensualites": "instalments",
        "commande": "order", "commandes": "orders", "achat": "purchase", "livraison": "delivery",
        "expedition": "shipping", "envoi": "shipping", "expedie": "shipped", "expediee": "shipped",
        "livrez": "deliver", "livrer": "deliver", "arrive": "arrived", "arriver": "arrive", "arrivee": "arrived",
        "delai": "time", "delais": "times",
        "retour": "return", "retours": "returns", "retourner": "return", "renvoyer": "send back",
        "echange": "exchange", "echanger": "exchange", "remboursement": "refund", "rembourse": "refunded",
        "argent": "money", "taille": "size", "tailles": "sizes", "politique": "policy", "paiement": "payment",
        "payer": "pay", "carte": "card", "cadeau": "gift", "garantie": "warranty", "casse": "broken",
        "cassee": "broken", "endommage": "damaged", "endommagee": "damaged", "abime": "damaged", "abimee": "damaged",
        "suivi": "tracking", "suivre": "track",
        "colis": "parcel", "annuler": "cancel", "modifier": "change", "changer": "change", "adresse": "address",
        "adresse de livraison": "delivery address", "mot de passe": "password", "compte": "account",
        "magasin": "store", "magasins": "stores", "boutique": "store", "horaires": "hours", "ouvert": "open",
        "gratuit": "free", "gratuite": "free", "cout": "cost", "prix": "price", "combien": "how much",
        "quand": "when", "ou": "where", "comment": "how", "chaussures": "shoes", "veste": "jacket",
        "pantalon": "trousers", "sac a dos": "backpack", "tente": "tent", "solde": "balance", "facture": "invoice",
        "pas": "not",
        "retirer": "collect", "international": "international",
    },
    "de": {
        "muss ich": "do i have to", "muss": "must", "spater": "later", "gebuhren": "fees", "kam": "arrived",
        "karton": "box", "eingedruckt": "crushed", "zerrissen": "torn", "schweiz": "switzerland",
        "deutschland": "germany", "frankreich": "france", "grossbritannien": "united kingdom",
        "usa": "united states", "norwegen": "norway",
        "zoll": "customs", "zollgebuhren": "customs duties", "in raten": "in instalments", "raten": "instalments",
        "ratenzahlung": "instalments",
        "bestellung": "order", "bestellungen": "orders", "kauf": "purchase", "versand": "shipping",
        "lieferung": "delivery", "liefern": "deliver", "geliefert": "delivered", "versendet": "shipped",
        "verschickt": "shipped", "kommt": "arrive", "angekommen": "arrived", "ankommen": "arrive", "dauert": "take",
        "lieferzeit": "delivery time",
        "rucksendung": "return", "rucksendungen": "returns", "zurucksenden": "return", "zuruckschicken": "return",
        "ruckgabe": "return", "umtausch": "exchange", "umtauschen": "exchange", "erstattung": "refund",
        "ruckerstattung": "refund", "geld": "money", "grosse": "size", "grossen": "sizes", "richtlinie": "policy",
        "bedingungen": "policy", "zahlung": "payment", "bezahlen": "pay", "zahlen": "pay", "karte": "card",
        "geschenkkarte": "gift card", "gutschein": "gift card", "garantie": "warranty", "kaputt": "broken",
        "beschadigt": "damaged", "zerbrochen": "broken", "defekt": "defective", "sendungsverfolgung": "tracking",
        "verfolgen": "track", "paket": "parcel",
        "stornieren": "cancel", "andern": "change", "passwort": "password", "konto": "account", "laden": "store",
        "geschaft": "store", "filiale": "store", "offnungszeiten": "opening hours", "geoffnet": "open",
        "kostenlos": "free", "kosten": "cost", "kostet": "cost", "preis": "price", "wie viel": "how much",
        "wann": "when", "wo": "where", "wie": "how", "stiefel": "boots", "schuhe": "shoes", "jacke": "jacket",
        "hose": "trousers", "rucksack": "backpack", "zelt": "tent", "guthaben": "balance", "rechnung": "invoice",
        "nicht": "not", "noch nicht": "not yet",
        "abholen": "collect", "international": "international",
        "adresse": "address", "lieferadresse": "delivery address", "anschrift": "address", "andere ich": "do i change",
        "kann ich": "can i",
    },
    "pt": {
        "tenho de": "do i have to", "tenho que": "do i have to", "devo": "must", "mais tarde": "later",
        "depois": "later", "taxas": "fees", "caixa": "box", "esmagada": "crushed", "rasgado": "torn",
        "rasgada": "torn", "suica": "switzerland", "alemanha": "germany", "franca": "france",
        "reino unido": "united kingdom", "estados unidos": "united states", "noruega": "norway",
        "alfandega": "customs", "prestacoes": "instalments", "em prestacoes": "in instalments",
        "parcelas": "instalments",
        "pedido": "order", "pedidos": "orders", "encomenda": "order", "encomendas": "orders", "compra": "purchase",
        "envio": "shipping", "entrega": "delivery", "enviar": "ship", "enviam": "ship", "enviado": "shipped",
        "chega": "arrive", "chegar": "arrive", "chegou": "arrived", "demora": "take", "prazo": "time",
        "devolucao": "return",
        "devolucoes": "returns", "devolver": "return", "troca": "exchange", "trocas": "exchanges",
        "trocar": "exchange",
        "reembolso": "refund", "dinheiro": "money", "tamanho": "size", "tamanhos": "sizes", "politica": "policy",
        "pagamento": "payment", "pagar": "pay", "cartao": "card", "presente": "gift", "garantia": "warranty",
        "quebrado": "broken", "quebrada": "broken", "danificado": "damaged", "danificada": "damaged",
        "estragado": "damaged", "estragada": "damaged",
        "rastreamento": "tracking", "rastrear": "track", "pacote": "parcel", "cancelar": "cancel",
        "alterar": "change",
        "senha": "password", "conta": "account", "loja": "store", "lojas": "stores", "horario": "hours",
        "aberta": "open", "gratis": "free", "gratuito": "free", "custo": "cost", "preco": "price",
        "quanto": "how much", "quanto demora": "how long does it take", "quanto tempo demora": "how long does it take",
        "quanto leva": "how long does it take",
        "quando": "when", "onde": "where", "como": "how", "posso": "can i", "botas": "boots", "jaqueta": "jacket",
        "casaco": "jacket", "calcas": "trousers", "mochila": "backpack", "barraca": "tent", "saldo": "balance",
        "fatura": "invoice", "nao": "not", "ainda nao": "not yet", "retirar": "collect",
        "internacional": "international",
        "morada": "address", "morada de entrega": "delivery address", "endereco": "address",
        "endereco de entrega": "delivery address", "mudar": "change", "altero": "change",
    },
}
# Beyond a shop: the words of other help centres (bookings and travel, phones and plans, libraries and loans, accounts,
# family and pets, time), written for this module from general knowledge like the shop's (stop 54). Words with a
# second everyday sense are left out (French "vol" is a flight and a theft, Spanish "seguro" insurance and sure).
_GENERAL_WORDS: dict[str, dict[str, str]] = {
    "es": {"cuanto tiempo": "how long", "libro": "book", "libros": "books", "biblioteca": "library", "prestamo": "loan", "prestar": "lend",
        "prestan": "lend", "tomar prestado": "borrow", "pedir prestado": "borrow", "renovar": "renew",
        "reservar": "book", "reserva": "booking", "reservas": "bookings", "multa": "fine", "multas": "fines",
        "penalizacion": "penalty", "perdido": "lost", "perdida": "lost", "perdi": "i lost", "robado": "stolen",
        "robada": "stolen", "robaron": "stolen", "movil": "mobile phone", "celular": "mobile phone",
        "telefono": "phone", "numero": "number", "tarifa": "plan", "tarifas": "plans", "contrato": "contract",
        "datos": "data", "internet": "internet", "wifi": "wifi", "sala": "room", "habitacion": "room",
        "vuelo": "flight", "vuelos": "flights", "billete": "ticket", "boleto": "ticket", "asiento": "seat",
        "equipaje": "baggage", "maleta": "suitcase", "maletas": "suitcases", "socio": "member", "miembro": "member",
        "afiliacion": "membership", "cuota": "fee", "casa": "home", "domicilio": "home", "ninos": "children",
        "nino": "child", "hijo": "son", "hija": "daughter", "hijos": "children", "perro": "dog", "gato": "cat",
        "mascota": "pet", "mascotas": "pets", "estudiante": "student", "estudiantes": "students",
        "descuento": "discount", "semana": "week", "semanas": "weeks", "mes": "month", "meses": "months",
        "dia": "day", "dias": "days", "ano": "year", "hora": "hour", "horas": "hours", "hoy": "today",
        "manana": "tomorrow", "retraso": "delay", "retrasado": "delayed", "nuevo": "new", "nueva": "new",
        "barato": "cheap", "barata": "cheap", "caro": "expensive", "disponible": "available", "cerrado": "closed",
        "registrarme": "sign up", "registro": "registration", "iniciar sesion": "log in", "correo": "email",
        "aplicacion": "app", "descargar": "download", "imprimir": "print", "ordenador": "computer",
        "computadora": "computer", "banco": "bank", "transferencia": "transfer", "cita": "appointment",
        "llevar": "bring", "traer": "bring", "usar": "use", "funciona": "work", "extranjero": "abroad",
        "viajar": "travel", "olvide": "i forgot", "mayores": "older people", "discapacidad": "disability"},
    "fr": {"combien de temps": "how long", "livre": "book", "livres": "books", "bibliotheque": "library", "pret": "loan", "prets": "loans",
        "emprunter": "borrow", "emprunt": "loan", "preter": "lend", "renouveler": "renew", "prolonger": "renew",
        "reserver": "book", "reservation": "booking", "amende": "fine", "amendes": "fines", "penalite": "penalty",
        "perdu": "lost", "perdue": "lost", "vole": "stolen", "volee": "stolen", "portable": "mobile phone",
        "telephone": "phone", "numero": "number", "forfait": "plan", "forfaits": "plans",
        "abonnement": "subscription", "contrat": "contract", "donnees": "data", "internet": "internet",
        "wifi": "wifi", "salle": "room", "chambre": "room", "billet": "ticket", "siege": "seat", "bagage": "baggage",
        "bagages": "baggage", "valise": "suitcase", "membre": "member", "adhesion": "membership",
        "cotisation": "fee", "maison": "home", "domicile": "home", "enfants": "children", "enfant": "child",
        "fils": "son", "fille": "daughter", "chien": "dog", "animal": "pet", "animaux": "pets",
        "etudiant": "student", "etudiants": "students", "reduction": "discount", "remise": "discount",
        "semaine": "week", "semaines": "weeks", "mois": "month", "jour": "day", "jours": "days", "an": "year",
        "annee": "year", "heure": "hour", "heures": "hours", "aujourd'hui": "today", "demain": "tomorrow",
        "retard": "delay", "en retard": "late", "nouveau": "new", "nouvelle": "new", "pas cher": "cheap",
        "cher": "expensive", "disponible": "available", "ferme": "closed", "inscrire": "sign up",
        "inscription": "registration", "connecter": "log in", "connexion": "login", "courriel": "email",
        "application": "app", "appli": "app", "telecharger": "download", "imprimer": "print",
        "ordinateur": "computer", "banque": "bank", "virement": "transfer", "assurance": "insurance",
        "rendez-vous": "appointment", "apporter": "bring", "amener": "bring", "utiliser": "use",
        "fonctionne": "work", "etranger": "abroad", "voyager": "travel", "oublie": "forgot",
        "handicap": "disability", "numeriques": "digital", "numerique": "digital"},
    "de": {"wie lange": "how long", "buch": "book", "bucher": "books", "bibliothek": "library", "bucherei": "library", "ausleihen": "borrow",
        "leihen": "borrow", "ausgeliehen": "borrowed", "ausleihe": "loan", "verlangern": "renew",
        "reservieren": "book", "reservierung": "booking", "buchung": "booking", "buchen": "book",
        "mahngebuhr": "fine", "mahngebuhren": "fines", "strafe": "fine", "verloren": "lost", "gestohlen": "stolen",
        "handy": "mobile phone", "telefon": "phone", "nummer": "number", "rufnummer": "number", "tarif": "plan",
        "tarife": "plans", "vertrag": "contract", "daten": "data", "datenvolumen": "data allowance",
        "internet": "internet", "wlan": "wifi", "raum": "room", "zimmer": "room", "flug": "flight",
        "fluge": "flights", "ticket": "ticket", "sitzplatz": "seat", "gepack": "baggage", "koffer": "suitcase",
        "mitglied": "member", "mitgliedschaft": "membership", "beitrag": "fee", "zuhause": "home", "haus": "home",
        "kinder": "children", "kind": "child", "sohn": "son", "tochter": "daughter", "hund": "dog", "katze": "cat",
        "haustier": "pet", "haustiere": "pets", "student": "student", "studenten": "students", "rabatt": "discount",
        "ermassigung": "discount", "woche": "week", "wochen": "weeks", "monat": "month", "monate": "months",
        "tag": "day", "tage": "days", "jahr": "year", "stunde": "hour", "stunden": "hours", "heute": "today",
        "morgen": "tomorrow", "verspatung": "delay", "verspatet": "late", "zu spat": "late", "neu": "new",
        "neue": "new", "neuen": "new", "billig": "cheap", "gunstig": "cheap", "teuer": "expensive",
        "verfugbar": "available", "geschlossen": "closed", "anmelden": "sign up", "registrieren": "sign up",
        "einloggen": "log in", "e-mail": "email", "app": "app", "herunterladen": "download", "drucken": "print",
        "computer": "computer", "bank": "bank", "uberweisung": "transfer", "versicherung": "insurance",
        "termin": "appointment", "mitbringen": "bring", "benutzen": "use", "nutzen": "use", "funktioniert": "work",
        "ausland": "abroad", "reisen": "travel", "vergessen": "forgot", "behinderung": "disability",
        "kundigung": "cancellation", "kundigen": "cancel"},
    "pt": {"quanto tempo": "how long", "livro": "book", "livros": "books", "biblioteca": "library", "emprestimo": "loan",
        "pegar emprestado": "borrow", "emprestar": "lend", "emprestam": "lend", "renovar": "renew",
        "reservar": "book", "reserva": "booking", "multa": "fine", "multas": "fines", "perdi": "i lost",
        "perdido": "lost", "perdida": "lost", "roubado": "stolen", "roubada": "stolen", "roubaram": "stolen",
        "celular": "mobile phone", "telemovel": "mobile phone", "telefone": "phone", "numero": "number",
        "plano": "plan", "planos": "plans", "tarifario": "plan", "tarifarios": "plans", "contrato": "contract",
        "dados": "data", "internet": "internet", "wifi": "wifi", "sala": "room", "quarto": "room", "voo": "flight",
        "voos": "flights", "bilhete": "ticket", "passagem": "ticket", "assento": "seat", "bagagem": "baggage",
        "mala": "suitcase", "malas": "suitcases", "socio": "member", "membro": "member", "mensalidade": "fee",
        "casa": "home", "criancas": "children", "crianca": "child", "filho": "son", "filha": "daughter",
        "filhos": "children", "cachorro": "dog", "cao": "dog", "gato": "cat", "animal de estimacao": "pet",
        "estudante": "student", "estudantes": "students", "desconto": "discount", "semana": "week",
        "semanas": "weeks", "mes": "month", "meses": "months", "dia": "day", "dias": "days", "ano": "year",
        "hora": "hour", "horas": "hours", "hoje": "today", "amanha": "tomorrow", "atraso": "delay",
        "atrasado": "late", "novo": "new", "nova": "new", "barato": "cheap", "caro": "expensive",
        "disponivel": "available", "fechado": "closed", "cadastrar": "sign up", "registar": "sign up",
        "email": "email", "aplicativo": "app", "aplicacao": "app", "app": "app", "baixar": "download",
        "imprimir": "print", "computador": "computer", "banco": "bank", "transferencia": "transfer",
        "levar": "bring", "trazer": "bring", "usar": "use", "funciona": "work", "exterior": "abroad",
        "estrangeiro": "abroad", "viajar": "travel", "esqueci": "i forgot", "deficiencia": "disability",
        "entregam": "deliver", "sair de casa": "leave home"},
}
for _lang, _extra in _GENERAL_WORDS.items():
    _WORDS[_lang] = {**_extra, **_WORDS[_lang]}  # a shop's sense first where both have the word
# the language's own function words, left as written, only blur what MiniLM reads ("¿cual es vuestra policy de
# returns?" -> "policy returns?")
FUNCTION_WORDS_OF = {
    "es": "el la los las lo de del a al en y o que cual es son su sus vuestra vuestro vuestras vuestros mi mis un una "
          "unos unas por se le les me te nos hay esta este esto ese esa eso muy ya ha he han hemos",
    "fr": "le la les l de d du des un une et ou que qu quel quelle quels quelles est sont votre vos mon ma mes ce cette "
          "ces il elle je j vous nous y en au aux a",
    "de": "der die das den dem des ein eine einen einem einer und oder ist sind ihr ihre ihren mein meine es ich sie wir "
          "im am zum zur",
    "pt": "o a os as de do da dos das um uma e ou que qual quais e sao seu sua seus suas vosso vossa meu minha no na "
          "nos nas em se me foi",
}
_DROP = {lang: re.compile(r"\b(?:" + "|".join(words.split()) + r")\b\s*") for lang, words in FUNCTION_WORDS_OF.items()}
# a greeting before the question says nothing MiniLM should weigh ("Hola, ¿cuál es…?" scored 0.015 lower)
_GREETING = re.compile(r"^\W*(?:hola|buenas|buenos\s+dias|buenas\s+tardes|bonjour|bonsoir|salut|hallo|guten\s+(?:tag|morgen)"
                       r"|servus|moin|ola|oi|bom\s+dia|boa\s+tarde)\b[\s,;:!.]*")
# the longest phrases first ("mot de passe" before "passe"), each whole words
_PATTERNS = {lang: re.compile(r"\b(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\b")
             for lang, words in _WORDS.items()}


@lru_cache(maxsize=1024)
def in_english(text: str, lang: str) -> str | None:
    """`text` with its support words in English, without a greeting or the language's function words ("Hola, ¿Cuál
    es su política de devoluciones?" -> "¿ policy returns?"), or None when the language has no list or no word of
    it is in the list."""
    pattern = _PATTERNS.get(lang)
    if pattern is None:
        return None
    words = _WORDS[lang]
    norm = normalize(text)
    norm = _GREETING.sub("", norm) or norm
    glossed, count = pattern.subn(lambda m: words[m.group(1)], norm)
    if not count:
        return None
    return " ".join(_DROP[lang].sub(" ", glossed).split()) or glossed
