"""Places a visitor names that the knowledge base says in other words.

"Do you ship to Austria?" got the international article ("We ship to the United Kingdom, Switzerland, Norway and the
United States"), which reads as "no", where the delivery times say "3 to 6 working days to the rest of the EU"
(trial of 4 Dec): no article names Austria, and the encoders match "ship to <a country>" to the list of countries.
So the places a question names are read here: the EU's member states and common destinations, by their names in
the five languages, and "US" or "UK" as the names articles write out. The engine (`_by_place`) answers a place from
the article naming it, and a member state no article names from the article naming the EU. The names are general
knowledge, written for this module, not taken from any evaluation set.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from .text import normalize

# Each place's names in the five languages, accent-folded and in lower case (text.normalize); the first is its own
_EU_MEMBERS = (
    "austria osterreich autriche", "belgium belgien belgique belgica", "bulgaria bulgarien bulgarie",
    "croatia kroatien croatie croacia", "cyprus zypern chypre chipre", "czechia tschechien tchequie chequia|czech republic"
    "|republique tcheque|republica checa|republica tcheca", "denmark danemark dinamarca", "estonia estland estonie",
    "finland finnland finlande finlandia", "france frankreich francia franca",
    "germany deutschland allemagne alemania alemanha", "greece griechenland grece grecia",
    "hungary ungarn hongrie hungria", "ireland irland irlande irlanda", "italy italien italie italia",
    "latvia lettland lettonie letonia", "lithuania litauen lituanie lituania", "luxembourg luxemburg luxemburgo",
    "malta malte", "netherlands niederlande holland hollande holanda|pays bas|paises bajos|paises baixos",
    "poland polen pologne polonia", "portugal", "romania rumanien roumanie rumania romenia",
    "slovakia slowakei slovaquie eslovaquia", "slovenia slowenien slovenie eslovenia",
    "spain spanien espagne espana espanha", "sweden schweden suede suecia",
)
_ELSEWHERE = (
    "norway norwegen norvege noruega", "switzerland schweiz suisse suiza suica",
    "united kingdom|reino unido|royaume uni|vereinigtes konigreich|grossbritannien|great britain|britain|england|uk",
    "united states|estados unidos|etats unis|vereinigte staaten|america|usa|ee uu|eeuu|eua", "canada kanada", "australia australien australie",
    "iceland islandia islande island", "canary islands|canarias|canaries|kanaren|ilhas canarias|islas canarias",
    "andorra andorre", "monaco", "japan japon japao", "mexico mexiko mexique", "brazil brasil bresil brasilien",
    "turkey turkei turquie turquia", "china chine", "liechtenstein", "serbia serbien serbie servia",
)


def _table(rows: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """"a b|c d" -> {"a": ("a", "b", "c d")}: one-word names apart by spaces, longer ones by bars."""
    table = {}
    for row in rows:
        names = tuple(n for part in row.split("|") for n in ([part] if " " in part.strip() and "|" in row
                                                            else part.split()) if n)
        table[names[0]] = names
    return table


_EU_PLACES = _table(_EU_MEMBERS)
_PLACES = {**_EU_PLACES, **_table(_ELSEWHERE)}
ALL_PLACES = tuple(_PLACES)
_NAME_OF = {name: place for place, names in _PLACES.items() for name in names}
_NAMED = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _NAME_OF), key=len, reverse=True)) + r")\b")


def places_named(text: str) -> tuple[str, ...]:
    """The places `text` names, by their first name ("¿enviáis a Bélgica?" -> ("belgium",); "the US" -> ("united
    states",)), in order."""
    found = [_NAME_OF[m.group(1)] for m in _NAMED.finditer(_spaced(normalize(with_full_names(text))))]
    return tuple(dict.fromkeys(found))


def abroad(place: str) -> bool:
    """Outside the EU and no part of a member state: a place a list of the countries served outside the EU is about."""
    return not in_the_eu(place) and not part_of_a_member_state(place)


def as_written(text: str, place: str) -> str:
    """The words `text` names `place` with, as the visitor wrote them ("Canadá", "the US"); its first name, capitalised,
    when they cannot be found."""
    words = list(re.finditer(r"[^\W\d_]+", text))
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            start, end = words[i].start(), words[i + size - 1].end()
            if _NAME_OF.get(normalize(with_full_names(text[start:end])).replace("-", " ")) == place:
                return text[start:end]
    return place.title()


def in_the_eu(place: str) -> bool:
    return place in _EU_PLACES


# Places of a member state that are not in its customs or delivery terms (the Canaries are Spain's, outside the EU's
# VAT area): the EU's prices are not theirs, nor is a list of countries served outside the EU about them
_PARTS_OF_MEMBER_STATES = {"canary islands": "spain"}


def part_of_a_member_state(place: str) -> bool:
    return place in _PARTS_OF_MEMBER_STATES


def member_state_of(place: str) -> str:
    """The member state a part of it belongs to ("canary islands" -> "spain"), else ""."""
    return _PARTS_OF_MEMBER_STATES.get(place, "")


# Cities visitors name for their country ("I'm flying to Lisbon": Portugal, in the EU), by their names in the five
# languages, accent-folded and in lower case; general knowledge, written for this module. A city an article names is
# the article's own (the stores in Madrid and Lisbon), never read as its country.
_CITIES = {  # (one-word names apart by spaces; "_" joins the words of a longer one)
    "spain": "madrid barcelona valencia sevilla seville bilbao malaga zaragoza alicante granada palma valladolid vigo"
             " murcia cordoba salamanca san_sebastian cadiz ibiza marbella toledo",
    "portugal": "lisbon lisboa lissabon lisbonne porto oporto braga coimbra funchal aveiro",
    "france": "paris marseille marsella marselha lyon lyons lille toulouse niza bordeaux burdeos nantes strasbourg"
              " estrasburgo strassburg montpellier rennes",
    "germany": "berlin munich munchen muenchen munique hamburg hamburgo frankfurt francfort cologne koln colonia"
               " stuttgart dusseldorf dresden dresde leipzig hannover nuremberg nurnberg bremen",
    "italy": "rome roma milan milano mailand milao naples napoli neapel napoles turin torino florence firenze florenz"
             " florencia venice venezia venedig venecia veneza bologna bolonia genoa genova verona palermo",
    "netherlands": "amsterdam rotterdam the_hague den_haag la_haye la_haya utrecht eindhoven",
    "belgium": "brussels bruxelles brussel bruselas bruxelas antwerp antwerpen anvers amberes ghent gent gand bruges",
    "austria": "vienna wien vienne viena salzburg salzburgo innsbruck graz linz",
    "switzerland": "zurich geneva geneve genf ginebra genebra basel bale basilea lausanne bern berne berna lugano",
    "ireland": "dublin dublim galway",
    "greece": "athens athen athenes atenas thessaloniki",
    "poland": "warsaw warszawa warschau varsovie varsovia krakow cracow krakau cracovie cracovia gdansk wroclaw",
    "czechia": "prague praha prag praga brno",
    "hungary": "budapest budapeste",
    "denmark": "copenhagen kobenhavn kopenhagen copenhague copenhaga",
    "sweden": "stockholm estocolmo gothenburg goteborg",
    "norway": "oslo bergen",
    "finland": "helsinki helsinque",
    "croatia": "zagreb dubrovnik",
    "romania": "bucharest bukarest bucarest bucareste",
    "united kingdom": "london londres londra edinburgh glasgow manchester liverpool birmingham bristol",
    "united states": "new_york nova_iorque nueva_york los_angeles san_francisco chicago miami boston las_vegas"
                     " washington seattle",
    "canada": "toronto montreal vancouver",
    "mexico": "mexico_city ciudad_de_mexico cancun guadalajara",
    "brazil": "sao_paulo rio_de_janeiro brasilia",
    "japan": "tokyo tokio toquio kyoto osaka",
    "turkey": "istanbul estambul istambul ankara",
    "australia": "sydney melbourne",
    "canary islands": "tenerife gran_canaria lanzarote fuerteventura las_palmas",
}
_CITY_OF = {name.replace("_", " "): country for country, row in _CITIES.items() for name in row.split()}
_CITY_NAMED = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _CITY_OF), key=len, reverse=True)) + r")\b")


