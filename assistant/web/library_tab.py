"""文库管理: upload, list, view, edit, delete, re-index, statistics and (admins) the audit log.

Every handler resolves the caller with ``ctx.viewer(request)`` and goes through
``assistant.access.library.Library``, which refuses members server-side; hiding the panel from members
is a courtesy, not the protection. Named API endpoints: ``upload_documents``,
``list_documents``, ``document_detail``, ``update_document``, ``delete_document``,
``reindex_documents``, ``corpus_statistics`` and ``audit_log``.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pandas as pd

from assistant.access.audit import ACTION_LABELS
from assistant.access.library import Library, require_staff
from assistant.models import GENRE_LABELS, GENRES, User
from assistant.index.registry import DocumentRecord
from assistant.service import NotFound
from assistant.web.context import WebContext
from assistant.web.inert import inert_markdown

VISIBILITY_LABELS = {"public": "公开", "internal": "内部"}
FIELD_LABELS = {"title": "标题", "genre": "文种", "doc_number": "文号", "issuer": "发文机关", "date": "日期",
                "year": "年份", "visibility": "可见范围"}
STAGE_LABELS = {"files": "读取文件", "ocr": "文字识别（OCR）", "embed": "向量化", "reindex": "重建索引"}
RESULT_COLUMNS = ["文件", "结果", "说明", "文档编号", "标题"]
DOC_COLUMNS = ["文档编号", "标题", "文种", "年份", "可见范围", "片段数", "原文件名"]
CHUNK_COLUMNS = ["序号", "页码", "标题层级", "内容"]
AUDIT_COLUMNS = ["时间", "操作人", "操作", "对象", "说明"]
GENRE_CHOICES = [(GENRE_LABELS[g], g) for g in GENRES]
MEMBER_NOTICE = "文库管理仅供工作人员使用。委员可在“问答”中检索公开文件。"
EMBEDDING_REFRESH_S = 3.0  # how often the page looks at the embedding queue


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


def _progress_fn(progress: gr.Progress):
    def report(stage: str, done: int, total: int) -> None:
        if total > 0:
            progress(done / total, desc=STAGE_LABELS.get(stage, stage))

    return report


def _fail(exc: Exception) -> gr.Error:
    message = exc.args[0] if isinstance(exc, (NotFound, KeyError)) and exc.args else str(exc)
    return gr.Error(message, title="无法完成", print_exception=False)


def document_rows(library: Library, records: list[DocumentRecord]) -> pd.DataFrame:
    rows = []
    for r in records:
        names = "、".join(name for _, name in library._sources(r.doc_id) if name)
        rows.append([r.doc_id, r.meta.title, GENRE_LABELS.get(r.meta.genre, r.meta.genre), r.meta.year or "",
                     VISIBILITY_LABELS.get(r.meta.visibility, r.meta.visibility), r.chunk_count, names])
    return pd.DataFrame(rows, columns=DOC_COLUMNS)


def statistics_outputs(library: Library, user: User) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    stats = library.statistics(user)
    summary = (f"文库共 **{stats.documents}** 篇文档、**{stats.chunks}** 个片段"
               + (f"，其中内部文件 {stats.internal} 篇" if user.sees_internal else ""))
    by_genre = pd.DataFrame(stats.by_genre, columns=["文种", "篇数"])
    by_year = pd.DataFrame(stats.by_year, columns=["年份", "篇数"])
    return summary, by_genre, by_year


def embedding_notice(assistant, user: User) -> str:
    """What staff read while uploads are still being embedded ("" when nothing waits, and for members)."""
    if not user.can_manage or not assistant.pending_embeddings():
        return ""
    status = assistant.embedding_status()
    if not status.pending:
        return ""
    share = status.embedded / status.chunks if status.chunks else 0.0
    own = assistant.embed_worker
    failure = own.error if own is not None else None
    worker = (f"（向量化出错，稍后自动重试：{failure}）" if failure
              else "" if status.worker or (own is not None and own.running)
              else "（向量化进程未运行：启动网页服务或运行 `assistant embed-pending` 后继续）")
    eta = own.eta_s(status.pending) if own is not None else None
    left = "" if eta is None else "，预计不到 1 分钟完成" if eta < 60 else f"，预计约 {round(eta / 60)} 分钟完成"
    return (f"还有 **{status.pending}** 个片段正在向量化（{status.pending_documents} 篇文档；"
            f"全库已完成 {share:.0%}{left}）。这些文档已可按关键词检索，问答照常可用。{worker}")


def _year_choices(library: Library, user: User) -> list[tuple[str, str]]:
    years = sorted({r.meta.year for r in library.list_documents(user) if r.meta.year}, reverse=True)
    return [("全部年份", "")] + [(str(y), str(y)) for y in years]


def build(ctx: WebContext) -> None:
    library = Library(ctx.assistant)

    notice = gr.Markdown(MEMBER_NOTICE, visible=False, elem_id="library-notice")
    with gr.Column(visible=False, elem_id="library-panel") as panel:
        embedding = gr.Markdown(elem_id="library-embedding")
        embedding_timer = gr.Timer(EMBEDDING_REFRESH_S)
        with gr.Tabs():
            with gr.Tab("上传文件", id="library-upload"):
                files = gr.File(label="选择文件（PDF、OFD、DOC、DOCX、WPS、XLSX、TXT、MD、HTML、扫描图片，可一次选多个）", file_count="multiple",
                                type="filepath", elem_id="library-files")
                with gr.Row():
                    upload_genre = gr.Dropdown([("自动识别", "")] + GENRE_CHOICES, value="", label="文种")
                    upload_visibility = gr.Radio([("公开", "public"), ("内部", "internal")], value="public",
                                                 label="可见范围")
                    replace_same = gr.Checkbox(True, label="同名文件视为新版本，替换旧文档")
                upload_button = gr.Button("上传并入库", variant="primary", elem_id="library-upload-button")
                upload_summary = gr.Markdown(elem_id="library-upload-summary")
                upload_results = gr.Dataframe(_empty(RESULT_COLUMNS), label="逐个文件的结果", interactive=False,
                                              wrap=True, elem_id="library-upload-results",
                                              column_widths=["20%", "8%", "30%", "14%", "28%"])
            with gr.Tab("文档", id="library-documents"):
                with gr.Row():
                    filter_genre = gr.Dropdown([("全部文种", "")] + GENRE_CHOICES, value="", label="文种")
                    filter_year = gr.Dropdown([("全部年份", "")], value="", label="年份", allow_custom_value=True)
                    filter_visibility = gr.Dropdown([("全部", ""), ("公开", "public"), ("内部", "internal")],
                                                    value="", label="可见范围")
                    filter_query = gr.Textbox(label="标题或文号", placeholder="输入关键词")
                docs_table = gr.Dataframe(_empty(DOC_COLUMNS), label="文档（点击一行查看）", interactive=False,
                                          wrap=True, max_height=400, elem_id="library-docs",
                                          column_widths=["14%", "38%", "8%", "6%", "8%", "6%", "20%"])
                with gr.Group():
                    doc_id = gr.Textbox(label="文档编号", elem_id="library-doc-id")
                    meta_view = gr.Markdown(elem_id="library-doc-detail")
                    with gr.Row():
                        edit_title = gr.Textbox(label="标题", scale=3)
                        edit_genre = gr.Dropdown([("（不修改）", "")] + GENRE_CHOICES, label="文种", value="")
                        edit_year = gr.Number(label="年份", precision=0)
                    with gr.Row():
                        edit_issuer = gr.Textbox(label="发文机关")
                        edit_visibility = gr.Radio([("公开", "public"), ("内部", "internal")], label="可见范围")
                    with gr.Row():
                        save_button = gr.Button("保存修改", variant="primary")
                        delete_confirm = gr.Checkbox(False, label="确认删除")
                        delete_button = gr.Button("删除文档", variant="stop")
                    edit_status = gr.Markdown()
                    with gr.Accordion("全文", open=False):
                        doc_text = gr.Textbox(show_label=False, lines=12, max_lines=30, interactive=False)
                    with gr.Accordion("索引片段", open=False):
                        doc_chunks = gr.Dataframe(_empty(CHUNK_COLUMNS), interactive=False, wrap=True, max_height=400)
            with gr.Tab("统计", id="library-stats"):
                stats_summary = gr.Markdown(elem_id="library-stats-summary")
                with gr.Row():
                    genre_plot = gr.BarPlot(pd.DataFrame(columns=["文种", "篇数"]), x="文种", y="篇数",
                                            title="各文种文档数", elem_id="library-genre-plot",
                                            y_lim=[0, None])
                    year_plot = gr.BarPlot(pd.DataFrame(columns=["年份", "篇数"]), x="年份", y="篇数",
                                           title="各年份文档数", elem_id="library-year-plot",
                                           y_lim=[0, None])
                with gr.Row():
                    reindex_button = gr.Button("重建全部索引")
                    reindex_status = gr.Markdown()
            with gr.Tab("审计日志", id="library-audit", visible=False) as audit_tab:
                audit_refresh = gr.Button("刷新")
                audit_table = gr.Dataframe(_empty(AUDIT_COLUMNS), interactive=False, wrap=True, max_height=500)

    # -- handlers ---------------------------------------------------------------------
    def upload_documents(paths: list[str] | None, genre: str, visibility: str, replace_same_name: bool,
                         request: gr.Request, progress=gr.Progress()):
        user = ctx.viewer(request)
        try:
            files_in = [(Path(p), Path(p).name) for p in (paths or [])]
            if not files_in:
                raise ValueError("请先选择要上传的文件")
            overrides = {"genre": genre or None, "visibility": visibility or None}
            report = library.upload(user, files_in, overrides, _progress_fn(progress), bool(replace_same_name))
        except (PermissionError, ValueError, NotFound) as exc:
            raise _fail(exc) from None
        rows = [[r.name, r.label, "替换了同名文件的旧版本" if r.replaced else r.reason, r.doc_id or "", r.title or ""]
                for r in report.results]
        return pd.DataFrame(rows, columns=RESULT_COLUMNS), report.summary()

    def list_documents(genre: str, year: str, visibility: str, query: str, request: gr.Request):
        user = ctx.viewer(request)
        try:
            year_value = int(year) if str(year or "").strip() else None
            records = library.list_documents(user, genre or None, year_value, visibility or None, query or "")
        except (PermissionError, ValueError) as exc:
            raise _fail(exc) from None
        return document_rows(library, records)

    def document_detail(selected: str, request: gr.Request):
        user = ctx.viewer(request)
        selected = (selected or "").strip()
        if not selected:
            return ("", "", None, None, "", None, "", _empty(CHUNK_COLUMNS))
        try:
            view = library.view(user, selected)
        except (PermissionError, ValueError, NotFound) as exc:
            raise _fail(exc) from None
        meta = view.record.meta
        lines = [f"### {meta.title}",
                 f"- 文种：{GENRE_LABELS.get(meta.genre, meta.genre)}　年份：{meta.year or '未知'}　"
                 f"可见范围：{VISIBILITY_LABELS.get(meta.visibility, meta.visibility)}",
                 f"- 文号：{meta.doc_number or '无'}　发文机关：{meta.issuer or '未知'}　日期：{meta.date or '未知'}",
                 f"- 原文件名：{'、'.join(view.original_names) or '（命令行导入）'}　片段数：{len(view.chunks)}"]
        if view.record.overrides:
            lines.append(f"- 人工设定的字段：{'、'.join(FIELD_LABELS.get(k, k) for k in sorted(view.record.overrides))}")
        chunks = pd.DataFrame([[c.ordinal + 1, c.page or "", c.heading, c.text] for c in view.chunks],
                              columns=CHUNK_COLUMNS)
        return (inert_markdown("\n".join(lines)), meta.title, meta.genre, meta.year, meta.issuer or "", meta.visibility,
                view.text, chunks)

    def update_document(selected: str, title: str, genre: str, year, issuer: str, visibility: str,
                        request: gr.Request):
        user = ctx.viewer(request)
        try:
            if not (selected or "").strip():
                raise ValueError("请先选择文档")
            fields = {"title": title, "genre": genre, "year": int(year) if year not in (None, "") else None,
                      "issuer": issuer, "visibility": visibility}
            record = library.update(user, selected.strip(), **fields)
        except (PermissionError, ValueError, NotFound) as exc:
            raise _fail(exc) from None
        return inert_markdown(f"已保存：{record.meta.title}（{VISIBILITY_LABELS.get(record.meta.visibility)}）")

    def delete_document(selected: str, confirmed: bool, request: gr.Request):
        user = ctx.viewer(request)
        try:
            if not (selected or "").strip():
                raise ValueError("请先选择文档")
            require_staff(user)  # the Library checks again; this only orders the messages
            if not confirmed:
                raise ValueError("请先勾选“确认删除”")
            titles = {selected.strip(): library.view(user, selected.strip()).record.meta.title}
            removed = library.delete(user, [selected.strip()])
        except (PermissionError, ValueError, NotFound) as exc:
            raise _fail(exc) from None
        names = "、".join(f"《{titles.get(d, d)}》" for d in removed)
        return inert_markdown(f"已删除 {len(removed)} 篇文档：{names}"), False, ""

    def reindex_documents(request: gr.Request, progress=gr.Progress()):
        user = ctx.viewer(request)
        try:
            count = library.reindex(user, _progress_fn(progress))
        except (PermissionError, ValueError) as exc:
            raise _fail(exc) from None
        return f"已重建 {count} 篇文档的索引"

    def corpus_statistics(request: gr.Request) -> dict:
        """Document counts by genre and by year, as the caller may see them."""
        stats = library.statistics(ctx.viewer(request))
        return {"documents": stats.documents, "chunks": stats.chunks, "internal": stats.internal,
                "by_genre": dict(stats.by_genre), "by_year": dict(stats.by_year)}

    def audit_log(request: gr.Request):
        try:
            entries = library.audit_entries(ctx.viewer(request), 500)
        except PermissionError as exc:
            raise _fail(exc) from None
        rows = []
        for e in entries:
            detail = e.detail.get("title") or e.detail.get("file") or ""
            if e.detail.get("changes"):
                detail += "；" + "，".join(f"{FIELD_LABELS.get(k, k)}：{a} → {b}"
                                          for k, (a, b) in e.detail["changes"].items())
            rows.append([e.when, e.actor, ACTION_LABELS.get(e.action, e.action), e.target, detail])
        return pd.DataFrame(rows, columns=AUDIT_COLUMNS)

    def refresh_view(genre: str, year: str, visibility: str, query: str, request: gr.Request):
        """Document list, year choices, statistics and (admins) audit log after a change or on load."""
        user = ctx.viewer(request)
        if not user.can_manage:
            return (gr.update(visible=True), gr.update(visible=False), _empty(DOC_COLUMNS), gr.update(),
                    "", gr.update(), gr.update(), gr.update(visible=False), _empty(AUDIT_COLUMNS))
        docs = list_documents(genre, year, visibility, query, request)
        summary, by_genre, by_year = statistics_outputs(library, user)
        audit = audit_log(request) if user.is_admin else _empty(AUDIT_COLUMNS)
        return (gr.update(visible=False), gr.update(visible=True), docs,
                gr.update(choices=_year_choices(library, user)), summary, by_genre, by_year,
                gr.update(visible=user.is_admin), audit)

    def embedding_progress(request: gr.Request) -> str:
        return embedding_notice(ctx.assistant, ctx.viewer(request))

    # -- events -----------------------------------------------------------------------
    filters = [filter_genre, filter_year, filter_visibility, filter_query]
    refresh_outputs = [notice, panel, docs_table, filter_year, stats_summary, genre_plot, year_plot, audit_tab,
                       audit_table]
    private = {"api_visibility": "private", "show_progress": "hidden"}
    detail_outputs = [meta_view, edit_title, edit_genre, edit_year, edit_issuer, edit_visibility, doc_text,
                      doc_chunks]

    gr.on(triggers=None, fn=refresh_view, inputs=filters, outputs=refresh_outputs, **private)
    gr.on([embedding_timer.tick], embedding_progress, None, embedding, queue=False, **private)
    upload_button.click(upload_documents, [files, upload_genre, upload_visibility, replace_same],
                        [upload_results, upload_summary], api_name="upload_documents").then(
        refresh_view, filters, refresh_outputs, **private).then(embedding_progress, None, embedding, **private)
    gr.on([filter_genre.change, filter_year.change, filter_visibility.change, filter_query.submit],
          list_documents, filters, docs_table, api_name="list_documents")

    def pick(evt: gr.SelectData):
        row = getattr(evt, "row_value", None) or []
        return row[0] if row else gr.update()

    doc_id.submit(document_detail, doc_id, detail_outputs, api_name="document_detail")
    docs_table.select(pick, None, doc_id, **private).then(document_detail, doc_id, detail_outputs, **private)
    save_button.click(update_document, [doc_id, edit_title, edit_genre, edit_year, edit_issuer, edit_visibility],
                      edit_status, api_name="update_document").then(
        document_detail, doc_id, detail_outputs, **private).then(refresh_view, filters, refresh_outputs, **private)
    delete_button.click(delete_document, [doc_id, delete_confirm], [edit_status, delete_confirm, doc_id],
                        api_name="delete_document").then(
        document_detail, doc_id, detail_outputs, **private).then(refresh_view, filters, refresh_outputs, **private)
    reindex_button.click(reindex_documents, None, reindex_status, api_name="reindex_documents").then(
        refresh_view, filters, refresh_outputs, **private)
    audit_refresh.click(audit_log, None, audit_table, api_name="audit_log")
    gr.api(corpus_statistics, api_name="corpus_statistics")
