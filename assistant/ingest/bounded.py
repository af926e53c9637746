"""Limits that keep a hostile file from exhausting memory or time while it is read.

ZIP-based formats (DOCX, XLSX, OFD) are checked from the central directory before anything
is inflated: entry count, total uncompressed size and per-entry compression ratio. Python's
``zipfile`` never returns more bytes than an entry declares, so the declared sizes bound what
any reader built on it can inflate. XML is parsed without DTDs or entities (defusedxml) and
with a nesting limit. Every refusal is a :class:`BoundsError` with a one-line reason; readers
turn it into their own ``ReadError``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element

_MB = 1024 * 1024


class BoundsError(Exception):
    """A limit was exceeded; ``str(error)`` is a one-line reason."""


@dataclass(frozen=True)
class ReadLimits:
    max_unzipped_bytes: int = 200 * _MB  # all entries of one ZIP package together
    max_zip_entries: int = 5000
    max_zip_ratio: float = 200.0  # uncompressed ÷ compressed, checked for entries over 1 MB
    max_xml_depth: int = 200
    max_text_chars: int = 5_000_000  # extracted text of one file


DEFAULT_LIMITS = ReadLimits()


def open_zip(data: bytes, what: str, limits: ReadLimits = DEFAULT_LIMITS) -> zipfile.ZipFile:
    """Open ZIP bytes after checking entry count, total size and compression ratios."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise BoundsError(f"broken {what}: not a valid ZIP package") from None
    if len(infos) > limits.max_zip_entries:
        raise BoundsError(f"{what} has too many parts: {len(infos)} > {limits.max_zip_entries} (zip bomb?)")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unzipped_bytes:
        raise BoundsError(f"{what} would unpack to {total / _MB:.0f} MB > {limits.max_unzipped_bytes / _MB:.0f} MB "
                          "limit (zip bomb?)")
    for info in infos:
        if info.file_size > _MB and info.file_size > limits.max_zip_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise BoundsError(f"{what} part {info.filename[:60]} is compressed {ratio:.0f}:1 > "
                              f"{limits.max_zip_ratio:.0f}:1 limit (zip bomb?)")
    return archive


def read_member(archive: zipfile.ZipFile, name: str, what: str) -> bytes:
    """The bytes of one ZIP entry (bounded by the sizes open_zip checked)."""
    try:
        return archive.read(name)
    except KeyError:
        raise BoundsError(f"broken {what}: missing part {name[:80]}") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise BoundsError(f"broken {what}: part {name[:60]} unreadable ({str(exc)[:60]})") from None


def refuse_dtds(archive: zipfile.ZipFile, what: str) -> None:
    """Refuse a package whose XML parts declare a DTD (entity expansion, external entities)."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(info) as handle:
                head = handle.read(4096)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            raise BoundsError(f"broken {what}: part {info.filename[:60]} unreadable") from None
        if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
            raise BoundsError(f"{what} part {info.filename[:60]} declares a DTD (not allowed)")


def parse_xml(data: bytes, what: str, limits: ReadLimits = DEFAULT_LIMITS) -> Element:
    """Parse XML without DTDs, entities or external references, refusing deep nesting."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    depth = 0
    root: Element | None = None
    try:
        for event, element in iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                if depth > limits.max_xml_depth:
                    raise BoundsError(f"{what} XML nested deeper than {limits.max_xml_depth} levels")
            else:
                depth -= 1
    except BoundsError:
        raise
    except DefusedXmlException:
        raise BoundsError(f"{what} XML declares a DTD or entities (not allowed)") from None
    except Exception as exc:  # expat ParseError and friends
        raise BoundsError(f"broken {what}: XML error ({str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__})") from None
    if root is None:
        raise BoundsError(f"broken {what}: empty XML")
    return root


def local_name(tag: str) -> str:
    """``{namespace}TextCode`` → ``TextCode``."""
    return tag.rsplit("}", 1)[-1]


def children(element: Element, name: str) -> Iterator[Element]:
    """Direct children with this local name, whatever their namespace."""
    return (child for child in element if local_name(child.tag) == name)


def descendants(element: Element, name: str) -> Iterator[Element]:
    return (node for node in element.iter() if local_name(node.tag) == name)


def check_text_length(chars: int, limits: ReadLimits = DEFAULT_LIMITS) -> None:
    if chars > limits.max_text_chars:
        raise BoundsError(f"text too long: {chars:,} characters > {limits.max_text_chars:,} limit")