def country_of_city(name: str) -> str:
    """The country (its first name, as places.py writes it) of a city a visitor names ("Lisbon" -> "portugal"), else
    ""."""
    return _CITY_OF.get(normalize(name).strip(), "")


def cities_as_countries(text: str, replace: Callable[[str, str], bool]) -> str:
    """`text` with each city it names written as its country's name ("heading to Zürich" -> "heading to
    Switzerland") where `replace(city, country)` says so."""
    if not _CITY_NAMED.search(normalize(text)):
        return text
    out, words = text, list(re.finditer(r"[^\W\d_]+", text))
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            start, end = words[i].start(), words[i + size - 1].end()
            city = normalize(text[start:end])
            if (country := _CITY_OF.get(city)) and replace(city, country) and text[start:end] in out:
                out = out.replace(text[start:end], country.title(), 1)
    return out


def cities_named(text: str) -> tuple[str, ...]:
    """The cities `text` names (text.normalize'd, in order): "flying to Lisbon then Zurich" -> ("lisbon", "zurich")."""
    return tuple(dict.fromkeys(m.group(1) for m in _CITY_NAMED.finditer(normalize(text).replace("-", " "))))


def names_place(norm: str, place: str) -> bool:
    """Whether a passage (text.normalize'd) names the place, in any of the five languages."""
    return bool(_NAMES[place].search(_spaced(norm)))


