"""The gates' policy inputs: who may author each kind of artifact, which issue (of which
repository) an artifact counts for, which commit a review binds to, and who holds an issue
for ``require_distinct_reviewer``."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review_gate.artifacts.model import Artifact
from review_gate.gates.common import (
    Found,
    comment_issue,
    comment_repo,
    issue_mismatch,
    same_issue,
    trust_policy,
)
from review_gate.gates.handover import handover_gate
from review_gate.gates.review import ReviewContext, review_gate
from review_gate.gates.worker import worker_gate
from review_gate.records import Authors, Comment, Trust
from tests import artifact_samples as samples
from tests.gates_review_test import HEAD, comment

ME = "worker-1701523200-7"
REVIEW = samples.review(7)
HANDOVER = samples.handover(7)
ASSIGN_ME = samples.worker_assignment(ME)

# The recommended setup: a dedicated review identity; a dispatcher bot for WORKER records.
BOT_TRUST = Trust(
    review=Authors.from_entries(["review-bot"]),
    worker=Authors.from_entries(["dispatch-bot", "OWNER"]),
    handover=Authors.from_entries(["OWNER", "MEMBER"]),
)


def _codes(verdict: Any) -> set[str]:
    return {r.code for r in verdict.reasons}


# -- trust per artifact kind ------------------------------------------------------------------


def test_gates_import_no_io_module() -> None:
    """The core is pure by import: nothing under gates/ imports configuration, trackers,
    processes, git, the CLI's check, subprocess, sqlite3 or PyGithub."""
    forbidden = ("config", "trackers", "proc", "git", "check", "subprocess", "sqlite3", "github")
    package = Path(__file__).parents[1] / "src" / "review_gate" / "gates"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                parts = name.split(".")
                assert not any(part in forbidden for part in parts), f"{path.name}: {name}"


