"""Kept conversations and feedback: per user, every answer with its own sources, across reopening."""

from __future__ import annotations

import io

import docx
import pytest

from assistant.answers.answer import Answer
from assistant.answers.conversation_export import conversation_docx, conversation_markdown
from assistant.answers.conversations import ConversationNotFound, ConversationStore
from assistant.answers.feedback import FeedbackStore
from assistant.models import Source


def _answer(text: str, title: str, status: str | None = None, refused: bool = False) -> Answer:
    source = Source(n=1, doc_id="d-" + title, chunk_id="c1", title=title, genre="policy", source="a.pdf", page=2,
                    heading="第三条", text=f"{title}的原文段落。", doc_number="江政发〔2023〕1号", date="2023-01-02",
                    start=5, end=14, near_duplicates=("x",), status=status)
    return Answer(answer=text, mode="extractive", refused=refused, sources=(source,), notice="摘录",
                  query="q", caveats=("文库中没有2024年以后的数据。",) if status else ())


def test_conversations_are_kept_per_user_with_each_answers_sources(tmp_path):
    path = tmp_path / "conversations.sqlite"
    store = ConversationStore(path)
    first = store.create("张三")
    store.add_turn("张三", first.id, "加装电梯补助多少？", _answer("每台15万元[1]。", "加装电梯办法"))
    store.add_turn("张三", first.id, "托育机构呢？", _answer("每个托位1万元[1]。", "托育办法", status="已废止"))
    other = store.create("李四")
    store.close()

    reopened = ConversationStore(path)  # a server restart: nothing but the file
    assert [c.title for c in reopened.list("张三")] == ["加装电梯补助多少？"]  # named after the first question
    assert reopened.current("张三").id == first.id
    turns = reopened.turns("张三", first.id)
    assert [t.answer.sources[0].title for t in turns] == ["加装电梯办法", "托育办法"]
    restored = turns[1].answer
    assert restored.sources[0].status == "已废止" and restored.sources[0].start == 5
    assert restored.sources[0].near_duplicates == ("x",) and restored.caveats == ("文库中没有2024年以后的数据。",)
    with pytest.raises(ConversationNotFound):
        reopened.turns("李四", first.id)  # nobody reads another member's conversation
    with pytest.raises(ConversationNotFound):
        reopened.delete("李四", first.id)

    reopened.rename("张三", first.id, "电梯与托育")
    second = reopened.create("张三")
    assert reopened.current("张三").id == second.id
    assert [c.title for c in reopened.list("张三")][1] == "电梯与托育"
    reopened.delete("张三", second.id)
    assert reopened.current("张三").id == first.id
    assert [c.id for c in reopened.list("李四")] == [other.id]
    assert len(reopened.all_turns()) == 2


def test_feedback_keeps_question_answer_and_sources_and_one_verdict_per_answer(tmp_path):
    path = tmp_path / "conversations.sqlite"
    store, feedback = ConversationStore(path), FeedbackStore(path)
    conversation = store.create("张三")
    turn = store.add_turn("张三", conversation.id, "补助多少？", _answer("每台15万元[1]。", "加装电梯办法"))
    feedback.record(turn, "张三", "up")
    feedback.record(turn, "张三", "down", "信息过时", "标准已经调整")
    [entry] = feedback.entries()
    assert (entry.label, entry.reason, entry.comment, entry.question) == ("不赞同", "信息过时", "标准已经调整", "补助多少？")
    assert entry.sources == [{"n": 1, "doc_id": "d-加装电梯办法", "title": "加装电梯办法"}]
    store.delete("张三", conversation.id)
    assert feedback.entries(rating="down", reason="信息过时")  # survives the conversation
    assert feedback.entries(rating="up") == []
    with pytest.raises(ValueError):
        feedback.record(turn, "张三", "down", "随便")


