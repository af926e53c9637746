"""Who answered past proposals: handling departments read from reply documents.

A reply names its issuer (metadata, or the sign-off line above the date) and often its
co-handlers ("本提案由我局主办，市司法局、市自然资源和规划局会办"). Suggested departments for a new
proposal are those that answered similar ones, each with the reply doc ids as evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ORG_END = r"(?:局|委员会|委|办公室|办|中心|厅|院|支队|分行|公司|政府|管委会|总工会|联合会|部)"
_SIGNATURE = re.compile(rf"^\s*(\S{{2,30}}{_ORG_END})\s*$")
_DATE = re.compile(r"^\s*(?:\d{4}|[〇○零一二三四五六七八九]{4})年.{1,3}月.{1,3}日\s*$")
_CO_HANDLERS = re.compile(r"由(?:我[局委办厅中]\S?|[^，。；]{2,30}?)主办[，,、]?([^。；]{2,120}?)(?:协办|会办|配合)")
_CONSULTED = re.compile(r"(?:经商|会同|商请)([^。；：:]{2,80}?)[，,]\s*(?:现|经|共同|研究|答复)")
_SPLIT = re.compile(r"[、，,]|(?<=[局委办院])和")


@dataclass(frozen=True)
class Department:
    name: str
    evidence: tuple[str, ...]  # doc ids of the replies that show it
    role: str = "主办"  # 主办 (lead) or 会办 (co-handling)

    def to_json(self) -> dict:
        return {"name": self.name, "evidence": list(self.evidence), "role": self.role}


def signature_issuer(text: str) -> str | None:
    """The organisation signing a reply: the line just above its date line, near the end."""
    lines = [line for line in text.splitlines() if line.strip()]
    for index in range(len(lines) - 1, max(len(lines) - 8, 0), -1):
        if _DATE.match(lines[index]) and index > 0:
            match = _SIGNATURE.match(lines[index - 1])
            if match:
                return match.group(1)
    return None


def co_handlers(text: str) -> list[str]:
    """Co-handling departments named in a reply ("由我局主办，A、B会办" → [A, B])."""
    names: list[str] = []
    for pattern in (_CO_HANDLERS, _CONSULTED):  # "由我局主办，A、B会办" / "经商A、B，现答复如下"
        match = pattern.search(text[:1500])
        if match:
            names += [name.strip() for name in _SPLIT.split(match.group(1))]
    return list(dict.fromkeys(name for name in names if 2 <= len(name) <= 30 and re.search(f"{_ORG_END}$", name)))


# Departments a suggestion's subject implies (money → 财政), in the names proposals use.
SUBJECT_DEPARTMENTS = (
    (re.compile(r"财政|资金|补助|补贴|贴息|经费|奖补|预算|专项债"), "市财政局"),
    (re.compile(r"公积金"), "市住房公积金管理中心"),
    (re.compile(r"社保|社会保险|参保|就业|劳动|职业技能|人社"), "市人力资源和社会保障局"),
    (re.compile(r"医保|医疗保障"), "市医疗保障局"),
    (re.compile(r"食品安全|市场监管|明厨亮灶|特种设备|电梯安全"), "市市场监督管理局"),
    (re.compile(r"用地|规划|土地"), "市自然资源和规划局"),
    (re.compile(r"学校|学生|教育|校外培训|课后服务|幼儿园"), "市教育局"),
    (re.compile(r"养老|助餐|老年人|残疾人|社区减负"), "市民政局"),
    (re.compile(r"交通|道路|公交|交警"), "市交通运输局"),
)


def implied_departments(texts: list[str]) -> list[str]:
    """Departments the subjects of ``texts`` imply, most mentioned first."""
    counts: dict[str, int] = {}
    for text in texts:
        for pattern, name in SUBJECT_DEPARTMENTS:
            if pattern.search(text):
                counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda name: -counts[name])


def short_name(name: str) -> str:
    """The name as proposals write it: 江州市住房和城乡建设局 → 市住房和城乡建设局 (a 市 prefix for the city's own)."""
    return re.sub(r"^[\u4e00-\u9fff]{1,4}?市(?=[\u4e00-\u9fff]{2,})", "市", name.strip())


def department_key(name: str) -> str:
    """A loose identity for department names: 江州市住房和城乡建设局 ≈ 市住房城乡建设局."""
    key = re.sub(r"^(?:\S{1,4}?市|市)", "", name)
    return key.replace("和", "").replace("（", "(").split("(")[0]


def suggest_departments(replies: list[tuple[str, str | None, str]], limit: int = 4) -> list[Department]:
    """Departments from ``(doc_id, issuer, text)`` of replies ordered by relevance: leads first, then co-handlers."""
    leads: dict[str, tuple[str, list[str]]] = {}
    cos: dict[str, tuple[str, list[str]]] = {}
    for doc_id, issuer, text in replies:
        lead = issuer or signature_issuer(text)
        if lead:
            entry = leads.setdefault(department_key(lead), (lead, []))
            if doc_id not in entry[1]:
                entry[1].append(doc_id)
        for name in co_handlers(text):
            key = department_key(name)
            if key in leads:
                continue
            entry = cos.setdefault(key, (name, []))
            if doc_id not in entry[1]:
                entry[1].append(doc_id)
    found = [Department(name, tuple(ids), "主办") for name, ids in leads.values()]
    found += [Department(name, tuple(ids), "会办") for key, (name, ids) in cos.items() if key not in leads]
    return found[:limit]
