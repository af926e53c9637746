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

from assistant.drafting.departments import Department, department_key, implied_departments, short_name, suggest_departments
from assistant.drafting.formats import Format, SectionSpec, load_format
from assistant.models import GENRE_LABELS, SearchFilters, SearchHit, Source
from assistant.numerals import cn_number
from assistant.drafting.sentence_roles import (DONE, PENDING, PLANNED, PROBLEM, PROVISION, REQUEST, STATUS, attribute_fieldwork,
                             classify, document_sentences, is_fieldwork, restatement, RESTATES)
from assistant.drafting.similar import SimilarDoc, corpus_idf, find_similar, with_genres
from assistant.retrieval.textsim import HEADER_LINE, bigrams, dice, sentences, weighted_containment

if TYPE_CHECKING:
    from assistant.service import Assistant

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
REQUEST_GENRES = ("proposal", "social_report", "consultation", "speech")  # where suggestions come from
BASIS_GENRES = ("policy", "law")
INVALID_STATUSES = ("已废止", "已失效")  # never cited as 政策依据
COVERAGE_GENRES = (("proposal", "以往提案"), ("reply", "办理答复"), ("policy", "政策文件"), ("social_report", "社情民意信息"))
_ACTOR = re.compile(r"(?:市|区|县|省|国家)[\u4e00-\u9fff]{1,14}?(?:局|委员会|委|办公室|办|中心|厅|院|政府|分行|总工会|联合会)"
                    r"|各(?:区|县)|街道|乡镇|社区|政府|部门|平台企业|企业|金融机构|银行|学校|医院|物业|单位|机构|市政协")


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
    coverage: str = ""  # what the library holds on the topic, shown at the top of every draft
    coverage_counts: tuple[tuple[str, int], ...] = ()  # (genre, documents found)
    reported: tuple[str, ...] = ()  # measures the sources report as done: never a suggestion (model mode too)

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def suggestions(self) -> list[Paragraph]:
        return [p for s in self.sections if s.role == "suggestions" for p in s.paragraphs]

    def to_json(self) -> dict:
        return {
            "kind": self.kind, "label": self.label, "title": self.title, "mode": self.mode, "notice": self.notice,
            "coverage": self.coverage, "coverage_counts": dict(self.coverage_counts),
            "fields": [{"name": n, "value": v} for n, v in self.fields],
            "sections": [s.to_json() for s in self.sections],
            "sources": [s.to_json("year") for s in self.sources],
            "similar": [d.to_json() for d in self.similar],
            "departments": [d.to_json() for d in self.departments],
        }


# -- pure text helpers ---------------------------------------------------------------------

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
    return f"{full_sentence(sentence)}[{n}]"


_NOT_SUBJECT = frozenset("推进 推动 发展 破解 加强 完善 提升 促进 优化 规范 建设 服务 解决 问题 做好 深化 加快 提高 支持 保障 防控 "
                         "治理 管理 工作 关于 建议 提案 有效 进一步 切实 全面 持续 我市 本市 全市 "
                         "扩容 提质 增效 提速 扩面 升级 改善 强化 扩大 增强 健全 落实 助力 赋能 高质量".split())


def subject_terms(topic: str) -> list[str]:
    """The words that name a topic's subject, in topic order: "推进老旧小区加装电梯" → ["老旧小区", "加装电梯"]."""
    from assistant.index.tokenize import query_terms

    terms = [w for w in query_terms(topic) if w not in _NOT_SUBJECT] or query_terms(topic)
    terms = [re.sub(r"(?<=..)难$", "", w) for w in terms]  # 停车难 → 停车: the subject, not the complaint
    terms = [w for w in terms if not any(w != other and w in other for other in terms)]  # 停车 inside 停车难
    return sorted(terms, key=topic.find)


def covers_subject(terms: list[str], text: str, unseen: frozenset[str] = frozenset()) -> bool:
    """True when ``text`` names all the topic's subject words, or its head word (the last: 加装电梯 of
    老旧小区加装电梯) and half the others — unless a word it lacks is one the library never uses (低空 of
    低空经济: then 经济 alone is another subject). A word counts as named when at least half its character
    pairs are there (老城区 ≈ 老城片区)."""
    if not terms:
        return False
    grams = bigrams(text)
    found = [t for t in terms if t in text or (len(t) >= 3 and 2 * len(bigrams(t) & grams) >= len(bigrams(t)))]
    if len(found) == len(terms):
        return True
    if terms[-1] not in found or 2 * len(found) < len(terms):
        return False
    return not any(t in unseen for t in terms if t not in found)


