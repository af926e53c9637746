"""Precision and recall of similar-proposal detection (查重) on tests/data/similar_pairs.jsonl.

Usage: python scripts/bench_similar.py [--index DIR]   (the index must hold corpus/)

Each line is {"draft", "original": corpus path or null, "label": duplicate|related|unrelated}.
- duplicate precision: of all documents flagged "likely duplicate" (over every draft), the share
  that is the labelled original of a duplicate pair; duplicate recall: the share of duplicate
  pairs whose original is flagged "likely duplicate".
- related recall: the share of duplicate and related pairs whose original is listed at all;
  unrelated false alarms: the share of unrelated drafts with anything listed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from assistant.drafting.similar import find_similar  # noqa: E402


def evaluate(assistant: Assistant, pairs: list[dict]) -> dict:
    by_path = {}
    for record in assistant.documents():
        for source in record.sources:
            by_path[Path(source).name] = record.doc_id
    flagged_dup = true_dup = dup_pairs = found_dup = 0
    topical = found_topical = unrelated = false_alarm = 0
    started = time.perf_counter()
    for pair in pairs:
        original = by_path.get(Path(pair["original"]).name) if pair.get("original") else None
        similar = find_similar(assistant, pair["draft"])
        duplicates = [d.doc_id for d in similar if d.verdict == "likely_duplicate"]
        flagged_dup += len(duplicates)
        if pair["label"] == "duplicate":
            dup_pairs += 1
            hit = original in duplicates
            found_dup += hit
            true_dup += hit
        if pair["label"] in ("duplicate", "related"):
            topical += 1
            found_topical += original in {d.doc_id for d in similar}
        else:
            unrelated += 1
            false_alarm += bool(similar)
    seconds = time.perf_counter() - started
    return {
        "pairs": len(pairs),
        "duplicate_precision": true_dup / flagged_dup if flagged_dup else 1.0,
        "duplicate_recall": found_dup / dup_pairs if dup_pairs else 0.0,
        "related_recall": found_topical / topical if topical else 0.0,
        "unrelated_false_alarm_rate": false_alarm / unrelated if unrelated else 0.0,
        "flagged_duplicates": flagged_dup,
        "seconds_per_draft": seconds / len(pairs) if pairs else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=None)
    parser.add_argument("--pairs", default=str(ROOT / "tests" / "data" / "similar_pairs.jsonl"))
    args = parser.parse_args()
    pairs = [json.loads(line) for line in Path(args.pairs).read_text("utf-8").splitlines() if line.strip()]
    assistant = Assistant(load_settings(index=args.index))
    try:
        print(json.dumps(evaluate(assistant, pairs), ensure_ascii=False, indent=2))
    finally:
        assistant.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
