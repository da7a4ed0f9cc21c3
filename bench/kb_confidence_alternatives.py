"""How sure to be before answering from the knowledge base: confidence alternatives on the public FAQ.

    .venv/bin/python bench/kb_confidence_alternatives.py [--json out.json]

Development only: it reads the FAQ's (shared/data/external/kb_qa) train and val splits, never test.
The 51 articles carry visitors' questions as example questions, as in bench/assistant_eval.py:
- "val": the train split's in-scope questions are the example questions, val is scored;
- "train 5-fold": the train split in 5 seeded folds; each fold is scored against an index whose example
  questions are the other folds' (a question never meets itself), and the folds are pooled.
Each alternative ranks the articles and gives the top one a confidence; "right" is the share of in-scope
questions answered with a right article at the lowest threshold that answers a wrong article for <= 5% of
them and declines >= 90% of the out-of-scope ones (bench/assistant_eval.py's rule, chosen on the scored
split itself: the figures compare confidences, they are not a held-out estimate).

The calibrator is a logistic regression over general features of the top article (its score, the
runner-up's, the nearest example question's cosine, whether that question's article is the top one,
its share of the 5 nearest questions' votes, the article's share of the question's content terms, the
share of terms the knowledge base never uses), fitted on the train folds and applied to val (so its val
row is held out; its train row is fitted on the rows it scores).

The last row indexes the train split's out-of-scope questions as questions the knowledge base does not
answer (build_knowledge_index's not_covered; for a fold, the other folds' ones).
"""
from __future__ import annotations

import argparse
import pickle
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_json  # noqa: E402

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from bench.assistant_eval import FAQ, load  # noqa: E402
from bench.kb_retrieval_alternatives import rule  # noqa: E402
from conversations.assistant import Article, KnowledgeIndex, build_knowledge_index  # noqa: E402
from conversations.assistant.encoder import get_encoder  # noqa: E402
from conversations.assistant.knowledge import content_terms  # noqa: E402
from conversations.assistant.models import l2_rows  # noqa: E402

FOLDS = 5
CALIBRATOR_FEATURES = ("top", "runner_up", "nearest_question", "agrees", "votes", "coverage", "unknown")


def build(articles: list[dict], questions: list[dict], with_not_covered: bool) -> KnowledgeIndex:
    by_article: dict[str, list[str]] = defaultdict(list)
    for r in questions:
        for article_id in r["article_ids"] if r["in_scope"] else ():
            by_article[article_id].append(r["text"])
    not_covered = [r["text"] for r in questions if not r["in_scope"]] if with_not_covered else []
    return build_knowledge_index([Article(id=a["id"], title=a["title"], body=a["body"],
                                          questions=tuple(by_article[a["id"]])) for a in articles], not_covered)


def example_question_mask(index: KnowledgeIndex) -> np.ndarray:
    """The passages that are an article's example questions: title-like passages after each article's first."""
    first = np.r_[True, index.passage_article[1:] != index.passage_article[:-1]]
    n = len(index.article_ids)
    return index.passage_is_title & ~first & (index.passage_article < n)


