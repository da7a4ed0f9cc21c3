"""Places a visitor names that the knowledge base says in other words.

"Do you ship to Austria?" got the international article ("We ship to the United Kingdom, Switzerland, Norway and the
United States"), which reads as "no", where the delivery times say "3 to 6 working days to the rest of the EU"
(trial of 4 Dec): no article names Austria, and the encoders match "ship to <a country>" to the list of countries.
A country of the European Union that no article names is therefore read as the EU the articles name, and "US" or
"UK" as the names articles write out. The member states and their names in the five languages are general
knowledge, written for this module, not taken from any evaluation set.
"""
from __future__ import annotations

import re

from .text import normalize

# accent-folded, lower case (text.normalize) -> the member state, in English
_EU_MEMBERS: dict[str, str] = {}
for _names in (
    "austria osterreich autriche",
    "belgium belgien belgique belgica",
    "bulgaria bulgarien bulgarie",
    "croatia kroatien croatie croacia",
    "cyprus zypern chypre chipre",
    "czechia tschechien tchequie chequia chequia",
    "denmark danemark danemark dinamarca",
    "estonia estland estonie estonia",
    "finland finnland finlande finlandia",
    "france frankreich francia franca",
    "germany deutschland allemagne alemania alemanha",
    "greece griechenland grece grecia",
    "hungary ungarn hongrie hungria",
    "ireland irland irlande irlanda",
    "italy italien italie italia",
    "latvia lettland lettonie letonia",
    "lithuania litauen lituanie lituania",
    "luxembourg luxemburg luxemburgo",
    "malta malte",
    "netherlands niederlande holland hollande holanda",
    "poland polen pologne polonia",
    "portugal",
    "romania rumanien roumanie rumania romenia",
    "slovakia slowakei slovaquie eslovaquia",
    "slovenia slowenien slovenie eslovenia",
    "spain spanien espagne espana espanha",
    "sweden schweden suede suecia",
):
    _first, *_others = _names.split()
    for _name in (_first, *_others):
        _EU_MEMBERS[_name] = _first
_EU_MULTIWORD = {"czech republic": "czechia", "republique tcheque": "czechia", "republica checa": "czechia",
                 "republica tcheca": "czechia", "pays bas": "netherlands", "paises bajos": "netherlands",
                 "paises baixos": "netherlands"}
_MEMBER = re.compile(r"\b(" + "|".join(sorted(map(re.escape, [*_EU_MULTIWORD, *_EU_MEMBERS]), key=len, reverse=True))
                     + r")\b")

# The EU as articles write it, in the five languages; not where they say "outside the EU"
_EU = re.compile(r"\b(?:eu|ue|european union|union europeenne|union europea|europaische union|uniao europeia)\b")
_OUTSIDE = re.compile(r"(?:outside|beyond|non|fuera|hors|ausserhalb|außerhalb|ausser|außer|fora)\W+(?:(?:of|the|de|la|l|der|die|da|do)"
                      r"\W+){0,2}$")

# Short names written in capitals, as the articles write them out ("how long to the US?")
_ALIASES = {"US": "United States", "USA": "United States", "U.S.": "United States", "U.S.A.": "United States",
            "UK": "United Kingdom", "U.K.": "United Kingdom", "GB": "United Kingdom"}
_ALIAS = re.compile(r"(?<![\w.])(" + "|".join(sorted(map(re.escape, _ALIASES), key=len, reverse=True)) + r")(?![\w])")


def eu_member_named(text: str) -> str | None:
    """The first member state of the European Union `text` names ("¿enviáis a Bélgica?" -> "belgium"), or None."""
    m = _MEMBER.search(normalize(text))
    if m is None:
        return None
    return _EU_MULTIWORD.get(m.group(1)) or _EU_MEMBERS[m.group(1)]


def member_names(member: str) -> tuple[str, ...]:
    """Every name of the member state in the five languages ("austria", "osterreich", "autriche")."""
    return tuple({*(n for n, m in _EU_MEMBERS.items() if m == member), *(n for n, m in _EU_MULTIWORD.items()
                                                                         if m == member)})


def names_the_eu(passage: str) -> bool:
    """Whether the passage names the EU as a place it is about ("3 to 6 working days to the rest of the EU"), not only
    as the place it is not about ("outside the EU")."""
    norm = normalize(passage)
    return any(not _OUTSIDE.search(norm[:m.start()]) for m in _EU.finditer(norm))


def names_outside_the_eu(passage: str) -> bool:
    """Whether the passage is about places outside the EU ("Customs duties … outside the EU are paid …")."""
    norm = normalize(passage)
    return any(_OUTSIDE.search(norm[:m.start()]) for m in _EU.finditer(norm))


def full_names_in(text: str) -> tuple[str, ...]:
    """The names "US", "UK" and the like in `text` stand for ("United States")."""
    return tuple(dict.fromkeys(_ALIASES[m.group(1)] for m in _ALIAS.finditer(text)))


def with_full_names(text: str) -> str:
    """`text` with "US", "UK" and the like written out ("how long to the United States?")."""
    return _ALIAS.sub(lambda m: _ALIASES[m.group(1)], text)
