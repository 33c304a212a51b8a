"""What every gate needs: who is trusted, and which artifact of an issue is the latest.

Pure functions over :class:`~review_gate.trackers.base.Comment` records (no I/O), so
the Stop hook and the dispatcher can reuse them on comments they already fetched.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from review_gate.artifacts.model import Artifact
from review_gate.gates.verdict import Reason
from review_gate.records import TRUSTED_ASSOCIATIONS, Comment

TrustPolicy = Callable[[Comment], bool]

_EPOCH = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)


def trust_policy(
    associations: Iterable[str] = TRUSTED_ASSOCIATIONS, logins: Iterable[str] = ()
) -> TrustPolicy:
    """A predicate: the comment's author_association is trusted, or its login is listed.

    Logins compare case-insensitively, as GitHub's do.
    """
    trusted_associations = frozenset(a.upper() for a in associations)
    trusted_logins = frozenset(login.lower().lstrip("@") for login in logins)

    def trusted(comment: Comment) -> bool:
        return (
            comment.association.upper() in trusted_associations
            or comment.author.lower() in trusted_logins
        )

    return trusted


def _timestamp(value: str) -> datetime.datetime:
    # Python 3.10's fromisoformat does not take "Z"; an unparseable time sorts first,
    # so it can never displace a well-formed later artifact.
    try:
        parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return _EPOCH
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


def comment_order(comment: Comment) -> tuple[datetime.datetime, int]:
    """Sort key of DESIGN.md rule 2: created_at, then comment id."""
    return (_timestamp(comment.created_at), comment.id)


class Found(NamedTuple):
    """One artifact block with the comment that holds it."""

    comment: Comment
    artifact: Artifact


@functools.lru_cache(maxsize=2048)
def _extract(body: str) -> tuple[Artifact, ...]:
    # Imported on first use: markdown-it and jsonschema are heavy for the hook fast path.
    # Cached: one `gate check` runs several gates (and a pre-pass) over the same bodies.
    from review_gate.artifacts.extract import extract

    return tuple(extract(body))


def find_artifacts(comments: Sequence[Comment], kind: str) -> list[Found]:
    """Every ``kind`` block of every comment, in gate order (oldest comment first,
    document order inside a comment, so the last element is the latest)."""
    found: list[Found] = []
    tag = f"{kind.lower()}:"
    for comment in sorted(comments, key=comment_order):
        # Most comments are chatter: skip parsing those that cannot hold a marker of kind.
        if tag not in comment.body.lower():
            continue
        found.extend(Found(comment, a) for a in _extract(comment.body) if a.kind == kind)
    return found


def split_trusted(
    found: Sequence[Found], trusted: TrustPolicy | None
) -> tuple[list[Found], list[Found]]:
    """``(trusted, ignored)``; ``trusted=None`` trusts every author."""
    if trusted is None:
        return list(found), []
    kept = [f for f in found if trusted(f.comment)]
    ignored = [f for f in found if not trusted(f.comment)]
    return kept, ignored


def latest_artifact(
    comments: Sequence[Comment], kind: str, *, trusted: TrustPolicy | None = None
) -> tuple[Comment, Artifact] | None:
    """The latest ``kind`` artifact by a trusted author (by created_at, then id; the
    last block wins inside a comment), valid or not; None when there is none."""
    kept, _ = split_trusted(find_artifacts(comments, kind), trusted)
    if not kept:
        return None
    return kept[-1].comment, kept[-1].artifact


def ignored_notes(ignored: Sequence[Found], kind: str) -> tuple[Reason, ...]:
    """One note per artifact skipped because its author is not trusted."""
    return tuple(
        Reason(
            code="ignored-untrusted",
            message=(
                f"ignored the {kind.upper()} posted by @{f.comment.author} "
                f"(author_association {f.comment.association}): not a trusted author"
            ),
            fix=(
                "have a repository owner, member or collaborator post it, or add the login "
                "to trusted_logins in .review-gate.toml"
            ),
            comment_url=f.comment.url or None,
            line=f.artifact.line,
        )
        for f in ignored
    )


def used_note(found: Found) -> Reason:
    """A note naming the artifact a verdict rests on."""
    kind = found.artifact.kind.upper()
    return Reason(
        code="used",
        message=(
            f"used the {kind} posted by @{found.comment.author} at {found.comment.created_at} "
            f"(comment {found.comment.id}, line {found.artifact.line})"
        ),
        fix="nothing to do",
        comment_url=found.comment.url or None,
        line=found.artifact.line,
    )


def invalid_reasons(found: Found, code: str, repost: str) -> tuple[Reason, ...]:
    """One reason per validation error of an artifact, each with its line and pointer."""
    return tuple(
        Reason(
            code=code,
            message=f"the latest {found.artifact.kind.upper()} is invalid: {err.message}",
            fix=f"{err.hint}; then repost it: {repost}" if err.hint else f"repost it: {repost}",
            comment_url=found.comment.url or None,
            line=err.line,
            pointer=err.pointer or None,
        )
        for err in found.artifact.errors
    )


def post_fix(kind: str, issue: int) -> str:
    """The commands that write and post a fresh ``kind`` artifact for ``issue``."""
    return (
        f"`gate new {kind} --issue {issue} > {kind}.md`, edit it, then "
        f"`gate issue comment {issue} --body-file {kind}.md`"
    )
