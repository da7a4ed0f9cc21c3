"""Canned responses' placeholders: the pure renderer, no database."""
from conversations.canned import render

VALUES = {"contact.name": "Vera", "contact.email": "", "agent.name": "Ana"}


def test_placeholders_are_filled_in():
    assert render("Hi {{contact.name}}, {{ agent.name }} here.", VALUES) == "Hi Vera, Ana here."


def test_an_empty_value_takes_its_fallback_or_nothing():
    assert render("Mail: {{contact.email|none given}}.", VALUES) == "Mail: none given."
    assert render("Mail: {{contact.email}}.", VALUES) == "Mail: ."
    assert render("Hi {{contact.name|there}}", VALUES) == "Hi Vera"


def test_unknown_or_malformed_placeholders_stay_as_written():
    text = "{{order.id}} {{contact.name} {{ Contact.Name }} {{{contact.name}}}"
    assert render(text, VALUES) == "{{order.id}} {{contact.name} {{ Contact.Name }} {Vera}"
