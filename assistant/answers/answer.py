"""Answers with citations: the answer object, follow-up resolution, refusal, extractive and model modes.

Everything here works on search hits that ``Assistant.search`` returned; nothing retrieves on its
own. The text functions are pure: ``resolve_followup`` rewrites a follow-up question with the
topic of the conversation, ``plan_answer`` chooses the evidence (``evidence.py``) and decides between
answering, answering with a caveat and refusing (``specifics.py``), ``compose_extractive`` quotes the
evidence under a line naming its document. ``answer_stream`` runs both modes with the same plan and
falls back to the extractive answer on any model failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from assistant.answers.citations import verify
from assistant.config import Settings
from assistant.answers.evidence import (PLAIN_WORD_CREDIT, QUESTION_WORD, AskedFigure, Evidence, Unit, addressee, asked_figure, author,
                                        candidate_units, choose, coverage, disagree, money_named, subject_title, term_credit)
from assistant.answers.llm import ChatModel, Message, ModelUnavailable, fill, load_prompt, source_block
from assistant.models import SearchHit, Source
from assistant.answers.specifics import (Specifics, is_noun, laws_named, missing, question_specifics,
                                        title_named, years_in)
from assistant.index.tokenize import STOPWORDS, in_dictionary, query_terms

REFUSAL = "未在文库中找到能够回答该问题的依据。"
EXTRACTIVE_NOTICE = "未配置生成模型：以下为文库原文摘录。"
FALLBACK_NOTICE = "{reason}，以下改为文库原文摘录。"
NO_MARKER_NOTICE = "生成的回答未标注任何出处，请对照下列资料核实。"

SUPPORT_HITS = 3  # hits whose similarity counts towards support
COVERAGE_WEIGHT = 0.05  # support = best similarity + COVERAGE_WEIGHT × IDF coverage of the evidence
MODEL_SOURCES = 6  # passages given to the model at most: the evidence's, then the next best


@dataclass(frozen=True)
class Answer:
    """What the CLI, the web page and the ``ask`` API endpoint return."""

    answer: str
    mode: str  # "extractive" | "model"
    refused: bool
    sources: tuple[Source, ...] = ()
    notice: str | None = None  # shown above the answer: extractive label, model failure, …
    query: str = ""  # the question as retrieved (follow-ups resolved)
    final: bool = True  # False for the partial answers of a stream
    caveats: tuple[str, ...] = ()  # shown with the answer: what the library lacks, outdated or repealed sources…

    def to_json(self) -> dict:
        return {"answer": self.answer, "mode": self.mode, "refused": self.refused,
                "sources": [s.to_json("date") for s in self.sources], "notice": self.notice, "query": self.query,
                "caveats": list(self.caveats)}


# -- follow-up questions ---------------------------------------------------------------

_ANAPHOR_START = ("那", "这", "它", "其", "该", "上述", "此", "还有", "另外", "那么", "再")
_ANAPHORA = re.compile(r"这个|那个|这些|那些|这项|该项|该|上述|其中|它们?|此项|前者|后者|第[一二三四五六七八九十百零〇\d]+[条款项点章]")
_CJK_OR_WORD = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
# Words that ask but carry no topic; left out of the topic carried into a follow-up.
_NOT_TOPIC = frozenset("""多少 有没有 哪些 怎么样 怎样 为什么 什么样 是不是 能不能 具体 规定 情况 问题 有人 提过 相关
    现在 目前 今年 去年 最后 主要 哪个 哪里 如何 需要 才能 或者 还有 一下 知道 介绍 说说 回复 关于""".split())
SHORT_QUESTION = 10  # characters; shorter questions lean on the conversation


def is_followup(question: str) -> bool:
    """Whether ``question`` leans on what was asked before (anaphora, 第X条, or too short to stand alone)."""
    text = question.strip()
    length = len(_CJK_OR_WORD.findall(text))
    if text.startswith(_ANAPHOR_START) or length <= SHORT_QUESTION:
        return True
    own_topic = [t for t in query_terms(text) if t not in _NOT_TOPIC]
    return bool(_ANAPHORA.search(text)) and len(own_topic) <= 3


def topic_terms(question: str) -> list[str]:
    """Content words of a question, in the order they occur: what a follow-up refers back to."""
    terms = [t for t in query_terms(question) if t not in _NOT_TOPIC and t not in STOPWORDS]
    return sorted(terms, key=lambda t: question.find(t))


def resolve_followup(question: str, previous: Sequence[str]) -> str:
    """The question to retrieve with: a follow-up gets the previous question's topic terms prepended.

    ``previous`` are the member's earlier questions, oldest first; each is itself resolved against
    the ones before it, so a chain of follow-ups keeps the original topic.
    """
    resolved_before = ""
    for earlier in previous:
        resolved_before = _resolve_one(earlier, resolved_before)
    return _resolve_one(question, resolved_before)


def _resolve_one(question: str, before: str) -> str:
    question = question.strip()
    if not before or not is_followup(question):
        return question
    own = set(query_terms(question))
    carried = [t for t in topic_terms(before) if t not in own and t not in question]
    return f"{' '.join(carried)} {question}".strip() if carried else question


# -- the plan: evidence, refusal, caveats -------------------------------------------------

REFUSAL_MIN_COVERAGE = 0.5  # IDF-weighted share of the question's terms the evidence must contain
CAVEAT_MIN_COVERAGE = 0.6  # …and without the missing specifics, to answer a near neighbour with a caveat
ASK_BACK = ("您的问题似乎承接上文（如“那……”“这个……”），但这是本次对话的第一个问题。"
            "请说明具体事项后再问，例如“老旧小区加装电梯每台补助多少？”。")


@dataclass(frozen=True)
class Question:
    """A question as the answer layer needs it: its text and its content terms with IDF weights."""

    text: str
    weights: dict[str, float]

    @classmethod
    def plain(cls, text: str) -> Question:
        """Every content term weighted alike (no corpus statistics at hand)."""
        return cls(text, {t: 1.0 for t in content_terms(text)})


# Conversational words that name no subject ("听说", "市里"), and the shapes jieba cuts out of spoken
# questions ("提了", "最多能", "几类", "能多报"): they say nothing about what the documents must contain.
_SPOKEN = frozenset("""听说 据说 市里 省里 区里 县里 村里 镇里 附近 平时 一般 通常 大家 我们 咱们 他们 老百姓 有人 有的 是否 可以
    能够 应该 应当 一些 各种 愿意 以后 之前 已经 时候 事情 东西 方面 这个 那个 这种 那种 这样 那样 就是 还是 或是 还有 以及
    怎么办 怎么回事 有没有 能不能 可不可以 是不是 会不会 要不要 不能 不会 不要 一直 从来 总是 老是 根本 到底 究竟 其实 确实 真的
    现在 目前 今年 去年 明年 最近 近年 近来 当前 如今 一年 一天 为啥 啥时候 一个 一种 一下子 分别 各自 一共 总共 合计 文件 规定 内容
    比较 比如 例如 譬如 好几 好多 挺 特别 可能 也许 大概 这么 那么 这么做 因为 所以 如果 但是 虽然 然后 正在 急着 还没
    想来 两个 几个 常说 自己""".split())
_DOC_NUMBER_IN_QUESTION = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*第?\s*\d+\s*号")
_SPOKEN_SHAPE = re.compile(r"^[能最几各都就还这那从咋啥怎多有没也再又才只很太是]|[了过得吗呢吧啊么嘛的着说是]$|几|啥|哪")


def content_terms(question: str, known: Callable[[str], bool] | None = None) -> list[str]:
    """The words of a question that name its subject: question words, stop words, conversational words
    and the fragments jieba cuts from spoken phrases left out — unless ``known`` says the library's own
    text has that fragment as a word ("严把" of 严把政治关)."""
    question = _DOC_NUMBER_IN_QUESTION.sub(" ", question)  # a 文号 is a specific, checked against metadata
    quoted = "".join(_QUOTED.findall(question))  # a name in quotes ("无事不扰") is kept as the member wrote it
    return [t for t in query_terms(question) if t not in _NOT_TOPIC and t not in STOPWORDS and t not in _SPOKEN
            and not (_SPOKEN_SHAPE.search(t) and not t.isascii() and not _is_word(t))
            and (t in quoted or not _is_cut_across(t) or (known is not None and known(t)))
            and not ("的" in t[1:-1] and not in_dictionary(t)) and not (len(t) <= 4 and QUESTION_WORD.search(t))]


_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,30})[”\"」』]")


_FUNCTION_EDGE = re.compile(r"^[要个去会能得被把让给都也就才还又内里上下来不没很太再它他她过了着该张份件位]|[要个去会能得被把让给都也就才还又内里来]$")


def _is_cut_across(term: str) -> bool:
    """A piece jieba guessed across two words ("书要" of 告诫书要, "交个" of 交个税, "内去" of 内去办):
    not in its dictionary, with a function character at an edge."""
    return not term.isascii() and len(term) <= 3 and not in_dictionary(term) and bool(_FUNCTION_EDGE.search(term))


def _is_word(term: str) -> bool:
    """A dictionary word of three characters or more ("有效期", "最低生活保障"), not a spoken cut ("最多能")."""
    if QUESTION_WORD.search(term):
        return False  # "哪一天", "多少钱"
    return len(term) >= 4 or (len(term) == 3 and in_dictionary(term))


@dataclass(frozen=True)
class Plan:
    """What to answer with: the chosen evidence, or a refusal, and the caveats to show."""

    evidence: Evidence
    refused: bool
    support: float
    caveats: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


def support(similarity: float, evidence_coverage: float) -> float:
    """How well the corpus backs an answer: the best passage's cosine similarity plus a little of the
    evidence's IDF-weighted coverage of the question."""
    return similarity + COVERAGE_WEIGHT * evidence_coverage


