"""The places a visitor names and the places a passage names (conversations/assistant/places.py), without a database."""
from __future__ import annotations

import pytest

from conversations.assistant.places import cities_named, country_of_city, names_place, places_named
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
