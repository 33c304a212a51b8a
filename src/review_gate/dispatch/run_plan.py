"""``gate dispatch run``'s queue: which issues, and (before anything is claimed) that they
exist and their phases are sound."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from review_gate.dispatch import phases
from review_gate.dispatch.context import Context
from review_gate.dispatch.run_records import RunOptions, View
from review_gate.errors import IssueNotFound, UsageError

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
    an issue outside the queue. A label queue is planned on its issues now (and its
    bodies are read again each poll, :func:`label_waits`)."""
    if options.sequential and options.issues is None:
        raise UsageError("--sequential needs --issues (the order of the phases)")
    if options.issues is not None:
        queue = list(options.issues)
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
    """The queue now: ``--issues`` as given, or the open issues with ``--label``."""
    if options.issues is not None:
        return list(options.issues)
    labels = [options.label] if options.label else []
    return sorted(i.number for i in ctx.tracker.list_issues(labels=labels))


def why_empty(ctx: Context, options: RunOptions) -> str:
    """Why there is nothing to do (only a label queue can be empty)."""
    label = options.label
    if label is None:
        return "the queue is empty"
    anywhere = len(ctx.tracker.list_issues(labels=[label], state="all"))
    if anywhere:
        closed = f"{anywhere} closed issue{'s' if anywhere > 1 else ''}"
        return f"no open issue has the label {label!r} ({closed} with it)"
    return f"no issue has the label {label!r} (is it spelled right?)"
