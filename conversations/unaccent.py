"""PostgreSQL's unaccent for the inbox search, in one place for the indexes (models) and the queries (search)."""
from __future__ import annotations

from django.db.models import Func, TextField


class Unaccented(Func):
    """unaccent() wrapped as an immutable function (migration 0013) so that an index can use it: "tres" finds
    "três", "Muller" finds "Müller", and the other way round."""

    function = "helpdesk_unaccent"
    output_field = TextField()
