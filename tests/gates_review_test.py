from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import pytest

from review_gate.gates.common import latest_artifact, trust_policy
from review_gate.gates.review import (
    ReviewContext,
    deferred_tracking_issues,
    matches_sensitive,
    review_gate,
)
from review_gate.records import Comment
from tests import artifact_samples as samples

HEAD = "0123456789abcdef0123456789abcdef01234567"
OTHER = "fedcba9876543210fedcba9876543210fedcba98"


def comment(
    body: str,
    *,
    id: int = 1,
    author: str = "alice",
    association: str = "OWNER",
    created_at: str | None = None,
    updated_at: str | None = None,
) -> Comment:
    created = created_at or f"2026-11-21T10:{id % 60:02d}:00Z"
    return Comment(
        id=id,
        author=author,
        association=association,
        created_at=created,
        updated_at=updated_at or created,
        body=body,
        url=f"https://github.com/o/r/issues/7#issuecomment-{id}",
    )


def good(**kwargs: Any) -> str:
    return samples.review(7, **kwargs)


FENCED = "Here is the template:\n\n```markdown\n" + good() + "```\n"
PLACEHOLDERS = good().replace("`worker-1701523200-7`", "`[WORKER_ID]`")
DEFERRED_OK = good(deferred=(("Minor", "Slow loop", "#99", "Out of scope"),))
DEFERRED_NO_TRACKING = good(deferred=(("Minor", "Slow loop", "", "Out of scope"),))
DEFERRED_TWO = good(
    deferred=(("Minor", "Slow loop", "#99", "Later"), ("Minor", "Naming", "#98", "Later"))
)
WORKER_7 = samples.worker_assignment("worker-1701523200-7")
WORKER_8 = samples.worker_assignment("worker-1701523200-8")


class Case(NamedTuple):
    name: str
    comments: Sequence[Comment]
    passed: bool
    codes: frozenset[str] = frozenset()  # the failing reasons must be among these (and non-empty)
    ctx: Mapping[str, Any] = {}
    notes: frozenset[str] = frozenset()  # note codes that must be present


