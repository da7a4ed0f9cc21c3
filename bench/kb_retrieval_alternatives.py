"""Knowledge-base retrieval alternatives on the public FAQ (shared/data/external/kb_qa), val split.

    .venv/bin/python bench/kb_retrieval_alternatives.py [--split val] [--json out.json]

The FAQ's 51 articles are indexed as the assistant indexes any workspace (build_knowledge_index:
title passage + body passages). Each alternative ranks articles by its best passage and gives a
confidence; a threshold is picked per alternative by the FAQ rule of bench/assistant_eval.py
(the lowest with a wrong article on <= 5% of in-scope questions and >= 90% of out-of-scope ones
declined). Alternatives: the assistant's own score (an article classifier on MiniLM + TF-IDF,
times the best passage's cosine), MiniLM cosine alone, Okapi BM25 alone (k1 1.2, b 0.75),
a score blend and reciprocal-rank fusion of the two, and the multilingual USE encoder.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.assistant_eval import EXTERNAL, FAQ_MAX_WRONG, FAQ_MIN_DECLINED, load  # noqa: E402
from conversations.assistant import Article, build_knowledge_index  # noqa: E402
from conversations.assistant.encoder import get_encoder, get_multilingual_encoder  # noqa: E402
from conversations.assistant.text import normalize  # noqa: E402

STOP = frozenset("the a an of to and or is are be can i my you your it in on for with do does how what when "
                 "where who why will this that at by from".split())


def tokens(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", normalize(text)) if w not in STOP]


class BM25:
    def __init__(self, docs: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.docs = [Counter(tokens(d)) for d in docs]
        self.lens = np.asarray([sum(c.values()) for c in self.docs], dtype=float)
        self.avg = float(self.lens.mean())
        df = Counter(w for c in self.docs for w in c)
        n = len(docs)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}
        self.k1, self.b = k1, b

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.docs))
        for w in tokens(query):
            if w not in self.idf:
                continue
            for i, c in enumerate(self.docs):
                f = c.get(w, 0)
                if f:
                    out[i] += self.idf[w] * f * (self.k1 + 1) / (f + self.k1 * (1 - self.b + self.b * self.lens[i] / self.avg))
        return out


def metrics(scored: list[tuple[dict, str, float]]) -> dict:
    ins = [x for x in scored if x[0]["in_scope"]]
    oos = [x for x in scored if not x[0]["in_scope"]]
    top1 = sum(a in q["article_ids"] for q, a, _ in ins) / len(ins)
    for th in sorted({round(c, 4) for _, _, c in scored}):
        right = sum(1 for q, a, c in ins if c >= th and a in q["article_ids"]) / len(ins)
        wrong = sum(1 for q, a, c in ins if c >= th and a not in q["article_ids"]) / len(ins)
        declined = sum(1 for _, _, c in oos if c < th) / len(oos)
        if wrong <= FAQ_MAX_WRONG and declined >= FAQ_MIN_DECLINED:
            return {"top1": round(top1, 4), "threshold": th, "right": round(right, 4), "wrong": round(wrong, 4),
                    "oos_declined": round(declined, 4)}
    return {"top1": round(top1, 4), "threshold": None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("val", "test"), default="val")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    folder = EXTERNAL / "kb_qa"
    index = build_knowledge_index([Article(id=a["id"], title=a["title"], body=a["body"], url="")
                                   for a in load(folder / "articles.jsonl")])
    questions = load(folder / f"{args.split}.jsonl")
    minilm, use = get_encoder(), get_multilingual_encoder()
    q_emb = minilm.encode([q["text"] for q in questions])
    q_use = use.encode([q["text"] for q in questions]) if use else None
    p_use = use.encode(index.passages) if use else None
    bm25 = BM25(index.passages)
    owner, n = index.passage_article, len(index.article_ids)

    def per_article(sims: np.ndarray) -> np.ndarray:
        best = np.full(n, -np.inf)
        np.maximum.at(best, owner, sims)
        return best

    runs: dict[str, list] = {k: [] for k in ("assistant (classifier x cosine)", "MiniLM cosine", "BM25",
                                             "0.5 cosine + 0.5 min(BM25/10, 1)", "RRF(cosine, BM25), confidence = cosine",
                                             "USE multilingual cosine", "0.5 USE + 0.5 MiniLM cosine")}
    for i, q in enumerate(questions):
        ranked = index.score(q["text"], q_emb[i])
        pick = lambda s: (q, index.article_ids[int(np.argmax(s))], float(np.max(s)))  # noqa: E731
        runs["assistant (classifier x cosine)"].append((q, index.article_ids[ranked[0][0]], ranked[0][1]))
        cos = per_article(index.emb @ q_emb[i])
        bm = per_article(bm25.scores(q["text"]))
        runs["MiniLM cosine"].append(pick(cos))
        runs["BM25"].append(pick(bm))
        runs["0.5 cosine + 0.5 min(BM25/10, 1)"].append(pick(0.5 * cos + 0.5 * np.clip(bm / 10, 0, 1)))
        rrf = 1 / (60 + np.argsort(np.argsort(-cos))) + 1 / (60 + np.argsort(np.argsort(-bm)))
        a = int(np.argmax(rrf))
        runs["RRF(cosine, BM25), confidence = cosine"].append((q, index.article_ids[a], float(cos[a])))
        if q_use is not None:
            u = per_article(p_use @ q_use[i])
            runs["USE multilingual cosine"].append(pick(u))
            runs["0.5 USE + 0.5 MiniLM cosine"].append(pick(0.5 * u + 0.5 * cos))
    res = {name: metrics(s) for name, s in runs.items() if s}
    print(f"FAQ {args.split}: {sum(q['in_scope'] for q in questions)} in scope + "
          f"{sum(not q['in_scope'] for q in questions)} out of scope; threshold rule: wrong <= 5%, OOS declined >= 90%")
    for name, m in res.items():
        rule = (f"th {m['threshold']:.4f}: right {100 * m['right']:.1f}% wrong {100 * m['wrong']:.1f}% "
                f"OOS declined {100 * m['oos_declined']:.1f}%") if m["threshold"] is not None else "rule not met"
        print(f"{name:<42} top-1 {100 * m['top1']:5.1f}%   {rule}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
