"""Browser (Debian chromium): kept conversations, clickable citations, feedback, the staff 运营 view with
命中测试, accounts in the page (logout, password changes ending sessions), and members kept out of
staff views in the page and the API. One server for the module, on the sample corpus."""

from __future__ import annotations

import re

import pytest
from gradio_client import Client
from playwright.sync_api import expect, sync_playwright

from assistant.config import load_settings
from assistant.service import Assistant
from assistant.web.app import build_app, launch_options

from .conftest import ARTIFACTS, free_port
from .library_helpers import PASSWORDS, add_users, login

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ELEVATOR = "老房子装电梯，市里现在每台补多少钱？"
CHILDCARE = "普惠托育机构能拿到什么补助？建设补贴和运营补贴各是多少"
ABSENT = "国际象棋等级分的计算方法是怎样的？"


def test_answers_render_caveats_linked_markers_and_repealed_sources():
    from assistant.answers.answer import Answer
    from assistant.models import Source
    from assistant.web.chat_tab import render_answer, render_conversation_sources

    source = Source(n=1, doc_id="d", chunk_id="c", title="旧办法<b>", genre="policy", source="a", page=None, heading="",
                    text="每台补助10万元。", status="已废止")
    answer = Answer(answer="每台补助10万元[1]。", mode="extractive", refused=False, sources=(source,),
                    caveats=("所引文件已废止，请核实现行规定。",), query="补助")
    message = render_answer(answer, 3)
    assert message.index("**注意：**") < message.index("每台补助10万元[\\[1\\]](#cite-3-1)")
    assert "所引文件已废止，请核实现行规定。" in message
    panel = render_conversation_sources([answer, answer], {}, ["第一问", "第二问"])
    assert panel.count("该文件已废止") == 2 and "旧办法&lt;b&gt;" in panel
    assert '<div class="turn-sources" data-turn="0" style="display:none">' in panel
    assert '<div class="turn-sources" data-turn="1">' in panel


def launch(assistant: Assistant):
    app = build_app(assistant)
    port = free_port()
    app.queue().launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True,
                       **launch_options(assistant))
    return app, f"http://127.0.0.1:{port}/"


