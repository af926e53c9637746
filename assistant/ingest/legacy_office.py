"""Legacy binary office files: Word .doc through Debian's ``antiword``; WPS .wps (text) and .et
(spreadsheet) through LibreOffice headless (``soffice``) when it is installed. Kingsoft WPS .wps
files are usually Word 97 binaries, so antiword is tried on them first.

Each converter runs as a child process with a timeout (killed with its process group when it
runs over), so a hostile or broken file can never hang a batch. When a converter is missing the
reason names the package to install.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

CONVERT_TIMEOUT_S = 120.0


class ConvertError(Exception):
    """A legacy file could not be converted; ``str(error)`` is a one-line reason."""


def _remaining(deadline: float | None) -> float:
    if deadline is None:
        return CONVERT_TIMEOUT_S
    return max(1.0, min(CONVERT_TIMEOUT_S, deadline - time.monotonic()))


def _run(command: list[str], timeout: float, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run in its own process group; on timeout kill the whole group (soffice forks)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                               env=env)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ConvertError(f"{Path(command[0]).name} took longer than {timeout:.0f} s (file abandoned)") from None
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def doc_text(path: Path, deadline: float | None = None) -> str:
    """Text of a Word 97–2003 .doc file by antiword (UTF-8, one paragraph per line)."""
    antiword = shutil.which("antiword")
    if not antiword:
        raise ConvertError("reading .doc needs antiword: apt-get install antiword (or run make install)")
    result = _run([antiword, "-m", "UTF-8.txt", "-w", "0", str(path)], _remaining(deadline))
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
        message = reason[-1] if reason else f"exit status {result.returncode}"
        if "not a Word Document" in message or "Rich Text Format" in message or "WordPerfect" in message:
            message = "not a Word 97–2003 document"
        raise ConvertError(f"cannot read .doc: {message[:120]}")
    return result.stdout.decode("utf-8", "replace").replace("\r", "")


def soffice_text(path: Path, suffix: str, deadline: float | None = None) -> str:
    """Text of a .wps/.et (or a .doc antiword refuses) by LibreOffice headless."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        what = "WPS spreadsheets (.et)" if suffix == ".et" else "WPS documents (.wps)"
        raise ConvertError(f"reading {what} needs LibreOffice: apt-get install libreoffice-writer "
                           "libreoffice-calc (or save the file as DOCX/XLSX)")
    target = "xlsx" if suffix == ".et" else "docx"
    with tempfile.TemporaryDirectory(prefix="assistant-soffice-") as tmp:
        profile = Path(tmp) / "profile"
        source = Path(tmp) / f"input{suffix}"
        shutil.copyfile(path, source)
        command = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                   "--convert-to", target, "--outdir", tmp, str(source)]
        env = {**os.environ, "HOME": tmp}
        result = _run(command, _remaining(deadline), env)
        converted = Path(tmp) / f"input.{target}"
        if result.returncode != 0 or not converted.is_file():
            raise ConvertError(f"LibreOffice could not convert this {suffix} file")
        data = converted.read_bytes()
    from assistant.ingest.read import ReadError, _read_docx
    from assistant.ingest.tables import read_xlsx

    try:
        if target == "xlsx":
            return read_xlsx(data)
        return "\n".join(page.text for page in _read_docx(data, path).pages)
    except ReadError as exc:
        raise ConvertError(str(exc)) from None


def read_legacy(path: Path, suffix: str, deadline: float | None = None) -> str:
    """Text of an OLE office file by its extension: .doc → antiword, .wps/.et → LibreOffice."""
    from assistant.ingest.read import ReadError

    try:
        if suffix == ".doc":
            return doc_text(path, deadline)
        if suffix == ".wps" and shutil.which("antiword"):
            try:
                return doc_text(path, deadline)
            except ConvertError:
                pass  # not Word-compatible: LibreOffice below
        return soffice_text(path, suffix, deadline)
    except ConvertError as exc:
        raise ReadError(str(exc)) from None
