"""Leases: is a claim's worker alive, and may its claim be taken over?

A claim may be taken over only when BOTH hold (docs/dispatch.md, leases):

1. its process is provably gone: the claim was made on this host, and neither the
   recorded ``(pid, start time, boot id)`` nor any process carrying the worker's
   ``REVIEW_GATE_WORKER_ID`` marker is alive. A claim from another host (or with no
   host) cannot be checked from here, so it is never taken over on that ground;
2. its heartbeat (``heartbeat_at``, else ``assigned_at``) is older than ``lease_ttl``.

Missing data never frees a claim: an unknown host is "cannot tell", an unreadable
heartbeat is "fresh".
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from review_gate.dispatch import procs
from review_gate.dispatch.context import Context
from review_gate.dispatch.registry import Claim, WorkerRecord, load_record, now


class Snapshot:
    """One look at the process table, shared by every check of a command."""

    def __init__(self) -> None:
        self.markers = procs.marker_table()
        self.boot = procs.boot_id()

    def alive(self, worker_id: str, record: WorkerRecord | None) -> tuple[bool, tuple[int, ...]]:
        pids = set(self.markers.get(worker_id, ()))
        if record is not None and procs.is_alive(record.pid, record.start_time, record.boot_id):
            pids.add(record.pid)
        return bool(pids), tuple(sorted(pids))


class Liveness(NamedTuple):
    alive: bool | None  # None: cannot tell from this host
    pids: tuple[int, ...]
    record: WorkerRecord | None
    detail: str


def liveness(ctx: Context, claim: Claim, snapshot: Snapshot) -> Liveness:
    record = load_record(ctx.state, claim.worker_id)
    if claim.host is not None and claim.host != ctx.host:
        return Liveness(None, (), record, f"runs on host {claim.host}")
    if claim.host is None and record is None:
        return Liveness(None, (), None, "the claim names no host")
    alive, pids = snapshot.alive(claim.worker_id, record)
    if alive:
        return Liveness(True, pids, record, f"pid {', '.join(map(str, pids))}")
    return Liveness(False, (), record, "no process left")


def heartbeat_age(claim: Claim, moment: datetime.datetime | None = None) -> float | None:
    beat = claim.heartbeat_at
    if beat is None:
        return None
    return ((moment or now()) - beat).total_seconds()


def lease_holds(ctx: Context, claim: Claim, snapshot: Snapshot) -> tuple[bool, str]:
    """``(holds, why)`` for an active claim."""
    live = liveness(ctx, claim, snapshot)
    age = heartbeat_age(claim)
    ttl = ctx.config.lease_ttl
    if live.alive is True:
        return True, f"its process is alive ({live.detail})"
    if age is None or age < ttl:
        fresh = "has no readable heartbeat" if age is None else f"heartbeat {age:.0f}s ago"
        why = "its process is gone" if live.alive is False else live.detail
        return True, f"{why}, but the lease is still fresh ({fresh}, lease_ttl {ttl:.0f}s)"
    if live.alive is None:
        return True, f"{live.detail}: cannot check its process from here"
    return False, f"its process is gone and its heartbeat is {age:.0f}s old (lease_ttl {ttl:.0f}s)"
