"""Validity (时效) of a document, detected from its text: pure functions, no I/O.

A document's status is one of ``STATUSES``. What the text says:

- 「自2025年3月1日起施行」 (also 实施/执行/生效; 「自印发之日起施行」 takes the issue date) → the
  effective date, and status 现行有效;
- 「有效期5年」/「有效期为三年」 → expiry = effective (or issue) date + that many years − 1 day;
  「有效期至2028年12月31日」 → that date; an expiry before today → 已失效;
- 「《某某办法》（某发〔2016〕40号）同时废止」 (also 予以废止/即行废止/停止执行) → the named titles and
  文号 are *repealed targets*; ``repealed_targets`` and ``matches_target`` let the ingest step
  mark those documents 已废止 when they are in the corpus (in either order of ingest).

A document about which the text says nothing gets no status (``None``); it counts as in force.
Statuses live in ``DocMeta.extra`` as ``status``, ``effective`` and ``expires`` (ISO dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from assistant.numerals import parse_cn_number

IN_FORCE = "现行有效"
REVISED = "已修订"
REPEALED = "已废止"
EXPIRED = "已失效"
STATUSES = (IN_FORCE, REVISED, REPEALED, EXPIRED)
NOT_IN_FORCE = frozenset({REVISED, REPEALED, EXPIRED})

_DATE = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
_EFFECTIVE_RE = re.compile(rf"自\s*{_DATE}\s*起\s*(?:施行|实施|执行|生效|试行)")
_FROM_ISSUE_RE = re.compile(r"自\s*(?:印发|发布|公布|下发)之日起\s*(?:施行|实施|执行|生效|试行)")
# A period of validity counts only where it is the document's own: right after 「…起施行」 or said
# of 「本办法/本方案…」 (not 「认定有效期3年」 of a licence the document talks about).
_OWN_PERIOD = r"(?:(?:施行|实施|执行|生效|试行)\s*[，,]?\s*|本(?:办法|方案|意见|通知|措施|规定|细则|决定|规划|制度|文件)\S{0,6}?)"
_VALID_YEARS_RE = re.compile(rf"{_OWN_PERIOD}有效期(?:为|暂定)?\s*([0-9一二两三四五六七八九十]{{1,3}})\s*年")
_VALID_UNTIL_RE = re.compile(rf"{_OWN_PERIOD}有效期(?:至|到|截至)\s*{_DATE}")
_REPEAL_RE = re.compile(r"[^。；;\n]*?(?:同时|予以|即行|一并)\s*(?:废止|停止执行)")
_TITLE_RE = re.compile(r"《([^《》]{4,80})》")
_DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*第?\s*\d{1,4}\s*号")


@dataclass(frozen=True)
class Validity:
    status: str | None = None
    effective: str | None = None  # ISO date
    expires: str | None = None  # ISO date, the last day in force
    repeals: tuple[str, ...] = ()  # titles (without 《》) and 文号 this document repeals

    def extra(self) -> dict:
        """The fields as stored in DocMeta.extra (only those known)."""
        data = {"status": self.status, "effective": self.effective, "expires": self.expires,
                "repeals": list(self.repeals) or None}
        return {k: v for k, v in data.items() if v}


def is_in_force(status: str | None) -> bool:
    """Documents without a status count as in force."""
    return status not in NOT_IN_FORCE


def _iso(year: str, month: str, day: str) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def add_years(start: str, years: int) -> str:
    """The last day of a period of ``years`` starting on ``start`` (ISO in, ISO out)."""
    begin = date.fromisoformat(start)
    try:
        end = begin.replace(year=begin.year + years)
    except ValueError:  # 29 February
        end = begin.replace(year=begin.year + years, day=28)
    return (end - timedelta(days=1)).isoformat()


def repealed_targets(text: str) -> tuple[str, ...]:
    """Titles and 文号 named in sentences that repeal them (「…同时废止」)."""
    targets: list[str] = []
    for match in _REPEAL_RE.finditer(text):
        sentence = match.group(0)
        for title in _TITLE_RE.findall(sentence):
            targets.append(normalize_title(title))
        for number in _DOC_NUMBER_RE.findall(sentence):
            targets.append(normalize_number(number))
    return tuple(dict.fromkeys(t for t in targets if t))


def normalize_title(title: str) -> str:
    return re.sub(r"[\s《》]", "", title)


def normalize_number(number: str) -> str:
    return re.sub(r"\s", "", number).replace("[", "〔").replace("]", "〕").replace("［", "〔").replace("］", "〕") \
        .replace("【", "〔").replace("】", "〕").replace("(", "〔").replace(")", "〕").replace("（", "〔") \
        .replace("）", "〕").replace("第", "")


def matches_target(targets: tuple[str, ...] | list[str], title: str, doc_number: str | None) -> bool:
    """True when a document (by 文号, else by exact title) is among a repealing document's targets.

    When the repeal names 文号 and the document has one, only the 文号 decides: a re-issued
    document with the same title but a new 文号 is not the one repealed."""
    if not targets:
        return False
    wanted = set(targets)
    numbers = {t for t in wanted if _DOC_NUMBER_RE.fullmatch(t)}
    if doc_number and numbers:
        return normalize_number(doc_number) in numbers
    return bool(title) and normalize_title(title) in wanted


def detect_validity(text: str, issued: str | None = None, today: date | None = None) -> Validity:
    """Status, effective and expiry dates and repealed targets stated in a document's text.

    ``issued`` is the document's date (ISO, from metadata) for 「自印发之日起施行」 and for a period
    of validity counted without an explicit start; ``today`` decides 已失效 (default: today).
    """
    today = today or date.today()
    effective = None
    match = _EFFECTIVE_RE.search(text)
    if match:
        effective = _iso(*match.groups())
    elif _FROM_ISSUE_RE.search(text) and issued and len(issued) == 10:
        effective = issued
    expires = None
    until = _VALID_UNTIL_RE.search(text)
    if until:
        expires = _iso(*until.groups())
    else:
        years_match = _VALID_YEARS_RE.search(text)
        years = parse_cn_number(years_match.group(1)) if years_match else None
        start = effective or (issued if issued and len(issued) == 10 else None)
        if years and start:
            expires = add_years(start, years)
    status = None
    if expires and date.fromisoformat(expires) < today:
        status = EXPIRED
    elif effective or expires:
        status = IN_FORCE
    return Validity(status=status, effective=effective, expires=expires, repeals=repealed_targets(text))
