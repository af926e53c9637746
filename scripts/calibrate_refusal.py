"""Calibrate ``refusal_threshold``: how often answerable questions are answered and absent ones refused.

Usage (from the project root, with an index already built):

    python scripts/calibrate_refusal.py --index index \\
        --golden tests/data/golden_questions.jsonl --absent tests/data/absent_questions.txt

    # a BEIR benchmark (queries.jsonl + qrels.tsv) indexed with external ids as answerable questions:
    python scripts/calibrate_refusal.py --index bench-index --beir ../shared/bench/govqa \\
        --absent tests/data/absent_questions.txt [--limit 300]

For every question it retrieves exactly as ``Assistant.ask`` does (follow-up resolution aside)
and computes the support signal of ``assistant.answer.support``; it then prints, for the
configured threshold and a sweep of others, the share of answerable questions answered (and
answered with an expected document among the cited sources) and the share of absent questions
refused, plus the threshold with the best balanced accuracy.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.answers.answer import Question, compose_extractive, plan_answer  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.service import Assistant  # noqa: E402


@dataclass
class Scored:
    question: str
    support: float
    found: bool  # an expected document is among the extractive answer's sources (answerable only)


def golden_questions(path: Path) -> list[tuple[str, set[str]]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row["question"], set(row["answers"])) for row in rows]


def beir_questions(folder: Path) -> list[tuple[str, set[str]]]:
    answers: dict[str, set[str]] = {}
    for line in (folder / "qrels.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] not in ("query-id", "query_id") and (len(parts) < 3 or parts[2] != "0"):
            answers.setdefault(parts[0], set()).add(parts[1])
    out = []
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row["_id"] in answers:
                out.append((row["text"], answers[row["_id"]]))
    return out


def _matches(expected: set[str], source: str, external_id: str | None) -> bool:
    if external_id is not None and external_id in expected:
        return True
    return any(source == e or source.endswith("/" + e) or e.endswith("/" + source) or Path(source).name == Path(e).name
               for e in expected)


def score(assistant: Assistant, question: str, expected: set[str] | None, k: int = 10) -> Scored:
    """The support the chat measures for ``question`` (``Assistant.answer_plan``) and whether the
    answer would quote an expected document."""
    found = assistant.answer_inputs(question)  # retrieved once, as the chat does
    plan = plan_answer(Question(question, found.weights), found.hits, found.texts,
                       assistant.settings.refusal_threshold, absent_terms=found.absent_terms)
    hits = found.hits
    found = False
    if expected is not None and hits:
        _, sources = compose_extractive(question, hits, evidence=plan.evidence)
        by_chunk = {h.chunk_id: h for h in hits}
        found = any(_matches(expected, s.source, by_chunk[s.chunk_id].external_id) for s in sources)
    return Scored(question, plan.support, found)


def rates(answerable: list[Scored], absent: list[Scored], threshold: float) -> tuple[float, float, float]:
    answered = sum(s.support >= threshold for s in answerable) / (len(answerable) or 1)
    correct = sum(s.support >= threshold and s.found for s in answerable) / (len(answerable) or 1)
    refused = sum(s.support < threshold for s in absent) / (len(absent) or 1)
    return answered, correct, refused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", default=None)
    parser.add_argument("--golden", type=Path, action="append", default=[], help="JSONL {question, answers}")
    parser.add_argument("--beir", type=Path, action="append", default=[], help="folder with queries.jsonl, qrels.tsv")
    parser.add_argument("--absent", type=Path, action="append", default=[], help="one absent-topic question a line")
    parser.add_argument("--threshold", type=float, default=None, help="default: refusal_threshold from settings")
    parser.add_argument("--limit", type=int, default=None, help="at most this many answerable questions per file")
    parser.add_argument("--show", action="store_true", help="print every question's support")
    args = parser.parse_args(argv)

    settings = load_settings(index=args.index)
    threshold = settings.refusal_threshold if args.threshold is None else args.threshold
    assistant = Assistant(settings)
    try:
        sets = [golden_questions(p) for p in args.golden] + [beir_questions(p) for p in args.beir]
        answerable = [score(assistant, q, expected) for rows in sets for q, expected in rows[: args.limit]]
        absent_questions = [line.strip() for p in args.absent for line in p.read_text(encoding="utf-8").splitlines()
                            if line.strip()]
        absent = [score(assistant, q, None) for q in absent_questions]
    finally:
        assistant.close()

    if args.show:
        for label, rows in (("answerable", answerable), ("absent", absent)):
            for s in sorted(rows, key=lambda s: s.support):
                print(f"{label:<10} {s.support:.4f} {'found' if s.found else '     '} {s.question}")
    print(f"index {settings.index}: {len(answerable)} answerable, {len(absent)} absent questions")
    answered, correct, refused = rates(answerable, absent, threshold)
    print(f"threshold {threshold:.4f}: answered {answered:.1%} (with an expected source {correct:.1%}), "
          f"absent refused {refused:.1%}")
    candidates = sorted({round(s.support, 4) for s in answerable + absent})
    if candidates:
        low, high = candidates[0], candidates[-1]
        print("\nthreshold  answered  with-source  refused")
        steps = 12
        for i in range(steps + 1):
            t = low + (high - low) * i / steps
            a, c, r = rates(answerable, absent, t)
            print(f"{t:9.4f}  {a:8.1%}  {c:11.1%}  {r:7.1%}")
        # Cut in the middle of a gap between neighbouring supports: best balanced accuracy, widest gap.
        gaps = [((x + y) / 2, y - x) for x, y in zip(candidates, candidates[1:])] or [(low, 0.0)]
        suggestion, _ = max(gaps, key=lambda g: (sum(rates(answerable, absent, g[0])[1:]), g[1]))
        a, c, r = rates(answerable, absent, suggestion)
        print(f"\nsuggested threshold {suggestion:.4f}: answered {a:.1%} (with source {c:.1%}), refused {r:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
