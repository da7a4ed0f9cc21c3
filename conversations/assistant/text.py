"""Text helpers shared by the detectors: normalisation, sentences, language detection."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

LANGUAGES = ("en", "es", "fr", "de", "pt")

# Emoji and pictographs (with their joiners and variation selector), for what reads them as marks between words
EMOJI = "\u2600-\u27bf\U0001f300-\U0001faff\ufe0f\u200d"
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_SENT = re.compile(r"(?<=[.!?。])\s+|\n+")
_SENTENCE_START = re.compile(r"(^|[.!?]\s+|[¿¡])([\"'(«\s]*)([^\W\d_])")


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def normalize(text: str) -> str:
    """Lower case, no accents, curly quotes straightened, whitespace collapsed."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(strip_accents(text.lower()).split())


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.split(text) if s and s.strip()]


# --- language ----------------------------------------------------------------------------
# Short chat messages defeat n-gram identifiers trained on long text ("hola", "merci",
# "ich brauche hilfe"); a lexicon of function words and chat words of the five supported
# languages decides most messages in one or two words. Words shared by two languages
# count for both. Accents are stripped before lookup, so only accent-free keys are needed.

_LEXICON: dict[str, str] = {
    "en": """the a an and or but is are was were be been am i you he she it we they my your our
        me him her us them this that these those what which who whom where when why how not no
        yes do does did don't doesn't didn't can can't cannot could would should will won't
        have has had with without for from to of in on at by about please thanks thank hello hi
        hey want need help talk speak someone somebody person human agent order refund account
        password money back still again just there here it's i'm i've i'd i'll im dont cant
        wont ok okay if then than some any all get got know tell find make let", """,
    "es": """el la los las un una unos unas y o pero es son fue era estoy esta estan ser estar
        yo tu usted el ella nosotros ellos mi mis su sus nuestro que cual quien donde cuando
        como por para con sin de del al en no si gracias hola buenos buenas dias tardes noches
        quiero necesito puedo puede hablar persona humano alguien agente pedido reembolso
        cuenta contrasena dinero todavia otra vez ayuda ayudar favor porque pero muy mas
        tengo tiene hay esto eso este ese ya nada nunca problema funciona mal quisiera
        cuanto cuanta tarda tiempo envio envios devolucion devoluciones politica pago pagar precio talla
        paquete recibir puedes podeis ustedes aceptais aceptan enviais envian teneis tienen haceis hacen
        me habeis hemos han veces vez dos factura facturas cobrado cobrais cobran movil""",
    "fr": """le la les un une des et ou mais est sont etait suis es etre avoir j'ai je tu il t'es
        elle nous vous ils elles mon ma mes ton ta tes son sa ses notre votre leur que qui quoi
        ou quand comment pourquoi pour par avec sans de du au aux en ne pas oui non merci
        bonjour bonsoir salut veux voudrais besoin peux pouvez parler personne humain quelqu'un
        conseiller commande remboursement compte mot passe argent encore toujours aide aider
        s'il plait c'est n'est rien jamais probleme marche fonctionne tres plus j'aimerais
        aujourd'hui combien temps prend livraison coute quel quels quelle quelles moyens paiement
        acceptez retour retours delai colis taille prix frais recevoir puis-je est-ce avez""",
    "de": """alles klar genau passt vielmal der die das den dem des ein eine einen einem einer und oder aber ist sind war bin
        bist sein haben habe hat ich du er sie es wir ihr mein meine dein deine unser euer was
        wer wo wann wie warum fur mit ohne von zu im in an auf nicht kein keine keinen ja nein
        danke bitte hallo guten tag abend morgen will mochte brauche kann konnen sprechen
        reden mensch menschen person jemand mitarbeiter bestellung erstattung konto passwort
        geld noch wieder hilfe helfen schon nichts nie problem funktioniert sehr mehr mir mich
        ihnen einem einen warum lange dauert versand lieferung kostet zahlen bezahlen rucksendung
        zuruckschicken paket grosse konnen welche gibt gibts auch nach bei aus sich uns euch dass ob denn
        doch wird werden""",
    "pt": """o a os as um uma uns umas e ou mas e sao foi era estou esta estao ser estar eu
        voce ele ela nos eles elas meu minha meus minhas seu sua que qual quem onde quando
        como por para com sem de do da dos das no na nos nas nao sim obrigado obrigada ola oi
        bom boa dia tarde noite quero preciso posso pode falar pessoa humano alguem atendente
        agente pedido reembolso conta senha dinheiro ainda outra vez ajuda ajudar favor porque
        muito mais tenho tem isso isto esse este ja nada nunca problema funciona gostaria
        pra deixa esquece valeu tchau quanto demora entrega devolver devolucao frete tamanho pacote
        receber voces custa custam fui pela pelo vezes duas mesma mesmo encomenda encomendas cobranca
        cartao recebi comprei troca trocar loja vc vcs em ao aos tambem enviam entregam aceitam vendem fazem
        cobram mandam trocam devolvem podem ligar liguem telefone""",
}

_WORD_LANGS: dict[str, frozenset[str]] = {}
for _lang, _blob in _LEXICON.items():
    for _w in _blob.replace(",", " ").split():
        _WORD_LANGS[_w] = _WORD_LANGS.get(_w, frozenset()) | {_lang}

