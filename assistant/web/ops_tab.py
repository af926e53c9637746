"""运营 (staff and admins): questions per day, refusal rate, the corpus's gaps (refused or disliked
questions), members' feedback with filters, the most-cited documents, CSV exports, and 命中测试.

The tab is hidden from members, but that is a courtesy: every handler goes through
``operations.Operations``, which refuses members on the server, page or API alike. Named API
endpoints: ``operations_overview``, ``operations_feedback``, ``operations_gaps``,
``operations_cited`` and ``hit_test``.
"""

from __future__ import annotations

import datetime

import gradio as gr
import pandas as pd

from assistant.answers.feedback import RATINGS, REASONS
from assistant.models import GENRE_LABELS, filters_for
from assistant.access.operations import Operations, to_csv
from assistant.retrieval.rank import FEATURES
from assistant.web.context import WebContext

DAILY_COLUMNS = ["日期", "提问数", "拒答数", "不赞同数"]
GAP_COLUMNS = ["问题", "提问次数", "拒答次数", "不赞同次数", "最近一次"]
FEEDBACK_COLUMNS = ["时间", "用户", "评价", "原因", "补充说明", "问题", "回答", "出处"]
CITED_COLUMNS = ["文档编号", "标题", "被引次数", "引用它的回答数"]
SIGNAL_LABELS = {
    "dense_sim": "向量相似度", "dense_gap": "与最佳向量差", "dense_rr": "向量排名倒数", "chars_norm": "字BM25(归一)",
    "chars_rr": "字BM25排名倒数", "words_norm": "词BM25(归一)", "words_rr": "词BM25排名倒数",
    "bigram_cover": "二字覆盖", "word_cover": "词覆盖", "log_len": "长度(对数)", "lead_dice": "首句重合",
    "longest_match": "最长匹配", "lead_longest_match": "首句最长匹配",
}
HIT_COLUMNS = ["名次", "得分", "文档与标题层级", "片段", "排序信号"]
HIT_WIDTHS = ["6%", "8%", "24%", "36%", "26%"]
STAFF_ONLY = "运营数据仅供工作人员和管理员查看。"


def _fail(exc: Exception) -> gr.Error:
    return gr.Error(str(exc), title="无法完成", print_exception=False)


