"""Scripted stand-ins of the vendor APIs the real agent CLIs talk to (offline, 127.0.0.1).

``AnthropicStandin`` answers Claude Code's ``POST /v1/messages`` (server-sent events,
recipe in shared/hook-protocol/README.md); ``ResponsesStandin`` answers Codex's
``POST /v1/responses`` (shared/hook-protocol/codex/README.md). Each is a real HTTP
server in a thread, used as a context manager::

    with AnthropicStandin(["gh pr create --title x --body 'Closes #7'"]) as api:
        env["ANTHROPIC_BASE_URL"] = api.url
        ...                      # run `claude -p ...`
        api.requests             # every request received: Request(method, path, body)

A script step is a shell command (str: a Bash / exec_command tool call), a dict
``{"name": TOOL, "input": ...}`` for any other tool (Anthropic: a tool_use block; Responses:
a freeform ``custom_tool_call`` such as Codex's ``apply_patch``, whose input is the patch
text), or ``{"text": "..."}`` for a final answer. Requests that expect the model's next move get
the next step; once the script is done they get the text ``"done"``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple

# A step is a shell command, a tool call or message (dict), or a function of the request's
# body that returns one (a command that names what only the request knows: the worker id).
Step = str | dict[str, Any] | Callable[[Any], "str | dict[str, Any]"]


class Request(NamedTuple):
    method: str
    path: str
    body: Any  # parsed JSON, or the raw text when it is not JSON

    def text(self) -> str:
        """The body as text, to search for what the client sent back to the model."""
        return self.body if isinstance(self.body, str) else json.dumps(self.body)


def _sse(events: Sequence[tuple[str, dict[str, Any]]]) -> bytes:
    return b"".join(
        f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events
    )


class _Standin:
    """A threaded HTTP server that hands requests to :meth:`answer`."""

    def __init__(self, script: Sequence[Step]) -> None:
        self.script = list(script)
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._next = 0
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the requests are recorded instead

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                with standin._lock:
                    standin.requests.append(Request(self.command, self.path, body))
                    status, content_type, payload = standin.answer(self.command, self.path, body)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_HEAD = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def next_step(self) -> Step | None:
        if self._next >= len(self.script):
            return None
        step = self.script[self._next]
        self._next += 1
        return step

    @property
    def steps_used(self) -> int:
        return self._next

    def new_id(self) -> int:
        return next(self._ids)

    def answer(self, method: str, path: str, body: Any) -> tuple[int, str, bytes]:
        raise NotImplementedError

    def __enter__(self) -> _Standin:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def texts(self) -> Iterator[str]:
        return (r.text() for r in self.requests)


class AnthropicStandin(_Standin):
    """Claude Code's Messages API: ``POST /v1/messages`` (SSE when ``stream``)."""

    model = "claude-standin"

    def __enter__(self) -> AnthropicStandin:
        super().__enter__()
        return self

    def _blocks(self, step: Step | None) -> tuple[list[dict[str, Any]], str]:
        if isinstance(step, str):
            step = {"name": "Bash", "input": {"command": step, "description": "run"}}
        if step is None or "text" in step:
            text = "done" if step is None else str(step["text"])
            return [{"type": "text", "text": text}], "end_turn"
        block = {
            "type": "tool_use",
            "id": f"toolu_{self.new_id()}",
            "name": step["name"],
            "input": step["input"],
        }
        return [block], "tool_use"

    def answer(self, method: str, path: str, body: Any) -> tuple[int, str, bytes]:
        if method != "POST" or not path.startswith("/v1/messages"):
            return 404, "application/json", b'{"type":"error","error":{"type":"not_found"}}'
        if path.startswith("/v1/messages/count_tokens"):
            return 200, "application/json", b'{"input_tokens": 10}'
        request = body if isinstance(body, dict) else {}
        # Only the agent loop sends tools; side requests (titles, checks) get plain text.
        step = self.next_step() if request.get("tools") else {"text": "ok"}
        blocks, stop_reason = self._blocks(step)
        message_id = f"msg_{self.new_id()}"
        usage = {"input_tokens": 10, "output_tokens": 5}
        if not request.get("stream"):
            message = {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": self.model,
                "content": blocks,
                "stop_reason": stop_reason,
                "stop_sequence": None,
                "usage": usage,
            }
            return 200, "application/json", json.dumps(message).encode()
        start = {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 1},
        }
        events: list[tuple[str, dict[str, Any]]] = [
            ("message_start", {"type": "message_start", "message": start})
        ]
        for index, block in enumerate(blocks):
            if block["type"] == "text":
                empty, delta = (
                    {"type": "text", "text": ""},
                    {
                        "type": "text_delta",
                        "text": block["text"],
                    },
                )
            else:
                empty = {**block, "input": {}}
                delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
            events += [
                (
                    "content_block_start",
                    {"type": "content_block_start", "index": index, "content_block": empty},
                ),
                (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                ),
                ("content_block_stop", {"type": "content_block_stop", "index": index}),
            ]
        events += [
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": 5},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        return 200, "text/event-stream", _sse(events)


class ResponsesStandin(_Standin):
    """Codex's OpenAI Responses API: ``GET /v1/models``, ``POST /v1/responses`` (SSE)."""

    model = "mock-model"

    def __enter__(self) -> ResponsesStandin:
        super().__enter__()
        return self

    def answer(self, method: str, path: str, body: Any) -> tuple[int, str, bytes]:
        if method == "GET" and path.startswith("/v1/models"):
            models = {
                "object": "list",
                "data": [
                    {"id": self.model, "object": "model", "created": 0, "owned_by": "standin"}
                ],
            }
            return 200, "application/json", json.dumps(models).encode()
        if method != "POST" or not path.startswith("/v1/responses"):
            return 404, "application/json", b'{"error": {"message": "not found"}}'
        step = self.next_step()
        if callable(step):
            step = step(body)
        n = self.new_id()
        if isinstance(step, str):
            item: dict[str, Any] = {
                "type": "function_call",
                "id": f"fc_{n}",
                "call_id": f"call_{n}",
                "name": "exec_command",
                "arguments": json.dumps({"cmd": step}),
            }
        elif step is not None and "name" in step:
            item = {
                "type": "custom_tool_call",
                "id": f"ctc_{n}",
                "call_id": f"call_{n}",
                "name": step["name"],
                "input": step["input"],
                "status": "completed",
            }
        else:
            text = "done" if step is None else str(step.get("text", "done"))
            item = {
                "type": "message",
                "id": f"msg_{n}",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        response_id = f"resp_{n}"
        usage = {
            "input_tokens": 10,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 15,
        }
        events = [
            ("response.created", {"type": "response.created", "response": {"id": response_id}}),
            (
                "response.output_item.added",
                {"type": "response.output_item.added", "output_index": 0, "item": item},
            ),
            (
                "response.output_item.done",
                {"type": "response.output_item.done", "output_index": 0, "item": item},
            ),
            (
                "response.completed",
                {"type": "response.completed", "response": {"id": response_id, "usage": usage}},
            ),
        ]
        return 200, "text/event-stream", _sse(events)
