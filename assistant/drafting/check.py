"""Format check (审查) of a member's own draft: pure functions over its text and the format.

Rules: the title pattern, required sections present, header fields filled in, one subject per
proposal (一事一案: a single "关于" subject, suggestions that hang together), suggestions
numbered and concrete, and the length within the format's bounds. Each finding is
``{"rule", "message", "where"}`` with a Chinese message a member can act on.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from assistant.drafting.formats import Format, SectionSpec
from assistant.retrieval.textsim import GENERIC_GRAMS as _GENERIC_GRAMS, bigrams

_CN = "一二三四五六七八九十"
_NUMBERING = re.compile(rf"^\s*(?:#+\s*|第[{_CN}]+部分\s*|[{_CN}]+[、．.]\s*|[（(][{_CN}\d]+[）)]\s*|\d{{1,2}}[.．、]\s*)")
_ITEM = re.compile(rf"^\s*(?:[{_CN}]+是|[（(][{_CN}\d]+[）)]|[{_CN}]+[、．.]|\d{{1,2}}[.．、)）]|第[{_CN}]+[，,、]|其[{_CN}]+[，,、])")
_INLINE_ITEM = re.compile(rf"(?<![{_CN}])([{_CN}]是)")
_TEXT = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
_VAGUE = re.compile(r"高度重视|加大力度|进一步加强|切实加强|积极推进|大力推进|不断完善|予以支持|引起重视|有关部门研究|"
                    r"加强领导|提高认识|统一思想|多措并举|切实解决|形成合力|齐抓共管|常抓不懈|营造.{0,4}氛围|加大宣传|"
                    r"抓紧抓实|落到实处|务求实效|久久为功|综合施策|标本兼治")
_CONCRETE = re.compile(r"\d|[一二三四五六七八九十百千万]+(?:元|个|台|人|年|月|天|次|%|成)|建立|制定|出台|设立|纳入|明确|"
                       r"试点|清单|标准|平台|基金|补贴|补助|考核|指引|办法|机制|[市区县]\S{1,10}(?:局|委|办|中心)")


_PLACEHOLDER = re.compile(r"【[^】\n]{0,60}】")
_MARKER = re.compile(r"\[\d{1,3}\]")
_DATA = re.compile(r"\d|[一二三四五六七八九十百千万两]+(?:余|多)?(?:万|亿)?(?:元|个|台|人|户|家|所|次|栋|名|项|件|公里|平方米|成|分钟|小时|天|年|岁)|"
                   r"[一二三四五六七八九十]+成|半数|过半|近半|翻番|倍")
_VERB_START = re.compile(r"^(?:加强|改善|推进|推动|完善|建立|提升|提高|规范|促进|加快|优化|破解|解决|发展|保障|做好|深化|"
                         r"扩大|降低|强化|健全|实施|落实|开展|支持|鼓励|打造|建设|治理|整治|保护|防控|缓解|减轻)")
# Words that pair with almost any subject in a title: shared, they do not make two subjects one.
_TITLE_GENERIC = bigrams("关于的提案建议情况反映协商加强改善推进推动完善建立提升提高规范促进加快优化破解解决发展保障做好深化")


@dataclass(frozen=True)
class Finding:
    rule: str  # title | section | field | one_subject | numbered | concrete | length | placeholder | marker | data
    message: str
    where: str

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CheckReport:
    """What 审查与查重 returns: format findings and similar existing documents."""

    findings: tuple[Finding, ...]
    similar: tuple = ()  # similar.SimilarDoc

    def to_json(self) -> dict:
        return {"findings": [f.to_json() for f in self.findings], "similar": [d.to_json() for d in self.similar]}


@dataclass(frozen=True)
class SectionText:
    spec: SectionSpec
    line: int  # 1-based line of its heading
    body: str


def text_length(text: str) -> int:
    """Characters that count towards length: ideographs, letters and digits."""
    return len(_TEXT.findall(text))


def _heading_match(line: str, aliases: list[tuple[str, SectionSpec]]) -> tuple[SectionSpec, str] | None:
    """The section a line opens, and the text after the heading on the same line (e.g. "案由：…")."""
    stripped = _NUMBERING.sub("", line.strip(), count=1).strip()
    for alias, spec in aliases:
        if not stripped.startswith(alias):
            continue
        rest = stripped[len(alias):]
        if not rest or rest[0] in "：:" or (len(stripped) <= 16 and not re.search(r"[。；，]", stripped)):
            return spec, rest.lstrip("：: ")
    return None


def split_sections(text: str, fmt: Format) -> list[SectionText]:
    """The format's sections found in ``text``, in order, with their bodies."""
    aliases = sorted(((a, s) for s in fmt.sections for a in s.aliases), key=lambda pair: -len(pair[0]))
    found: list[tuple[SectionSpec, int, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _heading_match(line, aliases) if number > 1 else None
        if match:
            found.append((match[0], number, [match[1]] if match[1] else []))
        elif found and line.strip():
            found[-1][2].append(line.strip())
    return [SectionText(spec, line, "\n".join(body)) for spec, line, body in found]


def suggestion_items(body: str) -> list[str]:
    """Numbered items of a suggestions section (lines opening with 一是/（一）/1./一、, or inline 一是…二是…)."""
    items: list[str] = []
    for line in body.splitlines():
        line = line.strip()
        if not line:
            continue
        inline = _INLINE_ITEM.split(line)
        if len(inline) > 3:  # "一是…二是…" in one paragraph
            items.extend(a + b for a, b in zip(inline[1::2], inline[2::2]))
        elif _ITEM.match(line):
            items.append(line)
        elif items:
            items[-1] += line
    return items


def title_subjects(title: str) -> list[str]:
    """The subjects a title joins: "关于A和B以及C的提案" → [A, B, C] (parts of at least 4 characters)."""
    topic = re.sub(r"^关于|的(?:提案|建议|情况反映|协商建议)$", "", title.strip())
    return [part for part in re.split(r"以及|[；;、和及与]", topic) if text_length(part) >= 4]


def unrelated_title_subjects(title: str) -> list[str]:
    """Two or more matters joined in a title, each with its own verb and sharing no subject word:
    "关于加强中小学生近视防控和改善城区交通的提案" → ["加强中小学生近视防控", "改善城区交通"]."""
    subjects = title_subjects(title)
    if len(subjects) < 2 or not all(_VERB_START.match(part.strip()) for part in subjects):
        return []
    grams = [bigrams(_VERB_START.sub("", part.strip())) - _GENERIC_GRAMS - _TITLE_GENERIC for part in subjects]
    related = any(a & b for i, a in enumerate(grams) for b in grams[i + 1:])
    return [] if related else subjects


def leftovers(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Unfilled 【…】 placeholders and [n] citation markers left in a draft, as (line number, text)."""
    placeholders, markers = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        placeholders += [(number, m.group()) for m in _PLACEHOLDER.finditer(line)]
        markers += [(number, m.group()) for m in _MARKER.finditer(line)]
    return placeholders, markers


def _lines_label(found: list[tuple[int, str]]) -> str:
    lines = sorted({n for n, _ in found})
    return "、".join(f"第{n}行" for n in lines[:5]) + ("等" if len(lines) > 5 else "")


def off_topic_items(title: str, items: list[str]) -> list[int]:
    """1-based numbers of items sharing no subject word (generic words aside) with the title."""
    subject = bigrams(title) - _GENERIC_GRAMS - _TITLE_GENERIC - bigrams("关于的提案")
    return [n for n, item in enumerate(items, start=1) if subject and not (bigrams(item) - _GENERIC_GRAMS) & subject]


def check_text(text: str, fmt: Format) -> list[Finding]:
    """Findings for a draft of the format ``fmt``; an empty list means nothing to fix."""
    findings: list[Finding] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return [Finding("length", "内容为空。", "全文")]
    title = re.sub(r"^#+\s*", "", lines[0])  # a Markdown title line
    if not re.match(fmt.title_pattern, title):
        findings.append(Finding("title", f"标题“{title[:40]}”不符合{fmt.label}标题格式（如“{fmt.title.replace('{topic}', '……')}”）。", "标题"))
    if title.count("关于") > 1 or len(title_subjects(title)) >= 3:
        findings.append(Finding("one_subject", "标题包含多个“关于”事项，一件提案应只提一件事（一事一案），请拆分。", "标题"))
    elif unrelated_title_subjects(title):
        parts = "”和“".join(unrelated_title_subjects(title))
        findings.append(Finding("one_subject", f"标题同时提出“{parts}”两件互不相关的事，一件提案应只提一件事（一事一案），"
                                "请拆分为两件提案。", "标题"))

    placeholders, markers = leftovers(text)
    if placeholders:
        sample = "、".join(dict.fromkeys(p for _, p in placeholders))
        findings.append(Finding("placeholder", f"仍有{len(placeholders)}处待填写的占位内容（{sample[:60]}），"
                                "请补充实际内容或删除后再提交。", _lines_label(placeholders)))
    if markers:
        findings.append(Finding("marker", f"仍有{len(markers)}处引用标记（如{markers[0][1]}），正式文稿请删除，"
                                "或改为注明出处的文字。", _lines_label(markers)))

    sections = split_sections(text, fmt)
    present = {s.spec.name for s in sections}
    for spec in fmt.sections:
        if spec.required and not spec.reference and spec.role not in ("signature",) and spec.name not in present:
            findings.append(Finding("section", f"缺少“{spec.name}”部分（可用标题：{'、'.join(spec.aliases[:3])}）。", spec.name))
    for field in fmt.fields:
        if field.name in ("联名人",):
            continue
        if not re.search(rf"^\s*{field.name}\s*[：:]\s*\S", text, re.M) and not (
                field.name == "提案人" and re.search(r"^\s*提案(?:者|单位)\s*[：:]\s*\S", text, re.M)):
            findings.append(Finding("field", f"未填写“{field.name}”。", field.name))
    signature = fmt.section("signature")
    if signature and signature.name not in present and not re.search(rf"{signature.name}\s*[：:]\s*\S", text):
        findings.append(Finding("field", f"未填写“{signature.name}”。", signature.name))

    suggestions = next((s for s in sections if s.spec.role == "suggestions"), None)
    if suggestions is not None:
        items = suggestion_items(suggestions.body)
        where = f"“{suggestions.spec.name}”（第{suggestions.line}行起）"
        if len(items) < fmt.min_suggestions:
            message = ("建议未分条编号，请按“一是……二是……”或“（一）（二）”分条列出。" if not items else
                       f"只有{len(items)}条建议，{fmt.label}一般应提出至少{fmt.min_suggestions}条具体建议。")
            findings.append(Finding("numbered", message, where))
        for number, item in enumerate(items, start=1):
            body = _ITEM.sub("", item, count=1)
            if text_length(body) < 12 or (_VAGUE.search(body) and not _CONCRETE.search(body)):
                findings.append(Finding("concrete", f"第{number}条建议“{body[:30]}”较笼统，请写明具体措施、责任主体或量化目标。",
                                        f"{suggestions.spec.name}第{number}条"))
        filled = [item for item in items if not _PLACEHOLDER.search(item)]
        off = off_topic_items(title, filled)
        if len(off) >= 2 and len(off) * 2 >= len(filled) + 1:
            numbers = "、".join(f"第{i}条" for i in off)
            findings.append(Finding("one_subject", f"{numbers}建议与标题主题无关，一件提案应只提一件事（一事一案），"
                                    "请聚焦一个主题或拆分为多件提案。", where))

    reasons = [s for s in sections if s.spec.role in ("title_echo", "status", "problems")]
    if fmt.kind in ("proposal", "social_report") and reasons:
        body = "\n".join(s.body for s in reasons)
        if not _DATA.search(_PLACEHOLDER.sub("", body)):
            where = "、".join(f"“{s.spec.name}”" for s in reasons)
            findings.append(Finding("data", f"{where}没有任何数据或事实（数量、比例、金额、时间），"
                                    "请补充调研数据或典型案例支撑案由。", reasons[0].spec.name))

    length = text_length(text)
    if length < fmt.min_chars:
        findings.append(Finding("length", f"篇幅偏短（{length}字），{fmt.label}一般不少于{fmt.min_chars}字，请充实情况分析和建议。", "全文"))
    elif length > fmt.max_chars:
        findings.append(Finding("length", f"篇幅过长（{length}字），{fmt.label}一般不超过{fmt.max_chars}字，请精简。", "全文"))
    return findings
