"""Check the answer-quality benchmark files (tests/data/answers/*.jsonl) for mistakes.

Usage (from the project root, with the project's virtualenv):

    PYTHONPATH=$PWD .venv/bin/python scripts/check_answer_benchmark.py            # every *.jsonl there
    PYTHONPATH=$PWD .venv/bin/python scripts/check_answer_benchmark.py FILE ...   # just these
    ... --others    also list, per answerable question, the other corpus documents that contain
                    all its facts (candidates to review and add to ``answers``)

Checks, across all given files together (see tests/data/answers/README.md for the format):

- every line is valid JSON; the first line is ``{"corpus": [...]}``, the same in every file;
- ids are unique across files, and no question text appears twice (in one file or across files);
- every row has the fields of its kind (answerable: ``answers``, 1-3 ``facts`` of 2-16 characters
  without whitespace, ``kind`` in the answerable kinds; unanswerable: ``near``, ``why``, ``kind``);
- every path in ``answers``/``near`` exists and lies in the corpus line;
- every fact is a substring of at least one of the question's answering documents, both with all
  whitespace removed. Texts: the project's reader (HTML: its main text, or the page's whole
  visible text); the shared PDF notice: pypdf's extracted text; the sample corpus's PDF/DOC/DOCX
  files: their sources in scripts/corpus_sources/.

Exit status 0 when all is well, 1 when any problem was found (each printed on one line).
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "answers"
SOURCES = ROOT / "scripts" / "corpus_sources"
ANSWERABLE_KINDS = {"number", "date", "measure", "who", "list", "definition", "procedure"}
UNANSWERABLE_KINDS = {"other_year", "other_place", "absent_figure", "absent_number", "absent_doc", "absent_topic"}


def squeeze(text: str) -> str:
    return "".join(text.split())


@lru_cache(maxsize=None)
def document_texts(rel: str) -> tuple[str, ...]:
    """Whitespace-free texts of one corpus document a fact may be found in."""
    path = ROOT / rel
    suffix = path.suffix.lower()
    if rel.startswith("corpus/") and suffix in (".pdf", ".doc", ".docx"):
        source = SOURCES / Path(rel).relative_to("corpus").with_suffix(".md")
        return (squeeze(source.read_text(encoding="utf-8")),) if source.exists() else ()
    if suffix == ".pdf":
        from pypdf import PdfReader

        return (squeeze("".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)),)
    from assistant.ingest.read import decode_html, read_file

    texts = [squeeze("\n".join(page.text for page in read_file(path).pages))]
    if suffix in (".html", ".htm"):
        import lxml.html

        root = lxml.html.document_fromstring(decode_html(path.read_bytes()))
        for hidden in root.xpath("//script|//style|//noscript|//template"):
            hidden.drop_tree()
        texts.append(squeeze(root.text_content()))
    return tuple(texts)


def in_corpus(rel: str, corpus: list[str]) -> bool:
    parts = Path(rel).parts
    return any(parts[: len(Path(entry).parts)] == Path(entry).parts for entry in corpus)


def corpus_files(corpus: list[str]) -> list[str]:
    from assistant.ingest.pipeline import discover

    return [str(path) for path in discover(corpus)]


def check(files: list[Path], others: bool) -> list[str]:
    problems: list[str] = []
    ids: dict[str, str] = {}
    questions: dict[str, str] = {}
    corpus_lines: dict[str, list[str]] = {}
    for file in files:
        name = file.name
        lines = [line for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = []
        for number, line in enumerate(lines, 1):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                problems.append(f"{name}:{number}: invalid JSON ({exc.msg})")
                rows.append(None)
        if not rows or not isinstance(rows[0], dict) or not isinstance(rows[0].get("corpus"), list):
            problems.append(f"{name}:1: the first line must be {{\"corpus\": [paths]}}")
            continue
        corpus = rows[0]["corpus"]
        corpus_lines[name] = corpus
        for entry in corpus:
            if not (ROOT / entry).exists():
                problems.append(f"{name}:1: corpus path does not exist: {entry}")
        for number, row in enumerate(rows[1:], 2):
            if row is None:
                continue
            where = f"{name}:{number} {row.get('id', '?')}"
            problems += check_row(row, where, corpus)
            if row.get("id") in ids:
                problems.append(f"{where}: id already used in {ids[row['id']]}")
            ids.setdefault(row.get("id"), where)
            question = squeeze(str(row.get("question", "")))
            if question in questions:
                problems.append(f"{where}: same question as {questions[question]}")
            questions.setdefault(question, where)
            if others and row.get("answerable") and row.get("facts"):
                listed = set(row.get("answers", ()))
                extra = [rel for rel in corpus_files(corpus) if rel not in listed
                         and any(all(squeeze(fact) in text for fact in row["facts"]) for text in document_texts(rel))]
                if extra:
                    print(f"note {where}: all facts also in {', '.join(extra)}")
    if len({json.dumps(corpus) for corpus in corpus_lines.values()}) > 1:
        problems.append(f"corpus lines differ between files: {', '.join(corpus_lines)}")
    return problems


def check_row(row: dict, where: str, corpus: list[str]) -> list[str]:
    problems = []
    if not isinstance(row.get("id"), str) or not row["id"]:
        problems.append(f"{where}: missing id")
    if not isinstance(row.get("question"), str) or not row["question"].strip():
        problems.append(f"{where}: missing question")
    answerable = row.get("answerable")
    if answerable is not True and answerable is not False:
        return problems + [f"{where}: answerable must be true or false"]
    key, kinds = ("answers", ANSWERABLE_KINDS) if answerable else ("near", UNANSWERABLE_KINDS)
    if row.get("kind") not in kinds:
        problems.append(f"{where}: kind {row.get('kind')!r} not one of {sorted(kinds)}")
    paths = row.get(key)
    if not isinstance(paths, list) or not paths:
        return problems + [f"{where}: {key} must be a non-empty list of paths"]
    for rel in paths:
        if not (ROOT / rel).is_file():
            problems.append(f"{where}: {key} path does not exist: {rel}")
        elif not in_corpus(rel, corpus):
            problems.append(f"{where}: {key} path is not in the corpus line: {rel}")
    if not answerable:
        if not str(row.get("why", "")).strip():
            problems.append(f"{where}: missing why")
        return problems
    facts = row.get("facts")
    if not isinstance(facts, list) or not 1 <= len(facts) <= 3:
        return problems + [f"{where}: facts must be a list of 1-3 strings"]
    for fact in facts:
        if not isinstance(fact, str) or fact != squeeze(fact) or not 2 <= len(fact) <= 16:
            problems.append(f"{where}: fact {fact!r} must be 2-16 characters without whitespace")
    existing = [rel for rel in paths if (ROOT / rel).is_file()]
    if existing and not any(all(squeeze(str(fact)) in text for fact in facts)
                            for rel in existing for text in document_texts(rel)):
        missing = [fact for fact in facts
                   if not any(squeeze(str(fact)) in text for rel in existing for text in document_texts(rel))]
        detail = f"facts not found: {missing}" if missing else "no single answering document holds all facts"
        problems.append(f"{where}: {detail}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("files", nargs="*", type=Path, help="benchmark files (default: tests/data/answers/*.jsonl)")
    parser.add_argument("--others", action="store_true",
                        help="list other corpus documents that contain all of a question's facts")
    args = parser.parse_args(argv)
    files = [file.resolve() for file in args.files] or sorted(DATA.glob("*.jsonl"))
    if not files:
        print("no benchmark files found", file=sys.stderr)
        return 1
    import os

    os.chdir(ROOT)  # corpus paths are relative to the project root
    sys.path.insert(0, str(ROOT))
    problems = check(files, args.others)
    for problem in problems:
        print(problem)
    counts = []
    for file in files:
        rows = []
        for line in file.read_text(encoding="utf-8").splitlines()[1:]:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                pass  # blank or invalid lines: reported above
        answerable = sum(1 for row in rows if isinstance(row, dict) and row.get("answerable") is True)
        counts.append(f"{file.name}: {answerable} answerable + {len(rows) - answerable} unanswerable")
    print("; ".join(counts))
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
