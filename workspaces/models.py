"""The tenant every other row belongs to. It depends on nothing, so every app may point at it."""
from __future__ import annotations

from django.db import models

# The languages the assistant reads (conversations.assistant.text.LANGUAGES): a greeting may be written in each.
GREETING_LANGUAGES = ("en", "es", "fr", "de", "pt")


def primary_language(tag: str) -> str:
    """The language of a browser's tag: "es-ES", "pt_PT" -> "es", "pt"."""
    return (tag or "").replace("_", "-").split("-")[0].strip().lower()


def greeting_translations_problem(value: object) -> str | None:
    """Why `value` cannot be a workspace's greeting translations ({"es": "¡Hola! …"}), or None when it can."""
    if not isinstance(value, dict):
        return 'Write an object of language code to greeting, e.g. {"es": "¡Hola!"}.'
    unknown = sorted(set(value) - set(GREETING_LANGUAGES))
    if unknown:
        return f"Unknown language {', '.join(map(repr, unknown))}: use {', '.join(GREETING_LANGUAGES)}."
    not_text = sorted(lang for lang, text in value.items() if not isinstance(text, str))
    if not_text:
        return f"The greeting in {', '.join(map(repr, not_text))} must be text."
    return None


class Workspace(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    greeting = models.TextField(blank=True, default="Hi! I'm the virtual assistant. Ask me anything — I can also get you a person.",
                                help_text="First message of every new widget conversation. Empty: no greeting.")
    # The greeting in other languages ({"es": "¡Hola! …"}): a visitor whose browser asks for one of them gets it
    greeting_translations = models.JSONField(default=dict, blank=True,
                                             help_text="The greeting in other languages, by language code (es, fr, de, pt).")
    assistant_name = models.CharField(max_length=60, default="AI assistant", help_text="Shown to visitors next to AI messages.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table the model had while it lived in conversations: moving the class moved no data.
        db_table = "conversations_workspace"

    def greeting_in(self, language: str) -> str:
        """The greeting for a visitor whose browser prefers `language` ("es-ES", "fr"): its translation when the
        workspace has one, else the greeting as written."""
        if not self.greeting:  # no greeting at all: none in any language
            return ""
        primary = primary_language(language)
        translations = self.greeting_translations if isinstance(self.greeting_translations, dict) else {}
        translated = translations.get(primary)
        return translated if isinstance(translated, str) and translated.strip() else self.greeting

    def __str__(self) -> str:
        return self.name
