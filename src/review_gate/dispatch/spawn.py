"""``gate dispatch spawn``: claim an issue, prepare its worktree, start the agent.

Order matters (seed 000: "Register in GitHub BEFORE spawning"):

1. read the issue's claims; refuse when a live lease holds it; release dead leases;
2. post our assignment; re-read; if an earlier active claim exists, we lost the race:
   withdraw ours and refuse (the earliest active claim wins, so two dispatchers racing
   for one issue end with exactly one worker);
3. create or reuse the worktree, wire the gates in, write the prompt;
4. start the agent in its own process group (argv, no shell), write the pid record
   atomically, and edit the assignment with the pid.

Everything that can be checked is checked before step 2 (the agent's program, its
template, the prompt template, the base branch): a mistake there costs nothing. A
failure after step 2 and before the agent runs withdraws the claim (no attempt is
counted) and takes back a worktree made for it while it is untouched.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

from review_gate.dispatch import agents, procs, wiring
from review_gate.dispatch import worktree as wt
from review_gate.dispatch.context import Context, Refused
from review_gate.dispatch.lease import Snapshot, lease_holds
from review_gate.dispatch.prompt import PromptInputs, handover_context, load_template, render
from review_gate.dispatch.registry import (
    Claim,
    IssueClaims,
    WorkerRecord,
    assignment_body,
    drop_record,
    exit_path,
    heartbeat,
    list_records,
    now,
    post_release,
    read_claims,
    rfc3339,
    save_record,
    withdraw_body,
    workers_dir,
)
from review_gate.dispatch.status import failure_context, issue_workers
from review_gate.errors import GateError, UsageError
from review_gate.gates.common import comment_order
from review_gate.records import Comment


class SpawnRequest(NamedTuple):
    issue: int
    agent: str = "claude"
    agent_cmd: str | None = None
    base: str | None = None
    attempt: int | None = None
    prompt_template: Path | None = None
    handover: str | None = None  # None: the issue's latest valid HANDOVER
    failure: str | None = None  # None: worked out from the previous attempt


class Spawned(NamedTuple):
    issue: int
    worker_id: str
    attempt: int
    pid: int
    worktree: str
    branch: str
    log: str
    record: str
    prompt_file: str
    argv: tuple[str, ...]
    released: tuple[str, ...]  # dead claims this spawn took over
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        data = self._asdict()
        data["argv"] = list(self.argv)
        data["released"] = list(self.released)
        data["notes"] = list(self.notes)
        return data


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


def _claim(ctx: Context, issue: int, data: dict[str, Any]) -> tuple[Comment, list[str]]:
    """Steps 1-2: post our claim and make sure it won. Returns (our comment, released)."""
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


def _previous_failure(ctx: Context, issue: int, comments: list[Comment]) -> str | None:
    workers = issue_workers(ctx, issue, Snapshot(), comments=comments)
    if not workers:
        return None
    last = workers[-1]
    if last.state not in ("failed", "orphaned", "hung"):
        return None
    return failure_context(last, comments, ctx)


def preflight(request: SpawnRequest) -> tuple[agents.Agent, str]:
    """Everything that can be checked before claiming: the agent's program can be
    started and its template is sound, the prompt template reads. A mistake here costs
    no comment, no worktree and no attempt."""
    from review_gate.install.agents import resolve_gate

    agent = agents.resolve(request.agent, request.agent_cmd)
    template = load_template(request.prompt_template)
    path = wiring.worker_path(resolve_gate())
    return agents.prepare(agent, path=path, cwd=Path.cwd()), template


def spawn(ctx: Context, request: SpawnRequest) -> Spawned:
    """Claim ``request.issue`` and start a worker on it (see the module docstring)."""
    issue_no = request.issue
    agent, template = preflight(request)
    issue = ctx.tracker.get_issue(issue_no)
    if issue.state != "open":
        raise Refused(f"issue #{issue_no} is {issue.state}; only open issues get workers")
    comments = ctx.tracker.list_comments(issue_no)
    claims = read_claims(comments, ctx.trusted)
    attempt = request.attempt or claims.attempts + 1
    if attempt < 1:
        raise UsageError("--attempt must be at least 1")
    worker_id = new_worker_id(ctx, issue_no, claims)
    path = wt.worktree_path(ctx.main, issue_no)
    existing = wt.find_worktree(ctx.main, path)
    if existing is None and path.exists():
        raise UsageError(
            f"{path} exists but is not a worktree of this repository",
            hint="move it away, or remove it if it holds nothing you need",
        )
    branch = (
        existing.branch if existing and existing.branch else wt.branch_name(issue_no, issue.title)
    )
    base = wt.default_base(ctx.main, request.base or ctx.config.base_branch)
    agent_name = agent.name if request.agent_cmd is None else "custom"
    stamp = rfc3339(now())
    data: dict[str, Any] = {
        "assigned": True,
        "worker_id": worker_id,
        "assigned_at": stamp,
        "worktree": str(path),
        "issue": issue_no,
        "attempt": attempt,
        "branch": branch,
        "agent": agent_name,
        "host": ctx.host,
        "heartbeat_at": stamp,
    }
    failure = request.failure
    if failure is None and attempt > 1:
        failure = _previous_failure(ctx, issue_no, comments)
    handover = request.handover
    if handover is None:
        handover = handover_context(comments, ctx.trusted)
    mine, released = _claim(ctx, issue_no, data)
    claim = Claim(mine, data)
    progress = _Progress()
    try:
        return _start(
            ctx, request, agent, template, issue, claim, base, handover, failure, released,
            progress,
        )  # fmt: skip
    except BaseException as exc:
        why = f"{exc}" if isinstance(exc, GateError) else "spawn interrupted"
        _never_started(ctx, claim, progress, why)
        raise


class _Progress:
    """What ``_start`` has made so far, for :func:`_never_started` to take back."""

    def __init__(self) -> None:
        self.prepared: wt.Prepared | None = None
        self.files: list[Path] = []


def _never_started(ctx: Context, claim: Claim, progress: _Progress, why: str) -> None:
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


class StartFailed(UsageError):
    """The agent's program could not be executed (after the checks before claiming)."""


