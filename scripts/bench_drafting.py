#!/usr/bin/env python
"""Drafting benchmark (issue 11): drafts on ≥ 20 topics and the format check on seeded cases.

    python scripts/bench_drafting.py [--index index] [--shared-index /tmp/statecouncil-index]

Topics (tests/data/drafting_topics.jsonl) are drafted over the sample corpus (``--index``, built from corpus/
when empty) or over ../shared/corpus/statecouncil (``--shared-index``, built once; embeddings come from the
embedding cache). Reported:

- restated: share of the drafts' cited 建议 that restate a measure a source reports as done — a labelled
  phrase of the topic ("加梯贷") or a done/committed/in-force sentence of *any* on-subject reply or policy in
  the library (not only those the draft found), by ``sentence_roles.restatement`` (target 0);
- coverage: share of drafts whose coverage note names exactly the genres (提案, 答复, 政策文件, 社情民意信息)
  that exist on the topic (labelled by hand), and says so when nothing exists;
- 承办单位 precision: suggested departments that did answer proposals on the topic (lead, co-handlers, 经商);
- the check's recall on seeded defect and near-copy cases and its false-alarm rate on clean drafts
  (targets ≥ 0.90 and ≤ 0.05).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.drafting.check import check_text  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.drafting.departments import department_key, short_name  # noqa: E402
from assistant.drafting.draft import COVERAGE_GENRES, covers_subject, subject_terms  # noqa: E402
from assistant.drafting.formats import load_format  # noqa: E402
from assistant.drafting.sentence_roles import REPORTED, RESTATES, document_sentences, restatement  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from tests.check_cases import clean_cases, defect_cases, duplicate_cases  # noqa: E402


def open_index(folder: Path, source: Path) -> Assistant:
    assistant = Assistant(load_settings(index=folder))
    if not assistant.documents():
        report = assistant.ingest([source])
        print(f"indexed {source}: {report.count('added')} documents", file=sys.stderr)
    return assistant


def reported_measures(assistant: Assistant, topic: str) -> list[str]:
    """Done/committed/in-force sentences of every on-subject reply and policy in the library."""
    terms = subject_terms(topic)
    found = []
    for record in assistant.documents():
        if record.meta.genre not in ("reply", "policy", "law"):
            continue
        text = assistant.document_text(record.doc_id)
        if covers_subject(terms, record.meta.title + "\n" + text):
            found += [r.text for r in document_sentences(text, record.meta.genre) if r.role in REPORTED]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "index"))
    parser.add_argument("--shared-index", default="/tmp/statecouncil-index")
    parser.add_argument("--topics", default=str(ROOT / "tests" / "data" / "drafting_topics.jsonl"))
    args = parser.parse_args()
    topics = [json.loads(line) for line in Path(args.topics).read_text(encoding="utf-8").splitlines() if line.strip()]
    indexes = {"sample": open_index(Path(args.index), ROOT / "corpus"),
               "statecouncil": open_index(Path(args.shared_index), ROOT.parent / "shared" / "corpus" / "statecouncil")}

    suggestions = restated = coverage_ok = dep_total = dep_right = 0
    rows, started = [], time.time()
    for topic in topics:
        assistant = indexes[topic["corpus"]]
        draft = assistant.draft(topic["topic"], kind=topic["kind"])
        measures = reported_measures(assistant, topic["topic"])
        cited = [p.text for p in draft.suggestions() if p.kind != "placeholder" and p.citations]
        bad = [s for s in cited if any(phrase in s for phrase in topic["done"])
               or restatement(s, measures, topic["topic"]).score >= RESTATES]
        suggestions += len(cited)
        restated += len(bad)
        counts = dict(draft.coverage_counts)
        present = {g for g, _ in COVERAGE_GENRES if counts.get(g) or (g == "policy" and counts.get("law"))}
        expected = set(topic["genres"])
        ok = present == expected and (bool(expected) or draft.coverage.startswith("文库覆盖：未找到"))
        coverage_ok += ok
        names = [short_name(d.name) for d in draft.departments]
        right = None
        if topic["answered"] and names:
            truth = {department_key(name) for name in topic["answered"]}
            right = sum(department_key(name) in truth for name in names)
            dep_total += len(names)
            dep_right += right
        rows.append((topic, len(cited), len(bad), ok, present, names, right))
        for text in bad:
            print(f"  restated [{topic['topic']}]: {text}", file=sys.stderr)

    for topic, cited, bad, ok, present, names, right in rows:
        print(f"| {topic['topic']}（{topic['kind']}，{topic['corpus']}） | {cited} | {bad} | "
              f"{'✓' if ok else '✗ ' + ','.join(sorted(present))} | "
              f"{'' if right is None else f'{right}/{len(names)}'} |")

    sample = indexes["sample"]
    clean, defects, duplicates = clean_cases(), defect_cases(), duplicate_cases()
    caught = sum(set(c.expect) <= {f.rule for f in check_text(c.text, load_format(c.kind))} for c in defects)
    for case in duplicates:
        report = sample.check(case.text, kind=case.kind)
        original = case.name.split("/", 1)[1].split("_", 1)[1]
        caught += any(d.verdict == "likely_duplicate" and d.title == original for d in report.similar)
    alarms = 0
    for case in clean:
        if case.name.startswith("own/"):  # not in the library: neither findings nor a likely duplicate
            report = sample.check(case.text, kind=case.kind)
            alarms += bool(report.findings) or any(d.verdict == "likely_duplicate" for d in report.similar)
        else:  # the sample proposals themselves: format findings only (the library holds them)
            alarms += bool(check_text(case.text, load_format(case.kind)))
    print()
    print(f"topics: {len(topics)}; cited suggestions: {suggestions}; restating a done measure: {restated} "
          f"({restated / max(1, suggestions):.3f})")
    print(f"coverage note matches what exists: {coverage_ok}/{len(topics)} ({coverage_ok / len(topics):.2f})")
    print(f"承办单位 precision: {dep_right}/{dep_total} ({dep_right / max(1, dep_total):.2f})")
    print(f"check: recall {caught}/{len(defects) + len(duplicates)} ({caught / (len(defects) + len(duplicates)):.3f}), "
          f"false alarms {alarms}/{len(clean)} ({alarms / len(clean):.3f})")
    print(f"{platform.machine()}, {platform.python_version()}, {time.strftime('%Y-%m-%d')}, "
          f"{time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