def plan_answer(question: Question, hits: Sequence[SearchHit], texts: Mapping[str, str], threshold: float,
                min_coverage: float = REFUSAL_MIN_COVERAGE, absent_terms: Sequence[str] = ()) -> Plan:
    """Choose the evidence and decide between answering, answering with a caveat, and refusing.

    Refused when nothing close was found (support below ``threshold``), when the evidence misses
    most of what the question is about (IDF-weighted coverage below ``min_coverage``), or when it
    lacks a specific the question names (a year, place, number, title) and little else matches.
    A specific missing from otherwise matching evidence gives an answer with a caveat instead; so
    does a figure the question asks for ("多少套", "补助多少") that the quotes do not give (see
    ``_figure_gaps``), and a long term of the question no passage of the library contains
    (``absent_terms``, "公共租赁住房"). Specifics count only in a document that also says the rest of
    the question, or that the question names.
    """
    if not hits:
        return Plan(Evidence(), True, 0.0)
    wanted = question_specifics(question.text)
    laws = [t for t in laws_named(question.text, (h.title for h in hits)) if t not in wanted.titles]
    wanted = replace(wanted, titles=(*wanted.titles, *laws))
    evidence = choose(hits, candidate_units(hits, texts), question.weights, question.text, wanted.boosts(), texts)
    if not evidence.units:
        return Plan(evidence, True, 0.0)
    similarity = max(h.similarity for h in hits[:SUPPORT_HITS])
    backing = support(similarity, evidence.coverage)
    # a question that names the law or document it asks about, answered from that document, is not refused
    # for asking in everyday words ("商铺门口用高音喇叭…噪声污染防治法允许吗")
    named = any(title_named(t, hits[evidence.hits[0]].title) for t in wanted.titles)
    if backing < threshold or (evidence.coverage < min_coverage and not named):
        return Plan(evidence, True, backing)
    chosen = [hits[i] for i in evidence.hits]
    absent, quoted, answering = _absent_specifics(wanted, question.weights, evidence, hits, texts)
    absent += [t for t in absent_terms if t not in absent]
    best = hits[evidence.units[0].hit]
    best_document = f"{best.title} {texts.get(best.doc_id, best.text)}"
    other_years, no_figure = _figure_gaps(question, wanted, evidence, hits, best_document, answering)
    no_figure = no_figure or _date_gap(question.text, evidence)
    unnamed = _unnamed_role(question, best_document)
    no_document = _no_document_on(question, chosen, texts)
    absent += [y for y in other_years if y not in absent]
    if not absent and not no_figure and not unnamed and not no_document:
        return Plan(evidence, False, backing)
    rest = {t: w for t, w in question.weights.items() if not any(t in a or a in t for a in absent)}
    if absent and (not rest or coverage(rest, quoted) < CAVEAT_MIN_COVERAGE):
        return Plan(evidence, True, backing, missing=tuple(absent))
    caveats = []
    if absent:
        caveats.append(_missing_caveat(absent, chosen[0]))
    if unnamed:
        caveats.append(f"所引文件没有提到{unnamed[0]}；以下是最接近的内容，请注意区别。")
    if no_figure:
        caveats.append(f"所引文件没有给出{_what_is_missing(no_figure[0])}；以下是最接近的内容，请注意区别。")
    if no_document:
        caveats.append(f"文库中没有找到{no_document[0]}；以下是最接近的文件，请注意区别。")
    return Plan(evidence, False, backing, tuple(caveats), tuple(absent + no_figure + unnamed + no_document))


