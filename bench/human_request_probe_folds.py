"""Would the human-request voters generalise better if they learnt from the blind probes? Leave one probe out.

    .venv/bin/python bench/human_request_probe_folds.py [--weight W] [--json FILE]

The blind probes (checksets/human_request_blind.jsonl) are written by sessions that never saw the detector; rules
were written from each probe's errors. Here the two voters are refitted on their training rows (models.py) plus every
probe but one, with each probe row weighted W, and the whole detector (rules, clauses, the vote) reads the probe left
out. "shipped" is the detector as trained. If the voters learnt what the rules miss, the held-out probe's recall would
rise at the same precision. Then the external val split, the check set and the probe of 30 Nov are read by the voters
refitted on every probe. The test split is never read. Stop 55 measured this (docs/assistant.md) and kept the shipped
voters.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import sparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assistant_eval import BLIND, CHECKSET, EXTERNAL, PROBE, load, prf  # noqa: E402
from bench.human_request_folds import voter_features, with_voters_refitted  # noqa: E402
from bench.report import write_json  # noqa: E402
from conversations.assistant import Assistant, KnowledgeIndex  # noqa: E402
from conversations.assistant import models as m  # noqa: E402


def refitted(shipped, fixed, probe, pick: np.ndarray, weight: float):
    """The shipped models with both voters refitted on their training rows and the probe rows `pick`."""
    (use_f, lex_f, y_f), (use_p, lex_p, y_p) = fixed, probe
    return with_voters_refitted(shipped, np.vstack([use_f, use_p[pick]]), sparse.vstack([lex_f, lex_p[pick]]).tocsr(),
                                np.r_[y_f, y_p[pick]], sample_weight=np.r_[np.ones(len(y_f)), np.full(len(pick), weight)])


def read(models, rows: list[dict]) -> dict:
    bot = Assistant(KnowledgeIndex(), models=models)
    gold = [r["human"] if "human" in r else r["human_request"] for r in rows]
    return prf(gold, [bot.analyze(r["text"], language=r.get("lang", "")).human_request.fired for r in rows])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weight", type=float, default=1.0, help="each probe row's weight (training rows: 1)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    shipped = m.detector_models()
    rows = m.human_request_rows(m.load_training_rows())
    fixed = (*voter_features(shipped, [t for t, _ in rows]), np.array([label for _, label in rows]))
    blind = load(BLIND)
    probe = (*voter_features(shipped, [r["text"] for r in blind]), np.array([r["human"] for r in blind]))
    probe_of = np.array([r["source"].removeprefix("blind probe ")[:1] for r in blind])
    res: dict = {"weight": args.weight, "training_rows": len(rows), "held_out_probe": {}, "other_sets": {}}
    print(f"{'probe left out':<16}{'voters':<22}{'P':>7}{'R':>7}{'fp':>5}{'fn':>5}")
    for name in sorted(set(probe_of)):
        held = [r for r, p in zip(blind, probe_of) if p == name]
        for label, models in (("shipped", shipped),
                              ("+ the other probes", refitted(shipped, fixed, probe, np.flatnonzero(probe_of != name),
                                                              args.weight))):
            r = read(models, held)
            res["held_out_probe"].setdefault(name, {})[label] = r
            print(f"{name:<16}{label:<22}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['fp']:>5}{r['fn']:>5}")
    every = refitted(shipped, fixed, probe, np.arange(len(blind)), args.weight)
    for name, path in (("external val", EXTERNAL / "human_request" / "val.jsonl"), ("check set", CHECKSET),
                       ("probe of 30 Nov", PROBE)):
        for label, models in (("shipped", shipped), ("+ every probe", every)):
            r = read(models, load(path))
            res["other_sets"].setdefault(name, {})[label] = r
            print(f"{name:<16}{label:<22}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['fp']:>5}{r['fn']:>5}")
    if args.json:
        write_json(args.json, res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