def test_conversation_exports_to_markdown_and_docx_with_sources(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite")
    conversation = store.create("张三", "电梯")
    store.add_turn("张三", conversation.id, "补助多少？", _answer("每台15万元[1]。", "加装电梯办法", status="已废止"))
    turns = store.turns("张三", conversation.id)
    markdown = conversation_markdown(conversation, turns)
    for text in ("# 电梯", "## 1. 补助多少？", "每台15万元[1]。", "[1] 《加装电梯办法》", "江政发〔2023〕1号",
                 "该文件已废止", "> 加装电梯办法的原文段落。", "文库中没有2024年以后的数据。"):
        assert text in markdown
    document = docx.Document(io.BytesIO(conversation_docx(conversation, turns)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "1. 问：补助多少？" in text and "[1] 《加装电梯办法》" in text and "加装电梯办法的原文段落。" in text


def test_operations_count_refusals_gaps_and_citations_for_staff_only(make_assistant):
    from assistant.models import User
    from assistant.access.operations import Operations, to_csv

    assistant = make_assistant()
    store = assistant.conversations
    member, staff = User("张三", "member"), User("李四", "staff")
    conversation = store.create("张三")
    store.add_turn("张三", conversation.id, "加装电梯补助多少？", _answer("每台15万元[1]。", "加装电梯办法"))
    store.add_turn("张三", conversation.id, "国际象棋怎么算分？", _answer("未找到", "无关文件", refused=True))
    store.add_turn("王五", store.create("王五").id, "国际象棋怎么算分", _answer("未找到", "无关文件", refused=True))
    liked = store.add_turn("王五", store.create("王五").id, "托育补贴多少？", _answer("1万元[1]。", "托育办法"))
    assistant.feedback.record(liked, "王五", "down", "依据不对", "标准变了")

    ops = Operations(assistant)
    for call in (ops.overview, ops.gaps, ops.feedback, ops.cited_documents):
        with pytest.raises(PermissionError, match="无权限"):
            call(member)
    with pytest.raises(PermissionError):
        ops.hit_test(member, "加装电梯")
    overview = ops.overview(staff)
    assert (overview.questions, overview.refused, overview.disliked) == (4, 2, 1)
    assert overview.refusal_rate == 0.5 and overview.days[-1].questions == 4
    gaps = ops.gaps(staff)
    assert [(g.question, g.asked, g.refused, g.disliked) for g in gaps] == [
        ("国际象棋怎么算分？", 2, 2, 0), ("托育补贴多少？", 1, 0, 1)]  # asked twice, punctuation aside
    assert [(d.title, d.citations) for d in ops.cited_documents(staff)] == [("加装电梯办法", 1), ("托育办法", 1)]
    assert [f.comment for f in ops.feedback(staff, "down", "依据不对")] == ["标准变了"]
    assert ops.feedback(staff, "up") == []
    assert to_csv(["问题", "次数"], [["国际象棋, 怎么算分", 2]]) == '\ufeff问题,次数\r\n"国际象棋, 怎么算分",2\r\n'


def test_concurrent_writers_lose_no_turn_or_feedback(tmp_path):
    """Two server processes (two connections) and several threads each writing at once."""
    import threading

    path = tmp_path / "conversations.sqlite"
    stores = [ConversationStore(path), ConversationStore(path)]
    feedbacks = [FeedbackStore(path), FeedbackStore(path)]
    errors = []

    def member(number: int) -> None:
        store, feedback = stores[number % 2], feedbacks[number % 2]
        try:
            conversation = store.create(f"委员{number}")
            for turn_number in range(10):
                turn = store.add_turn(f"委员{number}", conversation.id, f"问题{turn_number}",
                                      _answer("答[1]。", f"文件{turn_number}"))
                feedback.record(turn, f"委员{number}", "down" if turn_number % 2 else "up")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=member, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(stores[0].all_turns()) == 80 and len(feedbacks[1].entries()) == 80
    assert all(len(stores[1].turns(c.user, c.id)) == 10 for n in range(8) for c in stores[1].list(f"委员{n}"))
