"""Python's garbage collector, tuned for Daphne's event loop.

A full collection (generation 2) walks every container object the process holds and stops the
event loop and every socket thread while it does: with 1,000 widget sockets open a Daphne process
tracks ~350,000 objects, and at 200 messages/s each full collection took ~180 ms to ~1 s (once or
twice in a 10 s step), holding 40–200 visitor messages behind it. That was the inbox's p99 at 200/s.

Two settings, applied once when the ASGI application is built:
- `gc.freeze()`: the ~230,000 objects of the imports and Django's setup (modules, classes, URL
  patterns, settings) live as long as the process, so no collection needs to walk them again.
- the third threshold from Python's 10 to 100: a full collection after 100 collections of the
  middle generation instead of 10, so ten times rarer. Young objects are still collected as often as
  before (cycles of a closed socket are freed within the first two generations); what waits longer
  is cyclic garbage that lived through both, which Python's own rule (a full collection only once
  the objects that reached the oldest generation since the last one are a quarter of it) already
  lets accumulate.

`HELPDESK_DAPHNE_GC=python` keeps Python's defaults (a diagnostic; docs/performance.md, change 21).
"""
from __future__ import annotations

import gc

from django.conf import settings

FULL_COLLECTION_EVERY = 100  # collections of generation 1 between full ones (Python's default: 10)


def tune_for_latency() -> bool:
    """Freeze what exists now and make full collections rarer; False when turned off by the environment."""
    if settings.DAPHNE_GC == "python":
        return False
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
    return True
