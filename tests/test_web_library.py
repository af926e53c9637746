"""Browser: staff log in, upload a file, see its result and the statistics chart; members see a notice."""

from __future__ import annotations

import re

from playwright.sync_api import expect, sync_playwright

from .conftest import ARTIFACTS
from .library_helpers import PDF_TITLE, add_users, login, make_docx, make_pdf, served

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def log_in(browser, url: str, role: str):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    page.goto(url)
    name, password = login(role)
    inputs = page.locator("input")
    inputs.nth(0).fill(name)
    inputs.nth(1).fill(password)
    page.locator("button").last.click()
    page.get_by_role("tab", name="文库管理").click()
    return page


def test_staff_uploads_and_sees_result_and_chart(make_assistant, tmp_path):
    assistant = make_assistant()
    add_users(assistant, "staff", "member")
    from assistant.index.embed_queue import EmbedWorker
    from assistant.access.library import Library
    from assistant.models import User

    assistant.embed_worker = EmbedWorker(assistant.index, poll_s=0.5)  # as `serve` has it; started below
    Library(assistant).upload(User("staff1", "staff"), [(make_docx(tmp_path / "d.docx"), "古桥调研.docx")])
    pdf = make_pdf(tmp_path / "低空经济提案.pdf")
    ARTIFACTS.mkdir(exist_ok=True)
    with served(assistant) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = log_in(browser, url, "staff")
            embedding = page.locator("#library-embedding")  # the upload above waits in the embedding queue
            expect(embedding).to_contain_text(re.compile(r"还有\s*\d+\s*个片段正在向量化"), timeout=20_000)
            page.screenshot(path=str(ARTIFACTS / "library-embedding.png"))
            assistant.embed_worker.start()
            page.locator("#library-files input[type=file]").set_input_files(str(pdf))
            page.locator("#library-upload-button").click()
            results = page.locator("#library-upload-results")
            expect(results).to_contain_text("低空经济提案.pdf", timeout=60_000)
            expect(results).to_contain_text("新增")
            expect(results).to_contain_text(PDF_TITLE)
            expect(page.locator("#library-upload-summary")).to_contain_text("新增 1")
            page.screenshot(path=str(ARTIFACTS / "library-upload.png"), full_page=True)

            expect(embedding).not_to_contain_text("正在向量化", timeout=60_000)  # drained; the page refreshed
            page.get_by_role("tab", name="统计").click()
            expect(page.locator("#library-stats-summary")).to_contain_text(re.compile(r"文库共\s*2\s*篇文档"),
                                                                           timeout=20_000)
            chart = page.locator("#library-genre-plot")
            expect(chart.locator("canvas, svg").first).to_be_visible(timeout=20_000)
            expect(chart).to_contain_text("提案")  # the new proposal's genre has its own bar
            page.screenshot(path=str(ARTIFACTS / "library.png"), full_page=True)

            page.get_by_role("tab", name="文档").click()
            expect(page.locator("#library-docs")).to_contain_text(PDF_TITLE, timeout=20_000)
            page.locator("#library-docs").get_by_text(PDF_TITLE).click()
            expect(page.locator("#library-doc-detail")).to_contain_text("原文件名：低空经济提案.pdf", timeout=20_000)
            page.screenshot(path=str(ARTIFACTS / "library-document.png"), full_page=True)
            page.get_by_label("确认删除").check()
            page.get_by_role("button", name="删除文档").click()
            expect(page.locator("#library-docs")).not_to_contain_text(PDF_TITLE, timeout=20_000)
            expect(page.locator("#library-doc-detail")).not_to_contain_text("原文件名")
            page.close()

            member = log_in(browser, url, "member")
            expect(member.locator("#library-notice")).to_contain_text("仅供工作人员使用", timeout=20_000)
            expect(member.locator("#library-panel")).to_be_hidden()
            member.screenshot(path=str(ARTIFACTS / "library-member.png"))
        finally:
            browser.close()