def full_sentence(sentence: str) -> str:
    """A sentence ending in 。 (a trailing ；，、： or none becomes 。)."""
    sentence = sentence.strip()
    if not re.search(r"[。！？]$", sentence):
        sentence = sentence.rstrip("；;，,、：: ") + "。"
    return sentence


def has_actor(sentence: str) -> bool:
    """True when a suggestion names who should act (市…局, 街道, 平台企业 …) near its start."""
    return bool(_ACTOR.search(strip_item_prefix(sentence)[:30]))


def with_actor(sentence: str, actor: str) -> str:
    """"将加装电梯与…统筹推进。" → "由市住房城乡建设局牵头，将加装电梯与…统筹推进。" when no actor is named."""
    body = strip_item_prefix(sentence)
    if has_actor(body) or not actor:
        return body
    body = re.sub(r"^建议(?:由)?", "", body)
    return f"由{actor}牵头，{body}"


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
    """Numbers sources in order of first citation: one entry per document, holding every passage cited."""

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self._by_doc: dict[str, int] = {}
        self._chunks: dict[str, set[str]] = {}

    def number(self, hit: SearchHit) -> int:
        n = self._by_doc.get(hit.doc_id)
        if n is None:
            n = self._by_doc[hit.doc_id] = len(self.sources) + 1
            self.sources.append(Source.from_hit(n, hit))
            self._chunks[hit.doc_id] = {hit.chunk_id}
        elif hit.chunk_id not in self._chunks[hit.doc_id]:
            self._chunks[hit.doc_id].add(hit.chunk_id)
            source = self.sources[n - 1]
            if hit.text not in source.text:
                self.sources[n - 1] = replace(source, text=f"{source.text}\n……\n{hit.text}", heading="")
        return n


@dataclass
class _Pick:
    text: str
    hit: SearchHit
    score: float
    line: str = ""  # the whole item line the sentence comes from


@dataclass
class _Evidence:
    problems: list[SearchHit] = field(default_factory=list)
    measures: list[SearchHit] = field(default_factory=list)
    basis: list[SearchHit] = field(default_factory=list)
    consultations: list[SearchHit] = field(default_factory=list)
    replies: list[SearchHit] = field(default_factory=list)


@dataclass(frozen=True)
class _Reported:
    """A measure a source reports as taken, under way, committed or in force (or under study: pending)."""

    text: str  # the sentence
    unit: str  # the sentence with its sub-section heading and sibling measures: what a request is compared with
    role: str
    hit: SearchHit  # the document's hit (any passage); the citing passage is looked up when cited


