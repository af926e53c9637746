"""Draft builder: 提案, 社情民意信息 and 协商建议 drafts on cited precedents.

The extractive builder fills each section of the format (``formats.py``) with sentences taken
from passages found by ``Assistant.search`` — problem statements from proposals and 社情民意信息,
measures from proposals' suggestions, replies and policies, a 政策依据 list, similar past
proposals with how they were answered, and handling departments learned from past replies.
Every sentence from a passage carries ``[n]`` pointing at ``Draft.sources``; facts only the member
can supply are left as 【请补充本地数据】 placeholders. With a generative model configured the prose
is rewritten from the same evidence and checked with the chat's citation verifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .departments import Department, suggest_departments
from .formats import Format, SectionSpec, load_format
from .models import SearchFilters, SearchHit, Source
from .similar import SimilarDoc, corpus_idf, find_similar, with_genres
from .textsim import HEADER_LINE, bigrams, dice, sentences, weighted_containment

if TYPE_CHECKING:
    from .service import Assistant

PLACEHOLDER = "【请补充本地数据】"
_CN_NUMBERS = "一二三四五六七八九十"
_ITEM_PREFIX = re.compile(
    rf"^\s*(?:[{_CN_NUMBERS}]+是|[（(][{_CN_NUMBERS}\d]+[）)]|[{_CN_NUMBERS}]+[、．.]|\d{{1,2}}[.．、]|"
    rf"第[{_CN_NUMBERS}]+[，,、]|其[{_CN_NUMBERS}]+[，,、]?)\s*"
)
_PROBLEM_CUES = re.compile(r"问题|不足|偏低|偏高|难|缺|滞后|不够|不到位|制约|矛盾|短板|突出|无法|压力|单一|不畅|不均|隐患|困境|瓶颈|停运")
_STATUS_CUES = re.compile(r"\d|累计|全市|目前|现有|已建|占比")
_MEASURE_CUES = re.compile(r"建议|推动|鼓励|建立|完善|支持|引导|探索|推行|制定|出台|提高|放宽|简化|加强|纳入|设立|明确|应当|将")
_SUGGESTION_HEADINGS = re.compile(r"建议|下一步|措施|对策|工作安排|第[二三四五六七八九十]+章")
_PROBLEM_HEADINGS = re.compile(r"情况|问题|现状|分析|基本")
_CONSENSUS_CUES = re.compile(r"共识|一致|认为|同意|商定|达成")
_PROCEDURAL = re.compile(r"^议题|现印发给你们|以下措施|如下[：:]|通知[。]?$|提案[。]?$|类别[：:]|提案号|提交日期|收悉|经认真研究|现答复如下|感谢您|联系人|联系电话|此件|委员：$")
_POLICY_TITLE = re.compile(r"关于印发《?(.+?)》?的通知$")
_PROPOSAL_NUMBER = re.compile(r"第\s*(\d{3,4})\s*号")
_SESSION = re.compile(r"([十一二三四五六七八九]+届[一二三四五六七八九十]+次)会议")
_GRADE = re.compile(r"类别[：:]\s*([^\n]{1,40})")
_FIRST_PERSON = re.compile(r"我(?:局|委|厅|办|院|中心)")

PROBLEM_GENRES = ("proposal", "social_report", "consultation")
MEASURE_GENRES = ("proposal", "reply", "policy", "consultation")
BASIS_GENRES = ("policy", "law")


@dataclass(frozen=True)
class Paragraph:
    text: str
    citations: tuple[int, ...] = ()
    kind: str = "cited"  # cited | placeholder | member | template

    def to_json(self) -> dict:
        return {"text": self.text, "citations": list(self.citations), "kind": self.kind}


@dataclass(frozen=True)
class Section:
    name: str
    role: str
    paragraphs: tuple[Paragraph, ...]
    reference: bool = False
    numbered: bool = False

    def to_json(self) -> dict:
        return {"name": self.name, "role": self.role, "reference": self.reference,
                "paragraphs": [p.to_json() for p in self.paragraphs]}


@dataclass(frozen=True)
class DraftRequest:
    topic: str
    kind: str = "proposal"
    notes: str = ""
    region: str = ""
    sector: str = ""  # 界别
    proposer: str = ""


@dataclass(frozen=True)
class Draft:
    kind: str
    label: str
    title: str
    fields: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    sources: tuple[Source, ...]
    similar: tuple[SimilarDoc, ...] = ()
    departments: tuple[Department, ...] = ()
    mode: str = "extractive"  # extractive | model
    notice: str = ""

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def suggestions(self) -> list[Paragraph]:
        return [p for s in self.sections if s.role == "suggestions" for p in s.paragraphs]

    def to_json(self) -> dict:
        return {
            "kind": self.kind, "label": self.label, "title": self.title, "mode": self.mode, "notice": self.notice,
            "fields": [{"name": n, "value": v} for n, v in self.fields],
            "sections": [s.to_json() for s in self.sections],
            "sources": [s.to_json("year") for s in self.sources],
            "similar": [d.to_json() for d in self.similar],
            "departments": [d.to_json() for d in self.departments],
        }


# -- pure text helpers ---------------------------------------------------------------------

def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二 (enough for numbered suggestions)."""
    if n <= 10:
        return "零一二三四五六七八九十"[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else "零一二三四五六七八九"[tens]) + "十" + ("零一二三四五六七八九"[ones] if ones else "")