def features(index: KnowledgeIndex, rows: list[dict]) -> list[dict]:
    encoder = get_encoder()
    n = len(index.article_ids)
    questions = example_question_mask(index)
    q_idx = np.flatnonzero(questions)
    owner = index.passage_article
    articles_terms = (sparse.csr_matrix((np.ones(len(owner)), (owner, np.arange(len(owner)))))[:n] @ index.terms.matrix > 0)
    shared = np.zeros((n, n))  # how many example questions two articles share
    holders: dict[str, set[int]] = defaultdict(set)
    for i in q_idx:
        holders[index.passages[i]].add(int(owner[i]))
    for s in holders.values():
        for a in s:
            for b in s:
                shared[a, b] += 1
    out = []
    for r in rows:
        q_emb = encoder.encode_one(r["text"])
        q_lex = l2_rows(index.tfidf.transform([r["text"]]))
        probs = np.zeros(n + (1 if index.not_covered else 0))
        probs[index.classifier.classes_] = index._article_proba(q_lex, q_emb)
        sims = index.emb @ q_emb
        best = np.full(n + 1, -1.0)
        np.maximum.at(best, owner, sims)
        best_question = np.full(n + 1, -1.0)
        np.maximum.at(best_question, owner[questions], sims[questions])
        order = q_idx[np.argsort(-sims[q_idx])][:10]
        terms = set(content_terms(r["text"]))
        known = [index.terms.vocabulary[t] for t in terms if t in index.terms.vocabulary]
        total = float(index.terms.idf[known].sum()) + (len(terms) - len(known)) * float(index.terms.idf.max())
        coverage = (np.asarray(articles_terms[:, known].astype(float) @ index.terms.idf[known]).ravel() / total
                    if known else np.zeros(n))
        out.append({"row": r, "P": probs[:n], "best": best[:n], "question": best_question[:n], "shared": shared,
                    "nearest": [(int(owner[i]), float(sims[i])) for i in order], "coverage": coverage,
                    "unknown": (len(terms) - len(known)) / len(terms) if terms else 0.0})
    return out


def shipped(f: dict) -> np.ndarray:
    return np.sqrt(f["P"]) * np.clip(f["best"], 0, 1)


def votes(f: dict, k: int) -> np.ndarray:
    v = np.zeros(len(f["P"]))
    for a, s in f["nearest"][:k]:
        v[a] += max(s, 0.0)
    return v / k


def top_and(score: Callable[[dict], np.ndarray], confidence: Callable[[dict, int, np.ndarray], float]):
    def scorer(f: dict) -> tuple[int, float]:
        s = score(f)
        a = int(np.argmax(s))
        return a, confidence(f, a, s)
    return scorer


def second(s: np.ndarray, a: int) -> float:
    rest = np.delete(s, a)
    return float(rest.max()) if rest.size else 0.0


def shared_probability(f: dict, a: int) -> float:
    """P of the top article plus the P of articles sharing its example questions (both answer them)."""
    counts = np.diag(f["shared"])
    w = f["shared"][a] / np.maximum(np.sqrt(counts[a] * counts), 1)
    w[a] = 1.0
    return float(min(1.0, w @ f["P"]))


def calibrator_row(f: dict) -> tuple[int, list[float]]:
    s = shipped(f)
    a = int(np.argmax(s))
    nearest_article, nearest = f["nearest"][0]
    v = votes(f, 5)
    return a, [float(s[a]), second(s, a), nearest, float(nearest_article == a), float(v[a] / max(v.sum(), 1e-9)),
               float(f["coverage"][a]), f["unknown"]]


ALTERNATIVES: dict[str, Callable[[dict], tuple[int, float]]] = {
    "shipped: sqrt(P) x best passage cosine": top_and(shipped, lambda f, a, s: float(s[a])),
    "nearest example question (its article, its cosine)":
        lambda f: f["nearest"][0],
    "5 nearest example questions' votes": top_and(lambda f: votes(f, 5), lambda f, a, s: float(s[a])),
    "shipped ranking, confidence = cosine of the article's nearest example question":
        top_and(shipped, lambda f, a, s: float(f["question"][a])),
    "shipped + 0.2 when the nearest example question's article agrees":
        top_and(shipped, lambda f, a, s: float(s[a]) + (0.2 if f["nearest"][0][0] == a else 0.0)),
    "shipped ranking, margin among example questions (top - 0.5 x runner-up)":
        top_and(shipped, lambda f, a, s: float(f["question"][a]) - 0.5 * second(f["question"], a)),
    "0.7 shipped + 0.3 x 10 nearest questions' votes (ranking and confidence)":
        top_and(lambda f: 0.7 * shipped(f) + 0.3 * votes(f, 10), lambda f, a, s: float(s[a])),
    "shipped ranking, P summed over articles sharing example questions":
        top_and(shipped, lambda f, a, s: np.sqrt(shared_probability(f, a)) * max(float(f["best"][a]), 0.0)),
    "shipped x (0.7 + 0.3 x the article's share of the question's terms)":
        top_and(shipped, lambda f, a, s: float(s[a]) * (0.7 + 0.3 * float(f["coverage"][a]))),
}


