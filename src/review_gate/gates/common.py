"""What every gate needs: who is trusted, which artifact of an issue is the latest, and
whether an artifact is about the issue being checked.

Pure functions over :class:`~review_gate.records.Comment` records (no I/O), so the Stop
hook and the dispatcher can reuse them on comments they already fetched.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from review_gate.artifacts.model import Artifact
from review_gate.gates.verdict import Reason
from review_gate.records import TRUSTED_ASSOCIATIONS, Authors, Comment

# A predicate over comments; :class:`~review_gate.records.Authors` is one.
TrustPolicy = Callable[[Comment], bool]

_EPOCH = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)


def trust_policy(
    associations: Iterable[str] = TRUSTED_ASSOCIATIONS, logins: Iterable[str] = ()
) -> Authors:
    """A predicate: the comment's author_association is trusted, or its login is listed.

    Logins compare case-insensitively, as GitHub's do. (For one list per artifact kind,
    see :class:`~review_gate.records.Trust`.)
    """
    return Authors.of(associations, logins)


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
    """Sort key of the review gate's rule 2 (docs/gates.md): created_at, then comment id."""
    return (_timestamp(comment.created_at), comment.id)


class Found(NamedTuple):
    """One artifact block with the comment that holds it."""

    comment: Comment
    artifact: Artifact


class ParseCacheInfo(NamedTuple):
    """How the process's parse cache was used: comment versions parsed (misses),
    answered without parsing (hits), and versions held."""

    hits: int
    misses: int
    size: int


# The artifacts of every comment version this process has parsed, by comment id:
# (updated_at, body, artifacts). A hit needs the same id, updated_at and body (the body's
# hash finds it, then the strings are compared, so no other body's artifacts can come
# back); an edited comment replaces its older version. One entry per comment id, so a
# pass over 10,000 comments never evicts what the next pass needs (the bounded cache
# that was here parsed every REVIEW twice above ~2,000 comments). Nothing here is kept
# between processes; the local tracker hands in the parses it stores beside its comments
# (remember_parsed; review_gate/trackers/local_parsed.py says why that file can forge
# nothing its comments could not), never the GitHub tracker.
_PARSED: dict[int, tuple[str, str, tuple[Artifact, ...]]] = {}
_COUNTS = {"hits": 0, "misses": 0}


def parsed_artifacts(comment: Comment) -> tuple[Artifact, ...]:
    """Every artifact of ``comment``'s body, parsed once per process per version."""
    entry = _PARSED.get(comment.id)
    if entry is not None and entry[0] == comment.updated_at and entry[1] == comment.body:
        _COUNTS["hits"] += 1
        return entry[2]
    # Imported on first use: markdown-it and jsonschema are heavy for the hook fast path.
    from review_gate.artifacts.extract import extract

    artifacts = tuple(extract(comment.body))
    _COUNTS["misses"] += 1
    _PARSED[comment.id] = (comment.updated_at, comment.body, artifacts)
    return artifacts


def remember_parsed(comment: Comment, artifacts: tuple[Artifact, ...]) -> None:
    """Take ``artifacts`` as the parse of ``comment`` (this version of it) without parsing:
    the local tracker's stored parse of the comment it just read. Neither a hit nor a miss;
    a version already held is kept."""
    entry = _PARSED.get(comment.id)
    if entry is None or entry[0] != comment.updated_at or entry[1] != comment.body:
        _PARSED[comment.id] = (comment.updated_at, comment.body, artifacts)


def parse_cache_info() -> ParseCacheInfo:
    """Hits, misses and size of the parse cache (for tests and benchmarks)."""
    return ParseCacheInfo(_COUNTS["hits"], _COUNTS["misses"], len(_PARSED))


def parse_cache_clear() -> None:
    """Forget every parse (and the counts)."""
    _PARSED.clear()
    _COUNTS.update(hits=0, misses=0)


