"""账号: change one's own password; admins add, disable, enable, reset and remove accounts.

Every handler resolves the caller on the server and goes through ``account_admin.AccountAdmin``
(admins only, checked there). A changed password, a disabled or a removed account ends that
user's open sessions (``web.sessions``); changing one's own password ends one's own too, so the
page sends the user to log in again.
"""

from __future__ import annotations

import time

import gradio as gr
import pandas as pd

from assistant.access.account_admin import AccountAdmin
from assistant.access.accounts import ROLE_LABELS, AccountError
from assistant.web.context import WebContext

ACCOUNT_COLUMNS = ["用户名", "角色", "状态", "最近登录"]
ROLE_CHOICES = [(label, role) for role, label in ROLE_LABELS.items()]
# After one's own password change the session is over: go to the login page.
RELOGIN_JS = "(status) => { if (status && status.includes('请重新登录')) { setTimeout(() => { window.location.href = '/logout'; }, 1500); } return status; }"


def build(ctx: WebContext):
    """The tab's contents; returns (refresh handler, its inputs, its outputs) for page load."""
    admin = AccountAdmin(ctx.assistant)

    no_account = gr.Markdown("当前为本机单用户模式（无需登录），没有自己的密码可改。", visible=False,
                             elem_id="account-none")
    with gr.Group(elem_id="account-own") as own_panel:
        gr.Markdown("### 修改我的密码")
        with gr.Row():
            old_password = gr.Textbox(label="原密码", type="password", elem_id="account-old")
            new_password = gr.Textbox(label="新密码（至少 8 个字符）", type="password", elem_id="account-new")
            repeat_password = gr.Textbox(label="再输入一次新密码", type="password", elem_id="account-repeat")
        change_button = gr.Button("修改密码", elem_id="account-change")
        own_status = gr.Markdown(elem_id="account-own-status")
    with gr.Column(visible=False, elem_id="account-admin") as admin_panel:
        gr.Markdown("### 账号管理（管理员）")
        accounts_table = gr.Dataframe(pd.DataFrame(columns=ACCOUNT_COLUMNS), interactive=False,
                                      elem_id="account-table", max_height=400)
        with gr.Row():
            name = gr.Textbox(label="用户名", elem_id="account-name")
            role = gr.Dropdown(ROLE_CHOICES, value="member", label="角色（新建时）", elem_id="account-role")
            password = gr.Textbox(label="密码（新建或重置时）", type="password", elem_id="account-password")
        with gr.Row():
            add_button = gr.Button("新建账号", variant="primary", elem_id="account-add")
            reset_button = gr.Button("重置密码", elem_id="account-reset")
            disable_button = gr.Button("停用", elem_id="account-disable")
            enable_button = gr.Button("启用", elem_id="account-enable")
            remove_confirm = gr.Checkbox(False, label="确认删除", elem_id="account-remove-confirm")
            remove_button = gr.Button("删除账号", variant="stop", elem_id="account-remove")
        admin_status = gr.Markdown(elem_id="account-admin-status")

    def rows(request: gr.Request) -> pd.DataFrame:
        user = ctx.viewer(request)
        if not user.is_admin:
            return pd.DataFrame(columns=ACCOUNT_COLUMNS)
        return pd.DataFrame([[a.name, a.role_label, "已停用" if a.disabled else "正常",
                              time.strftime("%Y-%m-%d %H:%M", time.localtime(a.last_login)) if a.last_login else "从未"]
                             for a in admin.list(user)], columns=ACCOUNT_COLUMNS)

    def refresh(request: gr.Request):
        user = ctx.viewer(request)
        has_account = ctx.assistant.accounts.get(user.name) is not None
        return (gr.update(visible=not has_account), gr.update(visible=has_account), gr.update(visible=user.is_admin),
                rows(request))

    def change_own(old: str, new: str, repeat: str, request: gr.Request):
        user = ctx.viewer(request)
        try:
            admin.change_own_password(user, old, new, repeat)
        except AccountError as exc:
            gr.Warning(str(exc), title="无法修改密码")
            return "", gr.skip(), gr.skip(), gr.skip()
        return "密码已修改，请重新登录。", "", "", ""

    def act(action: str, account: str, role_value: str, password_value: str, confirmed: bool, request: gr.Request):
        user = ctx.viewer(request)
        account = (account or "").strip()
        try:
            if not account:
                raise AccountError("请先填写用户名")
            if action == "add":
                created = admin.add(user, account, role_value or "member", password_value or "")
                message = f"已新建账号 {created.name}（{ROLE_LABELS[created.role]}）"
                if ctx.open_access:
                    message += "。当前服务无需登录；重启服务后网页即需用账号登录"
            elif action == "reset":
                admin.reset_password(user, account, password_value or "")
                message = f"已重置 {account} 的密码，其已登录的会话已结束"
            elif action == "disable":
                admin.set_disabled(user, account, True)
                message = f"已停用 {account}，其已登录的会话已结束"
            elif action == "enable":
                admin.set_disabled(user, account, False)
                message = f"已启用 {account}"
            else:
                if not confirmed:
                    raise AccountError("请先勾选“确认删除”")
                admin.remove(user, account)
                message = f"已删除账号 {account}，其已登录的会话已结束"
        except (AccountError, PermissionError) as exc:
            gr.Warning(str(exc), title="无法完成")  # a warning: an error would mark every output as failed
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return message, "", False, rows(request)

    private = {"api_visibility": "private", "show_progress": "hidden"}
    change_button.click(change_own, [old_password, new_password, repeat_password],
                        [own_status, old_password, new_password, repeat_password], **private).then(
        None, own_status, own_status, js=RELOGIN_JS)

    def handler_for(action: str):
        def handler(account, role_value, password_value, confirmed, request: gr.Request):
            return act(action, account, role_value, password_value, confirmed, request)

        return handler

    for button, action in ((add_button, "add"), (reset_button, "reset"), (disable_button, "disable"),
                           (enable_button, "enable"), (remove_button, "remove")):
        button.click(handler_for(action), [name, role, password, remove_confirm],
                     [admin_status, password, remove_confirm, accounts_table], **private)

    def pick(evt: gr.SelectData):
        row = getattr(evt, "row_value", None) or []
        return row[0] if row else gr.update()

    accounts_table.select(pick, None, name, **private)
    return refresh, [], [no_account, own_panel, admin_panel, accounts_table]
