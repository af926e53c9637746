"""Answers with citations: the answer object, follow-up resolution, refusal, extractive and model modes.

Everything here works on search hits that ``Assistant.search`` returned; nothing retrieves on its
own. The text functions are pure: ``resolve_followup`` rewrites a follow-up question with the
topic of the conversation, ``support`` and ``should_refuse`` decide whether the corpus backs an
answer at all, ``compose_extractive`` picks the most relevant sentences of the best passages.
``answer_stream`` runs the model mode and falls back to the extractive answer on any failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .citations import split_sentences, verify
from .config import Settings
from .llm import ChatModel, Message, ModelUnavailable, fill, load_prompt, source_block
from .models import SearchHit, Source
from .tokenize import STOPWORDS, query_terms

REFUSAL = "未在文库中找到能够回答该问题的依据。"
EXTRACTIVE_NOTICE = "未配置生成模型：以下为文库原文摘录。"
FALLBACK_NOTICE = "{reason}，以下改为文库原文摘录。"
NO_MARKER_NOTICE = "生成的回答未标注任何出处，请对照下列资料核实。"

SUPPORT_HITS = 5  # hits whose similarity counts towards support
COVERAGE_HITS = 3  # passages whose text counts for query-term coverage
COVERAGE_WEIGHT = 0.05  # support = best similarity + COVERAGE_WEIGHT × coverage
MODEL_SOURCES = 6  # passages given to the model
EXTRACT_PASSAGES = 5  # passages the extractive answer draws sentences from (each contributes its best)
MIN_OVERLAP = 0.1  # a passage's best sentence is quoted only if it shares this much with the question
SIMILAR_MARGIN = 0.03  # …or if its cosine similarity is within this of the best passage's
CLOSE_SIMILARITY = 0.85  # …or at least this (e5 cosine; unrelated Chinese passages score ≈ 0.75–0.82)


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
_ENUMERATOR = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条款]|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|\d+[.、．])\s*")
_LINE_ENDS = ("。", "！", "？", "；", "：", "!", "?", ";", ":")
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


# -- refusal -----------------------------------------------------------------------------

def coverage(query: str, passages: Sequence[str]) -> float:
    """Share of the query's content words (weighted by length) found in ``passages``."""
    terms = query_terms(query)
    if not terms:
        return 0.0
    text = "".join(passages)
    return sum(len(t) for t in terms if t in text) / sum(len(t) for t in terms)


def support(query: str, hits: Sequence[SearchHit]) -> float:
    """How well the corpus backs an answer: best cosine similarity plus a little keyword coverage."""
    if not hits:
        return 0.0
    best = max(h.similarity for h in hits[:SUPPORT_HITS])
    return best + COVERAGE_WEIGHT * coverage(query, [h.text for h in hits[:COVERAGE_HITS]])


def should_refuse(query: str, hits: Sequence[SearchHit], threshold: float) -> bool:
    return not hits or support(query, hits) < threshold


# -- extractive answers ------------------------------------------------------------------

def _bigrams(text: str) -> set[str]:
    runs = re.findall(r"[\u3400-\u9fffA-Za-z0-9]+", text)
    return {run[i : i + 2] for run in runs for i in range(len(run) - 1)}


@dataclass(frozen=True)
class _Candidate:
    rank: int  # 0-based passage rank
    position: int  # sentence index inside the passage
    text: str
    score: float


def unwrap_lines(text: str, min_line: int = 20) -> str:
    """Join hard line breaks inside sentences (PDF layout) while keeping headings and list items apart."""
    lines = text.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        previous = out[-1].rstrip()
        wrapped = (len(previous) >= min_line and not previous.endswith(_LINE_ENDS)
                   and line.strip() and not _ENUMERATOR.match(line.strip()))
        if wrapped:
            out[-1] = previous + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


# Formulaic sentences of replies and letters that answer nothing ("……收悉。", "感谢您……").
_FORMULAIC = re.compile(r"收悉|现答复如下|现将.{0,12}答复如下|感谢您|感谢你|联系人|联系电话|此件公开发布|特此(?:通知|函复|答复)")


