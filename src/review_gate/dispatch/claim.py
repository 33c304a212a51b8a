"""Claiming an issue for a new worker, taking the claim back if the worker never ran, and
releasing one claim.

A claim is a WORKER assignment comment. The earliest active claim wins: a dispatcher
posts its own, reads the issue again, and withdraws its claim if an earlier one is
active, so two dispatchers racing for one issue end with exactly one worker. The
attempt number is the tracker's too: one more than any claim of the issue ever had, and
a claim that finds an earlier claim of the same attempt withdraws, so no attempt runs
twice (issue 15).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from review_gate.dispatch import audit, board, procs, wiring
from review_gate.dispatch import worktree as wt
from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Liveness, Snapshot, lease_holds, liveness
from review_gate.dispatch.registry import (
    Claim,
    Claimer,
    IssueClaims,
    assignment_body,
    drop_claimer,
    drop_record,
    list_records,
    post_release,
    read_claims,
    save_claimer,
    withdraw_body,
)
from review_gate.errors import GateError, Refused
from review_gate.gates.common import comment_order
from review_gate.records import Comment


def new_worker_id(ctx: Context, issue: int, claims: IssueClaims) -> str:
    """``worker-<epoch>-<issue>-<random>``: unique across issues, repositories and hosts
    (processes are matched by id *and* worktree all the same, see :mod:`.procs`)."""
    used = {c.worker_id for c in claims.claims} | {r.worker_id for r in list_records(ctx.state)}
    while True:
        candidate = f"worker-{int(time.time())}-{issue}-{secrets.token_hex(3)}"
        if candidate not in used:
            return candidate


def _refuse_holder(issue: int, claim: Claim, why: str) -> Refused:
    where = f" on {claim.host}" if claim.host else ""
    return Refused(
        f"issue #{issue} is held by {claim.worker_id} (attempt {claim.attempt}{where}): {why}",
        hint=f"see `gate dispatch status --issue {issue}`; `gate dispatch stop --issue {issue}` "
        f"then `gate dispatch cleanup --issue {issue}` releases it",
    )


def withdraw(ctx: Context, claim: Claim, why: str) -> None:
    """Rewrite a claim that never ran as a plain note: no attempt, no failure."""
    ctx.tracker.edit_comment(claim.comment.id, withdraw_body(claim.worker_id, None, why[:300]))
    if claim.host in (None, ctx.host):
        drop_record(ctx.state, claim.worker_id)
    _audit(ctx, "withdraw", claim, why)


def _audit(
    ctx: Context, event: str, claim: Claim, message: str, issue: int | None = None, **extra: Any
) -> None:
    """Record what was done to ``claim`` in the audit trail (:mod:`.audit`)."""
    number = claim.data.get("issue") if issue is None else issue
    audit.record(
        ctx.state, event, issue=number if isinstance(number, int) else None,
        worker_id=claim.worker_id, orchestration=claim.orchestration, message=message, **extra,
    )  # fmt: skip


def claim_issue(
    ctx: Context,
    issue: int,
    data: dict[str, Any],
    *,
    min_attempt: int = 1,
    admit: Callable[[Comment], str | None] | None = None,
) -> tuple[Comment, list[str]]:
    """Post our claim ``data`` and make sure it won; release the dead claims it supersedes.

    ``data["attempt"]`` is set here, from the tracker: one more than the issue's last
    attempt (at least ``min_attempt`` and the attempt ``data`` asked for). Returns (our
    comment, the worker ids released or withdrawn). Raises Refused when a live lease
    holds the issue, an earlier claim won the race, or ``admit(our comment)`` names a
    reason not to start (ours is withdrawn then).
    """
    tracker = ctx.tracker
    claims = read_claims(tracker.list_comments(issue), ctx.trusted)
    snapshot = Snapshot()
    dead: list[tuple[Claim, Liveness]] = []
    for claim in claims.active:
        live = liveness(ctx, claim, snapshot)
        holds, why = lease_holds(ctx, claim, snapshot, live)
        if holds:
            raise _refuse_holder(issue, claim, why)
        dead.append((claim, live))
    released: list[str] = []
    for claim, live in dead:
        if live.never_started:
            withdraw(ctx, claim, live.detail)
        else:
            post_release(tracker, issue, claim.worker_id, "superseded", "lease expired; taken over")
            _audit(ctx, "release", claim, "lease expired; taken over", issue, reason="superseded")
        released.append(claim.worker_id)
    asked = data.get("attempt")
    asked = asked if isinstance(asked, int) and not isinstance(asked, bool) else 1
    data["attempt"] = max(min_attempt, asked, claims.attempts + 1)
    here = data.get("host") in (None, ctx.host)
    if here:  # a claim for another host (a CI runner) is checked there, not by pid here
        me = os.getpid()
        save_claimer(
            ctx.state,
            Claimer(
                worker_id=str(data["worker_id"]),
                pid=me,
                start_time=procs.start_time(me),
                boot_id=procs.boot_id(),
                orchestration=data.get("orchestration"),
            ),
        )
    try:
        mine = tracker.post_comment(issue, assignment_body(data))
    except BaseException:
        drop_claimer(ctx.state, str(data["worker_id"]))
        raise
    after = read_claims(tracker.list_comments(issue), ctx.trusted)
    winner = after.holder
    other: Claim | None = None
    why = ""
    if winner is None or winner.comment.id != mine.id:
        other = winner
        why = "our claim was released before it started"
        if winner is not None and comment_order(winner.comment) < comment_order(mine):
            why = "an earlier claim won the race (the earliest active claim wins)"
    else:
        earlier = [
            c
            for c in after.claims
            if c.comment.id != mine.id
            and c.attempt >= data["attempt"]
            and comment_order(c.comment) < comment_order(mine)
        ]
        if earlier:
            other = earlier[0]
            why = f"attempt {other.attempt} was claimed first (no attempt runs twice)"
        elif admit is not None:
            why = admit(mine) or ""
    if why:
        lost_to = other.worker_id if other is not None and other is winner else None
        tracker.edit_comment(mine.id, withdraw_body(data["worker_id"], lost_to, why))
        drop_claimer(ctx.state, str(data["worker_id"]))
        _audit(ctx, "withdraw", Claim(mine, data), why, issue)
        raise _refuse_holder(issue, other, why) if other is not None else Refused(why)
    return mine, released


def release(
    ctx: Context, issue: int, claim: Claim, reason: str, snapshot: Snapshot, note: str = ""
) -> bool:
    """Release this one claim (never "every active claim"): only while it is still
    active, and never while a process of its worker runs. Returns whether a release was
    posted; the worker's pid record goes with it (its log and exit record stay)."""
    current = read_claims(ctx.tracker.list_comments(issue), ctx.trusted)
    if not any(c.comment.id == claim.comment.id for c in current.active):
        return False
    live = liveness(ctx, claim, snapshot)
    if live.alive:
        raise Refused(
            f"{claim.worker_id} is still running ({live.detail}); its claim stays",
            hint=f"stop it first: gate dispatch stop --issue {issue}",
        )
    post_release(ctx.tracker, issue, claim.worker_id, reason, note)
    if claim.host in (None, ctx.host):
        drop_record(ctx.state, claim.worker_id)
    _audit(ctx, "release", claim, note or reason, issue, reason=reason)
    board.released(ctx, issue, claim.worker_id, reason, claim.branch)  # never raises
    return True