# "有没有关于城市文明养犬管理的提案", "有没有给网约车司机发燃油补贴的政策": asks whether the library holds a
# document on a subject, which the title of the one found must then be about
_ASKS_FOR_DOCUMENT = re.compile(r"有没有(?:人)?(?:提过|出台过?|发过|制定过?)?(?:关于)?([^，,。？?；;、]{2,30}?)的(提案|社情民意(?:信息)?|政策|规定|文件)")
DOCUMENT_ON_SUBJECT = 0.5  # IDF-weighted share of the subject's terms the found document's title and lead must name
DOCUMENT_LEAD = 600  # characters at the top of a document that say what it is about


def _lead(hit: SearchHit, texts: Mapping[str, str]) -> str:
    """What a document says it is about: its subject title and first lines."""
    document = texts.get(hit.doc_id, hit.text)
    return f"{subject_title(hit, document)} {document[:DOCUMENT_LEAD]}"


def _no_document_on(question: Question, chosen: Sequence[SearchHit], texts: Mapping[str, str]) -> list[str]:
    """``["关于…的提案"]`` when the question asks whether there is a document of a kind on a subject and
    the documents found (``chosen``), by title and first lines, are about something else (a 教育局 reply
    on 校外培训 for "近视防控")."""
    asked = _ASKS_FOR_DOCUMENT.search(question.text)
    if not asked:
        return []
    subject, kind = asked.groups()
    terms = {t: w for t, w in question.weights.items() if t in subject}
    if not terms or coverage(terms, " ".join(_lead(h, texts) for h in chosen)) >= DOCUMENT_ON_SUBJECT:
        return []
    return [f"关于“{subject}”的{kind}"]


def _what_is_missing(gap: str) -> str:
    """A figure gap as the caveat says it: "具体日期", "问题所问的具体数字（多少张）", "工本费的具体数字"."""
    if gap == _NO_DATE:
        return "具体日期"
    return f"问题所问的具体数字（{gap}）" if gap.startswith(("多", "几")) else f"{gap}的具体数字"


def _as_asked(question: str, measured: str, figure: AskedFigure) -> str:
    """What the figure measures as the question words it: "中选价格" for 中选, "配备率" for 配备."""
    at, end = question.find(measured), question.find(figure.label)
    if not 0 <= at < end:
        return measured
    return _FILLER_BEFORE.sub("", question[at:end]) or measured


