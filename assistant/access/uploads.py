"""Upload safety: checks on an uploaded file, then storing it under the uploads folder.

Every refusal is an ``UploadRefused`` whose message is one Chinese line, raised before anything
is written. Checks, in order: the name (no path parts, no control characters, a supported
extension), the size (from the file system, before reading), then the content type (sniffed
from the bytes; the extension must agree with it). The stored name is the sanitised original
name plus a content-hash suffix, so two different documents never share a stored file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from assistant.ingest.read import sniff_kind

_MB = 1024 * 1024
KIND_LABELS = {"pdf": "PDF", "docx": "Word 文档（DOCX）", "xlsx": "Excel 表格（XLSX）", "ofd": "OFD 版式文件",
               "ole": "旧版 Office/WPS 文件", "image": "图片", "html": "网页（HTML）", "text": "纯文本",
               None: "无法识别的二进制内容"}
# extension → content kinds it may hold (read.read_file reads each of these combinations)
ALLOWED = {
    ".pdf": ("pdf",),
    ".docx": ("docx",),
    ".txt": ("text", "html"),
    ".md": ("text", "html"),
    ".html": ("html", "text"),
    ".htm": ("html", "text"),
    ".ofd": ("ofd",),
    ".xlsx": ("xlsx",),
    ".doc": ("ole", "docx"),
    ".wps": ("ole", "docx"),
    ".et": ("ole", "xlsx"),
    ".png": ("image",),
    ".jpg": ("image",),
    ".jpeg": ("image",),
    ".tif": ("image",),
    ".tiff": ("image",),
}
MAX_NAME_CHARS = 120
_UNSAFE_CHARS_RE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


class UploadRefused(Exception):
    """An upload that was not accepted; ``str(error)`` is a one-line reason in Chinese."""


@dataclass(frozen=True)
class StoredUpload:
    original_name: str
    path: Path  # where the file now lies, under the uploads folder
    kind: str
    size: int
    content_hash: str
    created: bool  # False when the same name and content were stored before


def safe_name(original_name: str) -> str:
    """The original name if it is a plain, safe file name (normalised); else UploadRefused."""
    name = unicodedata.normalize("NFC", str(original_name or "")).strip()
    if not name:
        raise UploadRefused("文件名为空")
    if "/" in name or "\\" in name or PurePosixPath(name).name != name or PureWindowsPath(name).name != name:
        raise UploadRefused(f"文件名含有路径，已拒绝：{name}")
    if name in (".", "..") or name.startswith("."):
        raise UploadRefused(f"文件名不能以“.”开头：{name}")
    if _UNSAFE_CHARS_RE.search(name):
        raise UploadRefused(f"文件名含有不允许的字符：{name!r}")
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED:
        raise UploadRefused(f"不支持的文件类型“{suffix or '无扩展名'}”，只接受 PDF、OFD、DOC、DOCX、WPS、XLSX、ET、TXT、MD、HTML 和扫描图片（PNG、JPG、TIFF）")
    stem = Path(name).stem
    if len(stem) > MAX_NAME_CHARS:
        stem = stem[:MAX_NAME_CHARS]
    return stem + suffix


def check_upload(source: Path, original_name: str, max_mb: float) -> tuple[str, str, bytes]:
    """(safe name, content kind, bytes) of an acceptable upload; UploadRefused with the reason otherwise."""
    name = safe_name(original_name)
    try:
        size = source.stat().st_size
    except OSError:
        raise UploadRefused(f"找不到上传的文件：{name}") from None
    if not source.is_file():
        raise UploadRefused(f"不是普通文件：{name}")
    if size > max_mb * _MB:
        raise UploadRefused(f"文件过大：{size / _MB:.1f} MB，超过 {max_mb:g} MB 的上限")
    if size == 0:
        raise UploadRefused("文件为空")
    data = source.read_bytes()  # bounded by the size check above
    suffix = Path(name).suffix.lower()
    kind = sniff_kind(data, suffix)
    if kind not in ALLOWED[suffix]:
        raise UploadRefused(f"文件内容与扩展名不符：扩展名为 {suffix}，内容却是{KIND_LABELS.get(kind, kind)}")
    if not data.strip():
        raise UploadRefused("文件为空")
    return name, kind, data  # type: ignore[return-value]


def stored_name(name: str, content_hash: str) -> str:
    """``报告.pdf`` → ``报告-1a2b3c4d.pdf``: the content hash keeps different documents apart."""
    path = Path(name)
    return f"{path.stem}-{content_hash[:8]}{path.suffix.lower()}"


def store_upload(source: Path, original_name: str, uploads_dir: Path, max_mb: float) -> StoredUpload:
    """Check ``source`` and copy it into ``uploads_dir``; never overwrites a different file."""
    name, kind, data = check_upload(source, original_name, max_mb)
    content_hash = hashlib.sha256(data).hexdigest()
    uploads_dir.mkdir(parents=True, exist_ok=True)
    target = uploads_dir / stored_name(name, content_hash)
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == content_hash:
        return StoredUpload(name, target, kind, len(data), content_hash, created=False)
    fd, tmp = tempfile.mkstemp(dir=uploads_dir, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return StoredUpload(name, target, kind, len(data), content_hash, created=True)

