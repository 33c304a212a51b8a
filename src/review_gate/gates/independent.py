"""The independent-review rule of the review gate (``require_independent_review``,
docs/gates.md "Independent review").

With it on, the latest trusted REVIEW opens the gate only when it is the work of a review
worker the dispatcher registered for the issue:

- its ``Worker`` names a worker of a WORKER *assignment* for this issue with
  ``"role": "review"``, posted by an author trusted for WORKER records (``trust.worker``);
- that worker id is none of the issue's implementers: every worker id of the issue's
  trusted WORKER assignments whose role is ``implement`` or absent (and of any release of
  a worker no earlier assignment names: a release carries no role);
- its ``Commit`` names the head being gated (a missing Commit, or an unknown head, fails
  here; a Commit naming another commit is rule 6's ``stale-review``);
- its comment author is trusted for REVIEWs (``trust.review``): rule 1 of the review gate
  already keeps only those, so that list should name the reviewer identity alone.

Pure (no I/O), like every gate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from review_gate.gates.common import (
    Found,
    TrustPolicy,
    find_artifacts,
    issue_mismatch,
    split_trusted,
)
from review_gate.gates.verdict import Reason
from review_gate.records import Authors, Comment

# Roles that never implement; any other role (absent included) is an implementer's.
REVIEW_ROLE = "review"
_NOT_IMPLEMENTING = (REVIEW_ROLE, "research")


class WorkerEntry(NamedTuple):
    """One trusted WORKER record of the issue: who, in which role, assignment or not."""

    worker_id: str
    role: str
    assigned: bool
    valid: bool


def _key(worker_id: str) -> str:
    # A review is typed by hand: `Worker-1-7` is the worker `worker-1-7`.
    return worker_id.strip().casefold()


def worker_entries(
    comments: Sequence[Comment],
    issue: int,
    trusted: TrustPolicy | None,
    repo: str | None = None,
) -> list[WorkerEntry]:
    """Every WORKER record of ``issue`` by an author ``trusted`` for WORKER records that
    names a worker, oldest first; the role defaults to ``implement``."""
    kept, _ = split_trusted(find_artifacts(comments, "worker"), trusted)
    entries: list[WorkerEntry] = []
    for found in kept:
        data = found.artifact.data
        worker = data.get("worker_id")
        if not isinstance(worker, str) or not worker.strip():
            continue
        if issue_mismatch(found, issue, repo, required=False) is not None:
            continue  # another issue's (or repository's) record says nothing about this one
        role = data.get("role", "implement")
        entries.append(
            WorkerEntry(
                worker_id=worker.strip(),
                role=role if isinstance(role, str) else repr(role),
                assigned=data.get("assigned") is True,
                valid=found.artifact.valid,
            )
        )
    return entries


def implementers(entries: Sequence[WorkerEntry]) -> list[str]:
    """The worker ids that implemented the issue, in order, once each: those of
    assignments whose role is ``implement`` or absent, and those of releases of a worker
    no earlier assignment names (a release carries no role; its assignment says what the
    worker was)."""
    assigned: set[str] = set()
    seen: dict[str, str] = {}
    for entry in entries:
        key = _key(entry.worker_id)
        if entry.assigned:
            assigned.add(key)
            if entry.role in _NOT_IMPLEMENTING:
                continue
        elif key in assigned:
            continue
        seen.setdefault(key, entry.worker_id)
    return list(seen.values())


def review_workers(entries: Sequence[WorkerEntry]) -> list[str]:
    """The worker ids the dispatcher registered as review workers (valid assignments)."""
    seen: dict[str, str] = {}
    for entry in entries:
        if entry.role == REVIEW_ROLE and entry.assigned and entry.valid:
            seen.setdefault(_key(entry.worker_id), entry.worker_id)
    return list(seen.values())


def _reason(found: Found, code: str, message: str, fix: str, pointer: str) -> Reason:
    return Reason(
        code=code,
        message=f"require_independent_review is set and {message}",
        fix=fix,
        comment_url=found.comment.url or None,
        line=found.artifact.line,
        pointer=pointer,
    )


def independent_review(
    found: Found,
    comments: Sequence[Comment],
    *,
    issue: int,
    head: str | None,
    review_trusted: TrustPolicy | None = None,
    worker_trusted: TrustPolicy | None = None,
    repo: str | None = None,
    commit_checked: bool = False,
) -> tuple[list[Reason], list[Reason]]:
    """``(reasons, notes)`` of the rule for the REVIEW ``found`` (the latest trusted,
    valid one). ``commit_checked``: the review gate already fails a missing Commit
    (``require_commit``), so this rule does not repeat it."""
    step = (
        f"run `gate dispatch review --issue {issue}`: the dispatcher starts a review worker on "
        "the head, and it posts the REVIEW with the reviewer identity"
    )
    entries = worker_entries(comments, issue, worker_trusted, repo)
    makers = implementers(entries)
    registered = review_workers(entries)
    reasons: list[Reason] = []
    notes: list[Reason] = []
    named = found.artifact.data.get("worker")
    reviewer = named.strip() if isinstance(named, str) else ""
    if not reviewer:
        reasons.append(
            _reason(found, "reviewer-unnamed", "the review names no Worker", step, "/worker")
        )
    elif _key(reviewer) not in {_key(w) for w in registered}:
        known = f" (registered: {', '.join(registered)})" if registered else ""
        reasons.append(
            _reason(
                found,
                "reviewer-not-registered",
                f"the review's Worker {reviewer} is no review worker the dispatcher registered "
                f"for issue #{issue}: no WORKER assignment with role review names it{known}",
                step,
                "/worker",
            )
        )
    if reviewer and _key(reviewer) in {_key(w) for w in makers}:
        reasons.append(
            _reason(
                found,
                "reviewer-is-implementer",
                f"the review's Worker {reviewer} is an implementer of issue #{issue}",
                f"have another worker review the change: {step}",
                "/worker",
            )
        )
    reasons += _commit_reasons(found, issue, head, commit_checked, step)
    if not reasons:
        others = ", ".join(makers) if makers else "none recorded"
        notes.append(
            Reason(
                code="independent-review",
                message=f"the review is by review worker {reviewer}, registered by the "
                f"dispatcher for issue #{issue} and none of its implementers ({others})",
                fix="nothing to do",
                comment_url=found.comment.url or None,
                line=found.artifact.line,
            )
        )
    if isinstance(review_trusted, Authors) and review_trusted.associations:
        notes.append(
            Reason(
                code="reviewer-identity-broad",
                message=f"REVIEWs are trusted from {review_trusted.describe()}: an author "
                "association lets anyone holding it, implementers included, post the "
                "review that counts",
                fix="list only the reviewer identity under `[trust] review` in "
                '.review-gate.toml (review = ["review-bot"])',
            )
        )
    return reasons, notes


def _commit_reasons(
    found: Found,
    issue: int,
    head: str | None,
    commit_checked: bool,
    step: str,
) -> list[Reason]:
    """A missing Commit or an unknown head; a Commit naming another commit (or one too
    short to prove it names the head) is rule 6's reason already."""
    commit = found.artifact.data.get("commit")
    if not isinstance(commit, str) or not commit.strip():
        if commit_checked:
            return []
        return [
            _reason(
                found,
                "commit-missing",
                "the review names no commit, so it cannot be the review of the head",
                step,
                "/commit",
            )
        ]
    if head is None:
        return [
            _reason(
                found,
                "head-unknown",
                f"the head being gated is unknown, so the review of {commit.strip()} cannot "
                f"be bound to it (issue #{issue})",
                "pass --head SHA (or run inside the checkout)",
                "/commit",
            )
        ]
    return []


__all__ = [
    "REVIEW_ROLE",
    "WorkerEntry",
    "implementers",
    "independent_review",
    "review_workers",
    "worker_entries",
]
