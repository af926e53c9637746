"""The operations view for staff (运营): what members ask, what was refused or disliked, what is cited,
and hit testing (命中测试) of retrieval and refusal.

Every call names its caller and refuses members (``library.require_staff``): members' questions
and verdicts are visible to staff and admins only, whether asked from the page or the API.
"""

from __future__ import annotations

import csv
import io
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answers.feedback import RATINGS, Feedback
from assistant.access.library import require_staff
from assistant.models import SearchFilters, User
from assistant.retrieval.rank import FEATURES
from assistant.service import Assistant

DAY = 24 * 3600


@dataclass(frozen=True)
class DailyCount:
    day: str  # YYYY-MM-DD, local time
    questions: int
    refused: int
    disliked: int


@dataclass(frozen=True)
class Overview:
    days: list[DailyCount]
    questions: int
    refused: int
    liked: int
    disliked: int

    @property
    def refusal_rate(self) -> float:
        return self.refused / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class Gap:
    """A question members asked that the library could not answer or whose answer they disliked."""

    question: str
    asked: int
    refused: int
    disliked: int
    last: str


@dataclass(frozen=True)
class CitedDocument:
    doc_id: str
    title: str
    citations: int
    answers: int


@dataclass(frozen=True)
class HitRow:
    rank: int
    score: float
    similarity: float
    title: str
    heading: str
    doc_id: str
    chunk_id: str
    text: str
    signals: dict[str, float]


@dataclass(frozen=True)
class HitTest:
    query: str
    rows: list[HitRow]
    support: float
    threshold: float
    refused: bool




def _day(at: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(at))


def _normal(question: str) -> str:
    return " ".join(question.split()).rstrip("？?。.！!")


class Operations:
    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    # -- members' questions ---------------------------------------------------------------
    def overview(self, user: User, days: int = 30) -> Overview:
        require_staff(user)
        since = time.time() - days * DAY
        turns = self.assistant.conversations.all_turns(since)
        feedback = self.assistant.feedback.entries(since=since)
        per_day: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for turn in turns:
            counts = per_day[_day(turn.at)]
            counts[0] += 1
            counts[1] += int(turn.answer.refused)
        for entry in feedback:
            if entry.rating == "down":
                per_day[_day(entry.at)][2] += 1
        rows = [DailyCount(day, *counts) for day, counts in sorted(per_day.items())]
        return Overview(rows, len(turns), sum(int(t.answer.refused) for t in turns),
                        sum(1 for f in feedback if f.rating == "up"), sum(1 for f in feedback if f.rating == "down"))

    def gaps(self, user: User, limit: int = 30) -> list[Gap]:
        """The most frequent refused or disliked questions: what the library is missing."""
        require_staff(user)
        asked: Counter = Counter()
        refused: Counter = Counter()
        disliked: Counter = Counter()
        last: dict[str, float] = {}
        shown: dict[str, str] = {}
        for turn in self.assistant.conversations.all_turns():
            key = _normal(turn.question)
            shown.setdefault(key, turn.question)
            asked[key] += 1
            refused[key] += int(turn.answer.refused)
            last[key] = max(last.get(key, 0), turn.at)
        for entry in self.assistant.feedback.entries(rating="down"):
            key = _normal(entry.question)
            shown.setdefault(key, entry.question)
            asked[key] = max(asked[key], 1)
            disliked[key] += 1
            last[key] = max(last.get(key, 0), entry.at)
        keys = [k for k in asked if refused[k] or disliked[k]]
        keys.sort(key=lambda k: (-(refused[k] + disliked[k]), -asked[k], -last[k]))
        return [Gap(shown[k], asked[k], refused[k], disliked[k], time.strftime("%Y-%m-%d %H:%M",
                                                                            time.localtime(last[k])))
                for k in keys[:limit]]

    def feedback(self, user: User, rating: str | None = None, reason: str | None = None,
                 limit: int | None = 500) -> list[Feedback]:
        require_staff(user)
        if rating and rating not in RATINGS:
            raise ValueError(f"未知评价：{rating}")
        return self.assistant.feedback.entries(rating or None, reason or None, limit=limit)

    def cited_documents(self, user: User, limit: int = 20) -> list[CitedDocument]:
        require_staff(user)
        citations: Counter = Counter()
        answers: Counter = Counter()
        titles: dict[str, str] = {}
        for turn in self.assistant.conversations.all_turns():
            if turn.answer.refused:
                continue
            for source in turn.answer.sources:
                citations[source.doc_id] += 1
                titles[source.doc_id] = source.title
            for doc_id in {s.doc_id for s in turn.answer.sources}:
                answers[doc_id] += 1
        for doc_id in titles:  # the current title, where the document is still there
            record = self.assistant.index.document(doc_id)
            if record is not None:
                titles[doc_id] = record.meta.title
        return [CitedDocument(d, titles[d], citations[d], answers[d]) for d, _ in citations.most_common(limit)]

    # -- hit testing ----------------------------------------------------------------------
    def hit_test(self, user: User, query: str, filters: SearchFilters | None = None, k: int = 10) -> HitTest:
        """The ranked chunks for ``query`` with their scores and the ranker's signals, and whether the
        chat would refuse it."""
        require_staff(user)
        query = (query or "").strip()
        if not query:
            raise ValueError("请输入要测试的问题")
        filters = filters or SearchFilters()
        retriever = self.assistant.retriever
        found = retriever.candidates(query, filters)
        matrix = found.features()
        signals = {chunk_id: dict(zip(FEATURES, map(float, row))) for chunk_id, row in zip(found.chunk_ids, matrix)}
        hits = self.assistant.search(query, k=k, filters=filters)
        rows = [HitRow(h.rank, h.score, h.similarity, h.title, h.heading, h.doc_id, h.chunk_id, h.text,
                       signals.get(h.chunk_id, {})) for h in hits]
        plan = self.assistant.answer_plan(query, filters)  # what the chat would decide
        return HitTest(query, rows, plan.support, self.assistant.settings.refusal_threshold, plan.refused)


def to_csv(columns: Sequence[str], rows: Sequence[Sequence]) -> str:
    """CSV text with a BOM, so that Excel opens the Chinese columns correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()
