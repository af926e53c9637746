"""Detect document metadata (title, genre, 文号, issuer, date, year) from cleaned text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

from assistant.models import DocMeta
from assistant.numerals import CN_DIGITS, parse_cn_number

_HEADER_LINES = 15
_TAIL_LINES = 15
_TITLE_MAX = 100

_BRACKETS_OPEN = "〔\\[［【(（"
_BRACKETS_CLOSE = "〕\\]］】)）"
DOC_NUMBER_RE = re.compile(
    rf"([\u4e00-\u9fff]{{1,12}})\s*[{_BRACKETS_OPEN}]\s*((?:19|20)\d{{2}})\s*[{_BRACKETS_CLOSE}]\s*第?\s*(\d{{1,5}})\s*号"
)
ORDER_NUMBER_RE = re.compile(r"([\u4e00-\u9fff]{1,16}令)\s*(?:\n\s*)?[（(]?\s*第\s*(\d{1,5})\s*号")
_PREFIX_CUT_RE = re.compile(r".*(?:的(?:通知|复函|函|意见|决定|批复|答复|报告|通报|办法|规定|公告|通告)|[日月年的于经以由在])")
_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CN_DATE_RE = re.compile(r"([〇零○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
_ISO_DATE_RE = re.compile(r"((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})")
_DATE_LINE_RE = re.compile(
    r"^[（(]?\s*(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|[〇零○一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日)\s*[）)]?$"
)
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_DATED_INFO_LINE_RE = re.compile(r"^[（(]?\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_TITLE_DONE_GUARDED_RE = re.compile(r"的[^的]{0,8}(?:通知|意见|决定|批复|复函|函|答复|报告|通报|提案|建议|讲话|发言|通告|公告|请示|决议)$")
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")

_SENTENCE_END_RE = re.compile(r"[。；;，,]$")
_HEADING_MARK_RE = re.compile(r"^(?:第[一二三四五六七八九十百千零〇\d]+(?:[编章节条]|部分)|\d{1,2}(?![\d年月日.．%])(?=[\u4e00-\u9fff])|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．、](?!\d))")
_SALUTATION_RE = re.compile(r"[：:]$")
_ORDER_HEADER_RE = re.compile(r"令$")
_ISSUER_HEADER_RE = re.compile(r"^(?!.*关于)[^的]{2,40}文件$|^[^的关于]{2,40}文件[^的关于]{2,40}(?:办公厅|办公室|部|委|局|院|厅|政府)$")
_SECRECY_RE = re.compile(r"^(?:特急|加急|特提|平急|急件|绝密|机密|秘密|密级|★|内部|公开方式|保密期限|紧急程度)")
_META_LINE_RE = re.compile(r"^(?:点击|发布日期|发布时间|来源|信息来源|文章来源|作者|索引号|浏览次数|字体|分享|当前位置|Title:|URL Source:)")
_PUBLIC_NOTE_RE = re.compile(r"^[（(][^（）()]*(?:公开|删减|发布|公布|印发|存档|通过|修订|修正|施行)[^（）()]*[）)]$")
_TITLE_VERB_RE = re.compile(r"关于|转发|批转|印发|对")
_SIGNATURE_RE = re.compile(r"^(?:总理|主席|副主席|省长|市长|区长|县长|部长|局长|主任)[:：\s]*[\u4e00-\u9fff·]{2,4}$")
_ORGAN_SUFFIX = r"(?:办公厅|办公室|人民政府|国务院|中央军委|委员会|政协|人大常委会|常委会|政府|公司|局|部|委|厅|院|署|办|会|中心|处|行|联|所|社|室)"
_ORGAN_LINE_RE = re.compile(rf"^[\u4e00-\u9fff（）()、\s]{{2,60}}{_ORGAN_SUFFIX}$")
_ISSUER_IN_TITLE_RE = re.compile(rf"^([\u4e00-\u9fff（）()、\s]{{2,80}}?{_ORGAN_SUFFIX}(?:[（(][\u4e00-\u9fff]{{2,30}}[）)])?)\s*(?:关于|对|转发|批转|印发|重新发布)")
_TITLE_DONE_RE = re.compile(
    r"(?:通知|意见|决定|办法|方案|批复|复函|函|答复|规定|条例|细则|规则|规划|纲要|通告|公告|通报|指引|指南|报告|提案|建议|讲话|发言|致辞|法|决议|命令|公报|章程|标准)$"
)
_FILENAME_PREFIX_RE = re.compile(r"^(?:[A-Za-z]{1,8}-?\d{1,5}[a-z]?|\d{1,4}[a-z]?|[a-z]\d{1,3})[_\-\s]+")
_JUNK_HINT_RE = re.compile(r"(?:政府信息公开|网站|门户|首页)$")

_REPLY_TITLE_RE = re.compile(r"(?:提案|建议|议案)[^，。]{0,12}(?:的答复|的复函|办理情况)|的答复$|答复的函|办理复文|^对.*(?:提案|建议)的答复")
_REPLY_BODY_RE = re.compile(r"答复如下|现答复如下|现将办理情况答复|办理复文")
_PROPOSAL_TITLE_RE = re.compile(r"^关于.+的提案$|提案$")
_PROPOSAL_BODY_RE = re.compile(r"(?m)^(?:提案人|案由|提案者|提案单位|领衔人)[:：\s]")
_SOCIAL_RE = re.compile(r"社情民意")
_CONSULT_RE = re.compile(r"协商(?:议事|建议|会|座谈|成果|报告|意见)|议事协商|(?:专题|对口|界别|提案办理)协商")
_LAW_TITLE_RE = re.compile(r"(?:法|条例|规定|细则|规则|办法|章程)(?:（[^）]*）|\([^)]*\))?$")
_ARTICLE_LINE_RE = re.compile(r"(?m)^第[一二三四五六七八九十百千零〇\d]+条")
_POLICY_END_RE = re.compile(r"(?:通知|意见|办法|方案|决定|通告|公告|指引|规划|批复|复函|函|通报|纲要|细则|规定|指南|计划|措施|清单|要点|公报|决议|命令)$")
_POLICY_WORD_RE = re.compile(r"通知|意见|办法|方案|决定|通告|指引|规划|印发|批复|公告|通报")
_SPEECH_HEAD_RE = re.compile(r"(?m)大会发言|发言摘要|发言摘登|^发言人[:：]|^讲话人[:：]")
_SPEECH_TITLE_RE = re.compile(r"(?:上的|时的)(?:讲话|发言|致辞|演讲)(?:[（(][^）)]*[）)])?$")
_SPEECH_RE = re.compile(r"讲话|发言|致辞|讲稿|演讲|发言摘登")


def detect_metadata(text: str, filename: str, title_hint: str | None = None) -> DocMeta:
    """Detect title, genre, 文号, issuer, date and year of a cleaned document."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    title = (detect_title(lines) or _title_field(lines) or _usable_hint(title_hint)
             or title_from_filename(filename))
    doc_number = detect_doc_number(lines)
    date = detect_date(lines)
    year = int(date[:4]) if date else year_from_doc_number(doc_number) or year_from_filename(filename)
    issuers = detect_issuers(title, lines) or [x for x in [issuer_from_order_number(doc_number)] if x]
    return DocMeta(
        title=title,
        genre=detect_genre(text, title, doc_number),
        doc_number=doc_number,
        issuer="、".join(issuers) or None,
        date=date,
        year=year,
        visibility="public",
        extra={"issuers": issuers} if len(issuers) > 1 else {},
    )