_OWN_COMMITMENT = re.compile(r"^(?:市政协|区政协|本会|我们|我会)(?:将|要|会)")
_DONE_CUE = re.compile(r"已|了|累计|截至|试点|正在|目前")
_PENDING_SUBJECT = re.compile(r"^关于([^，,。]{2,20})[，,]")
_ORGAN_ONLY = re.compile(r"^[\u4e00-\u9fff（）()]{2,40}(?:局|委员会|委|办公室|政府|中心|厅|院|公司)$")
_SIGNOFF = re.compile(r"感谢|联系人|联系电话|此件|欢迎继续|委员：$|收悉|答复如下")


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
        self.reported: list[_Reported] = []
        self.dropped: list[tuple[str, _Reported]] = []  # requests left out because a source reports them as done
        self.actor = ""  # the lead department, named in suggestions that lack an actor
        self._texts: dict[str, str] = {}
        self.subject = subject_terms(self.topic)
        top = max(self.idf.values(), default=0.0)
        self.unseen = frozenset(t for t in self.subject if all(self.idf.get(g, top) >= top - 1e-9 for g in bigrams(t)))
        self._on_subject: dict[str, bool] = {}

    # searches
    def _search(self, query: str, genres: tuple[str, ...], k: int = 12, per_doc: int | None = 3,
                gate: float = 0.45) -> list[SearchHit]:
        """Hits of one query, keeping those that contain enough of the topic (IDF-weighted)."""
        hits = self.assistant.search(query, k=k, filters=with_genres(self.filters, genres), per_doc=per_doc)
        return [h for h in hits if self.relevance(h.title + h.heading + h.text) >= gate]

    def relevance(self, text: str) -> float:
        return weighted_containment(self.topic_grams, bigrams(text), self.idf)

    def text_of(self, doc_id: str) -> str:
        if doc_id not in self._texts:
            self._texts[doc_id] = self.assistant.document_text(doc_id)
        return self._texts[doc_id]

    def on_subject(self, hit: SearchHit) -> bool:
        """The hit's document is about the topic: it names most of the topic's subject words (加装电梯, 老旧小区)."""
        if hit.doc_id not in self._on_subject:
            self._on_subject[hit.doc_id] = covers_subject(self.subject, hit.title + "\n" + self.text_of(hit.doc_id),
                                                          self.unseen)
        return self._on_subject[hit.doc_id]

    def gather(self) -> _Evidence:
        region = f"{self.request.region} " if self.request.region else ""
        topic = f"{region}{self.topic}"
        basis = [h for h in self._search(f"{topic} 政策 办法 实施方案", BASIS_GENRES, k=8, per_doc=1, gate=0.0)
                 if h.status not in INVALID_STATUSES and self.on_subject(h)]
        return _Evidence(
            problems=self._search(f"{topic} 存在问题 现状 困难", PROBLEM_GENRES),
            measures=self._search(f"{topic} 建议 措施 下一步", REQUEST_GENRES),
            basis=basis,
            consultations=self._search(f"{topic} 协商 意见 共识", ("consultation",), k=8),
            replies=self._search(f"{topic} 提案 答复 办理", ("reply",), k=8, per_doc=1),
        )

    # what the sources report as done
    def collect_reported(self, replies: list[SearchHit], basis: list[SearchHit]) -> None:
        """Every measure the relevant replies and policies report (whole documents, not only the passages found)."""
        seen: set[str] = set()
        for hit in replies + basis:
            if hit.doc_id in seen:
                continue
            seen.add(hit.doc_id)
            roled = [r for r in document_sentences(self.assistant.document_text(hit.doc_id), hit.genre, min_cjk=10)
                     if not _SIGNOFF.search(r.text) and not _PROCEDURAL.search(r.text) and not _ORGAN_ONLY.match(r.text)]
            groups: dict[str, list] = {}
            for r in roled:
                groups.setdefault(r.heading, []).append(r)
            for heading, members in groups.items():
                kept = [r for r in members if r.role in (DONE, PLANNED, PROVISION)]
                # a reply's sub-section ("（四）关于开发专项信贷产品") answers one request: compare with all of it
                unit = heading.split(" > ")[-1] + "。" + "".join(r.text for r in kept) if hit.genre == "reply" and kept else ""
                for r in members:
                    if r.role in (DONE, PLANNED, PROVISION, PENDING):
                        self.reported.append(_Reported(r.text, (unit or r.text) if r.role != PENDING else r.text,
                                                       r.role, hit))

    def policy_in_force(self, request: str, basis: list[SearchHit]) -> _Reported | None:
        """A request to issue (出台/制定/印发) a policy that the library holds as issued."""
        if not re.search(r"出台|制定|印发|尽快", request):
            return None
        for hit in basis:
            name = policy_name(hit.title)
            core = re.sub(r"^[\u4e00-\u9fff]{2,3}市", "", name)
            grams = bigrams(core)
            if grams and len(grams & bigrams(request)) >= 0.7 * len(grams):
                return _Reported(f"《{name}》已印发施行", name, PROVISION, hit)
        return None

    def done_measures(self) -> list[str]:
        return [r.unit for r in self.reported if r.role in (DONE, PLANNED, PROVISION)]

    def already_reported(self, request: str) -> _Reported | None:
        """The reported measure that covers ``request``, if any (compared sentence by sentence and by sub-section)."""
        measures = [r for r in self.reported if r.role in (DONE, PLANNED, PROVISION)]
        best = restatement(request, [m.unit for m in measures] + [m.text for m in measures], self.topic)
        if best.score < RESTATES:
            return None
        members = [m for m in measures if best.measure in (m.unit, m.text)]
        # the sentence of the matched sub-section that says most about the request, a done one first
        return max(members, key=lambda m: (m.role == DONE and bool(_DONE_CUE.search(m.text)),
                                            restatement(request, [m.text], self.topic).score))

    def full_line(self, hit: SearchHit, sentence: str) -> str:
        """The whole line (numbered item) of ``hit``'s document that holds ``sentence``: a chunk may start mid-item."""
        text = self.text_of(hit.doc_id)
        at = text.find(sentence[:20])
        if at < 0:
            return sentence
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        return text[start : end if end >= 0 else len(text)]

    def whole_documents(self, hits: list[SearchHit]) -> list[SearchHit]:
        """Every passage of the on-subject documents among ``hits`` (best-ranked documents first)."""
        found, seen = [], set()
        for hit in hits:
            if hit.doc_id in seen or hit.genre not in REQUEST_GENRES or not self.on_subject(hit):
                continue
            seen.add(hit.doc_id)
            found += [replace(hit, chunk_id=c.chunk_id, text=c.text, heading=c.heading, page=c.page, start=c.start,
                              end=c.end) for c in self.assistant.document_chunks(hit.doc_id)]
        return found

    def passage_hit(self, hit: SearchHit, sentence: str) -> SearchHit:
        """The hit of the passage of ``hit``'s document that holds ``sentence`` (for citing it)."""
        if sentence[:15] in hit.text:
            return hit
        for chunk in self.assistant.document_chunks(hit.doc_id):
            if sentence[:15] in chunk.text:
                return replace(hit, chunk_id=chunk.chunk_id, text=chunk.text, heading=chunk.heading, page=chunk.page,
                               start=chunk.start, end=chunk.end)
        return hit

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
                    picks.append(_Pick(sentence, hit, score, line))
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

    def _own_words(self, pick: _Pick) -> str:
        """A problem or status sentence as the draft may state it: others' fieldwork attributed, never as the member's."""
        text = strip_item_prefix(pick.text)
        return attribute_fieldwork(text, pick.hit.genre) if is_fieldwork(text) else text

    def status(self, ev: _Evidence, limit: int = 2) -> list[Paragraph]:
        picks = self._candidates(ev.problems + ev.measures, lambda s, h: h.genre != "policy"
                                 and classify(s, h.genre, h.heading) in (STATUS, PROBLEM)
                                 and bool(_STATUS_CUES.search(strip_item_prefix(s)))
                                 and not _FIRST_PERSON.search(s) and "建议" not in s)
        chosen = self._take(picks, limit)
        paragraphs = []
        if chosen:
            paragraphs.append(Paragraph("".join(cite(self._own_words(p), self.citations.number(p.hit)) for p in chosen)))
        paragraphs += self.work_done()
        where = self.request.region or "本地"
        paragraphs.append(Paragraph(f"{PLACEHOLDER}（{where}的现状数据、调研情况和典型案例，请委员补充）", (), "placeholder"))
        if self.request.notes.strip():
            paragraphs.append(Paragraph(f"委员调研：{self.request.notes.strip()}", (), "member"))
        return paragraphs

    def work_done(self, limit: int = 3) -> list[Paragraph]:
        """已有工作: measures the sources report as taken or under way, cited — context, not suggestions."""
        chosen: list[_Reported] = []
        for _, reported in self.dropped:  # first what the drafts' precedents asked for and got
            if all(reported.text != c.text for c in chosen):
                chosen.append(reported)
        ranked = sorted((r for r in self.reported if r.role == DONE and _STATUS_CUES.search(r.text)),
                        key=lambda r: -self.relevance(r.text))
        for reported in ranked:
            if len(chosen) >= limit:
                break
            if all(reported.text != c.text for c in chosen) and self.relevance(reported.text) >= 0.3:
                chosen.append(reported)
        pieces = []
        for reported in chosen[:limit]:
            if reported.role == PROVISION and reported.text.endswith("已印发施行"):
                details = "，".join(x for x in (reported.hit.doc_number, reported.hit.date) if x)
                pieces.append(cite(reported.text + (f"（{details}）" if details else ""),
                                   self.citations.number(reported.hit)))
                continue
            hit = self.passage_hit(reported.hit, reported.text)
            who = short_name(hit.issuer) if hit.issuer else "承办单位"
            text = _FIRST_PERSON.sub(who, strip_item_prefix(reported.text))
            text = re.sub(r"^(?:我们将|我们|下一步[，,]?)", "下一步将" if reported.role == PLANNED else "", text)
            text = re.sub(r"^(?:同时|此外|另外|并且|并|还)[，,]?", "", text)
            if hit.genre == "policy":
                text = f"《{policy_name(hit.title)}》规定，{text}"
            elif not text.startswith(who):
                text = f"据{who}答复，{text}"
            pieces.append(cite(text, self.citations.number(hit)))
        return [Paragraph("已有工作：" + "".join(pieces))] if pieces else []

    def problems(self, ev: _Evidence, limit: int = 4) -> list[Paragraph]:
        def accept(sentence: str, hit: SearchHit) -> bool:
            body = strip_item_prefix(sentence)
            last_heading = hit.heading.split(" > ")[-1] if hit.heading else ""
            return (hit.genre != "reply" and "建议" not in sentence and bool(_PROBLEM_CUES.search(sentence))
                    and classify(sentence, hit.genre, hit.heading) in (PROBLEM, STATUS)
                    and len(re.findall(r"[\u4e00-\u9fff]", body)) >= 14  # a bare heading is no problem statement
                    and dice(bigrams(body), bigrams(last_heading)) < 0.7
                    and (bool(_PROBLEM_HEADINGS.search(hit.heading)) or hit.genre == "social_report"
                         or not _SUGGESTION_HEADINGS.search(hit.heading)))

        chosen = self._take(self._candidates(ev.problems, accept), limit)
        return [Paragraph(f"（{cn_number(i)}）" + cite(self._own_words(p), self.citations.number(p.hit)))
                for i, p in enumerate(chosen, start=1)]

    def suggestions(self, ev: _Evidence, limit: int = 5) -> list[Paragraph]:
        def accept(sentence: str, hit: SearchHit) -> bool:
            body = strip_item_prefix(sentence)
            if (not _MEASURE_CUES.search(sentence) or _PROBLEM_CUES.search(sentence[:12])
                    or len(re.findall(r"[\u4e00-\u9fff]", body)) < 12 or is_fieldwork(body)):
                return False  # a problem statement, a bare heading such as "加强智慧执法。", or someone's fieldwork
            return classify(sentence, hit.genre, hit.heading) == REQUEST and (
                bool(_SUGGESTION_HEADINGS.search(hit.heading)) or body.startswith("建议"))

        picks = []
        for pick in self._candidates(self.whole_documents(ev.measures + ev.problems + ev.consultations), accept):
            line = self.full_line(pick.hit, pick.text)
            if not self.on_subject(pick.hit) or _OWN_COMMITMENT.match(strip_item_prefix(pick.text)):
                continue  # a suggestion of a document on a neighbouring subject, or 市政协's own commitment
            covered = (self.already_reported(line) or self.already_reported(pick.text)
                       or self.policy_in_force(pick.text, ev.basis))
            if covered is not None:  # a source reports it as done: context, never a suggestion
                self.dropped.append((pick.text, covered))
                continue
            text = re.sub(r"^(?:我们将|我们|下一步[，,]?|同时[，,]?)", "", strip_item_prefix(pick.text))
            picks.append(_Pick(text, pick.hit, pick.score + (0.1 if pick.hit.genre == "proposal" else 0), pick.line))
        picks.sort(key=lambda p: -p.score)
        follow_ups = self.follow_ups(2)  # going further than a reply went comes first: it is the gap
        chosen = self._take(picks, limit - len(follow_ups))
        if not self.actor:  # nobody answered: the department most of the suggestions' subjects imply
            implied = implied_departments([p.text for p in chosen])
            self.actor = implied[0] if implied else "市政府有关部门"
        bodies = [cite(with_actor(p.text, self._actor_for(p.text)), self.citations.number(p.hit)) for p in chosen]
        bodies += follow_ups
        items = [Paragraph(f"{cn_number(i)}是" + body) for i, body in enumerate(bodies, start=1)]
        while len(items) < self.fmt.min_suggestions:
            items.append(Paragraph(f"{cn_number(len(items) + 1)}是【请补充具体建议：措施、责任主体和时限】", (), "placeholder"))
        return items

    def follow_ups(self, limit: int) -> list[str]:
        """Going further than a department went: what a reply leaves under study becomes a concrete request."""
        found = []
        for reported in self.reported:
            if len(found) >= limit:
                break
            if reported.role != PENDING or reported.hit.genre != "reply":
                continue
            subject = _PENDING_SUBJECT.match(strip_item_prefix(reported.text))
            if not subject:
                continue
            hit = self.passage_hit(reported.hit, reported.text)
            who = short_name(hit.issuer) if hit.issuer else "承办单位"
            partner = re.search(r"会同(市[\u4e00-\u9fff]{1,12}?(?:局|委|中心))", reported.text)
            actor = partner.group(1) if partner else who
            text = (f"由{actor}会同{who}就{subject.group(1)}尽快拿出具体办法，明确标准、资金来源和时限"
                    f"（{who}答复称此事尚在研究）")
            if self._fresh(text):
                found.append(cite(text, self.citations.number(hit)))
        return found

    def _actor_for(self, text: str) -> str:
        implied = implied_departments([text])
        return implied[0] if implied else self.actor

    def views(self, ev: _Evidence, limit: int = 4) -> list[Paragraph]:
        speakers = {"consultation": "协商会上有意见提出", "proposal": "有委员在提案中提出", "social_report": "有社情民意信息反映"}
        picks = self._candidates(ev.consultations + ev.problems + ev.replies,
                                 lambda s, h: "共识" not in s + h.heading and "建议" not in h.heading)
        paragraphs = []
        for pick in self._take(picks, limit):
            who = (f"{pick.hit.issuer}在答复中表示" if pick.hit.genre == "reply" and pick.hit.issuer
                   else speakers.get(pick.hit.genre, "有意见认为"))
            text = _FIRST_PERSON.sub("本部门", strip_item_prefix(pick.text))
            text = re.sub(r"笔者|本人", "发言人", text)
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
            if relevance[hit.chunk_id] < 0.75 * best or hit.status in INVALID_STATUSES:
                continue
            if hit.doc_id in seen or len(paragraphs) >= limit:
                continue
            seen.add(hit.doc_id)
            details = "，".join(x for x in (hit.doc_number, f"{hit.year}年" if hit.year else None, hit.status) if x)
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
                text += f"：{who}答复" + (f"（{reply.doc_number}）" if reply.doc_number else "")
                text += f"，{grade.group(1).strip()}" if grade else ""
                text += f"[{self.citations.number(reply)}]。"
            else:
                text += "：未检索到办理答复。"
            paragraphs.append(Paragraph(text))
        return paragraphs or [Paragraph("未检索到相同主题的以往提案。", (), "template")], replies

    def departments(self, replies: list[SearchHit], suggestions: list[Paragraph]) -> tuple[list[Department], list[Paragraph]]:
        """Plain department names: who answered similar proposals, then who the suggestions' subjects imply."""
        unique = list({h.doc_id: h for h in replies}.values())
        found = suggest_departments([(h.doc_id, h.issuer, self.assistant.document_text(h.doc_id)) for h in unique])
        keys = {department_key(d.name) for d in found}
        for name in implied_departments([p.text for p in suggestions if p.kind != "placeholder"]):
            if department_key(name) not in keys and len(found) < 5:
                keys.add(department_key(name))
                found.append(Department(name, (), "会办"))
        if not found:
            return [], [Paragraph("【请填写建议承办单位】", (), "placeholder")]
        return found, [Paragraph("、".join(short_name(d.name) for d in found), (), "template")]

    def coverage(self, ev: _Evidence, similar: list[SimilarDoc], replies: list[SearchHit]) -> tuple[str, dict[str, int]]:
        """How many documents of each genre the library holds on the topic, and what is missing."""
        docs: dict[str, str] = {}
        for hit in ev.problems + ev.measures + ev.basis + ev.consultations + ev.replies:
            if self.on_subject(hit):
                docs[hit.doc_id] = hit.genre
        for hit in replies:
            if self.on_subject(hit):
                docs[hit.doc_id] = hit.genre
        counts: dict[str, int] = {}
        for genre in docs.values():
            genre = "policy" if genre == "law" else genre
            counts[genre] = counts.get(genre, 0) + 1
        if not counts:
            return (f"文库覆盖：未找到与“{self.topic}”直接相关的提案、答复、政策文件或社情民意信息，"
                    "以下仅为格式框架，请委员自行补充情况、问题、建议和政策依据。"), counts
        found = [f"{label}{counts[g]}件" for g, label in COVERAGE_GENRES if counts.get(g)]
        found += [f"{GENRE_LABELS[g]}{n}件" for g, n in counts.items() if g not in dict(COVERAGE_GENRES)]
        missing = [label for g, label in COVERAGE_GENRES if not counts.get(g)]
        text = "文库覆盖：找到相关" + "、".join(found) + "。"
        if missing:
            text += "未找到相关" + "、".join(missing) + "，相应内容请委员补充。"
        return text, counts

    def build(self) -> Draft:
        if not self.topic:
            raise ValueError("请输入起草主题")
        ev = self.gather()
        similar = find_similar(self.assistant, self.topic, self.filters)
        precedent_paragraphs, linked_replies = self.precedents(similar)
        self.collect_reported(linked_replies + ev.replies, ev.basis)
        learned = suggest_departments([(h.doc_id, h.issuer, "") for h in linked_replies + ev.replies])
        self.actor = short_name(learned[0].name) if learned else ""
        fields = tuple((f.name, self.request.sector if f.name == "界别" and self.request.sector else
                        self.request.proposer if f.name in ("提案人", "反映人") and self.request.proposer else f.placeholder)
                       for f in self.fmt.fields)
        title = self.fmt.make_title(self.topic)
        # suggestions first: what they leave out as already done is reported in 情况分析
        filled = {spec.role: self.suggestions(ev) for spec in self.fmt.sections if spec.role == "suggestions"}
        departments, department_paragraphs = self.departments(linked_replies + ev.replies, filled.get("suggestions", []))
        sections = []
        for spec in self.fmt.sections:
            paragraphs = filled.get(spec.role) or self._fill(spec, ev, title, precedent_paragraphs, department_paragraphs)
            sections.append(Section(spec.name, spec.role, tuple(_with_citations(p) for p in paragraphs),
                                    spec.reference, spec.numbered))
        sections = _renumber(sections, self.citations.sources)
        coverage, counts = self.coverage(ev, similar, linked_replies)
        return Draft(self.fmt.kind, self.fmt.label, title, fields, tuple(sections), tuple(self.citations.sources),
                     tuple(similar), tuple(departments), coverage=coverage, coverage_counts=tuple(counts.items()),
                     reported=tuple(dict.fromkeys(self.done_measures())))

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
            return self.work_done() + self.views(ev)
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