def _states(figure: AskedFigure, measured: str, text: str, title: str) -> bool:
    """``text`` (a quoted unit of the document titled ``title``) states a figure of the kind asked and names what it measures."""
    said = f"{title} {text}"
    return figure.found_in(text) and (term_credit(measured, said) >= PLAIN_WORD_CREDIT
                                      or (len(measured) >= 4 and measured[-2:] in said))


_NO_DATE = "日期"
_ASKS_DATE = re.compile(r"哪一?天|几月几[日号]|几号|哪一?年|什么时候|何时|什么时间|哪个月")
_ASKS_ISSUED = re.compile(r"发的|印发|发布|出台|公布|颁布|下发|签发|成文|答复的|报送|提交的")  # the answer's document line gives that date
_SAYS_DATE = re.compile(r"\d{4}\s*年|\d{1,2}\s*月|[一二三四五六七八九十]{1,2}月|[〇○零一二三四五六七八九]{4}年|年底|年内|月底|之日|当日|当天|每年|每月|每周|"
                        r"工作日|日内|天内|个月内|以前|之前|起施行|同时|期间|截止|次月|次年|\d{1,2}日[前内后起]")


_ASKS_PERSON = re.compile(r"([\u4e00-\u9fff]{2,12})(?:是谁|由谁担任|是哪位|是哪一位)")


def _unnamed_role(question: Question, document: str) -> list[str]:
    """The post a question asks who holds ("专家委员会的主任委员是谁") when the answering document never
    names that post: the names it lists hold other posts."""
    asked = _ASKS_PERSON.search(question.text)
    if not asked:
        return []
    role = next((t for t in question.weights if asked.group(1).endswith(t)), None)
    if not role or question.weights[role] < MEASURED_TERM_WEIGHT or not is_noun(role) or term_credit(role, document):
        return []
    return [role]


def _date_gap(question: str, evidence: Evidence) -> list[str]:
    """``[_NO_DATE]`` when the question asks a date or a deadline ("标准时点定在哪一天", "最晚什么时候改完")
    and no quoted sentence states one; a question asking when its document was issued is answered by the
    document line, which gives that date."""
    if not _ASKS_DATE.search(question) or _ASKS_ISSUED.search(question):
        return []
    return [] if any(_SAYS_DATE.search(u.text) for u in evidence.units) else [_NO_DATE]


def _figure_gaps(question: Question, wanted: Specifics, evidence: Evidence, hits: Sequence[SearchHit],
                 best_document: str, answering: str) -> tuple[list[str], list[str]]:
    """For a question asking a figure: the years asked that only another year's figure answers, and
    what the quoted figure fails to be (empty when it answers). It fails when no quoted sentence or
    title states that kind of figure — from the document about the place or year asked, when one is
    asked ("广州…多少钱" is not answered by 江州's figure quoted next to a Guangzhou page that gives
    none); when the document never names what the figure measures ("注册资本是多少"); and when no
    sentence stating it names what was counted or measured ("多少个充电棚", "工本费是多少元": a law that
    says the fee exists and fines "二百元以下" does not give the fee)."""
    figure = asked_figure(question.text)
    if not figure:
        return [], []
    stated = [u.text for u in evidence.units if not wanted.all() or hits[u.hit].doc_id == answering]
    stated += list(dict.fromkeys(hits[u.hit].title for u in evidence.units))  # the answer names them too
    if not figure.found_in(" ".join(stated)):
        around = _around(question.text, figure)
        return [], [(around and money_named(around[1])) or figure.label]
    period = _other_period(question.text, figure, [u.text for u in evidence.units])
    if period:
        return [], [period]
    if _ASKS_SO_FAR.search(question.text) and not any(figure.found_in(u.text) and _SAYS_SO_FAR.search(u.text)
                                                      for u in evidence.units):
        return [], [figure.label]
    counted = _counted(question, figure)
    other_years = _years_of_other_figures(question.text, figure, wanted.years, evidence, counted)
    # a duration or an age measures the time or the person the question is about, which the answer need not name
    of_something = figure.label not in ("多久", "多长时间", "几岁", "多少岁")
    unsaid = _unsaid_measures(question, figure, wanted, best_document) if of_something else []
    if unsaid:
        return other_years, unsaid
    if counted and not any(_states(figure, counted, u.text, hits[u.hit].title) for u in evidence.units):
        return other_years, [figure.label + counted]
    measured = _measured(question, figure, wanted)[:1] if of_something else []
    if measured and not any(_states(figure, measured[0], u.text, hits[u.hit].title) for u in evidence.units):
        return other_years, [_as_asked(question.text, measured[0], figure)]
    return other_years, []


# "已经开通了几条", "现在有多少骑手参加了…": a count of what has been done, a current total
_ASKS_SO_FAR = re.compile(r"已经(?!退休|离休)|至今|累计|为止|(?:现在|目前)(?:一共|总共)?有多少")
_SAYS_SO_FAR = re.compile(r"已|累计|共|目前|现有|截至|截止|至今|建成|达到|达|超过|全市有|全省有")
_PERIOD = re.compile(r"全年|上半年|下半年|前三季度|第?[一二三四1-4]季度")