# --- title -------------------------------------------------------------------------


def strip_markdown(line: str) -> str:
    """Remove a leading Markdown heading marker."""
    return re.sub(r"^#{1,6}\s+", "", line).strip()


def is_skippable_header(line: str) -> bool:
    """Header lines that are never the title: 文号, 令 headers, issuer headers, 密级, notes, dates."""
    text = strip_markdown(line)
    return bool(
        DOC_NUMBER_RE.fullmatch(text)
        or re.fullmatch(r"第\s*\d{1,5}\s*号", text)
        or _ORDER_HEADER_RE.search(text)
        or _ISSUER_HEADER_RE.search(text)
        or _SECRECY_RE.match(text)
        or _META_LINE_RE.match(text)
        or _PUBLIC_NOTE_RE.match(text)
        or _DATE_LINE_RE.match(text)
        or _SIGNATURE_RE.match(text)
        or is_masthead(text)
        or _CHROME_RE.match(text)
        or (_ORGAN_LINE_RE.match(text) and not _TITLE_VERB_RE.search(text) and len(text) <= 30)
    )


def is_title_like(line: str) -> bool:
    """A heading-like line: short, no sentence punctuation at the end, not a numbered item."""
    text = strip_markdown(line)
    if not 2 <= len(text) <= _TITLE_MAX or _HEADING_MARK_RE.match(text):
        return False
    if len(_CJK_RE.findall(text)) < 2:
        return False
    if _SENTENCE_END_RE.search(text) or _SALUTATION_RE.search(text):
        return False
    if text.endswith(("。", "！", "？", "!", "?")):
        return len(text) <= 40 and not re.search(r"[。]", text[:-1])
    return True