def _spaced(norm: str) -> str:
    """`norm` with hyphens and dots between letters as spaces: "EE. UU.", "Royaume-Uni" read as names."""
    return re.sub(r"\s+", " ", re.sub(r"(?<=\w)[.\-](?=\s*\w)", " ", norm))


_NAMES = {place: re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b") for place, names in _PLACES.items()}


# The EU as articles write it, in the five languages; not where they say "outside the EU"
_EU = re.compile(r"\b(?:eu|ue|european union|union europeenne|union europea|europaische union|uniao europeia)\b")
_OUTSIDE = re.compile(r"(?:outside|beyond|non|fuera|hors|ausserhalb|außerhalb|ausser|außer|fora|not\s+in|nicht\s+in"
                      r"|no\s+(?:esta|estan)\s+en|pas\s+dans|nao\s+(?:esta|estao)\s+na)\W+(?:(?:of|the|de|la|l|der|die|da|do)"
                      r"\W+){0,2}$")

# Short names written in capitals, as the articles write them out ("how long to the US?")
_ALIASES = {"US": "United States", "USA": "United States", "U.S.": "United States", "U.S.A.": "United States",
            "UK": "United Kingdom", "U.K.": "United Kingdom", "GB": "United Kingdom"}
_ALIAS = re.compile(r"(?<![\w.])(" + "|".join(sorted(map(re.escape, _ALIASES), key=len, reverse=True)) + r")(?![\w])")


def names_the_eu(norm: str) -> bool:
    """Whether a passage (text.normalize'd) names the EU as a place it is about ("3 to 6 working days to the rest of
    the EU"), not only as the place it is not about ("outside the EU")."""
    return any(not _OUTSIDE.search(norm[:m.start()]) for m in _EU.finditer(norm))


# "from other countries the return label costs 6.95 euros", in the five languages (text.normalize'd)
_OTHER_COUNTRIES = re.compile(r"\b(?:other countries|otros paises|autres pays|anderen landern|outros paises)\b")


def names_other_countries(norm: str) -> bool:
    """Whether a passage (text.normalize'd) speaks of other countries than those it names: its figures are theirs too."""
    return bool(_OTHER_COUNTRIES.search(norm))


def names_outside_the_eu(norm: str) -> bool:
    """Whether a passage (text.normalize'd) is about places outside the EU ("Customs duties … outside the EU …")."""
    return any(_OUTSIDE.search(norm[:m.start()]) for m in _EU.finditer(norm))


def with_full_names(text: str) -> str:
    """`text` with "US", "UK" and the like written out ("how long to the United States?")."""
    return _ALIAS.sub(lambda m: _ALIASES[m.group(1)], text)


ABROAD = tuple(p for p in ALL_PLACES if abroad(p))
