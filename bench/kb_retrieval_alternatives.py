"""Knowledge-base retrieval alternatives on the public FAQ (shared/data/external/kb_qa) and CLINC150 val.

    .venv/bin/python bench/kb_retrieval_alternatives.py                      # FAQ train + val
    .venv/bin/python bench/kb_retrieval_alternatives.py --clinc [--index-cache F] [--json out.json]

Development only: it reads the FAQ's train and val splits, never test. The FAQ's 51 articles are
indexed as the assistant indexes any workspace (build_knowledge_index). Each alternative ranks
articles and gives the top one a confidence; "at the rule" is the share of in-scope questions
answered with a right article at the lowest threshold that answers a wrong article for <= 5% of
in-scope questions and declines >= 90% of out-of-scope ones (bench/assistant_eval.py's rule).

Alternatives: the assistant's score (article classifier on MiniLM + TF-IDF, sqrt(P) x the best
passage's cosine); MiniLM cosine alone (best passage, title only); Okapi BM25 alone; character
3-5-gram TF-IDF (robust to "corona", "covid19", "vacine"); word TF-IDF; blends with the assistant's
score; the title's share of the question's content words added to the match; and a margin
confidence (top score minus k x the runner-up's) instead of the raw score. With --clinc the
margin is also measured on CLINC150 val (in-scope accuracy and OOS recall at the highest
threshold keeping in-scope accuracy >= 95%, as in bench/assistant_eval.py).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_json  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

from bench.assistant_eval import (  # noqa: E402
    DATA, FAQ, VAL_MIN_ACCURACY, clinc_index, faq_metrics, faq_rule_threshold, load,
)
from conversations.assistant import Article, KnowledgeIndex, build_knowledge_index  # noqa: E402
from conversations.assistant.encoder import get_encoder  # noqa: E402
from conversations.assistant.knowledge import TermIndex, content_terms  # noqa: E402
from conversations.assistant.models import l2_rows  # noqa: E402
from conversations.assistant.text import normalize  # noqa: E402

BM25_K1, BM25_B = 1.2, 0.75


def bm25_matrix(index: KnowledgeIndex) -> tuple[dict[str, int], np.ndarray]:
    """Okapi BM25 term weights per passage over stemmed content terms (the passage choice's terms)."""
    vocabulary: dict[str, int] = {}
    bags = [Counter(content_terms(p)) for p in index.passages]
    for bag in bags:
        for term in bag:
            vocabulary.setdefault(term, len(vocabulary))
    counts = np.zeros((len(bags), max(1, len(vocabulary))))
    for i, bag in enumerate(bags):
        for term, n in bag.items():
            counts[i, vocabulary[term]] = n
    lengths = counts.sum(1)
    df = (counts > 0).sum(0)
    idf = np.log(1 + (len(bags) - df + 0.5) / (df + 0.5))
    norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / max(lengths.mean(), 1e-9))
    return vocabulary, idf[None, :] * counts * (BM25_K1 + 1) / (counts + norm[:, None])


def per_article(index: KnowledgeIndex, values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    best = np.full(len(index.article_ids), -1.0)
    owner = index.passage_article if mask is None else index.passage_article[mask]
    np.maximum.at(best, owner, values if mask is None else values[mask])
    return best


def faq_features(index: KnowledgeIndex, rows: list[dict]) -> list[dict]:
    encoder = get_encoder()
    vocabulary, bm25 = bm25_matrix(index)
    terms = TermIndex.build(index.passages)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=normalize)
    p_chars = l2_rows(chars.fit_transform(index.passages))
    out = []
    for r in rows:
        q_emb = encoder.encode_one(r["text"])
        q_lex = l2_rows(index.tfidf.transform([r["text"]]))
        probs = np.zeros(len(index.article_ids))
        probs[index.classifier.classes_] = index._article_proba(q_lex, q_emb)
        cols = sorted({vocabulary[t] for t in content_terms(r["text"]) if t in vocabulary})
        lexical = bm25[:, cols].sum(1) if cols else np.zeros(len(index.passages))
        out.append({"row": r, "cos": index.emb @ q_emb, "probs": probs, "bm25": lexical,
                    "words": np.asarray((index.lex @ q_lex.T).todense()).ravel(),
                    "chars": np.asarray((p_chars @ l2_rows(chars.transform([r["text"]])).T).todense()).ravel(),
                    "coverage": terms.coverage(r["text"])})
    return out


def rule(scored: list[tuple[dict, str, float]]) -> dict:
    """bench/assistant_eval.py's FAQ rule on one split's scored questions."""
    threshold = faq_rule_threshold(scored)
    m = faq_metrics(scored, threshold if threshold is not None else 0.0)
    if threshold is None:
        return {"top1": m["top1_any_threshold"], "threshold": None}
    return {"top1": m["top1_any_threshold"], "threshold": threshold, "right": m["right"], "wrong": m["wrong"],
            "oos_declined": m["oos_declined"]}


def margin(scores: np.ndarray, k: float) -> float:
    top, second = np.sort(scores)[::-1][:2]
    return float(top - k * second)


