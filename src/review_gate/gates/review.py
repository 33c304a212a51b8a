"""The review gate (docs/gates.md, rules 1-6): a pure function of comments + context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from review_gate.gates.commit import (
    FULL_SHA_LENGTHS,
    MIN_ABBREV,
    commit_binding,
    unique_prefix_length,
)
from review_gate.gates.common import (
    Found,
    comment_repo,
    find_artifacts,
    ignored_notes,
    invalid_reasons,
    issue_mismatch,
    latest_artifact,
    other_repo,
    post_fix,
    repo_here,
    split_trusted,
    trust_policy,
    used_note,
)
from review_gate.gates.independent import independent_review
from review_gate.gates.sensitive import matches_sensitive
from review_gate.gates.verdict import Reason, Verdict
from review_gate.records import (
    DEFAULT_SENSITIVE_PATTERNS,
    TRUSTED_ASSOCIATIONS,
    Authors,
    Comment,
    Trust,
)

__all__ = [
    "ReviewContext",
    "comment_repo",
    "deferred_tracking_issues",
    "latest_artifact",
    "matches_sensitive",
    "review_gate",
]


class ReviewContext(NamedTuple):
    """Everything the review gate needs besides the comments (all plain data)."""

    issue: int
    head: str | None = None  # the full sha of the commit being gated; None: unknown
    changed_files: Sequence[str] | None = None  # None: unknown (rule 5 skipped, with a note)
    changed_files_unknown_why: str = "the files changed on the branch are unknown"
    # Who may author artifacts. ``trust`` (one list per kind, ``[trust]`` in the config)
    # wins; without it every kind trusts ``trusted_associations`` + ``trusted_logins``.
    trusted_associations: Sequence[str] = TRUSTED_ASSOCIATIONS
    trusted_logins: Sequence[str] = ()
    sensitive_patterns: Sequence[str] = DEFAULT_SENSITIVE_PATTERNS
    require_commit: bool = False
    require_distinct_reviewer: bool = False
    # Only a dispatcher-registered review worker's REVIEW counts (gates/independent.py).
    require_independent_review: bool = False
    # Tracking issue -> exists? (True/False where the tracker can tell, None: cannot tell).
    # Numbers missing from the mapping are treated as "cannot tell".
    tracking_issues: Mapping[int, bool | None] = {}
    trust: Trust | None = None
    # ``owner/name`` of the repository being checked; None: the one each comment's URL names.
    repo: str | None = None
    # Length of the shortest prefix of ``head`` no other object of the checkout shares
    # (``git rev-parse --short``, when the checkout can prove it: not shallow); None when
    # unknown, and then only the full sha binds a review to the head.
    head_unique_prefix: int | None = None

    def trusted(self) -> Authors:
        """Who may author a REVIEW."""
        if self.trust is not None:
            return self.trust.review
        return trust_policy(self.trusted_associations, self.trusted_logins)

    def worker_trusted(self) -> Authors:
        """Who may author a WORKER record (to tell who holds the issue)."""
        if self.trust is not None:
            return self.trust.worker
        return trust_policy(self.trusted_associations, self.trusted_logins)


def deferred_tracking_issues(data: Mapping[str, Any], repo: str | None = None) -> list[int]:
    """The tracking issue numbers a REVIEW's deferred findings cite (in order, unique);
    with ``repo`` (``owner/name``), only those in that repository."""
    seen: list[int] = []
    for row in data.get("deferred") or ():
        number = row.get("tracking_issue") if isinstance(row, dict) else None
        if repo is not None and other_repo(row.get("tracking_repo"), repo):
            continue
        if isinstance(number, int) and not isinstance(number, bool) and number not in seen:
            seen.append(number)
    return seen


def _reason(found: Found, code: str, message: str, fix: str, pointer: str | None = None) -> Reason:
    return Reason(
        code=code,
        message=message,
        fix=fix,
        comment_url=found.comment.url or None,
        line=found.artifact.line,
        pointer=pointer,
    )


def _same_worker(a: str, b: str) -> bool:
    # Worker ids are the dispatcher's, but a review is typed by hand: `Worker-1-7` is the
    # worker `worker-1-7`, not a second reviewer.
    return a.strip().casefold() == b.strip().casefold()


def _holder(comments: Sequence[Comment], ctx: ReviewContext) -> str | None:
    """The worker that holds (or last held) the issue: the worker of the latest trusted,
    valid *assignment* for it. A release does not count: a worker that releases the issue
    before reviewing its own change is still the worker that wrote it."""
    kept, _ = split_trusted(find_artifacts(comments, "worker"), ctx.worker_trusted())
    for found in reversed(kept):
        data = found.artifact.data
        if not found.artifact.valid or data.get("assigned") is not True:
            continue
        if issue_mismatch(found, ctx.issue, ctx.repo, required=False) is not None:
            continue  # another issue's (or repository's) assignment says nothing about this one
        worker = data.get("worker_id")
        if isinstance(worker, str) and worker.strip():
            return worker
    return None


def _content_reasons(found: Found, ctx: ReviewContext) -> list[Reason]:
    """Rules 3 and 4: right issue, COMPLETE, nothing unaddressed, deferred findings tracked."""
    data, issue = found.artifact.data, ctx.issue
    repost = post_fix("review", issue)
    reasons: list[Reason] = []
    here = repo_here(found, ctx.repo)
    mismatch = issue_mismatch(found, issue, ctx.repo)
    if mismatch is not None:
        where = f" of {here}" if here else ""
        reasons.append(
            _reason(
                found,
                "wrong-issue",
                f"the latest review is for {mismatch}, not #{issue}{where}",
                f"post a review whose Issue row is #{issue}: {repost}",
                "/issue",
            )
        )
    status = data.get("status")
    if status != "COMPLETE":
        reasons.append(
            _reason(
                found,
                "status-not-complete",
                f"the review status is {status}, not COMPLETE",
                "finish what it waits for, then post a review with "
                f"`**Review Status:** COMPLETE`: {repost}",
                "/status",
            )
        )
    summary = data.get("summary") if isinstance(data.get("summary"), dict) else {}
    unaddressed = summary.get("unaddressed") if summary else None
    if unaddressed != 0:
        reasons.append(
            _reason(
                found,
                "unaddressed-findings",
                f"the review leaves {unaddressed} finding(s) unaddressed",
                "fix each finding, or defer it to a tracking issue (`gate issue new --title T`), "
                f"then post a review with Unaddressed 0: {repost}",
                "/summary/unaddressed",
            )
        )
    for index, row in enumerate(data.get("deferred") or ()):
        number = row.get("tracking_issue") if isinstance(row, dict) else None
        pointer = f"/deferred/{index}/tracking_issue"
        if not isinstance(number, int) or isinstance(number, bool):
            reasons.append(
                _reason(
                    found,
                    "deferred-untracked",
                    f"deferred finding {index + 1} names no tracking issue",
                    "open one (`gate issue new --title T`) and put its `#N` in the Tracking "
                    f"Issue column: {repost}",
                    pointer,
                )
            )
        elif other_repo(row.get("tracking_repo"), here):
            continue  # another repository's issue: noted as unverified by review_gate()
        elif number == issue:
            # The PR closes this issue: a finding "tracked" here is lost when it merges.
            reasons.append(
                _reason(
                    found,
                    "tracking-issue-is-this-issue",
                    f"deferred finding {index + 1} is tracked in #{number}, the issue being closed",
                    "open a separate tracking issue (`gate issue new --title T`) and cite it: "
                    f"{repost}",
                    pointer,
                )
            )
        elif ctx.tracking_issues.get(number) is False:
            reasons.append(
                _reason(
                    found,
                    "tracking-issue-missing",
                    f"deferred finding {index + 1} cites tracking issue #{number}, "
                    "which does not exist",
                    "open the tracking issue (`gate issue new --title T`) and cite its real "
                    f"number: {repost}",
                    pointer,
                )
            )
    return reasons


def _sensitive_reasons(found: Found, ctx: ReviewContext) -> tuple[list[Reason], list[Reason]]:
    """Rule 5; returns (reasons, notes)."""
    if ctx.changed_files is None:
        note = Reason(
            code="sensitive-unchecked",
            message=f"{ctx.changed_files_unknown_why}: the sensitive-files rule was skipped",
            fix="set base_branch in .review-gate.toml (or fetch the base branch) so the "
            "changed files can be listed",
        )
        return [], [note]
    hits = [
        (path, pattern)
        for path in ctx.changed_files
        if (pattern := matches_sensitive(path, ctx.sensitive_patterns)) is not None
    ]
    if not hits or found.artifact.data.get("security_sensitive") is True:
        return [], []
    shown = ", ".join(f"{p} ({pat})" for p, pat in hits[:5])
    more = f" and {len(hits) - 5} more" if len(hits) > 5 else ""
    reason = _reason(
        found,
        "security-sensitive",
        f"the branch changes sensitive files ({shown}{more}) but the review does not say "
        "Security-Sensitive: YES",
        "review the change as security-sensitive and post a review with "
        f"`| Security-Sensitive | YES |`: {post_fix('review', ctx.issue)}",
        "/security_sensitive",
    )
    return [reason], []


def _fresh_reasons(found: Found, ctx: ReviewContext) -> tuple[list[Reason], list[Reason]]:
    """Rule 6, freshness; returns (reasons, notes)."""
    commit = found.artifact.data.get("commit")
    fix = (
        f"review the current head{f' ({ctx.head.strip().lower()})' if ctx.head else ''} and "
        "post a review whose `| Commit |` row is its full sha: "
        f"{post_fix('review', ctx.issue)}"
    )
    if not isinstance(commit, str) or not commit:
        if ctx.require_commit:
            return [
                _reason(
                    found,
                    "commit-missing",
                    "require_commit is set but the review names no commit",
                    fix,
                    "/commit",
                )
            ], []
        return [], []
    if ctx.head is None:
        message = f"the review names commit {commit} but the head being gated is unknown"
        unknown = _reason(
            found,
            "head-unknown",
            message,
            "pass --head SHA (or run inside the checkout)",
            "/commit",
        )
        return ([unknown], []) if ctx.require_commit else ([], [unknown])
    binding = commit_binding(commit, ctx.head, ctx.head_unique_prefix)
    if binding == "ambiguous":
        return [_ambiguous_reason(found, commit, ctx)], []
    if binding == "stale":
        return [
            _reason(
                found,
                "stale-review",
                f"the review is of commit {commit}, but the head being gated is {ctx.head[:12]}",
                fix,
                "/commit",
            )
        ], []
    return [], []


def _ambiguous_reason(found: Found, commit: str, ctx: ReviewContext) -> Reason:
    head = (ctx.head or "").strip().lower()
    shown = commit.strip()
    if len(head) not in FULL_SHA_LENGTHS:
        message = (
            f"the head being gated ({head}) is abbreviated, so the review's Commit `{shown}` "
            "cannot be bound to exactly one commit"
        )
        fix = "gate the full sha of the head (e.g. `--head $(git rev-parse HEAD)`)"
        return _reason(found, "ambiguous-commit", message, fix, "/commit")
    prefix = unique_prefix_length(ctx.head_unique_prefix)
    need = "" if prefix is None else f" (it needs at least {max(MIN_ABBREV, prefix)} here)"
    message = (
        f"the review's Commit `{shown}` is abbreviated and this checkout cannot prove it names "
        f"only the head{need}; write the full {len(head)}-character sha"
    )
    fix = (
        f"post a review whose `| Commit |` row is the full sha {head}: "
        f"{post_fix('review', ctx.issue)}"
    )
    return _reason(found, "ambiguous-commit", message, fix, "/commit")


def _distinct_reasons(
    found: Found, comments: Sequence[Comment], ctx: ReviewContext
) -> tuple[list[Reason], list[Reason]]:
    if not ctx.require_distinct_reviewer:
        return [], []
    holder = _holder(comments, ctx)
    reviewer = found.artifact.data.get("worker")
    if holder is None:
        note = Reason(
            code="no-holder",
            message="no worker holds the issue, so the reviewer is distinct from it",
            fix="nothing to do",
        )
        return [], [note]
    if not isinstance(reviewer, str) or _same_worker(reviewer, holder):
        who = f"the worker that holds the issue ({holder})" if reviewer else "unnamed"
        return [
            _reason(
                found,
                "reviewer-not-distinct",
                f"require_distinct_reviewer is set and the review's Worker is {who}",
                "have a different worker review the change and post the review with its own "
                f"`| Worker |` row: {post_fix('review', ctx.issue)}",
                "/worker",
            )
        ], []
    return [], []


def review_gate(comments: Sequence[Comment], ctx: ReviewContext) -> Verdict:
    """Apply the rules 1-6 of docs/gates.md to an issue's comments; pure (no I/O)."""
    kept, ignored = split_trusted(find_artifacts(comments, "review"), ctx.trusted())
    notes: list[Reason] = list(ignored_notes(ignored, "review"))
    if not kept:
        reason = Reason(
            code="no-review",
            message=f"issue #{ctx.issue} has no REVIEW by a trusted author"
            + (f" ({len(ignored)} untrusted ignored)" if ignored else ""),
            fix=f"post a review: {post_fix('review', ctx.issue)}",
        )
        return Verdict("review", ctx.issue, False, (reason,), tuple(notes))
    found = kept[-1]
    notes.append(used_note(found))
    url = found.comment.url or None
    if not found.artifact.valid:
        reasons = invalid_reasons(found, "review-invalid", post_fix("review", ctx.issue))
        return Verdict("review", ctx.issue, False, reasons, tuple(notes), url)
    reasons_list = _content_reasons(found, ctx)
    for rule in (_sensitive_reasons, _fresh_reasons):
        more, more_notes = rule(found, ctx)
        reasons_list += more
        notes += more_notes
    more, more_notes = _distinct_reasons(found, comments, ctx)
    reasons_list += more
    notes += more_notes
    if ctx.require_independent_review:
        more, more_notes = independent_review(
            found, comments, issue=ctx.issue, head=ctx.head, review_trusted=ctx.trusted(),
            worker_trusted=ctx.worker_trusted(), repo=ctx.repo, commit_checked=ctx.require_commit,
        )  # fmt: skip
        reasons_list += more
        notes += more_notes
    here = repo_here(found, ctx.repo)
    for row in found.artifact.data.get("deferred") or ():
        named = row.get("tracking_repo") if isinstance(row, dict) else None
        if other_repo(named, here):
            notes.append(
                Reason(
                    code="tracking-issue-unverified",
                    message=f"tracking issue {named}#{row.get('tracking_issue')} is in another "
                    "repository; whether it exists was not checked",
                    fix="check it by hand",
                    comment_url=url,
                )
            )
    for number in deferred_tracking_issues(found.artifact.data, here):
        if ctx.tracking_issues.get(number) is None:
            notes.append(
                Reason(
                    code="tracking-issue-unverified",
                    message=f"could not tell whether tracking issue #{number} exists",
                    fix="check it by hand, or run the check against the tracker",
                    comment_url=url,
                )
            )
    return Verdict("review", ctx.issue, not reasons_list, tuple(reasons_list), tuple(notes), url)
