"""The review gate (DESIGN.md "Gates", rules 1-6): a pure function of comments + context."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from review_gate.gates.common import (
    Found,
    TrustPolicy,
    find_artifacts,
    ignored_notes,
    invalid_reasons,
    latest_artifact,
    post_fix,
    split_trusted,
    trust_policy,
    used_note,
)
from review_gate.gates.verdict import Reason, Verdict
from review_gate.records import DEFAULT_SENSITIVE_PATTERNS, TRUSTED_ASSOCIATIONS, Comment

__all__ = [
    "ReviewContext",
    "deferred_tracking_issues",
    "latest_artifact",
    "matches_sensitive",
    "review_gate",
]

_HEX = re.compile(r"[0-9a-f]{7,64}")  # sha-1 or sha-256 object names
# The repository of a comment, from its html_url (GitHub, GitHub Enterprise, the stand-in).
_COMMENT_REPO = re.compile(r"https?://[^/\s]+/([^/\s]+/[^/\s]+)/(?:issues|pull)/[0-9]+")


def comment_repo(comment: Comment) -> str | None:
    """``owner/name`` (lower-case) of the repository holding ``comment``, when its URL
    says; None for the local tracker and for comments without a URL."""
    match = _COMMENT_REPO.match(comment.url or "")
    return match.group(1).lower() if match else None


def _other_repo(named: object, here: str | None) -> bool:
    """True when a reference names a repository (``owner/name#7`` or a URL) that is not
    the one ``here``; a named repository with ``here`` unknown counts as other."""
    return isinstance(named, str) and named.lower() != here


class ReviewContext(NamedTuple):
    """Everything the review gate needs besides the comments (all plain data)."""

    issue: int
    head: str | None = None  # the commit being gated; None: unknown
    changed_files: Sequence[str] | None = None  # None: unknown (rule 5 skipped, with a note)
    changed_files_unknown_why: str = "the files changed on the branch are unknown"
    trusted_associations: Sequence[str] = TRUSTED_ASSOCIATIONS
    trusted_logins: Sequence[str] = ()
    sensitive_patterns: Sequence[str] = DEFAULT_SENSITIVE_PATTERNS
    require_commit: bool = False
    require_distinct_reviewer: bool = False
    # Tracking issue -> exists? (True/False where the tracker can tell, None: cannot tell).
    # Numbers missing from the mapping are treated as "cannot tell".
    tracking_issues: Mapping[int, bool | None] = {}

    def trusted(self) -> TrustPolicy:
        return trust_policy(self.trusted_associations, self.trusted_logins)


@functools.lru_cache(maxsize=256)
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Translate a path glob: ``**/`` is any number of directories (zero included), a
    trailing ``/**`` everything below, ``*`` and ``?`` stay inside one path component."""
    pattern = pattern.strip().lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape("["))
                i += 1
            else:
                out.append(fnmatch.translate(pattern[i : end + 1])[4:-3])
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def matches_sensitive(path: str, patterns: Sequence[str]) -> str | None:
    """The first pattern ``path`` matches, else None.

    A pattern without ``/`` (``*token*``) matches any component of the path, so it
    catches directories and basenames alike; a pattern with ``/`` matches the whole
    path from the repository root (``**/auth/**`` matches ``auth/x.py`` and
    ``src/auth/x.py``). Matching ignores case: ``AuthToken.py`` is as sensitive as
    ``auth_token.py``.
    """
    path = path.replace("\\", "/").lstrip("/")
    parts = [p for p in path.split("/") if p]
    for pattern in patterns:
        regex = _pattern_regex(pattern)
        if "/" in pattern.strip().rstrip("/") or pattern.strip().endswith("/"):
            if regex.fullmatch(path):
                return pattern
        elif any(regex.fullmatch(part) for part in parts):
            return pattern
    return None


def deferred_tracking_issues(data: Mapping[str, Any], repo: str | None = None) -> list[int]:
    """The tracking issue numbers a REVIEW's deferred findings cite (in order, unique);
    with ``repo`` (``owner/name``), only those in that repository."""
    seen: list[int] = []
    for row in data.get("deferred") or ():
        number = row.get("tracking_issue") if isinstance(row, dict) else None
        if repo is not None and _other_repo(row.get("tracking_repo"), repo.lower()):
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


def _commit_matches(commit: str, head: str) -> bool:
    commit, head = commit.strip().lower(), head.strip().lower()
    if not (_HEX.fullmatch(commit) and _HEX.fullmatch(head)):
        return False
    return head.startswith(commit) or commit.startswith(head)


def _holder(comments: Sequence[Comment], trusted: TrustPolicy) -> str | None:
    """The worker holding the issue: the latest trusted WORKER record, when it is an
    active assignment."""
    latest = latest_artifact(comments, "worker", trusted=trusted)
    if latest is None or not latest[1].valid:
        return None
    data = latest[1].data
    worker = data.get("worker_id")
    return worker if data.get("assigned") is True and isinstance(worker, str) else None


def _content_reasons(found: Found, ctx: ReviewContext) -> list[Reason]:
    """Rules 3 and 4: right issue, COMPLETE, nothing unaddressed, deferred findings tracked."""
    data, issue = found.artifact.data, ctx.issue
    repost = post_fix("review", issue)
    reasons: list[Reason] = []
    here = comment_repo(found.comment)
    if data.get("issue") != issue or _other_repo(data.get("issue_repo"), here):
        named = f"{data['issue_repo']}#" if data.get("issue_repo") else "issue #"
        where = f" of {here}" if here else ""
        reasons.append(
            _reason(
                found,
                "wrong-issue",
                f"the latest review is for {named}{data.get('issue')}, not #{issue}{where}",
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
        elif _other_repo(row.get("tracking_repo"), here):
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
        f"review the current head{f' ({ctx.head[:12]})' if ctx.head else ''} and post a review "
        f"whose `| Commit |` row names it: {post_fix('review', ctx.issue)}"
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
    if not _commit_matches(commit, ctx.head):
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


def _distinct_reasons(
    found: Found, comments: Sequence[Comment], ctx: ReviewContext
) -> tuple[list[Reason], list[Reason]]:
    if not ctx.require_distinct_reviewer:
        return [], []
    holder = _holder(comments, ctx.trusted())
    reviewer = found.artifact.data.get("worker")
    if holder is None:
        note = Reason(
            code="no-holder",
            message="no worker holds the issue, so the reviewer is distinct from it",
            fix="nothing to do",
        )
        return [], [note]
    if not isinstance(reviewer, str) or reviewer == holder:
        who = f"the worker holding the issue ({holder})" if reviewer else "unnamed"
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
    """Apply DESIGN.md rules 1-6 to an issue's comments; pure (no I/O)."""
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
    here = comment_repo(found.comment)
    for row in found.artifact.data.get("deferred") or ():
        named = row.get("tracking_repo")
        if _other_repo(named, here):
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
