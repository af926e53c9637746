"""Chat benchmarks for docs/benchmarks.md: grounding and refusal on govqa, latency on the sample corpus.

    python scripts/bench_chat.py [--index index] [--limit N]

1. govqa (BEIR, answerable questions): how often the answer's sources contain a relevant
   passage, against how often search's top 5 does; how often the assistant refuses.
2. The 50 absent-topic questions of tests/data/absent_questions.txt: refusal rate against the
   sample corpus and against the govqa corpus.
3. Extractive mode on the sample corpus: seconds from the question to the first answer text.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings  # noqa: E402
from assistant.retrieval.evaluate import load_beir, open_eval_index, passage_ids_by_doc  # noqa: E402
from assistant.service import Assistant  # noqa: E402


def govqa(settings, folder: Path, absent: list[str], limit: int | None) -> dict:
    beir = load_beir(folder)
    assistant = open_eval_index(settings, beir)
    try:
        doc_passages = passage_ids_by_doc(assistant)
        queries = beir.queries[:limit] if limit else beir.queries
        in_sources = in_top5 = refused = 0
        for qid, text in queries:
            relevant = beir.qrels[qid]
            top5 = assistant.search(text, k=5, per_doc=1)
            in_top5 += any(p in relevant for h in top5 for p in doc_passages.get(h.doc_id, []))
            answer = assistant.ask(text)
            refused += answer.refused
            in_sources += (not answer.refused) and any(
                p in relevant for s in answer.sources for p in doc_passages.get(s.doc_id, []))
        absent_refused = sum(assistant.ask(q).refused for q in absent)
    finally:
        assistant.close()
    n = len(queries)
    return {"queries": n, "answer_sources_hit": in_sources / n, "search_top5_hit": in_top5 / n,
            "refused": refused / n, "absent_refused": absent_refused / len(absent)}


def sample_corpus(settings, absent: list[str]) -> dict:
    assistant = Assistant(replace(settings, index=settings.index / "bench-sample"))
    try:
        assistant.ingest([ROOT / "corpus"])
        golden = [json.loads(line)["question"] for line in
                  (ROOT / "tests" / "data" / "golden_questions.jsonl").read_text(encoding="utf-8").splitlines() if line]
        assistant.ask("预热")  # load the model, jieba and the keyword index once
        first_text: list[float] = []
        for question in golden:
            started = time.perf_counter()
            for partial in assistant.ask(question, stream=True):
                if partial.answer:
                    first_text.append(time.perf_counter() - started)
                    break
        absent_refused = sum(assistant.ask(q).refused for q in absent)
    finally:
        assistant.close()
    first_text.sort()
    return {"questions": len(golden), "first_text_p50_s": statistics.median(first_text),
            "first_text_p95_s": first_text[int(0.95 * (len(first_text) - 1))],
            "absent_refused": absent_refused / len(absent)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default=None)
    parser.add_argument("--govqa", type=Path, default=ROOT.parent / "shared" / "bench" / "govqa")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    settings = load_settings(index=args.index)
    absent = [line.strip() for line in (ROOT / "tests" / "data" / "absent_questions.txt").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    print(json.dumps({"sample_corpus": sample_corpus(settings, absent),
                      "govqa": govqa(settings, args.govqa, absent, args.limit)}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
