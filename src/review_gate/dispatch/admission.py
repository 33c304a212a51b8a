"""The second slot count of ``gate dispatch run``, for loops of other hosts (see fleet.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Snapshot, lease_holds
from review_gate.dispatch.registry import read_claims
from review_gate.dispatch.run_records import View
from review_gate.gates.common import comment_order
from review_gate.records import Comment

__all__ = ["admission"]


def admission(
    ctx: Context, queue: Sequence[int], views: Sequence[View], most: int
) -> Callable[[Comment], str | None] | None:
    """The second count, after a claim won its issue, for loops this host's turns do
    not cover: another host's loops (a tracker that is not local, or claims from
    another host in the queue). A claim starts only while fewer than ``most``
    (``--max-workers``) live claims of the queue came before it; every loop applies
    the same rule to the same order, so together they stay within the limit."""
    remote = any(c.host not in (None, ctx.host) for v in views for c in v.claims.active)
    if ctx.tracker.name == "local" and not remote:
        return None

    def admit(mine: Comment) -> str | None:
        snapshot = Snapshot()
        mark = comment_order(mine)
        before = 0
        for issue in queue:
            claims = read_claims(ctx.tracker.list_comments(issue), ctx.trusted)
            before += sum(
                1
                for c in claims.active
                if c.comment.id != mine.id
                and comment_order(c.comment) < mark
                and lease_holds(ctx, c, snapshot)[0]
            )
        if before < most:
            return None
        return f"the queue's {most} slot(s) are taken by {before} earlier claim(s)"

    return admit
