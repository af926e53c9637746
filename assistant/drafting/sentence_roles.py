"""What a source sentence is: a problem, a measure already taken or under way, or a request.

Drafting uses precedent as evidence and proposes only the gap: a reply's 已/正在 statements and its
下一步 commitments, and the provisions of a policy in force, are *reported measures* — they belong in
情况分析 as cited context, never in 建议. A proposal's or report's suggestion is a *request*; it may be
proposed again only when no source reports it as done. Pure functions, no index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.retrieval.textsim import GENERIC_GRAMS, GENERIC_WORDS, bigrams, dice, sentences

PROBLEM = "problem"
STATUS = "status"
DONE = "done"  # a measure taken or under way (已/正在/试点/累计…)
PLANNED = "planned"  # a department's commitment (下一步/我们将…)
PENDING = "pending"  # under study: not done (研究/探索/条件成熟时)
PROVISION = "provision"  # a policy or law provision in force
REQUEST = "request"  # a proposal's or report's suggestion
OTHER = "other"
REPORTED = (DONE, PLANNED, PROVISION)  # what a draft must not ask for again

_CN = "一二三四五六七八九十"
_ITEM = re.compile(rf"^\s*(?:[{_CN}]+是|[（(][{_CN}\d]+[）)]|[{_CN}]+[、．.]|\d{{1,2}}[.．、]|第[{_CN}]+[，,、]|其[{_CN}]+[，,、]?)\s*")
_HEADING_LINE = re.compile(rf"^\s*(?:[{_CN}]+、|[（(][{_CN}]+[）)]|第[{_CN}]+[章节部分])\s*[^。；]{{1,24}}。?$")
_DONE = re.compile(r"已(?:经|于|在|将|由|全面|基本|累计|建成|出台|推出|完成|实现|开通|上线|试点|修订|印发|制定|建立|开展|纳入|覆盖|形成)?"
                   r"|先后|累计|截至|正在|目前[^，。]{0,12}(?:已|正)|试点"
                   r"|(?:起草|编制|汇编|印发|组建|修订|制定|出台|建立|开展|推出|完成|实现|召开|设立)了")
_PLANNED = re.compile(r"下一步|我们将|预计|我[局委办厅]将|将(?:进一步|继续|加快|推动|会同|及时|在全市|适时|着力|持续|把|以)|拟于|计划于")
_PENDING = re.compile(r"(?:进一步|深入|认真|抓紧|积极)研究(?!制定|出台|起草)|研究论证|条件成熟|视情|暂不具备|尚不具备|难以")
_HANDLED_HEADING = re.compile(r"办理情况|开展情况|落实情况|工作情况|进展|(?:^|> )[（(]?[一二三四五六七八九十]+[、）)]\s*关于")
_NEXT_HEADING = re.compile(r"下一步|今后|工作打算|工作计划|下阶段")
_SUGGESTION_HEADING = re.compile(r"建议|对策|措施|办法")
_PROBLEM_CUES = re.compile(r"问题|不足|偏低|偏高|难|缺|滞后|不够|不到位|制约|矛盾|短板|突出|无法|压力|单一|不畅|不均|隐患|困境|瓶颈|停运|尚未|没有")
_STATUS_CUES = re.compile(r"\d|累计|全市|目前|现有|已建|占比")
_REQUEST_CUES = re.compile(r"^(?:建议|由|推动|鼓励|建立|完善|支持|引导|探索|推行|制定|出台|提高|放宽|简化|加强|纳入|设立|明确|将|对|在|开展|实行|推广|把|加快|统筹|组建|聘请)")
_FIELDWORK = re.compile(r"笔者|本人|我们(?:在|对|走访|调研|发现|了解|随|深入|邀请|连续)|我(?:在|曾|随)|我们")


@dataclass(frozen=True)
class RoledSentence:
    text: str
    role: str
    heading: str = ""


def strip_item(text: str) -> str:
    """"一是提高补助。" → "提高补助。"."""
    return _ITEM.sub("", text, count=1).strip()


def is_fieldwork(sentence: str) -> bool:
    """First-person fieldwork or opinion of another author (笔者…走访…, 我们调研发现…)."""
    return bool(_FIELDWORK.search(sentence))


def classify(sentence: str, genre: str, heading: str = "") -> str:
    """The role of one sentence of a document of ``genre`` under ``heading``."""
    body = strip_item(sentence)
    if genre == "reply":
        if _PENDING.search(body) and not re.search(r"已(?!经研究)|[\u4e00-\u9fff]了", body):
            return PENDING
        if _NEXT_HEADING.search(heading) or _PLANNED.search(body):
            return PLANNED
        if _DONE.search(body) or _HANDLED_HEADING.search(heading):
            return DONE  # what a reply reports under "办理情况" / "工作开展情况" is done unless under study
        return OTHER
    if genre in ("policy", "law"):
        return PROVISION
    in_suggestions = bool(_SUGGESTION_HEADING.search(heading)) and not re.search(r"问题|情况|现状", heading.split(" > ")[-1])
    if in_suggestions or body.startswith("建议"):
        return REQUEST
    if _PROBLEM_CUES.search(body):
        return PROBLEM
    if _STATUS_CUES.search(body):
        return STATUS
    if _REQUEST_CUES.search(body):
        return REQUEST
    return OTHER


def document_sentences(text: str, genre: str, min_cjk: int = 8) -> list[RoledSentence]:
    """Every sentence of a whole document with its role, its heading tracked line by line."""
    found: list[RoledSentence] = []
    headings: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if _HEADING_LINE.match(line) and not re.search(r"[。；].", line):
            level = 0 if re.match(rf"^[{_CN}]+、|^第", line) else 1
            headings = headings[:level] + [line]
            continue
        for index, sentence in enumerate(sentences(line, 2)):
            if index == 0 and _HEADING_LINE.match(sentence):  # "（一）关于提高财政补助标准。经与…": an inline heading
                level = 0 if re.match(rf"^[{_CN}]+、|^第", sentence) else 1
                headings = headings[:level] + [sentence.rstrip("。")]
                continue
            if len(re.findall(r"[\u4e00-\u9fff]", sentence)) < min_cjk:
                continue
            heading = " > ".join(headings)
            found.append(RoledSentence(sentence, classify(sentence, genre, heading), heading))
    return found


_ACTOR_NAME = re.compile(r"(?:由|建议)?(?:市|区|县|省)[\u4e00-\u9fff]{1,14}?(?:局|委员会|委|办公室|中心|政府|分行)(?:牵头|会同|负责)?")
_WEAK_WORDS = frozenset("尽快 提供 进行 做好 有效 逐步 及时 积极 认真 切实 全面 各区 相关 有关 方面 工作 一定 给予 按照 通过 开展 "
                        "实现 形成 确保 不断 充分 主动 结合 适当 合理 必要 一是 二是 三是 四是 五是 我们 我局".split())


def specific_words(text: str, topic: str = "") -> set[str]:
    """Words of ``text`` that say what it is about: actors, generic words and the topic's words removed."""
    from assistant.index.tokenize import query_terms

    body = _ACTOR_NAME.sub("", strip_item(text))
    topic_words = set(query_terms(topic)) if topic else set()
    return {w for w in query_terms(body) if w not in GENERIC_WORDS and w not in _WEAK_WORDS and w not in topic_words
            and not any(w in t for t in topic_words)}


