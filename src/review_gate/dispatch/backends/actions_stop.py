"""``stop``, ``log`` and ``collect`` for workers that run in GitHub Actions.

- stop: ``POST /actions/runs/{id}/cancel``; when the run has not ended after the grace
  period, ``force-cancel``. The claim stays: ``collect`` releases it.
- log: the run's log archive, its files joined.
- collect: refuses while the run is live; downloads the run's ``review-gate-<worker id>``
  artifact (the worker's log, and the git bundle + patch its job saved when it was
  cancelled or failed) into ``<state>/rescue/<worker id>/``, then releases the claim. A
  run that ended without an outcome and without that artifact is refused (its unpushed
  work may be lost) unless ``force``.
"""

from __future__ import annotations

import datetime
import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from review_gate.dispatch import board, rescue
from review_gate.dispatch.backends import actions_state
from review_gate.dispatch.backends.actions_client import ActionsClient
from review_gate.dispatch.backends.base import WorkerLog
from review_gate.dispatch.backends.remote_claim import is_remote, run_id_of
from review_gate.dispatch.cleanup import CleanupResult, StopResult, no_worker
from review_gate.dispatch.context import Context
from review_gate.dispatch.registry import Claim, post_release, read_claims, rfc3339
from review_gate.errors import GateError, Refused
from review_gate.proc import run

POLL = 1.0  # seconds between looks at a run being cancelled


def _current(ctx: Context, issue: int) -> tuple[Claim, list[Claim]]:
    claims = read_claims(ctx.tracker.list_comments(issue), ctx.trusted)
    shown = [c for c in claims.active if is_remote(c.data)]
    latest = claims.latest
    if latest is not None and is_remote(latest.data) and latest not in shown:
        shown.append(latest)
    if not shown:
        raise no_worker(issue, " in GitHub Actions")
    return shown[-1], shown


