"""Command line: a thin shell over ``assistant.service``. Run ``assistant --help``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from assistant.config import load_settings
from assistant.models import GENRE_LABELS, GENRES, ROLES, VISIBILITIES, SearchFilters
from assistant.ingest.validity import STATUSES

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

STAGE_LABELS = {"files": "文件", "ocr": "文字识别", "embed": "向量化", "reindex": "重建索引", "build": "建索引", "query": "检索"}


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


class TerminalProgress:
    """tqdm bars on stderr, one per stage, when stderr is a terminal; otherwise (``make run`` piping to a
    log, a service manager) one plain line per stage every ``LINE_STEP`` of the work or ``LINE_SECONDS``."""

    LINE_STEP = 0.05
    LINE_SECONDS = 10.0

    def __init__(self, stream=None, clock=None) -> None:
        import time

        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.clock = clock or time.monotonic
        self.bars: dict = {}
        self.lines: dict[str, tuple[int, float, float]] = {}  # stage → (total, fraction, time) of its last line

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total <= 0:
            return
        if not self.enabled:
            self._line(stage, done, total)
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None or bar.total != total:
            if bar is not None:
                bar.close()
            bar = self.bars[stage] = tqdm(total=total, desc=STAGE_LABELS.get(stage, stage), leave=False,
                                          file=self.stream, dynamic_ncols=True)
        bar.update(done - bar.n)

    def _line(self, stage: str, done: int, total: int) -> None:
        now, fraction = self.clock(), min(1.0, done / total)
        last = self.lines.get(stage)
        due = (last is None or last[0] != total or (fraction >= 1.0 > last[1])
               or fraction - last[1] >= self.LINE_STEP or now - last[2] >= self.LINE_SECONDS)
        if due:
            print(f"{STAGE_LABELS.get(stage, stage)}：{done}/{total}（{fraction:.0%}）", file=self.stream, flush=True)
            self.lines[stage] = (total, fraction, now)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()
        self.lines.clear()


def _assistant(args):
    from assistant.service import Assistant

    return Assistant(load_settings(index=args.index))


@contextmanager
def _writer(args):
    """The Assistant for a command that writes the index: refused while a web server holds it with
    embedded Chroma; tells the user when it waits for another process's write."""
    assistant = _assistant(args)
    assistant.index.on_wait = lambda line: print(line, file=sys.stderr, flush=True)
    with assistant.index.no_server():
        yield assistant


def _filters(args) -> SearchFilters:
    return SearchFilters(genres=tuple(args.genre or ()), year_from=args.year_from, year_to=args.year_to,
                         issuer=getattr(args, "issuer", None), in_force_only=bool(getattr(args, "in_force", False)))


def _fill_queue(assistant, progress, background: bool) -> str:
    """After an ingest: with ``--background`` embed what is queued (unless another process works the
    queue); otherwise only say when chunks still wait. Returns a line for stderr ("" for none)."""
    from assistant.index.embed_queue import drain
    from assistant.index.lock import IndexBusy

    chunks, documents = assistant.index.registry.queue_counts()
    if not background:
        return (f"另有 {chunks} 个片段仍在向量化队列中（可按关键词检索；运行 `assistant embed-pending` 补上向量）"
                if chunks else "")
    print(f"已可按关键词检索；开始向量化 {chunks} 个片段（{documents} 篇文档），中断后可用 `assistant embed-pending` 继续",
          file=sys.stderr, flush=True)
    try:
        drain(assistant.index, progress)
    except IndexBusy as exc:
        return f"{exc}，新片段将由它完成向量化"
    return ""


def cmd_ingest(args) -> int:
    overrides = {"genre": args.genre, "visibility": args.visibility, "title": args.title, "issuer": args.issuer,
                 "doc_number": args.doc_number, "year": args.year}
    from assistant.access.library import Library, cli_user

    progress = TerminalProgress()
    try:
        with _writer(args) as assistant:
            report = Library(assistant).ingest(cli_user(), [Path(p) for p in args.paths], overrides, progress,
                                               embed_later=args.background)
            note = _fill_queue(assistant, progress, args.background)
            report.embedded = assistant.index.embedded_count  # texts this process sent to the model, queue included
    finally:
        progress.close()
    if note:
        print(note, file=sys.stderr)
    for result in report.failed:
        print(f"失败 {result.path}: {result.error}", file=sys.stderr)
    if args.json:
        _print_json(report.to_json())
    else:
        summary = report.to_json()
        print(f"新增 {summary['added']}，替换 {summary['replaced']}，未变 {summary['unchanged']}，"
              f"失败 {len(summary['failed'])}；文库共 {report.documents} 篇文档、{report.chunks} 个片段；"
              f"本次向量化 {report.embedded} 段")
    return 1 if report.failed else 0


