"""The local tracker's stored parses (review_gate/trackers/local_parsed.py).

A stored parse reads back as exactly what the parser returns for the comment; anything
that does not match the comment read (another body, another updated_at, another parser,
a damaged row, an older database without the table) is a miss, parsed again, never a
pass. Hits and misses are counted by the gates' parse cache, never timed.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.artifacts.extract import extract
from review_gate.check import check
from review_gate.gates.common import parse_cache_clear, parse_cache_info, parsed_artifacts
from review_gate.records import Comment
from review_gate.trackers import local_parsed
from review_gate.trackers.local import LocalTracker
from tests import artifact_samples as samples
from tests.artifacts_hypothesis_test import bodies
from tests.helpers import commit_file, git, init_repo_with_remote


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    parse_cache_clear()
    yield
    parse_cache_clear()


@pytest.fixture(scope="module")
def shared_tracker(tmp_path_factory: pytest.TempPathFactory) -> LocalTracker:
    repo, _ = init_repo_with_remote(tmp_path_factory.mktemp("parsed"))
    return LocalTracker.for_checkout(repo)


@pytest.fixture
def tracker(tmp_path: Path) -> LocalTracker:
    repo, _ = init_repo_with_remote(tmp_path)
    tracker = LocalTracker.for_checkout(repo)
    tracker.create_issue("reviews", number=1)
    return tracker


def _fresh(body: str) -> tuple[object, ...]:
    return tuple(extract(body))


def _same(a: object, b: object) -> bool:
    # repr tells 1 from 1.0 and True, a tuple from a list, and shows dictionary order.
    return a == b and repr(a) == repr(b)


def _read_in_new_process(tracker: LocalTracker, issue: int = 1) -> list[Comment]:
    """What a new process (the pre-push hook) sees: nothing parsed yet, then the
    tracker's list, which hands its stored parses to the gates' cache."""
    parse_cache_clear()
    tracker.close()
    return tracker.list_comments(issue)


def _db(tracker: LocalTracker) -> sqlite3.Connection:
    return sqlite3.connect(tracker.path, isolation_level=None)


# -- a stored parse is the parse ---------------------------------------------------------------

interesting = st.one_of(
    bodies,
    st.sampled_from(
        [
            samples.review(7),
            samples.review(7, commit="a" * 40, status="🔄 IN_PROGRESS", unaddressed=2),
            samples.review(3, deferred=(("Minor", "Later", "#12", "out of scope"),)),
            samples.handover(7),
            samples.worker_assignment(7),
        ]
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=interesting)
def test_a_stored_parse_equals_a_fresh_parse(shared_tracker: LocalTracker, body: str) -> None:
    if not body.strip():
        return  # the tracker refuses empty bodies
    issue = shared_tracker.create_issue("one body").number
    posted = shared_tracker.post_comment(issue, body)
    (comment,) = _read_in_new_process(shared_tracker, issue)
    assert comment == posted
    assert _same(parsed_artifacts(comment), _fresh(body))
    assert parse_cache_info().misses == 0  # answered from the stored parse


@settings(max_examples=200, deadline=None)
@given(body=interesting)
def test_encoding_round_trips_exactly(body: str) -> None:
    artifacts = tuple(extract(body))
    text = local_parsed.encode(artifacts)
    assert text is not None
    assert _same(local_parsed.decode(text), artifacts)


def test_values_json_cannot_carry_are_not_stored() -> None:
    (artifact,) = extract(samples.review(7))
    for data in ({"a": (1, 2)}, {"a": float("nan")}, {1: "a"}, {"a": {"b": [1, {"c": ()}]}}):
        assert local_parsed.encode((dataclasses.replace(artifact, data=data),)) is None
    assert local_parsed.encode((artifact,)) is not None


def test_edits_and_imports_store_their_parse(tracker: LocalTracker) -> None:
    first = tracker.post_comment(1, samples.review(1, status="🔄 IN_PROGRESS"))
    tracker.edit_comment(first.id, samples.review(1))
    tracker.import_comments(
        1,
        [
            {
                "id": 900,
                "html_url": "local:issues/1#issuecomment-900",
                "body": samples.handover(1),
                "user": {"login": "alice"},
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-02T00:00:00Z",
                "author_association": "OWNER",
            }
        ],
    )
    comments = _read_in_new_process(tracker)
    assert [c.id for c in comments] == [900, first.id]
    for comment in comments:
        assert _same(parsed_artifacts(comment), _fresh(comment.body))
    assert parse_cache_info().misses == 0
    assert parsed_artifacts(comments[1])[0].data["status"] == "COMPLETE"


# -- anything that does not match is a miss ----------------------------------------------------


def _set_body_behind_the_trackers_back(db: sqlite3.Connection, cid: int) -> None:
    # What an older review-gate's edit in the same second would leave: same updated_at.
    (data,) = db.execute("SELECT data FROM comments WHERE id = ?", (cid,)).fetchone()
    row = json.loads(data)
    row["body"] = samples.review(1, status="🔄 IN_PROGRESS", unaddressed=1)
    db.execute("UPDATE comments SET data = ? WHERE id = ?", (json.dumps(row), cid))


TAMPERING = {
    "body edited without its parse": _set_body_behind_the_trackers_back,
    "another updated_at": lambda db, cid: db.execute(
        "UPDATE parsed_artifacts SET updated_at = '2000-01-01T00:00:00Z' WHERE comment_id = ?",
        (cid,),
    ),
    "another body's digest": lambda db, cid: db.execute(
        "UPDATE parsed_artifacts SET body_digest = ? WHERE comment_id = ?",
        (local_parsed.body_digest("something else"), cid),
    ),
    "another parser": lambda db, cid: db.execute(
        "UPDATE parsed_artifacts SET parser = '0.0.1:other' WHERE comment_id = ?", (cid,)
    ),
    "not JSON": lambda db, cid: db.execute(
        "UPDATE parsed_artifacts SET artifacts = '[[\"review\"' WHERE comment_id = ?", (cid,)
    ),
    "a line that is a string": lambda db, cid: db.execute(
        "UPDATE parsed_artifacts SET artifacts = ? WHERE comment_id = ?",
        (json.dumps([["review", {}, "1", 2, []]]), cid),
    ),
    "an error of the wrong shape": lambda db, cid: db.execute(
        "UPDATE parsed_artifacts SET artifacts = ? WHERE comment_id = ?",
        (json.dumps([["review", {}, 1, 2, [["review", "", 1, "m"]]]]), cid),
    ),
    "a blob": lambda db, cid: db.execute(
        "UPDATE parsed_artifacts SET artifacts = x'00ff' WHERE comment_id = ?", (cid,)
    ),
    "an older database without the table": lambda db, cid: db.execute(
        "DROP TABLE parsed_artifacts"
    ),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_a_row_that_does_not_match_is_parsed_again(tracker: LocalTracker, how: str) -> None:
    posted = tracker.post_comment(1, samples.review(1))
    with _db(tracker) as db:
        TAMPERING[how](db, posted.id)
    (comment,) = _read_in_new_process(tracker)
    assert _same(parsed_artifacts(comment), _fresh(comment.body))
    assert parse_cache_info().misses == 1


def test_a_table_of_another_shape_never_fails_a_post(tracker: LocalTracker) -> None:
    with _db(tracker) as db:
        db.execute("CREATE TABLE parsed_artifacts (comment_id INTEGER PRIMARY KEY, x NOT NULL)")
    posted = tracker.post_comment(1, samples.review(1))
    tracker.edit_comment(posted.id, samples.review(1, status="🔄 IN_PROGRESS"))
    (comment,) = _read_in_new_process(tracker)
    assert parsed_artifacts(comment)[0].data["status"] == "IN_PROGRESS"
    assert parse_cache_info().misses == 1


def test_a_borrowed_passing_parse_does_not_pass_a_failing_review(tmp_path: Path) -> None:
    """The passing parse of one comment copied onto a failing one: the gate still reads
    the failing body (the row names another body), so it fails."""
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "feature/1-login")
    head = commit_file(repo, "app.py", "x = 1\n", "feat: app (#1)")
    tracker = LocalTracker.for_checkout(repo)
    tracker.create_issue("login", number=1)
    tracker.create_issue("other", number=2)
    failing = tracker.post_comment(1, samples.review(1, commit="b" * 40))
    passing = tracker.post_comment(2, samples.review(1, commit=head))
    with _db(tracker) as db:
        row = db.execute(
            "SELECT updated_at, body_digest, parser, artifacts FROM parsed_artifacts "
            "WHERE comment_id = ?",
            (passing.id,),
        ).fetchone()
        db.execute(
            "UPDATE parsed_artifacts SET updated_at = ?, body_digest = ?, parser = ?, "
            "artifacts = ? WHERE comment_id = ?",
            (failing.updated_at, *row[1:], failing.id),
        )
    parse_cache_clear()
    tracker.close()
    result = check(1, cwd=repo, tracker=tracker)
    assert not result.passed
    assert parse_cache_info().misses == 1  # the failing body, parsed


def test_the_stored_parse_carries_no_authorship(tracker: LocalTracker) -> None:
    """Who posted a comment comes from the comment row: a stored parse holds only what
    the body says, and the trust rules read the comment."""
    tracker.post_comment(1, samples.review(1), author="mallory", association="NONE")
    with _db(tracker) as db:
        (text,) = db.execute("SELECT artifacts FROM parsed_artifacts").fetchone()
    assert "mallory" not in text and "NONE" not in text


def test_only_the_local_tracker_hands_in_stored_parses() -> None:
    """A parse from a local file must never stand in for a comment that lives on GitHub:
    the one user of ``remember_parsed`` and of ``local_parsed`` is the local tracker."""
    src = Path(local_parsed.__file__).parents[1]
    defined = {"trackers/local_parsed.py", "gates/common.py"}  # where they are defined
    users = []
    for path in sorted(src.rglob("*.py")):
        name = path.relative_to(src).as_posix()
        text = path.read_text(encoding="utf-8")
        if name not in defined and ("remember_parsed" in text or "local_parsed" in text):
            users.append(name)
    assert users == ["trackers/local.py"]