def alternatives(index: KnowledgeIndex) -> dict[str, Callable[[dict], tuple[np.ndarray, float | None]]]:
    """name -> f(features) = (per-article scores, the top article's confidence or None for its score)."""
    title = index.passage_is_title
    art = lambda f, v, m=None: per_article(index, v, m)  # noqa: E731
    shipped = lambda f: np.sqrt(f["probs"]) * np.clip(art(f, f["cos"]), 0, 1)  # noqa: E731
    bm25n = lambda f: f["bm25"] / f["bm25"].max() if f["bm25"].max() > 0 else f["bm25"]  # noqa: E731
    return {
        "shipped: sqrt(P) x best passage cosine": lambda f: (shipped(f), None),
        "MiniLM cosine, best passage": lambda f: (art(f, f["cos"]), None),
        "MiniLM cosine, title only": lambda f: (art(f, f["cos"], title), None),
        "article classifier P alone": lambda f: (f["probs"], None),
        "BM25 alone (stemmed content terms)": lambda f: (art(f, bm25n(f)), None),
        "word 1-2-gram TF-IDF cosine": lambda f: (art(f, f["words"]), None),
        "char 3-5-gram TF-IDF cosine (typos)": lambda f: (art(f, f["chars"]), None),
        "sqrt(P) x (cosine + 0.2 char TF-IDF)": lambda f: (np.sqrt(f["probs"]) * art(f, f["cos"] + 0.2 * f["chars"]), None),
        "sqrt(P) x (0.7 cosine + 0.3 BM25)": lambda f: (np.sqrt(f["probs"]) * art(f, 0.7 * f["cos"] + 0.3 * bm25n(f)), None),
        "sqrt(P) x (cosine + 0.2 title's share of the words)":
            lambda f: (np.sqrt(f["probs"]) * np.clip(art(f, f["cos"]) + 0.2 * art(f, f["coverage"], title), 0, None), None),
        "shipped, confidence = top - 0.5 x runner-up": lambda f: (s := shipped(f), margin(s, 0.5)),
        "shipped, confidence = top - 1.0 x runner-up": lambda f: (s := shipped(f), margin(s, 1.0)),
    }


def clinc_margins(index_cache: Path | None) -> dict:
    """The shipped score and its margin variants on CLINC150 val (slow: 3,100 questions over 15,150 passages)."""
    index = clinc_index(index_cache)
    encoder = get_encoder()
    rows = load(DATA / "clinc150" / "val.jsonl")
    ranked = [index.score(r["text"], encoder.encode_one(r["text"])) for r in rows]
    out = {}
    for k in (0.0, 0.5, 1.0):
        pred = [index.article_ids[x[0][0]] for x in ranked]
        conf = [x[0][1] - k * x[1][1] for x in ranked]
        gold = [r["intent"] for r in rows]
        n_in = sum(g != "oos" for g in gold)
        acc_at = lambda th: sum(g != "oos" and c >= th and p == g for g, p, c in zip(gold, pred, conf)) / n_in  # noqa: E731
        th = max((float(t) for t in np.unique(np.round(conf, 4)) if acc_at(float(t)) >= VAL_MIN_ACCURACY), default=0.0)
        recall = sum(g == "oos" and c < th for g, c in zip(gold, conf)) / max(1, len(gold) - n_in)
        out[f"top - {k} x runner-up"] = {"threshold": round(th, 4), "in_scope_accuracy": round(acc_at(th), 4),
                                         "oos_recall": round(recall, 4)}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clinc", action="store_true", help="also measure the margin on CLINC150 val (minutes)")
    ap.add_argument("--index-cache", type=Path, default=None, help="reuse the CLINC knowledge index stored here")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    index = build_knowledge_index([Article(id=a["id"], title=a["title"], body=a["body"])
                                   for a in load(FAQ / "articles.jsonl")])
    res: dict = {"faq": {}}
    features = {split: faq_features(index, load(FAQ / f"{split}.jsonl")) for split in ("train", "val")}
    for name, scorer in alternatives(index).items():
        res["faq"][name] = {}
        for split, feats in features.items():
            scored = []
            for f in feats:
                scores, conf = scorer(f)
                a = int(np.argmax(scores))
                scored.append((f["row"], index.article_ids[a], float(scores[a]) if conf is None else conf))
            res["faq"][name][split] = rule(scored)
    print("Public FAQ, articles only (train 486 + 102 OOS, val 161 + 34 OOS); rule: wrong <= 5%, OOS declined >= 90%")
    for name, by_split in res["faq"].items():
        cells = []
        for split, m in by_split.items():
            at = f"right {100 * m['right']:5.1f}%" if m["threshold"] is not None else "rule not met"
            cells.append(f"{split}: top-1 {100 * m['top1']:5.1f}%  {at}")
        print(f"{name:<55} " + "   ".join(cells))
    if args.clinc:
        res["clinc150_val"] = clinc_margins(args.index_cache)
        for name, m in res["clinc150_val"].items():
            print(f"CLINC150 val, confidence = {name:<22} th {m['threshold']:.3f}: in-scope acc "
                  f"{100 * m['in_scope_accuracy']:.1f}%, OOS recall {100 * m['oos_recall']:.1f}%")
    if args.json:
        write_json(args.json, res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
