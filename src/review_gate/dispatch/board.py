"""Board status: the dispatcher moves each issue's item across a board's columns.

With the GitHub tracker and ``dispatch_project = "owner/number"`` the board is that
Projects v2 board (:mod:`review_gate.trackers.project_board`); the local tracker always
keeps its own column per issue (:mod:`review_gate.trackers.local_board`, shown by
``gate issue show``). Without either there is no board and nothing here does anything.

The columns are configured as five names, ``dispatch_statuses`` (default Todo, In
Progress, In Review, Blocked, Done), addressed here by key (:data:`TODO`, ...). The moves
(docs/dispatch.md, "Board status"): In Progress on spawn, In Review when the worker
completes (its pull request named when one is open for its branch), Blocked on a Blocked
report, back to Todo on any other release (failed, handover, stopped, superseded).

A board is bookkeeping, never the state: :func:`move` never raises. A failure is one
warning line on stderr and a ``board-failed`` event in the audit log; the worker, its
claim and its release stand. :func:`queue` and :func:`busy` read the board for the
``run`` loop and do raise, since a loop that cannot read its queue must not guess it.
"""

from __future__ import annotations

import contextlib
import sys
import weakref
from typing import Any

from review_gate.dispatch import audit
from review_gate.dispatch.context import Context
from review_gate.errors import ConfigError, GateError, UsageError
from review_gate.trackers.project_board import Board

TODO, IN_PROGRESS, IN_REVIEW, BLOCKED, DONE = "todo", "in_progress", "in_review", "blocked", "done"
KEYS = (TODO, IN_PROGRESS, IN_REVIEW, BLOCKED, DONE)  # the order of dispatch_statuses
# The column a release moves the item to, by release reason; absent reasons: TODO.
_AFTER_RELEASE = {"completed": IN_REVIEW, "blocked": BLOCKED}

# One board per tracker object and project: a GitHub board looks its project up once.
_BOARDS: weakref.WeakKeyDictionary[Any, tuple[str | None, Board]] = weakref.WeakKeyDictionary()

__all__ = [
    "BLOCKED",
    "DONE",
    "IN_PROGRESS",
    "IN_REVIEW",
    "KEYS",
    "TODO",
    "busy",
    "column",
    "enabled",
    "move",
    "open_board",
    "pull_request",
    "queue",
    "released",
]


def open_board(ctx: Context) -> Board | None:
    """The board of ``ctx``'s tracker; None when it has none (see the module docstring)."""
    tracker = ctx.tracker
    project = ctx.config.dispatch_project
    try:
        cached = _BOARDS.get(tracker)
    except TypeError:  # a tracker that cannot be weakly referenced: no cache
        cached = None
    if cached is not None and cached[0] == project:
        return cached[1]
    board: Board | None = None
    if tracker.name == "local":
        from review_gate.trackers.local import LocalTracker
        from review_gate.trackers.local_board import LocalBoard

        if isinstance(tracker, LocalTracker):
            board = LocalBoard(tracker)
    elif tracker.name == "github" and project:
        from review_gate.trackers.github import GitHubTracker
        from review_gate.trackers.project_board import GitHubProjectBoard

        if isinstance(tracker, GitHubTracker):
            board = GitHubProjectBoard(tracker, project)
    if board is not None:
        with contextlib.suppress(TypeError):  # not weakly referenceable: no cache
            _BOARDS[tracker] = (project, board)
    return board


def enabled(ctx: Context) -> bool:
    """Whether ``ctx`` has a board (``--from-status`` needs one)."""
    return open_board(ctx) is not None


def column(ctx: Context, status: str) -> str:
    """The column name of ``status``: a key (``in_progress``) or a column name in any
    case (``"in progress"``); UsageError for anything else."""
    names = dict(zip(KEYS, ctx.config.dispatch_statuses, strict=True))
    if status in names:
        return names[status]
    wanted = " ".join(status.split()).casefold()
    for name in names.values():
        if name.casefold() == wanted:
            return name
    raise UsageError(
        f"no board column {status!r}",
        hint="the columns are "
        + ", ".join(repr(n) for n in names.values())
        + " (dispatch_statuses)",
    )


