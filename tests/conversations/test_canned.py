"""Canned responses' placeholders: the pure renderer, no database."""
from conversations.canned import render, unknown_placeholders

VALUES = {"contact.name": "Vera", "contact.email": "", "agent.name": "Ana"}


def test_placeholders_are_filled_in():
    assert render("Hi {{contact.name}}, {{ agent.name }} here.", VALUES) == "Hi Vera, Ana here."


def test_an_empty_value_takes_its_fallback_or_nothing():
    assert render("Mail: {{contact.email|none given}}.", VALUES) == "Mail: none given."
    assert render("Mail: {{contact.email}}.", VALUES) == "Mail:."
    # no name and no fallback: the greeting reads "Hi, I'm Ana", not "Hi , I'm Ana" (trial of 1 Dec, night)
    assert render("Hi {{contact.email}}, I'm {{agent.name}}.", VALUES) == "Hi, I'm Ana."
    assert render("Write to {{contact.email}} today", VALUES) == "Write to today"
    assert render("Hi {{contact.name|there}}", VALUES) == "Hi Vera"
    # the comma that led to the name goes with it (trial 55: "Our products carry a 2-year warranty,.")
    assert render("Our products carry a 2-year warranty, {{contact.email}}.", VALUES) == \
        "Our products carry a 2-year warranty."


def test_unknown_or_malformed_placeholders_stay_as_written():
    text = "{{order.id}} {{contact.name} {{ Contact.Name }} {{{contact.name}}}"
    assert render(text, VALUES) == "{{order.id}} {{contact.name} {{ Contact.Name }} {Vera}"


def test_unknown_placeholders_are_found_to_be_refused_when_saved():
    assert unknown_placeholders("Hi {{contact.name|there}}, {{ agent.name }}") == []
    assert unknown_placeholders("Call {{contact.phone}} about {{order}}") == ["{{contact.phone}}", "{{order}}"]


def test_brackets_around_an_empty_placeholder_go_with_it():
    """Trial of 3 Dec: "Hi {{contact.name}} ({{contact.email}})," gave "Hi ()," for a visitor who gave neither."""
    body = "Hi {{contact.name}} ({{contact.email}}), Ana here."
    assert render(body, {}) == "Hi, Ana here."
    assert render(body, {"contact.name": "Bo", "contact.email": "bo@example.org"}) == "Hi Bo (bo@example.org), Ana here."
    assert render("Write to <{{contact.email}}> or [{{agent.name|us}}]", {}) == "Write to or [us]"


def test_the_placeholders_left_empty_are_named():
    from conversations.canned import empty_placeholders

    body = "We'll send it to {{contact.email}}, {{ contact.name | there }}. {{agent.name}} {{contact.email}}"
    assert empty_placeholders(body, {"agent.name": "Ana"}) == ["contact.email"]
    assert empty_placeholders(body, {"agent.name": "Ana", "contact.email": "a@b.co"}) == []
    assert empty_placeholders("{{contact.phone}}", {}) == [], "an unknown placeholder stays as written"