def scored(feats: list[dict], ids: list[list[str]], scorer: Callable[[dict], tuple[int, float]]) -> list:
    out = []
    for f, article_ids in zip(feats, ids):
        a, confidence = scorer(f)
        out.append((f["row"], article_ids[a], confidence))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--features-cache", type=Path, help="keep the computed features here (development reruns)")
    args = ap.parse_args()
    if args.features_cache and args.features_cache.exists():
        splits = pickle.loads(args.features_cache.read_bytes())
    else:
        splits = compute_splits()
        if args.features_cache:
            args.features_cache.write_bytes(pickle.dumps(splits))
    report(splits, args.json)
    return 0


def compute_splits() -> dict[str, dict[bool, tuple[list[dict], list[list[str]]]]]:
    articles = load(FAQ / "articles.jsonl")
    train, val = load(FAQ / "train.jsonl"), load(FAQ / "val.jsonl")
    fold = np.random.default_rng(0).integers(0, FOLDS, len(train))
    splits: dict[str, dict[bool, tuple[list[dict], list[list[str]]]]] = {"val": {}, "train 5-fold": {}}
    for with_not_covered in (False, True):
        index = build(articles, train, with_not_covered)
        feats = features(index, val)
        splits["val"][with_not_covered] = (feats, [index.article_ids] * len(feats))
        pooled, ids = [], []
        for k in range(FOLDS):
            index = build(articles, [r for r, f in zip(train, fold) if f != k], with_not_covered)
            feats = features(index, [r for r, f in zip(train, fold) if f == k])
            pooled += feats
            ids += [index.article_ids] * len(feats)
        splits["train 5-fold"][with_not_covered] = (pooled, ids)
    return splits


def report(splits: dict, json_path: Path | None) -> None:
    res: dict = {}
    for name, scorer in ALTERNATIVES.items():
        res[name] = {split: rule(scored(*by[False], scorer)) for split, by in splits.items()}
    calibrator = {}
    train_feats, train_ids = splits["train 5-fold"][False]
    x, y = [], []
    for f, article_ids in zip(train_feats, train_ids):
        a, row = calibrator_row(f)
        x.append(row)
        y.append(int(f["row"]["in_scope"] and article_ids[a] in f["row"]["article_ids"]))
    model = LogisticRegression(C=1.0, max_iter=5000).fit(np.asarray(x), np.asarray(y))
    for split, by in splits.items():
        feats, ids = by[False]
        calibrated = []
        for f, article_ids in zip(feats, ids):
            a, row = calibrator_row(f)
            calibrated.append((f["row"], article_ids[a], float(model.predict_proba(np.asarray([row]))[0, 1])))
        calibrator[split] = rule(calibrated)
    res["logistic calibrator over 7 general features (fitted on train 5-fold)"] = calibrator
    res["shipped + the train questions out of scope as questions not covered"] = {
        split: rule(scored(*by[True], ALTERNATIVES["shipped: sqrt(P) x best passage cosine"])) for split, by in splits.items()}

    print("Public FAQ with example questions (val 161 + 34 OOS; train 5-fold 486 + 102 OOS); rule: wrong <= 5%, "
          "OOS declined >= 90%")
    for name, by_split in res.items():
        cells = []
        for split, m in by_split.items():
            at = (f"right {100 * m['right']:5.1f}% wrong {100 * m['wrong']:4.1f}% OOS declined {100 * m['oos_declined']:5.1f}%"
                  if m["threshold"] is not None else "rule not met")
            cells.append(f"{split}: top-1 {100 * m['top1']:5.1f}%  {at}")
        print(f"{name}\n    " + "\n    ".join(cells))
    if json_path:
        write_json(json_path, res)


if __name__ == "__main__":
    raise SystemExit(main())
