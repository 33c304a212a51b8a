from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from review_gate.errors import IssueNotFound, Refused, TrackerError, UsageError
from review_gate.trackers.local import FILENAME, LocalTracker, default_author
from tests.helpers import git

RFC3339_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture
def tracker(tmp_path: Path) -> LocalTracker:
    return LocalTracker(tmp_path / FILENAME)


def test_for_checkout_is_shared_by_worktrees(repo: Path, tmp_path: Path) -> None:
    git(repo, "worktree", "add", "-q", "-b", "feature/7-x", str(tmp_path / "wt"))
    main = LocalTracker.for_checkout(repo)
    other = LocalTracker.for_checkout(tmp_path / "wt")
    assert main.path == other.path == repo / ".git" / "review-gate" / FILENAME
    main.create_issue("Shared")
    other.post_comment(1, "from the worktree")
    assert [c.body for c in main.list_comments(1)] == ["from the worktree"]


def test_issue_lifecycle(tracker: LocalTracker) -> None:
    first = tracker.create_issue("First", "body", ["bug", "bug", " ui "])
    second = tracker.create_issue("Second")
    assert (first.number, second.number) == (1, 2)
    assert first.labels == ("bug", "ui") and first.state == "open" and first.body == "body"
    assert tracker.create_issue("Numbered", number=40).number == 40
    assert tracker.create_issue("After").number == 41
    tracker.set_state(2, "closed")
    assert [i.number for i in tracker.list_issues()] == [1, 40, 41]
    assert [i.number for i in tracker.list_issues(state="closed")] == [2]
    assert [i.number for i in tracker.list_issues(state="all", labels=["bug"])] == [1]
    assert tracker.list_issues(labels=["bug", "nope"]) == []
    assert tracker.issue_exists(40) is True and tracker.issue_exists(3) is False


@pytest.mark.parametrize(
    ("call", "error", "text"),
    [
        (lambda t: t.create_issue("  "), UsageError, "title is empty"),
        (lambda t: t.create_issue("x", number=1), TrackerError, "already exists"),
        (lambda t: t.post_comment(9, "hi"), IssueNotFound, "#9 does not exist"),
        (lambda t: t.post_comment(1, " \n"), UsageError, "body is empty"),
        (lambda t: t.post_comment(1, "x" * 65537), UsageError, "limit is 65536"),
        (lambda t: t.post_comment(1, "x", author="two words"), UsageError, "not a login"),
        (lambda t: t.post_comment(1, "x", association="BOSS"), UsageError, "association"),
        (lambda t: t.edit_comment(999, "x"), IssueNotFound, "comment 999"),
        (lambda t: t.get_issue(9), IssueNotFound, "#9"),
        (lambda t: t.list_comments(9), IssueNotFound, "#9"),
        (lambda t: t.get_pull(1), IssueNotFound, "no pull requests"),
        (lambda t: t.set_state(1, "merged"), UsageError, "state"),
    ],
)
def test_errors(tracker: LocalTracker, call: object, error: type[Exception], text: str) -> None:
    tracker.create_issue("One")
    with pytest.raises(error, match=re.escape(text)):
        call(tracker)  # type: ignore[operator]


def test_missing_issue_hint_names_gate_issue_new(tracker: LocalTracker) -> None:
    with pytest.raises(IssueNotFound) as info:
        tracker.post_comment(3, "hi")
    assert info.value.hint and "gate issue new" in info.value.hint


def test_comments_are_github_shaped_and_ordered(tracker: LocalTracker) -> None:
    tracker.create_issue("One")
    tracker.create_issue("Two")
    posted = [tracker.post_comment(1 + i % 2, f"body {i}", author="alice") for i in range(6)]
    ids = [c.id for c in posted]
    assert ids == sorted(ids) and len(set(ids)) == 6
    listed = tracker.list_comments(1)
    assert [c.body for c in listed] == ["body 0", "body 2", "body 4"]
    for c in listed:
        assert RFC3339_Z.fullmatch(c.created_at) and c.updated_at == c.created_at
        assert (c.author, c.association) == ("alice", "OWNER")
    exported = tracker.export_comments(1)
    assert {"id", "node_id", "html_url", "body", "user", "created_at", "updated_at"} <= set(
        exported[0]
    )
    assert exported[0]["user"]["login"] == "alice"
    assert exported[0]["author_association"] == "OWNER"


