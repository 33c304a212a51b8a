from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from review_gate.config import Config
from review_gate.errors import ConfigError, IssueNotFound, TrackerError, TrackerUnavailable
from review_gate.trackers.github import (
    DEFAULT_API_URL,
    GitHubTracker,
    api_url,
    resolve_repo,
    resolve_token,
)
from tests.artifact_samples import review
from tests.github_standin import Fault, GitHubStandIn, refused_url
from tests.helpers import git


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as server:
        server.add_issue(7, "Seven", "the body", labels=["bug"])
        yield server


def tracker_for(gh: GitHubStandIn, **kwargs: object) -> GitHubTracker:
    return GitHubTracker(gh.full_name, token=gh.token, api_url=gh.url, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("count", [0, 1, 100, 101, 1000])
def test_listing_n_comments_costs_ceil_n_over_100_requests(gh: GitHubStandIn, count: int) -> None:
    gh.add_comments(7, (f"comment {i}" for i in range(count)), association="MEMBER")
    comments = tracker_for(gh).list_comments(7)
    assert [c.body for c in comments] == [f"comment {i}" for i in range(count)]
    assert gh.count() == max(1, math.ceil(count / 100))
    assert {r.query.get("per_page", ["?"])[0] for r in gh.requests} == {"100"}
    assert all(c.association == "MEMBER" for c in comments)


def test_1000_comments_and_the_issue_stay_within_budget(gh: GitHubStandIn) -> None:
    gh.add_comments(7, (f"c{i}" for i in range(1000)))
    tracker = tracker_for(gh)
    tracker.get_issue(7)
    tracker.list_comments(7)
    assert gh.count() <= math.ceil(1000 / 100) + 2
    assert gh.count(path="/issues/7/comments") == 10


def test_author_association_comes_from_the_raw_data(gh: GitHubStandIn) -> None:
    gh.add_comment(7, "drive-by", login="mallory", association="NONE")
    gh.add_comment(7, "late", login="carol", association="CONTRIBUTOR")
    comments = tracker_for(gh).list_comments(7)
    assert [(c.author, c.association) for c in comments] == [
        ("mallory", "NONE"),
        ("carol", "CONTRIBUTOR"),
    ]
    assert comments[0].url == f"https://github.com/{gh.full_name}/issues/7#issuecomment-1001"


def test_issue_pull_permission_and_lists(gh: GitHubStandIn) -> None:
    gh.add_issue(8, "Closed one", state="closed")
    gh.add_pull(9, head_ref="feature/7-x", head_sha="a" * 40, body="Closes #7")
    gh.permissions["alice"] = "write"
    tracker = tracker_for(gh)
    issue = tracker.get_issue(7)
    assert (issue.number, issue.title, issue.body, issue.labels) == (
        7,
        "Seven",
        "the body",
        ("bug",),
    )
    assert tracker.issue_exists(7) is True and tracker.issue_exists(70) is False
    pull = tracker.get_pull(9)
    assert (pull.head_ref, pull.head_sha, pull.body) == ("feature/7-x", "a" * 40, "Closes #7")
    assert tracker.permission("alice") == "write" and tracker.permission("bob") == "none"
    assert [i.number for i in tracker.list_issues()] == [7]  # the PR is not an issue
    assert [i.number for i in tracker.list_issues(state="all")] == [8, 7]
    assert tracker.list_issues(labels=["nope"]) == []


def test_post_and_edit(gh: GitHubStandIn) -> None:
    tracker = tracker_for(gh)
    posted = tracker.post_comment(7, "a review")
    assert (posted.author, posted.association, posted.body) == ("octocat", "OWNER", "a review")
    assert gh.count() == 1  # lazy: no GET of the repo or the issue first
    edited = tracker.edit_comment(posted.id, "a better review")
    assert edited.body == "a better review" and edited.id == posted.id
    assert [c.body for c in tracker.list_comments(7)] == ["a better review"]


@pytest.mark.parametrize(
    ("call", "error", "text"),
    [
        (lambda t: t.list_comments(70), IssueNotFound, "issue #70 not found in octo/project"),
        (lambda t: t.get_issue(70), IssueNotFound, "issue #70"),
        (lambda t: t.get_pull(70), IssueNotFound, "pull request #70"),
        (lambda t: t.post_comment(70, "x"), IssueNotFound, "issue #70"),
        (lambda t: t.edit_comment(5, "x"), IssueNotFound, "comment 5"),
    ],
)
def test_not_found(gh: GitHubStandIn, call: object, error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text):
        call(tracker_for(gh))  # type: ignore[operator]


def test_two_502s_in_a_row_are_retried_through(gh: GitHubStandIn) -> None:
    gh.add_comments(7, ["one", "two"])
    gh.fail_next(2, 502)
    assert [c.body for c in tracker_for(gh).list_comments(7)] == ["one", "two"]
    assert [r.status for r in gh.requests] == [502, 502, 200]


def test_lasting_5xx_is_unavailable_after_the_retries(gh: GitHubStandIn) -> None:
    gh.fail_next(10, 503)
    started = time.monotonic()
    with pytest.raises(TrackerUnavailable) as info:
        tracker_for(gh, retries=2).list_comments(7)
    assert time.monotonic() - started < 10
    assert gh.count() == 3  # the first try and two retries
    assert "503" in info.value.message and info.value.exit_code == 3
    assert info.value.hint and "run again" in info.value.hint


def test_secondary_rate_limit_honours_retry_after(gh: GitHubStandIn) -> None:
    gh.fail(Fault(403, retry_after=1, message="You have exceeded a secondary rate limit."))
    started = time.monotonic()
    assert tracker_for(gh).get_issue(7).number == 7
    assert time.monotonic() - started >= 0.9
    assert [r.status for r in gh.requests] == [403, 200]


def test_rate_limit_beyond_retries_is_unavailable(gh: GitHubStandIn) -> None:
    gh.fail(
        *(
            Fault(403, retry_after=0, message="You have exceeded a secondary rate limit.")
            for _ in range(5)
        )
    )
    with pytest.raises(TrackerUnavailable, match="rate limit"):
        tracker_for(gh, retries=1).get_issue(7)


def test_slow_answer_times_out_as_unavailable(gh: GitHubStandIn) -> None:
    gh.fail(*(Fault(status=0, delay=2.5) for _ in range(3)))
    started = time.monotonic()
    with pytest.raises(TrackerUnavailable, match="no answer within 1s"):
        tracker_for(gh, timeout=1, retries=0).get_issue(7)
    assert time.monotonic() - started < 2.4


def test_slow_answer_within_the_timeout_is_fine(gh: GitHubStandIn) -> None:
    gh.fail(Fault(status=0, delay=0.3))
    assert tracker_for(gh, timeout=5).get_issue(7).title == "Seven"


def test_connection_refused_is_unavailable_in_bounded_time() -> None:
    tracker = GitHubTracker("o/r", token="t", api_url=refused_url(), retries=3)
    started = time.monotonic()
    with pytest.raises(TrackerUnavailable, match="connection refused") as info:
        tracker.list_comments(1)
    assert time.monotonic() - started < 5
    assert info.value.exit_code == 3


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_bad_or_missing_token_says_set_gh_token(gh: GitHubStandIn, token: str | None) -> None:
    tracker = GitHubTracker(gh.full_name, token=token, api_url=gh.url)
    with pytest.raises(TrackerError) as info:
        tracker.list_comments(7)
    assert "401" in info.value.message and info.value.hint and "GH_TOKEN" in info.value.hint
    if token:
        assert token not in info.value.message + info.value.hint
    assert all(not r.authorized for r in gh.requests) is (token is None)


def test_token_is_sent_but_never_recorded(gh: GitHubStandIn) -> None:
    tracker_for(gh).get_issue(7)
    (request,) = gh.requests
    assert request.authorized and gh.token not in repr(request)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GH_TOKEN": "a", "GITHUB_TOKEN": "b"}, "a"),
        ({"GH_TOKEN": " ", "GITHUB_TOKEN": "b"}, "b"),
        ({}, None),  # no gh on PATH in the test environment
    ],
)
def test_resolve_token(env: dict[str, str], expected: str | None) -> None:
    assert resolve_token({**env, "PATH": "/nonexistent"}) == expected