# Mastheads, issue and meeting lines printed under (or, in extracted PDFs, glued to) a title:
# "江州市政协社情民意信息", "2023年第31期", "江州市政协十四届三次会议", "…大会发言摘要".
_ISSUE = r"(?:19|20)\d{2}\s*年\s*第\s*\d+\s*期"  # "2023年第31期"
_MASTHEAD_TAIL = (
    r"(?:[\u4e00-\u9fff]{0,20}?(?:会议(?:大会发言(?:摘要|摘登)?)?|社情民意信息?|常委会|全会))?"
    rf"(?:\s*{_ISSUE}(?:[（(]总第\s*\d+\s*期[）)])?)?"
)
_MASTHEAD_RE = re.compile(
    rf"(?:[\u4e00-\u9fff]{{2,8}}?[省市区县])?(?:全国)?政协{_MASTHEAD_TAIL}|社情民意信息|大会发言(?:摘要|摘登)?"
)
_GLUED_MASTHEAD_RE = re.compile(rf"(?:[\u4e00-\u9fff]{{2}}[省市区县])?(?:全国)?政协{_MASTHEAD_TAIL}$|社情民意信息$")
_CHROME_RE = re.compile(r"^(?:您(?:当前)?所在的?位置|您的位置|当前位置|长者专区|无障碍|首页\s*>|\[)")


def is_masthead(line: str) -> bool:
    """A masthead, issue or meeting line (never part of a title)."""
    text = strip_markdown(line).strip()
    return bool(_MASTHEAD_RE.fullmatch(text)) or bool(re.fullmatch(rf"{_ISSUE}.*", text))


# a periodical's masthead and issue line; meeting lines ("江州市政协十四届三次会议大会发言") are not among them
_PERIODICAL_RE = re.compile(rf"(?:[\u4e00-\u9fff]{{2,8}}?[省市区县])?(?:全国)?(?:政协)?社情民意(?:信息)?|{_ISSUE}")


def is_periodical_masthead(line: str) -> bool:
    """A periodical's masthead or issue line ("江州市政协社情民意信息", "2025年第6期"): it names the
    publication, says nothing of the subject, and is never quoted."""
    return bool(_PERIODICAL_RE.fullmatch(line.strip()))