# Letters that only some of the five languages use (checked before accents are stripped).
# Two words that are each of several languages, and together of one ("tu es un robot ?" tied French with Spanish,
# and Spanish won: trial of 3 Dec; Spanish says "tú eres")
_PAIR_HINTS = {**{("posso", verb): "pt" for verb in (  # ("Posso pagar contra reembolso?" read as Spanish: trial 51)
    "pagar", "fazer", "mudar", "alterar", "trocar", "devolver", "comprar", "ter", "falar", "encomendar", "usar",
    "cancelar", "receber", "escolher")},
    ("tu", "es"): "fr", ("es", "tu"): "fr", ("da", "igual"): "es", ("no", "hace"): "es",
               ("hace", "falta"): "es"}
_CHAR_HINTS = {
    "ñ": ("es",), "¿": ("es",), "¡": ("es",),
    "ã": ("pt",), "õ": ("pt",),
    "ç": ("fr", "pt"),
    "è": ("fr",), "ê": ("fr", "pt"), "à": ("fr", "pt"), "ù": ("fr",), "œ": ("fr",), "î": ("fr",),
    "ä": ("de",), "ö": ("de",), "ü": ("de",), "ß": ("de",),
}


@lru_cache(maxsize=4096)
def detect_language(text: str, default: str = "en") -> str:
    """One of LANGUAGES; `default` when nothing decides (empty text, numbers, emoji)."""
    scores = dict.fromkeys(LANGUAGES, 0.0)
    low = text.lower()
    for ch, langs in _CHAR_HINTS.items():
        if ch in low:
            for lang in langs:
                scores[lang] += 1.5 / len(langs)
    found = words(text)
    for w in found:
        langs = _WORD_LANGS.get(w)
        if langs:
            share = 1.0 / len(langs)
            for lang in langs:
                scores[lang] += share
    for pair in zip(found, found[1:]):
        if (lang := _PAIR_HINTS.get(pair)) is not None:
            scores[lang] += 1.5
    best = max(LANGUAGES, key=lambda lang: (scores[lang], lang == default))
    if scores[best] <= 0:
        return default
    return best


def shouting(text: str) -> bool:
    """Mostly capitals, in words of three letters or more: "THE BOT IS USELESS I WANT A PERSON"."""
    letters = [c for c in text if c.isalpha()]
    caps_words = [w for w in text.split() if len(w) >= 3 and w.isupper()]
    return len(letters) >= 12 and len(caps_words) >= 2 and sum(c.isupper() for c in letters) / len(letters) > 0.6


def unshouted(text: str) -> str:
    """A shouted message as the models read it: in lower case, with each sentence's first letter a capital. The
    encoders learnt from typed text; "DER BOT IST VÖLLIG NUTZLOS!!! ICH WILL JETZT EINEN MENSCHEN SPRECHEN" read 0.50,
    in lower case 0.89 (a sixth blind probe, stop 55)."""
    return sentence_cased(text.lower()) if shouting(text) else text


# English chat shorthand, read as the words it stands for (a sixth blind probe, stop 55: "any real ppl working today or is
# it just u" read 0.02, "any real people working today or is it just you" asks for a real person)
_SHORTHAND = {"ppl": "people", "ppls": "people", "u": "you", "ur": "your", "r": "are", "some1": "someone", "sum1": "someone",
              "any1": "anyone", "ne1": "anyone", "no1": "no one", "smb": "somebody", "sb": "somebody", "hooman": "human",
              "hoomans": "humans", "pls": "please", "plz": "please", "thx": "thanks", "ty": "thank you", "rn": "right now",
              "cant": "can't", "dont": "don't", "wont": "won't", "doesnt": "doesn't", "isnt": "isn't", "wanna": "want to",
              "gimme": "give me", "lemme": "let me"}
_SHORTHAND_WORD = re.compile(r"(?<![\w'@./-])(" + "|".join(sorted(map(re.escape, _SHORTHAND), key=len, reverse=True))
                             + r")(?![\w'@/-]|\.\w)", re.IGNORECASE)


def spelt_out(text: str) -> str:
    """An English message with its chat shorthand spelt out ("r u a bot" -> "are you a bot")."""
    # (capitals are kept as they are: "Section R", "U.S.", a shouted "UR" stays for the rules to read)
    return _SHORTHAND_WORD.sub(lambda m: m.group(1) if m.group(1).isupper() else _SHORTHAND[m.group(1).lower()], text)


# Things that break in many words: "my tent pole snapped", "the strap tore", "it smells of mould". Help articles say
# "broken", "damaged", "defect"; the encoders put "snapped" far from them (trial 55: "my tent pole snapped on the first
# night" ranked the warranty article first at 0.21, under the demo's threshold of 0.25; "my tent pole broke…" 0.27).
_DAMAGE = re.compile(r"\b(?:snapped|tore|torn|ripped|cracked|shattered|frayed|peeling|peeled|fell\s+apart|falling\s+apart"
                     r"|came\s+apart|came\s+off|split\s+open|burst|bent|dented|leak(?:s|ing|ed)?|mou?ldy|mou?ld|rusted|rusty"
                     r"|melted|unstitched|came\s+unstitched|delaminat\w*|warped)\b", re.IGNORECASE)
_DAMAGE_NAMED = re.compile(r"\b(?:broken|broke|damaged|defect\w*|faulty)\b", re.IGNORECASE)


def with_damage_named(text: str) -> str:
    """An English message telling of something that broke, with "(broken)" after it when it names no damage itself."""
    return f"{text} (broken)" if _DAMAGE.search(text) and not _DAMAGE_NAMED.search(text) else text


def sentence_cased(text: str) -> str:
    """Each sentence, and each question or exclamation opened with ¿ or ¡, starting with a capital: "¿dónde está mi
    pedido?" -> "¿Dónde está mi pedido?". The multilingual encoder reads letter case, and typed lower case it found the
    shipping-times article where the capitalised question found order tracking (trial of 3 Dec)."""
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2) + m.group(3).upper(), text)