def cmd_embed_pending(args) -> int:
    from assistant.index.embed_queue import drain
    from assistant.index.lock import IndexBusy

    progress = TerminalProgress()
    try:
        with _writer(args) as assistant:
            try:
                done = drain(assistant.index, progress)
            except IndexBusy as exc:  # another process works the queue: nothing for this one to do
                print(f"{exc}，无需重复处理；用 `assistant status` 查看进度")
                return 0
            embedded = assistant.index.embedded_count
    finally:
        progress.close()
    print(f"已补上 {done} 个片段的向量（其中新向量化 {embedded} 段，其余取自向量缓存）")
    return 0


def cmd_status(args) -> int:
    status = _assistant(args).embedding_status()
    if args.json:
        _print_json(status.to_json())
    else:
        print("\n".join(status.lines()))
    return 0


def _where(genre: str, *details: str | None, page: int | None = None) -> str:
    """"答复 · 江住建提复〔2024〕15号 · 第2页": genre label, the given details, page; empty ones left out."""
    parts = (GENRE_LABELS.get(genre, genre), *details, f"第{page}页" if page else None)
    return " · ".join(p for p in parts if p)


def cmd_search(args) -> int:
    hits = _assistant(args).search(args.query, k=args.k, filters=_filters(args))
    if args.json:
        _print_json([h.to_json() for h in hits])
        return 0
    if not hits:
        print("没有找到相关内容。")
    for hit in hits:
        print(f"[{hit.rank}] {hit.title}  ({_where(hit.genre, hit.doc_number, hit.heading, page=hit.page)})  "
              f"{hit.score:.4f}")
        print(f"    {hit.text[:160]}{'…' if len(hit.text) > 160 else ''}")
        if hit.near_duplicates:
            print(f"    另有 {len(hit.near_duplicates)} 份文件含几乎相同的段落")
    return 0


def cmd_ask(args) -> int:
    answer = _assistant(args).ask(args.question, filters=_filters(args))
    if args.json:
        _print_json(answer.to_json())
        return 0
    if answer.notice:
        print(f"（{answer.notice}）")
    for caveat in answer.caveats:
        print(f"注意：{caveat}")
    print(answer.answer)
    if answer.sources:
        print("\n出处：" if not answer.refused else "\n最接近的文档：")
    for s in answer.sources:
        print(f"[{s.n}] {s.title}  ({_where(s.genre, s.doc_number, s.date, s.heading, page=s.page)})")
    return 0


def cmd_docs_list(args) -> int:
    records = _assistant(args).documents()
    if args.json:
        _print_json([r.to_json() for r in records])
        return 0
    if not records:
        print("文库为空。用 `assistant ingest 路径` 添加文档。")
    for r in records:
        print(f"{r.doc_id}  {GENRE_LABELS.get(r.meta.genre, r.meta.genre):<4}  {r.meta.year or '----'}  "
              f"{'内部' if r.meta.visibility == 'internal' else '公开'}  {r.chunk_count:>4}段  {r.meta.title}")
    return 0


def cmd_docs_show(args) -> int:
    assistant = _assistant(args)
    record = assistant.document(args.doc_id)
    data = {**record.to_json(), "text": assistant.document_text(record.doc_id)}
    if args.json:
        _print_json(data)
    else:
        for key, value in data.items():
            if key != "text":
                print(f"{key}: {value}")
        print()
        print(data["text"])
    return 0


def cmd_docs_remove(args) -> int:
    from assistant.access.library import Library, cli_user

    with _writer(args) as assistant:
        removed = Library(assistant).delete(cli_user(), args.doc_ids)
    print(f"已删除 {len(removed)} 篇文档")
    return 0


def cmd_docs_set(args) -> int:
    fields = {k: getattr(args, k) for k in ("title", "genre", "doc_number", "issuer", "date", "year", "visibility",
                                            "status")}
    from assistant.access.library import Library, cli_user

    with _writer(args) as assistant:
        record = Library(assistant).update(cli_user(), args.doc_id, **fields)
    _print_json(record.to_json()) if args.json else print(f"已更新 {record.doc_id} {record.meta.title}")
    return 0