def strip_masthead(title: str) -> str:
    """Remove a masthead or meeting line glued to the end of a title ("…的提案江州市政协十四届三次会议")."""
    for cut in range(4, len(title) - 3):
        tail = title[cut:]
        if len(tail) <= 40 and title_complete(title[:cut]) and is_masthead(tail):
            return title[:cut]
    match = _GLUED_MASTHEAD_RE.search(title)
    if match and match.start() >= 4:
        return title[: match.start()].rstrip(" 　-—")
    return title


def _strip_trailing_doc_number(title: str) -> str:
    """Remove a 文号 glued to the end of a title line."""
    match = DOC_NUMBER_RE.search(title)
    if match and match.end() == len(title.rstrip()):
        prefix = _doc_number_prefix(match.group(1))
        return title[: match.start(1) + len(match.group(1)) - len(prefix)].strip()
    return title


def detect_title(lines: Sequence[str]) -> str | None:
    """The document's own title: the first heading-like line(s) near the top, joined.

    Skips 文号, issuer-only headers, 密级 and notes; in 令 documents (a promulgation order
    before the text) the preamble up to its date is skipped too.
    """
    in_order_preamble = False
    for index, line in enumerate(lines[:_HEADER_LINES]):
        text = strip_markdown(line)
        if _ORDER_HEADER_RE.search(text):
            in_order_preamble = True
            continue
        if in_order_preamble:
            if _DATE_LINE_RE.match(text):
                in_order_preamble = False
            continue
        if is_skippable_header(text):
            continue
        if not is_title_like(text):
            return None
        if _is_menu(lines[index : index + 3]):
            return None  # a site's navigation menu, not a title
        return strip_masthead(_join_title_lines(lines, index))
    return None


def _is_menu(lines: Sequence[str]) -> bool:
    """Three short lines in a row (长者助手 / 政务动态 / 政务公开): a navigation menu."""
    return len(lines) == 3 and all(len(strip_markdown(line)) <= 6 for line in lines)


def _join_title_lines(lines: Sequence[str], index: int) -> str:
    """Join a title that continues over up to three following lines."""
    title = _strip_trailing_doc_number(strip_markdown(lines[index]))
    for line in lines[index + 1 : index + 4]:
        text = strip_markdown(line)
        if title_complete(title) or line.startswith("#") or is_skippable_header(text):
            break
        if ends_title(text) and not title_complete(title + text):
            break
        if not is_title_like(text) or len(title) + len(text) > _TITLE_MAX:
            break
        title += _strip_trailing_doc_number(text)
    return title


# Lines that follow a title but never continue it: labelled fields (反映人：…, 议题：…, 提案号：…),
# issue/date lines (…2023年第31期, 2024年9月) and organisation-only lines (…委员联络组, …办公室).
_FIELD_LINE_RE = re.compile(r"^[\u4e00-\u9fff]{2,6}[：:]")
_ISSUE_LINE_RE = re.compile(r"\d{4}\s*年\s*(?:第\s*\d+\s*期|\d{1,2}\s*月)|第\s*\d+\s*期$|^\d{4}\s*年\s*\d{1,2}\s*月")
_MEETING_LINE_RE = re.compile(r"次会议|大会发言|发言摘要")
_ORG_LINE_RE = re.compile(r"(?:联络组|委员会|办公室|办公厅|人民政府|政协|委员会办公室|局|厅|社|会)$")


def ends_title(next_line: str) -> bool:
    """True when ``next_line`` is a field, issue/date or organisation line, not a title continuation."""
    text = next_line.strip()
    if _FIELD_LINE_RE.match(text) or _ISSUE_LINE_RE.search(text) or is_masthead(text):
        return True
    if "关于" in text:
        return False
    return bool(_MEETING_LINE_RE.search(text)) or (len(text) <= 20 and bool(_ORG_LINE_RE.search(text)))


