"""Which passage the knowledge-base answer quotes, and what choosing it costs per message.

    .venv/bin/python bench/kb_passage_choice.py [--clinc-index FILE] [--no-cost] [--json out.json]

1. Passage choice on the demo shop (helpdesk/demo_workspace.json): 38 project-written questions,
   each labelled with the passage that answers it (conversations/assistant/checksets/
   kb_passages_demo.jsonl), the right article given. The shipped choice (cosine + word coverage +
   opening passage, conversations/assistant/knowledge.py) against MiniLM cosine alone, with and
   without the demo articles' example questions. The weights were chosen on these questions: a
   regression check, not an unbiased measurement.
2. The same questions in es/fr/de/pt too (kb_questions_multilingual.jsonl) through KnowledgeIndex.score, as a
   visitor's question goes: the opening passage's lead across languages, and the price/time term, each measured
   (knowledge.py's LEAD_WEIGHT_ACROSS and KIND_WEIGHT, both set on these questions: development figures).
3. Cost, in-process CPU time (the machine is shared): KnowledgeIndex.score (ranking + the passage
   choice for the top 5 articles) with and without the term index, on 600 CLINC150 val questions
   over the CLINC index (15,150 passages; built from CLINC train, or read from --clinc-index).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_json  # noqa: E402

import numpy as np  # noqa: E402

from bench.assistant_eval import DATA, clinc_index, load  # noqa: E402
from conversations.assistant import Article, build_knowledge_index  # noqa: E402
from conversations.assistant import knowledge  # noqa: E402
from conversations.assistant.encoder import get_encoder, get_multilingual_encoder  # noqa: E402

CHECKSET = ROOT / "conversations" / "assistant" / "checksets" / "kb_passages_demo.jsonl"
TRANSLATED = ROOT / "conversations" / "assistant" / "checksets" / "kb_questions_multilingual.jsonl"
DEMO = ROOT / "helpdesk" / "demo_workspace.json"


def passage_choice(with_questions: bool) -> dict:
    doc = json.loads(DEMO.read_text())
    index = build_knowledge_index([
        Article(a["title"], a["title"], a["body"], tuple(a.get("tags", ())),
                questions=tuple(a.get("questions", ())) if with_questions else ()) for a in doc["knowledge_base"]])
    encoder = get_encoder()
    rows = load(CHECKSET)
    out = {}
    for name, weights in (("MiniLM cosine alone", (0.0, 0.0)),
                          ("shipped", (knowledge.TERMS_WEIGHT, knowledge.LEAD_WEIGHT))):
        saved = knowledge.TERMS_WEIGHT, knowledge.LEAD_WEIGHT
        knowledge.TERMS_WEIGHT, knowledge.LEAD_WEIGHT = weights
        try:
            right = [r["question"] for r in rows
                     if index.passages[index.best_passage_for(index.article_ids.index(r["article"]), r["question"],
                                                              encoder.encode_one(r["question"]))]
                     .startswith(r["passage_starts"])]
        finally:
            knowledge.TERMS_WEIGHT, knowledge.LEAD_WEIGHT = saved
        out[name] = {"right": len(right), "of": len(rows), "right_questions": right}
    return out


def passage_choice_languages() -> dict:
    """The 38 questions and their es/fr/de/pt translations (kb_questions_multilingual.jsonl) through the
    product's path (`KnowledgeIndex.score` with the question on both encoders and its language), the demo's
    example questions in; a question counts when the right article is among the five scored. Variants: as
    before 1 Dec night (the opening passage's lead across languages too, no price/time term), each change alone,
    and as shipped."""
    doc = json.loads(DEMO.read_text())
    index = build_knowledge_index([Article(a["title"], a["title"], a["body"], tuple(a.get("tags", ())),
                                           questions=tuple(a.get("questions", ()))) for a in doc["knowledge_base"]])
    english = load(CHECKSET)
    starts = {r["question"]: r["passage_starts"] for r in english}
    rows = [("en", r["article"], r["question"], r["passage_starts"]) for r in english] + [
        (r["lang"], r["article"], r["question"], starts[r["english"]]) for r in load(TRANSLATED) if r.get("english") in starts]
    encoder, multilingual = get_encoder(), get_multilingual_encoder()
    read = [(encoder.encode_one(q), multilingual.encode_one(q) if multilingual is not None else None) for _, _, q, _ in rows]
    out = {}
    for name, lead_across, kind in (("before", knowledge.LEAD_WEIGHT, 0.0),
                                    ("no lead across languages", 0.0, 0.0),
                                    ("price/time term", knowledge.LEAD_WEIGHT, knowledge.KIND_WEIGHT),
                                    ("shipped", knowledge.LEAD_WEIGHT_ACROSS, knowledge.KIND_WEIGHT)):
        saved = knowledge.LEAD_WEIGHT_ACROSS, knowledge.KIND_WEIGHT
        knowledge.LEAD_WEIGHT_ACROSS, knowledge.KIND_WEIGHT = lead_across, kind
        try:
            per_lang: dict[str, list[int]] = {}
            for (lang, article, question, passage), (emb, multi) in zip(rows, read):
                chosen = {a: p for a, _, p, _ in index.score(question, emb, multi, lang)}
                right = index.article_ids.index(article)
                tally = per_lang.setdefault(lang, [0, 0])
                if right in chosen:
                    tally[0] += index.passages[chosen[right]].startswith(passage)
                    tally[1] += 1
        finally:
            knowledge.LEAD_WEIGHT_ACROSS, knowledge.KIND_WEIGHT = saved
        out[name] = {lang: {"right": r, "of": n} for lang, (r, n) in per_lang.items()}
    return out


def cost(cache: Path | None) -> dict:
    index = clinc_index(cache)
    if getattr(index, "terms", None) is None:  # an index stored before the term index: add it
        index.terms = knowledge.TermIndex.build(index.passages)
    terms = index.terms
    encoder = get_encoder()
    rows = load(DATA / "clinc150" / "val.jsonl")
    picked = np.random.default_rng(0).choice(len(rows), 600, replace=False)
    questions = [(rows[i]["text"], encoder.encode_one(rows[i]["text"])) for i in picked]

    def timed(with_terms: bool) -> np.ndarray:
        index.terms = terms if with_terms else None
        out = []
        for text, emb in questions:
            t = time.thread_time()  # CPU time of this thread: other processes on the 2 cores do not count
            index.score(text, emb)
            out.append((time.thread_time() - t) * 1000)
        return np.asarray(out)

    runs = {"without": [], "with": []}
    for _ in range(3):  # interleaved, so a busy moment of the machine hits both
        runs["without"].append(timed(False))
        runs["with"].append(timed(True))
    index.terms = terms
    res = {}
    for name, parts in runs.items():
        all_ms = np.concatenate(parts)
        res[name] = {"mean_ms": round(float(all_ms.mean()), 3), "p50_ms": round(float(np.percentile(all_ms, 50)), 3),
                     "p99_ms": round(float(np.percentile(all_ms, 99)), 3)}
    res["added_mean_ms"] = round(res["with"]["mean_ms"] - res["without"]["mean_ms"], 3)
    res["passages"] = len(index.passages)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clinc-index", type=Path, default=None, help="reuse the CLINC knowledge index stored here")
    ap.add_argument("--no-cost", action="store_true", help="skip the cost part (it builds the CLINC index)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    res = {"demo_articles_only": passage_choice(False), "demo_with_example_questions": passage_choice(True),
           "demo_in_five_languages": passage_choice_languages()}
    for key in ("demo_articles_only", "demo_with_example_questions"):
        for name, m in res[key].items():
            print(f"{key:<30} {name:<22} right passage {m['right']}/{m['of']}")
    for name, by_lang in res["demo_in_five_languages"].items():
        print(f"{'demo_in_five_languages':<30} {name:<26} " + "  ".join(
            f"{lang} {m['right']}/{m['of']}" for lang, m in by_lang.items()) +
            f"  all {sum(m['right'] for m in by_lang.values())}/{sum(m['of'] for m in by_lang.values())}")
    if not args.no_cost:
        res["cost"] = cost(args.clinc_index)
        c = res["cost"]
        print(f"KnowledgeIndex.score CPU time over {c['passages']} passages, 1,800 calls each: without the term index mean "
              f"{c['without']['mean_ms']} ms (p99 {c['without']['p99_ms']}), with it mean {c['with']['mean_ms']} ms "
              f"(p99 {c['with']['p99_ms']}): {c['added_mean_ms']:+.3f} ms a message")
    if args.json:
        write_json(args.json, res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
