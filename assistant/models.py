"""Typed records that cross module boundaries, in data-flow order.

read → ``RawDocument``; clean → ``CleanText``; metadata → ``DocMeta``;
chunk → ``ChunkSpan`` → ``Chunk``; retrieve → ``SearchHit``; answer/draft → ``Source``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

GENRES = ("policy", "law", "proposal", "reply", "social_report", "consultation", "speech", "other")
GENRE_LABELS = {
    "policy": "政策文件",
    "law": "法律法规",
    "proposal": "提案",
    "reply": "答复",
    "social_report": "社情民意",
    "consultation": "协商建议",
    "speech": "讲话发言",
    "other": "其他",
}
VISIBILITIES = ("public", "internal")


@dataclass(frozen=True)
class Page:
    """Text of one page as extracted; ``number`` is 1-based, None for unpaginated formats."""

    number: int | None
    text: str


@dataclass(frozen=True)
class RawDocument:
    """What a reader returns: the pages of one file plus any title the format itself carries."""

    path: str
    pages: tuple[Page, ...]
    title_hint: str | None = None


@dataclass(frozen=True)
class CleanText:
    """Cleaned full text; ``page_starts`` maps character offsets to page numbers.

    ``page_starts`` is a tuple of ``(offset, page_number)`` sorted by offset: the page of
    offset ``i`` is the number of the last entry whose offset is <= i.
    """

    text: str
    page_starts: tuple[tuple[int, int | None], ...] = ((0, None),)

    def page_at(self, offset: int) -> int | None:
        page = self.page_starts[0][1] if self.page_starts else None
        for start, number in self.page_starts:
            if start > offset:
                break
            page = number
        return page


@dataclass
class DocMeta:
    """Document metadata, detected from the text and overridable by staff."""

    title: str
    genre: str = "other"
    doc_number: str | None = None  # 文号, e.g. 国办函〔2006〕82号
    issuer: str | None = None
    date: str | None = None  # ISO: YYYY-MM-DD, YYYY-MM or YYYY
    year: int | None = None
    visibility: str = "public"
    extra: dict = field(default_factory=dict)  # e.g. {"external_id": ...} for benchmark passages

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ChunkSpan:
    """A chunk as the chunker cuts it: offsets into the cleaned text and its heading path."""

    start: int
    end: int
    headings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    heading: str  # heading path joined with " > "
    page: int | None
    start: int
    end: int


@dataclass(frozen=True)
class SearchFilters:
    genres: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    issuer: str | None = None
    include_internal: bool = True  # False for members: internal documents never reach them
    doc_ids: tuple[str, ...] = ()  # only these documents (a question that names a document by 文号 or title)
    in_force_only: bool = False  # 仅现行有效: leave out 已废止/已失效/已修订 documents (no status counts as in force)

    def __post_init__(self) -> None:
        unknown = set(self.genres) - set(GENRES)
        if unknown:
            raise ValueError(f"unknown genre(s): {', '.join(sorted(unknown))}; expected one of {', '.join(GENRES)}")


@dataclass(frozen=True)
class SearchHit:
    rank: int
    score: float
    doc_id: str
    chunk_id: str
    title: str
    genre: str
    source: str  # file path as ingested
    page: int | None
    heading: str
    text: str
    doc_number: str | None = None
    issuer: str | None = None
    date: str | None = None
    year: int | None = None
    start: int = 0
    end: int = 0
    external_id: str | None = None
    similarity: float = 0.0  # cosine of query and chunk embeddings: an absolute relevance signal
    near_duplicates: tuple[str, ...] = ()  # other documents whose passage here was all but identical (folded in)
    status: str | None = None  # validity (时效): 现行有效 / 已修订 / 已废止 / 已失效, None when unknown
    rerank_score: float | None = None  # the reranker server's relevance score, None when not reranked

    def to_json(self) -> dict:
        extra = {"rerank_score": round(self.rerank_score, 6)} if self.rerank_score is not None else {}
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "doc_id": self.doc_id,
            "chunk_id": self.chunk_id,
            "title": self.title,
            "genre": self.genre,
            "source": self.source,
            "page": self.page,
            "heading": self.heading,
            "text": self.text,
            **extra,
        }


@dataclass(frozen=True)
class Source:
    """A numbered passage behind an answer or a draft; ``n`` is the number its ``[n]`` markers use."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    genre: str
    source: str
    page: int | None
    heading: str
    text: str
    doc_number: str | None = None
    year: int | None = None
    issuer: str | None = None
    date: str | None = None
    start: int = 0
    end: int = 0
    near_duplicates: tuple[str, ...] = ()  # documents holding all but the same passage
    status: str | None = None  # validity (时效) of the document, as on SearchHit

    @classmethod
    def from_hit(cls, n: int, hit: SearchHit) -> Source:
        return cls(n=n, doc_id=hit.doc_id, chunk_id=hit.chunk_id, title=hit.title, genre=hit.genre,
                   source=hit.source, page=hit.page, heading=hit.heading, text=hit.text,
                   doc_number=hit.doc_number, year=hit.year, issuer=hit.issuer, date=hit.date,
                   start=hit.start, end=hit.end, near_duplicates=hit.near_duplicates, status=hit.status)

    def to_json(self, *extra: str) -> dict:
        """The passage and its 文号, plus the ``extra`` fields a caller's contract adds.

        Answers add ``"date"``, drafts add ``"year"``.
        """
        data = {"n": self.n, "doc_id": self.doc_id, "chunk_id": self.chunk_id, "title": self.title,
                "genre": self.genre, "source": self.source, "page": self.page, "heading": self.heading,
                "text": self.text, "doc_number": self.doc_number}
        data.update((name, getattr(self, name)) for name in extra)
        return data


ROLES = ("member", "staff", "admin")


@dataclass(frozen=True)
class User:
    """Who is calling. Members never see internal documents; staff and admins manage the corpus."""

    name: str
    role: str = "member"

    @property
    def sees_internal(self) -> bool:
        return self.role in ("staff", "admin")

    @property
    def can_manage(self) -> bool:
        return self.role in ("staff", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


LOCAL_ADMIN = User("local", "admin")  # the single user of an install without accounts (or --open)


def filters_for(user: User, **fields) -> SearchFilters:
    """Search filters with the visibility rule of ``user`` applied; nothing else can widen it."""
    return SearchFilters(**{**fields, "include_internal": user.sees_internal})
