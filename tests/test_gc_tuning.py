"""Daphne's garbage collection (helpdesk/gc_tuning.py): startup frozen, full collections rarer."""
from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = ("import gc, json; import helpdesk.asgi; "
         "print(json.dumps({'threshold': gc.get_threshold(), 'frozen': gc.get_freeze_count()}))")


def gc_state_of_a_daphne_process(**env: str) -> dict:
    """What a process that built the ASGI application (as Daphne does) has set."""
    done = subprocess.run([sys.executable, "-c", PROBE], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_daphne_freezes_its_startup_objects_and_collects_fully_ten_times_less_often():
    tuned = gc_state_of_a_daphne_process()
    python = gc_state_of_a_daphne_process(HELPDESK_DAPHNE_GC="python")

    assert tuned["frozen"] > 50_000, "the imports and Django's setup are not walked by every full collection"
    assert tuned["threshold"][:2] == python["threshold"][:2], "young objects are collected as often as before"
    assert tuned["threshold"][2] == 10 * python["threshold"][2]
    assert python["frozen"] == 0, "HELPDESK_DAPHNE_GC=python keeps Python's defaults"