def _other_period(question: str, figure: AskedFigure, quoted: Sequence[str]) -> str | None:
    """The part of a year the question asks a figure for ("全年一共发生了多少起") when every quoted
    sentence stating such a figure gives it for another part ("今年上半年…37起")."""
    asked = _PERIOD.search(question)
    stating = [t for t in quoted if figure.found_in(t)]
    if not asked or not stating or any(asked.group(0) in t for t in stating):
        return None
    return asked.group(0) if all(_PERIOD.search(t) for t in stating) else None


def _years_of_other_figures(question: str, figure: AskedFigure, years: Sequence[str], evidence: Evidence,
                            counted: str | None = None) -> list[str]:
    """The asked years for which every quoted sentence stating the figure names another year instead:
    "2023年乡村旅游接待游客1600万人次" does not answer "2024年接待了多少游客"."""
    stating = [u.text for u in evidence.units if figure.found_in(u.text) and _FIGURE.search(u.text)
               and (not counted or term_credit(counted, u.text))]  # a count of what was asked
    if not stating or any(year in t for t in stating for year in years):
        return []  # "1996年…报告说，1995年发生了多少次": one of the years asked is the figure's
    return [f"{year}年" for year in years if not _names_document(question, year)
            and all(years_in(t) for t in stating)]


_FILLER_BEFORE = re.compile(r"(?:是|有|为|要|在|的|了|共|一共|总共|合计|大概|大约|约|达到|达|能|可以|可|会|每年|每月|每人|得|需要|需|"
                            r"(?:降|降低|提高|提升|增加|增长|减少|下降|上升|控制)[到至在]?)*$")
_FILLER_AFTER = re.compile(r"^(?:个|名|位|家|项|次|份|人次|万|亿|的)*")


def _around(question: str, figure: AskedFigure) -> tuple[str, str] | None:
    """The question's text before and after where it asks its figure."""
    at = question.find(figure.label)
    return (question[:at], question[at + len(figure.label) :]) if at >= 0 else None


def _unsaid_measures(question: Question, figure: AskedFigure, wanted: Specifics, document: str) -> list[str]:
    """The thing the asked figure counts or measures ("注册资本是多少", "多少人死亡", "多少游客") when the
    answering document never names it: the number quoted is then some other number."""
    return [t for t in _measured(question, figure, wanted) if term_credit(t, document) == 0][:1]


def _measured(question: Question, figure: AskedFigure, wanted: Specifics) -> list[str]:
    """The thing the asked figure counts or measures, as the question names it next to the figure: the
    noun before it and the one that qualifies it ("常住人口规模"), the one after ("多少游客"), and a word of
    any kind that says what a rate or a kind of figure is of ("配备率", "中选价格")."""
    around = _around(question.text, figure)
    if not around:
        return []
    before, after = _FILLER_BEFORE.sub("", around[0]), _FILLER_AFTER.sub("", around[1])
    if figure.label.startswith("多大"):
        after = ""  # "占多大比例的住户": a share of all households, not a count of them
    specific = wanted.all()
    terms = [t for t in question.weights if not any(t in s or s in t for s in specific)]
    of_kind = not any(before.endswith(t) for t in terms) and before.endswith("率")
    before = before.removesuffix("率") if of_kind else before
    named, qualifiers = [], set()
    for _ in range(2):
        head = next((t for t in terms if before.endswith(t)), None)
        if head:
            named.append(head)
            if of_kind:  # the word before "率" or before "价格": what the rate or price is of
                qualifiers.add(head)
            of_kind = head in _KINDS_OF_FIGURE
            # "原计划投资多少": a verb right before the figure is what it measures; the noun before the verb is not
            before = before[: -len(head)] if of_kind or head in qualifiers or is_noun(head) else ""
        tail = next((t for t in terms if after.startswith(t)), None)
        if tail:
            named.append(tail)
            after = after[len(tail) :]
    return [t for t in named if t not in _KINDS_OF_FIGURE and not _SCOPE.match(t) and question.weights[t] >= MEASURED_TERM_WEIGHT
            and (t in qualifiers or is_noun(t))]


_COUNT_MEASURE = re.compile(r"[个家项人名份起件套辆张座所户条批]$")


def _counted(question: Question, figure: AskedFigure) -> str | None:
    """What the figure asked for counts, when the question says it right after ("多少家长者饭堂",
    "多少个电动自行车集中充电棚" → 充电棚): the last term before the clause ends."""
    around = _around(question.text, figure)
    if not around or not (_COUNT_MEASURE.search(figure.label) or not figure.measure or money_named(around[1])):
        return None  # durations, shares and bare sums are not counts of something ("多少游客", "多少加班补助" are)
    after = _COUNT_ENDS.split(around[1])[0]  # "多少人以上就得走…的程序", "多少人次可以拿奖补": no noun follows
    found = [(after.rfind(t), t) for t in question.weights if t in after and t not in _KINDS_OF_FIGURE]
    return max(found)[1] if found else None


_COUNT_ENDS = re.compile(r"[，,？?；;。！!、]|以上|以下|以内|左右|就[得要会能可]|才[能可]|可以|能够|需要")