def strip_item_prefix(text: str) -> str:
    """"一是提高补助。" → "提高补助。"; "（二）资金渠道单一。" → "资金渠道单一。"."""
    return _ITEM_PREFIX.sub("", text, count=1).strip()


def policy_name(title: str) -> str:
    """"…关于印发江州市既有住宅加装电梯管理办法的通知" → "江州市既有住宅加装电梯管理办法"."""
    match = _POLICY_TITLE.search(title)
    return match.group(1) if match else title


def proposal_key(text: str) -> tuple[str | None, str | None]:
    """(session, number) of a proposal or of the proposal a reply answers: ("十四届三次", "0123")."""
    head = text[:400]
    session = _SESSION.search(head)
    number = _PROPOSAL_NUMBER.search(head)
    return (session.group(1) if session else None, number.group(1).zfill(4) if number else None)


def cite(sentence: str, n: int) -> str:
    """Append ``[n]`` after the sentence (after its terminator, as the chat's verifier expects)."""
    sentence = sentence.strip()
    if not re.search(r"[。！？；]$", sentence):
        sentence = sentence.rstrip("，,、：:") + "。"
    return f"{sentence}[{n}]"


def item_lines(text: str) -> list[str]:
    """Lines of a passage, with headings such as "二、具体建议" dropped and numbered items kept."""
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if not line or HEADER_LINE.match(line):
            continue
        if len(line) <= 14 and not re.search(r"[。；]", line):
            continue  # a bare heading
        lines.append(line)
    return lines


# -- evidence --------------------------------------------------------------------------------

class _Citations:
    """Numbers sources in order of first citation."""

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self._by_chunk: dict[str, int] = {}

    def number(self, hit: SearchHit) -> int:
        if hit.chunk_id not in self._by_chunk:
            self._by_chunk[hit.chunk_id] = len(self.sources) + 1
            self.sources.append(Source.from_hit(len(self.sources) + 1, hit))
        return self._by_chunk[hit.chunk_id]


@dataclass
class _Pick:
    text: str
    hit: SearchHit
    score: float


@dataclass
class _Evidence:
    problems: list[SearchHit] = field(default_factory=list)
    measures: list[SearchHit] = field(default_factory=list)
    basis: list[SearchHit] = field(default_factory=list)
    consultations: list[SearchHit] = field(default_factory=list)
    replies: list[SearchHit] = field(default_factory=list)