def _launch_supervised(
    command: agents.Command, cwd: Path, env: dict[str, str], log: Path, prompt_file: Path,
    exit_file: Path, worker_id: str,
) -> subprocess.Popen[bytes]:  # fmt: skip
    """Start the agent under :mod:`._supervise` and return the supervisor (the agent's
    pid is ``_AGENT_PIDS[supervisor.pid]``). Raises :class:`StartFailed` when the agent
    cannot be executed."""
    spec = {
        "argv": list(command.argv),
        "cwd": str(cwd),
        "env": env,
        "log": str(log),
        "stdin": str(prompt_file) if command.stdin_prompt else None,
        "exit_file": str(exit_file),
        "worker_id": worker_id,
    }
    # The supervisor is no process of the worker: it must not carry anyone's marker.
    own_env = {k: v for k, v in os.environ.items() if k != procs.MARKER_VAR}
    with open(log, "ab") as err:
        supervisor = subprocess.Popen(
            [sys.executable, "-I", "-S", str(_SUPERVISOR)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            env=own_env,
            start_new_session=True,
            close_fds=True,
        )
    assert supervisor.stdin is not None and supervisor.stdout is not None
    try:
        supervisor.stdin.write(json.dumps(spec).encode() + b"\n")
        supervisor.stdin.close()
        ready, _, _ = select.select([supervisor.stdout], [], [], _SUPERVISOR_TIMEOUT)
        line = supervisor.stdout.readline() if ready else b""
    except OSError:
        line = b""
    finally:
        supervisor.stdout.close()
    try:
        reply = json.loads(line)
    except ValueError:
        reply = {}
    if isinstance(reply.get("pid"), int):
        _AGENT_PIDS[supervisor.pid] = reply["pid"]
        return supervisor
    with contextlib.suppress(OSError):
        supervisor.kill()
    supervisor.wait()
    if "error" in reply:
        program = command.argv[0]
        why = str(reply["error"])
        found = shutil.which(program, path=env.get("PATH")) if "/" not in program else program
        if reply.get("errno") == errno.ENOENT and found and os.path.isfile(found):
            why = "its #! interpreter was not found"
        raise StartFailed(
            f"cannot start the agent {program}: {why}",
            hint="check the agent command; the claim was withdrawn (no attempt counted)",
        )
    raise GateError(f"the worker supervisor did not start the agent; see {log}")


def _start(
    ctx: Context,
    request: SpawnRequest,
    agent: agents.Agent,
    template: str,
    issue: Any,
    claim: Claim,
    base: str,
    handover: str | None,
    failure: str | None,
    released: list[str],
    progress: _Progress,
) -> Spawned:
    from review_gate.install.agents import resolve_gate

    data = claim.data
    worker_id = claim.worker_id
    path = Path(data["worktree"])
    prepared = wt.ensure_worktree(ctx.main, path, data["branch"], base)
    progress.prepared = prepared
    wired = wiring.wire(prepared.path, ctx.state)
    directory = workers_dir(ctx.state)
    prompt_file = directory / f"{worker_id}.prompt.md"
    log = directory / f"{worker_id}.log"
    progress.files += [prompt_file, log]
    inputs = PromptInputs(
        issue=issue,
        worker_id=worker_id,
        attempt=claim.attempt,
        branch=prepared.branch,
        base=base,
        worktree=str(prepared.path),
        tracker=ctx.tracker.name,
        handover=handover,
        failure=failure,
    )
    prompt = render(template, inputs)
    prompt_file.write_text(prompt, encoding="utf-8")
    launch = agents.Launch(
        prompt=prompt,
        prompt_file=prompt_file,
        issue=issue.number,
        worktree=prepared.path,
        worker_id=worker_id,
        extra_args=wired.agent_args if agent.name == "codex" else (),
    )
    command = agent.command(launch)
    env = wiring.worker_env(
        issue=issue.number,
        worker_id=worker_id,
        tracker=ctx.tracker.name,
        repo=ctx.repo,
        base=request.base,
        gate=resolve_gate(),
    )
    started_at = rfc3339(now())
    supervisor = _launch_supervised(
        command, prepared.path, env, log, prompt_file, exit_path(ctx.state, worker_id), worker_id
    )
    pid = _AGENT_PIDS[supervisor.pid]
    # Kept so that a long-lived caller (`run`) can reap it, and wake, when the agent exits.
    _PROCESSES[worker_id] = supervisor
    try:
        record = WorkerRecord(
            worker_id=worker_id,
            issue=issue.number,
            pid=pid,
            start_time=procs.start_time(pid),
            boot_id=procs.boot_id(),
            host=ctx.host,
            argv=command.argv,
            started_at=started_at,
            worktree=str(prepared.path),
            branch=prepared.branch,
            attempt=claim.attempt,
            agent=str(data["agent"]),
            log=str(log),
            prompt_file=str(prompt_file),
        )
        record_path = save_record(ctx.state, record)
        heartbeat(ctx.tracker, claim, pid=pid, branch=prepared.branch)
    except BaseException:
        # The claim is about to be withdrawn: the process must not outlive it.
        procs.terminate(worker_id, pid, procs.start_time(pid), grace=2.0)
        drop_record(ctx.state, worker_id)
        raise
    return Spawned(
        issue=issue.number,
        worker_id=worker_id,
        attempt=claim.attempt,
        pid=pid,
        worktree=str(prepared.path),
        branch=prepared.branch,
        log=str(log),
        record=str(record_path),
        prompt_file=str(prompt_file),
        argv=command.argv,
        released=tuple(released),
        notes=(*prepared.notes, *wired.notes),
    )


_SUPERVISOR = Path(__file__).with_name("_supervise.py")
_SUPERVISOR_TIMEOUT = 30.0
# supervisor pid -> agent pid, for the supervisors started by this process
_AGENT_PIDS: dict[int, int] = {}


# Supervisors started by this process (for `run`, which reaps them as agents exit).
_PROCESSES: dict[str, subprocess.Popen[bytes]] = {}


def reap_children() -> list[str]:
    """Collect the exit status of finished children; returns their worker ids."""
    done = [wid for wid, proc in _PROCESSES.items() if proc.poll() is not None]
    for wid in done:
        del _PROCESSES[wid]
    return done
