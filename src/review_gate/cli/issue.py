"""``gate issue``: manage the local tracker, and read or post comments on any tracker.

The tracker is ``--tracker``, else ``REVIEW_GATE_TRACKER`` / the config file's ``tracker``,
else ``local``: unlike ``gate check``, ``gate issue`` never guesses GitHub from the origin
remote, so nothing is posted to GitHub unless asked. ``new``, ``close``, ``reopen`` and
``import`` work on the local tracker only; ``list``, ``show``, ``comment``, ``edit`` and
``export`` work on both.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from review_gate.cli import cwd_option, format_option, issue_number
from review_gate.config import load as load_config
from review_gate.errors import NotAGitRepository, Refused, UsageError
from review_gate.records import ASSOCIATIONS, Comment, Issue
from review_gate.trackers.base import Tracker
from review_gate.trackers.export import load_items, parse_comments
from review_gate.trackers.local import LocalTracker

if TYPE_CHECKING:
    from review_gate.trackers.github import GitHubTracker

F = TypeVar("F", bound=Callable[..., Any])


_format_option = format_option("Output format (json is stable).")
_cwd_option = cwd_option("The checkout whose tracker to use (default: the current directory).")


def _tracker_options(func: F) -> F:
    func = _cwd_option(func)
    func = click.option(
        "--repo", metavar="OWNER/NAME", help="GitHub repository (with --tracker github)."
    )(func)
    return click.option(
        "--tracker",
        type=click.Choice(("local", "github")),
        help="Tracker to use [default: configured tracker, else local].",
    )(func)


def open_issue_tracker(
    tracker: str | None, repo: str | None, cwd: Path, *, read_only: bool = False
) -> LocalTracker | GitHubTracker:
    """The tracker ``gate issue`` works on (see the module docstring). ``read_only``:
    the command only reads, so a local tracker that does not exist yet stays absent."""
    config = load_config(cwd, overrides={"tracker": tracker, "repo": repo})
    if (config.tracker or "local") == "local":
        return _local_tracker(cwd, github_too=True, read_only=read_only)
    from review_gate.trackers.github import GitHubTracker

    return GitHubTracker.from_config(config, cwd=cwd)


def _local_tracker(cwd: Path, *, github_too: bool = False, read_only: bool = False) -> LocalTracker:
    try:
        return LocalTracker.for_checkout(cwd, read_only=read_only)
    except NotAGitRepository as exc:
        # git's generic hint names `gate check`'s options; say what works for `gate issue`.
        other = ", or use --tracker github --repo OWNER/NAME" if github_too else ""
        raise NotAGitRepository(
            exc.message,
            hint="the local tracker lives in the repository's .git: run inside a git "
            f"checkout (or pass -C DIR){other}",
        ) from None


def _local(cwd: Path, command: str, tracker: str | None = None) -> LocalTracker:
    if tracker == "github":
        raise UsageError(f"`gate issue {command}` works on the local tracker only")
    return _local_tracker(cwd)


def _association(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--association``: any case in, GitHub's upper-case value out."""
    if value is None:
        return None
    upper = value.strip().upper()
    if upper not in ASSOCIATIONS:
        raise click.BadParameter(f"{value!r} is not one of {', '.join(ASSOCIATIONS)}")
    return upper


def read_body(source: str) -> str:
    """The text of ``--body-file`` (``-`` for stdin), as UTF-8."""
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{source}: is a directory") from None
    except OSError as exc:
        raise UsageError(f"{source}: cannot read: {exc.strerror}") from None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        where = "standard input" if source == "-" else source
        raise UsageError(f"{where}: not UTF-8 text") from None


def issue_json(issue: Issue) -> dict[str, Any]:
    return {
        "number": issue.number,
        "title": issue.title,
        "body": issue.body,
        "state": issue.state,
        "labels": list(issue.labels),
        "url": issue.url,
    }