def _sentences(passage: str, min_words: int = 12, whole: bool = False) -> list[str]:
    """Sentences of a passage worth quoting: not headings, not fragments, not formulas.

    ``whole``: the passage ends where its paragraph ends (chunks end at sentence or paragraph
    ends), so an unterminated last piece — a table row, a list — is complete, not cut off."""
    out = []
    pieces = split_sentences(unwrap_lines(passage))
    if whole and pieces and not pieces[-1].endswith("\n"):
        pieces[-1] += "\n"
    for piece in pieces:
        sentence = piece.strip()
        if _FORMULAIC.search(sentence):
            continue
        ends = sentence.endswith(("。", "！", "？", "；", "!", "?", ";"))
        if not ends and not piece.endswith("\n"):
            continue  # cut off by the chunk boundary
        words = len(_CJK_OR_WORD.findall(_ENUMERATOR.sub("", sentence)))
        if words >= min_words or (ends and words >= min(8, min_words)):
            out.append(sentence)
    return out


def score_sentences(query: str, hits: Sequence[SearchHit], passages: int = EXTRACT_PASSAGES) -> list[_Candidate]:
    """Every quotable sentence of the best passages, scored by query overlap and passage rank."""
    terms = query_terms(query)
    weight = sum(len(t) for t in terms) or 1
    q_bigrams = _bigrams(query)
    candidates = []
    for rank, hit in enumerate(hits[:passages]):
        # a short answer passage (lists, FAQ replies) still gets its sentences quoted
        for position, sentence in enumerate(_sentences(hit.text) or _sentences(hit.text, min_words=4, whole=True)):
            term_overlap = sum(len(t) for t in terms if t in sentence) / weight
            bigram_overlap = len(q_bigrams & _bigrams(sentence)) / (len(q_bigrams) or 1)
            score = 0.6 * term_overlap + 0.4 * bigram_overlap + 0.2 / (rank + 1)
            candidates.append(_Candidate(rank, position, sentence, score))
    return candidates


def compose_extractive(query: str, hits: Sequence[SearchHit], max_sentences: int = 6,
                       max_chars: int = 480) -> tuple[str, tuple[Source, ...]]:
    """An answer made of the best passages' most relevant sentences, each followed by its ``[n]``.

    Each of the best passages first contributes its most relevant sentence (so the answer cites
    every passage retrieval ranked highest), then the best remaining sentences fill the answer.
    Sentences keep their passage's order (best passage first, then position inside it); a near
    repeat from another top passage adds that passage's marker to the sentence already quoted;
    sources are numbered in order of first citation.
    """
    chosen: list[_Candidate] = []
    seen: list[set[str]] = []
    total = 0
    scored = sorted(score_sentences(query, hits), key=lambda c: -c.score)
    ranked = [c for c in scored if c.score - 0.2 / (c.rank + 1) >= MIN_OVERLAP] or scored[:1]
    # every top passage that shares words with the question, or is about as close to it in meaning
    # as the best passage, is quoted at least once (its best sentence; else its first)
    close = {i for i, h in enumerate(hits[:EXTRACT_PASSAGES])
             if h.similarity >= min(hits[0].similarity - SIMILAR_MARGIN, CLOSE_SIMILARITY)}
    shares = [c for c in scored if c.score - 0.2 / (c.rank + 1) > 0 or (c.rank in close and c.position == 0)]
    best_per_passage = sorted({c.rank: c for c in reversed(shares)}.values(), key=lambda c: -c.score)
    also: dict[int, list[int]] = {}  # chosen sentence → further passages that say the same
    for cand in best_per_passage + ranked:
        if cand in chosen:
            continue
        grams = _bigrams(cand.text)
        guaranteed = cand in best_per_passage  # one sentence of every top passage, whatever the length
        repeat = next((j for j, other in enumerate(seen) if len(grams & other) / (len(grams | other) or 1) > 0.6), None)
        if repeat is not None:
            extra = also.setdefault(id(chosen[repeat]), [])
            if guaranteed and chosen[repeat].rank != cand.rank and cand.rank not in extra:
                extra.append(cand.rank)  # cite it where it is said
            continue
        if chosen and not guaranteed and total + len(cand.text) > max_chars:
            continue
        chosen.append(cand)
        seen.append(grams)
        total += len(cand.text)
        if len(chosen) >= max_sentences:
            break
    chosen.sort(key=lambda c: (c.rank, c.position))
    numbers: dict[int, int] = {}
    lines = []
    for cand in chosen:
        cited = [numbers.setdefault(rank, len(numbers) + 1) for rank in (cand.rank, *also.get(id(cand), ()))]
        lines.append(_with_marker(cand.text, *cited))
    sources = tuple(Source.from_hit(n, hits[rank]) for rank, n in numbers.items())
    return "\n".join(lines), sources


