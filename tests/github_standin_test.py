"""The stand-in itself: GitHub's shapes (validated against the published schemas), paging,
conditional requests, auth, rate-limit headers, faults and the request log."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from tests.github_standin import TOKEN, Fault, GitHubStandIn, load_api, refused_url

API = load_api()


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as server:
        server.add_issue(7, "Seven", "body", labels=["bug"])
        server.add_comments(7, (f"c{i}" for i in range(5)))
        server.add_pull(9, head_ref="feature/7-x", head_sha="b" * 40, body="Fixes #7")
        server.permissions["alice"] = "write"
        yield server


def call(
    gh: GitHubStandIn,
    path: str,
    *,
    method: str = "GET",
    body: Any = None,
    token: str | None = TOKEN,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(
        gh.url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={**({"Authorization": f"token {token}"} if token else {}), **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, dict(exc.headers), json.loads(raw) if raw else None


REPO = "/repos/octo/project"
CASES = [
    ("repos__get", "GET", REPO, None, "200"),
    ("issues__get", "GET", f"{REPO}/issues/7", None, "200"),
    ("issues__get", "GET", f"{REPO}/issues/70", None, "404"),
    ("issues__list-comments", "GET", f"{REPO}/issues/7/comments?per_page=2", None, "200"),
    ("issues__list-comments", "GET", f"{REPO}/issues/70/comments", None, "404"),
    ("issues__create-comment", "POST", f"{REPO}/issues/7/comments", {"body": "hi"}, "201"),
    ("issues__create-comment", "POST", f"{REPO}/issues/70/comments", {"body": "hi"}, "404"),
    ("issues__get-comment", "GET", f"{REPO}/issues/comments/1001", None, "200"),
    ("issues__update-comment", "PATCH", f"{REPO}/issues/comments/1001", {"body": "x"}, "200"),
    ("pulls__get", "GET", f"{REPO}/pulls/9", None, "200"),
    ("pulls__list", "GET", f"{REPO}/pulls?state=all", None, "200"),
    (
        "repos__get-collaborator-permission-level",
        "GET",
        f"{REPO}/collaborators/alice/permission",
        None,
        "200",
    ),
    ("users__get-authenticated", "GET", "/user", None, "200"),
    ("rate-limit__get", "GET", "/rate_limit", None, "200"),
]


@pytest.mark.parametrize(("op", "method", "path", "body", "status"), CASES)
def test_answers_match_the_published_schemas(
    gh: GitHubStandIn, op: str, method: str, path: str, body: Any, status: str
) -> None:
    code, _, data = call(gh, path, method=method, body=body)
    assert str(code) == status
    schema = API[op]["responses"][status]["schema"]
    jsonschema.Draft202012Validator(schema).validate(data)


def test_every_operation_in_the_extract_is_exercised() -> None:
    assert {case[0] for case in CASES} == {op for op in API if not op.startswith("_")}


def test_pagination_link_headers(gh: GitHubStandIn) -> None:
    path = f"{REPO}/issues/7/comments?per_page=2"
    _, headers, first = call(gh, path)
    assert [c["body"] for c in first] == ["c0", "c1"]
    links = dict(
        (rel.split('"')[1], url.strip("<> "))
        for url, rel in (p.split(";") for p in headers["Link"].split(","))
    )
    assert set(links) == {"next", "last"}
    _, headers, last = call(gh, links["last"].removeprefix(gh.url))
    assert [c["body"] for c in last] == ["c4"]
    assert 'rel="prev"' in headers["Link"] and 'rel="next"' not in headers["Link"]
    _, headers, only = call(gh, f"{REPO}/issues/7/comments?per_page=100")
    assert len(only) == 5 and "Link" not in headers


def test_etag_and_if_none_match(gh: GitHubStandIn) -> None:
    _, headers, _ = call(gh, f"{REPO}/issues/7")
    before = int(headers["X-RateLimit-Remaining"])
    code, headers, data = call(gh, f"{REPO}/issues/7", headers={"If-None-Match": headers["ETag"]})
    assert (code, data) == (304, None)
    assert int(headers["X-RateLimit-Remaining"]) == before  # a 304 costs no rate limit
    gh.add_comment(7, "changes the issue's comment count")
    code, _, _ = call(gh, f"{REPO}/issues/7", headers={"If-None-Match": headers.get("ETag", "x")})
    assert code == 200


@pytest.mark.parametrize(
    ("token", "message"), [(None, "Requires authentication"), ("nope", "Bad credentials")]
)
def test_auth(gh: GitHubStandIn, token: str | None, message: str) -> None:
    code, _, data = call(gh, f"{REPO}/issues/7", token=token)
    assert (code, data["message"]) == (401, message)


def test_rate_limit_headers(gh: GitHubStandIn) -> None:
    _, first, _ = call(gh, "/user")
    _, second, _ = call(gh, "/user")
    assert first["X-RateLimit-Limit"] == "5000" and first["X-RateLimit-Resource"] == "core"
    assert int(second["X-RateLimit-Remaining"]) == int(first["X-RateLimit-Remaining"]) - 1
    assert int(second["X-RateLimit-Used"]) == 2
    assert int(first["X-RateLimit-Reset"]) > time.time()


def test_scripted_faults(gh: GitHubStandIn) -> None:
    gh.fail_next(2, 502)
    gh.fail(Fault(403, retry_after=7, message="You have exceeded a secondary rate limit."))
    gh.fail(Fault(500, path="/pulls/"))
    assert call(gh, "/user")[0] == 502
    assert call(gh, "/user")[0] == 502
    code, headers, data = call(gh, "/user")
    assert (code, headers["Retry-After"]) == (403, "7") and "secondary" in data["message"]
    assert call(gh, "/user")[0] == 200  # the /pulls/ fault waits for its path
    assert call(gh, f"{REPO}/pulls/9")[0] == 500
    assert call(gh, f"{REPO}/pulls/9")[0] == 200


def test_slow_answer(gh: GitHubStandIn) -> None:
    gh.fail(Fault(status=0, delay=0.4))
    started = time.monotonic()
    assert call(gh, "/user")[0] == 200
    assert time.monotonic() - started >= 0.35


def test_refused_url_refuses() -> None:
    host, port = refused_url().removeprefix("http://").split(":")
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection((host, int(port)), timeout=2),
    ):
        pass


def test_requests_are_recorded_without_the_token(gh: GitHubStandIn) -> None:
    call(gh, f"{REPO}/issues/7/comments?per_page=3&page=2")
    call(gh, f"{REPO}/issues/7/comments", method="POST", body={"body": "x"})
    first, second = gh.requests
    assert (first.method, first.path, first.query) == (
        "GET",
        f"{REPO}/issues/7/comments",
        {"per_page": ["3"], "page": ["2"]},
    )
    assert second.method == "POST" and second.status == 201 and second.authorized
    assert TOKEN not in repr(gh.requests)
    assert gh.count("POST") == 1 and gh.count(path="/comments") == 2


def test_posted_comments_belong_to_the_token_user(gh: GitHubStandIn) -> None:
    gh.association = "COLLABORATOR"
    _, headers, posted = call(gh, f"{REPO}/issues/7/comments", method="POST", body={"body": "hi"})
    assert posted["user"]["login"] == "octocat" and posted["author_association"] == "COLLABORATOR"
    assert headers["Location"] == posted["url"]
    assert call(gh, f"{REPO}/issues/7/comments", method="POST", body={})[0] == 422


def test_other_repository_is_not_found(gh: GitHubStandIn) -> None:
    assert call(gh, "/repos/someone/else/issues/7")[0] == 404
