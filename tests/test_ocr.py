"""OCR of scanned pages rendered from ../shared texts (CJK font, blur, 1° rotation): image-only and
mixed PDFs page by page, PNG/TIFF scans, per-page progress, the same cleaning as text PDFs.
Kept to a few small pages: OCR is slow on 2 cores (speed and accuracy on full pages are measured by
scripts/bench_ocr.py, see docs/benchmarks.md)."""

from __future__ import annotations

import pytest

from assistant.ingest.clean import clean_pages
from assistant.ingest.ocr import lines_from_boxes, text_layer_is_good
from assistant.ingest.read import ReadError, read_file

from .made_files import char_accuracy, image_pdf, mixed_pdf, scan_pages, shared_text, statecouncil_files

GOV_004 = next(p.name for p in statecouncil_files() if p.name.startswith("gov-004_"))
GOV_001 = next(p.name for p in statecouncil_files() if p.name.startswith("gov-001_"))


@pytest.fixture(scope="module")
def small_scans():
    """Two short scanned pages (8 printed lines each) from two shared documents."""
    return [scan_pages(shared_text(name)[:400], lines_per_page=8)[0] for name in (GOV_004, GOV_001)]


def test_scanned_pdf_is_read_by_ocr_page_by_page_with_progress(tmp_path, small_scans) -> None:
    path = tmp_path / "扫描件.pdf"
    path.write_bytes(image_pdf([image for image, _ in small_scans]))
    events = []
    document = read_file(path, progress=lambda stage, done, total: events.append((stage, done, total)))
    assert [page.number for page in document.pages] == [1, 2]
    for (_, printed), page in zip(small_scans, document.pages):
        assert char_accuracy(printed, page.text) >= 0.97
    assert events == [("ocr", 0, 2), ("ocr", 1, 2), ("ocr", 2, 2)]
    cleaned = clean_pages(document.pages)
    assert cleaned.page_at(cleaned.text.index("各省、自治区、直辖市人民政府")) == 1
    assert "国办发〔2019〕4号" in cleaned.text


def test_mixed_pdf_keeps_the_text_layer_and_ocrs_only_the_scanned_page(tmp_path, small_scans) -> None:
    text_page = shared_text(GOV_001)[:300]
    path = tmp_path / "mixed.pdf"
    path.write_bytes(mixed_pdf(text_page, small_scans[0][0]))
    events = []
    document = read_file(path, progress=lambda *event: events.append(event))
    assert [page.number for page in document.pages] == [1, 2]
    assert char_accuracy(text_page, document.pages[0].text) >= 0.99
    assert char_accuracy(small_scans[0][1], document.pages[1].text) >= 0.97
    assert events[-1] == ("ocr", 1, 1)  # one page needed OCR


def test_image_scans_are_accepted(tmp_path, small_scans) -> None:
    image, printed = small_scans[1]
    png = tmp_path / "scan.png"
    image.save(png)
    document = read_file(png)
    assert document.pages[0].number == 1 and char_accuracy(printed, document.pages[0].text) >= 0.97
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    with pytest.raises(ReadError) as info:
        read_file(broken)
    assert str(info.value).startswith("broken image") and "\n" not in str(info.value)


def test_text_layer_quality() -> None:
    assert text_layer_is_good("国务院办公厅关于加强三级公立医院绩效考核工作的意见")
    assert not text_layer_is_good("   \n - 1 - ")
    assert not text_layer_is_good("\x01\x02ÿþ\x03\x04\x05\x06\x07\x08ÿþ\x0e\x0f")


def test_boxes_become_lines_in_reading_order_with_indents() -> None:
    box = lambda x, y, w=100, h=20: [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]  # noqa: E731
    boxes = [box(160, 100), box(40, 102), box(80, 140), box(40, 180)]
    texts = ["右半", "左半", "缩进段首", "续行"]
    assert lines_from_boxes(boxes, texts) == "左半右半\n\u3000\u3000缩进段首\n续行"
