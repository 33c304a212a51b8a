"""``stop``, ``cleanup`` and ``replace``: end a worker without ever losing its work.

- stop: SIGTERM to the worker's process group (and to its processes that left the
  group), a grace period, then SIGKILL. The claim stays: ``cleanup`` releases it.
- cleanup: refuses while a worker process runs, and while the worktree holds
  uncommitted changes (untracked files included) or commits no remote branch has —
  unless ``force``, which first saves a ``git bundle`` of those commits and a binary
  patch of the working tree under ``<state>/rescue/<worker_id>/``. Then the worktree
  is removed (unless kept), ``git worktree prune`` runs, and the release record is
  posted.
- replace: the handover path — stop, cleanup keeping the worktree, spawn attempt K+1
  with the latest HANDOVER as context.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, NamedTuple

from review_gate.dispatch import procs, wiring
from review_gate.dispatch import worktree as wt
from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Snapshot, liveness
from review_gate.dispatch.registry import (
    Claim,
    IssueClaims,
    drop_record,
    load_record,
    now,
    post_release,
    read_claims,
    rfc3339,
    save_record,
)
from review_gate.dispatch.spawn import Spawned, SpawnRequest, preflight, spawn
from review_gate.dispatch.status import issue_workers
from review_gate.errors import Refused, UsageError

# Release reason for each state a worker can be cleaned up in.
_REASON = {
    "completed": "completed",
    "handover": "handover",
    "blocked": "blocked",
    "failed": "failed",
    "orphaned": "failed",
}


class StopResult(NamedTuple):
    issue: int
    worker_id: str
    was_running: bool
    signalled: int  # processes sent SIGTERM
    killed: bool  # some needed SIGKILL after the grace period

    def to_json(self) -> dict[str, Any]:
        return self._asdict()


def _claims(ctx: Context, issue: int) -> tuple[list[Any], IssueClaims]:
    comments = ctx.tracker.list_comments(issue)
    return comments, read_claims(comments, ctx.trusted)


def _current(issue: int, claims: IssueClaims) -> list[Claim]:
    shown = list(claims.active)
    if claims.latest is not None and claims.latest not in shown:
        shown.append(claims.latest)
    if not shown:
        raise UsageError(f"issue #{issue} has no worker", hint="see `gate dispatch list`")
    return shown


def stop(ctx: Context, issue: int, *, grace: float = 10.0) -> list[StopResult]:
    """Stop every live worker of ``issue`` on this host."""
    _, claims = _claims(ctx, issue)
    snapshot = Snapshot()
    results: list[StopResult] = []
    for claim in _current(issue, claims):
        live = liveness(ctx, claim, snapshot)
        if live.alive is None and claim.worker_id not in claims.released:
            raise Refused(
                f"{claim.worker_id} {live.detail}; it can only be stopped there",
                hint=f"run `gate dispatch stop --issue {issue}` on {claim.host or 'its host'}",
            )
        record = live.record or load_record(ctx.state, claim.worker_id)
        pid = record.pid if record else None
        started = record.start_time if record else None
        signalled, killed = procs.terminate(claim.worker_id, pid, started, grace=grace)
        if record is not None and signalled:
            save_record(ctx.state, dataclasses.replace(record, stopped_at=rfc3339(now())))
        results.append(StopResult(issue, claim.worker_id, bool(live.alive), signalled, killed))
    return results


class CleanupResult(NamedTuple):
    issue: int
    worker_id: str | None
    state: str | None
    worktree: str
    removed: bool
    kept: bool
    rescue_dir: str | None
    bundle: str | None
    patch: str | None
    released: tuple[str, ...]  # worker ids whose claims were released
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        data = self._asdict()
        data["released"] = list(self.released)
        data["notes"] = list(self.notes)
        return data


def cleanup(
    ctx: Context,
    issue: int,
    *,
    keep_worktree: bool = False,
    force: bool = False,
    reason: str | None = None,
) -> CleanupResult:
    """Release ``issue``'s worker and remove its worktree, losing nothing (see above)."""
    comments, claims = _claims(ctx, issue)
    snapshot = Snapshot()
    workers = issue_workers(ctx, issue, snapshot, comments=comments)
    for worker in workers:
        if worker.pids:
            raise Refused(
                f"{worker.worker_id} is still {worker.state} (pid {worker.pids[0]})",
                hint=f"stop it first: gate dispatch stop --issue {issue}",
            )
        if worker.active and worker.host not in (None, ctx.host) and not force:
            raise Refused(
                f"{worker.worker_id} was started on host {worker.host}; clean it up there",
                hint="or pass --force to release its claim from here (its worktree is not here)",
            )
    current = workers[-1] if workers else None
    path = Path(current.worktree) if current and current.worktree else None
    if path is None or (current is not None and current.host not in (None, ctx.host)):
        path = wt.worktree_path(ctx.main, issue)
    notes: list[str] = []
    removed = False
    rescue = None
    entry = wt.find_worktree(ctx.main, path)
    if entry is not None and not keep_worktree:
        base = wt.default_base(ctx.main, ctx.config.base_branch)
        changes = wt.uncommitted(entry.path)
        commits = wt.unpushed(entry.path, base)
        if (changes or commits) and not force:
            what = []
            if changes:
                what.append(f"{len(changes)} uncommitted file(s) (e.g. {changes[0]})")
            if commits:
                what.append(f"{len(commits)} commit(s) no remote has")
            raise Refused(
                f"{entry.path} holds {' and '.join(what)}; refusing to remove it",
                hint="push or commit the work, keep it with --keep-worktree, or pass --force "
                "to save a bundle and a patch first",
            )
        if changes or commits:
            name = current.worker_id if current else f"issue-{issue}"
            rescue = wt.rescue(entry.path, ctx.state / "rescue" / name, entry.branch, base)
        wt.remove_worktree(ctx.main, entry.path)
        wiring.forget_hooks(ctx.state, entry.path)
        removed = True
    elif entry is None:
        notes.append(f"no worktree at {path}")
    wt.prune(ctx.main)
    released: list[str] = []
    by_id = {w.worker_id: w for w in workers}
    for claim in claims.active:
        known = by_id.get(claim.worker_id)
        why = reason or _release_reason(ctx, known.state if known else None, claim)
        post_release(ctx.tracker, issue, claim.worker_id, why)
        released.append(claim.worker_id)
    for worker in workers:
        if worker.host in (None, ctx.host):
            drop_record(ctx.state, worker.worker_id)
    return CleanupResult(
        issue=issue,
        worker_id=current.worker_id if current else None,
        state=current.state if current else None,
        worktree=str(path),
        removed=removed,
        kept=entry is not None and not removed,
        rescue_dir=str(rescue.directory) if rescue else None,
        bundle=str(rescue.bundle) if rescue and rescue.bundle else None,
        patch=str(rescue.patch) if rescue and rescue.patch else None,
        released=tuple(released),
        notes=tuple(notes),
    )


