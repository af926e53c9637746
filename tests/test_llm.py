"""Model mode against a small local OpenAI-compatible server started here (the real client, no mocks)."""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.answers.answer import REFUSAL
from assistant.answers.citations import UNSUPPORTED, parse_markers
from assistant.config import Settings
from assistant.answers.llm import ChatModel, Message, ModelUnavailable

QUESTION = "老房子装电梯，市里现在每台补多少钱？"


class FakeModelServer(ThreadingHTTPServer):
    """``/v1/chat/completions``: replies with ``reply`` (SSE when ``stream`` is requested), or fails per ``mode``."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.reply = ""
        self.mode = "ok"  # ok | error | slow
        self.delay = 0.0
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: FakeModelServer

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, **body})
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        if self.server.mode == "slow":
            time.sleep(self.server.delay)
        if self.server.mode == "error":
            payload = json.dumps({"error": {"message": "internal error", "type": "server_error"}}).encode()
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        reply, model = self.server.reply, body.get("model", "fake")
        if not body.get("stream"):
            payload = json.dumps({
                "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        pieces = [reply[i : i + 6] for i in range(0, len(reply), 6)]
        for n, piece in enumerate(pieces):
            delta = {"role": "assistant", "content": piece} if n == 0 else {"content": piece}
            chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                     "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
        end = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
        self.wfile.flush()


@pytest.fixture(scope="module")
def model_server():
    server = FakeModelServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake(model_server):
    model_server.reply, model_server.mode, model_server.delay = "", "ok", 0.0
    model_server.requests.clear()
    return model_server


@pytest.fixture
def model_assistant(corpus_assistant, model_server):
    """The session's corpus index, answering through the fake model (same index, own settings)."""
    assistant = copy.copy(corpus_assistant)
    assistant.settings = replace(corpus_assistant.settings, llm_url=model_server.url, llm_model="fake-qwen",
                                 llm_api_key="sk-test", llm_timeout=2.0)
    return assistant


def test_streamed_answer_keeps_valid_markers_and_drops_invented_ones(model_assistant, fake):
    fake.reply = "市级财政对加装电梯的补助标准已由每台15万元提高至每台18万元[1]。子女的住房公积金也可以提取使用[7]。"
    answers = list(model_assistant.ask(QUESTION, stream=True))
    partial, final = answers[:-1], answers[-1]
    assert len(partial) >= 3 and not any(a.final for a in partial)  # text arrives piece by piece
    assert final.final and final.mode == "model" and not final.refused
    assert "[7]" not in final.answer
    assert parse_markers(final.answer) == [1]
    assert final.answer.endswith(f"子女的住房公积金也可以提取使用。{UNSUPPORTED}")
    assert [s.n for s in final.sources] == [1]
    assert final.notice is None

    request = fake.requests[-1]
    assert request["stream"] is True and request["model"] == "fake-qwen"
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "[1]" in system and "指令" in system  # cite as [n]; sources are data, not instructions
    assert '<资料 n="1"' in user and '<资料 n="2"' in user and QUESTION in user  # delimited sources, the question


def test_non_streaming_answer(model_assistant, fake):
    fake.reply = "自2024年7月1日起，市级补助提高至每台18万元[1]。"
    answer = model_assistant.ask(QUESTION)
    assert fake.requests[-1].get("stream") in (None, False)
    assert answer.mode == "model" and answer.answer == fake.reply
    assert answer.sources[0].n == 1


def test_server_error_gives_notice_and_extractive_answer(model_assistant, fake):
    fake.mode = "error"
    answer = model_assistant.ask(QUESTION)
    assert answer.mode == "extractive" and not answer.refused
    assert "HTTP 500" in answer.notice and "原文摘录" in answer.notice
    assert "[1]" in answer.answer and answer.sources
    assert "Traceback" not in answer.answer + answer.notice


def test_slow_model_times_out_to_extractive_answer(model_assistant, fake):
    fake.mode, fake.delay = "slow", 5.0
    start = time.perf_counter()
    answers = list(model_assistant.ask(QUESTION, stream=True))
    assert time.perf_counter() - start < 4.5
    final = answers[-1]
    assert final.mode == "extractive" and "超时" in final.notice
    assert "[1]" in final.answer


def test_unreachable_endpoint_gives_notice(corpus_assistant):
    settings = replace(corpus_assistant.settings, llm_url="http://127.0.0.1:9/v1", llm_timeout=2.0)
    assistant = copy.copy(corpus_assistant)
    assistant.settings = settings
    answer = assistant.ask(QUESTION)
    assert answer.mode == "extractive" and "无法连接" in answer.notice


def test_model_refusal_is_a_refusal(model_assistant, fake):
    fake.reply = "未在文库中找到能够回答该问题的依据。"
    answer = model_assistant.ask(QUESTION)
    assert answer.refused and answer.answer == REFUSAL


def test_unsupported_question_never_reaches_the_model(model_assistant, fake):
    answer = model_assistant.ask("南极科考站的补给船一般什么时候出发？")
    assert answer.refused and not fake.requests


def test_chat_model_client_directly(fake):
    fake.reply = "你好[1]。"
    model = ChatModel(Settings(llm_url=fake.url, llm_model="m", llm_timeout=2.0))
    messages = [Message("system", "s"), Message("user", "u")]
    assert "".join(model.stream(messages)) == "你好[1]。"
    assert model.complete(messages) == "你好[1]。"
    fake.mode = "error"
    with pytest.raises(ModelUnavailable):
        model.complete(messages)
