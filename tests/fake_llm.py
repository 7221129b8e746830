"""An OpenAI-compatible chat-completions server for tests, on 127.0.0.1, over real HTTP.

It runs in a thread (stdlib `ThreadingHTTPServer`), so in-process async code and CLI
subprocesses can both talk to it. Each POST /v1/chat/completions takes the next scripted
behaviour from a queue (or `default` once the queue is empty) and every request is recorded.

    with FakeLLM() as llm:                       # or the `fake_llm` fixture
        llm.push(reply({"summary": ...}), error(429, headers={"Retry-After": "0"}))
        settings = make_settings(openai_base_url=llm.url, ...)
        ...
        assert len(llm.requests) == 2
        llm.requests[0].json["messages"]

Behaviours: `reply(content, ...)`, `error(status, ...)`, `hang(seconds)`, `delay(seconds,
behaviour)`, or any callable `(RecordedRequest) -> behaviour` for answers that depend on the
request (e.g. `reject_json_schema(then)`, `llama_cpp_rejects_json_schema(then)`). `analysis()`, `claim()` and `source()` build a
valid analysis for `reply`. Other modules import the fixture with
`from tests.fake_llm import fake_llm  # noqa: F401`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    json: Any
    time: float  # time.monotonic() when it arrived

    @property
    def messages(self) -> list[dict[str, Any]]:
        return (self.json or {}).get("messages", [])

    def content(self, role: str) -> str:
        """All message contents of one role, joined (system, user, assistant)."""
        return "\n".join(str(m.get("content", "")) for m in self.messages if m.get("role") == role)

    @property
    def response_format(self) -> str | None:
        return ((self.json or {}).get("response_format") or {}).get("type")

    @property
    def max_tokens(self) -> int | None:
        body = self.json or {}
        return body.get("max_tokens") or body.get("max_completion_tokens")


@dataclass
class Response:
    """What the server sends back: status, headers and a JSON body (or raw bytes)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    sleep: float = 0.0  # seconds to wait before answering


Behaviour = Response | Callable[[RecordedRequest], "Behaviour"]


def reply(content: str | dict | list | None, *, finish_reason: str = "stop",
          refusal: str | None = None, prompt_tokens: int = 100,
          completion_tokens: int = 50, model: str = "fake-model") -> Response:
    """A chat completion. A dict or list `content` is sent as its JSON text."""
    if content is not None and not isinstance(content, str):
        content = json.dumps(content)
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": refusal}
    return Response(body={
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason,
                     "logprobs": None}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    })


def error(status: int, message: str = "fake error", *, code: str | None = None,
          type: str | None = None, param: str | None = None,
          headers: dict[str, str] | None = None) -> Response:
    """An error in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""
    return Response(status=status, headers=dict(headers or {}), body={
        "error": {"message": message, "type": type or "invalid_request_error",
                  "param": param, "code": code}})


def hang(seconds: float) -> Response:
    """Answer nothing for `seconds` (then a 504), to exercise client timeouts."""
    return Response(status=504, body={"error": {"message": "too late"}}, sleep=seconds)


def delay(seconds: float, behaviour: Response) -> Response:
    """`behaviour`, sent after `seconds`."""
    return Response(behaviour.status, behaviour.body, dict(behaviour.headers), seconds)


# What llama-cpp-python's OpenAI-compatible server answers to response_format json_schema:
# HTTP 500 wrapping a pydantic validation error that names the field.
LLAMA_CPP_JSON_SCHEMA_ERROR = (
    "1 validation error: {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
    "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', 'ctx': "
    "{'expected': \"'text' or 'json_object'\"}}\n\nFile \"/app/llama_cpp/server/errors.py\", "
    "line 171, in custom_route_handler\n  response = await original_route_handler(request)")


def reject_json_schema(then: Behaviour, *, status: int = 400,
                       message: str = "response_format type json_schema is not supported",
                       type: str = "invalid_request_error",
                       param: str | None = "response_format") -> Callable[[RecordedRequest], Behaviour]:
    """Like servers without structured outputs: `status` on json_schema, else `then`."""

    def decide(request: RecordedRequest) -> Behaviour:
        if request.response_format == "json_schema":
            return error(status, message, type=type, param=param)
        return then

    return decide


def llama_cpp_rejects_json_schema(then: Behaviour) -> Callable[[RecordedRequest], Behaviour]:
    """llama-cpp-python's server: HTTP 500 with a validation message on json_schema."""
    return reject_json_schema(then, status=500, message=LLAMA_CPP_JSON_SCHEMA_ERROR,
                              type="internal_server_error", param=None)