class Progress:
    """What a spawn has made since its claim, for :func:`never_started` to take back."""

    def __init__(self) -> None:
        self.prepared: wt.Prepared | None = None
        self.files: list[Path] = []


def never_started(ctx: Context, claim: Claim, progress: Progress, why: str) -> None:
    """Undo a claim whose agent never ran: the claim is withdrawn (its comment rewritten,
    so it is no attempt and no failure), a worktree made for it and still untouched is
    removed with its new branch, and the prompt and empty log go."""
    issue = int(claim.data["issue"])
    body = withdraw_body(claim.worker_id, None, why[:300])
    try:
        ctx.tracker.edit_comment(claim.comment.id, body)
    except GateError:
        with contextlib.suppress(GateError):
            post_release(ctx.tracker, issue, claim.worker_id, "failed", why[:300])
    finally:
        drop_claimer(ctx.state, claim.worker_id)
        _audit(ctx, "withdraw", claim, f"never started: {why}")
    if progress.prepared is not None:
        with contextlib.suppress(GateError):
            if not wt.undo(ctx.main, progress.prepared) and progress.prepared.created:
                wiring.forget_hooks(ctx.state, progress.prepared.path)
    for file in progress.files:
        with contextlib.suppress(OSError):
            if file.suffix != ".log" or file.stat().st_size == 0:
                file.unlink()