def _warn(ctx: Context, issue: int, name: str, why: str, **extra: Any) -> None:
    line = f"board: could not move #{issue} to {name}: {' '.join(why.split())}"
    print(f"review-gate: warning: {line}", file=sys.stderr)
    audit.record(ctx.state, "board-failed", issue=issue, message=line, status=name, **extra)


def move(ctx: Context, issue: int, status: str, reason: str, **extra: Any) -> bool:
    """Put ``issue``'s item in column ``status`` (a key or a column name), recording why
    in the audit log (``board-moved``). Never raises: a failure is a warning line and a
    ``board-failed`` event, and False. False too when there is no board. ``extra``
    (``worker_id=``, ``orchestration=``) goes into the audit event."""
    try:
        name = column(ctx, status)
    except GateError as exc:
        _warn(ctx, issue, status, str(exc), **extra)
        return False
    try:
        board = open_board(ctx)
        if board is None:
            return False
        before = board.set_status(issue, name)
    except GateError as exc:
        _warn(ctx, issue, name, str(exc), **extra)
        return False
    except Exception as exc:  # a board must never cost a worker
        _warn(ctx, issue, name, f"{type(exc).__name__}: {exc}", **extra)
        return False
    audit.record(
        ctx.state, "board-moved", issue=issue, message=reason, status=name, previous=before,
        board=board.name, **extra,
    )  # fmt: skip
    return True


def pull_request(ctx: Context, branch: str | None) -> int | None:
    """The number of an open pull request whose head is ``branch`` in ``ctx``'s
    repository; None when there is none, the tracker has no pull requests (local), or
    GitHub cannot say (a failure here only costs the PR's mention)."""
    from review_gate.trackers.github import GitHubTracker

    tracker = ctx.tracker
    if not branch or not isinstance(tracker, GitHubTracker):
        return None
    owner = tracker.repo.split("/", 1)[0]
    url = f"{tracker.requester.base_url}/repos/{tracker.repo}/pulls"
    params = {"head": f"{owner}:{branch}", "state": "open", "per_page": 1}
    try:
        with tracker.translate_errors(f"the pull requests of {branch}"):
            _, pulls = tracker.requester.requestJsonAndCheck("GET", url, parameters=params)
    except GateError:
        return None
    for pull in pulls if isinstance(pulls, list) else ():
        number = pull.get("number") if isinstance(pull, dict) else None
        if isinstance(number, int) and not isinstance(number, bool):
            return number
    return None


def released(
    ctx: Context, issue: int, worker_id: str, reason: str, branch: str | None = None
) -> bool:
    """Move the item after ``worker_id``'s claim was released with ``reason``: In Review
    on completion (naming the open pull request of ``branch`` when there is one),
    Blocked on a Blocked report, Todo otherwise. Never raises (see :func:`move`)."""
    if not enabled(ctx):
        return False
    status = _AFTER_RELEASE.get(reason, TODO)
    why = f"{worker_id} released ({reason})"
    extra: dict[str, Any] = {"worker_id": worker_id}
    if status == IN_REVIEW:
        number = pull_request(ctx, branch)
        if number is not None:
            why += f"; pull request #{number} is open for {branch}"
            extra["pull_request"] = number
    return move(ctx, issue, status, why, **extra)


def _board(ctx: Context) -> Board:
    board = open_board(ctx)
    if board is None:
        raise ConfigError(
            "there is no board to read: the GitHub tracker needs dispatch_project",
            hint='set dispatch_project = "OWNER/NUMBER" (a Projects v2 board), or use the '
            "local tracker, whose issues keep their own column",
        )
    return board


def queue(ctx: Context, status: str) -> list[int]:
    """Open issues of this repository whose item is in column ``status`` (a key or a
    column name), by number: ``gate dispatch run --from-status Todo``. Raises
    ConfigError without a board, UsageError for an unknown column, and the tracker's
    errors when the board cannot be read."""
    return _board(ctx).issues_in(column(ctx, status))


def busy(ctx: Context) -> int:
    """Items in the In Progress column: the fleet's busy slots as the board counts them,
    so orchestrators sharing one board share one fleet width. Raises like :func:`queue`."""
    return _board(ctx).count(column(ctx, IN_PROGRESS))