# Nouns that say what kind of figure is asked ("比例是多少"), not what it is a figure of.
_KINDS_OF_FIGURE = frozenset("""比例 比重 占比 数量 数额 金额 额度 标准 时间 期限 时限 费用 人数 幅度 规模 总量 总额 水平 上限 下限
    面积 时长 年限 次数 天数 个数 多少 数字 数目 价格 价钱 单价 费率 税率 利率 以内 以上 以下 左右 目标""".split())
_SCOPE = re.compile(r"^[全每各本该整]")  # "全村有多少户": the scope of the count, not what it counts
MEASURED_TERM_WEIGHT = 3.0  # a rarer word than 政府 or 企业


_FIGURE = re.compile(r"\d+(?:\.\d+)?(?![\d年月日号])")  # a number, not a date
_DOCUMENT_NOUN = re.compile(r"意见|通知|办法|文件|规定|方案|条例|决定|批复|答复|提案|建议|规划|计划|政策|措施|细则|公告|通告|"
                            r"报告|纲要|国务院|办公厅|人民政府|印发|出台|发布|颁布|修订")


def _names_document(question: str, year: str) -> bool:
    """"国务院2018年那份促进就业的若干意见", "2018年国务院办公厅调整督查激励措施": the year says which
    document, not which year's figure."""
    at = question.find(year)
    clause = re.split(r"[，,？?；;。！!]", question[at:])[0] if at >= 0 else ""
    return bool(_DOCUMENT_NOUN.search(clause))


MASTHEAD = 300  # characters at the top of a document where its own 文号 is printed
_MASTHEAD_END = re.compile(r"\n[^\n。，；]{2,60}[：:]\s*\n")  # a salutation, "四川省人民政府：", "各省、自治区…各直属机构：", ends the masthead


def _masthead(document: str) -> str:
    """The top of a document, where its own title and 文号 are printed: up to its salutation, whose
    first paragraph may cite other documents' 文号 ("按照《…的决定》（国发〔2004〕20号）")."""
    head = document[:MASTHEAD]
    salutation = _MASTHEAD_END.search(head)
    return head[: salutation.start()] if salutation else head


DOCUMENT_ANSWERS = 0.5  # IDF coverage of the question's other terms for a document to count as answering


def _absent_specifics(wanted: Specifics, weights: Mapping[str, float], evidence: Evidence, hits: Sequence[SearchHit],
                      texts: Mapping[str, str]) -> tuple[list[str], str, str]:
    """The question's specifics (year, place, number, title, organisation) that no quoted document
    has together with the rest of the question — and that document's quoted text. A year found in one
    document and the answer in another is not an answer: "深圳…租赁登记" is not answered by a Shenzhen
    land lease and a Guangzhou registration rule. The documents are tried best first."""
    specific = wanted.all()
    rest = {t: w for t, w in weights.items() if not any(t in a or a in t for a in specific)} or dict(weights)
    documents = list(dict.fromkeys(hits[i].doc_id for i in evidence.hits))
    found: list[tuple[list[str], str, bool, str]] = []  # absent, quoted, answers, document
    for rank, doc in enumerate(documents):
        passages = [hits[i] for i in evidence.hits if hits[i].doc_id == doc]
        described = " ".join(f"{h.title} {h.doc_number or ''} {h.date or ''} {h.year or ''} {h.issuer or ''} {h.heading}"
                             for h in passages)
        quoted = described + " " + " ".join(u.text for u in evidence.units if hits[u.hit].doc_id == doc)
        document = texts.get(doc, passages[0].text)
        dated = " ".join(f"{h.date or ''} {h.year or ''}" for h in passages).strip()
        absent = missing(_with_later_targets(wanted, passages[0].year, document), quoted, document, passages[0].title,
                         head=described + " " + _masthead(document), dated=dated)
        # the best document may say the rest of the question outside the quoted sentences (a salutation
        # "邓明义代表：" says who made the suggestion the title names)
        said = quoted + " " + texts.get(doc, "") if rank == 0 else quoted
        named = any(title_named(t, passages[0].title) for t in wanted.titles)  # the document asked about
        answers = len(documents) == 1 or named or coverage(rest, said) >= DOCUMENT_ANSWERS
        if not absent and answers:
            return [], quoted, doc
        found.append((absent, quoted, answers, doc))
    absent, quoted, _, doc = min(found, key=lambda f: (not f[2], len(f[0])))  # best first on ties (min is stable)
    return absent, quoted, doc


def _with_later_targets(wanted: Specifics, issued: int | None, document: str) -> Specifics:
    """A year after the one a document was issued in, that the document sets as a target ("到2025年，…"),
    is stated once, anywhere in it: "对2025年…机械化率定了多少" asked of a 2018 plan."""
    later = tuple(y for y in wanted.years if issued and y.isdigit() and int(y) > issued and y not in wanted.targets
                  and re.search(rf"(?:到|至){y}\s*年", document))
    return replace(wanted, targets=(*wanted.targets, *later)) if later else wanted


def _missing_caveat(absent: Sequence[str], closest: SearchHit) -> str:
    what = "、".join(f"“{a}”" for a in absent)
    year = f"（{closest.year}年）" if closest.year else ""
    return f"文库中没有找到与{what}对应的内容；以下是最接近的文件《{_short_title(closest.title)}》{year}，请注意区别。"


# -- extractive answers ------------------------------------------------------------------