def _with_marker(sentence: str, *numbers: int) -> str:
    """``…万元。`` → ``…万元[1]。`` (or ``[1][3]``): markers go before the closing punctuation."""
    body = sentence.rstrip("。！？；!?;")
    return f"{body}{''.join(f'[{n}]' for n in numbers)}{sentence[len(body):] or '。'}"


def extractive_answer(query: str, hits: Sequence[SearchHit], notice: str = EXTRACTIVE_NOTICE) -> Answer:
    text, sources = compose_extractive(query, hits)
    return Answer(answer=text, mode="extractive", refused=False, sources=sources, notice=notice, query=query)


def refusal(query: str, hits: Sequence[SearchHit], mode: str, closest: int = 3) -> Answer:
    """The plain 'not in the library' answer, with the closest documents (one passage each) as sources."""
    sources: list[Source] = []
    for hit in hits:
        if len(sources) >= closest:
            break
        if all(s.doc_id != hit.doc_id for s in sources):
            sources.append(Source.from_hit(len(sources) + 1, hit))
    answer = REFUSAL + ("以下是文库中最接近的文档，供参考。" if sources else "")
    return Answer(answer=answer, mode=mode, refused=True, sources=tuple(sources), query=query)


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
                  previous: Sequence[str] = (), model: ChatModel | None = None,
                  stream: bool = True) -> Iterator[Answer]:
    """Partial answers while the model writes, then the verified final one (``final=True``).

    ``query`` is the resolved question used for retrieval, ``question`` what the member typed.
    Without a model (``llm_url`` unset) the one answer is extractive. On any model failure the
    final answer is extractive with a notice saying why. ``stream=False`` asks the model for
    the whole reply in one (non-streaming) request.
    """
    mode = "model" if settings.llm_url else "extractive"
    if should_refuse(query, hits, settings.refusal_threshold):
        yield refusal(query, hits, mode)
        return
    if mode == "extractive":
        yield extractive_answer(query, hits)
        return
    sources = tuple(Source.from_hit(n, hit) for n, hit in enumerate(hits[:MODEL_SOURCES], start=1))
    asked = question or query
    if asked != query:
        asked = f"{asked}（检索用语：{query}）"
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
                yield Answer(answer=raw, mode="model", refused=False, sources=sources, query=query, final=False)
    except ModelUnavailable as exc:
        yield extractive_answer(query, hits, FALLBACK_NOTICE.format(reason=str(exc)))
        return
    except FileNotFoundError:
        yield extractive_answer(query, hits, FALLBACK_NOTICE.format(reason="缺少回答提示词模板"))
        return
    if not raw.strip():
        yield extractive_answer(query, hits, FALLBACK_NOTICE.format(reason="生成模型没有返回内容"))
        return
    yield finish_model_answer(raw, sources, query)


def final(answers: Iterator[Answer]) -> Answer:
    """The last answer of a stream."""
    last = None
    for last in answers:
        pass
    assert last is not None
    return last