def run_of(client: ActionsClient, claim: Claim) -> int | None:
    """The run of ``claim``: the one it records, else the one its run-name names (a
    204 dispatch whose run did not show up in time, a record edit that failed)."""
    run_id = run_id_of(claim.data)
    if run_id is not None:
        return run_id
    assigned = claim.assigned_at
    since = rfc3339(assigned - datetime.timedelta(minutes=2)) if assigned else None
    found = client.find_run(claim.worker_id, since)
    value = found.get("id") if found else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def stop(
    ctx: Context,
    client: ActionsClient,
    issue: int,
    *,
    grace: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[StopResult]:
    results: list[StopResult] = []
    for claim in _current(ctx, issue)[1]:
        run_id = run_of(client, claim)
        run = client.get_run(run_id) if run_id is not None else None
        if run_id is None or run is None or run.get("status") == "completed":
            results.append(StopResult(issue, claim.worker_id, False, 0, False))
            continue
        client.cancel(run_id)
        waited = 0.0
        while True:
            run = client.get_run(run_id)
            if run is None or run.get("status") == "completed":
                results.append(StopResult(issue, claim.worker_id, True, 1, False))
                break
            if waited >= grace:
                client.cancel(run_id, force=True)
                results.append(StopResult(issue, claim.worker_id, True, 1, True))
                break
            sleep(POLL)
            waited += POLL
    return results


def log(ctx: Context, client: ActionsClient, issue: int) -> WorkerLog:
    claim = _current(ctx, issue)[0]
    run_id = run_id_of(claim.data)
    if run_id is None:
        raise Refused(f"{claim.worker_id} has no run yet; there is no log to fetch")
    return WorkerLog(issue, claim.worker_id, claim.worktree, client.run_log(run_id))


def _fresh(dest: Path) -> Path:
    candidate, n = dest, 1
    while candidate.exists() and any(candidate.iterdir()):
        n += 1
        candidate = dest.with_name(f"{dest.name}-{n}")
    candidate.mkdir(parents=True, exist_ok=True)
    return candidate


def _extract(data: bytes, dest: Path) -> list[Path]:
    """Unpack an artifact archive, refusing any name that would land outside ``dest``."""
    written: list[Path] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                name = PurePosixPath(info.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise GateError(f"the artifact holds a path outside itself: {info.filename}")
                if info.is_dir():
                    continue
                target = dest.joinpath(*name.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(info))
                written.append(target)
    except zipfile.BadZipFile as exc:
        raise GateError(f"the artifact is not a zip file: {exc}") from None
    return written


def collect(
    ctx: Context,
    client: ActionsClient,
    issue: int,
    *,
    force: bool = False,
    reason: tuple[str, str] | None = None,
) -> CleanupResult:
    """Save the current remote worker's artifact, then release the issue's remote
    claims; ``reason`` (worker id, reason) overrides the reason of that worker's release
    (the loop's word: ``stopped``, ``completed`` once ready for review ...)."""
    comments = ctx.tracker.list_comments(issue)
    claims = read_claims(comments, ctx.trusted)
    current, shown = _current(ctx, issue)
    workers = {
        c.worker_id: actions_state.remote_status(ctx, client, issue, c, claims, comments)
        for c in shown
    }
    for worker in workers.values():
        if worker.state in ("starting", "running", "hung"):
            raise Refused(
                f"{worker.worker_id} is still {worker.state} ({worker.detail})",
                hint=f"stop it first: gate dispatch stop --issue {issue} --backend github-actions",
            )
    worker = workers[current.worker_id]
    run_id = run_id_of(current.data)
    name = f"review-gate-{current.worker_id}"
    found = [a for a in client.artifacts(run_id) if a.get("name") == name] if run_id else []
    rescue_dir: Path | None = None
    files: list[Path] = []
    notes: list[str] = []
    if found and isinstance(found[0].get("id"), int):
        rescue_dir = _fresh(ctx.state / "rescue" / current.worker_id)
        files = _extract(client.artifact_zip(found[0]["id"]), rescue_dir)
        notes.append(f"artifact {name} of run {run_id} saved in {rescue_dir}")
    elif worker.state not in ("completed", "handover", "blocked"):
        if not force:
            raise Refused(
                f"{current.worker_id} {worker.detail}, and its run has no artifact {name} "
                "(expired, or the job ended before uploading it); its unpushed work may "
                "exist nowhere else",
                hint=f"look at the run ({current.worktree}); --force releases the claim anyway",
            )
        notes.append(f"no artifact {name}: released without saving anything (--force)")
    released: list[str] = []
    for claim in claims.active:
        if not is_remote(claim.data):
            continue
        state = workers[claim.worker_id].state if claim.worker_id in workers else "failed"
        why = actions_state.release_reason(state)
        if reason is not None and reason[0] == claim.worker_id:
            why = reason[1]
        post_release(ctx.tracker, issue, claim.worker_id, why)
        released.append(claim.worker_id)
        board.released(ctx, issue, claim.worker_id, why, claim.branch)  # never raises
    bundle = next((str(f) for f in files if f.name == "commits.bundle"), None)
    patch = next((str(f) for f in files if f.name == "worktree.patch"), None)
    tarball = next((f for f in files if f.name == "ignored.tar"), None)
    restore = _restore(ctx.main, rescue_dir, bundle, patch, tarball) if rescue_dir else []
    return CleanupResult(
        issue=issue,
        worker_id=current.worker_id,
        state=worker.state,
        worktree=current.worktree,
        removed=False,
        kept=False,
        rescue_dir=str(rescue_dir) if rescue_dir else None,
        bundle=bundle,
        patch=patch,
        released=tuple(released),
        notes=tuple(notes),
        ignored=str(tarball) if tarball else None,
        restore=tuple(restore),
    )


def _restore(
    main: Path, dest: Path, bundle: str | None, patch: str | None, tarball: Path | None
) -> list[str]:
    """The restore commands for this host (the job's restore.txt names runner paths)."""
    tip = ref = None
    if bundle is not None:
        _, out, _ = run("git", "bundle", "list-heads", bundle, cwd=main, check=False)
        heads = out.split()
        if len(heads) >= 2:
            tip, ref = heads[0], heads[1]
    risk = rescue.AtRisk(main, True, None, tip, ref, None, (), (), ())
    return rescue.restore_commands(
        main, risk, dest, Path(bundle) if bundle and ref else None,
        Path(patch) if patch else None, tarball,
    )  # fmt: skip
