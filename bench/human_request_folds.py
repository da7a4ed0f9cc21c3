"""Out-of-fold figures of the human-request detector on the external train + val splits pooled.

    .venv/bin/python bench/human_request_folds.py [--parts clauses|sentences] [--json FILE]

The external val split has 24 requests: one message moves recall by 4 points. Pooling train and
val (97 requests) and scoring each of 5 seeded folds (stratified by label and language) with the
two voters refitted on everything else (Bitext sample, project-written rows, the other folds) gives
a steadier figure to choose settings on. Each message goes through the whole detector (rules,
sentences, clauses, the vote), as `Assistant.analyze` runs it. The test split is never read.
--parts sentences scores a message's sentences only, as before clauses were read (1 Dec 2026).
"""
from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assistant_eval import EXTERNAL, load, prf  # noqa: E402
from bench.report import write_json  # noqa: E402
from conversations.assistant import Assistant, KnowledgeIndex  # noqa: E402
from conversations.assistant import detectors  # noqa: E402
from conversations.assistant import models as m  # noqa: E402
from conversations.assistant.encoder import get_encoder, get_multilingual_encoder  # noqa: E402
from conversations.assistant.text import sentences  # noqa: E402

FOLDS, SEED = 5, 11
THRESHOLDS = (0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def sentence_parts(text: str) -> list[str]:
    """The reading before clauses: a message's sentences of two words or more."""
    parts = [s for s in sentences(text) if len(s.split()) >= 2]
    return parts if len(parts) > 1 else []


def voter_features(models, texts: list[str]):
    """(multilingual embeddings, MiniLM + n-grams) of `texts`: what the two human-request voters read."""
    use = get_multilingual_encoder().encode(texts)
    lex = sparse.hstack([sparse.csr_matrix(get_encoder().encode(texts)), models.lexical.transform(texts)]).tocsr()
    return use, lex


def with_voters_refitted(shipped, use, lex, y, sample_weight=None):
    """The shipped models with both human-request voters refitted on these rows (as models.py fits them)."""
    models = copy.copy(shipped)
    models.human_ml = LogisticRegression(max_iter=5000, C=m.HUMAN_C).fit(use, y, sample_weight=sample_weight)
    models.human_lex = LogisticRegression(max_iter=5000, C=m.HUMAN_LEX_C).fit(lex, y, sample_weight=sample_weight)
    return models


def stratified_folds(rows: list[dict]) -> np.ndarray:
    """Each row's fold, stratified by (label, language)."""
    strata = [f"{r['human_request']}/{r['lang']}" for r in rows]
    fold = np.zeros(len(rows), dtype=int)
    for k, (_, held_out) in enumerate(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(rows, strata)):
        fold[held_out] = k
    return fold


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", choices=("clauses", "sentences"), default="clauses")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if args.parts == "sentences":
        detectors.message_parts = sentence_parts
    shipped = m.detector_models()
    fixed = m.human_request_rows(m.load_training_rows(), files=tuple(
        f for f in m.HUMAN_REQUEST_FILES if not f.name.startswith("external_human_request_")))
    ext = load(EXTERNAL / "human_request" / "train.jsonl") + load(EXTERNAL / "human_request" / "val.jsonl")
    fold = stratified_folds(ext)
    texts = [t for t, _ in fixed] + [r["text"] for r in ext]
    y = np.array([label for _, label in fixed] + [r["human_request"] for r in ext])
    use, lex = voter_features(shipped, texts)
    scores = np.zeros(len(ext))
    for k in range(FOLDS):
        fit = np.r_[np.arange(len(fixed)), len(fixed) + np.flatnonzero(fold != k)]
        bot = Assistant(KnowledgeIndex(), models=with_voters_refitted(shipped, use[fit], lex[fit], y[fit]))
        for i in np.flatnonzero(fold == k):
            scores[i] = bot.analyze(ext[i]["text"]).human_request.score
    gold = [r["human_request"] for r in ext]
    res = {"parts": args.parts, "rows": len(ext), "requests": sum(gold), "folds": FOLDS,
           "by_threshold": {str(th): prf(gold, list(scores >= th)) for th in THRESHOLDS},
           "misses": [(r["text"], round(float(s), 3)) for r, s in zip(ext, scores)
                      if r["human_request"] and s < detectors.HUMAN_FIRE],
           "false_alarms": [(r["text"], round(float(s), 3)) for r, s in zip(ext, scores)
                            if not r["human_request"] and s >= detectors.HUMAN_FIRE]}
    print(f"external train + val pooled: {res['rows']} rows, {res['requests']} requests, {FOLDS} folds, "
          f"parts: {args.parts}")
    print(f"{'threshold':>10}  {'P':>6}  {'R':>6}  {'F1':>6}  tp  fp  fn")
    for th, r in res["by_threshold"].items():
        print(f"{th:>10}  {r['precision']:.4f}  {r['recall']:.4f}  {r['f1']:.4f}  {r['tp']:>2}  {r['fp']:>2}  {r['fn']:>2}")
    print(f"misses at {detectors.HUMAN_FIRE}:", res["misses"])
    print(f"false alarms at {detectors.HUMAN_FIRE}:", res["false_alarms"])
    if args.json:
        write_json(args.json, res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