class DraftBuilder:
    """Builds one draft for one request; every search goes through ``Assistant.search`` with ``filters``."""

    def __init__(self, assistant: Assistant, request: DraftRequest, filters: SearchFilters | None = None,
                 fmt: Format | None = None):
        self.assistant = assistant
        self.request = request
        self.filters = filters or SearchFilters()
        self.fmt = fmt or load_format(request.kind, assistant.settings.prompts)
        self.topic = request.topic.strip()
        self.citations = _Citations()
        self.topic_grams = bigrams(self.topic)
        self.idf = corpus_idf(assistant, self.topic_grams) or {}
        self.used: list[set[str]] = []

    # searches
    def _search(self, query: str, genres: tuple[str, ...], k: int = 12, per_doc: int | None = 3,
                gate: float = 0.45) -> list[SearchHit]:
        """Hits of one query, keeping those that contain enough of the topic (IDF-weighted)."""
        hits = self.assistant.search(query, k=k, filters=with_genres(self.filters, genres), per_doc=per_doc)
        return [h for h in hits if self.relevance(h.title + h.heading + h.text) >= gate]

    def relevance(self, text: str) -> float:
        return weighted_containment(self.topic_grams, bigrams(text), self.idf)

    def gather(self) -> _Evidence:
        region = f"{self.request.region} " if self.request.region else ""
        topic = f"{region}{self.topic}"
        return _Evidence(
            problems=self._search(f"{topic} 存在问题 现状 困难", PROBLEM_GENRES),
            measures=self._search(f"{topic} 建议 措施 下一步", MEASURE_GENRES),
            basis=self._search(f"{topic} 政策 办法 实施方案", BASIS_GENRES, k=8, per_doc=1, gate=0.3),
            consultations=self._search(f"{topic} 协商 意见 共识", ("consultation",), k=8),
            replies=self._search(f"{topic} 提案 答复 办理", ("reply",), k=8, per_doc=1),
        )

    # sentence picking
    def _fresh(self, text: str) -> bool:
        grams = bigrams(text)
        if any(dice(grams, other) >= 0.5 for other in self.used):
            return False
        self.used.append(grams)
        return True

    def _candidates(self, hits: list[SearchHit], accept) -> list[_Pick]:
        picks = []
        for rank, hit in enumerate(hits):
            for line in item_lines(hit.text):
                for sentence in sentences(line, min_cjk=8):
                    if (_PROCEDURAL.search(sentence) or HEADER_LINE.match(sentence)
                            or dice(bigrams(sentence), bigrams(hit.title)) >= 0.6 or not accept(sentence, hit)):
                        continue
                    score = self.relevance(sentence) + 0.3 / (1 + rank)
                    picks.append(_Pick(sentence, hit, score))
        picks.sort(key=lambda p: -p.score)
        return picks

    def _take(self, picks: list[_Pick], limit: int) -> list[_Pick]:
        chosen = []
        for pick in picks:
            if len(chosen) >= limit:
                break
            if self._fresh(pick.text):
                chosen.append(pick)
        return chosen

    def status(self, ev: _Evidence, limit: int = 2) -> list[Paragraph]:
        picks = self._candidates(ev.problems + ev.measures, lambda s, h: bool(_STATUS_CUES.search(strip_item_prefix(s)))
                                 and h.genre != "policy" and not _FIRST_PERSON.search(s) and "建议" not in s)
        chosen = self._take(picks, limit)
        paragraphs = []
        if chosen:
            paragraphs.append(Paragraph("".join(cite(p.text, self.citations.number(p.hit)) for p in chosen)))
        where = self.request.region or "本地"
        paragraphs.append(Paragraph(f"{PLACEHOLDER}（{where}的现状数据、调研情况和典型案例，请委员补充）", (), "placeholder"))
        if self.request.notes.strip():
            paragraphs.append(Paragraph(f"委员调研：{self.request.notes.strip()}", (), "member"))
        return paragraphs

    def problems(self, ev: _Evidence, limit: int = 4) -> list[Paragraph]:
        def accept(sentence: str, hit: SearchHit) -> bool:
            return (hit.genre != "reply" and "建议" not in sentence and bool(_PROBLEM_CUES.search(sentence))
                    and (bool(_PROBLEM_HEADINGS.search(hit.heading)) or hit.genre == "social_report"
                         or not _SUGGESTION_HEADINGS.search(hit.heading)))

        chosen = self._take(self._candidates(ev.problems, accept), limit)
        return [Paragraph(f"（{cn_number(i)}）" + cite(strip_item_prefix(p.text), self.citations.number(p.hit)))
                for i, p in enumerate(chosen, start=1)]

    def suggestions(self, ev: _Evidence, limit: int = 5) -> list[Paragraph]:
        def accept(sentence: str, hit: SearchHit) -> bool:
            if (not _MEASURE_CUES.search(sentence) or _PROBLEM_CUES.search(sentence[:12])
                    or len(re.findall(r"[\u4e00-\u9fff]", strip_item_prefix(sentence))) < 12):
                return False  # a problem statement, or a bare heading such as "加强智慧执法。"
            if hit.genre == "proposal":
                return bool(_SUGGESTION_HEADINGS.search(hit.heading))
            return True

        picks = []
        for pick in self._candidates(ev.measures, accept):
            text = strip_item_prefix(pick.text)
            issuer = pick.hit.issuer or ""
            text = _FIRST_PERSON.sub(issuer.removeprefix("江州") if issuer else "有关部门", text)
            text = re.sub(r"^(?:我们将|我们|下一步[，,]?|同时[，,]?)", "", text)
            picks.append(_Pick(text, pick.hit, pick.score + (0.1 if pick.hit.genre == "proposal" else 0)))
        picks.sort(key=lambda p: -p.score)
        chosen = self._take(picks, limit)
        items = [Paragraph(f"{cn_number(i)}是" + cite(p.text, self.citations.number(p.hit)))
                 for i, p in enumerate(chosen, start=1)]
        while len(items) < self.fmt.min_suggestions:
            items.append(Paragraph(f"{cn_number(len(items) + 1)}是【请补充具体建议：措施、责任主体和时限】", (), "placeholder"))
        return items

    def views(self, ev: _Evidence, limit: int = 4) -> list[Paragraph]:
        speakers = {"consultation": "协商会上有意见提出", "proposal": "有委员在提案中提出", "social_report": "有社情民意信息反映"}
        picks = self._candidates(ev.consultations + ev.problems + ev.replies,
                                 lambda s, h: "共识" not in s + h.heading and "建议" not in h.heading)
        paragraphs = []
        for pick in self._take(picks, limit):
            who = (f"{pick.hit.issuer}在答复中表示" if pick.hit.genre == "reply" and pick.hit.issuer
                   else speakers.get(pick.hit.genre, "有意见认为"))
            text = _FIRST_PERSON.sub("本部门", strip_item_prefix(pick.text))
            paragraphs.append(Paragraph(f"{who}：" + cite(text, self.citations.number(pick.hit))))
        return paragraphs or [Paragraph(f"{PLACEHOLDER}（各方发言要点，请补充）", (), "placeholder")]

    def consensus(self, ev: _Evidence, limit: int = 3) -> list[Paragraph]:
        picks = self._candidates(ev.consultations,
                                 lambda s, h: "共识" in h.heading or bool(_CONSENSUS_CUES.search(s)))
        chosen = self._take(picks, limit)
        paragraphs = [Paragraph(cite(strip_item_prefix(p.text), self.citations.number(p.hit))) for p in chosen]
        return paragraphs or [Paragraph("【请补充协商形成的共识】", (), "placeholder")]

    def basis(self, ev: _Evidence, limit: int = 5) -> list[Paragraph]:
        paragraphs, seen = [], set()
        # a policy's title names its subject: weigh it over the passage
        relevance = {h.chunk_id: self.relevance(h.title) + 0.5 * self.relevance(h.heading + h.text) for h in ev.basis}
        best = max(relevance.values(), default=0.0)
        for hit in sorted(ev.basis, key=lambda h: -relevance[h.chunk_id]):
            if relevance[hit.chunk_id] < 0.75 * best:
                continue
            if hit.doc_id in seen or len(paragraphs) >= limit:
                continue
            seen.add(hit.doc_id)
            details = "，".join(x for x in (hit.doc_number, f"{hit.year}年" if hit.year else None) if x)
            name = f"《{policy_name(hit.title)}》" + (f"（{details}）" if details else "")
            paragraphs.append(Paragraph(f"{name}[{self.citations.number(hit)}]"))
        return paragraphs or [Paragraph("【未检索到直接相关的政策文件，请补充政策依据】", (), "placeholder")]

    def reply_to(self, doc: SimilarDoc) -> SearchHit | None:
        """The reply answering a similar proposal, found by its number (and session) through search."""
        session, number = proposal_key(self.assistant.document_text(doc.doc_id))
        if not number:
            return None
        for hit in self.assistant.search(f"第{number}号提案的答复", k=6, filters=with_genres(self.filters, ("reply",)),
                                         per_doc=1):
            their_session, their_number = proposal_key(hit.title + "\n" + hit.text)
            if their_number == number and (session is None or their_session in (None, session)):
                return hit
        return None

    def precedents(self, similar: list[SimilarDoc], limit: int = 4) -> tuple[list[Paragraph], list[SearchHit]]:
        paragraphs, replies = [], []
        for doc in [d for d in similar if d.genre in ("proposal", "social_report")][:limit]:
            own = next((h for h in self.assistant.search(doc.title, k=4, filters=with_genres(self.filters, (doc.genre,)),
                                                        per_doc=2) if h.doc_id == doc.doc_id), None)
            if own is None:
                continue
            year = f"{doc.year}年" if doc.year else ""
            text = f"《{doc.title}》（{year}{'，疑似重复' if doc.verdict == 'likely_duplicate' else ''}）[{self.citations.number(own)}]"
            reply = self.reply_to(doc) if doc.genre == "proposal" else None
            if reply is not None:
                replies.append(reply)
                grade = _GRADE.search(self.assistant.document_text(reply.doc_id)[:600])
                who = reply.issuer or "承办单位"
                answer = next((s for s in sentences(reply.text, 8) if re.search(r"已|将", s) and not _PROCEDURAL.search(s)), "")
                text += f"：{who}答复" + (f"（{reply.doc_number}）" if reply.doc_number else "")
                text += f"，{grade.group(1).strip()}" if grade else ""
                if answer:
                    text += "。" + _FIRST_PERSON.sub(who, strip_item_prefix(answer)).rstrip("。") + "。"
                text += f"[{self.citations.number(reply)}]"
            else:
                text += "：未检索到办理答复。"
            paragraphs.append(Paragraph(text))
        return paragraphs or [Paragraph("未检索到相同主题的以往提案。", (), "template")], replies

    def departments(self, replies: list[SearchHit]) -> tuple[list[Department], list[Paragraph]]:
        unique = list({h.doc_id: h for h in replies}.values())
        found = suggest_departments([(h.doc_id, h.issuer, self.assistant.document_text(h.doc_id)) for h in unique])
        if not found:
            return [], [Paragraph("【请填写建议承办单位】", (), "placeholder")]
        by_doc = {h.doc_id: h for h in unique}
        numbers = sorted({self.citations.number(by_doc[d]) for dep in found for d in dep.evidence if d in by_doc})
        text = "、".join(d.name for d in found) + "".join(f"[{n}]" for n in numbers)
        return found, [Paragraph(text, tuple(numbers))]

    def build(self) -> Draft:
        if not self.topic:
            raise ValueError("请输入起草主题")
        ev = self.gather()
        similar = find_similar(self.assistant, self.topic, self.filters)
        precedent_paragraphs, linked_replies = self.precedents(similar)
        departments, department_paragraphs = self.departments(linked_replies + ev.replies)
        fields = tuple((f.name, self.request.sector if f.name == "界别" and self.request.sector else
                        self.request.proposer if f.name in ("提案人", "反映人") and self.request.proposer else f.placeholder)
                       for f in self.fmt.fields)
        title = self.fmt.make_title(self.topic)
        sections = []
        for spec in self.fmt.sections:
            paragraphs = self._fill(spec, ev, title, precedent_paragraphs, department_paragraphs)
            sections.append(Section(spec.name, spec.role, tuple(_with_citations(p) for p in paragraphs),
                                    spec.reference, spec.numbered))
        return Draft(self.fmt.kind, self.fmt.label, title, fields, tuple(sections), tuple(self.citations.sources),
                     tuple(similar), tuple(departments))

    def _fill(self, spec: SectionSpec, ev: _Evidence, title: str, precedents: list[Paragraph],
              departments: list[Paragraph]) -> list[Paragraph]:
        role = spec.role
        if role == "title_echo":
            return [Paragraph(title if self.fmt.kind == "proposal" else self.topic, (), "template")]
        if role == "status":
            return self.status(ev)
        if role == "problems":
            status = self.status(ev) if self.fmt.section("status") is None else []
            heading = [Paragraph(spec.intro, (), "template")] if spec.intro and status else []
            return status + heading + (self.problems(ev) or [Paragraph(f"{PLACEHOLDER}（存在的主要问题）", (), "placeholder")])
        if role == "views":
            return self.views(ev)
        if role == "consensus":
            return self.consensus(ev)
        if role == "suggestions":
            return self.suggestions(ev)
        if role == "basis":
            return self.basis(ev)
        if role == "precedents":
            return precedents
        if role == "departments":
            return departments
        if role == "signature":
            return [Paragraph(self.request.proposer or "【请填写反映人姓名、单位和联系方式】", (),
                              "member" if self.request.proposer else "placeholder")]
        return []


