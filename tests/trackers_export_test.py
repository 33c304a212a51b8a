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
        (json.dumps([item(1, body=["x"])]), "item 0 has a body of type array"),
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
    with pytest.raises(UsageError) as info:
        ExportTracker(path).list_comments(8)
    assert info.value.message == (
        f"{path}: comment 1 (item 0) is on o/r#7 (issue_url), not on issue #8"
    )


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


# -- validated like GitHub's schema --------------------------------------------------------


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    if kind is None and "oneOf" in schema:
        return {"object"}
    return set(kind) if isinstance(kind, list) else {kind}


def test_shape_table_follows_githubs_schema() -> None:
    """Every field GitHub documents for issue-comment (and its user, reactions, app, pin,
    minimized objects) has the documented types in our table."""
    from review_gate.trackers.comment_shape import ISSUE_COMMENT

    api = json.loads((Path(__file__).with_name("github_api.json")).read_text())
    schema = api["issues__list-comments"]["responses"]["200"]["schema"]["items"]

    def compare(properties: dict[str, Any], table: Any, where: str) -> None:
        assert set(properties) == set(table), where
        for name, sub in properties.items():
            expected = _types(sub)
            if f"{where}.{name}" == "issue-comment.body":
                expected.add("null")  # GitHub sends null for an emptied body (documented: string)
            assert set(table[name].types) == expected, f"{where}.{name}"
            if table[name].properties is not None:
                compare(sub["properties"], table[name].properties, f"{where}.{name}")

    compare(schema["properties"], ISSUE_COMMENT, "issue-comment")


def test_githubs_own_example_is_accepted(tmp_path: Path) -> None:
    api = json.loads((Path(__file__).with_name("github_api.json")).read_text())
    example = api["issues__list-comments"]["responses"]["200"]["example"]
    (comment,) = ExportTracker(write(tmp_path, json.dumps(example))).list_comments(1347)
    assert comment.author == "octocat"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id": 1.0}, "has id 1.0"),
        ({"id": 2**63}, "expected a positive integer"),
        ({"node_id": 5}, "has node_id of type integer, expected string"),
        ({"url": None}, "has url of type null, expected string"),
        ({"html_url": ["x"]}, "has html_url of type array, expected string"),
        ({"issue_url": 7}, "has issue_url of type integer, expected string"),
        ({"updated_at": 17}, "has updated_at of type integer, expected string"),
        ({"body_text": False}, "has body_text of type boolean"),
        ({"user": {"login": 3}}, "has no user.login"),
        ({"user": {"login": "a", "id": "1"}}, "has user.id of type string, expected integer"),
        ({"user": {"login": "a", "site_admin": "no"}}, "has user.site_admin of type string"),
        ({"user": {"login": "a", "name": 1}}, "has user.name of type integer, expected string or"),
        ({"reactions": []}, "has reactions of type array, expected object"),
        ({"reactions": {"+1": "2"}}, "has reactions.+1 of type string, expected integer"),
        ({"performed_via_github_app": "app"}, "has performed_via_github_app of type string"),
        ({"performed_via_github_app": {"events": [1]}}, "performed_via_github_app.events[0]"),
        ({"pin": {"pinned_at": 5}}, "has pin.pinned_at of type integer"),
        ({"pin": {"pinned_by": {"login": 7}}}, "has pin.pinned_by.login of type integer"),
        ({"minimized": {"reason": 3}}, "has minimized.reason of type integer"),
        ({"body": 12}, "has a body of type integer, expected a string"),
        ({"body": {"text": "x"}}, "has a body of type object, expected a string"),
        ({"body": "x" * (4 * 65536 + 1)}, "no GitHub comment is that long"),
    ],
    ids=lambda v: str(v)[:40] if isinstance(v, dict) else None,
)
def test_field_types_are_checked(tmp_path: Path, overrides: dict[str, Any], message: str) -> None:
    path = write(tmp_path, json.dumps([item(1, **overrides)]))
    with pytest.raises(UsageError) as info:
        ExportTracker(path).list_comments(7)
    assert info.value.message.startswith(f"{path}: item 0 ")
    assert message in info.value.message
    assert "\n" not in info.value.message and info.value.exit_code == 2


def test_null_body_is_an_empty_comment(tmp_path: Path) -> None:
    (comment,) = ExportTracker(write(tmp_path, json.dumps([item(1, body=None)]))).list_comments(7)
    assert comment.body == ""