def cmd_reindex(args) -> int:
    progress = TerminalProgress()
    try:
        from assistant.access.library import Library, cli_user

        with _writer(args) as assistant:
            count = Library(assistant).reindex(cli_user(), progress)
    finally:
        progress.close()
    print(f"已重建 {count} 篇文档的索引")
    return 0


def cmd_doctor(args) -> int:
    from assistant.index import doctor

    if args.repair:
        with _writer(args) as assistant:
            report = doctor.repair(assistant.index)
    else:
        assistant = _assistant(args)
        assistant.index.on_wait = lambda line: print(line, file=sys.stderr, flush=True)
        report = doctor.check(assistant.index)
    if args.json:
        _print_json(report.to_json())
    else:
        print("\n".join(report.lines()))
    return 0 if report.consistent else 1


def cmd_eval(args) -> int:
    from assistant.retrieval.evaluate import evaluate
    from assistant.retrieval.retrieve import RetrievalConfig

    progress = TerminalProgress()
    try:
        result = evaluate(load_settings(index=args.index), Path(args.beir_dir), k=args.k, progress=progress,
                          config=RetrievalConfig(method=args.method), rerank=args.rerank)
    finally:
        progress.close()
    if args.json:
        _print_json(result)
    else:
        latency = result.pop("latency_ms")
        print("  ".join(f"{name} {value}" for name, value in result.items()))
        print(f"latency p50 {latency['p50']} ms  p95 {latency['p95']} ms")
    return 0


def cmd_eval_answers(args) -> int:
    from assistant.answers.answer_eval import evaluate_answers

    progress = TerminalProgress()
    try:
        result = evaluate_answers(load_settings(), Path(args.file), Path(args.index) if args.index else None,
                                  progress, details=args.details)
    finally:
        progress.close()
    if args.json:
        _print_json(result)
        return 0
    latency = result.pop("latency_ms")
    cases = result.pop("cases", [])
    for case in cases:
        if case["answerable"] and (case["refused"] or case["facts_found"] < case["facts"]
                                   or case["markers_right"] < case["markers"]):
            print(f"{case['id']}  事实 {case['facts_found']}/{case['facts']}  出处 {case['markers_right']}/"
                  f"{case['markers']}  {'拒答' if case['refused'] else ''}{'提示' if case['caveated'] else ''}  "
                  f"{case['question']}")
        elif not case["answerable"] and not (case["refused"] or case["caveated"]):
            print(f"{case['id']}  未拒答  {case['question']}")
    print("  ".join(f"{name} {value}" for name, value in result.items()))
    print(f"latency p50 {latency['p50']} ms  p95 {latency['p95']} ms")
    return 0


def _read_password(args, prompt: str = "密码: ") -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    password = getpass.getpass(prompt)
    if getpass.getpass("再输入一次: ") != password:
        raise ValueError("两次输入的密码不一致")
    return password


def cmd_users_add(args) -> int:
    from assistant.access.accounts import ROLE_LABELS
    from assistant.access.library import cli_user

    assistant = _assistant(args)
    account = assistant.accounts.add(args.name, args.role, _read_password(args))
    assistant.audit.record(cli_user().name, "user_add", account.name, role=account.role)
    print(f"已添加用户 {account.name}（{ROLE_LABELS[account.role]}）")
    return 0


def cmd_users_list(args) -> int:
    from assistant.access.accounts import ROLE_LABELS

    assistant = _assistant(args)
    accounts = assistant.accounts.list()
    disabled = assistant.accounts.disabled_names()
    if args.json:
        _print_json([{**a.to_json(), "disabled": a.name in disabled} for a in accounts])
        return 0
    if not accounts:
        print("还没有账号：网页无需登录。用 `assistant users add 用户名 --role staff` 创建账号。")
    for account in accounts:
        print(f"{account.name}\t{ROLE_LABELS[account.role]}" + ("\t已停用" if account.name in disabled else ""))
    return 0


def cmd_users_remove(args) -> int:
    from assistant.access.library import cli_user

    assistant = _assistant(args)
    if not assistant.accounts.remove(args.name):
        raise ValueError(f"没有用户 {args.name}")
    assistant.audit.record(cli_user().name, "user_remove", args.name)
    print(f"已删除用户 {args.name}")
    return 0