def specific_grams(text: str, topic: str = "") -> set[str]:
    """Bigrams of ``text`` that say what it is about: generic words and the topic itself removed."""
    return bigrams(strip_item(text)) - GENERIC_GRAMS - bigrams(topic)


@dataclass(frozen=True)
class Restatement:
    score: float
    measure: str  # the reported measure the request restates ("" when none)


def restatement(request: str, measures: Iterable[str], topic: str = "") -> Restatement:
    """How much of ``request``'s specific content a single reported measure already covers (0..1)."""
    mine = specific_words(request, topic)
    best = Restatement(0.0, "")
    if len(mine) < 2:
        return best
    for measure in measures:
        theirs = specific_words(measure, topic)
        share = len(mine & theirs) / len(mine)
        if len(theirs) >= 3:  # a short, specific measure fully inside a long request: the request restates it
            share = max(share, 0.8 * len(theirs & mine) / len(theirs))
        lead = _ANSWERED.match(measure)
        if lead and dice(bigrams(lead.group(1)), bigrams(_lead(request))) >= 0.5:
            share = max(share, 1.0)  # the reply's "（五）关于探索代建代运营模式" answers this very request
        if share > best.score:
            best = Restatement(share, measure)
    return best


_ANSWERED = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)\s*关于([^。，]{2,24})。")


def _lead(request: str) -> str:
    """The first sentence of a request item ("五是探索"代建代运营"模式。鼓励…" → "探索代建代运营模式")."""
    first = re.split(r"[。；]", strip_item(request), maxsplit=1)[0]
    return first


RESTATES = 0.4  # a request whose specific content a reported measure covers this much is already done


def restates(request: str, measures: Iterable[str], topic: str = "", threshold: float = RESTATES) -> bool:
    """True when a reported measure already covers ``request`` (it must not be proposed again)."""
    return restatement(request, measures, topic).score >= threshold


def attribute_fieldwork(sentence: str, genre: str) -> str:
    """Another author's first-person fieldwork, attributed: "笔者走访…发现…" → "据以往提案反映，提案人走访…"."""
    who, source = {"proposal": ("提案人", "以往提案"), "social_report": ("反映人", "社情民意信息"),
                   "speech": ("发言人", "委员发言"), "consultation": ("与会委员", "协商会")}.get(genre, ("作者", "有关材料"))
    body = re.sub(r"笔者|本人", who, sentence)
    body = re.sub(r"我们", who, body)
    body = re.sub(r"我(?=在|曾|随)", who, body)
    return f"据{source}反映，{body}"