def test_unknown_fields_are_not_checked(tmp_path: Path) -> None:
    content = json.dumps([item(1, new_field={"anything": [1, "x", None]}, reactions={"+1": 1})])
    assert [c.id for c in ExportTracker(write(tmp_path, content)).list_comments(7)] == [1]


@pytest.mark.parametrize(
    ("overrides", "number", "message"),
    [
        # issue_url and html_url are each enough to place a comment
        ({}, 8, "comment 1 (item 0) is on o/r#7 (issue_url), not on issue #8"),
        ({"issue_url": ...}, 8, "comment 1 (item 0) is on o/r#7 (html_url), not on issue #8"),
        (
            {"html_url": "https://github.com/o/r/issues/8#issuecomment-1"},
            7,
            "comment 1 (item 0) is on o/r#8 (html_url), not on issue #7",
        ),
        (
            {"issue_url": "https://api.github.com/repos/o/r/issues/8"},
            7,
            "is on o/r#8 (issue_url), not on issue #7",
        ),
        (
            {"issue_url": ..., "html_url": "local:issues/8#issuecomment-1"},
            7,
            "is on issue #8 (html_url), not on issue #7",
        ),
        ({"issue_url": "https://example.com/elsewhere"}, 7, "names no issue"),
        ({"html_url": "https://github.com/o/r/commit/abc"}, 7, "names no issue"),
    ],
)
def test_comments_of_another_issue_name_the_comment(
    tmp_path: Path, overrides: dict[str, Any], number: int, message: str
) -> None:
    path = write(tmp_path, json.dumps([item(1, **overrides)]))
    with pytest.raises(UsageError) as info:
        ExportTracker(path).list_comments(number)
    assert info.value.message.startswith(f"{path}: comment 1 (item 0) ")
    assert message in info.value.message
    assert "\n" not in info.value.message and info.value.exit_code == 2


@pytest.mark.parametrize(
    "urls", [{"html_url": ..., "issue_url": ...}, {"html_url": "", "issue_url": ...}]
)
def test_a_comment_that_names_no_issue_is_refused(tmp_path: Path, urls: dict[str, Any]) -> None:
    path = write(tmp_path, json.dumps([item(1), item(2, **urls)]))
    with pytest.raises(UsageError) as info:
        ExportTracker(path).list_comments(7)
    assert info.value.message == (
        f"{path}: comment 2 (item 1) has neither issue_url nor html_url, so its issue is unknown"
    )


def test_one_comment_of_another_issue_among_many_is_refused(tmp_path: Path) -> None:
    other = item(3, html_url="https://github.com/o/r/issues/8#issuecomment-3", issue_url=...)
    path = write(tmp_path, json.dumps([item(1), item(2), other]))
    with pytest.raises(UsageError, match=r"comment 3 \(item 2\) is on o/r#8"):
        ExportTracker(path).list_comments(7)


@pytest.mark.parametrize(
    "urls",
    [
        {"html_url": "https://github.com/o/r/pull/7#issuecomment-1"},  # a PR's conversation
        {
            "html_url": "https://ghe.example.com/o/r/issues/7#issuecomment-1",
            "issue_url": "https://ghe.example.com/api/v3/repos/o/r/issues/7",
        },
        {"html_url": "https://github.com/O/R/issues/7#issuecomment-1"},  # names ignore case
        {"html_url": "local:issues/7#issuecomment-1", "issue_url": "local:issues/7"},
        {"html_url": "", "issue_url": "https://api.github.com/repos/o/r/issues/7"},
    ],
)
def test_urls_of_this_issue_are_accepted(tmp_path: Path, urls: dict[str, Any]) -> None:
    path = write(tmp_path, json.dumps([item(1, **urls)]))
    assert len(ExportTracker(path, repo="o/r").list_comments(7)) == 1


def test_comments_of_another_repository_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps([item(1)]))
    with pytest.raises(UsageError) as info:
        ExportTracker(path, repo="o/other").list_comments(7)
    assert "comment 1 (item 0) is on o/r#7 (issue_url), not on o/other#7" in info.value.message
    assert len(ExportTracker(path, repo="O/R").list_comments(7)) == 1
    text = json.dumps([item(1)])
    with pytest.raises(UsageError, match="not on o/other#7"):
        ExportTracker.from_text(text, repo="o/other").list_comments(7)