_MARKER = re.compile(r"\[(\d+)\]")


def _with_citations(paragraph: Paragraph) -> Paragraph:
    """The paragraph with ``citations`` listing exactly the markers in its text."""
    numbers = tuple(dict.fromkeys(int(n) for n in _MARKER.findall(paragraph.text)))
    return replace(paragraph, citations=numbers)


def build_draft(assistant: Assistant, request: DraftRequest, filters: SearchFilters | None = None) -> Draft:
    """An extractive draft; see ``model_draft`` for the generative rewrite."""
    return DraftBuilder(assistant, request, filters).build()


# -- model mode --------------------------------------------------------------------------------

REWRITE_ROLES = ("status", "problems", "views", "consensus", "suggestions")
_SECTION_HEADING = re.compile(r"^\s*#{1,4}\s*(.+?)\s*$", re.M)
_NUMBERED = re.compile(rf"^[{_CN_NUMBERS}]+是")


def parse_model_sections(reply: str) -> dict[str, str]:
    """``## 名称`` blocks of a model reply: {name: body}."""
    parts = _SECTION_HEADING.split(reply)
    return {name.strip(): body.strip() for name, body in zip(parts[1::2], parts[2::2])}


def _model_paragraphs(body: str, source_count: int) -> list[Paragraph]:
    from .citations import verify

    paragraphs = []
    for line in body.splitlines():
        line = line.strip()
        if not line:
            continue
        if "【" in line and not _MARKER.search(line):
            paragraphs.append(Paragraph(line, (), "placeholder"))
            continue
        checked = verify(line, source_count)
        paragraphs.append(Paragraph(checked.text, checked.cited, "cited"))
    return paragraphs