def title_complete(title: str) -> bool:
    """True when a (partial) title already ends like a whole title.

    Brackets must be balanced, and a "关于…" title needs its closing "的通知"-style tail.
    """
    if title.count("《") > title.count("》") or title.count("（") > title.count("）"):
        return False
    if "关于" in title:
        return bool(_TITLE_DONE_GUARDED_RE.search(title))
    return bool(_TITLE_DONE_RE.search(title))


def _usable_hint(hint: str | None) -> str | None:
    """A format title hint unless it is a site name, page chrome or otherwise junk."""
    if not hint:
        return None
    hint = " ".join(hint.split())
    junk = _JUNK_HINT_RE.search(hint) or _CHROME_RE.match(hint) or "http" in hint or len(hint) > _TITLE_MAX
    return None if len(hint) < 2 or junk else hint


def _title_field(lines: Sequence[str]) -> str | None:
    """The "Title: …" line a saved web page (Markdown export) carries near its top."""
    for line in lines[:_HEADER_LINES]:
        match = re.match(r"^Title:\s*(.+)$", line)
        if match and _usable_hint(match.group(1)):
            return _usable_hint(match.group(1))
    return None


def title_from_filename(filename: str) -> str:
    """File name stem without sorting prefixes such as "gov-001_" or "01_"."""
    stem = PurePath(filename).stem
    stem = _FILENAME_PREFIX_RE.sub("", stem)
    stem = re.sub(r"[_\s]+[\u4e00-\u9fff]{1,8}字?(?:19|20)\d{2}-\d{1,5}号$", "", stem)  # "…_穗卫函2023-1930号"
    return stem.replace("_", " ").strip() or PurePath(filename).stem


# --- 文号 --------------------------------------------------------------------------


def _doc_number_prefix(run: str) -> str:
    """Trim the Chinese run before a 文号 bracket to the issuer code (国办函, 穗府办规 …)."""
    cut = _PREFIX_CUT_RE.match(run)
    prefix = run[cut.end() :] if cut else run
    return prefix[-8:] if len(prefix) > 8 else prefix


def find_doc_numbers(text: str) -> list[tuple[int, str]]:
    """All 文号 and 令 numbers in ``text`` as (offset, normalised string), in order."""
    found: list[tuple[int, str]] = []
    for match in DOC_NUMBER_RE.finditer(text):
        prefix = _doc_number_prefix(match.group(1))
        start = match.start(1) + len(match.group(1)) - len(prefix)
        if prefix and not (start > 0 and text[start - 1] in "（(《、"):
            found.append((start, f"{prefix}〔{match.group(2)}〕{match.group(3)}号"))
    for match in ORDER_NUMBER_RE.finditer(text):
        run = match.group(1)
        cut = _PREFIX_CUT_RE.match(run[:-1])
        organ = run[cut.end() :] if cut else run
        start = match.end(1) - len(organ)
        organ = re.sub(r"^中华人民共和国(?=.+令$)", "", organ)
        if len(organ) >= 2 and not (start > 0 and text[start - 1] in "（(《、"):
            found.append((start, f"{organ}第{match.group(2)}号"))
    return sorted(found)


def detect_doc_number(lines: Sequence[str]) -> str | None:
    """The 文号 in the header area (before the body starts), not one cited in the body; for a proposal, its
    number ("提案号：第0034号"); for a periodical (社情民意信息, a bulletin), its issue line: "2025年第18期
    （总第236期）" → "2025年第18期，总第236期"."""
    header = _header_area(lines)
    found = find_doc_numbers("\n".join(header))
    if found:
        return found[0][1]
    proposal = next((m.group(1) for m in map(_PROPOSAL_NUMBER_RE.fullmatch, header) if m), None)
    return proposal or _issue(header)


_PROPOSAL_NUMBER_RE = re.compile(r"(?:提案|建议|议案)(?:编号|号)\s*[:：]\s*(第\s*\d+\s*号)")  # "提案号：第0034号"
_ISSUE_RE = re.compile(rf"{_ISSUE}(?:\s*[（(]\s*总第\s*\d+\s*期\s*[）)])?")