def test_one_export_holds_one_repository(tmp_path: Path) -> None:
    fork = item(
        2,
        html_url="https://github.com/fork/r/issues/7#issuecomment-2",
        issue_url="https://api.github.com/repos/fork/r/issues/7",
    )
    path = write(tmp_path, json.dumps([item(1), fork]))
    with pytest.raises(UsageError) as info:
        ExportTracker(path).list_comments(7)
    assert "comment 2 (item 1) is on fork/r#7" in info.value.message
    assert "comment 1 is on o/r#7" in info.value.message
    # issue_url and html_url of one comment must agree too
    mixed = item(1, html_url="https://github.com/fork/r/issues/7#issuecomment-1")
    with pytest.raises(UsageError, match=r"comment 1 \(item 0\) is on fork/r#7 \(html_url\)"):
        ExportTracker(write(tmp_path, json.dumps([mixed]))).list_comments(7)


def test_bad_repository_argument() -> None:
    with pytest.raises(UsageError, match="does not look like owner/name"):
        ExportTracker("x.json", repo="not a repo")


# -- hostile input: one line, exit 2, never a traceback --------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nests arrays or objects too deeply"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "nests arrays or objects too deeply"),
        (
            json.dumps([item(1, extra=json.loads("[" * 40 + "]" * 40))]),
            "nests more than 32 levels deep at extra",
        ),
        (json.dumps([item(1, body="\ud800")]), "lone UTF-16 surrogate in body"),
        (json.dumps([item(1, user={"login": "\udc00"})]), "lone UTF-16 surrogate in user.login"),
        (json.dumps([item(1, extra={"k": ["\ud83d"]})]), "surrogate in extra.k[0]"),
        (json.dumps([item(1, extra={"\ud800": 1})]), "surrogate in a key of extra"),
        (json.dumps([{**item(1), "\udfff": 1}]), "surrogate in a field name"),
        ("[NaN]", "NaN is not a JSON number"),
        (json.dumps([item(1)]).replace('"id": 1', '"id": Infinity'), "Infinity"),
    ],
    ids=[
        "deep-arrays",
        "deep-objects",
        "deep-extra-field",
        "surrogate-body",
        "surrogate-login",
        "surrogate-extra",
        "surrogate-key",
        "surrogate-field-name",
        "nan",
        "infinity",
    ],
)
def test_hostile_exports_are_one_line_usage_errors(
    tmp_path: Path, content: str, message: str
) -> None:
    path = write(tmp_path, content.encode("utf-8", "surrogatepass"))
    for read in (
        lambda: ExportTracker(path).list_comments(7),
        lambda: ExportTracker.from_text(content, "<stdin>").list_comments(7),
    ):
        with pytest.raises(UsageError) as info:
            read()
        assert message in info.value.message, info.value.message
        assert "\n" not in info.value.message and info.value.exit_code == 2


def test_surrogate_pairs_are_characters(tmp_path: Path) -> None:
    text = json.dumps([item(1, body="\U0001f600")])
    assert "\\ud83d\\ude00" in text  # json.dumps spells it as a surrogate pair
    assert ExportTracker(write(tmp_path, text)).list_comments(7)[0].body == "\U0001f600"


# -- properties -------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(st.characters(), max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)
_FIELDS = st.sampled_from(
    [
        "id", "body", "user", "created_at", "updated_at", "html_url", "issue_url",
        "author_association", "node_id", "url", "reactions", "performed_via_github_app",
        "pin", "minimized", "body_html", "extra",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_FIELDS, _JSON, max_size=4), st.booleans())
def test_any_mutation_of_a_comment_parses_or_is_a_one_line_usage_error(
    changes: dict[str, Any], drop: bool
) -> None:
    base = item(1)
    if drop:
        for key in changes:
            base.pop(key, None)
    else:
        base.update(changes)
    text = json.dumps([base])
    try:
        comments = ExportTracker.from_text(text).list_comments(7)
    except UsageError as exc:
        assert "\n" not in exc.message and exc.exit_code == 2
    else:
        (comment,) = comments
        assert isinstance(comment.body, str) and isinstance(comment.author, str)
        assert type(comment.id) is int


@settings(max_examples=200, deadline=None)
@given(_JSON)
def test_any_json_document_is_comments_or_a_usage_error(document: Any) -> None:
    try:
        ExportTracker.from_text(json.dumps(document)).list_comments(7)
    except UsageError as exc:
        assert "\n" not in exc.message