def test_running_the_gates_loads_no_io_module() -> None:
    """...nor anything they import, even after parsing artifacts (a fresh interpreter)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from review_gate.gates.review import ReviewContext, review_gate\n"
        "from review_gate.gates.worker import worker_gate\n"
        "from review_gate.gates.handover import handover_gate\n"
        "from review_gate.records import Comment\n"
        f"body = {REVIEW + HANDOVER + ASSIGN_ME!r}\n"
        "c = Comment(1, 'a', 'OWNER', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', body, '')\n"
        "assert review_gate([c], ReviewContext(7, changed_files=())).passed\n"
        "worker_gate([c], 7, 'w'); handover_gate([c], 7)\n"
        "io = ('subprocess', 'sqlite3', 'github', 'review_gate.config', 'review_gate.trackers',\n"
        "      'review_gate.proc', 'review_gate.git', 'review_gate.check')\n"
        "print([m for m in sys.modules if m in io or m.startswith(tuple(i + '.' for i in io))])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_a_bot_trusted_for_worker_records_cannot_open_the_review_gate() -> None:
    by_bot = comment(REVIEW, author="dispatch-bot", association="NONE")
    verdict = review_gate([by_bot], ReviewContext(issue=7, changed_files=(), trust=BOT_TRUST))
    assert not verdict.passed and _codes(verdict) == {"no-review"}
    (note,) = [n for n in verdict.notes if n.code == "ignored-untrusted"]
    assert "@dispatch-bot" in note.message and "[trust] review" in note.fix
    # while the same bot's WORKER record counts for the worker gate
    assignment = comment(ASSIGN_ME, author="dispatch-bot", association="NONE")
    assert worker_gate([assignment], 7, ME, trusted=BOT_TRUST.worker).passed


def test_only_the_review_identity_opens_the_review_gate() -> None:
    ctx = ReviewContext(issue=7, changed_files=(), trust=BOT_TRUST)
    by_owner = comment(REVIEW, author="alice", association="OWNER")
    assert not review_gate([by_owner], ctx).passed  # OWNER is not in [trust] review
    by_bot = comment(REVIEW, id=2, author="Review-Bot", association="NONE")
    assert review_gate([by_owner, by_bot], ctx).passed  # logins ignore case
    # ...and ReviewContext.trust wins over the flat trusted_* lists
    flat = ctx._replace(trusted_associations=("OWNER",), trusted_logins=("alice",))
    assert not review_gate([by_owner], flat).passed


def test_a_review_bot_cannot_post_worker_or_handover_records() -> None:
    assignment = comment(ASSIGN_ME, author="review-bot", association="NONE")
    verdict = worker_gate([assignment], 7, ME, trusted=BOT_TRUST.worker)
    assert not verdict.passed and _codes(verdict) == {"no-assignment"}
    handover = comment(HANDOVER, author="review-bot", association="NONE")
    verdict = handover_gate([handover], 7, trusted=BOT_TRUST.handover)
    assert not verdict.passed and _codes(verdict) == {"no-handover"}
    assert handover_gate([comment(HANDOVER, association="MEMBER")], 7, trusted=BOT_TRUST.handover)


def test_without_trust_every_kind_uses_trusted_associations_and_logins() -> None:
    ctx = ReviewContext(issue=7, changed_files=(), trusted_logins=("@helper",))
    assert review_gate([comment(REVIEW, author="HELPER", association="NONE")], ctx).passed
    assert ctx.trusted() == ctx.worker_trusted() == trust_policy(logins=("helper",))


def test_distinct_reviewer_reads_assignments_with_the_worker_kinds_trust() -> None:
    comments = [
        comment(ASSIGN_ME, id=1, author="dispatch-bot", association="NONE"),
        comment(REVIEW, id=2, author="review-bot", association="NONE"),
    ]
    ctx = ReviewContext(issue=7, changed_files=(), trust=BOT_TRUST, require_distinct_reviewer=True)
    verdict = review_gate(comments, ctx)
    assert _codes(verdict) == {"reviewer-not-distinct"}
    # With the review kind's trust, the bot's assignment would not count: no holder.
    only_review = BOT_TRUST._replace(worker=BOT_TRUST.review)
    assert review_gate(comments, ctx._replace(trust=only_review)).passed


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.from_regex(r"\A@?[a-z0-9][a-z0-9-]{0,8}\Z"), max_size=3),
    st.lists(st.sampled_from(["OWNER", "MEMBER", "COLLABORATOR", "NONE"]), max_size=2),
    st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9-]{0,8}\Z"),
    st.sampled_from(["OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR", "NONE"]),
)
def test_authors_trust_exactly_what_they_list(
    logins: list[str], associations: list[str], author: str, association: str
) -> None:
    authors = Authors.from_entries([*logins, *associations])
    expected = association in associations or author.lower() in {
        login.lstrip("@") for login in logins
    }
    assert authors(comment("x", author=author, association=association)) is expected


# -- which issue of which repository an artifact counts for ---------------------------------


def _found(kind: str, data: dict[str, Any], url: str) -> Found:
    return Found(comment("x")._replace(url=url), Artifact(kind, data, 1, 1))


URL_7 = "https://github.com/o/r/issues/7#issuecomment-1"


URL_1 = "https://github.com/o/r/issues/1#issuecomment-1"


@pytest.mark.parametrize(
    ("data", "url", "repo", "issue", "expected"),
    [
        ({"issue": 7}, URL_7, None, 7, None),
        ({"issue": 7}, URL_7, "O/R", 7, None),
        ({"issue": 7, "issue_repo": "O/r"}, URL_7, None, 7, None),
        ({"issue": 7, "issue_repo": "owner/other"}, URL_7, None, 7, "owner/other#7"),
        ({"issue": 7, "issue_repo": "owner/other"}, URL_7, "o/r", 7, "owner/other#7"),
        # the local tracker cannot say which repository it is: a named one is another
        ({"issue": 7, "issue_repo": "o/r"}, "local:issues/7#issuecomment-1", None, 7, "o/r#7"),
        ({"issue": 7, "issue_repo": "o/r"}, "local:issues/7#issuecomment-1", "o/r", 7, None),
        ({"issue": 8}, URL_7, None, 7, "issue #8"),
        ({"issue": 7.0}, URL_7, None, 7, "issue 7.0"),
        ({"issue": 8.0}, URL_7, None, 7, "issue 8.0"),
        ({"issue": True}, URL_1, None, 1, "issue True"),  # True == 1 in Python, never here
        ({"issue": "7"}, URL_7, None, 7, "issue '7'"),
        ({}, URL_7, None, 7, "no issue"),
        ({"issue": 7}, "https://github.com/o/r/issues/8#issuecomment-1", None, 7, "issue #8"),
        ({"issue": 7}, "https://github.com/x/y/issues/7#issuecomment-1", "o/r", 7, "x/y#7"),
        ({"issue": 7}, "https://github.com/o/r/pull/7#issuecomment-1", "o/r", 7, None),
    ],
)
def test_issue_mismatch(
    data: dict[str, Any], url: str, repo: str | None, issue: int, expected: str | None
) -> None:
    for kind in ("review", "handover", "worker"):
        got = issue_mismatch(_found(kind, data, url), issue, repo)
        if expected is None:
            assert got is None, (kind, got)
        else:
            assert got is not None and expected in got, (kind, got)


def test_missing_issue_counts_only_where_optional() -> None:
    found = _found("worker", {"assigned": True}, URL_7)
    assert issue_mismatch(found, 7, None, required=False) is None
    assert issue_mismatch(found, 7, None) == "no issue"


@given(
    st.one_of(
        st.floats(),
        st.booleans(),
        st.text(max_size=4),
        st.none(),
        st.decimals(allow_nan=False),
        st.lists(st.integers(), max_size=2),
    )
)
def test_nothing_but_the_integer_is_the_issue(value: object) -> None:
    assert not same_issue(value, 7) and not same_issue(value, 1)
    assert issue_mismatch(_found("worker", {"issue": value}, URL_7), 7, None) is not None


@given(st.integers(1, 10**6), st.integers(1, 10**6))
def test_integers_are_the_issue_they_name(value: int, issue: int) -> None:
    assert same_issue(value, issue) is (value == issue)


@pytest.mark.parametrize(
    ("url", "repo", "issue"),
    [
        (URL_7, "o/r", 7),
        ("https://ghe.example.com:8443/Org/Repo.js/pull/12#issuecomment-3", "org/repo.js", 12),
        ("local:issues/4#issuecomment-9", None, 4),
        ("local:9", None, None),
        ("", None, None),
        ("https://github.com/o/r/commit/abc", None, None),
    ],
)
def test_comment_location(url: str, repo: str | None, issue: int | None) -> None:
    located = comment("x")._replace(url=url)
    assert (comment_repo(located), comment_issue(located)) == (repo, issue)


OTHER_REPO_ISSUE = "| Issue | owner/other#7 |"
OTHER_REPO_URL = "| Issue | https://github.com/owner/other/issues/7 |"


@pytest.mark.parametrize("issue_cell", [OTHER_REPO_ISSUE, OTHER_REPO_URL])
def test_review_of_another_repositorys_issue_does_not_count(issue_cell: str) -> None:
    body = REVIEW.replace("| Issue | #7 |", issue_cell)
    for ctx in (ReviewContext(issue=7), ReviewContext(issue=7, repo="o/r")):
        verdict = review_gate([comment(body)], ctx._replace(changed_files=()))
        assert _codes(verdict) == {"wrong-issue"}
        (reason,) = verdict.reasons
        assert "owner/other#7" in reason.message and "not #7 of o/r" in reason.message


@pytest.mark.parametrize("issue_cell", [OTHER_REPO_ISSUE, OTHER_REPO_URL])
def test_handover_of_another_repositorys_issue_does_not_count(issue_cell: str) -> None:
    body = HANDOVER.replace("| Issue | #7 |", issue_cell)
    for repo in (None, "o/r"):
        verdict = handover_gate([comment(body)], 7, repo=repo)
        assert _codes(verdict) == {"wrong-issue"}
        assert "owner/other#7" in verdict.reasons[0].message


def test_worker_record_of_another_repository_does_not_count() -> None:
    record = samples.worker_assignment(ME, extra={"issue": 7, "issue_repo": "owner/other"})
    verdict = worker_gate([comment(record)], 7, ME, repo="o/r")
    assert _codes(verdict) == {"wrong-issue"}
    same = samples.worker_assignment(ME, extra={"issue": 7, "issue_repo": "O/R"})
    assert worker_gate([comment(same)], 7, ME, repo="o/r").passed


def test_every_gate_refuses_an_artifact_on_another_repository() -> None:
    """A comment the tracker says is on another repository's issue #7 (an export mixing
    repositories) counts for none of the gates once the caller names its repository."""
    elsewhere = "https://github.com/owner/other/issues/7#issuecomment-1"
    review = comment(REVIEW)._replace(url=elsewhere)
    verdict = review_gate([review], ReviewContext(issue=7, changed_files=(), repo="o/r"))
    assert _codes(verdict) == {"wrong-issue"}
    handover = comment(HANDOVER)._replace(url=elsewhere)
    assert _codes(handover_gate([handover], 7, repo="o/r")) == {"wrong-issue"}
    assignment = comment(ASSIGN_ME)._replace(url=elsewhere)
    assert _codes(worker_gate([assignment], 7, ME, repo="o/r")) == {"wrong-issue"}
    # ...and on this repository they pass
    assert review_gate([comment(REVIEW)], ReviewContext(issue=7, changed_files=(), repo="o/r"))
    assert handover_gate([comment(HANDOVER)], 7, repo="o/r").passed
    assert worker_gate([comment(ASSIGN_ME)], 7, ME, repo="o/r").passed


def test_every_gate_refuses_an_artifact_on_another_issue() -> None:
    elsewhere = "https://github.com/o/r/issues/8#issuecomment-1"
    review = comment(REVIEW)._replace(url=elsewhere)
    assert _codes(review_gate([review], ReviewContext(issue=7, changed_files=()))) == {
        "wrong-issue"
    }
    assert _codes(handover_gate([comment(HANDOVER)._replace(url=elsewhere)], 7)) == {"wrong-issue"}
    assignment = comment(ASSIGN_ME)._replace(url=elsewhere)
    assert _codes(worker_gate([assignment], 7, ME)) == {"wrong-issue"}


@pytest.mark.parametrize("value", [8.0, 7.0, 8, "7", 0])
def test_worker_record_issue_must_be_this_integer(value: object) -> None:
    record = samples.worker_assignment(ME, extra={"issue": value})
    verdict = worker_gate([comment(record)], 7, ME)
    assert not verdict.passed
    assert _codes(verdict) <= {"wrong-issue", "worker-invalid"}, verdict.reasons


def test_worker_record_with_this_issue_passes() -> None:
    record = samples.worker_assignment(ME, extra={"issue": 7})
    assert worker_gate([comment(record)], 7, ME).passed


# -- a review's Commit binds to exactly one commit ------------------------------------------


def _fresh(commit: str, **ctx: Any) -> Any:
    context = ReviewContext(issue=7, changed_files=(), head=HEAD, **ctx)
    return review_gate([comment(samples.review(7, commit=commit))], context)


def test_abbreviated_commit_without_proof_names_the_fix() -> None:
    verdict = _fresh(HEAD[:7])
    (reason,) = verdict.reasons
    assert reason.code == "ambiguous-commit"
    assert reason.message == (
        f"the review's Commit `{HEAD[:7]}` is abbreviated and this checkout cannot prove it "
        "names only the head; write the full 40-character sha"
    )
    assert HEAD in reason.fix and reason.pointer == "/commit"


def test_a_ground_prefix_collision_does_not_bind() -> None:
    # Another object shares the first 9 characters: git needs 10 to name the head.
    verdict = _fresh(HEAD[:9], head_unique_prefix=10)
    assert _codes(verdict) == {"ambiguous-commit"}
    assert "at least 10" in verdict.reasons[0].message
    assert _fresh(HEAD[:10], head_unique_prefix=10).passed
    assert _fresh(HEAD, head_unique_prefix=None).passed


def test_a_prefix_of_another_commit_is_stale() -> None:
    verdict = _fresh("fedcba9", head_unique_prefix=4)
    assert _codes(verdict) == {"stale-review"}


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(r"\A[0-9a-f]{40}\Z"),
    st.integers(1, 40),
    st.one_of(st.none(), st.integers(-3, 45)),
    st.booleans(),
)
def test_commit_binding_rule(head: str, length: int, unique: int | None, upper: bool) -> None:
    commit = head[:length]
    ctx = ReviewContext(issue=7, changed_files=(), head=head, head_unique_prefix=unique)
    shown = commit.upper() if upper else commit
    verdict = review_gate([comment(samples.review(7, commit=shown))], ctx)
    codes = _codes(verdict)
    if length < 7:
        # not a commit reference at all: the artifact is invalid
        assert not verdict.passed
        return
    proven = unique is not None and unique > 0 and length >= max(7, unique)
    accepted = length == 40 or proven
    assert verdict.passed is accepted, verdict.reasons
    if not accepted:
        assert codes == {"ambiguous-commit"}


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(r"\A(?:[0-9a-f]{40}|[0-9a-f]{64})\Z"),
    st.integers(7, 64),
    st.one_of(st.none(), st.integers(1, 64)),
    st.from_regex(r"\A[0-9a-f]{7,64}\Z"),
)
def test_commit_binding_function(head: str, length: int, unique: int | None, other: str) -> None:
    from review_gate.gates.commit import commit_binding

    prefix = head[:length]
    full = len(prefix) == len(head)
    proven = unique is not None and len(prefix) >= max(7, unique)
    expected = "ok" if full or proven else "ambiguous"
    assert commit_binding(prefix.upper(), head, unique) == expected
    if not head.startswith(other) and not other.startswith(head):
        assert commit_binding(other, head, unique) == "stale"


def test_abbreviated_head_cannot_vouch_for_a_commit() -> None:
    ctx = ReviewContext(issue=7, changed_files=(), head=HEAD[:12], head_unique_prefix=7)
    verdict = review_gate([comment(samples.review(7, commit=HEAD[:12]))], ctx)
    assert _codes(verdict) == {"ambiguous-commit"}
    assert "head being gated" in verdict.reasons[0].message


# -- require_distinct_reviewer reads the latest assignment -----------------------------------


def _release(worker: str | None = None) -> str:
    extra = {"worker_id": worker, "reason": "completed"} if worker else {"reason": "completed"}
    return samples.worker_assignment(assigned=False, extra=extra)


DISTINCT = ReviewContext(issue=7, changed_files=(), require_distinct_reviewer=True)


@pytest.mark.parametrize(
    ("bodies", "passed"),
    [
        ([ASSIGN_ME, _release(ME), REVIEW], False),  # release, then review own work
        ([ASSIGN_ME, _release(), REVIEW], False),
        ([ASSIGN_ME, _release(ME), _release(ME), REVIEW], False),
        # an assignment naming another issue says nothing about this one
        ([ASSIGN_ME, samples.worker_assignment("w-2", extra={"issue": 8}), REVIEW], False),
        # a broken WORKER record displaces nobody
        (
            [
                ASSIGN_ME,
                "<!-- WORKER:ASSIGNED -->\n```json\n{\n```\n<!-- /WORKER:ASSIGNED -->",
                REVIEW,
            ],
            False,
        ),
        ([ASSIGN_ME, samples.worker_assignment("worker-2-7"), REVIEW], True),
        ([samples.worker_assignment("worker-2-7"), REVIEW], True),
        ([REVIEW], True),
    ],
)
def test_distinct_reviewer_holder(bodies: list[str], passed: bool) -> None:
    comments = [comment(body, id=i) for i, body in enumerate(bodies, 1)]
    verdict = review_gate(comments, DISTINCT)
    assert verdict.passed is passed, verdict.reasons
    if not passed:
        assert _codes(verdict) == {"reviewer-not-distinct"}


def test_distinct_reviewer_ignores_case_and_spaces_of_worker_ids() -> None:
    review = samples.review(7, worker="WORKER-1701523200-7")
    comments = [comment(ASSIGN_ME, id=1), comment(review, id=2)]
    assert _codes(review_gate(comments, DISTINCT)) == {"reviewer-not-distinct"}


def test_verdicts_are_json() -> None:
    verdict = _fresh(HEAD[:7])
    assert json.loads(json.dumps(verdict.to_json()))["reasons"][0]["code"] == "ambiguous-commit"


def test_comment_helper_builds_issue_7_urls() -> None:
    assert isinstance(comment("x"), Comment) and comment_issue(comment("x")) == 7
