"""``gate dispatch spawn``: claim an issue, prepare its worktree, start the agent.

Order matters (seed 000: "Register in GitHub BEFORE spawning"):

1. read the issue's claims; refuse when a live lease holds it; release dead leases;
2. post our assignment; re-read; if an earlier active claim exists, we lost the race:
   withdraw ours and refuse (the earliest active claim wins, so two dispatchers racing
   for one issue end with exactly one worker);
3. create or reuse the worktree, wire the gates in, write the prompt;
4. start the agent in its own process group (argv, no shell), write the pid record
   atomically, and edit the assignment with the pid.

Any failure after step 2 releases the claim (reason ``failed``) before raising.
"""

from __future__ import annotations

import contextlib
import subprocess
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
from review_gate.trackers.base import Comment


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


def spawn(ctx: Context, request: SpawnRequest) -> Spawned:
    """Claim ``request.issue`` and start a worker on it (see the module docstring)."""
    issue_no = request.issue
    agent = agents.resolve(request.agent, request.agent_cmd)
    template = load_template(request.prompt_template)
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
    try:
        return _start(
            ctx, request, agent, template, issue, claim, base, handover, failure, released
        )
    except BaseException as exc:
        reason = f"spawn failed: {exc}" if isinstance(exc, GateError) else "spawn interrupted"
        with contextlib.suppress(GateError):
            post_release(ctx.tracker, issue_no, worker_id, "failed", reason[:300])
        raise


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
) -> Spawned:
    from review_gate.hooks.install import resolve_gate

    data = claim.data
    worker_id = claim.worker_id
    path = Path(data["worktree"])
    prepared = wt.ensure_worktree(ctx.main, path, data["branch"], base)
    wired = wiring.wire(prepared.path, ctx.state)
    directory = workers_dir(ctx.state)
    prompt_file = directory / f"{worker_id}.prompt.md"
    log = directory / f"{worker_id}.log"
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
    with open(log, "ab") as out:
        stdin: Any = open(prompt_file, "rb") if command.stdin_prompt else subprocess.DEVNULL  # noqa: SIM115
        try:
            proc = subprocess.Popen(
                command.argv,
                cwd=prepared.path,
                env=env,
                stdin=stdin,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        except FileNotFoundError:
            raise UsageError(
                f"agent command not found: {command.argv[0]}",
                hint="check --agent-cmd, or put the agent on PATH",
            ) from None
        except OSError as exc:
            raise UsageError(f"cannot start {command.argv[0]}: {exc.strerror}") from None
        finally:
            if command.stdin_prompt:
                stdin.close()
    try:
        record = WorkerRecord(
            worker_id=worker_id,
            issue=issue.number,
            pid=proc.pid,
            start_time=procs.start_time(proc.pid),
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
        heartbeat(ctx.tracker, claim, pid=proc.pid, branch=prepared.branch)
    except BaseException:
        # The claim is about to be released: the process must not outlive it.
        procs.terminate(worker_id, proc.pid, procs.start_time(proc.pid), grace=2.0)
        proc.wait()
        raise
    # Kept so that a long-lived caller (`run`) can reap the child when it exits.
    _PROCESSES[worker_id] = proc
    return Spawned(
        issue=issue.number,
        worker_id=worker_id,
        attempt=claim.attempt,
        pid=proc.pid,
        worktree=str(prepared.path),
        branch=prepared.branch,
        log=str(log),
        record=str(record_path),
        prompt_file=str(prompt_file),
        argv=command.argv,
        released=tuple(released),
        notes=(*prepared.notes, *wired.notes),
    )


# Children started by this process (for `run`, which reaps them as they exit).
_PROCESSES: dict[str, subprocess.Popen[bytes]] = {}


def reap_children() -> list[str]:
    """Collect the exit status of finished children; returns their worker ids."""
    done = [wid for wid, proc in _PROCESSES.items() if proc.poll() is not None]
    for wid in done:
        del _PROCESSES[wid]
    return done


def exited_child(worker_id: str) -> int | None:
    proc = _PROCESSES.get(worker_id)
    return proc.returncode if proc is not None else None
