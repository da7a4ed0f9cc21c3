"""Form fields shared by the admin pages of several apps."""
import re

from django import forms


class ListTextField(forms.CharField):
    """A list of short texts, edited as plain text: one a line (with `commas`, commas separate them too),
    so an admin types `fire, burned` instead of JSON. Blank entries and repeats are dropped."""

    def __init__(self, *, commas: bool, rows: int = 3, **kwargs) -> None:
        self.commas = commas
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows, "cols": 60}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return (", " if self.commas else "\n").join(str(v) for v in value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list):
            return value
        items: list[str] = []
        for part in re.split(r"[,\n]" if self.commas else r"\n", super().to_python(value) or ""):
            part = part.strip()
            if part and part not in items:
                items.append(part)
        return items