class Site:
    """The served app; ``restart`` serves a new app (new port, no memory of the old one) on the same index."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self.app, self.url = launch(assistant)

    def restart(self) -> None:
        self.app.close()
        self.app, self.url = launch(self.assistant)


@pytest.fixture(scope="module")
def site(corpus_assistant, embed_cache, tmp_path_factory):
    """The sample corpus with its own accounts, conversations and audit log (the shared fixture stays login-free)."""
    folder = tmp_path_factory.mktemp("experience")
    settings = load_settings(index=corpus_assistant.settings.index, environ={}, embed_cache=embed_cache,
                             accounts=folder / "accounts.sqlite", conversations=folder / "conversations.sqlite",
                             audit_log=folder / "audit.sqlite")
    assistant = Assistant(settings)
    add_users(assistant, "member", "staff", "admin")
    assistant.accounts.add("member2", "member", "member-pass-2")
    served = Site(assistant)
    yield served
    served.app.close()


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(browser_or_context, url: str, name: str, password: str):
    page = browser_or_context.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page.goto(url)
    fill_login(page, name, password)
    return page


def fill_login(page, name: str, password: str) -> None:
    inputs = page.locator("input")
    expect(inputs.nth(1)).to_be_visible(timeout=20_000)
    inputs.nth(0).fill(name)
    inputs.nth(1).fill(password)
    page.locator("button").last.click()
    expect(page.locator("#whoami")).to_contain_text(name, timeout=20_000)


def login_form_shown(page) -> None:
    expect(page.locator("input[type=password]")).to_have_count(1, timeout=20_000)
    expect(page.locator("#whoami")).to_have_count(0)


def ask(page, question: str, answers_before: int) -> None:
    box = page.locator("#chat-input textarea")
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#chat-feedback")).to_be_visible()
    expect(page.locator('#chat-sources .turn-sources')).to_have_count(answers_before + 1, timeout=60_000)


def test_conversation_survives_reload_and_restart_and_citations_open_their_answers_card(site, browser):
    page = sign_in(browser, site.url, *login("member"))
    expect(page.get_by_text("向文库提问")).to_be_visible(timeout=20_000)
    ask(page, ELEVATOR, 0)
    ask(page, CHILDCARE, 1)
    store = site.assistant.conversations
    conversation = store.current("member1")
    first, second = store.turns("member1", conversation.id)
    assert first.answer.sources[0].title != second.answer.sources[0].title

    sources = page.locator("#chat-sources")
    expect(sources.locator('.turn-sources[data-turn="0"]')).to_be_hidden()  # only the latest answer's cards
    page.locator('#chat-log a[href="#cite-0-1"]').first.click()  # [1] in the FIRST answer
    card = sources.locator('.turn-sources[data-turn="0"] .source-card[data-n="1"]')
    expect(card).to_be_visible()
    expect(card).to_have_class(re.compile(r"\bactive\b"))
    expect(card).to_contain_text(first.answer.sources[0].title)
    expect(sources.locator('.turn-sources[data-turn="1"]')).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "experience-citation.png"), full_page=True)

    page.reload()
    log = page.locator("#chat-log")
    expect(log).to_contain_text(ELEVATOR, timeout=20_000)
    expect(log).to_contain_text(CHILDCARE)
    expect(page.locator("#chat-conversations")).to_contain_text(conversation.title)
    page.close()

    site.restart()
    page = sign_in(browser, site.url, *login("member"))  # the old server's sessions are gone; the chat is not
    log = page.locator("#chat-log")
    expect(log).to_contain_text(ELEVATOR, timeout=20_000)
    expect(log).to_contain_text(CHILDCARE)
    page.locator('#chat-log a[href="#cite-0-1"]').first.click()
    expect(page.locator('#chat-sources .turn-sources[data-turn="0"] .source-card[data-n="1"]')).to_be_visible()

    page.locator("#chat-manage").get_by_text("管理当前对话").click()
    with page.expect_download() as download:
        page.locator("#chat-export-md").click()
    exported = download.value.path().read_text(encoding="utf-8")
    assert ELEVATOR in exported and CHILDCARE in exported and "出处" in exported
    assert first.answer.sources[0].title in exported
    page.locator("#chat-rename textarea, #chat-rename input").first.fill("电梯与托育补助")
    page.locator("#chat-rename-button").click()
    expect(page.locator("#chat-conversations")).to_contain_text("电梯与托育补助", timeout=20_000)
    page.locator("#chat-rename textarea, #chat-rename input").first.fill("")
    page.locator("#chat-rename-button").click()  # a refusal comes as a toast, titled in Chinese
    toast = page.locator(".toast-body.warning")
    expect(toast).to_contain_text("对话名称不能为空", timeout=20_000)
    label = toast.locator(".toast-title").first.evaluate("e => getComputedStyle(e, '::before').content")
    assert label == '"注意"'
    page.screenshot(path=str(ARTIFACTS / "experience-toast.png"))
    toast.locator("[data-testid=toast-close]").first.click()

    # 赞同 under the first answer, then changed to 不赞同 with a reason in the form it opens
    page.locator(f'#chat-log a[href="#feedback-up-{first.id}"]').click()
    expect(page.locator("#feedback-status")).to_contain_text("已记录您的评价：赞同", timeout=20_000)
    assert [f.rating for f in site.assistant.feedback.entries()] == ["up"]
    page.locator("#feedback-turn input").click()
    page.get_by_role("option", name=re.compile("^第1问")).click()
    page.locator("#feedback-reason").get_by_text("依据不对").click()
    page.locator("#feedback-comment textarea").fill("补助标准已经调整过了")
    page.locator("#feedback-down").click()
    expect(page.locator("#feedback-status")).to_contain_text("已记录您的评价：不赞同", timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "experience-chat.png"), full_page=True)

    ask(page, ABSENT, 2)  # a refused question: a gap for staff
    expect(page.locator("#chat-log")).to_contain_text("文库中没有找到依据")

    page.locator("#chat-new").click()
    expect(page.locator("#chat-sources .turn-sources")).to_have_count(0, timeout=20_000)
    expect(page.locator("#chat-conversations")).to_contain_text("新对话")
    page.locator("#chat-conversations").get_by_text("电梯与托育补助").click()
    expect(page.locator("#chat-log")).to_contain_text(ELEVATOR, timeout=20_000)
    page.locator("#chat-conversations").get_by_text("新对话").click()
    page.locator("#chat-delete").click()  # the empty conversation goes; the kept one is shown again
    expect(page.locator("#chat-conversations")).not_to_contain_text("新对话", timeout=20_000)
    expect(page.locator("#chat-log")).to_contain_text(ELEVATOR, timeout=20_000)
    assert [c.title for c in store.list("member1")] == ["电梯与托育补助"]
    page.close()


def test_staff_see_feedback_gaps_and_hit_testing_and_export_csv(site, browser):
    page = sign_in(browser, site.url, *login("staff"))
    page.get_by_role("tab", name="运营").click()
    expect(page.locator("#ops-summary")).to_contain_text("拒答", timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "experience-ops.png"), full_page=True)

    page.get_by_role("tab", name="反馈").click()
    table = page.locator("#ops-feedback-table")
    expect(table).to_contain_text("补助标准已经调整过了", timeout=20_000)
    expect(table).to_contain_text("依据不对")
    expect(table).to_contain_text(ELEVATOR)
    with page.expect_download() as download:
        page.locator("#ops-feedback-csv").click()
    csv_text = download.value.path().read_text(encoding="utf-8-sig")
    assert "补助标准已经调整过了" in csv_text and "不赞同" in csv_text and "member1" in csv_text
    page.screenshot(path=str(ARTIFACTS / "experience-feedback.png"), full_page=True)

    page.get_by_role("tab", name="缺口问题").click()
    gaps = page.locator("#ops-gaps-table")
    expect(gaps).to_contain_text("国际象棋", timeout=20_000)
    expect(gaps).to_contain_text(ELEVATOR)  # disliked

    page.get_by_role("tab", name="命中测试").click()
    page.locator("#hit-query textarea").fill("加装电梯每台补助多少")
    page.locator("#hit-run").click()
    expect(page.locator("#hit-verdict")).to_contain_text("会回答", timeout=30_000)
    expect(page.locator("#hit-table")).to_contain_text("电梯")
    expect(page.locator("#hit-table")).to_contain_text("向量相似度")
    page.screenshot(path=str(ARTIFACTS / "experience-hit-test.png"), full_page=True)
    page.locator("#hit-query textarea").fill(ABSENT)
    page.locator("#hit-run").click()
    expect(page.locator("#hit-verdict")).to_contain_text("会拒答", timeout=30_000)
    page.close()


def test_members_cannot_reach_staff_views_in_the_page_or_the_api(site, browser):
    page = sign_in(browser, site.url, *login("member"))
    expect(page.get_by_role("tab", name="问答")).to_be_visible()
    expect(page.get_by_role("tab", name="运营")).to_have_count(0)
    expect(page.locator("#account-admin")).to_be_hidden()
    page.get_by_role("tab", name="账号").click()
    page.screenshot(path=str(ARTIFACTS / "experience-account-member.png"), full_page=True)
    page.close()

    member = Client(site.url, auth=login("member"), verbose=False)
    for api_name, args in (("/operations_feedback", ("", "")), ("/operations_overview", ()),
                           ("/operations_gaps", ()), ("/operations_cited", ()),
                           ("/hit_test", ("加装电梯", [], "不限", "不限"))):
        with pytest.raises(Exception, match="无权限"):
            member.predict(*args, api_name=api_name)
    staff = Client(site.url, auth=login("staff"), verbose=False)
    rows = staff.predict("down", "", api_name="/operations_feedback")
    assert any("补助标准已经调整过了" in str(row) for row in rows)
    result = staff.predict("加装电梯每台补助多少", [], "不限", "不限", api_name="/hit_test")
    assert result["hits"] and set(result["hits"][0]["signals"]) >= {"dense_sim", "chars_norm", "word_cover"}
    assert result["refused"] is False and result["support"] >= result["threshold"]


def test_logout_and_password_changes_end_sessions(site, browser):
    accounts = site.assistant.accounts
    # logout
    page = sign_in(browser, site.url, "member2", "member-pass-2")
    page.locator("#logout").click()
    login_form_shown(page)
    page.screenshot(path=str(ARTIFACTS / "experience-login.png"))
    fill_login(page, "member2", "member-pass-2")

    # an admin resets member2's password in the page: member2's open session ends
    admin = sign_in(browser, site.url, *login("admin"))
    admin.get_by_role("tab", name="账号").click()
    expect(admin.locator("#account-table")).to_contain_text("member2", timeout=20_000)
    admin.locator("#account-name textarea, #account-name input").first.fill("member2")
    admin.locator("#account-password input").fill("member-pass-3")
    admin.locator("#account-reset").click()
    expect(admin.locator("#account-admin-status")).to_contain_text("已重置 member2 的密码", timeout=20_000)
    admin.screenshot(path=str(ARTIFACTS / "experience-account-admin.png"), full_page=True)
    admin.locator("#account-name textarea, #account-name input").first.fill("member3")
    admin.locator("#account-password input").fill("member-pass-3")
    admin.locator("#account-add").click()
    expect(admin.locator("#account-table")).to_contain_text("member3", timeout=20_000)
    admin.locator("#account-remove").click()  # not confirmed: refused with a reason
    expect(admin.locator(".toast-body.warning")).to_contain_text("请先勾选“确认删除”", timeout=20_000)
    admin.locator("#account-remove-confirm input").check()
    admin.locator("#account-remove").click()
    expect(admin.locator("#account-admin-status")).to_contain_text("已删除账号 member3", timeout=20_000)
    assert accounts.get("member3") is None
    page.reload()
    login_form_shown(page)
    fill_login(page, "member2", "member-pass-3")

    # the member changes their own password: this session ends too, and the page asks to log in again
    page.get_by_role("tab", name="账号").click()
    page.locator("#account-old input").fill("member-pass-3")
    page.locator("#account-new input").fill("member-pass-4")
    page.locator("#account-repeat input").fill("member-pass-4")
    page.locator("#account-change").click()
    expect(page.locator("#account-own-status")).to_contain_text("请重新登录", timeout=20_000)
    login_form_shown(page)
    fill_login(page, "member2", "member-pass-4")

    # disabled (as `assistant users disable` does, from another connection): the session ends, no new login
    other = type(accounts)(accounts.path)
    other.set_disabled("member2", True)
    other.close()
    page.reload()
    login_form_shown(page)
    inputs = page.locator("input")
    inputs.nth(0).fill("member2")
    inputs.nth(1).fill("member-pass-4")
    page.locator("button").last.click()
    expect(page.locator("#whoami")).to_have_count(0)
    expect(page.get_by_text(re.compile("Incorrect|错误|不正确"))).not_to_have_count(0, timeout=20_000)
    assert not site.assistant.authenticate("member2", "member-pass-4")
    accounts.set_disabled("member2", False)
    assert site.assistant.authenticate("member2", "member-pass-4")
    admin.close()
    page.close()
    assert PASSWORDS  # the shared test passwords stay untouched for the other tests
