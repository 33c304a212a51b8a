from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from review_gate.errors import IssueNotFound, TrackerError, UsageError
from review_gate.trackers.export import ExportTracker, load_items, parse_comment, rfc3339


def item(cid: int = 1, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": cid,
        "node_id": f"IC_{cid}",
        "url": f"https://api.github.com/repos/o/r/issues/comments/{cid}",
        "html_url": f"https://github.com/o/r/issues/7#issuecomment-{cid}",
        "issue_url": "https://api.github.com/repos/o/r/issues/7",
        "body": f"comment {cid}",
        "user": {"login": "alice", "id": 1},
        "created_at": f"2026-01-01T00:00:{cid:02d}Z",
        "updated_at": f"2026-01-01T00:00:{cid:02d}Z",
        "author_association": "OWNER",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


def write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "comments.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_reads_a_github_export(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps([item(2), item(1, body="\r\nCRLF\r\n")]))
    tracker = ExportTracker(path)
    comments = tracker.list_comments(7)
    assert [c.id for c in comments] == [1, 2]  # oldest first
    assert comments[0].body == "\r\nCRLF\r\n"  # bodies untouched; the parser normalises
    assert comments[0].url.endswith("#issuecomment-1")
    assert tracker.issue_exists(3) is None
    assert tracker.list_issues() == []
    assert tracker.permission("alice") is None
    assert tracker.export_comments(7)[1]["id"] == 1


@pytest.mark.parametrize(
    "content",
    [
        json.dumps([item(1)]) + "\n" + json.dumps([item(2)]),  # gh api --paginate
        json.dumps([[item(1)], [item(2)]]),  # gh api --paginate --slurp
        "\ufeff" + json.dumps([item(1), item(2)]),  # with a BOM
    ],
    ids=["paginate", "slurp", "bom"],
)
def test_joined_page_forms(tmp_path: Path, content: str) -> None:
    assert [c.id for c in ExportTracker(write(tmp_path, content)).list_comments(7)] == [1, 2]


def test_empty_array_is_no_comments(tmp_path: Path) -> None:
    assert ExportTracker(write(tmp_path, "[]")).list_comments(7) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("{", "not valid JSON"),
        ('{"message": "Not Found"}', "holds a JSON object, expected an array"),
        ("[1, 2]", "item 0 is a number, not a comment object"),
        (
            json.dumps([item(1), item(2, author_association=...)]),
            "item 1 has no author_association",
        ),
        (
            json.dumps([item(1, author_association="owner")]),
            "item 0 has author_association 'owner'",
        ),
        (json.dumps([item(1, id=...)]), "item 0 has no id"),
        (json.dumps([item(1, id="1")]), "item 0 has id '1'"),
        (json.dumps([item(1, id=True)]), "item 0 has id True"),
        (json.dumps([item(1, user=...)]), "item 0 has no user"),
        (json.dumps([item(1, user={"id": 3})]), "item 0 has no user.login"),
        (json.dumps([item(1, created_at=...)]), "item 0 has no created_at"),
        (json.dumps([item(1, created_at="yesterday")]), "item 0 has created_at 'yesterday'"),
        (json.dumps([item(1, created_at="2026-01-01T00:00:00")]), "has created_at"),
        (json.dumps([item(1, body=...)]), "item 0 has no body"),
        (json.dumps([item(1, body=["x"])]), "item 0 has a array body"),
        (json.dumps([item(1), item(1)]), "item 1 repeats comment id 1"),
        (b"\xff\xfe[\x00]", "not UTF-8"),
    ],
)
def test_malformed_exports_are_one_line_errors(tmp_path: Path, content: Any, message: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(UsageError) as info:
        ExportTracker(path).list_comments(7)
    assert message in info.value.message
    assert info.value.message.startswith(f"{path}: ")
    assert "\n" not in info.value.message and info.value.exit_code == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        ExportTracker(tmp_path / "nope.json").list_comments(1)


def test_comments_of_another_issue_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps([item(1)]))
    with pytest.raises(UsageError, match="item 0 is a comment on issue #7, not #8"):
        ExportTracker(path).list_comments(8)


def test_read_only(tmp_path: Path) -> None:
    tracker = ExportTracker(write(tmp_path, "[]"))
    with pytest.raises(TrackerError, match="read-only"):
        tracker.post_comment(7, "x")
    with pytest.raises(TrackerError, match="read-only"):
        tracker.edit_comment(1, "x")
    with pytest.raises(IssueNotFound):
        tracker.get_pull(1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z"),
        ("2026-01-01T10:00:00.999Z", "2026-01-01T10:00:00Z"),
        ("2026-01-01T12:00:00+02:00", "2026-01-01T10:00:00Z"),
        ("2026-01-01T10:00:00", None),
        ("soon", None),
        (17, None),
    ],
)
def test_rfc3339(value: object, expected: str | None) -> None:
    assert rfc3339(value) == expected


def test_load_items_and_parse_comment_directly() -> None:
    assert load_items("[] []") == []
    assert parse_comment(item(3, user=None)).author == "ghost"