def _short_title(title: str) -> str:
    """The name a member knows a document by: the 《…》 inside "关于印发《…》的通知", else the title."""
    inner = re.search(r"印发《([^《》]+)》", title)
    return inner.group(1) if inner else title.strip("《》")


def _chinese_date(iso: str | None) -> str | None:
    """"2018-11-23" → "2018年11月23日", "2019-03" → "2019年3月", "2019" → "2019年"."""
    if not iso:
        return None
    parts = [int(p) for p in iso.split("-") if p.isdigit()]
    return "".join(f"{n}{unit}" for n, unit in zip(parts, "年月日")) or None


def document_line(hit: SearchHit, earlier: bool = False, to: str | None = None, by: str | None = None) -> str:
    """"据《江州市既有住宅加装电梯管理办法》（江政办规〔2023〕5号，2023年5月10日）：" — the document a group
    of quotes comes from, dated as Chinese documents are, for a letter or reply whom it answers
    ("致周桂英代表"), for a proposal or report who made it ("反映人：吴立新（市政协委员）"); a repealed or
    expired document says so."""
    dated = _chinese_date(hit.date) or (f"{hit.year}年" if hit.year else None)
    details = "，".join(x for x in (hit.doc_number, dated, f"致{to}" if to else None, by) if x)
    status = f"（该文件{hit.status}）" if hit.status in ("已废止", "已失效", "已修订") else ""
    lead = "较早的" if earlier else "据"
    return f"{lead}《{_short_title(hit.title)}》{f'（{details}）' if details else ''}{status}："


def compose_extractive(question: Question | str, hits: Sequence[SearchHit], texts: Mapping[str, str] | None = None,
                       evidence: Evidence | None = None) -> tuple[str, tuple[Source, ...]]:
    """The chosen units under a line naming their document, each followed by its ``[n]``.

    Documents come best first; where two of them state different amounts of the same thing, the
    newest comes first and the older is labelled as earlier. Sources are numbered in order of
    first citation; a quote that runs past its passage (a list after "：") extends the source.
    """
    question = Question.plain(question) if isinstance(question, str) else question
    texts = texts or {}
    if evidence is None:
        evidence = choose(hits, candidate_units(hits, texts), question.weights, question.text,
                          question_specifics(question.text).boosts(), texts)
    groups: dict[str, list[Unit]] = {}
    for unit in evidence.units:
        groups.setdefault(hits[unit.hit].doc_id, []).append(unit)
    order = list(groups)
    earlier: set[str] = set()
    if len(order) > 1:
        first = order[0]
        for other in order[1:]:
            if disagree([u.text for u in groups[first]], [u.text for u in groups[other]]):
                newest = max((first, other), key=lambda d: _date_key(hits[groups[d][0].hit]))
                older = other if newest == first else first
                earlier.add(older)
                if newest != first:
                    order.remove(newest)
                    order.insert(0, newest)
                    first = newest
    numbers: dict[int, int] = {}
    extent: dict[int, tuple[int, int]] = {}
    lines = []
    for doc in order:
        units = groups[doc]
        document = texts.get(doc, "")
        lines.append(document_line(hits[units[0].hit], earlier=doc in earlier, to=addressee(document), by=author(document)))
        for unit in units:
            n = numbers.setdefault(unit.hit, len(numbers) + 1)
            low, high = extent.get(unit.hit, (unit.start, unit.end))
            extent[unit.hit] = (min(low, unit.start), max(high, unit.end))
            lines.append(_with_marker(unit.text, n))
    sources = []
    for index, n in numbers.items():
        source = Source.from_hit(n, hits[index])
        document = texts.get(source.doc_id, "")
        low, high = extent[index]
        if document and source.end > source.start and (high > source.end or low < source.start):
            start, end = min(low, source.start), max(high, source.end)
            source = replace(source, text=document[start:end], start=start, end=end)
        sources.append(source)
    return "\n".join(lines), tuple(sources)


def _date_key(hit: SearchHit) -> str:
    return hit.date or (str(hit.year) if hit.year else "")


def _with_marker(sentence: str, *numbers: int) -> str:
    """``…万元。`` → ``…万元[1]。`` (or ``[1][3]``): markers go before the closing punctuation."""
    body = sentence.rstrip("。！？；!?;")
    return f"{body}{''.join(f'[{n}]' for n in numbers)}{sentence[len(body):] or '。'}"


def extractive_answer(query: str, hits: Sequence[SearchHit], notice: str = EXTRACTIVE_NOTICE,
                      texts: Mapping[str, str] | None = None, plan: Plan | None = None,
                      question: Question | None = None) -> Answer:
    question = question or Question.plain(query)
    text, sources = compose_extractive(question, hits, texts, plan.evidence if plan else None)
    return Answer(answer=text, mode="extractive", refused=False, sources=sources, notice=notice, query=query,
                  caveats=plan.caveats if plan else ())


def refusal(query: str, hits: Sequence[SearchHit], mode: str, closest: int = 3, missing_: Sequence[str] = ()) -> Answer:
    """The plain 'not in the library' answer, with the closest documents (one passage each) as sources."""
    sources: list[Source] = []
    for hit in hits:
        if len(sources) >= closest:
            break
        if all(s.doc_id != hit.doc_id for s in sources):
            sources.append(Source.from_hit(len(sources) + 1, hit))
    answer = REFUSAL + ("以下是文库中最接近的文档，供参考。" if sources else "")
    caveats = (f"文库中没有找到与{'、'.join(f'“{m}”' for m in missing_)}对应的内容。",) if missing_ else ()
    return Answer(answer=answer, mode=mode, refused=True, sources=tuple(sources), query=query, caveats=caveats)


