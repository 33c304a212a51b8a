"""Each comment version is parsed once per process: `gate check` over more comments
than the old bounded cache held, repeated checks, edits. Counts parses, never time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from review_gate.check import check
from review_gate.gates.common import (
    find_artifacts,
    parse_cache_clear,
    parse_cache_info,
    parsed_artifacts,
)
from review_gate.records import Comment
from review_gate.trackers.local import LocalTracker
from tests import artifact_samples as samples
from tests.helpers import git, init_repo_with_remote

# More than the 2,048 bodies the old per-process cache held: with it, the second
# pass of `gate check` parsed every REVIEW again.
MANY = 2_100


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    parse_cache_clear()
    yield
    parse_cache_clear()


def _comment(cid: int, body: str, updated: str = "2026-01-01T00:00:00Z") -> Comment:
    return Comment(cid, "alice", "OWNER", "2026-01-01T00:00:00Z", updated, body, "")


def _small_review(n: int) -> str:
    # A REVIEW block (invalid: most tables missing) with a text of its own.
    return f"<!-- REVIEW:START -->\n**Review Status:** COMPLETE\nnote {n}\n<!-- REVIEW:END -->\n"


def test_gate_check_parses_each_comment_once(tmp_path: Path) -> None:
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "feature/1-login")
    tracker = LocalTracker.for_checkout(repo)
    tracker.create_issue("many reviews")
    export = [
        {
            "id": 10_000 + i,
            "html_url": f"local:issues/1#issuecomment-{10_000 + i}",
            "body": _small_review(i) if i < MANY - 1 else samples.review(1),
            "user": {"login": "alice"},
            "created_at": f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "updated_at": f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "author_association": "OWNER",
        }
        for i in range(MANY)
    ]
    tracker.import_comments(1, export)

    result = check(1, cwd=repo, tracker=tracker)
    assert result.passed, result
    info = parse_cache_info()
    assert info.misses == MANY  # every comment parsed once ...
    assert info.hits >= MANY  # ... although the review gate reads them all twice

    assert check(1, cwd=repo, tracker=tracker).passed
    assert parse_cache_info().misses == MANY  # a second check parses nothing again


def test_an_edited_comment_is_parsed_again_once() -> None:
    first = _comment(1, samples.review(1))
    assert [a.valid for a in parsed_artifacts(first)] == [True]
    edited = _comment(1, samples.review(1, status="IN_PROGRESS"), "2026-01-02T00:00:00Z")
    assert parsed_artifacts(edited)[0].data["status"] == "IN_PROGRESS"
    assert parsed_artifacts(edited)[0].data["status"] == "IN_PROGRESS"
    assert parse_cache_info().misses == 2
    assert parse_cache_info().size == 1  # the older version is not kept


def test_same_id_and_time_with_another_body_is_never_a_hit() -> None:
    """A hit needs the very same body: an id and updated_at that match (another
    tracker, a rewritten row) cannot hand back another body's artifacts."""
    passing = _comment(5, samples.review(1))
    other = _comment(5, samples.review(1, status="BLOCKED_ON_DEPENDENCIES"))
    assert parsed_artifacts(passing)[0].data["status"] == "COMPLETE"
    assert parsed_artifacts(other)[0].data["status"] == "BLOCKED_ON_DEPENDENCIES"
    assert parse_cache_info().misses == 2


def test_every_gate_of_one_process_shares_the_parses() -> None:
    comments = [_comment(i, _small_review(i)) for i in range(50)]
    for kind in ("review", "handover", "worker", "review"):
        find_artifacts(comments, kind)
    assert parse_cache_info() == (150, 50, 50)
