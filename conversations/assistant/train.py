"""Train the assistant's detector models and write the artifact.

    python -m conversations.assistant.train [--out DIR] [--check]

DIR defaults to $HELPDESK_ASSISTANT_DIR, else $HELPDESK_STATE_DIR/assistant/, else
<checkout>/.state/assistant/. Uses only the rows shipped in training_data/ (~20 s on 2 cores,
most of it embedding the topic background with MiniLM). --check loads the result and runs one
message through each detector.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from . import models
from .engine import Assistant
from .knowledge import KnowledgeIndex


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m conversations.assistant.train", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=None, help="directory for detectors.pkl")
    ap.add_argument("--check", action="store_true", help="load the artifact back and smoke-test it")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    trained = models.train()
    path = models.save(trained, args.out)
    print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MB) from {trained.rows} rows in "
          f"{trained.trained_seconds:.1f}s; sentence embeddings: {'yes' if trained.bg_emb is not None else 'NO'}")
    if args.check:
        loaded = models.DetectorModels.from_bytes(path.read_bytes())
        a = Assistant(KnowledgeIndex(), models=loaded).analyze("I want to talk to a human")
        if not a.human_request.fired:
            print("check failed: the human-request detector did not fire", file=sys.stderr)
            return 1
        print("check ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
