"""``gate dispatch run``'s queue: which issues, and (before anything is claimed) that they
exist and their phases are sound."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from review_gate.dispatch import phases
from review_gate.dispatch.context import Context
from review_gate.dispatch.registry import read_claims
from review_gate.dispatch.run_records import RunOptions, View
from review_gate.errors import GateError, IssueNotFound, UsageError

if TYPE_CHECKING:
    from review_gate.dispatch.spawn import SpawnRequest

__all__ = ["check_queue", "label_waits", "plan_waits", "queue_of", "why_empty"]


def check_queue(ctx: Context, issues: Sequence[int]) -> dict[int, str]:
    """Every issue of an ``--issues`` queue exists, before anything is claimed; returns
    their bodies (for ``blocked by #N`` / ``depends on #N``)."""
    missing: list[int] = []
    bodies: dict[int, str] = {}
    for number in issues:
        try:
            bodies[number] = ctx.tracker.get_issue(number).body
        except IssueNotFound:
            missing.append(number)
    if missing:
        names = ", ".join(f"#{n}" for n in missing)
        raise UsageError(
            f"--issues: no issue {names} in the {ctx.tracker.name} tracker; nothing was started",
            hint="check the numbers (`gate issue list` for the local tracker)",
        )
    return bodies


def plan_waits(ctx: Context, options: RunOptions) -> phases.Dependencies:
    """The queue's phases (:func:`.phases.plan`): a UsageError for a cycle or a wait on
    an issue outside the queue. A label or board queue is planned on its issues now (and
    its bodies are read again each poll, :func:`label_waits`)."""
    if options.sequential and options.issues is None:
        raise UsageError("--sequential needs --issues (the order of the phases)")
    if options.issues is not None or options.from_status is not None:
        queue = queue_of(ctx, options)  # --from-status: the column's items, not every issue
        bodies = check_queue(ctx, queue)
    else:
        labels = [options.label] if options.label else []
        found = ctx.tracker.list_issues(labels=labels)
        queue = sorted(i.number for i in found)
        bodies = {i.number: i.body for i in found}
    mentioned = {n for body in bodies.values() for n in phases.body_dependencies(body)}
    closed = _closed(ctx, mentioned - set(queue))
    return phases.plan(
        queue, sequential=options.sequential, after=options.after, bodies=bodies, closed=closed
    )


def _closed(ctx: Context, issues: Iterable[int]) -> set[int]:
    """Those of ``issues`` the tracker has, closed (an unknown one is not)."""
    found: set[int] = set()
    for number in issues:
        try:
            if ctx.tracker.get_issue(number).state != "open":
                found.add(number)
        except IssueNotFound:
            pass
    return found


def label_waits(ctx: Context, options: RunOptions, views: Sequence[View]) -> phases.Dependencies:
    """A label queue's waits this turn: ``--after`` and the issue bodies (a wait on a
    closed issue that left the queue is over; one on an open issue outside it holds)."""
    queued = {v.issue for v in views}
    waits: dict[int, set[int]] = {v.issue: set(phases.body_dependencies(v.body)) for v in views}
    for issue, on in options.after:
        waits.setdefault(issue, set()).add(on)
    closed = _closed(ctx, {n for w in waits.values() for n in w} - queued)
    return {n: frozenset(w - closed) for n, w in waits.items() if w - closed}


def queue_of(ctx: Context, options: RunOptions) -> list[int]:
    """The queue now: ``--issues`` as given, the open issues with ``--label``, or the
    items of the board column ``--from-status`` (with ``--label``: those that have it)
    and those In Progress that a worker holds (after a restart, the loop finds the
    workers it started; an item moved there by hand is left alone)."""
    if options.issues is not None:
        return list(options.issues)
    if options.from_status is not None:
        from review_gate.dispatch import board

        found = set(board.queue(ctx, options.from_status))
        for issue in board.queue(ctx, board.IN_PROGRESS):  # a worker of the fleet's on it
            if read_claims(ctx.tracker.list_comments(issue), ctx.trusted).holder is not None:
                found.add(issue)
        if options.label:
            found &= {i.number for i in ctx.tracker.list_issues(labels=[options.label])}
        return sorted(found)
    labels = [options.label] if options.label else []
    return sorted(i.number for i in ctx.tracker.list_issues(labels=labels))


def why_empty(ctx: Context, options: RunOptions) -> str:
    """Why there is nothing to do (only a label queue can be empty)."""
    label = options.label
    if options.from_status is not None:
        with_label = f" with the label {label!r}" if label else ""
        return f"no open issue{with_label} is in the board column {options.from_status!r}"
    if label is None:
        return "the queue is empty"
    anywhere = len(ctx.tracker.list_issues(labels=[label], state="all"))
    if anywhere:
        closed = f"{anywhere} closed issue{'s' if anywhere > 1 else ''}"
        return f"no open issue has the label {label!r} ({closed} with it)"
    return f"no issue has the label {label!r} (is it spelled right?)"


def busy_slots(ctx: Context, options: RunOptions, views: Sequence[View]) -> int:
    """The slots taken: the tracker's live leases for the queue, whoever holds them; with
    a board queue (``--from-status``) at least the items In Progress on the board, as the
    board counts them for every orchestrator sharing it (one fleet width for all)."""
    held = sum(len(v.holding) for v in views)
    if options.from_status is None:
        return held
    from review_gate.dispatch import board

    return max(held, board.busy(ctx))


def check_run(
    ctx: Context,
    options: RunOptions,
    preflight: Callable[[SpawnRequest], object] | None = None,
) -> phases.Dependencies:
    """What can be checked before anything is claimed (a mistake costs nothing): the
    numbers, the queue, the agents (implementers' and reviewers', by the backend's
    ``preflight``; default the local one), and the phases' dependencies (a cycle, an
    issue outside the queue); returns the dependencies."""
    from review_gate.dispatch import spawn
    from review_gate.dispatch.spawn import SpawnRequest

    preflight = preflight or spawn.preflight

    if options.max_workers < 1:
        raise GateError("--max-workers must be at least 1")
    if options.max_attempts < 1:
        raise GateError("--max-attempts must be at least 1")
    if options.issues is None and options.label is None and options.from_status is None:
        raise GateError("give the queue: --issues 1,2,3, --label LABEL or --from-status COLUMN")
    o = options
    preflight(SpawnRequest(0, o.agent, o.agent_cmd, o.base, None, o.prompt_template))
    if options.review_loop:
        agent = options.review_with or options.agent
        preflight(SpawnRequest(0, agent, options.review_cmd, role="review"))
    return plan_waits(ctx, options)