def cmd_users_passwd(args) -> int:
    from assistant.access.library import cli_user

    assistant = _assistant(args)
    if assistant.accounts.get(args.name) is None:
        raise ValueError(f"没有用户 {args.name}")
    assistant.accounts.set_password(args.name, _read_password(args, "新密码: "))
    assistant.audit.record(cli_user().name, "user_passwd", args.name)
    print(f"已修改 {args.name} 的密码")
    return 0


def cmd_users_disable(args) -> int:
    from assistant.access.library import cli_user

    assistant = _assistant(args)
    disable = args.users_command == "disable"
    assistant.accounts.set_disabled(args.name, disable)
    assistant.audit.record(cli_user().name, "user_disable" if disable else "user_enable", args.name)
    print(f"已停用 {args.name}，其已登录的网页会话已结束" if disable else f"已启用 {args.name}")
    return 0


def cmd_audit(args) -> int:
    from assistant.access.audit import ACTION_LABELS

    entries = _assistant(args).audit.entries(args.limit)
    if args.json:
        _print_json([e.to_json() for e in entries])
        return 0
    if not entries:
        print("审计日志为空。")
    for e in entries:
        title = e.detail.get("title") or ""
        print(f"{e.when}  {e.actor:<12} {ACTION_LABELS.get(e.action, e.action):<6} {e.target}  {title}")
    return 0


def read_draft_text(path: Path) -> str:
    """The text of a member's draft file (DOCX, TXT/MD, PDF, HTML) via the ingest reader (bounded worker)."""
    from assistant.ingest.read_worker import read_bounded

    return "\n".join(page.text for page in read_bounded(path).pages)


def cmd_draft(args) -> int:
    from assistant.drafting.export import to_docx, to_markdown

    draft = _assistant(args).draft(args.topic, kind=args.kind, notes=args.notes or "", region=args.region or "",
                                   sector=args.sector or "")
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() == ".docx":
            out.write_bytes(to_docx(draft))
        else:
            out.write_text(to_markdown(draft), encoding="utf-8")
        print(f"已保存 {out}", file=sys.stderr)
    if args.json:
        _print_json(draft.to_json())
    elif not args.out:
        print(to_markdown(draft))
    return 0


def cmd_check(args) -> int:
    report = _assistant(args).check(read_draft_text(Path(args.file)), kind=args.kind)
    if args.json:
        _print_json(report.to_json())
        return 0
    print("格式审查：" + ("未发现问题。" if not report.findings else f"{len(report.findings)} 项"))
    for finding in report.findings:
        print(f"  [{finding.where}] {finding.message}")
    print("查重：" + ("未发现相同主题的已有材料。" if not report.similar else ""))
    for doc in report.similar:
        print(f"  {doc.verdict_label}  {doc.similarity_label}  {GENRE_LABELS.get(doc.genre, doc.genre)}  {doc.title}")
        for pair in doc.pairs[:3]:
            print(f"      本稿：{pair.draft}\n      已有：{pair.existing}")
    return 0


