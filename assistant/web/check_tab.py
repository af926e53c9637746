"""审查与查重 tab: format check of a member's own draft (pasted or uploaded DOCX/TXT) and the
existing proposals, replies and 社情民意信息 on the same subject, with overlapping sentences."""

from __future__ import annotations

import html
from pathlib import Path

import gradio as gr

from assistant.drafting.check import CheckReport
from assistant.drafting.formats import KIND_LABELS
from assistant.models import GENRE_LABELS, filters_for
from assistant.ingest.read import ReadError
from assistant.ingest.read_worker import read_bounded
from assistant.drafting.similar import VERDICT_LABELS
from assistant.web.context import WebContext
from assistant.web.inert import inert_markdown

KIND_CHOICES = [(label, kind) for kind, label in KIND_LABELS.items()]


def findings_markdown(report: CheckReport) -> str:
    if not report.findings:
        return "格式审查：未发现问题。"
    return f"格式审查：发现 {len(report.findings)} 个问题\n\n" + "\n".join(
        f"- **{f.where}**：{f.message}" for f in report.findings)


def similar_html(report: CheckReport) -> str:
    if not report.similar:
        return "<p>未发现相同主题的已有提案、答复或社情民意信息。</p>"
    parts = []
    for doc in report.similar:
        rows = "".join(f"<tr><td>{html.escape(p.draft)}</td><td>{html.escape(p.existing)}</td></tr>" for p in doc.pairs)
        table = (f"<table class='pairs'><tr><th>本稿</th><th>已有材料</th></tr>{rows}</table>" if rows else "")
        parts.append(f"<div class='similar-doc'><b>{VERDICT_LABELS[doc.verdict]}</b> · {doc.similarity_label} · "
                     f"{GENRE_LABELS.get(doc.genre, doc.genre)} · {html.escape(doc.title)}{table}</div>")
    return "\n".join(parts)


def report_markdown(report: CheckReport) -> str:
    lines = ["# 审查与查重结果", "", "## 格式审查", "", findings_markdown(report), "", "## 查重", ""]
    for doc in report.similar:
        lines.append(f"- {VERDICT_LABELS[doc.verdict]}（{doc.similarity_label}）{doc.title}")
        lines += [f"  - 本稿：{p.draft}\n  - 已有：{p.existing}" for p in doc.pairs]
    if not report.similar:
        lines.append("未发现相同主题的已有材料。")
    return "\n".join(lines) + "\n"


def build(ctx: WebContext) -> None:
    gr.Markdown("粘贴或上传您的稿件（DOCX/TXT），检查格式是否规范、是否一事一案、建议是否具体，并查找已有的相同主题提案和答复。")
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(label="稿件内容", lines=14, elem_id="check-text")
            upload = gr.File(label="或上传文件", file_types=[".docx", ".txt", ".md"], type="filepath")
            kind = gr.Radio(KIND_CHOICES, value="proposal", label="文稿类型")
            run = gr.Button("审查与查重", variant="primary", elem_id="check-run")
            download = gr.DownloadButton("下载结果（Markdown）", visible=False)
        with gr.Column():
            findings = gr.Markdown(elem_id="check-findings")
            similar = gr.HTML(elem_id="check-similar")

    def load(path: str | None):
        if not path:
            return gr.update()
        try:
            return "\n".join(page.text for page in read_bounded(Path(path)).pages)  # worker with limits
        except ReadError as exc:
            gr.Warning(f"无法读取文件：{exc}")
            return gr.update()

    def review(content: str, kind_value: str, request: gr.Request):
        if not (content or "").strip():
            return "请先粘贴或上传稿件。", "", gr.update(visible=False)
        report = ctx.assistant.check(content, kind=kind_value or "proposal", filters=filters_for(ctx.viewer(request)))
        path = ctx.download_folder("check-") / "审查结果.md"
        path.write_text(report_markdown(report), encoding="utf-8")
        return inert_markdown(findings_markdown(report)), similar_html(report), gr.update(value=str(path), visible=True)

    upload.change(load, upload, text)
    run.click(review, [text, kind], [findings, similar, download], api_name="check")
