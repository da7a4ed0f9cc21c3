"""The places a visitor names and the places a passage names (conversations/assistant/places.py), without a database."""
from __future__ import annotations

import pytest

from conversations.assistant.places import cities_as_countries, cities_named, country_of_city, names_place, places_named
from conversations.assistant.text import normalize


@pytest.mark.parametrize("passage, place", [
    ("Resto del mundo (EE. UU., México, Marruecos, Asia): las llamadas cuestan 1,20 €", "united states"),
    ("Rest of the world (USA, Mexico, Morocco, Asia)", "united states"),
    ("Le Royaume-Uni n'est pas dans la zone UE", "united kingdom"),
])
def test_a_passage_names_a_country_as_articles_write_it(passage, place):
    """Re-trial 52: "¿Y desde Estados Unidos?" after Morocco got the EU's paragraph: the Spanish article writes
    "EE. UU."; "what about the US?" was told the US is not mentioned where the article writes "USA"."""
    assert names_place(normalize(passage), place)


def test_a_visitor_names_a_country_by_a_city_of_it():
    assert cities_named("flying to Lisbon, then New York and São Paulo; nice!") == ("lisbon", "new york", "sao paulo")
    assert [country_of_city(c) for c in ("Lisboa", "Múnich", "San Sebastián", "Zürich")] == [
        "portugal", "germany", "spain", "switzerland"]
    assert places_named("¿Y desde Estados Unidos?") == ("united states",)


def test_a_city_is_written_as_its_country_only_where_allowed():
    """Re-trial 52: "I'm heading to Zurich next week, will my data work there?" found nothing, where "…to Switzerland…"
    finds the roaming article; a city an article names (the shops in Madrid) stays as it is."""
    allowed = lambda city, country: city != "madrid"  # noqa: E731
    assert cities_as_countries("I'm heading to Zürich, then Madrid", allowed) == "I'm heading to Switzerland, then Madrid"
    assert cities_as_countries("¿funciona el roaming en Lisboa?", allowed) == "¿funciona el roaming en Portugal?"
    assert cities_as_countries("flying to New York in May", allowed) == "flying to United States in May"
    assert cities_as_countries("nothing to see here", allowed) == "nothing to see here"
