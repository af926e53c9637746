"""The 起草 and 审查与查重 tabs in a real browser (Debian chromium): draft from a topic, download the DOCX."""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import docx
import pytest
from playwright.sync_api import expect, sync_playwright

from assistant.web import build_app
from assistant.web.check_tab import report_markdown
from assistant.drafting.check import CheckReport, Finding

from .conftest import ARTIFACTS, free_port
from .test_check import REWRITTEN_0066

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def app_url(corpus_assistant):
    app = build_app(corpus_assistant)  # no login configured: the caller is an anonymous member
    port = free_port()
    app.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()


def test_report_markdown_lists_findings_and_similar_documents():
    report = CheckReport((Finding("section", "缺少“具体建议”部分。", "具体建议"),))
    text = report_markdown(report)
    assert "**具体建议**：缺少“具体建议”部分。" in text and "未发现相同主题的已有材料。" in text


def test_member_drafts_from_a_topic_downloads_the_docx_and_checks_a_draft(app_url, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
            page.goto(app_url)
            page.get_by_role("tab", name="起草").click()
            page.locator("#draft-topic textarea").fill("推进老旧小区加装电梯")
            page.locator("#draft-run").click()
            preview = page.locator("#draft-preview")
            expect(preview).to_contain_text("关于推进老旧小区加装电梯的提案", timeout=60_000)
            expect(preview).to_contain_text("一是")
            expect(preview).to_contain_text("【请补充本地数据】")
            expect(page.locator("#draft-similar")).to_contain_text("关于加大老旧小区加装电梯资金支持力度的提案")
            status = page.locator("#draft-status")
            expect(status).to_contain_text("已生成提案初稿")
            expect(status).to_contain_text("文库覆盖：找到相关以往提案2件")  # the coverage note, before anything else
            expect(preview).to_contain_text("已有工作：")  # what the departments did is context, not a suggestion
            page.screenshot(path=str(ARTIFACTS / "draft.png"), full_page=True)

            button = page.locator("#draft-docx")
            expect(button).to_be_visible()
            with page.expect_download() as download_info:
                button.click()
            target = tmp_path / "draft.docx"
            download_info.value.save_as(target)
            document = docx.Document(io.BytesIO(target.read_bytes()))
            texts = [p.text for p in document.paragraphs]
            assert texts[0] == "关于推进老旧小区加装电梯的提案"
            assert len([t for t in texts if t[:2] in ("一是", "二是", "三是")]) >= 3
            assert texts[1].startswith("起草说明（提交前请删除）：文库覆盖：")

            # the check stops the product's own unfinished draft: placeholders and [n] markers left in it
            page.get_by_role("tab", name="审查与查重").click()
            page.locator("input[type=file]").first.set_input_files(str(target))
            expect(page.locator("#check-text textarea")).to_have_value(re.compile("关于推进老旧小区加装电梯的提案"),
                                                                       timeout=30_000)
            page.locator("#check-run").click()
            findings = page.locator("#check-findings")
            expect(findings).to_contain_text("待填写的占位内容", timeout=60_000)
            expect(findings).to_contain_text("引用标记")
            expect(findings).not_to_contain_text("未发现问题")

            # a topic the library lacks: the draft says so at the top
            page.get_by_role("tab", name="起草").click()
            page.locator("#draft-topic textarea").fill("发展低空经济")
            page.locator("#draft-run").click()
            expect(preview).to_contain_text("关于发展低空经济的提案", timeout=60_000)
            expect(status).to_contain_text("未找到与“发展低空经济”直接相关")
            expect(preview).to_contain_text("【未检索到直接相关的政策文件")
            page.screenshot(path=str(ARTIFACTS / "draft-uncovered.png"), full_page=True)

            page.get_by_role("tab", name="审查与查重").click()
            page.locator("#check-text textarea").fill(REWRITTEN_0066)
            page.locator("#check-run").click()
            similar = page.locator("#check-similar")
            expect(similar).to_contain_text("疑似重复", timeout=60_000)
            expect(similar).to_contain_text("关于推动机关企事业单位停车泊位错时共享的提案")
            expect(page.locator("#check-findings")).to_contain_text("未发现问题")
            page.screenshot(path=str(ARTIFACTS / "check.png"), full_page=True)
        finally:
            browser.close()


def test_download_folders_older_than_a_day_are_removed(corpus_assistant):
    from assistant.web.context import DOWNLOAD_TTL_S, WebContext

    ctx = WebContext(assistant=corpus_assistant, open_access=False)
    old = ctx.download_folder("draft-")
    (old / "提案.docx").write_bytes(b"x")
    stale = time.time() - DOWNLOAD_TTL_S - 60
    os.utime(old, (stale, stale))
    recent = ctx.download_folder("check-")
    new = ctx.download_folder("draft-")
    assert not old.exists() and recent.is_dir() and new.is_dir()
    root = Path(ctx.downloads.name)
    ctx.downloads.cleanup()  # what happens when the server process ends
    assert not root.exists()
