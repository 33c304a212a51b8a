"""Claiming an issue for a new worker, and taking the claim back if the worker never ran.

A claim is a WORKER assignment comment. The earliest active claim wins: a dispatcher
posts its own, reads the issue again, and withdraws its claim if an earlier one is
active, so two dispatchers racing for one issue end with exactly one worker.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

from review_gate.dispatch import wiring
from review_gate.dispatch import worktree as wt
from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Snapshot, lease_holds
from review_gate.dispatch.registry import (
    Claim,
    IssueClaims,
    assignment_body,
    list_records,
    post_release,
    read_claims,
    withdraw_body,
)
from review_gate.errors import GateError, Refused
from review_gate.gates.common import comment_order
from review_gate.records import Comment


def new_worker_id(ctx: Context, issue: int, claims: IssueClaims) -> str:
    """``worker-<epoch>-<issue>``, unique among the issue's claims and local records."""
    used = {c.worker_id for c in claims.claims} | {r.worker_id for r in list_records(ctx.state)}
    epoch = int(time.time())
    while f"worker-{epoch}-{issue}" in used:
        epoch += 1
    return f"worker-{epoch}-{issue}"


def _refuse_holder(issue: int, claim: Claim, why: str) -> Refused:
    where = f" on {claim.host}" if claim.host else ""
    return Refused(
        f"issue #{issue} is held by {claim.worker_id} (attempt {claim.attempt}{where}): {why}",
        hint=f"see `gate dispatch status --issue {issue}`; `gate dispatch stop --issue {issue}` "
        f"then `gate dispatch cleanup --issue {issue}` releases it",
    )


def claim_issue(ctx: Context, issue: int, data: dict[str, Any]) -> tuple[Comment, list[str]]:
    """Post our claim ``data`` and make sure it won; release the dead claims it supersedes.

    Returns (our comment, the worker ids released). Raises Refused when a live lease
    holds the issue or an earlier claim won the race (ours is withdrawn then).
    """
    tracker = ctx.tracker
    claims = read_claims(tracker.list_comments(issue), ctx.trusted)
    snapshot = Snapshot()
    dead: list[Claim] = []
    for claim in claims.active:
        holds, why = lease_holds(ctx, claim, snapshot)
        if holds:
            raise _refuse_holder(issue, claim, why)
        dead.append(claim)
    released: list[str] = []
    for claim in dead:
        post_release(tracker, issue, claim.worker_id, "superseded", "lease expired; taken over")
        released.append(claim.worker_id)
    mine = tracker.post_comment(issue, assignment_body(data))
    after = read_claims(tracker.list_comments(issue), ctx.trusted)
    winner = after.holder
    if winner is None or winner.comment.id != mine.id:
        other = winner.worker_id if winner else "another dispatcher"
        tracker.edit_comment(mine.id, withdraw_body(data["worker_id"], other))
        why = "an earlier claim won the race (the earliest active claim wins)"
        if winner is not None and comment_order(winner.comment) > comment_order(mine):
            why = "our claim was released before it started"
        raise _refuse_holder(issue, winner, why) if winner else Refused(why)
    return mine, released


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
    if progress.prepared is not None:
        with contextlib.suppress(GateError):
            if not wt.undo(ctx.main, progress.prepared) and progress.prepared.created:
                wiring.forget_hooks(ctx.state, progress.prepared.path)
    for file in progress.files:
        with contextlib.suppress(OSError):
            if file.suffix != ".log" or file.stat().st_size == 0:
                file.unlink()
