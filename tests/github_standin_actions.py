"""The stand-in's GitHub Actions endpoints (what ``gate dispatch --backend github-actions``
calls), with scripted run life-cycles and faults.

Answers are GitHub's documented examples (``tests/github_api_actions.json``, extracted from
GitHub's published OpenAPI description) with the fields that matter overridden; request
bodies are validated against the documented request schema, and a dispatch's inputs
against the ``workflow_dispatch`` inputs of the shipped workflow
(src/review_gate/workflows/review-gate-worker.yml), whose ``run-name`` names each run as
GitHub would. Log and artifact downloads answer 302 to a second server (GitHub's blob
storage, signed URLs on another host), which wants no token.

Scripting (``actions(gh)``):

- ``run_details = False``: the dispatch answers 204 with no body (older API behaviour);
- ``lose_next_dispatch = True``: the next dispatch creates its run, then answers 502 (an
  answer lost on the way back);
- ``never_start = True``: new runs stay ``queued``;
- ``stuck_on_cancel = True``: ``cancel`` is accepted but the run keeps running, until
  ``force-cancel``;
- ``set(run_id, status, conclusion)``, ``add_artifact(run_id, name, files)``,
  ``set_log(run_id, files)``, ``delete(run_id)``; ``on_dispatch`` is called with each new
  run (under the stand-in's lock: it must not call the stand-in).

5xx bursts and rate limits come from the stand-in's own faults (``gh.fail(...)``).
Also here: ``GET /issues/comments`` (every issue's comments, ``since``), which status polls
of remote workers read.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import re
import threading
import urllib.parse
import zipfile
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ACTIONS_API = json.loads(
    Path(__file__).with_name("github_api_actions.json").read_text(encoding="utf-8")
)
WORKFLOW_FILE = (
    Path(__file__).resolve().parents[1]
    / "src" / "review_gate" / "workflows" / "review-gate-worker.yml"
)  # fmt: skip
_Answer = tuple[int, Any, dict[str, str]]
_EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([a-z_]+)\s*\}\}")


def _error(message: str) -> dict[str, str]:
    return {"message": message, "documentation_url": "https://docs.github.com/rest"}


def _example(op: str, status: str) -> Any:
    return copy.deepcopy(ACTIONS_API[op]["responses"][status]["example"])


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _zip(files: Mapping[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW_FILE.read_text(encoding="utf-8"))
    return data


@dataclasses.dataclass
class Run:
    data: dict[str, Any]  # the run as GitHub shows it
    inputs: dict[str, str]
    cancel_requested: bool = False
    log: bytes = b""
    artifacts: dict[str, bytes] = dataclasses.field(default_factory=dict)


class _Blobs(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        store: ActionsStandIn = self.server.store  # type: ignore[attr-defined]
        data = store.blobs.get(urllib.parse.urlsplit(self.path).path)
        self.send_response(200 if data is not None else 404)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(data or b"")))
        self.end_headers()
        self.wfile.write(data or b"")


class ActionsStandIn:
    """Runs and their artifacts, for one ``GitHubStandIn``."""

    def __init__(self, gh: Any) -> None:
        self.gh = gh
        self.workflow_file = WORKFLOW_FILE.name
        spec = workflow()
        self.inputs_spec: dict[str, Any] = spec[True]["workflow_dispatch"]["inputs"]
        self.run_name: str = spec["run-name"]
        self.runs: dict[int, Run] = {}
        self.dispatches: list[dict[str, Any]] = []  # every dispatch body received
        self.run_details = True
        self.lose_next_dispatch = False
        self.never_start = False
        self.stuck_on_cancel = False
        self.on_dispatch: Callable[[Run], None] | None = None
        self.blobs: dict[str, bytes] = {}
        self._next_run = 7_000_000_000  # GitHub run ids are past 2**32 these days
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Blobs)
        server.daemon_threads = True
        server.store = self  # type: ignore[attr-defined]
        self._blob_server = server
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        stop = gh.stop

        def stop_both() -> None:  # the blob server goes with the stand-in
            self.close()
            stop()

        gh.stop = stop_both

    def close(self) -> None:
        if self._blob_server.socket.fileno() != -1:
            self._blob_server.shutdown()
            self._blob_server.server_close()

    @property
    def blob_url(self) -> str:
        return f"http://127.0.0.1:{self._blob_server.server_address[1]}"

    # -- scripting --------------------------------------------------------------------------

    def set(self, run_id: int, status: str, conclusion: str | None = None) -> None:
        with self.gh._lock:
            run = self.runs[run_id].data
            if run["status"] == "queued" and status != "queued":
                run["run_started_at"] = _now()
            run.update(status=status, conclusion=conclusion, updated_at=_now())

    def add_artifact(self, run_id: int, name: str, files: Mapping[str, str | bytes]) -> None:
        with self.gh._lock:
            self.runs[run_id].artifacts[name] = _zip(files)

    def set_log(self, run_id: int, files: Mapping[str, str]) -> None:
        with self.gh._lock:
            self.runs[run_id].log = _zip(files)

    def delete(self, run_id: int) -> None:
        with self.gh._lock:
            del self.runs[run_id]

    def by_worker(self, worker_id: str) -> list[Run]:
        return [r for r in self.runs.values() if r.inputs.get("worker_id") == worker_id]

    # -- endpoints (under the stand-in's lock) -----------------------------------------------

    def _input_errors(self, inputs: Mapping[str, Any]) -> str | None:
        unknown = sorted(set(inputs) - set(self.inputs_spec))
        if unknown:
            return f"Unexpected inputs provided: {json.dumps(unknown)}"
        for name, spec in self.inputs_spec.items():
            value = inputs.get(name, spec.get("default"))
            if spec.get("required") and value in (None, ""):
                return f"Required input '{name}' not provided"
            if spec.get("type") == "choice" and value not in spec["options"]:
                return (
                    f"Provided value '{value}' for input '{name}' not in the list of allowed values"
                )
            if value is not None and not isinstance(value, str):
                return f"Input '{name}' must be a string"
        return None

    def _new_run(self, body: Mapping[str, Any]) -> Run:
        self._next_run += 1
        run_id = self._next_run
        inputs = {
            name: str(body.get("inputs", {}).get(name, spec.get("default", "")))
            for name, spec in self.inputs_spec.items()
        }
        data = _example("actions__get-workflow-run", "200")
        api = f"{self.gh.url}/repos/{self.gh.full_name}/actions/runs/{run_id}"
        title = _EXPRESSION.sub(lambda m: inputs.get(m.group(1), ""), self.run_name)
        data.update(
            id=run_id, name=workflow()["name"], node_id=f"WFR_{run_id}", display_title=title,
            event="workflow_dispatch", status="queued", conclusion=None, head_branch=body["ref"],
            path=f".github/workflows/{self.workflow_file}@{body['ref']}",
            created_at=_now(), updated_at=_now(), run_started_at=_now(), url=api,
            html_url=f"https://github.com/{self.gh.full_name}/actions/runs/{run_id}",
            logs_url=f"{api}/logs", artifacts_url=f"{api}/artifacts",
            cancel_url=f"{api}/cancel", rerun_url=f"{api}/rerun", jobs_url=f"{api}/jobs",
            pull_requests=[],
        )  # fmt: skip
        run = Run(data, inputs)
        self.runs[run_id] = run
        if not self.never_start and self.on_dispatch is not None:
            self.on_dispatch(run)
        return run

    def dispatch(self, query: Any, payload: Any, workflow_id: str, **_: str) -> _Answer:
        if workflow_id != self.workflow_file:
            return 404, _error("Not Found"), {}
        schema = ACTIONS_API["actions__create-workflow-dispatch"]["requestBody"]["schema"]
        errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(payload)]
        if errors:
            return 422, _error(f"Invalid request: {errors[0]}"), {}
        problem = self._input_errors(payload.get("inputs", {}))
        if problem:
            return 422, _error(problem), {}
        self.dispatches.append(copy.deepcopy(payload))
        run = self._new_run(payload)
        if self.lose_next_dispatch:
            self.lose_next_dispatch = False
            return 502, _error("Server Error"), {}
        if not (payload.get("return_run_details") and self.run_details):
            return 204, None, {}
        answer = _example("actions__create-workflow-dispatch", "200")
        answer.update(
            workflow_run_id=run.data["id"], run_url=run.data["url"], html_url=run.data["html_url"]
        )
        return 200, answer, {}

    def list_runs(self, query: dict[str, list[str]], payload: Any, workflow_id: str,
                  **_: str) -> _Answer:  # fmt: skip
        if workflow_id != self.workflow_file:
            return 404, _error("Not Found"), {}
        event = query.get("event", [None])[0]
        created = query.get("created", [""])[0]
        since = created[2:] if created.startswith(">=") else ""
        items = [
            r.data
            for _, r in sorted(self.runs.items(), reverse=True)  # newest first
            if (event is None or r.data["event"] == event) and r.data["created_at"] >= since
        ]
        per_page = min(100, max(1, int(query.get("per_page", ["30"])[0])))
        page = max(1, int(query.get("page", ["1"])[0]))
        chunk = items[(page - 1) * per_page : page * per_page]
        return 200, {"total_count": len(items), "workflow_runs": chunk}, {}

    def get_run(self, query: Any, payload: Any, run_id: str, **_: str) -> _Answer:
        run = self.runs.get(int(run_id))
        return (200, run.data, {}) if run else (404, _error("Not Found"), {})

    def cancel(self, query: Any, payload: Any, run_id: str, **_: str) -> _Answer:
        return self._cancel(int(run_id), force=False)

    def force_cancel(self, query: Any, payload: Any, run_id: str, **_: str) -> _Answer:
        return self._cancel(int(run_id), force=True)

    def _cancel(self, run_id: int, *, force: bool) -> _Answer:
        run = self.runs.get(run_id)
        if run is None:
            return 404, _error("Not Found"), {}
        if run.data["status"] == "completed":
            return 409, _error("Cannot cancel a workflow run that is completed."), {}
        run.cancel_requested = True
        if force or not self.stuck_on_cancel:
            run.data.update(status="completed", conclusion="cancelled", updated_at=_now())
        return 202, {}, {}

    def logs(self, query: Any, payload: Any, run_id: str, **_: str) -> _Answer:
        run = self.runs.get(int(run_id))
        if run is None or not run.log:
            return 404, _error("Not Found"), {}
        path = f"/logs/{run_id}.zip"
        self.blobs[path] = run.log
        return 302, None, {"Location": self.blob_url + path}

    def list_artifacts(self, query: Any, payload: Any, run_id: str, **_: str) -> _Answer:
        run = self.runs.get(int(run_id))
        if run is None:
            return 404, _error("Not Found"), {}
        template = _example("actions__list-workflow-run-artifacts", "200")["artifacts"][0]
        items = []
        for index, (name, data) in enumerate(sorted(run.artifacts.items())):
            artifact_id = int(run_id) * 10 + index
            api = f"{self.gh.url}/repos/{self.gh.full_name}/actions/artifacts/{artifact_id}"
            item = copy.deepcopy(template)
            item.update(id=artifact_id, name=name, size_in_bytes=len(data), url=api,
                        archive_download_url=f"{api}/zip", expired=False)  # fmt: skip
            item["workflow_run"] = {**item["workflow_run"], "id": int(run_id)}
            items.append(item)
            self.blobs[f"/artifacts/{artifact_id}.zip"] = data
        return 200, {"total_count": len(items), "artifacts": items}, {}

    def artifact_zip(self, query: Any, payload: Any, artifact_id: str, archive_format: str,
                     **_: str) -> _Answer:  # fmt: skip
        path = f"/artifacts/{artifact_id}.zip"
        if archive_format != "zip" or path not in self.blobs:
            return 404, _error("Not Found"), {}
        return 302, None, {"Location": self.blob_url + path}


def repo_comments(request: Any, query: dict[str, list[str]], payload: Any, **_: str) -> _Answer:
    """``GET /repos/{owner}/{repo}/issues/comments``: every issue's comments, filtered by
    ``since`` (updated at or after), sorted by ``created`` or ``updated``, paginated."""
    gh = request.gh
    since = query.get("since", [""])[0]
    key = "updated_at" if query.get("sort", ["created"])[0] == "updated" else "created_at"
    items = sorted(
        ({k: v for k, v in c.items() if k != "_issue"} for c in gh.comments.values()),
        key=lambda c: (c[key], c["id"]),
        reverse=query.get("direction", ["asc"])[0] == "desc",
    )
    items = [c for c in items if c["updated_at"] >= since]
    per_page = min(100, max(1, int(query.get("per_page", ["30"])[0])))
    page = max(1, int(query.get("page", ["1"])[0]))
    return 200, items[(page - 1) * per_page : page * per_page], {}


def actions(gh: Any) -> ActionsStandIn:
    """The Actions state of the stand-in ``gh`` (made on first use)."""
    with gh._lock:
        store: ActionsStandIn | None = gh.__dict__.get("actions_store")
        if store is None:
            store = ActionsStandIn(gh)
            gh.__dict__["actions_store"] = store
        return store


def _delegate(name: str) -> Callable[..., _Answer]:
    def handler(request: Any, query: Any, payload: Any, **args: str) -> _Answer:
        store: ActionsStandIn | None = request.gh.__dict__.get("actions_store")
        if store is None:  # the lock is held: make it without `actions()`
            store = ActionsStandIn(request.gh)
            request.gh.__dict__["actions_store"] = store
        method: Callable[..., _Answer] = getattr(store, name)
        return method(query, payload, **args)

    return handler


# (verb, path after /repos/{owner}/{repo}, handler)
ROUTES = [
    ("GET", r"/issues/comments", repo_comments),
    ("POST", r"/actions/workflows/(?P<workflow_id>[^/]+)/dispatches", _delegate("dispatch")),
    ("GET", r"/actions/workflows/(?P<workflow_id>[^/]+)/runs", _delegate("list_runs")),
    ("GET", r"/actions/runs/(?P<run_id>\d+)", _delegate("get_run")),
    ("POST", r"/actions/runs/(?P<run_id>\d+)/cancel", _delegate("cancel")),
    ("POST", r"/actions/runs/(?P<run_id>\d+)/force-cancel", _delegate("force_cancel")),
    ("GET", r"/actions/runs/(?P<run_id>\d+)/logs", _delegate("logs")),
    ("GET", r"/actions/runs/(?P<run_id>\d+)/artifacts", _delegate("list_artifacts")),
    (
        "GET",
        r"/actions/artifacts/(?P<artifact_id>\d+)/(?P<archive_format>[a-z]+)",
        _delegate("artifact_zip"),
    ),
]
