"""Leases: is a claim's worker alive, and may its claim be taken over?

A claim may be taken over only when BOTH hold (docs/dispatch.md, leases):

1. its process is provably gone: the claim was made on this host, and no process of the
   worker is alive — by its recorded ``(pid, start time, boot id)``, its supervisor's
   process tree, or the id *and* worktree in a process's environment
   (:mod:`.procs`). A claim from another host (or with no host) cannot be checked from
   here, so it is never taken over on that ground;
2. its heartbeat (``heartbeat_at``, else ``assigned_at``) is older than ``lease_ttl``.

One exception, which needs no waiting: a claim that *never started*. Its dispatcher
wrote a claimer record on this host before posting it (:class:`~.registry.Claimer`);
when that dispatcher is gone, no agent ever ran (no pid record, no exit record, no
process of the worker, nor of its supervisor), the claim is no attempt, and it may be
withdrawn at once (issue 15: a ``run`` killed between claim and agent start).

Missing data never frees a claim: an unknown host is "cannot tell", an unreadable
heartbeat is "fresh".
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from review_gate.dispatch import procs
from review_gate.dispatch.context import Context
from review_gate.dispatch.registry import (
    Claim,
    WorkerRecord,
    load_claimer,
    load_record,
    now,
    read_exit,
)


class Snapshot:
    """One look at the process table, shared by every check of a command, and the pid
    records the command already read (``records``: `status` lists them all first)."""

    def __init__(self, records: Iterable[WorkerRecord] | None = None) -> None:
        self.table = procs.ProcessTable()
        self.boot = self.table.boot
        self.records = {r.worker_id: r for r in records or ()}

    def record(self, state: Path, worker_id: str) -> WorkerRecord | None:
        """The worker's pid record: as read already, else from its file."""
        known = self.records.get(worker_id)
        return known if known is not None else load_record(state, worker_id)

    def members(self, scope: procs.Scope) -> tuple[int, ...]:
        return self.table.members(scope)


def scope_of(claim: Claim, record: WorkerRecord | None) -> procs.Scope:
    """Everything that ties processes to the worker behind ``claim``."""
    worktree = (record.worktree if record else None) or claim.worktree or None
    if record is not None:
        return procs.Scope(
            claim.worker_id,
            worktree,
            record.pid,
            record.start_time,
            record.supervisor_pid,
            record.supervisor_start,
            record.boot_id or None,
        )
    return procs.Scope(claim.worker_id, worktree)


class Liveness(NamedTuple):
    alive: bool | None  # None: cannot tell from this host
    pids: tuple[int, ...]
    record: WorkerRecord | None
    detail: str
    never_started: bool = False  # its dispatcher died before starting the agent


def liveness(ctx: Context, claim: Claim, snapshot: Snapshot) -> Liveness:
    record = snapshot.record(ctx.state, claim.worker_id)
    if claim.host is not None and claim.host != ctx.host:
        return Liveness(None, (), record, f"runs on host {claim.host}")
    if claim.host is None and record is None:
        return Liveness(None, (), None, "the claim names no host")
    scope = scope_of(claim, record)
    claimer = load_claimer(ctx.state, claim.worker_id) if record is None else None
    if claimer is not None and claimer.supervisor_pid is not None:
        scope = scope._replace(
            supervisor=claimer.supervisor_pid,
            supervisor_start=claimer.supervisor_start,
            boot_id=claimer.boot_id or None,
        )
    pids = snapshot.members(scope)
    if pids:
        return Liveness(True, pids, record, f"pid {', '.join(map(str, pids))}")
    if claimer is not None:
        if procs.is_alive(claimer.pid, claimer.start_time, claimer.boot_id):
            return Liveness(True, (), None, f"being started by pid {claimer.pid}")
        supervised = claimer.supervisor_pid is not None and procs.is_alive(
            claimer.supervisor_pid, claimer.supervisor_start, claimer.boot_id
        )
        if supervised:
            return Liveness(True, (), None, f"being started by pid {claimer.supervisor_pid}")
        if read_exit(ctx.state, claim.worker_id) is None:
            why = f"never started: its dispatcher (pid {claimer.pid}) ended before the agent ran"
            return Liveness(False, (), None, why, never_started=True)
    return Liveness(False, (), record, "no process left")


def heartbeat_age(claim: Claim, moment: datetime.datetime | None = None) -> float | None:
    beat = claim.heartbeat_at
    if beat is None:
        return None
    return ((moment or now()) - beat).total_seconds()


def lease_holds(
    ctx: Context, claim: Claim, snapshot: Snapshot, live: Liveness | None = None
) -> tuple[bool, str]:
    """``(holds, why)`` for an active claim."""
    live = live or liveness(ctx, claim, snapshot)
    age = heartbeat_age(claim)
    ttl = ctx.config.lease_ttl
    if live.alive is True:
        return True, f"its process is alive ({live.detail})"
    if live.never_started:
        return False, live.detail
    if age is None or age < ttl:
        fresh = "has no readable heartbeat" if age is None else f"heartbeat {age:.0f}s ago"
        why = "its process is gone" if live.alive is False else live.detail
        return True, f"{why}, but the lease is still fresh ({fresh}, lease_ttl {ttl:.0f}s)"
    if live.alive is None:
        return True, f"{live.detail}: cannot check its process from here"
    return False, f"its process is gone and its heartbeat is {age:.0f}s old (lease_ttl {ttl:.0f}s)"