def _issue(header: Sequence[str]) -> str | None:
    """The issue printed on a masthead line: "2025年第18期（总第236期）" → "2025年第18期，总第236期"."""
    for line in header:
        found = _ISSUE_RE.search(line) if is_masthead(line) else None
        if found:
            year, number, *total = re.findall(r"\d+", found.group())
            return f"{year}年第{number}期" + (f"，总第{total[0]}期" if total else "")
    return None


def _header_area(lines: Sequence[str]) -> list[str]:
    """Lines before the body: up to the salutation or first numbered heading (max 15 lines)."""
    area: list[str] = []
    for line in lines[:_HEADER_LINES]:
        text = strip_markdown(line)
        area.append(text)
        if len(text) > 80 and (text.endswith("。") or _SALUTATION_RE.search(text)):
            area.pop()
            break
        if _SALUTATION_RE.search(text):
            break
        if _HEADING_MARK_RE.match(text) and len(area) > 1:
            break
    return area


def issuer_from_order_number(doc_number: str | None) -> str | None:
    """The organ of a 令 number, e.g. 国务院令第746号 → 国务院."""
    match = re.match(r"^(.+?)令第\d+号$", doc_number or "")
    return match.group(1) if match else None


def year_from_doc_number(doc_number: str | None) -> int | None:
    """The year in a 文号's brackets, e.g. 国发〔2019〕5号 → 2019."""
    match = re.search(r"〔((?:19|20)\d{2})〕", doc_number or "")
    return int(match.group(1)) if match else None


def year_from_filename(filename: str) -> int | None:
    """A four-digit year (19xx/20xx) in the file name."""
    match = _YEAR_RE.search(PurePath(filename).name)
    return int(match.group(1)) if match else None


