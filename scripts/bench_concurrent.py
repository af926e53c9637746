"""Members asking while staff upload: latency and errors of the web API under concurrent use.

    python scripts/bench_concurrent.py [--members 20] [--seconds 60] [--uploads 5] [--index DIR]

Builds (or reuses) an index of the sample corpus, creates a member and a staff account, starts
``assistant serve`` on a free loopback port (a real process, embedded Chroma), then runs
``--members`` threads, each logged in with its own ``gradio_client.Client``, asking the golden
questions (tests/data/golden_questions.jsonl) in turn through the ``/ask`` endpoint for
``--seconds``, while one staff client uploads ``--uploads`` new documents through
``/upload_documents``. Prints the number of asks, errors, latency p50/p95/max and each upload's
result and time as JSON. Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORDS = {"member1": "member-pass-1", "staff1": "staff-pass-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_index(index: Path) -> None:
    from assistant.config import load_settings
    from assistant.service import Assistant

    assistant = Assistant(load_settings(index=index))
    try:
        report = assistant.ingest([ROOT / "corpus"])
        assert not report.failed, report.failed
        for name, role in (("member1", "member"), ("staff1", "staff")):
            if assistant.accounts.get(name) is None:
                assistant.accounts.add(name, role, PASSWORDS[name])
    finally:
        assistant.close()


def upload_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = int(time.time())
    paths = []
    for n in range(count):
        path = folder / f"压测上传{n + 1}.txt"
        path.write_text(f"关于江州市第{n + 1}批口袋公园建设的建议（{stamp}）\n"
                        f"江州市口袋公园数量不足，第{n + 1}批选址应当优先利用边角地和闲置地块，"
                        "配建座椅、照明和无障碍设施，由街道负责日常维护。\n", encoding="utf-8")
        paths.append(path)
    return paths


def wait_up(url: str, proc: subprocess.Popen, timeout: float = 300) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.communicate()}")
        try:
            if httpx.get(url, timeout=2).status_code in (200, 401):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("server did not start")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--index", type=Path, help="index folder (default: a temporary one)")
    args = parser.parse_args()

    from gradio_client import Client, handle_file

    work = Path(tempfile.mkdtemp(prefix="bench-concurrent-"))
    index = args.index or work / "index"
    prepare_index(index)
    questions = [json.loads(line)["question"] for line in (ROOT / "tests/data/golden_questions.jsonl").open()]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False",
           "ANONYMIZED_TELEMETRY": "False"}
    server = subprocess.Popen([sys.executable, "-m", "assistant.cli", "--index", str(index), "serve",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    try:
        wait_up(url, server)
        clients = [Client(url, auth=("member1", PASSWORDS["member1"]), verbose=False) for _ in range(args.members)]
        staff = Client(url, auth=("staff1", PASSWORDS["staff1"]), verbose=False)
        latencies: list[float] = []
        errors: list[str] = []
        uploads: list[dict] = []
        lock = threading.Lock()
        start = time.monotonic()
        stop_at = start + args.seconds

        def member(number: int, client) -> None:
            turn = number
            while time.monotonic() < stop_at:
                question = questions[turn % len(questions)]
                turn += 1
                began = time.monotonic()
                try:
                    answer = client.predict(question, api_name="/ask")
                    if not isinstance(answer, dict) or "answer" not in answer:
                        raise ValueError(f"unexpected reply {answer!r:.200}")
                    with lock:
                        latencies.append(time.monotonic() - began)
                except Exception as exc:  # what a member would see as a failure
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}"[:300])

        def uploader() -> None:
            time.sleep(min(5.0, args.seconds / 10))
            for path in upload_files(work / "uploads", args.uploads):
                began = time.monotonic()
                try:
                    results, summary = staff.predict([handle_file(str(path))], "", "public", True,
                                                     api_name="/upload_documents")
                    label = results["data"][0][1]
                except Exception as exc:
                    label, summary = "error", f"{type(exc).__name__}: {exc}"[:300]
                uploads.append({"file": path.name, "result": label, "seconds": round(time.monotonic() - began, 2),
                                "at": round(began - start, 1)})
                if label != "新增":
                    errors.append(f"upload {path.name}: {label} {summary}")

        threads = [threading.Thread(target=member, args=(n, c)) for n, c in enumerate(clients)]
        threads.append(threading.Thread(target=uploader))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - start
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    result = {
        "members": args.members, "seconds": round(elapsed, 1), "asks": len(latencies), "errors": len(errors),
        "error_samples": errors[:5], "asks_per_s": round(len(latencies) / elapsed, 2),
        "latency_s": {"p50": round(statistics.median(latencies), 2) if latencies else None,
                      "p95": round(percentile(latencies, 0.95), 2), "max": round(max(latencies, default=0), 2)},
        "uploads": uploads, "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