def find_artifacts(comments: Sequence[Comment], kind: str) -> list[Found]:
    """Every ``kind`` block of every comment, in gate order (oldest comment first,
    document order inside a comment, so the last element is the latest)."""
    found: list[Found] = []
    # No text prefilter here: a marker look-alike (full-width, invisible characters) must
    # reach extraction to become an error; extract itself skips marker-free chatter cheaply.
    for comment in sorted(comments, key=comment_order):
        found.extend(Found(comment, a) for a in parsed_artifacts(comment) if a.kind == kind)
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
                f"have an author trusted for {kind.upper()} records post it, or add the login "
                f"to `[trust] {kind.lower()}` in .review-gate.toml"
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


# -- which issue an artifact is about ----------------------------------------------------------

# The repository and issue of a comment, from its html_url (GitHub, GitHub Enterprise, the
# stand-in: ``https://host/o/r/issues/7#issuecomment-1``; PR conversations are ``/pull/7``)
# or the local tracker's ``local:issues/7#issuecomment-1``.
_COMMENT_URL = re.compile(
    r"(?:https?://[^/\s]+/([^/\s]+/[^/\s]+)/(?:issues|pull)|local:issues)/([0-9]{1,18})"
    r"(?:[#?/]\S*)?"
)


def comment_repo(comment: Comment) -> str | None:
    """``owner/name`` (lower-case) of the repository holding ``comment``, when its URL
    says; None for the local tracker and for comments without a URL."""
    match = _COMMENT_URL.fullmatch(comment.url or "")
    return match.group(1).lower() if match and match.group(1) else None


def comment_issue(comment: Comment) -> int | None:
    """The issue (or pull request) number ``comment`` is on, when its URL says."""
    match = _COMMENT_URL.fullmatch(comment.url or "")
    return int(match.group(2)) if match else None


def same_issue(value: object, issue: int) -> bool:
    """True only for the integer ``issue`` itself: ``7.0``, ``True`` (== 1) and ``"7"``
    compare equal to a number in Python, never here."""
    return type(value) is int and value == issue


def other_repo(named: object, here: str | None) -> bool:
    """True when ``named`` (an ``owner/name`` a reference carried) is not the repository
    ``here``; a named repository with ``here`` unknown counts as other."""
    if named is None:
        return False
    if not isinstance(named, str) or not here:
        return True
    return named.strip().lower() != here.strip().lower()


def repo_here(found: Found, repo: str | None) -> str | None:
    """The repository being checked: ``repo`` when the caller knows it, else the one the
    comment's URL names (None for the local tracker)."""
    return repo.strip().lower() if repo else comment_repo(found.comment)


def issue_mismatch(
    found: Found, issue: int, repo: str | None = None, *, required: bool = True
) -> str | None:
    """None when ``found`` counts for issue ``issue`` of repository ``repo``; else what
    it names instead (``other/repo#7``, ``issue #8``, ``issue 8.0``), for a reason.

    The one rule every gate applies:

    - ``data["issue"]`` must be the integer ``issue`` (see :func:`same_issue`); a missing
      one counts only when not ``required`` (a WORKER record may omit it);
    - ``data["issue_repo"]``, when the artifact names a repository (``owner/other#7``, an
      issue URL), must be the repository being checked: ``repo``, else the one the
      comment's URL names; a repository named where neither is known counts as other;
    - the comment itself must be on that issue of that repository, where its URL says.
    """
    data: Mapping[str, Any] = found.artifact.data
    on_repo, on_issue = comment_repo(found.comment), comment_issue(found.comment)
    here = repo_here(found, repo)
    if on_repo is not None and here is not None and on_repo != here:
        return f"a comment on {on_repo}#{on_issue}"
    if on_issue is not None and on_issue != issue:
        return f"a comment on issue #{on_issue}"
    value = data.get("issue")
    named = data.get("issue_repo")
    if other_repo(named, here):
        return f"{named}#{value}"
    if value is None:
        return "no issue" if required else None
    if not same_issue(value, issue):
        return f"issue #{value}" if type(value) is int else f"issue {value!r}"
    return None