def _frame(columns, rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def build(ctx: WebContext):
    """The tab's contents; returns the handler that refreshes it on page load."""
    ops = Operations(ctx.assistant)

    with gr.Tabs():
        with gr.Tab("概览", id="ops-overview"):
            summary = gr.Markdown(elem_id="ops-summary")
            daily = gr.Dataframe(_frame(DAILY_COLUMNS, []), label="每日提问", interactive=False, elem_id="ops-daily",
                                 max_height=360)
            daily_plot = gr.BarPlot(pd.DataFrame(columns=["日期", "提问数"]), x="日期", y="提问数", title="每日提问数",
                                    elem_id="ops-daily-plot", y_lim=[0, None])
            with gr.Row():
                refresh = gr.Button("刷新", size="sm", elem_id="ops-refresh")
                daily_csv = gr.DownloadButton("导出 CSV", size="sm", visible=False, elem_id="ops-daily-csv")
        with gr.Tab("缺口问题", id="ops-gaps"):
            gr.Markdown("文库没能回答或委员不赞同的问题，按次数排列：这是最该补充文件的地方。")
            gaps = gr.Dataframe(_frame(GAP_COLUMNS, []), interactive=False, wrap=True, elem_id="ops-gaps-table",
                                max_height=480, column_widths=["46%", "12%", "12%", "12%", "18%"])
            gaps_csv = gr.DownloadButton("导出 CSV", size="sm", visible=False, elem_id="ops-gaps-csv")
        with gr.Tab("反馈", id="ops-feedback"):
            with gr.Row():
                rating_filter = gr.Dropdown([("全部评价", "")] + [(label, key) for key, label in RATINGS.items()],
                                            value="", label="评价", elem_id="ops-feedback-rating")
                reason_filter = gr.Dropdown([("全部原因", "")] + [(r, r) for r in REASONS], value="", label="原因",
                                            elem_id="ops-feedback-reason")
            feedback = gr.Dataframe(_frame(FEEDBACK_COLUMNS, []), interactive=False, wrap=True,
                                    elem_id="ops-feedback-table", max_height=480,
                                    column_widths=["10%", "7%", "6%", "8%", "12%", "17%", "25%", "15%"])
            feedback_csv = gr.DownloadButton("导出 CSV", size="sm", visible=False, elem_id="ops-feedback-csv")
        with gr.Tab("引用最多的文档", id="ops-cited"):
            cited = gr.Dataframe(_frame(CITED_COLUMNS, []), interactive=False, wrap=True, elem_id="ops-cited-table",
                                 max_height=480, column_widths=["18%", "52%", "15%", "15%"])
            cited_csv = gr.DownloadButton("导出 CSV", size="sm", visible=False, elem_id="ops-cited-csv")
        with gr.Tab("命中测试", id="ops-hit-test"):
            gr.Markdown("输入一个问题，查看检索排出的片段、各项排序信号，以及问答是否会拒答。")
            with gr.Row():
                hit_query = gr.Textbox(label="测试问题", scale=4, elem_id="hit-query")
                hit_genres = gr.Dropdown(choices=[(label, g) for g, label in GENRE_LABELS.items()], multiselect=True,
                                         label="文种", scale=2, elem_id="hit-genres")
                years = ["不限", *map(str, range(datetime.date.today().year, 1949, -1))]
                hit_from = gr.Dropdown(years, value="不限", label="起始年份", scale=1)
                hit_to = gr.Dropdown(years, value="不限", label="截止年份", scale=1)
            hit_run = gr.Button("测试", variant="primary", elem_id="hit-run")
            hit_verdict = gr.Markdown(elem_id="hit-verdict")
            hit_table = gr.Dataframe(_frame(HIT_COLUMNS, []), interactive=False, wrap=True, elem_id="hit-table",
                                     max_height=700, column_widths=HIT_WIDTHS)

    # -- handlers -------------------------------------------------------------------------
    def _download(prefix: str, name: str, text: str):
        path = ctx.download_folder(prefix) / name
        path.write_text(text, encoding="utf-8")
        return gr.update(value=str(path), visible=True)

    def operations_overview(request: gr.Request) -> dict:
        """Questions per day (questions, refused, disliked) over the last 30 days, and totals."""
        try:
            overview = ops.overview(ctx.viewer(request))
        except PermissionError as exc:
            raise _fail(exc) from None
        return {"questions": overview.questions, "refused": overview.refused,
                "refusal_rate": round(overview.refusal_rate, 4), "liked": overview.liked,
                "disliked": overview.disliked,
                "days": [[d.day, d.questions, d.refused, d.disliked] for d in overview.days]}

    def operations_gaps(request: gr.Request) -> list[list]:
        """The most frequent refused or disliked questions."""
        try:
            rows = ops.gaps(ctx.viewer(request))
        except PermissionError as exc:
            raise _fail(exc) from None
        return [[g.question, g.asked, g.refused, g.disliked, g.last] for g in rows]

    def feedback_rows(rating: str, reason: str, request: gr.Request):
        try:
            entries = ops.feedback(ctx.viewer(request), rating or None, reason or None)
        except (PermissionError, ValueError) as exc:
            raise _fail(exc) from None
        return [[f.when, f.user, f.label, f.reason, f.comment, f.question, f.answer,
                 "；".join(f"[{s['n']}] {s['title']}" for s in f.sources)] for f in entries]

    def operations_feedback(rating: str, reason: str, request: gr.Request) -> list[list]:
        """Members' feedback, newest first; ``rating`` "up"/"down"/"" and ``reason`` filter it."""
        return feedback_rows(rating, reason, request)

    def operations_cited(request: gr.Request) -> list[list]:
        """The documents cited most often in answers."""
        try:
            rows = ops.cited_documents(ctx.viewer(request))
        except PermissionError as exc:
            raise _fail(exc) from None
        return [[d.doc_id, d.title, d.citations, d.answers] for d in rows]

    def hit_test(query: str, genres: list[str], year_from: str, year_to: str, request: gr.Request) -> dict:
        """Ranked chunks with scores and ranker signals for ``query``, and whether the chat would refuse."""
        user = ctx.viewer(request)

        def year(value):
            return int(value) if value not in (None, "", "不限") and str(value).isdigit() else None

        try:
            result = ops.hit_test(user, query, filters_for(user, genres=tuple(genres or ()),
                                                           year_from=year(year_from), year_to=year(year_to)))
        except (PermissionError, ValueError) as exc:
            raise _fail(exc) from None
        return {"query": result.query, "refused": result.refused, "support": round(result.support, 4),
                "threshold": result.threshold,
                "hits": [{"rank": r.rank, "score": round(r.score, 4), "similarity": round(r.similarity, 4),
                          "title": r.title, "heading": r.heading, "doc_id": r.doc_id, "chunk_id": r.chunk_id,
                          "text": r.text, "signals": {k: round(v, 4) for k, v in r.signals.items()}}
                         for r in result.rows]}

    def show_hit_test(query, genres, year_from, year_to, request: gr.Request):
        data = hit_test(query, genres, year_from, year_to, request)
        verdict = (f"**会拒答**：支持度 {data['support']:.3f} 低于阈值 {data['threshold']:.3f}，问答会回答“未在文库中找到依据”。"
                   if data["refused"] else
                   f"**会回答**：支持度 {data['support']:.3f}，不低于阈值 {data['threshold']:.3f}。")
        rows = [[h["rank"], h["score"], f"{h['title']}\n{h['heading']}",
                 h["text"][:160] + ("…" if len(h["text"]) > 160 else ""),
                 "；".join(f"{SIGNAL_LABELS.get(f, f)} {h['signals'][f]:.3f}" for f in FEATURES if f in h["signals"])]
                for h in data["hits"]]
        return verdict, _frame(HIT_COLUMNS, rows)

    def refresh_view(rating: str, reason: str, request: gr.Request):
        """Everything in the tab, for staff; members get nothing (and the tab stays hidden)."""
        user = ctx.viewer(request)
        if not user.can_manage:
            empty = gr.update()
            return (STAFF_ONLY,) + (empty,) * 9
        overview = operations_overview(request)
        daily_rows = overview["days"]
        text = (f"近 30 天共 **{overview['questions']}** 次提问，拒答 **{overview['refused']}** 次"
                f"（拒答率 {overview['refusal_rate']:.0%}）；赞同 {overview['liked']}，不赞同 {overview['disliked']}。")
        if not overview["questions"]:
            text = "近 30 天还没有委员提问。委员在“问答”中提问后，这里显示每日提问、拒答率和反馈。"
        gap_rows = operations_gaps(request)
        fb_rows = feedback_rows(rating, reason, request)
        cited_rows = operations_cited(request)
        return (text, _frame(DAILY_COLUMNS, daily_rows),
                pd.DataFrame([[d[0], d[1]] for d in daily_rows], columns=["日期", "提问数"]),
                _download("ops-", "每日提问.csv", to_csv(DAILY_COLUMNS, daily_rows)),
                _frame(GAP_COLUMNS, gap_rows), _download("ops-", "缺口问题.csv", to_csv(GAP_COLUMNS, gap_rows)),
                _frame(FEEDBACK_COLUMNS, fb_rows),
                _download("ops-", "反馈.csv", to_csv(FEEDBACK_COLUMNS, fb_rows)),
                _frame(CITED_COLUMNS, cited_rows), _download("ops-", "引用最多的文档.csv",
                                                             to_csv(CITED_COLUMNS, cited_rows)))

    def filter_feedback(rating: str, reason: str, request: gr.Request):
        rows = feedback_rows(rating, reason, request)
        return _frame(FEEDBACK_COLUMNS, rows), _download("ops-", "反馈.csv", to_csv(FEEDBACK_COLUMNS, rows))

    private = {"api_visibility": "private", "show_progress": "hidden"}
    outputs = [summary, daily, daily_plot, daily_csv, gaps, gaps_csv, feedback, feedback_csv, cited, cited_csv]
    refresh.click(refresh_view, [rating_filter, reason_filter], outputs, **private)
    gr.on([rating_filter.change, reason_filter.change], filter_feedback, [rating_filter, reason_filter],
          [feedback, feedback_csv], **private)
    hit_run.click(show_hit_test, [hit_query, hit_genres, hit_from, hit_to], [hit_verdict, hit_table], **private)
    hit_query.submit(show_hit_test, [hit_query, hit_genres, hit_from, hit_to], [hit_verdict, hit_table], **private)
    gr.api(operations_overview, api_name="operations_overview")
    gr.api(operations_gaps, api_name="operations_gaps")
    gr.api(operations_feedback, api_name="operations_feedback")
    gr.api(operations_cited, api_name="operations_cited")
    gr.api(hit_test, api_name="hit_test")
    return refresh_view, [rating_filter, reason_filter], outputs
