"""``stop``, ``cleanup`` and ``replace``: end a worker without ever losing its work.

- stop: SIGTERM to the worker's process group (and to its processes that left the
  group), a grace period, then SIGKILL. The claim stays: ``cleanup`` releases it.
- cleanup: refuses while a worker process runs or any process has its cwd in the
  worktree, when the worktree is locked, and while it holds work (:mod:`.rescue`:
  unpushed commits, uncommitted changes, ignored files that are not disposable) —
  unless ``force``, which first saves that work under ``<state>/rescue/<worker_id>/``
  with the commands that restore it. Then only that worktree is removed and
  unregistered (unless kept), and the release record is posted. A worktree moved with
  ``git worktree move``, or one holding another branch, is left alone; a missing one is
  unregistered once its commits are safe. Every refusal comes before any change.
- replace: the handover path — stop, cleanup keeping the worktree, spawn attempt K+1
  with the latest HANDOVER as context.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, NamedTuple

from review_gate.dispatch import audit, board, fleet, occupants, procs, rescue, wiring
from review_gate.dispatch import worktree as wt
from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Snapshot, liveness, scope_of
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
from review_gate.dispatch.status import WorkerStatus, issue_workers
from review_gate.errors import Refused

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


def no_worker(issue: int, where: str = "") -> Refused:
    """The refusal of stop and cleanup (every backend) for an issue without a worker —
    open or closed — and nothing of one left: exit 1, like spawn on a closed issue
    (docs/dispatch.md, "Exit codes")."""
    return Refused(
        f"issue #{issue} has no worker{where}", hint=f"see `gate dispatch status --issue {issue}`"
    )


def _current(issue: int, claims: IssueClaims) -> list[Claim]:
    shown = list(claims.active)
    if claims.latest is not None and claims.latest not in shown:
        shown.append(claims.latest)
    if not shown:
        raise no_worker(issue)
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
        # Its group, its supervisor's process tree, and processes carrying its id *and*
        # worktree: never the id alone (issue 15, procs.Scope).
        marked = None
        if record is not None and live.alive:
            # Marked before the signal: a `run` loop that sees the worker die must also
            # see that it was stopped by hand, not take the exit for a crash to retry.
            marked = dataclasses.replace(record, stopped_at=rfc3339(now()))
            save_record(ctx.state, marked)
        signalled, killed = procs.terminate(scope_of(claim, record), grace=grace)
        if record is not None and signalled and marked is None:
            save_record(ctx.state, dataclasses.replace(record, stopped_at=rfc3339(now())))
        results.append(StopResult(issue, claim.worker_id, bool(live.alive), signalled, killed))
        audit.record(
            ctx.state, "stop", issue=issue, worker_id=claim.worker_id,
            orchestration=claim.orchestration, signalled=signalled, killed=killed,
            message=f"SIGTERM to {signalled} process(es)" + ("; SIGKILL needed" if killed else ""),
        )  # fmt: skip
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
    ignored: str | None = None  # the tarball of ignored files that were work
    restore: tuple[str, ...] = ()  # shell commands that bring the saved work back

    def to_json(self) -> dict[str, Any]:
        data = self._asdict()
        data["released"] = list(self.released)
        data["notes"] = list(self.notes)
        data["restore"] = list(self.restore)
        return data


class _Plan(NamedTuple):
    entry: wt.WorktreeEntry | None  # the worktree to remove; None: nothing to remove
    risk: rescue.AtRisk | None  # what must be saved first (None: nothing)
    kept: bool  # a worktree stays (kept on request, moved, or not the worker's)
    notes: tuple[str, ...]


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
    plan = _plan(ctx, issue, current, path, keep_worktree=keep_worktree, force=force)
    if current is None and plan.entry is None and not plan.kept:
        raise no_worker(issue)  # no claim, no worktree: nothing to release or remove
    saved = None
    if plan.risk is not None:
        name = current.worker_id if current else f"issue-{issue}"
        saved = rescue.save(ctx.main, plan.risk, ctx.state / "rescue" / name)
        audit.record(
            ctx.state, "rescue", issue=issue, worker_id=current.worker_id if current else None,
            orchestration=current.orchestration if current else None,
            rescue_dir=str(saved.directory), message=f"saved {plan.risk.describe()}",
        )  # fmt: skip
    if plan.entry is not None:
        wt.remove_worktree(ctx.main, plan.entry.path)
        wiring.forget_hooks(ctx.state, plan.entry.path)
    released: list[str] = []
    by_id = {w.worker_id: w for w in workers}
    for claim in claims.active:
        known = by_id.get(claim.worker_id)
        why = reason or _release_reason(ctx, known.state if known else None, claim)
        post_release(ctx.tracker, issue, claim.worker_id, why)
        released.append(claim.worker_id)
        audit.record(
            ctx.state, "release", issue=issue, worker_id=claim.worker_id,
            orchestration=claim.orchestration, reason=why, message=why,
        )  # fmt: skip
        board.released(ctx, issue, claim.worker_id, why, claim.branch)  # never raises
    for worker in workers:
        if worker.host in (None, ctx.host):
            drop_record(ctx.state, worker.worker_id)
    where = str(plan.entry.path if plan.entry else path)
    audit.record(
        ctx.state, "cleanup", issue=issue, worker_id=current.worker_id if current else None,
        orchestration=current.orchestration if current else None, removed=plan.entry is not None,
        released=released, message=("removed " if plan.entry else "kept ") + where,
    )  # fmt: skip
    return CleanupResult(
        issue=issue,
        worker_id=current.worker_id if current else None,
        state=current.state if current else None,
        worktree=str(plan.entry.path if plan.entry else path),
        removed=plan.entry is not None,
        kept=plan.kept,
        rescue_dir=str(saved.directory) if saved else None,
        bundle=str(saved.bundle) if saved and saved.bundle else None,
        patch=str(saved.patch) if saved and saved.patch else None,
        released=tuple(released),
        notes=plan.notes,
        ignored=str(saved.tarball) if saved and saved.tarball else None,
        restore=saved.restore if saved else (),
    )


def _plan(
    ctx: Context,
    issue: int,
    current: WorkerStatus | None,
    path: Path,
    *,
    keep_worktree: bool,
    force: bool,
) -> _Plan:
    """Decide what cleanup removes and saves; every refusal is raised here, before any
    change is made."""
    entry = wt.find_entry(ctx.main, path)
    branch = current.branch if current else None
    if entry is None:
        moved = wt.find_branch(ctx.main, branch) if branch else None
        if moved is not None:
            return _Plan(None, None, True, (
                f"the worktree of {branch} is now at {moved.path} (moved); left in place",
            ))  # fmt: skip
        return _Plan(None, None, False, (f"no worktree at {path}",))
    if branch and entry.branch and entry.branch != branch:
        return _Plan(None, None, True, (
            f"{entry.path} has {entry.branch} checked out, not the worker's {branch}; "
            "left alone",
        ))  # fmt: skip
    if keep_worktree:
        return _Plan(None, None, entry.present, ())
    if entry.locked is not None:
        raise wt.locked_refusal(entry, issue)
    if entry.present:
        inside = occupants.inside(entry.path)
        if inside:
            more = f" and {len(inside) - 1} more" if len(inside) > 1 else ""
            verb = "have their working directories" if more else "has its working directory"
            raise Refused(
                f"{inside[0].describe()}{more} {verb} in {entry.path}; refusing to remove it",
                hint="leave that directory (cd elsewhere) or end the process, then run "
                f"cleanup again; or keep the worktree: gate dispatch cleanup --issue {issue} "
                "--keep-worktree",
            )
    base = wt.default_base(ctx.main, ctx.config.base_branch)
    risk = rescue.at_risk(ctx.main, entry, base, ctx.config.disposable_paths)
    notes: list[str] = []
    if not entry.present:
        notes.append(
            f"worktree {entry.path} was missing (moved by hand, or on a disk that is not "
            "mounted?): unregistered it"
            + (f"; its branch {entry.branch} is kept" if entry.branch else "")
        )
    if risk.empty:
        return _Plan(entry, None, False, tuple(notes))
    if not force:
        where = (
            f"{entry.path} holds"
            if entry.present
            else f"worktree {entry.path} is missing (moved by hand, or on a disk that is "
            "not mounted?) and its HEAD holds"
        )
        raise Refused(
            f"{where} {risk.describe()}; refusing to remove it",
            hint=_hint(entry, issue),
        )
    return _Plan(entry, risk, False, tuple(notes))


def _hint(entry: wt.WorktreeEntry, issue: int) -> str:
    save = f"or pass --force to save it first (gate dispatch cleanup --issue {issue} --force)"
    if not entry.present:
        return (
            f"moved it by hand? git worktree repair NEW-PATH, then clean up again; "
            f"on a disk that is not mounted? mount it and retry; gone for good? {save}"
        )
    return (
        "push or commit the work, keep it with --keep-worktree, add build outputs to "
        f"disposable_paths, {save}"
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
    orchestration = request.orchestration or fleet.new_id(ctx.state)
    spawned = spawn(
        ctx, request._replace(attempt=attempt, failure=failure, orchestration=orchestration)
    )
    audit.record(
        ctx.state, "replace", issue=request.issue, worker_id=spawned.worker_id,
        orchestration=orchestration,
        replaced=previous.worker_id if previous else None, reason=reason,
        message=f"{previous.worker_id if previous else 'no worker'} -> {spawned.worker_id}",
    )  # fmt: skip
    return ReplaceResult(stopped, cleaned, spawned)
