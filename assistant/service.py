"""The service layer: every feature as a plain Python call. The CLI and the web app are thin shells."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.access.accounts import Accounts
from assistant.answers.answer import Answer, Plan, Question, answer_stream, content_terms, final, plan_answer, resolve_followup
from assistant.answers.evidence import PASSAGES
from assistant.access.audit import AuditLog
from assistant.config import Settings
from assistant.answers.conversations import ConversationStore
from assistant.index.embed import Embedder
from assistant.answers.feedback import FeedbackStore
from assistant.ingest.pipeline import IngestReport, ingest_paths, prepare, validate_overrides
from assistant.models import SearchFilters, SearchHit, User
from assistant.index.registry import DocumentRecord
from assistant.retrieval.retrieve import Retriever
from assistant.index.store import Index, ProgressFn, no_progress, with_overrides


class NotFound(LookupError):
    pass


SIBLINGS = 60  # passages of the best document read besides the retrieved ones


@dataclass(frozen=True)
class AnswerInputs:
    hits: list[SearchHit]
    texts: dict[str, str]
    weights: dict[str, float]
    absent_terms: list[str]  # long terms of the question no chunk contains


class Assistant:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.index = Index(settings, embedder)
        self.retriever = Retriever(self.index)
        self.accounts = Accounts(settings.accounts_path)
        self.audit = AuditLog(settings.audit_path)
        self.conversations = ConversationStore(settings.conversations_path)
        self.feedback = FeedbackStore(settings.conversations_path)
        self.embed_worker = None  # embed_queue.EmbedWorker while `serve` embeds uploads in the background

    def close(self) -> None:
        if self.embed_worker is not None:
            self.embed_worker.stop()
        self.index.close()
        self.accounts.close()
        self.audit.close()
        self.conversations.close()
        self.feedback.close()

    # -- corpus -------------------------------------------------------------------------
    def ingest(self, paths: list[Path], overrides: dict | None = None, progress: ProgressFn = no_progress,
               original_names: dict[str, str] | None = None, embed_later: bool = False) -> IngestReport:
        """``embed_later``: keyword-searchable at once, vectors left to the embedding queue."""
        report = ingest_paths(self.index, paths, overrides, progress, original_names, embed_later)
        if embed_later and self.embed_worker is not None:
            self.embed_worker.wake()
        return report

    def start_embed_worker(self):
        """Embed queued chunks in a background thread of this process (``assistant serve``)."""
        from assistant.index.embed_queue import EmbedWorker

        if self.embed_worker is None:
            self.embed_worker = EmbedWorker(self.index).start()
        return self.embed_worker

    @property
    def embeds_in_background(self) -> bool:
        """Whether uploads are stored keyword-searchable first and embedded by the worker."""
        return self.settings.embed_in_background and self.embed_worker is not None

    def pending_embeddings(self) -> int:
        """Chunks still waiting for their vectors (cheap: the queue's row count)."""
        return self.index.registry.queue_counts()[0]

    def embedding_status(self):
        """Documents, chunks, how many still wait for a vector and who embeds them (``EmbeddingStatus``)."""
        from assistant.index.embed_queue import embedding_status

        return embedding_status(self.index)

    def documents(self) -> list[DocumentRecord]:
        return self.index.documents()

    def resolve_doc_id(self, doc_id: str, any_state: bool = False) -> str:
        """A full document id from an id or an unambiguous prefix of one (at least 4 characters).

        ``any_state`` also finds documents an interrupted write left half-done (to finish them)."""
        if (self.index.registry.document(doc_id) if any_state else self.index.document(doc_id)):
            return doc_id
        records = self.index.registry.documents(ready_only=not any_state)
        matches = [d.doc_id for d in records if len(doc_id) >= 4 and d.doc_id.startswith(doc_id)]
        if len(matches) == 1:
            return matches[0]
        raise NotFound(f"no document {doc_id}" if not matches else f"document id {doc_id} is ambiguous")

    def document(self, doc_id: str) -> DocumentRecord:
        record = self.index.document(self.resolve_doc_id(doc_id))
        if record is None:
            raise NotFound(f"no document {doc_id}")
        return record

    def document_text(self, doc_id: str) -> str:
        clean = self.index.registry.document_text(self.resolve_doc_id(doc_id))
        return clean.text if clean else ""

    def document_chunks(self, doc_id: str):
        return [s.chunk for s in self.index.registry.chunks_of(self.resolve_doc_id(doc_id))]

    def remove(self, doc_ids: list[str]) -> list[str]:
        """Delete documents everywhere; returns the ids now gone. Removing a document whose removal
        was interrupted finishes it (no "no document" error)."""
        with self.index.writing():
            wanted = list(dict.fromkeys(self.resolve_doc_id(d, any_state=True) for d in doc_ids))
            self.index.heal()
            self.index.remove(wanted)
            return [d for d in wanted if self.index.registry.document(d) is None]

    def set_metadata(self, doc_id: str, **fields) -> DocumentRecord:
        """Staff edit of title/genre/doc_number/issuer/date/year/visibility; kept across re-indexing."""
        with self.index.writing():
            self.index.heal()  # an interrupted earlier edit is finished first
            record = self.document(doc_id)
            changes = validate_overrides(fields)
            if changes:
                overrides = {**record.overrides, **changes}
                if "extra" in changes:  # e.g. a status (时效) edit: keep other staff-set extra fields
                    overrides["extra"] = {**(record.overrides.get("extra") or {}), **changes["extra"]}
                self.index.update_metadata(record.doc_id, with_overrides(record.meta, changes), overrides)
            return self.document(record.doc_id)

    def reindex(self, progress: ProgressFn = no_progress) -> int:
        """Re-chunk every document from its stored cleaned text; vectors come from the cache."""
        with self.index.writing():
            self.index.heal()
            records = self.index.documents()
            for number, record in enumerate(records, start=1):
                clean = self.index.registry.document_text(record.doc_id)
                content_hash = self.index.registry.content_hash(record.doc_id)
                doc = prepare(clean, content_hash, record.meta, record.overrides, self.settings.chunk_target,
                              self.settings.chunk_max)
                self.index.replace_chunks(doc)
                progress("reindex", number, len(records))
            return len(records)

    # -- accounts ---------------------------------------------------------------------
    def user(self, name: str) -> User | None:
        """The account called ``name``, or None."""
        account = self.accounts.get(name)
        return account.user if account else None

    def authenticate(self, name: str, password: str, address: str | None = None) -> bool:
        """Password check for the web login (Gradio's ``auth=``); failures slow the account and the
        client ``address`` down. A disabled account never logs in (checked after the password, so it
        costs the same)."""
        return self.accounts.authenticate(name, password, address) and not self.accounts.is_disabled(name)

    # -- retrieval ----------------------------------------------------------------------
    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None,
               per_doc: int | None = None) -> list[SearchHit]:
        return self.retriever.search(query, k, filters, per_doc)

    def _named_first(self, query: str, hits: list[SearchHit], filters: SearchFilters | None) -> list[SearchHit]:
        """A question that names a document (by 文号 or 《title》) gets that document's passages first."""
        named = _named_documents(query, self.documents()) if ("〔" in query or "《" in query or "[" in query) else []
        if not named or (hits and hits[0].doc_id in named):
            return hits
        scoped = replace(filters or SearchFilters(), doc_ids=tuple(named))
        first = self.search(query, k=4, filters=scoped, per_doc=2)
        seen = {h.chunk_id for h in first}
        return first + [h for h in hits if h.chunk_id not in seen]

    # -- drafting and review -------------------------------------------------------------
    def draft(self, topic: str, kind: str = "proposal", notes: str = "", region: str = "", sector: str = "",
              proposer: str = "", filters: SearchFilters | None = None):
        """A 提案/社情民意信息/协商建议 draft on cited precedents (``draft.Draft``); model-written if configured."""
        from assistant.drafting.draft import DraftRequest, build_draft, model_draft

        draft = build_draft(self, DraftRequest(topic, kind, notes, region, sector, proposer), filters)
        return model_draft(draft, self.settings) if self.settings.llm_url else draft

    def check(self, text: str, kind: str = "proposal", filters: SearchFilters | None = None):
        """Format findings and similar existing documents for a member's draft (``check.CheckReport``)."""
        from assistant.drafting.check import CheckReport, check_text
        from assistant.drafting.formats import load_format
        from assistant.drafting.similar import find_similar

        findings = check_text(text, load_format(kind, self.settings.prompts))
        return CheckReport(tuple(findings), tuple(find_similar(self, text, filters)))

    # -- answers ------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence = (), filters: SearchFilters | None = None,
            stream: bool = False) -> Answer | Iterator[Answer]:
        """Answer ``question`` from the corpus with verified ``[n]`` citations, or refuse.

        ``history`` holds the member's earlier questions (strings, or chat messages as
        ``{"role", "content"}`` dicts, or ``(question, answer)`` pairs), used to resolve follow-ups.
        With ``stream=True`` an iterator of partial answers whose last item is final.
        """
        previous = _previous_questions(history)
        query = resolve_followup(question, previous)
        found = self.answer_inputs(query, filters)
        answers = answer_stream(query, found.hits, self.settings, question=question.strip(), previous=previous,
                                stream=stream, texts=found.texts, weights=found.weights, absent_terms=found.absent_terms)
        return answers if stream else final(answers)

    def answer_inputs(self, query: str, filters: SearchFilters | None = None) -> AnswerInputs:
        """What an answer is made from: the passages (a document the question names first), their
        documents' texts (the best one read whole) and the IDF of the question's terms."""
        hits = self._named_first(query, self.search(query, k=10, filters=filters, per_doc=2), filters)
        hits += self._rest_of_best_document(hits)
        texts = {h.doc_id: self.index.registry.document_text(h.doc_id) for h in hits[:PASSAGES]}
        keywords = self.index.keywords()
        weights, absent = self.retriever.term_weights(content_terms(query, keywords.knows_word), keywords)
        return AnswerInputs(hits, {d: clean.text for d, clean in texts.items() if clean}, weights, absent)

    def _rest_of_best_document(self, hits: list[SearchHit]) -> list[SearchHit]:
        """The best document's other passages (nearest the best one first, at most ``SIBLINGS``): the
        answer reads the document that answers, not only the passages retrieval happened to pick."""
        if not hits:
            return []
        best = hits[0]
        have = {h.chunk_id for h in hits}
        stored = [s.chunk for s in self.index.registry.chunks_of(best.doc_id) if s.chunk.chunk_id not in have]
        stored.sort(key=lambda c: abs(c.start - best.start))
        return [replace(best, rank=len(hits) + n, score=0.0, chunk_id=c.chunk_id, text=c.text, heading=c.heading,
                        page=c.page, start=c.start, end=c.end, similarity=0.0, near_duplicates=(), rerank_score=None)
                for n, c in enumerate(stored[:SIBLINGS], start=1)]

    def answer_plan(self, query: str, filters: SearchFilters | None = None) -> Plan:
        """The evidence and the refusal decision the chat would reach for ``query`` (hit testing)."""
        found = self.answer_inputs(query, filters)
        return plan_answer(Question(query, found.weights), found.hits, found.texts, self.settings.refusal_threshold,
                           absent_terms=found.absent_terms)


def _named_documents(question: str, records: Sequence[DocumentRecord]) -> list[str]:
    """Ids of the documents a question names by 文号 ("国发〔2018〕39号") or by 《title》."""
    from assistant.answers.specifics import question_specifics, same_doc_number, title_named

    wanted = question_specifics(question)
    numbers = [n for n in wanted.numbers if "〔" in n]
    found = []
    for record in records:
        meta = record.meta
        if any(meta.doc_number and same_doc_number(n, meta.doc_number) for n in numbers) \
                or any(title_named(t, meta.title) for t in wanted.titles):
            found.append(record.doc_id)
    return found[:3]


def _previous_questions(history: Sequence) -> list[str]:
    questions = []
    for turn in history:
        if isinstance(turn, str):
            questions.append(turn)
        elif isinstance(turn, dict):
            content = turn.get("content")
            if isinstance(content, list):  # Gradio's [{"type": "text", "text": …}] parts
                content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
            if turn.get("role") == "user" and isinstance(content, str):
                questions.append(content)
        elif isinstance(turn, (tuple, list)) and turn and isinstance(turn[0], str):
            questions.append(turn[0])
    return [q for q in questions if q.strip()]