def _release_reason(ctx: Context, state: str | None, claim: Claim) -> str:
    record = load_record(ctx.state, claim.worker_id)
    if record is not None and record.stopped_at and state in ("failed", None):
        return "stopped"
    return _REASON.get(state or "", "stopped")


class ReplaceResult(NamedTuple):
    stopped: tuple[StopResult, ...]
    cleaned: CleanupResult
    spawned: Spawned

    def to_json(self) -> dict[str, Any]:
        return {
            "stopped": [s.to_json() for s in self.stopped],
            "cleanup": self.cleaned.to_json(),
            "spawned": self.spawned.to_json(),
        }


def replace(
    ctx: Context, request: SpawnRequest, *, grace: float = 10.0, reason: str = "handover"
) -> ReplaceResult:
    """Stop and release the current worker (keeping its worktree), then spawn the next
    attempt with the latest HANDOVER (and, after a failure, the failure context)."""
    preflight(request)  # a wrong agent must not cost the running worker
    _, claims = _claims(ctx, request.issue)
    previous = claims.latest
    stopped = tuple(stop(ctx, request.issue, grace=grace)) if previous else ()
    failure = request.failure
    if failure is None and previous is not None:
        workers = issue_workers(ctx, request.issue, Snapshot())
        if workers and workers[-1].state in ("failed", "orphaned", "hung"):
            from review_gate.dispatch.status import failure_context

            failure = failure_context(workers[-1], ctx.tracker.list_comments(request.issue), ctx)
    cleaned = cleanup(ctx, request.issue, keep_worktree=True, reason=reason)
    attempt = request.attempt or (previous.attempt + 1 if previous else 1)
    spawned = spawn(ctx, request._replace(attempt=attempt, failure=failure))
    return ReplaceResult(stopped, cleaned, spawned)