def _renumber(sections: list[Section], sources: list[Source]) -> list[Section]:
    """Number the sources in reading order (suggestions are built first, so their numbers come first)."""
    order: dict[int, int] = {}
    for section in sorted(sections, key=lambda s: s.reference):  # the submitted text first, then the drafting aids
        for paragraph in section.paragraphs:
            for n in paragraph.citations:
                order.setdefault(n, len(order) + 1)
    for source in sources:
        order.setdefault(source.n, len(order) + 1)
    renumbered = [replace(s, paragraphs=tuple(
        _with_citations(replace(p, text=_MARKER.sub(lambda m: f"[{order[int(m.group(1))]}]", p.text))) for p in s.paragraphs))
        for s in sections]
    sources[:] = sorted((replace(s, n=order[s.n]) for s in sources), key=lambda s: s.n)
    return renumbered


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
    from assistant.answers.citations import verify

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
    from assistant.answers.llm import ChatModel, Message, ModelUnavailable, fill, load_prompt, source_block

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
            # the same rule as the extractive draft: nothing a source reports as done is proposed again
            paragraphs = [p for p in paragraphs if p.kind == "placeholder"
                          or not restatement(p.text, draft.reported, draft.title).score >= RESTATES]
            paragraphs = [replace(p, text=f"{cn_number(i)}是" + _NUMBERED.sub("", p.text, count=1))
                          for i, p in enumerate(paragraphs, start=1)]
            numbered = [p for p in paragraphs if _NUMBERED.match(p.text)]
            if len(numbered) < len([p for p in section.paragraphs if p.kind != "placeholder"]) or len(numbered) < 3:
                paragraphs = []
        rewritten.append(replace(section, paragraphs=tuple(paragraphs)) if paragraphs else section)
    return replace(draft, sections=tuple(rewritten), mode="model")
