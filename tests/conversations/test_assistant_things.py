"""The thing a question asks about after a verb of paying, selling or changing, and whether an article's words cover
it (assistant/things.py): pure, no database."""
import pytest

from conversations.assistant.things import asked_thing, asks_ways_of_paying, covered_by


@pytest.mark.parametrize("text, lang, thing, kind", [
    ("Can I pay by bank transfer?", "en", "bank transfer", "pay"),
    ("do you sell bicycles?", "en", "bicycles", "sell"),
    ("Can I change the delivery address of my order?", "en", "delivery address", "change"),
    ("¿Puedo cambiar la dirección de entrega?", "es", "dirección de entrega", "change"),
    ("Puis-je changer l'adresse de livraison ?", "fr", "adresse de livraison", "change"),
    ("Kann ich die Lieferadresse noch ändern?", "de", "Lieferadresse", "change"),
    ("Kann ich mit Überweisung bezahlen?", "de", "Überweisung", "pay"),
    ("Posso pagar com cartão de débito?", "pt", "cartão de débito", "pay"),
    ("Vendem bicicletas?", "pt", "bicicletas", "sell"),
    ("do you take credit cards?", "en", "credit cards", "pay"), ("Acceptez-vous les cartes de crédit ?", "fr",
                                                                "cartes de crédit", "pay"),
    ("Vendez-vous des tentes ?", "fr", "tentes", "sell"), ("Kann ich bar bezahlen?", "de", "bar", "pay"),
    # paying on delivery is one thing, whatever words it has
    ("do you accept cash on delivery?", "en", "cash on delivery", "pay"),
    ("¿Aceptáis pago contra reembolso?", "es", "pago contra reembolso", "pay"),
    ("Akzeptieren Sie Nachnahme?", "de", "Nachnahme", "pay"),
    # nothing after the verb but a word of no content, or no such verb: no thing
    ("Can I change it?", "en", "", ""), ("How long does shipping take?", "en", "", ""),
    ("I want to exchange my boots", "en", "", ""),
    # what is paid is no way of paying: the money, the bill, the fee
    ("when do you take the money from my account?", "en", "", ""), ("can I pay the bill in instalments?", "en", "", ""),
    ("¿Cuándo puedo pagar la factura?", "es", "", ""), ("Kann ich die Gebühr bezahlen?", "de", "", ""),
    ("Kann ich die Gebühr mit Karte bezahlen?", "de", "Karte", "pay")])
def test_the_thing_asked_about_is_read_after_its_verb_as_written(text, lang, thing, kind) -> None:
    assert asked_thing(text, lang) == (thing, kind)


@pytest.mark.parametrize("thing, vocabulary, lang, covered", [
    ("color", {"size", "colour"}, "en", True), ("jacket", {"jackets"}, "en", True),
    ("instalment", {"instalments"}, "en", True), ("credit card", {"card", "charged"}, "en", True),
    ("Lieferadresse", {"adresse"}, "de", True), ("Zelte", {"zelten"}, "de", True), ("cor", {"tamanho", "cor"}, "pt", True),
    # nearly only in English: Portuguese "contra" is no "conta"
    ("contra reembolso", {"conta", "reembolso"}, "pt", False),
    ("tarjeta de débito", {"visa", "mastercard"}, "es", True),
    ("bank transfer", {"visa", "paypal", "bizum"}, "en", False), ("bicycles", {"gift", "cards", "vouchers"}, "en", False),
    # a short word only as it is ("date" is no "até"), and a way of paying on delivery by all its words
    ("delivery date", {"ate", "delivery"}, "en", False), ("cash on delivery", {"delivery", "paid"}, "en", False)])
def test_a_thing_is_covered_by_an_article_naming_it_in_another_spelling_or_number(thing, vocabulary, lang, covered):
    assert covered_by(thing, vocabulary, lang) is covered


def test_a_thing_of_several_words_is_covered_whole_only_by_all_of_them() -> None:
    """"cartes de crédit" are no "cartes cadeaux": the gift cards article covers the head word, not the thing."""
    assert covered_by("cartes de crédit", {"cartes", "cadeaux"}, "fr")
    assert not covered_by("cartes de crédit", {"cartes", "cadeaux"}, "fr", whole=True)


@pytest.mark.parametrize("text, asks", [
    ("ok so what can I pay with then?", True), ("¿con qué puedo pagar?", True), ("wie kann ich bezahlen?", True),
    ("comment puis-je payer ?", True), ("como posso pagar?", True), ("Quels moyens de paiement acceptez-vous ?", True),
    ("How long does shipping take?", False), ("¿Cuánto cuesta el envío?", False)])
def test_a_question_on_the_ways_of_paying_is_told_from_one_naming_none(text, asks) -> None:
    assert asks_ways_of_paying(text) is asks
