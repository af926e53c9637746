"""Answer evaluation: are answers right, cited on the documents that say it, and refused when they should be?

A benchmark file is JSON Lines: first ``{"corpus": [paths]}`` (folders or files, relative to the
working directory), then one question per line::

    {"id": "d-a-001", "question": "…", "answerable": true, "answers": ["path", …], "facts": ["18万元", …]}
    {"id": "d-u-001", "question": "…", "answerable": false, "near": ["path"], "why": "…"}

The corpus is ingested through the normal pipeline into ``<index>/eval-answers/<corpus hash>``
(reused while the listed files are unchanged) unless ``--index`` names an index to use as it is
(after ingesting the corpus into it incrementally). Every question goes through ``Assistant.ask``,
the same call the page and the CLI make, and is read the way a member reads the answer:

- *fact recall*: share of the expected facts found in the answer text (whitespace ignored);
- *citation precision*: share of ``[n]`` markers whose source is one of the answering documents;
- *answerable refused or caveated*: share of answerable questions refused or given a caveat;
- *unanswerable refused or caveated*: the same share for questions the library cannot answer;
- latency p50/p95 of ``ask`` in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.answers.citations import MARKER
from assistant.ingest.pipeline import discover
from assistant.index.store import ProgressFn, no_progress


@dataclass(frozen=True)
class AnswerCase:
    id: str
    question: str
    answerable: bool
    answers: tuple[str, ...] = ()  # paths of the documents that answer it
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnswerBench:
    corpus: tuple[Path, ...]
    cases: tuple[AnswerCase, ...]


def load_bench(path: Path) -> AnswerBench:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines or "corpus" not in lines[0]:
        raise ValueError(f"{path}: the first line must be {{\"corpus\": [paths]}}")
    corpus = tuple(Path(p) for p in lines[0]["corpus"])
    cases = tuple(AnswerCase(str(row["id"]), row["question"], bool(row["answerable"]), tuple(row.get("answers", ())),
                             tuple(row.get("facts", ()))) for row in lines[1:])
    return AnswerBench(corpus, cases)


def _plain(text: str) -> str:
    """Markers and whitespace dropped, full-width punctuation folded (a fact's "（" matches an answer's "(")."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", MARKER.sub("", text)))


def facts_found(answer: str, facts: tuple[str, ...]) -> int:
    plain = _plain(answer)
    return sum(1 for fact in facts if _plain(fact) in plain)


@dataclass
class CaseResult:
    case: AnswerCase
    answer: str
    refused: bool
    caveated: bool
    facts_found: int
    markers: int
    markers_right: int
    latency_ms: float
    cited: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"id": self.case.id, "question": self.case.question, "answerable": self.case.answerable,
                "refused": self.refused, "caveated": self.caveated, "facts": len(self.case.facts),
                "facts_found": self.facts_found, "markers": self.markers, "markers_right": self.markers_right,
                "latency_ms": round(self.latency_ms, 1), "cited": self.cited, "answer": self.answer}


def _same_file(a: str, b: str) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def score_case(case: AnswerCase, answer, latency_ms: float) -> CaseResult:
    """How a member would read one answer (pure, given the answer object)."""
    by_number = {s.n: s for s in answer.sources}
    markers = [int(n) for n in MARKER.findall(answer.answer)] if not answer.refused else []
    right = 0
    for n in markers:
        source = by_number.get(n)
        paths = (source.source,) if source else ()
        if source and any(_same_file(p, a) for p in paths for a in case.answers):
            right += 1
    found = facts_found(answer.answer, case.facts) if not answer.refused else 0
    return CaseResult(case, answer.answer, answer.refused, bool(answer.caveats), found, len(markers), right,
                      latency_ms, sorted({by_number[n].source for n in markers if n in by_number}))


def summarise(results: list[CaseResult]) -> dict:
    answerable = [r for r in results if r.case.answerable]
    unanswerable = [r for r in results if not r.case.answerable]
    facts = sum(len(r.case.facts) for r in answerable)
    markers = sum(r.markers for r in answerable)
    latencies = [r.latency_ms for r in results] or [0.0]

    def share(count: int, total: int) -> float:
        return round(count / total, 4) if total else 0.0

    return {
        "questions": len(results), "answerable": len(answerable), "unanswerable": len(unanswerable),
        "fact_recall": share(sum(r.facts_found for r in answerable), facts),
        "citation_precision": share(sum(r.markers_right for r in answerable), markers),
        "answerable_refused_or_caveated": share(sum(1 for r in answerable if r.refused or r.caveated), len(answerable)),
        "unanswerable_refused_or_caveated": share(sum(1 for r in unanswerable if r.refused or r.caveated),
                                                  len(unanswerable)),
        "latency_ms": {"p50": round(float(np.percentile(latencies, 50)), 1),
                       "p95": round(float(np.percentile(latencies, 95)), 1)},
    }


def corpus_fingerprint(paths: tuple[Path, ...]) -> str:
    """A hash of the listed files' names, sizes and modification times: the eval index is reused while it holds."""
    digest = hashlib.sha256()
    for file in sorted(discover(paths)):
        stat = file.stat()
        digest.update(f"{file.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


def evaluate_answers(settings: Settings, bench_file: Path, index: Path | None = None,
                     progress: ProgressFn = no_progress, details: bool = False) -> dict:
    """Run every question of ``bench_file`` through ``Assistant.ask`` and summarise (see module doc)."""
    from assistant.service import Assistant

    bench = load_bench(bench_file)
    folder = index or settings.index / "eval-answers" / corpus_fingerprint(bench.corpus)
    eval_settings = replace(settings, index=folder, chroma_collection=f"eval-answers-{folder.name}"[:40])
    assistant = Assistant(eval_settings)
    try:
        report = assistant.ingest(list(bench.corpus), progress=progress)
        if report.failed:
            raise ValueError("; ".join(f"{f.path}: {f.error}" for f in report.failed))
        assistant.ask("预热")  # load the model, jieba and the keyword index before timing
        results = []
        for number, case in enumerate(bench.cases, start=1):
            started = time.perf_counter()
            answer = assistant.ask(case.question)
            results.append(score_case(case, answer, (time.perf_counter() - started) * 1000))
            progress("query", number, len(bench.cases))
    finally:
        assistant.close()
    summary = summarise(results)
    if details:
        summary["cases"] = [r.to_json() for r in results]
    return summary
