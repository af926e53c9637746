"""OCR benchmark: scanned A4 pages rendered from ../shared State Council texts (CJK font, blur,
1° rotation) as an image-only PDF, read through the normal reader (pdfium render + rapidocr).

    python scripts/bench_ocr.py [--pages 6] [--dpi 150] [--engine rapidocr|rapidocr_onnxruntime]

Prints seconds per page and character accuracy (whitespace ignored) of the raw OCR text and of
the cleaned text. ``--engine rapidocr_onnxruntime`` OCRs the same rendered pages with that package
(run it from an environment where it is installed) for the comparison in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.made_files import char_accuracy, image_pdf, scan_pages, shared_text, statecouncil_files  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--dpi", type=int, default=None, help="rendering resolution for OCR (default: assistant.ocr.OCR_DPI)")
    parser.add_argument("--engine", default="rapidocr")
    args = parser.parse_args()
    pages = []
    for path in statecouncil_files()[3:]:
        pages += scan_pages(shared_text(path.name))[:2]
        if len(pages) >= args.pages:
            break
    pages = pages[: args.pages]
    if args.engine == "rapidocr_onnxruntime":
        import numpy as np
        from rapidocr_onnxruntime import RapidOCR

        engine = RapidOCR()
        engine(np.asarray(pages[0][0].convert("RGB")))  # warm-up (model load)
        started, cpu = time.perf_counter(), time.process_time()
        scores = []
        for image, printed in pages:
            result, _ = engine(np.asarray(image.convert("RGB")))
            scores.append(char_accuracy(printed, "\n".join(r[1] for r in result or [])))
        seconds = (time.perf_counter() - started) / len(pages)
        cpu_s = (time.process_time() - cpu) / len(pages)
        print(f"rapidocr_onnxruntime: {len(pages)} pages, {seconds:.2f} s/page wall, {cpu_s:.2f} CPU-s/page, "
              f"accuracy {sum(scores) / len(scores):.4f} (min {min(scores):.4f})")
        return
    from assistant.ingest import ocr
    from assistant.ingest.clean import clean_pages
    from assistant.ingest.read import read_file

    if args.dpi:
        ocr.OCR_DPI = args.dpi
        ocr.render_pdf_page.__defaults__ = (args.dpi,)
    with tempfile.TemporaryDirectory() as tmp:
        ocr.ocr_image(pages[0][0])  # warm-up (model load, ~1 s, once per reading worker)
        path = Path(tmp) / "scan.pdf"
        path.write_bytes(image_pdf([image for image, _ in pages]))
        started, cpu = time.perf_counter(), time.process_time()
        document = read_file(path)
        seconds = (time.perf_counter() - started) / len(pages)
        cpu_s = (time.process_time() - cpu) / len(pages)
    raw = [char_accuracy(printed, page.text) for (_, printed), page in zip(pages, document.pages)]
    cleaned = char_accuracy("\n".join(p for _, p in pages), clean_pages(document.pages).text)
    print(f"rapidocr {ocr.OCR_DPI} dpi: {len(pages)} pages, {seconds:.2f} s/page wall, {cpu_s:.2f} CPU-s/page, "
          f"accuracy {sum(raw) / len(raw):.4f} "
          f"(min {min(raw):.4f}), after cleaning {cleaned:.4f}")


if __name__ == "__main__":
    main()
