"""``require_independent_review``: the review gate opens only for a REVIEW by a review worker
the dispatcher registered for the issue (a trusted WORKER assignment with role review),
none of the issue's implementers, of the head being gated, posted by the reviewer identity
(``[trust] review``). Generated inputs: only the one true combination passes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from review_gate.gates.review import ReviewContext, review_gate
from review_gate.records import Authors, Comment, Trust
from review_gate.trackers.local import LocalTracker
from tests import artifact_samples as samples
from tests.gates_review_test import HEAD, OTHER, comment
from tests.helpers import commit_file, git, init_repo_with_remote, run_gate

IMPLEMENTER = "worker-1764730000-7-a1b2"
REVIEWER = "worker-1764730100-7-c3d4"
# The recommended setup: the dispatcher posts WORKER records, only the reviewer identity
# posts REVIEWs that count; the implementer agent holds neither.
TRUST = Trust(
    review=Authors.from_entries(["review-bot"]),
    worker=Authors.from_entries(["dispatch-bot"]),
)
CTX = ReviewContext(
    issue=7, head=HEAD, changed_files=(), trust=TRUST, require_independent_review=True
)


def assignment(worker: str, role: str | None, *, issue: int = 7) -> str:
    extra: dict[str, Any] = {"issue": issue}
    if role is not None:
        extra["role"] = role
    return samples.worker_assignment(worker, extra=extra)


def release(worker: str) -> str:
    extra: dict[str, Any] = {"worker_id": worker, "reason": "completed", "issue": 7}
    return samples.worker_assignment(assigned=False, extra=extra)


def thread(*posts: tuple[str, str]) -> list[Comment]:
    """Comments in posting order: ``(author, body)`` each."""
    return [comment(body, id=i, author=author) for i, (author, body) in enumerate(posts, 1)]


def codes(comments: list[Comment], ctx: ReviewContext = CTX) -> set[str]:
    return {r.code for r in review_gate(comments, ctx).reasons}


def the_true_thread(**review: Any) -> list[Comment]:
    """An implementer, then a registered review worker whose REVIEW of the head the
    reviewer identity posts."""
    body = samples.review(7, **{"worker": REVIEWER, "commit": HEAD, **review})
    return thread(
        ("dispatch-bot", assignment(IMPLEMENTER, None)),
        ("dispatch-bot", release(IMPLEMENTER)),
        ("dispatch-bot", assignment(REVIEWER, "review")),
        ("review-bot", body),
        ("dispatch-bot", release(REVIEWER)),  # a release says no role: still the reviewer
    )


def test_the_reviewers_review_opens_the_gate() -> None:
    verdict = review_gate(the_true_thread(), CTX)
    assert verdict.passed, verdict.reasons
    [note] = [n for n in verdict.notes if n.code == "independent-review"]
    assert REVIEWER in note.message and IMPLEMENTER in note.message


def test_off_by_default() -> None:
    comments = thread(("review-bot", samples.review(7, worker="anyone", commit=HEAD)))
    assert review_gate(comments, CTX._replace(require_independent_review=False)).passed
    assert codes(comments) == {"reviewer-not-registered"}


@settings(max_examples=300, deadline=None)
@given(
    review_author=st.sampled_from(["review-bot", "Review-Bot", "agent", "dispatch-bot"]),
    association=st.sampled_from(["OWNER", "NONE"]),
    named=st.sampled_from([REVIEWER, REVIEWER.upper(), IMPLEMENTER, "worker-9-7"]),
    role=st.sampled_from(["review", "implement", "research", None]),
    record_author=st.sampled_from(["dispatch-bot", "review-bot", "agent"]),
    commit=st.sampled_from([HEAD, OTHER, None]),
)
# the one true combination, and the implementer's own forgery of it, are always tried
@example("review-bot", "NONE", REVIEWER, "review", "dispatch-bot", HEAD)
@example("agent", "OWNER", REVIEWER, "review", "dispatch-bot", HEAD)
def test_only_the_one_true_combination_passes(
    review_author: str,
    association: str,
    named: str,
    role: str | None,
    record_author: str,
    commit: str | None,
) -> None:
    comments = [
        comment(assignment(IMPLEMENTER, None), id=1, author="dispatch-bot"),
        comment(assignment(REVIEWER, role), id=2, author=record_author),
        comment(
            samples.review(7, worker=named, commit=commit),
            id=3,
            author=review_author,
            association=association,
        ),
    ]
    verdict = review_gate(comments, CTX)
    true = (
        review_author.lower() == "review-bot"
        and named.casefold() == REVIEWER.casefold()
        and role == "review"
        and record_author == "dispatch-bot"
        and commit == HEAD
    )
    assert verdict.passed == true, (verdict.reasons, review_author, named, role, commit)
    if not verdict.passed:
        assert all(r.fix for r in verdict.reasons)


def test_the_implementer_posting_as_itself_naming_the_reviewer_fails() -> None:
    forged = samples.review(7, worker=REVIEWER, commit=HEAD)
    comments = thread(
        ("dispatch-bot", assignment(IMPLEMENTER, None)),
        ("dispatch-bot", assignment(REVIEWER, "review")),
        ("agent", forged),
    )
    verdict = review_gate(comments, CTX)
    assert not verdict.passed
    assert {r.code for r in verdict.reasons} == {"no-review"}
    assert any(n.code == "ignored-untrusted" and "@agent" in n.message for n in verdict.notes)


def test_an_association_trusted_for_reviews_is_named_as_the_hole() -> None:
    """Where `[trust] review` trusts an association the implementer has, its forged review
    passes: the rule can only be as strong as the reviewer identity, and says so."""
    broad = TRUST._replace(review=Authors.from_entries(["OWNER", "review-bot"]))
    forged = samples.review(7, worker=REVIEWER, commit=HEAD)
    comments = thread(
        ("dispatch-bot", assignment(IMPLEMENTER, None)),
        ("dispatch-bot", assignment(REVIEWER, "review")),
        ("agent", forged),
    )
    verdict = review_gate(comments, CTX._replace(trust=broad))
    assert verdict.passed
    [note] = [n for n in verdict.notes if n.code == "reviewer-identity-broad"]
    assert "OWNER" in note.message and "[trust] review" in note.fix


def test_reviewer_that_also_implemented_fails() -> None:
    comments = thread(
        ("dispatch-bot", assignment(REVIEWER, None)),  # it implemented first ...
        ("dispatch-bot", release(REVIEWER)),
        ("dispatch-bot", assignment(REVIEWER, "review")),  # ... then was made the reviewer
        ("review-bot", samples.review(7, worker=REVIEWER, commit=HEAD)),
    )
    verdict = review_gate(comments, CTX)
    assert {r.code for r in verdict.reasons} == {"reviewer-is-implementer"}
    reason = verdict.reasons[0]
    assert REVIEWER in reason.message and "gate dispatch review --issue 7" in reason.fix


def test_a_release_no_assignment_explains_is_an_implementers() -> None:
    """A worker known only by its release (a record written by hand, an assignment lost
    to an edit) may have implemented: its id never reviews."""
    comments = thread(
        ("dispatch-bot", release(REVIEWER.upper())),
        ("dispatch-bot", assignment(REVIEWER, "review")),
        ("review-bot", samples.review(7, worker=REVIEWER, commit=HEAD)),
    )
    assert codes(comments) == {"reviewer-is-implementer"}


def test_stale_commit_fails() -> None:
    assert codes(the_true_thread(commit=OTHER)) == {"stale-review"}


def test_missing_commit_fails_once() -> None:
    assert codes(the_true_thread(commit=None)) == {"commit-missing"}
    strict = CTX._replace(require_commit=True)
    reasons = review_gate(the_true_thread(commit=None), strict).reasons
    assert [r.code for r in reasons] == ["commit-missing"]


def test_unknown_head_fails() -> None:
    verdict = review_gate(the_true_thread(), CTX._replace(head=None))
    assert {r.code for r in verdict.reasons} == {"head-unknown"}


def test_untrusted_author_fails() -> None:
    comments = the_true_thread()
    comments[3] = comments[3]._replace(author="mallory", association="NONE")
    assert codes(comments) == {"no-review"}


def test_registration_must_be_trusted_and_for_this_issue() -> None:
    for author, issue in (("agent", 7), ("dispatch-bot", 8)):
        comments = thread(
            ("dispatch-bot", assignment(IMPLEMENTER, None)),
            (author, assignment(REVIEWER, "review", issue=issue)),
            ("review-bot", samples.review(7, worker=REVIEWER, commit=HEAD)),
        )
        verdict = review_gate(comments, CTX)
        [reason] = verdict.reasons
        assert reason.code == "reviewer-not-registered"
        assert "gate dispatch review --issue 7" in reason.fix
        assert reason.pointer == "/worker"


def test_a_release_alone_registers_nobody() -> None:
    comments = thread(
        ("dispatch-bot", release(REVIEWER)),
        ("review-bot", samples.review(7, worker=REVIEWER, commit=HEAD)),
    )
    # and a worker known only by a release may have implemented
    assert codes(comments) == {"reviewer-not-registered", "reviewer-is-implementer"}


# -- through `gate check`, configured in the repository --------------------------------------


def _check(repo: Path, head: str) -> tuple[int, dict[str, Any]]:
    proc = run_gate("check", "--issue", "7", "--head", head, "--format", "json", cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_gate_check_shows_the_rule(tmp_path: Path) -> None:
    repo, _ = init_repo_with_remote(tmp_path)
    commit_file(
        repo,
        ".review-gate.toml",
        'require_independent_review = true\nreview_author = "review-bot"\n'
        '[trust]\nreview = ["review-bot"]\nworker = ["dispatch-bot"]\n',
        "chore: independent review",
    )
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    head = commit_file(repo, "src/app.py", "print('hi')\n", "feat: app (#7)")
    tracker = LocalTracker.for_checkout(repo)
    tracker.create_issue("seven", number=7)
    tracker.post_comment(7, assignment(IMPLEMENTER, None), author="dispatch-bot")
    review = samples.review(7, worker=REVIEWER, commit=head)
    tracker.post_comment(7, review, author="review-bot")
    rc, data = _check(repo, head)
    [verdict] = data["verdicts"]
    assert rc == 1 and [r["code"] for r in verdict["reasons"]] == ["reviewer-not-registered"]
    assert verdict["reasons"][0]["fix"].startswith("run `gate dispatch review --issue 7`")
    tracker.post_comment(7, assignment(REVIEWER, "review"), author="dispatch-bot")
    tracker.post_comment(7, review, author="review-bot")
    rc, data = _check(repo, head)
    [verdict] = data["verdicts"]
    assert rc == 0, verdict
    assert "independent-review" in [n["code"] for n in verdict["notes"]]
    # a worker checkout cannot turn the rule off: the environment may only tighten it
    hooks = run_gate(
        "config", "show", "--hooks", cwd=repo,
        env={"REVIEW_GATE_REQUIRE_INDEPENDENT_REVIEW": "false"},
    )  # fmt: skip
    assert hooks.returncode == 2
    assert "REVIEW_GATE_REQUIRE_INDEPENDENT_REVIEW" in hooks.stderr
    assert "require_independent_review true -> false" in hooks.stderr
