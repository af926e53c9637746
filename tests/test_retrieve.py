"""How search turns ranked chunks into hits: per-document caps and near-duplicate folding (pure)."""

from __future__ import annotations

from assistant.models import Chunk
from assistant.retrieval.retrieve import pick_hits

REPLY = "关于加快老旧小区加装电梯的建议，我局会同市财政局将补贴标准提高到每部二十万元，并允许提取住房公积金。"


def chunk(chunk_id: str, doc_id: str, text: str) -> Chunk:
    return Chunk(chunk_id=chunk_id, doc_id=doc_id, ordinal=0, text=text, heading="", page=None, start=0, end=len(text))


def test_a_repeat_in_another_document_is_folded_into_the_better_hit():
    chunks = {c.chunk_id: c for c in [
        chunk("a", "reply-cppcc", REPLY),
        chunk("b", "reply-npc", REPLY.replace("二十万元", "二十五万元")),
        chunk("c", "policy", "本市停车设施管理办法规定，单位停车场夜间向居民错时开放。"),
    ]}
    assert pick_hits(["a", "b", "c"], chunks, {"reply-cppcc", "reply-npc", "policy"}, k=2, per_doc=1) == [
        ("a", ["reply-npc"]), ("c", [])]


def test_repeats_just_below_the_last_hit_are_still_named_and_stale_documents_skipped():
    chunks = {c.chunk_id: c for c in [
        chunk("x", "gone", "一份正在删除的文件。"),
        chunk("a", "reply-cppcc", REPLY),
        chunk("b", "reply-npc", REPLY),
        chunk("a2", "reply-cppcc", REPLY + "此外，将简化审批。"),
    ]}
    picked = pick_hits(["x", "a", "a2", "b"], chunks, {"reply-cppcc", "reply-npc"}, k=1, per_doc=None)
    assert picked == [("a", ["reply-npc"])]  # a2 is the same document: not listed as another one
