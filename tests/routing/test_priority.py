from routing.priority import PriorityFacts, compute_priority


def test_plain_handoff_is_normal():
    assert compute_priority(PriorityFacts()) == ("normal", ())


def test_each_reason_raises_it_and_is_explained():
    priority, reasons = compute_priority(PriorityFacts(vip=True, restricted_topic=True))
    assert priority == "urgent" and reasons == ("VIP contact", "restricted topic")
    assert compute_priority(PriorityFacts(frustrated=True)) == ("high", ("frustrated visitor",))


def test_urgency_words_in_any_supported_language():
    for text in ("I need this fixed ASAP", "es urgente, por favor", "bitte dringend", "c'est urgent, immédiatement"):
        assert compute_priority(PriorityFacts(text=text))[0] == "urgent", text


def test_urgency_said_not_to_be_is_no_urgency():
    """Trial 56b: "…just feedback for your team, nothing urgent!" was queued as urgent ahead of angry customers."""
    for text in ("Nothing urgent, just feedback for your team!", "it's not an emergency", "no es urgente",
                 "ce n'est pas urgent", "nicht dringend, danke", "não é urgente"):
        assert compute_priority(PriorityFacts(text=text))[0] == "normal", text
    assert compute_priority(PriorityFacts(text="not tomorrow, I need it right now"))[0] == "urgent"


def test_long_waits_count():
    priority, reasons = compute_priority(PriorityFacts(waiting_minutes=45))
    assert priority == "high" and reasons == ("waiting 45 min",)