def test_edit_moves_updated_at_only(tracker: LocalTracker) -> None:
    tracker.create_issue("One")
    original = tracker.post_comment(1, "v1", association="MEMBER")
    # Pretend the comment is old, so the edit time is visibly later.
    with sqlite3.connect(tracker.path) as conn:
        data = json.loads(conn.execute("SELECT data FROM comments").fetchone()[0])
        data["created_at"] = data["updated_at"] = "2020-01-01T00:00:00Z"
        conn.execute("UPDATE comments SET data = ?, created_at = ?", (json.dumps(data), "2020"))
    edited = tracker.edit_comment(original.id, "v2")
    assert edited.body == "v2" and edited.created_at == "2020-01-01T00:00:00Z"
    assert edited.updated_at > edited.created_at and edited.association == "MEMBER"
    assert tracker.list_comments(1)[0].body == "v2"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"REVIEW_GATE_AUTHOR": "rev-bot", "USER": "alice"}, "rev-bot"),
        ({"USER": "alice"}, "alice"),
        ({}, "local"),
    ],
)
def test_default_author(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    monkeypatch.delenv("USER", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert default_author() == expected


def test_import_keeps_github_fields_and_is_idempotent(tracker: LocalTracker) -> None:
    export = [
        {
            "id": 9001,
            "node_id": "IC_1",
            "html_url": "https://github.com/o/r/issues/5#issuecomment-9001",
            "body": "from GitHub",
            "user": {"login": "bob", "id": 3},
            "created_at": "2025-03-01T10:00:00+02:00",
            "updated_at": "2025-03-01T09:00:00Z",
            "author_association": "CONTRIBUTOR",
            "reactions": {"+1": 2},
        },
        {
            "id": 9002,
            "body": None,
            "user": None,
            "created_at": "2025-03-02T10:00:00Z",
            "author_association": "NONE",
        },
    ]
    assert tracker.import_comments(5, export) == 2
    assert tracker.get_issue(5).title == "Imported issue #5"
    comments = tracker.list_comments(5)
    assert [(c.id, c.author, c.association) for c in comments] == [
        (9001, "bob", "CONTRIBUTOR"),
        (9002, "ghost", "NONE"),
    ]
    assert comments[0].created_at == "2025-03-01T08:00:00Z"
    assert tracker.export_comments(5)[0]["reactions"] == {"+1": 2}
    assert tracker.import_comments(5, export) == 0
    assert len(tracker.list_comments(5)) == 2
    # a local comment after an import still gets a larger id
    assert tracker.post_comment(5, "local").id == 9003


def test_import_rejects_bad_items_and_foreign_ids(tracker: LocalTracker) -> None:
    with pytest.raises(UsageError, match="item 0 has no author_association"):
        tracker.import_comments(1, [{"id": 1, "body": "", "user": None, "created_at": "x"}])
    tracker.import_comments(1, [_item(7)])
    with pytest.raises(TrackerError, match="already belongs to local issue #1"):
        tracker.import_comments(2, [_item(7)])


def _item(cid: int) -> dict[str, object]:
    return {
        "id": cid,
        "body": "b",
        "user": {"login": "u"},
        "created_at": "2025-01-01T00:00:00Z",
        "author_association": "OWNER",
    }


def _sqlite_of_someone_else(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (x)")
        conn.execute("INSERT INTO notes VALUES (1)")


def _truncated_tracker(path: Path) -> None:
    good = LocalTracker(path.with_name("good.sqlite3"))
    good.create_issue("x")
    good.post_comment(1, "y" * 5000)
    good.close()
    with sqlite3.connect(good.path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = good.path.read_bytes()
    path.write_bytes(data[:100] + b"\xff" * 300 + data[400:])


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.write_text("this is not a database\n"),
        lambda p: p.write_bytes(bytes(range(256)) * 64),
        _sqlite_of_someone_else,
        _truncated_tracker,
    ],
    ids=["text", "binary", "other-sqlite", "corrupt-tracker"],
)
def test_unusable_file_is_reported_and_left_untouched(tmp_path: Path, make: object) -> None:
    path = tmp_path / FILENAME
    make(path)  # type: ignore[operator]
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    tracker = LocalTracker(path)
    with pytest.raises(TrackerError) as info:
        tracker.create_issue("x")
        tracker.post_comment(1, "y")
        tracker.list_comments(1)
    assert str(path) in info.value.message and "\n" not in info.value.message
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_directory_at_the_path(tmp_path: Path) -> None:
    (tmp_path / FILENAME).mkdir()
    with pytest.raises(TrackerError, match="not a file"):
        LocalTracker(tmp_path / FILENAME).list_issues()


WRITER = textwrap.dedent(
    """
    import sys
    from review_gate.trackers.local import LocalTracker
    tracker = LocalTracker(sys.argv[1])
    for i in range(50):
        tracker.post_comment(1, f"writer {sys.argv[2]} comment {i}", author=f"w{sys.argv[2]}")
    """
)


def test_eight_processes_posting_fifty_comments_each_lose_none(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    LocalTracker(path).create_issue("Busy")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    comments = LocalTracker(path).list_comments(1)
    assert len(comments) == 400
    assert len({c.id for c in comments}) == 400
    assert {c.body for c in comments} == {
        f"writer {n} comment {i}" for n in range(8) for i in range(50)
    }
    # each writer's comments keep their order
    for n in range(8):
        mine = [c.body for c in comments if c.author == f"w{n}"]
        assert mine == [f"writer {n} comment {i}" for i in range(50)]


# -- reading never creates the database -----------------------------------------------------


def test_reads_without_a_database_create_nothing(repo: Path) -> None:
    state = repo / ".git" / "review-gate"
    tracker = LocalTracker.for_checkout(repo)
    assert tracker.list_issues(state="all") == []
    assert tracker.issue_exists(1) is False
    for read in (tracker.get_issue, tracker.list_comments, tracker.export_comments):
        with pytest.raises(IssueNotFound, match="#1 does not exist"):
            read(1)
    # writes that need an existing issue or comment do not create it either
    with pytest.raises(IssueNotFound, match="#1 does not exist"):
        tracker.post_comment(1, "hi")
    with pytest.raises(IssueNotFound, match="#1 does not exist"):
        tracker.set_state(1, "closed")
    with pytest.raises(IssueNotFound, match="comment 5 does not exist"):
        tracker.edit_comment(5, "x")
    assert not state.exists()


def test_read_only_tracker_refuses_writes(repo: Path) -> None:
    tracker = LocalTracker.for_checkout(repo, read_only=True)
    assert tracker.list_issues() == []
    with pytest.raises(TrackerError, match="opened read-only"):
        tracker.create_issue("x")
    with pytest.raises(TrackerError, match="opened read-only"):
        tracker.import_comments(1, [_item(1)])
    assert not (repo / ".git" / "review-gate").exists()
    LocalTracker.for_checkout(repo).create_issue("made elsewhere")
    assert [i.title for i in tracker.list_issues()] == ["made elsewhere"]


def test_first_write_creates_directory_and_database(repo: Path) -> None:
    tracker = LocalTracker.for_checkout(repo)
    assert tracker.list_issues() == []  # a read first, on no database
    tracker.create_issue("first")  # then a write on the same tracker
    assert tracker.path.is_file()
    assert [i.title for i in tracker.list_issues()] == ["first"]
    assert [c.body for c in tracker.list_comments(1)] == []
    assert tracker.post_comment(1, "hello").id == 1


def test_a_read_connection_is_reopened_for_writing(tracker: LocalTracker) -> None:
    tracker.create_issue("x")
    tracker.close()
    reader = LocalTracker(tracker.path)
    assert reader.issue_exists(1) is True  # read connection
    reader.post_comment(1, "after a read")  # write: reopened in WAL mode, not lost
    reader.close()
    assert [c.body for c in LocalTracker(tracker.path).list_comments(1)] == ["after a read"]


def test_an_empty_file_reads_as_no_issues_and_stays_empty(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    path.write_bytes(b"")
    tracker = LocalTracker(path)
    assert tracker.list_issues() == []
    assert tracker.issue_exists(1) is False
    tracker.close()
    assert path.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILENAME]


def test_only_its_author_edits_a_comment(
    tracker: LocalTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit keeps the author: editing another's comment (a reviewer's REVIEW) would
    speak in their name, so only its author may (as on GitHub)."""
    tracker.create_issue("One")
    monkeypatch.setenv("REVIEW_GATE_AUTHOR", "implementer")
    review = tracker.post_comment(1, "REVIEW: changes requested", author="reviewer")
    mine = tracker.post_comment(1, "my notes")
    with pytest.raises(Refused, match="@reviewer's; only its author edits it"):
        tracker.edit_comment(review.id, "REVIEW: approved")
    assert tracker.list_comments(1)[0].body == "REVIEW: changes requested"
    assert tracker.edit_comment(mine.id, "my better notes").author == "implementer"
    monkeypatch.setenv("REVIEW_GATE_AUTHOR", "reviewer")
    assert tracker.edit_comment(review.id, "REVIEW: approved").body == "REVIEW: approved"
