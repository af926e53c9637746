"""Hostile and odd files: ZIP bombs, deep XML, entity bombs, runaway reads, UTF-16 without BOM and
binary .txt. Each is refused quickly with a one-line reason, the reading worker's limits hold, and
the test process itself (the server, in production) does not grow."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import docx
import pytest

from assistant.ingest.read import ReadError, read_file, sniff_kind
from assistant.ingest.read_worker import ReaderPool, WorkerLimits

from .made_files import deep_xml, ofd_bytes, scan_pages, shared_text, streamed_bomb

GB = 1024 * 1024 * 1024


def _rss_peak_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM (peak RSS) on Linux


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


def _docx_parts() -> dict[str, bytes]:
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("正常的段落。")
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != "word/document.xml"}


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    made = {}
    made["docx_1gb"] = streamed_bomb(folder / "bomb.docx", _docx_parts(), "word/document.xml", GB)
    deep = folder / "deep.docx"
    with zipfile.ZipFile(deep, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in _docx_parts().items():
            archive.writestr(name, data)
        archive.writestr("word/document.xml", deep_xml(100_000), zipfile.ZIP_STORED)  # past the ratio check
    made["docx_deep"] = deep
    laughs = folder / "laughs.docx"
    entities = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10 if i else "lol"}">' for i in range(10))
    with zipfile.ZipFile(laughs, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in _docx_parts().items():
            archive.writestr(name, data)
        archive.writestr("word/document.xml", f'<?xml version="1.0"?><!DOCTYPE d [{entities}]>'
                         '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                         "<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>")
    made["docx_entities"] = laughs
    ofd_ok = ofd_bytes(["正文"])
    with zipfile.ZipFile(io.BytesIO(ofd_ok)) as archive:
        ofd_parts = {n: archive.read(n) for n in archive.namelist() if not n.endswith("Content.xml")}
    made["ofd_512mb"] = streamed_bomb(folder / "bomb.ofd", ofd_parts, "Doc_0/Pages/Page_0/Content.xml", GB // 2)
    deep_ofd = folder / "deep.ofd"
    with zipfile.ZipFile(deep_ofd, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in ofd_parts.items():
            archive.writestr(name, data)
        archive.writestr("Doc_0/Pages/Page_0/Content.xml", deep_xml(50_000, "ofd:Layer", "ofd:Page", "http://www.ofdspec.org/2016"), zipfile.ZIP_STORED)
    made["ofd_deep"] = deep_ofd
    many = folder / "many.ofd"
    with zipfile.ZipFile(many, "w") as archive:
        for name, data in ofd_parts.items():
            archive.writestr(name, data)
        for i in range(6000):
            archive.writestr(f"Res/{i}.xml", b"")
    made["ofd_entries"] = many
    return made


EXPECTED = {
    "docx_1gb": "MB > 200 MB limit (zip bomb?)",
    "docx_deep": "broken DOCX",
    "docx_entities": "declares a DTD (not allowed)",
    "ofd_512mb": "MB > 200 MB limit (zip bomb?)",
    "ofd_deep": "nested deeper than 200 levels",
    "ofd_entries": "OFD has too many parts: 6002 > 5000 (zip bomb?)",
}


def test_bombs_are_refused_quickly_with_one_line_and_the_caller_stays_small(bombs) -> None:
    with ReaderPool() as pool:
        _rss_peak_reset()
        before = _status_kb("VmRSS")
        for name, path in bombs.items():
            started = time.monotonic()
            with pytest.raises(ReadError) as info:
                pool.read(path)
            elapsed = time.monotonic() - started
            message = str(info.value)
            assert elapsed < 10, (name, elapsed)
            assert "\n" not in message and EXPECTED[name] in message, (name, message)
            assert message.startswith(name[:3].upper()) or name == "docx_deep" or "broken" in message, message
        grown_mb = (_status_kb("VmHWM") - before) / 1024
    assert grown_mb <= 200, grown_mb


def test_ratio_limit_catches_a_small_bomb(tmp_path) -> None:
    path = streamed_bomb(tmp_path / "dense.docx", _docx_parts(), "word/document.xml", 150 * 1024 * 1024, b"\x00")
    with pytest.raises(ReadError, match=r"compressed \d+:1 > 200:1 limit \(zip bomb\?\)"):
        read_file(path)


def test_runaway_read_is_abandoned_and_the_next_file_still_reads(tmp_path) -> None:
    image, _ = scan_pages(shared_text(_first_statecouncil()))[0]
    scan = tmp_path / "scan.png"
    image.save(scan)
    text = tmp_path / "ok.txt"
    text.write_text("关于加强管理的通知\n各有关单位：", encoding="utf-8")
    with ReaderPool(WorkerLimits(timeout_s=1.0)) as pool:
        started = time.monotonic()
        with pytest.raises(ReadError, match="took longer than") as info:
            pool.read(scan)
        assert time.monotonic() - started < 5 and "\n" not in str(info.value)
        assert pool.read(text).pages[0].text.startswith("关于加强管理的通知")


def test_memory_limit_ends_a_greedy_read_with_a_reason(tmp_path) -> None:
    from PIL import Image

    huge = tmp_path / "huge.png"
    Image.new("L", (8_000, 8_000), 255).save(huge, compress_level=1)  # 64 megapixels, a few MB on disk
    with ReaderPool(WorkerLimits(memory_mb=500)) as pool:
        with pytest.raises(ReadError) as info:
            pool.read(huge)
    message = str(info.value)
    assert "\n" not in message
    assert "memory limit" in message, message


def _first_statecouncil() -> str:
    from .made_files import statecouncil_files

    return statecouncil_files()[3].name


def test_utf16_without_bom_is_read_and_binary_txt_gets_a_clear_reason(tmp_path) -> None:
    text = "关于加强管理的通知\n各有关单位：现将有关事项通知如下。"
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        assert sniff_kind(path.read_bytes(), ".txt") == "text"
        assert read_file(path).pages[0].text == text
    ascii_utf16 = tmp_path / "ascii.txt"
    ascii_utf16.write_bytes("Notice on management, 2024\nAll units".encode("utf-16-le"))
    assert read_file(ascii_utf16).pages[0].text.startswith("Notice on management")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(ReadError) as info:
        read_file(binary)
    assert str(info.value) == "not a text file: content is binary data"