def _emit(fmt: str, data: Any, text: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(text)


def _issue_line(issue: Issue) -> str:
    labels = f"  [{', '.join(issue.labels)}]" if issue.labels else ""
    return f"#{issue.number}  {issue.state:<6}  {issue.title}{labels}"


def _comment_text(comment: Comment) -> str:
    edited = f", edited {comment.updated_at}" if comment.updated_at != comment.created_at else ""
    head = (
        f"--- comment {comment.id} by {comment.author} ({comment.association}) "
        f"at {comment.created_at}{edited} ---"
    )
    return f"{head}\n{comment.body.rstrip()}"


def _note_tracker_mismatch(
    tracker: Tracker,
    cwd: Path,
    done: str = "posted to the local tracker",
    fix: str = "pass --tracker github to post there",
) -> None:
    """Warn when a local write will not be seen by `gate check`, which reads GitHub here."""
    if tracker.name != "local":
        return
    try:
        from review_gate.target.tracker import auto_tracker

        config = load_config(cwd)
        reads = config.tracker or auto_tracker(cwd)
    except Exception:  # a note must never break the post that already happened
        return
    if reads == "github":
        click.echo(f"gate: note: {done}, but `gate check` here reads GitHub; {fix}", err=True)


@click.group(short_help="Issues and comments: local tracker, or GitHub.")
def issue() -> None:
    """Issues and comments: the local tracker, or GitHub with --tracker github."""


@issue.command("new")
@click.option("--title", required=True, help="Issue title.")
@click.option("--body-file", metavar="FILE|-", help="Issue body from a file (- for stdin).")
@click.option("--label", "labels", multiple=True, metavar="LABEL", help="Repeatable.")
@click.option("--number", callback=issue_number, metavar="N", help="Issue number [default: next].")
@_cwd_option
@_format_option
def new(
    title: str,
    body_file: str | None,
    labels: Sequence[str],
    number: int | None,
    cwd: Path,
    fmt: str,
) -> int:
    """Create an issue in the local tracker."""
    tracker = _local(cwd, "new")
    body = read_body(body_file) if body_file else ""
    created = tracker.create_issue(title, body, labels, number=number)
    _emit(fmt, issue_json(created), f"created issue #{created.number}: {created.title}")
    _note_tracker_mismatch(
        tracker,
        cwd,
        f"created issue #{created.number} in the local tracker",
        "open GitHub issues on GitHub (e.g. `gh issue create`)",
    )
    return 0


@issue.command("list")
@click.option(
    "--state",
    type=click.Choice(("open", "closed", "all")),
    default="open",
    show_default=True,
    help="Which issues to list.",
)
@click.option(
    "--label", "labels", multiple=True, metavar="LABEL", help="Repeatable (all must match)."
)
@_tracker_options
@_format_option
def list_(
    state: str,
    labels: Sequence[str],
    cwd: Path,
    tracker: str | None,
    repo: str | None,
    fmt: str,
) -> int:
    """List issues."""
    source = open_issue_tracker(tracker, repo, cwd, read_only=True)
    found = source.list_issues(labels=labels, state=state)
    text = "\n".join(_issue_line(i) for i in found) if found else f"no {state} issues"
    _emit(fmt, [issue_json(i) for i in found], text)
    return 0


@issue.command("show")
@click.argument("number", callback=issue_number, metavar="N")
@_tracker_options
@_format_option
def show(number: int, cwd: Path, tracker: str | None, repo: str | None, fmt: str) -> int:
    """Show issue N and every comment body."""
    source = open_issue_tracker(tracker, repo, cwd, read_only=True)
    found = source.get_issue(number)
    comments = source.list_comments(number)
    parts = [_issue_line(found)]
    data: dict[str, Any] = {
        "issue": issue_json(found),
        "comments": [c.to_github() for c in comments],
    }
    if isinstance(source, LocalTracker):  # its board column (docs/dispatch.md, "Board status")
        from review_gate.trackers.local_board import LocalBoard

        column = LocalBoard(source).status(number)
        data["issue"]["board_status"] = column
        parts[0] += f"  (board: {column})" if column else ""
    if found.body.strip():
        parts.append(found.body.rstrip())
    parts += [_comment_text(c) for c in comments] or ["(no comments)"]
    _emit(fmt, data, "\n\n".join(parts))
    return 0


@issue.command("comment")
@click.argument("number", callback=issue_number, metavar="N")
@click.option("--body-file", required=True, metavar="FILE|-", help="Comment body (- for stdin).")
@click.option("--author", metavar="LOGIN", help="Local only [default: $REVIEW_GATE_AUTHOR, $USER].")
@click.option(
    "--association",
    metavar="ASSOCIATION",
    callback=_association,
    help="Local only: author_association, one of " + ", ".join(ASSOCIATIONS) + " [default: OWNER].",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse (exit 1, nothing posted) a body holding an invalid artifact.",
)
@_tracker_options
@_format_option
def comment(
    number: int,
    body_file: str,
    author: str | None,
    association: str | None,
    strict: bool,
    cwd: Path,
    tracker: str | None,
    repo: str | None,
    fmt: str,
) -> int:
    """Post a comment (e.g. a REVIEW artifact) on issue N.

    A body whose artifact is invalid is posted with a warning on stderr (exit 0): the
    latest review wins, so an unfilled draft fails a gate that was passing. With
    --strict it is refused instead (exit 1) and nothing is posted.
    """
    body = read_body(body_file)
    problems = _invalid_artifacts(body)
    if problems and strict:
        raise Refused(
            f"not posted: {problems[0]}",
            hint="fix the artifact (`gate validate FILE` lists every error), or post without "
            "--strict",
        )
    target = open_issue_tracker(tracker, repo, cwd)
    if isinstance(target, LocalTracker):
        posted = target.post_comment(
            number, body, author=author, association=association or "OWNER"
        )
    else:
        if author or association:
            raise UsageError(
                "--author and --association apply to the local tracker only: "
                "GitHub records the token's user"
            )
        if not body.strip():
            raise UsageError("the comment body is empty")
        posted = target.post_comment(number, body)
    _emit(fmt, posted.to_github(), f"posted comment {posted.id} on issue #{number}: {posted.url}")
    for problem in problems:
        click.echo(f"gate: warning: {problem}", err=True)
    if problems:
        click.echo(
            "gate: warning: the latest artifact of each kind wins, so this comment makes a gate "
            f"that was passing fail; fix it and post again (`gate validate FILE`), or edit it "
            f"with `gate issue edit {posted.id}`",
            err=True,
        )
    _note_tracker_mismatch(target, cwd)
    return 0


def _invalid_artifacts(body: str) -> list[str]:
    """One line per invalid artifact in ``body``: its kind, where, and its first error."""
    from review_gate.artifacts.extract import extract

    lines = []
    for art in extract(body):
        if art.errors:
            first = art.errors[0]
            more = f" (and {len(art.errors) - 1} more)" if len(art.errors) > 1 else ""
            lines.append(
                f"the {art.kind.upper()} artifact at line {art.line} is invalid: line "
                f"{first.line}: {first.message}{more}"
            )
    return lines


@issue.command("edit", short_help="Replace the body of comment COMMENT_ID.")
@click.argument("comment_id", type=click.IntRange(min=1), metavar="COMMENT_ID")
@click.option("--body-file", required=True, metavar="FILE|-", help="New body (- for stdin).")
@_tracker_options
@_format_option
def edit(
    comment_id: int, body_file: str, cwd: Path, tracker: str | None, repo: str | None, fmt: str
) -> int:
    """Replace the body of a comment (its updated_at moves; ids: `gate issue show N`)."""
    body = read_body(body_file)
    if not body.strip():
        raise UsageError("the comment body is empty")
    edited = open_issue_tracker(tracker, repo, cwd).edit_comment(comment_id, body)
    _emit(fmt, edited.to_github(), f"edited comment {edited.id}: {edited.url}")
    return 0


def _set_state(number: int, state: str, cwd: Path, fmt: str) -> int:
    changed = _local(cwd, "close" if state == "closed" else "reopen").set_state(number, state)
    _emit(fmt, issue_json(changed), f"issue #{number} is {state}")
    return 0


@issue.command("close")
@click.argument("number", callback=issue_number, metavar="N")
@_cwd_option
@_format_option
def close(number: int, cwd: Path, fmt: str) -> int:
    """Close local issue N."""
    return _set_state(number, "closed", cwd, fmt)


@issue.command("reopen")
@click.argument("number", callback=issue_number, metavar="N")
@_cwd_option
@_format_option
def reopen(number: int, cwd: Path, fmt: str) -> int:
    """Reopen local issue N."""
    return _set_state(number, "open", cwd, fmt)


@issue.command("import", short_help="Import a GitHub comments export as issue N.")
@click.option(
    "--issue",
    "number",
    callback=issue_number,
    metavar="N",
    required=True,
    help="Local issue to import into (created if needed).",
)
@click.argument("file", metavar="FILE|-")
@_cwd_option
@_format_option
def import_(number: int, file: str, cwd: Path, fmt: str) -> int:
    """Import a GitHub comments export (GET .../issues/N/comments, pages joined) as issue N."""
    text = read_body(file)
    try:
        items = load_items(text)
        parse_comments(items)
    except ValueError as exc:
        raise UsageError(f"{file}: {exc}") from None
    added = _local(cwd, "import").import_comments(number, items)
    summary = {"issue": number, "comments": len(items), "added": added}
    _emit(fmt, summary, f"imported {len(items)} comments into issue #{number} ({added} new)")
    return 0


@issue.command("export", short_help="Print issue N's comments as GitHub JSON.")
@click.argument("number", callback=issue_number, metavar="N")
@_tracker_options
def export(number: int, cwd: Path, tracker: str | None, repo: str | None) -> int:
    """Print issue N's comments as GitHub's list-comments JSON (for `gate check --comments`)."""
    items = open_issue_tracker(tracker, repo, cwd, read_only=True).export_comments(number)
    click.echo(json.dumps(items, indent=2, ensure_ascii=False))
    return 0