# --- date --------------------------------------------------------------------------


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as ISO YYYY-MM-DD (Arabic or Chinese numerals, or ISO)."""
    candidates = []
    for pattern in (_DATE_RE, _ISO_DATE_RE):
        match = pattern.search(text)
        if match:
            candidates.append((match.start(), int(match.group(1)), int(match.group(2)), int(match.group(3))))
    match = _CN_DATE_RE.search(text)
    if match:
        year = int("".join(str(CN_DIGITS.get(ch, 0)) for ch in match.group(1)))
        month, day = (parse_cn_number(match.group(k)) or 0 for k in (2, 3))
        candidates.append((match.start(), year, month, day))
    for _, year, month, day in sorted(candidates):
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None


_LABELLED_DATE_RE = re.compile(r"^(?:报送|成文|印发|提交|发文|签发|发布|报出)(?:日期|时间)\s*[:：]\s*(.+)$")


def detect_date(lines: Sequence[str]) -> str | None:
    """The 成文日期: a date line at the end, else a labelled header date (报送日期/成文日期/印发日期/提交日期),
    else a date line in the header, else a dated header line."""
    for line in reversed(lines[-_TAIL_LINES:]):
        if _DATE_LINE_RE.match(line):
            return parse_date(line)
    for line in lines[:_HEADER_LINES]:
        match = _LABELLED_DATE_RE.match(strip_markdown(line))
        if match and parse_date(match.group(1)):
            return parse_date(match.group(1))
    header = lines[:_HEADER_LINES]
    for line in header:
        if _DATE_LINE_RE.match(strip_markdown(line)):
            return parse_date(line)
    dated = [line for line in lines[:8] if _DATED_INFO_LINE_RE.match(strip_markdown(line))]
    if dated:
        return parse_date(dated[-1])
    return None


# --- issuer ------------------------------------------------------------------------


_ISSUER_STARTS = ("国网", "国家", "中共", "中国", "国务院", "中央")


def split_issuers(glued: str) -> list[str]:
    """Several organs written without separators, one per item:
    "江州市教育局江州市卫生健康委员会" → ["江州市教育局", "江州市卫生健康委员会"].

    A cut falls after an organ suffix where the next organ starts like the first one (same two
    characters: 江州…江州…) or with a national prefix (国家, 国网, 中共 …), outside brackets.
    """
    parts = [p.strip() for p in re.split(r"[、，,\s]+", glued) if p.strip()]
    found: list[str] = []
    for part in parts:
        start, depth = 0, 0
        for i, ch in enumerate(part):
            depth += ch in "（(" 
            depth -= ch in "）)"
            if depth or i == start or i >= len(part) - 3:
                continue
            before = part[start:i + 1]
            rest = part[i + 1:]
            if (re.search(f"{_ORGAN_SUFFIX}$", before) and len(before) >= 4
                    and (rest.startswith(part[:2]) or rest.startswith(_ISSUER_STARTS))
                    and re.search(f"{_ORGAN_SUFFIX}(?:[（(][^）)]*[）)])?$", rest)):
                found.append(before)
                start = i + 1
        found.append(part[start:])
    return [p for p in found if p]


def detect_issuer(title: str, lines: Sequence[str]) -> str | None:
    """Issuing organ(s) as one string, several joined with "、" (see ``detect_issuers``)."""
    return "、".join(detect_issuers(title, lines)) or None


def detect_issuers(title: str, lines: Sequence[str]) -> list[str]:
    """Issuing organs from the title ("X关于…", several organs split apart), else the signature lines
    before the final date."""
    match = _ISSUER_IN_TITLE_RE.match(title)
    if match:
        return split_issuers(match.group(1).strip())
    issuer = _issuer_from_lines(lines)
    return split_issuers(issuer) if issuer else []


def _issuer_from_lines(lines: Sequence[str]) -> str | None:
    tail = list(lines[-_TAIL_LINES:])
    for index in range(len(tail) - 1, -1, -1):
        if _DATE_LINE_RE.match(tail[index]):
            organs: list[str] = []
            for line in reversed(tail[max(0, index - 3) : index]):
                if not _ORGAN_LINE_RE.match(line):
                    break
                organs.insert(0, line)
            if organs:
                return "、".join(organs)
            break
    for line in lines[:5]:
        text = strip_markdown(line)
        if _ORDER_HEADER_RE.search(text) and len(text) <= 20:
            return re.sub(r"^中华人民共和国(?=.)", "", text[:-1]) or None
    return None


# --- genre -------------------------------------------------------------------------


def detect_genre(text: str, title: str, doc_number: str | None = None) -> str:
    """Genre from title and text cues; order matters (a reply quotes a proposal title).

    A 办法/规定 issued under a bracketed 文号 (穗民规字〔2024〕3号) is a normative document
    (policy); laws and regulations carry a 令 number or none."""
    head = text[:1500]
    if _REPLY_TITLE_RE.search(title) or _REPLY_BODY_RE.search(head):
        return "reply"
    if _PROPOSAL_TITLE_RE.search(title) or _PROPOSAL_BODY_RE.search(head):
        return "proposal"
    if _SOCIAL_RE.search(title) or _SOCIAL_RE.search(head[:60]):
        return "social_report"
    if _CONSULT_RE.search(title):
        return "consultation"
    if _SPEECH_HEAD_RE.search(head[:300]) or _SPEECH_TITLE_RE.search(title):
        return "speech"
    articles = len(_ARTICLE_LINE_RE.findall(text[:20000]))
    normative = bool(doc_number) and "〔" in (doc_number or "")
    if _LAW_TITLE_RE.search(title) and articles >= 3 and not normative:
        return "law"
    if text.lstrip().startswith("# ") and articles >= 3:
        return "law"
    if _POLICY_END_RE.search(title):
        return "policy"
    if _SPEECH_RE.search(title):
        return "speech"
    if _POLICY_WORD_RE.search(title):
        return "policy"
    return "other"