CASES = [
    Case("no comments at all", [], False, frozenset({"no-review"})),
    Case("comments but no review", [comment("LGTM!")], False, frozenset({"no-review"})),
    Case("complete review passes", [comment(good())], True, notes=frozenset({"used"})),
    Case(
        "BLOCKED status",
        [comment(good(status="BLOCKED_ON_DEPENDENCIES"))],
        False,
        frozenset({"status-not-complete"}),
    ),
    Case(
        "IN_PROGRESS status",
        [comment(good(status="🔄 IN_PROGRESS"))],
        False,
        frozenset({"status-not-complete"}),
    ),
    Case(
        "Unaddressed > 0",
        [comment(good(unaddressed=2))],
        False,
        # The parser may already reject COMPLETE with unaddressed findings as invalid.
        frozenset({"unaddressed-findings", "review-invalid"}),
    ),
    Case("review only inside a code fence", [comment(FENCED)], False, frozenset({"no-review"})),
    Case(
        "review only in indented code",
        [comment("Example:\n\n" + "".join("    " + line + "\n" for line in good().splitlines()))],
        False,
        frozenset({"no-review"}),
    ),
    Case("unfilled placeholders", [comment(PLACEHOLDERS)], False, frozenset({"review-invalid"})),
    Case(
        "unterminated review",
        [comment(good().replace("<!-- REVIEW:END -->", ""))],
        False,
        frozenset({"review-invalid"}),
    ),
    Case(
        "newer incomplete after older complete fails",
        [comment(good(), id=1), comment(good(status="BLOCKED_ON_DEPENDENCIES"), id=2)],
        False,
        frozenset({"status-not-complete"}),
    ),
    Case(
        "newer invalid after older complete fails",
        [comment(good(), id=1), comment(PLACEHOLDERS, id=2)],
        False,
        frozenset({"review-invalid"}),
    ),
    Case(
        "newer complete after older incomplete passes",
        [comment(good(status="BLOCKED_ON_DEPENDENCIES"), id=1), comment(good(), id=2)],
        True,
    ),
    Case(
        "created_at orders, not id",
        [
            comment(good(), id=5, created_at="2026-11-21T12:00:00Z"),
            comment(good(status="IN_PROGRESS"), id=9, created_at="2026-11-21T09:00:00Z"),
        ],
        True,
    ),
    Case(
        "same created_at: the higher id is later",
        [
            comment(good(), id=3, created_at="2026-11-21T12:00:00Z"),
            comment(good(status="IN_PROGRESS"), id=4, created_at="2026-11-21T12:00:00Z"),
        ],
        False,
        frozenset({"status-not-complete"}),
    ),
    Case(
        "timezone offsets compare as instants",
        [
            comment(good(status="IN_PROGRESS"), id=1, created_at="2026-11-21T13:00:00+02:00"),
            comment(good(), id=2, created_at="2026-11-21T12:00:00Z"),
        ],
        True,
    ),
    Case(
        "an edit (updated_at) does not make an old review the latest",
        [
            comment(good(status="IN_PROGRESS"), id=1, updated_at="2026-12-01T00:00:00Z"),
            comment(good(), id=2),
        ],
        True,
    ),
    Case(
        "last block wins inside a comment (incomplete last)",
        [comment(good() + "\n" + good(status="BLOCKED_ON_DEPENDENCIES"))],
        False,
        frozenset({"status-not-complete"}),
    ),
    Case(
        "last block wins inside a comment (complete last)",
        [comment(good(status="BLOCKED_ON_DEPENDENCIES") + "\n" + good())],
        True,
    ),
    Case(
        "complete review by association NONE",
        [comment(good(), author="mallory", association="NONE")],
        False,
        frozenset({"no-review"}),
        notes=frozenset({"ignored-untrusted"}),
    ),
    Case(
        "complete review by a CONTRIBUTOR",
        [comment(good(), author="carol", association="CONTRIBUTOR")],
        False,
        frozenset({"no-review"}),
        notes=frozenset({"ignored-untrusted"}),
    ),
    Case(
        "NONE author passes when the login is trusted (any case)",
        [comment(good(), author="Review-Bot", association="NONE")],
        True,
        ctx={"trusted_logins": ("review-bot",)},
    ),
    Case(
        "MEMBER and COLLABORATOR are trusted by default",
        [comment(good(), association="MEMBER", id=1), comment(good(), association="COLLABORATOR")],
        True,
    ),
    Case(
        "trusted_associations can narrow trust",
        [comment(good(), association="COLLABORATOR")],
        False,
        frozenset({"no-review"}),
        ctx={"trusted_associations": ("OWNER",)},
    ),
    Case(
        "untrusted newer incomplete review does not displace a trusted complete one",
        [
            comment(good(), id=1),
            comment(good(status="BLOCKED_ON_DEPENDENCIES"), id=2, association="NONE"),
        ],
        True,
        notes=frozenset({"ignored-untrusted", "used"}),
    ),
    Case(
        "untrusted newer complete review does not rescue a trusted incomplete one",
        [
            comment(good(status="IN_PROGRESS"), id=1),
            comment(good(), id=2, author="mallory", association="FIRST_TIME_CONTRIBUTOR"),
        ],
        False,
        frozenset({"status-not-complete"}),
        notes=frozenset({"ignored-untrusted"}),
    ),
    Case(
        "deferred finding without tracking issue",
        [comment(DEFERRED_NO_TRACKING)],
        False,
        # Schema-invalid when the parser requires the column, else caught by the gate.
        frozenset({"deferred-untracked", "review-invalid"}),
    ),
    Case(
        "tracking issue that does not exist",
        [comment(DEFERRED_OK)],
        False,
        frozenset({"tracking-issue-missing"}),
        ctx={"tracking_issues": {99: False}},
    ),
    Case(
        "tracking issue that exists",
        [comment(DEFERRED_OK)],
        True,
        ctx={"tracking_issues": {99: True}},
    ),
    Case(
        "tracking issue the tracker cannot check is a note, not a failure",
        [comment(DEFERRED_OK)],
        True,
        ctx={"tracking_issues": {99: None}},
        notes=frozenset({"tracking-issue-unverified"}),
    ),
    Case(
        "one of two tracking issues missing",
        [comment(DEFERRED_TWO)],
        False,
        frozenset({"tracking-issue-missing"}),
        ctx={"tracking_issues": {99: True, 98: False}},
    ),
    Case(
        "deferred finding tracked in the issue being closed",
        [comment(good(deferred=(("Minor", "Slow loop", "#7", "Later"),)))],
        False,
        # The parser may already reject it; the gate does in any case.
        frozenset({"tracking-issue-is-this-issue", "review-invalid"}),
        ctx={"tracking_issues": {7: True}},
    ),
    Case(
        "review naming another issue",
        [comment(samples.review(8))],
        False,
        frozenset({"wrong-issue"}),
    ),
    Case("CRLF body", [comment(good(newline="\r\n"))], True),
    Case(
        "CRLF body, blocked",
        [comment(good(newline="\r\n", status="BLOCKED_ON_DEPENDENCIES"))],
        False,
        frozenset({"status-not-complete"}),
    ),
    Case(
        "stale Commit",
        [comment(good(commit=OTHER[:12]))],
        False,
        frozenset({"stale-review"}),
        ctx={"head": HEAD},
    ),
    Case("Commit = head (full)", [comment(good(commit=HEAD))], True, ctx={"head": HEAD}),
    Case(
        "Commit = head (7 chars), proven unique",
        [comment(good(commit=HEAD[:7]))],
        True,
        ctx={"head": HEAD, "head_unique_prefix": 5},
    ),
    Case(
        "Commit = head (7 chars), uniqueness unknown",
        [comment(good(commit=HEAD[:7]))],
        False,
        frozenset({"ambiguous-commit"}),
        ctx={"head": HEAD},
    ),
    Case(
        "Commit shorter than the unique prefix",
        [comment(good(commit=HEAD[:8]))],
        False,
        frozenset({"ambiguous-commit"}),
        ctx={"head": HEAD, "head_unique_prefix": 9},
    ),
    Case(
        "Commit as long as the unique prefix",
        [comment(good(commit=HEAD[:9].upper()))],
        True,
        ctx={"head": HEAD, "head_unique_prefix": 9},
    ),
    Case(
        "sha-256 head, abbreviated, proven unique",
        [comment(good(commit=("ab" * 32)[:12]))],
        True,
        ctx={"head": "ab" * 32, "head_unique_prefix": 12},
    ),
    Case(
        "head given short, Commit full: the head cannot vouch for one commit",
        [comment(good(commit=HEAD))],
        False,
        frozenset({"ambiguous-commit"}),
        ctx={"head": HEAD[:10]},
    ),
    Case(
        "Commit with unknown head is a note",
        [comment(good(commit=HEAD))],
        True,
        notes=frozenset({"head-unknown"}),
    ),
    Case(
        "require_commit with unknown head fails",
        [comment(good(commit=HEAD))],
        False,
        frozenset({"head-unknown"}),
        ctx={"require_commit": True},
    ),
    Case(
        "require_commit without Commit row",
        [comment(good())],
        False,
        frozenset({"commit-missing"}),
        ctx={"require_commit": True, "head": HEAD},
    ),
    Case(
        "require_commit with matching Commit row",
        [comment(good(commit=HEAD[:8]))],
        True,
        ctx={"require_commit": True, "head": HEAD, "head_unique_prefix": 7},
    ),
    Case("no Commit row, not required", [comment(good())], True, ctx={"head": HEAD}),
    Case(
        "sensitive file changed with Security-Sensitive NO",
        [comment(good())],
        False,
        frozenset({"security-sensitive"}),
        ctx={"changed_files": ("README.md", "src/auth/login.py")},
    ),
    Case(
        "sensitive basename (*token*) with Security-Sensitive NO",
        [comment(good())],
        False,
        frozenset({"security-sensitive"}),
        ctx={"changed_files": ("lib/AuthToken.java",)},
    ),
    Case(
        "sensitive file changed with Security-Sensitive YES",
        [comment(good(security_sensitive=True))],
        True,
        ctx={"changed_files": ("src/auth/login.py",)},
    ),
    Case(
        "nothing sensitive changed",
        [comment(good())],
        True,
        ctx={"changed_files": ("src/parser.py", "docs/index.md")},
    ),
    Case(
        "changed files unknown: rule 5 skipped with a note",
        [comment(good())],
        True,
        ctx={"changed_files": None},
        notes=frozenset({"sensitive-unchecked"}),
    ),
    Case(
        "custom sensitive patterns",
        [comment(good())],
        False,
        frozenset({"security-sensitive"}),
        ctx={"changed_files": ("deploy/prod.pem",), "sensitive_patterns": ("*.pem",)},
    ),
    Case(
        "require_distinct_reviewer: reviewer is the holder",
        [comment(WORKER_7, id=1), comment(good(), id=2)],
        False,
        frozenset({"reviewer-not-distinct"}),
        ctx={"require_distinct_reviewer": True},
    ),
    Case(
        "require_distinct_reviewer: reviewer differs from the holder",
        [comment(WORKER_8, id=1), comment(good(), id=2)],
        True,
        ctx={"require_distinct_reviewer": True},
    ),
    Case(
        "require_distinct_reviewer: nobody holds the issue",
        [comment(good())],
        True,
        ctx={"require_distinct_reviewer": True},
        notes=frozenset({"no-holder"}),
    ),
    Case(
        # Releasing the lease first does not make the worker that wrote the change a
        # distinct reviewer of it.
        "require_distinct_reviewer: the holder released the issue, then reviewed",
        [
            comment(WORKER_7, id=1),
            comment(samples.worker_assignment(assigned=False), id=2),
            comment(good(), id=3),
        ],
        False,
        frozenset({"reviewer-not-distinct"}),
        ctx={"require_distinct_reviewer": True},
    ),
    Case(
        "require_distinct_reviewer: released, then another worker assigned",
        [
            comment(WORKER_7, id=1),
            comment(samples.worker_assignment(assigned=False), id=2),
            comment(WORKER_8, id=3),
            comment(good(), id=4),
        ],
        True,
        ctx={"require_distinct_reviewer": True},
    ),
    Case(
        "require_distinct_reviewer: untrusted WORKER record is not the holder",
        [comment(WORKER_8, id=1), comment(WORKER_7, id=2, association="NONE"), comment(good())],
        True,
        ctx={"require_distinct_reviewer": True},
    ),
    # -- red team: what the gate reads must be what a reader of the rendered comment reads
    *(
        Case(f"displayed as not complete: {name}", [comment(body)], False, frozenset(codes))
        for name, body, codes in [
            (
                "status hidden in an HTML comment",
                good(status="<!-- COMPLETE --> BLOCKED_ON_DEPENDENCIES"),
                {"status-not-complete"},
            ),
            (
                "status in a tag, blocked outside",
                good(status="<span>COMPLETE</span> BLOCKED_ON_DEPENDENCIES"),
                {"review-invalid"},
            ),
            ("Cyrillic C in COMPLETE", good(status="\u0421OMPLETE"), {"review-invalid"}),
            ("right-to-left override", good(status="\u202eCOMPLETE"), {"review-invalid"}),
            (
                "Unaddressed hidden in an HTML comment",
                good().replace("| Unaddressed | 0 |", "| Unaddressed | 3 <!-- 0 --> |"),
                {"unaddressed-findings"},
            ),
            (
                "Issue link shows #7 but opens #8",
                good().replace(
                    "| Issue | #7 |", "| Issue | [#7](https://github.com/o/r/issues/8) |"
                ),
                {"review-invalid"},
            ),
            (
                "Issue of another repository",
                good().replace("| Issue | #7 |", "| Issue | other/repo#7 |"),
                {"wrong-issue"},
            ),
            (
                "Issue URL of another repository",
                good().replace("| Issue | #7 |", "| Issue | https://github.com/x/y/issues/7 |"),
                {"wrong-issue"},
            ),
            (
                "deferred to this issue by URL",
                good(deferred=(("Low", "Loop", "https://github.com/o/r/issues/7", "Later"),)),
                {"review-invalid", "tracking-issue-is-this-issue"},
            ),
            (
                "commit link shows the head but opens another commit",
                good(commit=HEAD).replace(
                    f"`{HEAD}`", f"[`{HEAD[:7]}`](https://github.com/o/r/commit/{OTHER})"
                ),
                {"review-invalid"},
            ),
        ]
    ),
    *(
        Case(f"read as rendered: {name}", [comment(body)], True, notes=frozenset(notes))
        for name, body, notes in [
            ("status heading", good().replace("**Review Status:**", "## Review Status:"), ()),
            ("HTML comment before status", good(status="<!-- done --> ✅ COMPLETE"), ()),
            ("shortcode emoji", good(status=":white_check_mark: COMPLETE"), ()),
            ("zero-width space", good(status="COM\u200bPLETE"), ()),
            ("full-width letters", good(status="ＣＯＭＰＬＥＴＥ"), ()),
            ("entity", good().replace("| Unaddressed | 0 |", "| Unaddressed | &#48; |"), ()),
            ("Issue owner/name#7 of this repository", good().replace("#7 |", "o/r#7 |"), ()),
            (
                "deferred to another repository",
                good(deferred=(("Low", "Upstream bug", "up/lib#7", "Not ours"),)),
                ("tracking-issue-unverified",),
            ),
            (
                "deferred by URL of this repository",
                good(deferred=(("Low", "Loop", "https://github.com/O/R/issues/99", "Later"),)),
                ("tracking-issue-unverified",),
            ),
        ]
    ),
    Case(
        "Issue URL with the local tracker (no repository to compare)",
        [
            comment(
                good().replace("| Issue | #7 |", "| Issue | https://github.com/o/r/issues/7 |")
            )._replace(url="local:issues/7#issuecomment-1")
        ],
        False,
        frozenset({"wrong-issue"}),
    ),
    Case(
        "commit as a link to the head",
        [
            comment(
                good(commit=HEAD).replace(
                    f"`{HEAD}`", f"[`{HEAD[:7]}`](https://github.com/o/r/commit/{HEAD})"
                )
            )
        ],
        True,
        ctx={"head": HEAD},
    ),
    Case(
        "SHA-256 commit",
        [comment(good(commit=HEAD + "0" * 24))],
        True,
        ctx={"head": HEAD + "0" * 24},
    ),
    Case(
        "several failures are all reported",
        [comment(good(status="BLOCKED_ON_DEPENDENCIES", commit=OTHER))],
        False,
        frozenset({"status-not-complete", "stale-review", "security-sensitive"}),
        ctx={"head": HEAD, "changed_files": ("api/x.py",)},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_review_gate(case: Case) -> None:
    ctx = ReviewContext(**{"issue": 7, "changed_files": (), **case.ctx})
    verdict = review_gate(case.comments, ctx)
    codes = {r.code for r in verdict.reasons}
    assert verdict.passed is case.passed, verdict
    assert verdict.gate == "review"
    assert verdict.issue == 7
    if case.passed:
        assert not verdict.reasons
        assert verdict.artifact_url
    else:
        assert codes, verdict
        assert codes <= case.codes, verdict.reasons
    note_codes = {n.code for n in verdict.notes}
    assert case.notes <= note_codes, verdict.notes
    for reason in verdict.reasons:
        # Every failing reason says concretely what to do.
        assert reason.message and reason.fix
        assert reason.fix != "nothing to do"


def test_all_failures_reported_together() -> None:
    verdict = review_gate(
        [comment(good(status="BLOCKED_ON_DEPENDENCIES", commit=OTHER))],
        ReviewContext(issue=7, head=HEAD, changed_files=("api/x.py",)),
    )
    assert {r.code for r in verdict.reasons} == {
        "status-not-complete",
        "stale-review",
        "security-sensitive",
    }


def test_fix_names_the_commands() -> None:
    verdict = review_gate([], ReviewContext(issue=7, changed_files=()))
    (reason,) = verdict.reasons
    assert "gate new review --issue 7 > review.md" in reason.fix
    assert "gate issue comment 7 --body-file review.md" in reason.fix


def test_invalid_review_reasons_carry_line_and_pointer() -> None:
    verdict = review_gate([comment(PLACEHOLDERS)], ReviewContext(issue=7, changed_files=()))
    assert verdict.reasons
    for reason in verdict.reasons:
        assert reason.code == "review-invalid"
        assert reason.line is not None and reason.line >= 1
        assert reason.comment_url == "https://github.com/o/r/issues/7#issuecomment-1"
    untracked = review_gate([comment(DEFERRED_NO_TRACKING)], ReviewContext(issue=7))
    assert [r.pointer for r in untracked.reasons] == ["/deferred/0/tracking_issue"]
    assert [r.line for r in untracked.reasons] == [34]


def test_ignored_note_names_author_and_association() -> None:
    verdict = review_gate(
        [comment(good(), author="mallory", association="NONE")],
        ReviewContext(issue=7, changed_files=()),
    )
    (note,) = [n for n in verdict.notes if n.code == "ignored-untrusted"]
    assert "@mallory" in note.message
    assert "NONE" in note.message


def test_used_note_names_the_comment() -> None:
    verdict = review_gate([comment(good(), id=42)], ReviewContext(issue=7, changed_files=()))
    assert verdict.artifact_url == "https://github.com/o/r/issues/7#issuecomment-42"
    (used,) = [n for n in verdict.notes if n.code == "used"]
    assert "comment 42" in used.message
    assert "@alice" in used.message


def test_verdict_json_shape() -> None:
    verdict = review_gate([], ReviewContext(issue=7, changed_files=()))
    data = verdict.to_json()
    assert set(data) == {"gate", "issue", "passed", "reasons", "notes", "artifact_url"}
    assert data["reasons"][0]["code"] == "no-review"


@pytest.mark.parametrize(
    ("path", "pattern"),
    [
        ("auth/x.py", "**/auth/**"),
        ("src/auth/x.py", "**/auth/**"),
        ("a/b/c/auth/d/e.py", "**/auth/**"),
        ("src/api/v1/users.py", "**/api/**"),
        ("api/handler.go", "**/api/**"),
        ("web/middleware/cors.ts", "**/middleware/**"),
        ("config/password_policy.yml", "*password*"),
        ("src/tokens/store.py", "*token*"),
        ("tokenizer.py", "*token*"),
        ("lib/AuthToken.java", "*token*"),
        ("deploy/SECRETS.env", "*secret*"),
        ("src/Auth/Login.py", "**/auth/**"),
    ],
)
def test_default_sensitive_patterns_match(path: str, pattern: str) -> None:
    from review_gate.records import DEFAULT_SENSITIVE_PATTERNS

    assert matches_sensitive(path, DEFAULT_SENSITIVE_PATTERNS) == pattern


@pytest.mark.parametrize(
    "path",
    [
        "README.md",
        "src/authors.py",  # a component containing "auth" is not the auth directory
        "src/apis/x.py",
        "docs/authentication.md",
        "src/parser.py",
    ],
)
def test_default_sensitive_patterns_do_not_match(path: str) -> None:
    from review_gate.records import DEFAULT_SENSITIVE_PATTERNS

    assert matches_sensitive(path, DEFAULT_SENSITIVE_PATTERNS) is None


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("src/a.py", "src/*.py", True),
        ("src/sub/a.py", "src/*.py", False),
        ("src/sub/a.py", "src/**", True),
        ("src/sub/a.py", "src/", True),
        ("x/infra/main.tf", "**/*.tf", True),
        ("main.tf", "**/*.tf", True),
        ("key.pem", "*.pem", True),
        ("certs/key.pem", "*.pem", True),
        ("a.pem.txt", "*.pem", False),
        ("a1.py", "a?.py", True),
        ("ab.py", "a[0-9].py", False),
        ("a5.py", "a[0-9].py", True),
        ("weird[name.py", "weird[*", True),
        ("/abs/auth/x.py", "**/auth/**", True),
    ],
)
def test_glob_semantics(path: str, pattern: str, expected: bool) -> None:
    assert (matches_sensitive(path, [pattern]) is not None) is expected


