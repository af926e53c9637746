"""Browser: markup inside a document (text and title) stays text everywhere the page shows it — chat log,
source cards, library detail, draft preview, hit testing. A beacon HTTP server the test starts must
receive nothing."""

from __future__ import annotations

import http.server
import threading

import pytest
from playwright.sync_api import expect, sync_playwright

from .conftest import ARTIFACTS, free_port
from .library_helpers import served

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture
def beacon():
    """A loopback HTTP server that records every request path it receives."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def test_document_markup_is_shown_as_text_and_never_fetched(make_assistant, tmp_path, beacon):
    base, hits = beacon
    document = tmp_path / "古桥.txt"
    document.write_text(
        "关于古桥保护的提案\n"
        f"全市现存明清古石桥四十七座，其中十一座存在桥墩冲刷、栏板缺失等险情<img src={base}/beacon-text>。\n"
        f"建议建立古桥保护名录和桥长制，对险情古桥实施抢救性修缮![古桥]({base}/beacon-md)。\n"
        f"古桥修缮资金由市财政按每座二十万元标准补助&lt;img src={base}/beacon-entity&gt;，结合绿道建设推动古桥活化利用。\n",
        encoding="utf-8")
    assistant = make_assistant()
    title = f"关于古桥保护<img src={base}/beacon-title>的提案"
    report = assistant.ingest([document], {"title": title, "genre": "proposal"})
    assert not report.failed
    ARTIFACTS.mkdir(exist_ok=True)
    with served(assistant, open_access=True) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
            page.goto(url)
            box = page.locator("#chat-input textarea")
            box.fill("古桥修缮资金每座补助多少？险情古桥怎么修缮？")
            box.press("Enter")
            cards = page.locator("#chat-sources .source-card")
            expect(cards.first).to_be_visible(timeout=60_000)
            expect(cards.first).to_contain_text("<img src=")  # the title, as text
            expect(page.locator("#chat-log")).to_contain_text("<img src=", timeout=20_000)
            cards.first.get_by_text("查看上下文").click()
            page.screenshot(path=str(ARTIFACTS / "inert-chat.png"), full_page=True)

            page.get_by_role("tab", name="文库管理").click()
            page.get_by_role("tab", name="文档").click()
            docs = page.locator("#library-docs")
            expect(docs).to_contain_text("古桥", timeout=20_000)
            doc_id = page.locator("#library-doc-id textarea, #library-doc-id input").first
            doc_id.fill(report.files[0].doc_id)
            doc_id.press("Enter")
            expect(page.locator("#library-doc-detail")).to_contain_text("<img src=", timeout=20_000)
            page.locator("#library-panel").get_by_text("全文").click()
            page.locator("#library-panel").get_by_text("索引片段").click()
            page.screenshot(path=str(ARTIFACTS / "inert-library.png"), full_page=True)

            page.get_by_role("tab", name="起草").click()
            page.locator("#draft-topic textarea, #draft-topic input").first.fill("古桥保护与修缮")
            page.locator("#draft-run").click()
            expect(page.locator("#draft-preview")).to_contain_text("古桥", timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "inert-draft.png"), full_page=True)

            page.get_by_role("tab", name="运营").click()
            page.get_by_role("tab", name="命中测试").click()
            page.locator("#hit-query textarea").fill("古桥修缮补助")
            page.locator("#hit-run").click()
            expect(page.locator("#hit-table")).to_contain_text("<img src=", timeout=30_000)
            page.wait_for_timeout(1000)  # time for any stray request to arrive
        finally:
            browser.close()
    assert hits == []