def cmd_serve(args) -> int:
    from assistant.web import serve

    settings = load_settings(index=args.index)
    serve(settings, host=args.host or settings.host, port=args.port or settings.port, open_access=args.open)
    return 0


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--genre", action="append", choices=GENRES, help="文种（可重复）")
    parser.add_argument("--year-from", type=int)
    parser.add_argument("--year-to", type=int)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand's own --index must not reset one given before the subcommand.
    common.add_argument("--index", default=argparse.SUPPRESS, help="index folder (default $ASSISTANT_INDEX or ./index)")
    parser = argparse.ArgumentParser(prog="assistant", description="提案助手 · proposal assistant", parents=[common])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="add files and folders to the corpus")
    p.add_argument("paths", nargs="+")
    p.add_argument("--genre", choices=GENRES)
    p.add_argument("--visibility", choices=VISIBILITIES)
    p.add_argument("--title")
    p.add_argument("--issuer")
    p.add_argument("--doc-number", dest="doc_number")
    p.add_argument("--year", type=int)
    p.add_argument("--background", action="store_true",
                   help="store every file keyword-searchable first, then embed (resumable: assistant embed-pending)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("embed-pending", parents=[common],
                       help="embed the chunks still waiting in the embedding queue (resumes an interrupted run)")
    p.set_defaults(func=cmd_embed_pending)

    p = sub.add_parser("status", parents=[common], help="documents, chunks, embedded/pending vectors and the worker")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("search", parents=[common], help="hybrid search over the corpus")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=10)
    _add_filters(p)
    p.add_argument("--issuer")
    p.add_argument("--in-force", action="store_true", help="仅现行有效: leave out repealed/expired documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", parents=[common], help="answer a question from the corpus, with citations")
    p.add_argument("question")
    _add_filters(p)
    p.add_argument("--in-force", action="store_true", help="仅现行有效: leave out repealed/expired documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    docs = sub.add_parser("docs", parents=[common], help="list, show, edit and remove documents")
    docs_sub = docs.add_subparsers(dest="docs_command", required=True)
    p = docs_sub.add_parser("list", parents=[common])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs_list)
    p = docs_sub.add_parser("show", parents=[common])
    p.add_argument("doc_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs_show)
    p = docs_sub.add_parser("remove", parents=[common])
    p.add_argument("doc_ids", nargs="+")
    p.set_defaults(func=cmd_docs_remove)
    p = docs_sub.add_parser("set", parents=[common], help="edit metadata")
    p.add_argument("doc_id")
    p.add_argument("--title")
    p.add_argument("--genre", choices=GENRES)
    p.add_argument("--doc-number", dest="doc_number")
    p.add_argument("--issuer")
    p.add_argument("--date")
    p.add_argument("--year", type=int)
    p.add_argument("--visibility", choices=VISIBILITIES)
    p.add_argument("--status", choices=STATUSES, help="validity (时效)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs_set)

    p = sub.add_parser("reindex", parents=[common], help="re-chunk and re-index every document")
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("doctor", parents=[common], help="check registry, Chroma and keyword index agree; --repair fixes")
    p.add_argument("--repair", action="store_true", help="finish interrupted writes, drop orphans, re-add missing vectors")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("eval", parents=[common], help="evaluate retrieval on a BEIR-layout set")
    p.add_argument("beir_dir")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--method", default="ranker", choices=("ranker", "rrf", "rrf3", "dense", "chars", "words"),
                   help="fusion method (ablations); the product always uses ranker")
    p.add_argument("--rerank", action="store_true", help="re-score the best candidates with the reranker (rerank_url)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("eval-answers", parents=[common],
                       help="evaluate answers: fact recall, citation precision, refusals (JSON Lines benchmark)")
    p.add_argument("file")
    p.add_argument("--details", action="store_true", help="list the questions answered wrongly or not refused")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval_answers)

    users = sub.add_parser("users", parents=[common], help="accounts for the web app (member, staff, admin)")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    p = users_sub.add_parser("add", parents=[common])
    p.add_argument("name")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    p.set_defaults(func=cmd_users_add)
    p = users_sub.add_parser("list", parents=[common])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_users_list)
    p = users_sub.add_parser("remove", parents=[common])
    p.add_argument("name")
    p.set_defaults(func=cmd_users_remove)
    p = users_sub.add_parser("passwd", parents=[common])
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=cmd_users_passwd)
    for name, text in (("disable", "disable an account (ends its web sessions)"), ("enable", "enable it again")):
        p = users_sub.add_parser(name, parents=[common], help=text)
        p.add_argument("name")
        p.set_defaults(func=cmd_users_disable)

    p = sub.add_parser("audit", parents=[common], help="the audit log of corpus and account changes")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("draft", parents=[common], help="draft a proposal / 社情民意信息 / 协商建议 from cited precedents")
    p.add_argument("topic")
    p.add_argument("--kind", choices=("proposal", "social_report", "consultation"), default="proposal")
    p.add_argument("--notes", help="委员自己掌握的情况，写入草稿")
    p.add_argument("--region", help="地区，如 东湖区")
    p.add_argument("--sector", help="界别")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", help="save as FILE.docx or FILE.md")
    p.set_defaults(func=cmd_draft)

    p = sub.add_parser("check", parents=[common], help="format check and similar-proposal detection of a draft file")
    p.add_argument("file")
    p.add_argument("--kind", choices=("proposal", "social_report", "consultation"), default="proposal")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("serve", parents=[common], help="serve the web app")
    p.add_argument("--host", default=None, help="default: the host setting (127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="default: the port setting (7860)")
    p.add_argument("--open", action="store_true", help="serve without login (single-user laptop install)")
    p.set_defaults(func=cmd_serve)
    return parser



def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.index = getattr(args, "index", None)
    from assistant.service import NotFound

    try:
        return args.func(args)
    except (NotFound, ValueError, PermissionError) as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断；再次运行同一命令即可继续。", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
