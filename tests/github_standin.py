"""A GitHub REST stand-in: a real threaded HTTP server on 127.0.0.1 for tests and benchmarks.

PyGithub talks to it through ``GITHUB_API_URL``. Answers are GitHub's documented examples
(``tests/github_api.json``, extracted from ``shared/github-api``) with the fields that
matter overridden, so they have GitHub's shapes (``tests/github_standin_test.py`` validates
them against the schemas). It paginates with ``Link``, answers ``If-None-Match`` with 304,
sends ``X-RateLimit-*``, wants a token (401 without one), records every request (minus the
token) and plays scripted faults: 5xx bursts, secondary rate limits with ``Retry-After``,
slow answers; :func:`refused_url` gives an address where the connection is refused.

    with GitHubStandIn() as gh:
        gh.add_issue(7)
        gh.add_comment(7, "hello")
        env = gh.env()  # GITHUB_API_URL, GH_TOKEN, REVIEW_GATE_REPO
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple

API_DATA = Path(__file__).with_name("github_api.json")
TOKEN = "standin-token-0123456789"
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
DOCS = "https://docs.github.com/rest"


def load_api() -> dict[str, Any]:
    """Per operationId: method, path and {status: {schema, example}}."""
    data: dict[str, Any] = json.loads(API_DATA.read_text(encoding="utf-8"))
    return data


def refused_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _time(seconds: int) -> str:
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclasses.dataclass
class Fault:
    """The answer to one upcoming request matching ``path`` (a substring; None: any)."""

    status: int = 502
    retry_after: int | None = None  # seconds; sent as Retry-After (403/429 secondary limits)
    delay: float = 0.0  # wait this long first; with status 0, then answer normally
    # send the answer's body one byte every this many seconds (a server that trickles
    # bytes: no single read ever times out); with status 0, the normal answer
    trickle: float = 0.0
    message: str = "Server Error"
    path: str | None = None


class Recorded(NamedTuple):
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # without Authorization
    authorized: bool
    status: int


class GitHubStandIn:
    """State (issues, comments, pulls, permissions) plus the server that serves it."""

    def __init__(self, owner: str = "octo", repo: str = "project", token: str = TOKEN) -> None:
        self.owner, self.repo, self.token = owner, repo, token
        self.login = "octocat"  # the token's user: author of comments posted through the API
        self.association = "OWNER"
        self.api = load_api()
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, dict[str, Any]] = {}  # id -> comment JSON (+ "_issue")
        self.pulls: dict[int, dict[str, Any]] = {}
        self.permissions: dict[str, str] = {}
        # gate check --report (tests/github_standin_reports.py)
        self.check_runs: dict[int, dict[str, Any]] = {}  # id -> run (+ "_annotations", all)
        self.statuses: list[dict[str, Any]] = []  # commit statuses posted (+ "_sha")
        self.app_token = True  # False: a personal token, which may not create check runs
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []
        self.rate_remaining = 5000
        self._next_comment = 1000
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> GitHubStandIn:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.standin = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GitHubStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    def env(self, *, token: str | None = None) -> dict[str, str]:
        """Environment for a `gate` subprocess talking to this stand-in."""
        return {
            "GITHUB_API_URL": self.url,
            "GH_TOKEN": self.token if token is None else token,
            "REVIEW_GATE_REPO": self.full_name,
            "REVIEW_GATE_TRACKER": "github",
        }

    # -- scripting --------------------------------------------------------------------------

    def fail(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def fail_next(self, count: int, status: int = 502, path: str | None = None) -> None:
        self.fail(*(Fault(status=status, path=path) for _ in range(count)))

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests seen (optionally of one method / containing ``path``)."""
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method) and (path is None or path in r.path)
        )

    def add_issue(
        self,
        number: int,
        title: str = "An issue",
        body: str = "",
        *,
        labels: Iterable[str] = (),
        state: str = "open",
        pull: bool = False,
    ) -> dict[str, Any]:
        issue = self._example("issues__get", "200")
        base = f"{self.url}/repos/{self.full_name}"
        label_template = issue["labels"][0]
        issue.update(
            id=100000 + number,
            number=number,
            title=title,
            body=body,
            state=state,
            url=f"{base}/issues/{number}",
            comments_url=f"{base}/issues/{number}/comments",
            html_url=f"https://github.com/{self.full_name}/issues/{number}",
            labels=[{**label_template, "name": name} for name in labels],
            comments=0,
            pinned_comment=None,
        )
        if not pull:
            issue.pop("pull_request", None)
        with self._lock:
            self.issues[number] = issue
        return issue

    def add_comment(
        self,
        issue: int,
        body: str,
        *,
        login: str = "octocat",
        association: str = "OWNER",
        created_at: str | None = None,
    ) -> dict[str, Any]:
        with self._lock:
            return self._new_comment(issue, body, login, association, created_at)

    def add_comments(self, issue: int, bodies: Iterable[str], **kwargs: Any) -> None:
        for body in bodies:
            self.add_comment(issue, body, **kwargs)

    def add_pull(
        self, number: int, *, head_ref: str, head_sha: str, base_ref: str = "main", body: str = ""
    ) -> dict[str, Any]:
        pull = self._example("pulls__get", "200")
        # GitHub's example lacks the required team "type" (shared/github-api/README.md)
        teams = pull["requested_teams"]
        pull["requested_teams"] = [{"parent": None, **t, "type": "organization"} for t in teams]
        pull.update(
            number=number,
            body=body,
            title=f"PR {number}",
            state="open",
            url=f"{self.url}/repos/{self.full_name}/pulls/{number}",
            html_url=f"https://github.com/{self.full_name}/pull/{number}",
        )
        pull["head"] = {**pull["head"], "ref": head_ref, "sha": head_sha}
        pull["base"] = {**pull["base"], "ref": base_ref}
        with self._lock:
            self.pulls[number] = pull
        self.add_issue(number, pull["title"], body, pull=True)
        return pull

    # -- building answers -------------------------------------------------------------------

    def _example(self, op: str, status: str) -> Any:
        return copy.deepcopy(self.api[op]["responses"][status]["example"])

    def _new_comment(
        self, issue: int, body: str, login: str, association: str, created_at: str | None
    ) -> dict[str, Any]:
        self._next_comment += 1
        cid = self._next_comment
        comment = self._example("issues__list-comments", "200")[0]
        base = f"{self.url}/repos/{self.full_name}"
        created = created_at or _time(cid)
        comment.update(
            id=cid,
            node_id=f"IC_{cid}",
            url=f"{base}/issues/comments/{cid}",
            html_url=f"https://github.com/{self.full_name}/issues/{issue}#issuecomment-{cid}",
            issue_url=f"{base}/issues/{issue}",
            body=body,
            created_at=created,
            updated_at=created,
            author_association=association,
        )
        comment["user"] = {**comment["user"], "login": login}
        self.comments[cid] = {**comment, "_issue": issue}
        if issue in self.issues:
            self.issues[issue]["comments"] += 1
        return comment


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on a slow answer closes the socket: not worth a traceback.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def _public(comment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comment.items() if k != "_issue"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHubStandIn/1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    @property
    def gh(self) -> GitHubStandIn:
        return self.server.standin  # type: ignore[attr-defined, no-any-return]

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    # -- plumbing ---------------------------------------------------------------------------

    def _serve(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        path, query = parsed.path, urllib.parse.parse_qs(parsed.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        auth = self.headers.get("Authorization", "")
        headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        gh = self.gh
        with gh._lock:
            fault = next((f for f in gh.faults if f.path is None or f.path in path), None)
            if fault is not None:
                gh.faults.remove(fault)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.status:
            extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            status, body, extra_headers = fault.status, {"message": fault.message}, extra
        elif not auth:
            status, body, extra_headers = 401, _error("Requires authentication"), {}
        elif auth.split(" ", 1)[-1] != gh.token:
            status, body, extra_headers = 401, _error("Bad credentials"), {}
        else:
            try:
                payload = json.loads(raw) if raw else None
            except ValueError:
                payload = None
            status, body, extra_headers = self._route(method, path, query, payload)
        gh.requests.append(Recorded(method, path, query, headers, bool(auth), status))
        self._send(status, body, extra_headers, trickle=fault.trickle if fault else 0.0)

    def _send(self, status: int, body: Any, extra: dict[str, str], trickle: float = 0.0) -> None:
        gh = self.gh
        data = b"" if body is None else json.dumps(body).encode()
        etag = f'W/"{hashlib.sha256(data).hexdigest()[:32]}"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            status, data = 304, b""
        with gh._lock:
            gh.rate_remaining = max(0, gh.rate_remaining - (status != 304))
            remaining = gh.rate_remaining
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if status in (200, 201):
            self.send_header("ETag", etag)
        self.send_header("X-RateLimit-Limit", "5000")
        self.send_header("X-RateLimit-Remaining", str(remaining))
        self.send_header("X-RateLimit-Used", str(5000 - remaining))
        self.send_header("X-RateLimit-Reset", str(int(time.time()) + 3600))
        self.send_header("X-RateLimit-Resource", "core")
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        if not trickle:
            self.wfile.write(data)
            return
        self.wfile.flush()
        for i in range(len(data)):  # until the client gives up (BrokenPipe ends the thread)
            self.wfile.write(data[i : i + 1])
            self.wfile.flush()
            time.sleep(trickle)

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], payload: Any
    ) -> tuple[int, Any, dict[str, str]]:
        for verb, pattern, handler in _ROUTES:
            match = pattern.fullmatch(path)
            if verb == method and match:
                args = match.groupdict()
                if "owner" in args and f"{args['owner']}/{args['repo']}" != self.gh.full_name:
                    return 404, _error("Not Found"), {}
                with self.gh._lock:
                    return handler(self, query, payload, **args)
        return 404, _error("Not Found"), {}

    def _page(
        self, items: list[Any], query: dict[str, list[str]]
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = min(100, max(1, int(query.get("per_page", ["30"])[0])))
        page = max(1, int(query.get("page", ["1"])[0]))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []

        def link(n: int, rel: str) -> str:
            params = {k: v[0] for k, v in query.items()}
            params.update(per_page=str(per_page), page=str(n))
            path = urllib.parse.urlsplit(self.path).path
            return f'<{self.gh.url}{path}?{urllib.parse.urlencode(params)}>; rel="{rel}"'

        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        return 200, chunk, {"Link": ", ".join(links)} if links else {}

    # -- endpoints (run under the state lock) ------------------------------------------------

    def repo_get(
        self, query: Any, payload: Any, owner: str, repo: str
    ) -> tuple[int, Any, dict[str, str]]:
        data = self.gh._example("repos__get", "200")
        # GitHub's own example lacks the required "language" (shared/github-api/README.md)
        data.update(name=repo, full_name=f"{owner}/{repo}", language=None)
        for nested in ("source", "parent"):
            if isinstance(data.get(nested), dict):
                data[nested].setdefault("language", None)
        data["owner"] = {**data["owner"], "login": owner}
        return 200, data, {}

    def issue_get(
        self, query: Any, payload: Any, number: str, **_: str
    ) -> tuple[int, Any, dict[str, str]]:
        issue = self.gh.issues.get(int(number))
        return (200, issue, {}) if issue else (404, _error("Not Found"), {})

    def issue_list(
        self, query: dict[str, list[str]], payload: Any, **_: str
    ) -> tuple[int, Any, dict[str, str]]:
        state = query.get("state", ["open"])[0]
        wanted = set(filter(None, query.get("labels", [""])[0].split(",")))
        items = [
            issue
            for _, issue in sorted(self.gh.issues.items(), reverse=True)
            if state in ("all", issue["state"])
            and wanted <= {lab["name"] for lab in issue["labels"]}
        ]
        return self._page(items, query)

    def comments_list(
        self, query: dict[str, list[str]], payload: Any, number: str, **_: str
    ) -> tuple[int, Any, dict[str, str]]:
        if int(number) not in self.gh.issues:
            return 404, _error("Not Found"), {}
        items = [
            _public(c) for _, c in sorted(self.gh.comments.items()) if c["_issue"] == int(number)
        ]
        return self._page(items, query)

    def comment_create(
        self, query: Any, payload: Any, number: str, **_: str
    ) -> tuple[int, Any, dict[str, str]]:
        if int(number) not in self.gh.issues:
            return 404, _error("Not Found"), {}
        if not isinstance(payload, dict) or not isinstance(payload.get("body"), str):
            return 422, _error("Invalid request: body is missing"), {}
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        comment = self.gh._new_comment(
            int(number), payload["body"], self.gh.login, self.gh.association, now
        )
        return 201, comment, {"Location": comment["url"]}

    def comment_get(
        self, query: Any, payload: Any, cid: str, **_: str
    ) -> tuple[int, Any, dict[str, str]]:
        comment = self.gh.comments.get(int(cid))
        return (200, _public(comment), {}) if comment else (404, _error("Not Found"), {})

    def comment_update(
        self, query: Any, payload: Any, cid: str, **_: str
    ) -> tuple[int, Any, dict[str, str]]:
        comment = self.gh.comments.get(int(cid))
        if comment is None:
            return 404, _error("Not Found"), {}
        if not isinstance(payload, dict) or not isinstance(payload.get("body"), str):
            return 422, _error("Invalid request: body is missing"), {}
        comment["body"] = payload["body"]
        comment["updated_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return 200, _public(comment), {}

    def pull_get(
        self, query: Any, payload: Any, number: str, **_: str
    ) -> tuple[int, Any, dict[str, str]]:
        pull = self.gh.pulls.get(int(number))
        return (200, pull, {}) if pull else (404, _error("Not Found"), {})

    def pull_list(
        self, query: dict[str, list[str]], payload: Any, **_: str
    ) -> tuple[int, Any, dict[str, str]]:
        state = query.get("state", ["open"])[0]
        head = query.get("head", [""])[0].split(":")[-1]
        items = [
            p
            for _, p in sorted(self.gh.pulls.items(), reverse=True)
            if state in ("all", p["state"]) and head in ("", p["head"]["ref"])
        ]
        return self._page(items, query)

    def permission_get(
        self, query: Any, payload: Any, login: str, **_: str
    ) -> tuple[int, Any, dict[str, str]]:
        data = self.gh._example("repos__get-collaborator-permission-level", "200")
        permission = self.gh.permissions.get(login, "none")
        data.update(permission=permission, role_name=permission)
        data["user"] = {**data["user"], "login": login, "role_name": permission}
        return 200, data, {}

    def user_get(self, query: Any, payload: Any) -> tuple[int, Any, dict[str, str]]:
        data = self.gh._example("users__get-authenticated", "200")
        data["login"] = self.gh.login
        return 200, data, {}

    def rate_limit_get(self, query: Any, payload: Any) -> tuple[int, Any, dict[str, str]]:
        data = self.gh._example("rate-limit__get", "200")
        data["rate"]["remaining"] = data["resources"]["core"]["remaining"] = self.gh.rate_remaining
        return 200, data, {}


def _error(message: str) -> dict[str, str]:
    return {"message": message, "documentation_url": DOCS}


_Endpoint = Callable[..., tuple[int, Any, dict[str, str]]]
_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], _Endpoint]] = [
    (verb, re.compile(pattern), handler)
    for verb, pattern, handler in (
        ("GET", _REPO, _Handler.repo_get),
        ("GET", _REPO + r"/issues", _Handler.issue_list),
        ("GET", _REPO + r"/issues/(?P<number>\d+)", _Handler.issue_get),
        ("GET", _REPO + r"/issues/(?P<number>\d+)/comments", _Handler.comments_list),
        ("POST", _REPO + r"/issues/(?P<number>\d+)/comments", _Handler.comment_create),
        ("GET", _REPO + r"/issues/comments/(?P<cid>\d+)", _Handler.comment_get),
        ("PATCH", _REPO + r"/issues/comments/(?P<cid>\d+)", _Handler.comment_update),
        ("GET", _REPO + r"/pulls", _Handler.pull_list),
        ("GET", _REPO + r"/pulls/(?P<number>\d+)", _Handler.pull_get),
        ("GET", _REPO + r"/collaborators/(?P<login>[^/]+)/permission", _Handler.permission_get),
        ("GET", r"/user", _Handler.user_get),
        ("GET", r"/rate_limit", _Handler.rate_limit_get),
    )
]

# Check runs and commit statuses (gate check --report): tests/github_standin_reports.py
from tests.github_standin_reports import ROUTES as _REPORT_ROUTES  # noqa: E402

_ROUTES += [(verb, re.compile(_REPO + path), handler) for verb, path, handler in _REPORT_ROUTES]

# GitHub Actions runs, logs and artifacts (gate dispatch --backend github-actions):
# tests/github_standin_actions.py
from tests.github_standin_actions import ROUTES as _ACTIONS_ROUTES  # noqa: E402

_ROUTES += [(verb, re.compile(_REPO + path), handler) for verb, path, handler in _ACTIONS_ROUTES]

# GitHub Projects v2 over GraphQL (gate dispatch board status): tests/github_standin_projects.py
from tests.github_standin_projects import ROUTES as _GRAPHQL_ROUTES  # noqa: E402

_ROUTES += [(verb, re.compile(path), handler) for verb, path, handler in _GRAPHQL_ROUTES]