def model_draft(draft: Draft, settings) -> Draft:
    """Rewrite the prose sections of an extractive draft with the configured model.

    The model sees the same numbered sources; its markers are checked with the chat's verifier
    (markers to nowhere removed, unsourced sentences labelled). A section the model leaves out,
    or a suggestions section without enough numbered items, keeps its extractive text; if the
    model is unavailable the extractive draft is returned with a notice.
    """
    from .llm import ChatModel, Message, ModelUnavailable, fill, load_prompt, source_block

    sections = [s for s in draft.sections if s.role in REWRITE_ROLES]
    if not sections or not draft.sources:
        return draft
    evidence = "\n\n".join(source_block(s.n, f"《{s.title}》{(' ' + s.heading) if s.heading else ''}", s.text)
                             for s in draft.sources)
    outline = "\n\n".join(f"## {s.name}\n" + "\n".join(p.text for p in s.paragraphs) for s in sections)
    try:
        system = fill(load_prompt(settings, "draft_system.md"), label=draft.label)
        user = fill(load_prompt(settings, "draft_user.md"), title=draft.title, evidence=evidence, outline=outline)
        reply = ChatModel(settings).complete([Message("system", system), Message("user", user)])
    except (ModelUnavailable, FileNotFoundError) as exc:
        return replace(draft, notice=f"生成模型暂不可用（{exc}），以下为摘录式草稿。")
    written = parse_model_sections(reply)
    rewritten = []
    for section in draft.sections:
        body = written.get(section.name)
        paragraphs = _model_paragraphs(body, len(draft.sources)) if body and section.role in REWRITE_ROLES else []
        if section.role == "suggestions":
            numbered = [p for p in paragraphs if _NUMBERED.match(p.text)]
            if len(numbered) < len([p for p in section.paragraphs if p.kind != "placeholder"]) or len(numbered) < 3:
                paragraphs = []
        rewritten.append(replace(section, paragraphs=tuple(paragraphs)) if paragraphs else section)
    return replace(draft, sections=tuple(rewritten), mode="model")