def analysis(*, summary: str = "The claims rest on named, on-record sources.",
             score: int = 4, rationale: str = "Mostly named sources.",
             claims: list[dict] | None = None, sources: list[dict] | None = None,
             hedges: list[dict] | None = None, red_flags: list[dict] | None = None,
             next_steps: list[str] | None = None) -> dict:
    """A valid LLM analysis (bot.llm_analyzer.LLMAnalysis) for `reply(analysis(...))`.

    Claims and sources may leave out fields: `claim(quote)` / `source(name, kind, mention)`
    fill in the rest.
    """
    return {
        "summary": summary,
        "rating": {"score": score, "rationale": rationale},
        "claims": claims if claims is not None else [],
        "sources": sources if sources is not None else [],
        "hedges": hedges if hedges is not None else [],
        "red_flags": red_flags if red_flags is not None else [],
        "next_steps": next_steps if next_steps is not None else ["Look for the original report."],
    }


def claim(quote: str, *, id: str = "c1", text: str | None = None, source_ids: list[str] | None = None,
          verifiability: str = "partly", hedges: list[str] | None = None,
          check: str = "Look for an on-record confirmation.") -> dict:
    return {"id": id, "text": text or quote, "quote": quote, "source_ids": source_ids or [],
            "verifiability": verifiability, "hedges": hedges or [], "check": check}


def source(name: str, kind: str, mention: str, *, id: str = "s1", role: str | None = None,
           via: str | None = None) -> dict:
    return {"id": id, "name": name, "kind": kind, "role": role, "mention": mention, "via": via}


class FakeLLM:
    """The server. `url` is the base URL to give the OpenAI SDK (it ends in /v1)."""

    def __init__(self, default: Behaviour | None = None) -> None:
        self.queue: deque[Behaviour] = deque()
        self.default: Behaviour = default or error(
            500, "the fake LLM has no scripted response left", type="server_error")
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    # --- scripting -------------------------------------------------------------
    def push(self, *behaviours: Behaviour) -> "FakeLLM":
        with self._lock:
            self.queue.extend(behaviours)
        return self

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def completions(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # --- lifecycle ---------------------------------------------------------------
    def start(self) -> "FakeLLM":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeLLM":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- serving -------------------------------------------------------------------
    def _next(self, request: RecordedRequest) -> Response:
        with self._lock:
            self.requests.append(request)
            behaviour = self.queue.popleft() if self.queue else self.default
        while callable(behaviour):
            behaviour = behaviour(request)
        return behaviour

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = RecordedRequest("POST", self.path, headers, body, time.monotonic())
                if not self.path.endswith("/chat/completions"):
                    self._send(error(404, f"no route {self.path}"))
                    return
                response = fake._next(request)
                if response.sleep and fake._stopping.wait(response.sleep):
                    return
                self._send(response)

            def do_GET(self) -> None:
                if self.path.endswith("/models"):
                    self._send(Response(body={"object": "list", "data": [
                        {"id": "fake-model", "object": "model", "owned_by": "tests"}]}))
                else:
                    self._send(error(404, f"no route {self.path}"))

            def _send(self, response: Response) -> None:
                data = response.body if isinstance(response.body, bytes) else json.dumps(
                    response.body).encode()
                try:
                    self.send_response(response.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in response.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to do

        return Handler


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server