def test_resolve_token_asks_gh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "gh"
    fake.write_text('#!/bin/sh\n[ "$1 $2" = "auth token" ] && echo from-gh\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    assert resolve_token({}) == "from-gh"
    fake.write_text("#!/bin/sh\nexit 1\n")
    assert resolve_token({}) is None


def test_resolve_repo_order(repo_with_remote: tuple[Path, Path], tmp_path: Path) -> None:
    clone, _ = repo_with_remote
    git(clone, "remote", "set-url", "origin", "git@github.com:from/remote.git")
    assert resolve_repo("flag/repo", clone, {"GITHUB_REPOSITORY": "env/repo"}) == "flag/repo"
    assert resolve_repo(None, clone, {"GITHUB_REPOSITORY": "env/repo"}) == "env/repo"
    assert resolve_repo(None, clone, {}) == "from/remote"
    with pytest.raises(ConfigError, match="does not look like owner/name"):
        resolve_repo(None, clone, {"GITHUB_REPOSITORY": "nope"})
    with pytest.raises(ConfigError, match="no GitHub repository"):
        resolve_repo(None, tmp_path, {})


def test_from_config_reads_the_environment(gh: GitHubStandIn, tmp_path: Path) -> None:
    env = {"GITHUB_API_URL": gh.url, "GITHUB_TOKEN": gh.token}
    tracker = GitHubTracker.from_config(Config(repo=gh.full_name), cwd=tmp_path, environ=env)
    assert tracker.get_issue(7).title == "Seven"
    with pytest.raises(ConfigError, match="GITHUB_API_URL"):
        GitHubTracker.from_config(
            Config(repo="o/r"), cwd=tmp_path, environ={"GITHUB_API_URL": "ftp://x"}
        )


def test_from_config_takes_the_api_url_of_the_configuration(tmp_path: Path) -> None:
    # The configuration's api_url wins over GITHUB_API_URL: a fake API in the environment
    # is never asked. (A gated checkout's configuration always names it: target.trusted.)
    with GitHubStandIn() as real, GitHubStandIn() as fake:
        real.add_issue(7, "Real")
        fake.add_issue(7, "Forged")
        env = {"GITHUB_API_URL": fake.url, "GITHUB_TOKEN": real.token}
        config = Config(repo=real.full_name, api_url=real.url)
        tracker = GitHubTracker.from_config(config, cwd=tmp_path, environ=env)
        assert tracker.api_url == real.url
        assert tracker.get_issue(7).title == "Real"
        assert fake.count() == 0


@pytest.mark.parametrize(
    ("configured", "env", "expected"),
    [
        (None, {}, DEFAULT_API_URL),
        (None, {"GITHUB_API_URL": "  "}, DEFAULT_API_URL),
        (None, {"GITHUB_API_URL": "https://GHE.example/api/v3/"}, "https://ghe.example/api/v3"),
        ("https://ghe.example/api/v3", {}, "https://ghe.example/api/v3"),
        (
            "https://ghe.example/api/v3",
            {"GITHUB_API_URL": "http://127.0.0.1:9"},
            "https://ghe.example/api/v3",
        ),
    ],
)
def test_api_url_order(configured: str | None, env: dict[str, str], expected: str) -> None:
    assert api_url(configured, env) == expected


def test_gate_check_of_1000_comments_stays_within_budget(gh: GitHubStandIn, tmp_path: Path) -> None:
    from review_gate.check import check

    gh.add_issue(8, "Tracking")
    for i in range(1000):
        if i == 666:  # page 7: the review is far beyond the first page
            body = review(7, deferred=(("Minor", "Slow path", "#8", "Out of scope"),))
            gh.add_comment(7, body, login="reviewer", association="MEMBER")
        else:
            gh.add_comment(7, f"note {i}", login="mallory", association="NONE")
    tracker = tracker_for(gh)
    result = check(7, cwd=tmp_path, config=Config(), tracker=tracker, head=None, changed_files=[])
    assert result.passed, result.to_json()
    assert gh.count() <= math.ceil(1000 / 100) + 2
    assert gh.count(path="/issues/7/comments") == 10