def test_latest_artifact_helper() -> None:
    comments = [
        comment(good(), id=1),
        comment(good(status="IN_PROGRESS"), id=2, association="NONE"),
    ]
    found = latest_artifact(comments, "review", trusted=trust_policy())
    assert found is not None
    assert found[0].id == 1
    anyone = latest_artifact(comments, "review")
    assert anyone is not None and anyone[0].id == 2
    assert latest_artifact(comments, "handover") is None


def test_deferred_tracking_issues() -> None:
    assert deferred_tracking_issues(
        {"deferred": [{"tracking_issue": 5}, {"tracking_issue": 5}, {"tracking_issue": 6}]}
    ) == [5, 6]
    assert deferred_tracking_issues({}) == []
    assert deferred_tracking_issues({"deferred": [{"tracking_issue": "x"}, "junk"]}) == []
    other = {"deferred": [{"tracking_issue": 5, "tracking_repo": "Up/Lib"}, {"tracking_issue": 6}]}
    assert deferred_tracking_issues(other) == [5, 6]
    assert deferred_tracking_issues(other, "o/r") == [6]
    assert deferred_tracking_issues(other, "up/lib") == [5, 6]


@pytest.mark.parametrize(
    "body",
    [
        "",
        "\x00\x01binary",
        "<!-- REVIEW:START -->",
        "<!-- REVIEW:START --><!-- REVIEW:START -->",
        "<!-- REVIEW:END -->",
        "x" * 200_000,
        "<!-- REVIEW:START -->\n| Issue | #7 |\n**Review Status:** COMPLETE\n<!-- REVIEW:END -->",
    ],
)
def test_odd_bodies_never_pass_and_never_raise(body: str) -> None:
    verdict = review_gate([comment(body)], ReviewContext(issue=7, changed_files=()))
    assert verdict.passed is False