def ask_back(query: str, mode: str) -> Answer:
    """A follow-up with nothing before it to resolve against: ask what it refers to."""
    return Answer(answer=ASK_BACK, mode=mode, refused=True, query=query, caveats=("问题缺少上下文",))


# -- model answers -----------------------------------------------------------------------

def format_sources(sources: Sequence[Source]) -> str:
    """The numbered sources for the model, each delimited (``llm.source_block``): data, not instructions."""
    blocks = []
    for s in sources:
        where = " · ".join(x for x in (s.title, s.doc_number, s.date, s.heading,
                                        f"第{s.page}页" if s.page else None) if x)
        blocks.append(source_block(s.n, where, s.text))
    return "\n\n".join(blocks)


def build_messages(system_template: str, user_template: str, question: str, sources: Sequence[Source],
                   previous: Sequence[str] = ()) -> list[Message]:
    history = ""
    if previous:
        history = "此前的提问（供理解指代）：\n" + "\n".join(f"- {q}" for q in previous[-3:]) + "\n\n"
    user = fill(user_template, sources=format_sources(sources), question=question, history=history)
    return [Message("system", system_template.strip()), Message("user", user)]


def finish_model_answer(raw: str, sources: Sequence[Source], query: str) -> Answer:
    """Verify the model's markers against ``sources`` and keep the sources it cited."""
    checked = verify(raw.strip(), len(sources))
    if REFUSAL.rstrip("。") in checked.text and not checked.cited:
        return Answer(answer=REFUSAL, mode="model", refused=True, sources=tuple(sources[:3]), query=query)
    cited = [s for s in sources if s.n in checked.cited]
    notice = None if cited else NO_MARKER_NOTICE
    return Answer(answer=checked.text, mode="model", refused=False, sources=tuple(cited or sources),
                  notice=notice, query=query)


def answer_stream(query: str, hits: Sequence[SearchHit], settings: Settings, question: str | None = None,
                  previous: Sequence[str] = (), model: ChatModel | None = None, stream: bool = True,
                  texts: Mapping[str, str] | None = None, weights: Mapping[str, float] | None = None,
                  absent_terms: Sequence[str] = ()) -> Iterator[Answer]:
    """Partial answers while the model writes, then the verified final one (``final=True``).

    ``query`` is the resolved question used for retrieval, ``question`` what the member typed;
    ``texts`` the full texts of the hits' documents (so quotes keep lists and articles whole) and
    ``weights`` the IDF of the query's terms, ``absent_terms`` its long terms no passage contains. Both modes share the evidence, the refusal gate and
    the caveats: without a model (``llm_url`` unset) the answer quotes the evidence; the model is
    given the evidence's passages. On any model failure the final answer is extractive with a
    notice saying why. ``stream=False`` asks the model for the whole reply in one request.
    """
    mode = "model" if settings.llm_url else "extractive"
    asked = (question or query).strip()
    if not previous and is_followup(asked) and len(content_terms(asked)) <= 1:
        yield ask_back(query, mode)
        return
    q = Question(query, dict(weights)) if weights is not None else Question.plain(query)
    texts = texts or {}
    plan = plan_answer(q, hits, texts, settings.refusal_threshold, absent_terms=absent_terms)
    if plan.refused:
        yield refusal(query, hits, mode, missing_=plan.missing)
        return
    if mode == "extractive":
        yield extractive_answer(query, hits, texts=texts, plan=plan, question=q)
        return
    chosen = plan.evidence.hits
    order = chosen + [i for i in range(len(hits)) if i not in chosen][: max(0, MODEL_SOURCES - len(chosen))]
    sources = tuple(Source.from_hit(n, hits[i]) for n, i in enumerate(order[:MODEL_SOURCES], start=1))
    if asked != query:
        asked = f"{asked}（检索用语：{query}）"
    fallback = lambda reason: extractive_answer(query, hits, FALLBACK_NOTICE.format(reason=reason), texts, plan, q)
    try:
        model = model or ChatModel(settings)
        messages = build_messages(load_prompt(settings, "answer_system.md"), load_prompt(settings, "answer_user.md"),
                                  asked, sources, previous)
        raw = ""
        if not stream:
            raw = model.complete(messages)
        else:
            for delta in model.stream(messages):
                raw += delta
                yield Answer(answer=raw, mode="model", refused=False, sources=sources, query=query, final=False,
                             caveats=plan.caveats)
    except ModelUnavailable as exc:
        yield fallback(str(exc))
        return
    except FileNotFoundError:
        yield fallback("缺少回答提示词模板")
        return
    if not raw.strip():
        yield fallback("生成模型没有返回内容")
        return
    answer = finish_model_answer(raw, sources, query)
    yield replace(answer, caveats=plan.caveats) if not answer.refused else answer


def final(answers: Iterator[Answer]) -> Answer:
    """The last answer of a stream."""
    last = None
    for last in answers:
        pass
    assert last is not None
    return last

