"""Reader benchmark: OFD and .doc text against their sources, and the cost of reading in the bounded
worker process.

    python scripts/bench_formats.py

- OFD: every ../shared State Council text written as an OFD package (tests/made_files.ofd_bytes:
  900 characters per page, runs written out of order) and read back; character accuracy
  (whitespace ignored) of the whole text.
- .doc: the committed fixture tests/data/legacy/*.doc (made by LibreOffice from source.txt) read
  through antiword.
- Worker: corpus/ read in-process vs through ReaderPool (one worker for the batch).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.ingest.pipeline import discover  # noqa: E402
from assistant.ingest.read import read_file  # noqa: E402
from assistant.ingest.read_worker import ReaderPool  # noqa: E402
from tests.made_files import char_accuracy, ofd_bytes, shared_text, statecouncil_files  # noqa: E402


def main() -> None:
    scores = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for source in statecouncil_files():
            text = shared_text(source.name)
            path = Path(tmp) / "doc.ofd"
            path.write_bytes(ofd_bytes([text[i:i + 900] for i in range(0, len(text), 900)]))
            scores.append(char_accuracy(text, "".join(page.text for page in read_file(path).pages)))
    seconds = (time.perf_counter() - started) / len(scores)
    print(f"OFD: {len(scores)} documents, accuracy mean {sum(scores) / len(scores):.4f}, min {min(scores):.4f}, "
          f"{seconds * 1000:.0f} ms per document (write + read)")

    legacy = ROOT / "tests" / "data" / "legacy"
    source = (legacy / "source.txt").read_text(encoding="utf-8")
    for doc in sorted(legacy.glob("*.doc")):
        started = time.perf_counter()
        text = read_file(doc).pages[0].text
        print(f".doc {doc.name}: accuracy {char_accuracy(source, text):.4f}, {(time.perf_counter() - started) * 1000:.0f} ms")

    files = list(discover([ROOT / "corpus"]))
    for f in files:
        read_file(f)  # warm imports and the page cache
    started = time.perf_counter()
    for f in files:
        read_file(f)
    inline = time.perf_counter() - started
    started = time.perf_counter()
    with ReaderPool() as pool:
        for f in files:
            pool.read(f)
        worker = time.perf_counter() - started
        started = time.perf_counter()
        for f in files:
            pool.read(f)
        warm = time.perf_counter() - started
    print(f"corpus/ ({len(files)} files): read in-process {inline:.2f} s; in the bounded worker {worker:.2f} s with "
          f"its start and imports, {warm:.2f} s once warm (+{(warm - inline) / len(files) * 1000:.0f} ms per file)")


if __name__ == "__main__":
    main()