# -- properties --------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = st.sampled_from(
    [
        "<!-- REVIEW:START -->",
        "<!-- REVIEW:END -->",
        "```",
        "    ",
        "\r\n",
        "\n",
        "| Issue | #7 |",
        "| Commit | `0123456` |",
        "**Review Status:** COMPLETE",
        "| Unaddressed | 0 |",
        "[WORKER_ID]",
        good(),
        "text",
    ]
)
_BODIES = st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=8).map("".join)
_ASSOCIATIONS = st.sampled_from(["OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR", "NONE", ""])
_TIMES = st.sampled_from(
    ["2026-11-21T10:00:00Z", "2026-11-21T10:00:00+05:00", "2026-11-20T23:59:59Z", "garbage"]
)


@st.composite
def _comments(draw: st.DrawFn) -> list[Comment]:
    n = draw(st.integers(0, 4))
    return [
        comment(
            draw(_BODIES),
            id=i + 1,
            association=draw(_ASSOCIATIONS),
            created_at=draw(_TIMES),
        )
        for i in range(n)
    ]


_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(_comments(), st.booleans(), st.booleans())
def test_gate_never_raises(comments: list[Comment], require_commit: bool, head: bool) -> None:
    ctx = ReviewContext(
        issue=7, head=HEAD if head else None, require_commit=require_commit, changed_files=None
    )
    verdict = review_gate(comments, ctx)
    assert verdict.passed is (not verdict.reasons)
    if verdict.passed:
        assert verdict.artifact_url


@_SETTINGS
@given(_comments(), _BODIES, st.sampled_from(["NONE", "CONTRIBUTOR", "FIRST_TIMER"]))
def test_untrusted_comments_never_change_the_verdict(
    comments: list[Comment], body: str, association: str
) -> None:
    ctx = ReviewContext(issue=7, changed_files=())
    before = review_gate(comments, ctx)
    intruder = comment(body, id=999, association=association, created_at="2030-01-01T00:00:00Z")
    after = review_gate([*comments, intruder], ctx)
    assert after.passed == before.passed
    assert [(r.code, r.pointer) for r in after.reasons] == [
        (r.code, r.pointer) for r in before.reasons
    ]
