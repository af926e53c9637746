"""The 问答 tab in a real browser (Debian chromium), and the `ask` API endpoint through gradio_client."""

from __future__ import annotations

import os

import pytest
from gradio_client import Client
from playwright.sync_api import expect, sync_playwright

from assistant.answers.answer import REFUSAL, Answer
from assistant.models import DocMeta, Source
from assistant.index.registry import DocumentRecord
from assistant.web import build_app
from assistant.web.chat_tab import example_questions, highlight, render_answer, render_sources

from .conftest import ARTIFACTS, free_port

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def serve(assistant, open_access: bool = False) -> tuple[object, str]:
    app = build_app(assistant, open_access=open_access)
    port = free_port()
    app.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    return app, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def chat_url(corpus_assistant):
    app, url = serve(corpus_assistant)  # no login configured: the caller is an anonymous member
    yield url
    app.close()


# -- pure rendering ------------------------------------------------------------------------

def test_highlight_marks_terms_and_escapes_html():
    assert highlight("加装电梯补助<b>18万元</b>", ["电梯", "补助"]) == \
        "加装<mark>电梯</mark><mark>补助</mark>&lt;b&gt;18万元&lt;/b&gt;"
    assert highlight("加装电梯", ["加装电梯", "电梯"]) == "<mark>加装电梯</mark>"
    assert highlight("a&b", []) == "a&amp;b"


def test_example_questions_come_from_public_policies_and_proposals():
    def record(title, genre, date, visibility="public"):
        return DocumentRecord(doc_id=title, meta=DocMeta(title=title, genre=genre, date=date, visibility=visibility),
                              state="ready")

    records = [
        record("江州市人民政府办公室关于印发江州市既有住宅加装电梯管理办法的通知", "policy", "2023-09-12"),
        record("关于推动普惠托育服务发展的提案", "proposal", "2024-01-09"),
        record("关于印发《江州市住宅小区物业服务质量评价办法》的通知", "policy", "2024-03-01"),
        record("内部工作安排", "policy", "2025-01-01", visibility="internal"),
        record("关于<img src=x>古桥的提案", "proposal", "2025-02-01"),
    ]
    assert example_questions(records) == ["《江州市住宅小区物业服务质量评价办法》有哪些主要规定？",
                                          "有委员提过推动普惠托育服务发展吗？",
                                          "《江州市既有住宅加装电梯管理办法》有哪些主要规定？"]


def test_source_cards_show_metadata_passage_and_context():
    source = Source(n=1, doc_id="d1", chunk_id="d1-0001", title="江州市既有住宅加装电梯管理办法", genre="policy",
                    source="a.pdf", page=3, heading="第四章 资金和补助 > 第十六条", text="每台补助15万元。",
                    doc_number="江政办规〔2023〕5号", date="2023-09-12", start=10, end=18)
    answer = Answer(answer="每台补助15万元[1]。", mode="extractive", refused=False, sources=(source,),
                    notice="未配置生成模型：以下为文库原文摘录。", query="加装电梯每台补助多少")
    html = render_sources(answer, {"d1": "第十五条 前文内容。每台补助15万元。第十七条 后文内容。"})
    for text in ("[1]", "江州市既有住宅加装电梯管理办法", "政策文件", "江政办规〔2023〕5号", "2023-09-12", "第3页",
                 "第四章 资金和补助 &gt; 第十六条", "<mark>补助</mark>", "查看上下文", "第十七条 后文内容"):
        assert text in html
    assert render_answer(answer).startswith("> 未配置生成模型")


# -- the served app ------------------------------------------------------------------------

def test_member_asks_in_the_browser_and_sees_cited_sources(chat_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(chat_url)
            expect(page.get_by_text("向文库提问")).to_be_visible(timeout=30000)  # helpful empty state
            example = page.get_by_text("有哪些主要规定？").first  # example questions from the library
            expect(example).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "chat-empty.png"))
            example.click()
            cards = page.locator("#chat-sources .source-card")
            expect(cards.first).to_be_visible(timeout=30000)
            page.locator("#chat-new").click()
            expect(cards).to_have_count(0)

            box = page.locator("#chat-input textarea")
            box.fill("老房子装电梯，市里现在每台补多少钱？")
            box.press("Enter")
            cards = page.locator("#chat-sources .source-card")
            expect(cards.first).to_be_visible(timeout=30000)
            log = page.locator("#chat-log")
            expect(log).to_contain_text("[1]")
            expect(log).to_contain_text("原文摘录")
            expect(cards.first).to_contain_text("[1]")
            assert cards.first.locator("mark").count() > 0
            cards.first.get_by_text("查看上下文").click()
            expect(cards.first.locator(".source-context")).to_be_visible()
            expect(log).to_contain_text("不赞同", timeout=30000)  # the answer is complete

            box.fill("那第二条具体怎么规定？")  # a follow-up, resolved against the first question
            box.press("Enter")
            expect(log.locator(".message-row, .message").filter(has_text="第二条")).not_to_have_count(0)
            expect(page.locator("#chat-sources")).to_contain_text("电梯", timeout=30000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
        finally:
            browser.close()


def test_caveat_and_refusal_are_shown_plainly_in_the_browser(chat_url):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(chat_url)
            box = page.locator("#chat-input textarea")
            expect(box).to_be_visible(timeout=30000)
            page.locator("#chat-new").click()
            log = page.locator("#chat-log")
            box.fill("深圳市既有住宅加装电梯每台补助多少？")  # the library has 江州's rules, not 深圳's
            box.press("Enter")
            expect(log).to_contain_text("注意", timeout=30000)
            expect(log).to_contain_text("深圳市")
            expect(log).to_contain_text("请注意区别")
            expect(log).to_contain_text("[1]")  # the closest document is still quoted, with its source
            expect(log).to_contain_text("不赞同", timeout=30000)  # the answer is complete: the box takes the next question
            expect(box).to_be_editable(timeout=30000)
            box.fill("南极科考站的补给船一般什么时候出发？")
            box.press("Enter")
            expect(log).to_contain_text("未在文库中找到能够回答该问题的依据", timeout=30000)
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "chat-caveat-refusal.png"), full_page=True)
        finally:
            browser.close()


def test_ask_endpoint_through_gradio_client(chat_url):
    client = Client(chat_url, verbose=False)
    data = client.predict("普惠托育机构能拿到什么补助？建设补贴和运营补贴各是多少", api_name="/ask")
    assert data["mode"] == "extractive" and data["refused"] is False
    assert "[1]" in data["answer"]
    assert data["sources"][0]["n"] == 1 and data["sources"][0]["text"]
    refused = client.predict("国际象棋等级分的计算方法是怎样的？", api_name="/ask")
    assert refused["refused"] is True and refused["answer"].startswith(REFUSAL)


def test_ask_endpoint_hides_internal_documents_from_members(make_assistant, tmp_path):
    doc = tmp_path / "internal.txt"
    doc.write_text("内部工作安排\n青石湾片区旧改项目征收补偿标准暂定每平方米一万二千元，尚未公开。", encoding="utf-8")
    assistant = make_assistant()
    assistant.ingest([doc], {"visibility": "internal"})
    app, url = serve(assistant)
    try:
        data = Client(url, verbose=False).predict("青石湾片区旧改项目征收补偿标准是多少", api_name="/ask")
    finally:
        app.close()
    assert data["refused"] is True and data["sources"] == []
    assert "青石湾" not in data["answer"]
