"""起草 tab: a 提案 / 社情民意信息 / 协商建议 draft from a topic, with cited sources, similar past
proposals, suggested handling departments, and DOCX / Markdown downloads."""

from __future__ import annotations

import html
from pathlib import Path

import gradio as gr

from assistant.drafting.draft import Draft
from assistant.drafting.export import source_line, to_docx, to_markdown
from assistant.drafting.formats import KIND_LABELS
from assistant.models import GENRE_LABELS, filters_for
from assistant.drafting.similar import VERDICT_LABELS
from assistant.web.context import WebContext
from assistant.web.inert import inert_markdown

KIND_CHOICES = [(label, kind) for kind, label in KIND_LABELS.items()]
INTRO = ("输入主题即可生成初稿：各部分的内容摘自文库中的提案、答复、政策和社情民意信息，每句后的 [n] 指向下方“引用材料”；"
         "【请补充本地数据】处需委员补充本人掌握的情况。")


def similar_markdown(similar) -> str:
    if not similar:
        return "未发现相同主题的以往提案或答复。"
    rows = ["| 判断 | 重合度 | 文种 | 标题 |", "|---|---|---|---|"]
    rows += [f"| {VERDICT_LABELS[d.verdict]} | {d.similarity_label} | {GENRE_LABELS.get(d.genre, d.genre)} | {d.title} |"
             for d in similar]
    return "\n".join(rows)


def departments_markdown(draft: Draft) -> str:
    if not draft.departments:
        return "未能从以往答复中判断承办单位，请委员自行填写。"
    titles = {s.doc_id: s.title for s in draft.sources}
    lines = []
    for dep in draft.departments:
        evidence = "；".join(titles.get(d, d) for d in dep.evidence) or "建议内容涉及其职责"
        lines.append(f"- **{dep.name}**（{dep.role}）— 依据：{evidence}")
    return "\n".join(lines)


def sources_markdown(draft: Draft) -> str:
    return "\n".join(f"{source_line(s)}  \n> {s.text[:160]}{'…' if len(s.text) > 160 else ''}\n"
                     for s in draft.sources) or "（无）"


def save_exports(draft: Draft, folder: Path) -> tuple[str, str]:
    """Write the DOCX and Markdown files of ``draft`` into ``folder``; returns their paths."""
    stem = "".join(ch for ch in draft.title if ch.isalnum())[:40] or "draft"
    docx_path, md_path = folder / f"{stem}.docx", folder / f"{stem}.md"
    docx_path.write_bytes(to_docx(draft))
    md_path.write_text(to_markdown(draft), encoding="utf-8")
    return str(docx_path), str(md_path)


def build(ctx: WebContext) -> None:
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=2):
            topic = gr.Textbox(label="主题", placeholder="例如：推进老旧小区加装电梯", elem_id="draft-topic")
            kind = gr.Radio(KIND_CHOICES, value="proposal", label="文稿类型", elem_id="draft-kind")
            with gr.Accordion("补充信息（可选）", open=False):
                notes = gr.Textbox(label="委员掌握的情况", lines=3, elem_id="draft-notes")
                with gr.Row():
                    region = gr.Textbox(label="地区", placeholder="如：东湖区")
                    sector = gr.Textbox(label="界别")
            run = gr.Button("生成初稿", variant="primary", elem_id="draft-run")
            status = gr.Markdown(elem_id="draft-status")
            with gr.Row():
                docx_button = gr.DownloadButton("下载 Word", visible=False, elem_id="draft-docx")
                md_button = gr.DownloadButton("下载 Markdown", visible=False, elem_id="draft-md")
        with gr.Column(scale=3):
            preview = gr.Markdown(elem_id="draft-preview")
    with gr.Accordion("以往相关提案与答复（查重）", open=True):
        similar = gr.Markdown(elem_id="draft-similar")
    with gr.Accordion("建议承办单位", open=False):
        departments = gr.Markdown()
    with gr.Accordion("引用材料", open=False):
        sources = gr.Markdown(elem_id="draft-sources")

    def generate(topic_text: str, kind_value: str, notes_text: str, region_text: str, sector_text: str,
                 request: gr.Request):
        if not (topic_text or "").strip():
            return ("请先输入主题。", "", "", "", "", gr.update(visible=False), gr.update(visible=False))
        user = ctx.viewer(request)
        draft = ctx.assistant.draft(topic_text.strip(), kind=kind_value or "proposal", notes=notes_text or "",
                                    region=region_text or "", sector=sector_text or "", filters=filters_for(user))
        docx_path, md_path = save_exports(draft, ctx.download_folder("draft-"))
        cited = len(draft.sources)
        note = f"已生成{draft.label}初稿，引用 {cited} 份文件。" + (f" {draft.notice}" if draft.notice else "")
        if draft.coverage:
            note = f"{draft.coverage}\n\n{note}"
        return (html.escape(note), inert_markdown(to_markdown(draft)), inert_markdown(similar_markdown(draft.similar)),
                inert_markdown(departments_markdown(draft)), inert_markdown(sources_markdown(draft)),
                gr.update(value=docx_path, visible=True), gr.update(value=md_path, visible=True))

    run.click(generate, [topic, kind, notes, region, sector],
              [status, preview, similar, departments, sources, docx_button, md_button], api_name="draft")
