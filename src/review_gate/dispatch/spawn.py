"""``gate dispatch spawn``: claim an issue, prepare its worktree, start the agent.

Order matters: the tracker learns of a worker before it starts (docs/dispatch.md, "spawn"):

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

Steps 1-2 and the undo are in :mod:`.claim`, starting the agent in :mod:`.launch`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from review_gate.dispatch import (
    agents,
    audit,
    board,
    budget,
    fleet,
    procs,
    review_identity,
    review_worktree,
    roles,
    wiring,
)
from review_gate.dispatch import worktree as wt
from review_gate.dispatch.claim import Progress, claim_issue, never_started, new_worker_id
from review_gate.dispatch.context import Context
from review_gate.dispatch.launch import reap_children, start_agent
from review_gate.dispatch.lease import Snapshot, scope_of
from review_gate.dispatch.prompt import PromptInputs, handover_context, load_template, render
from review_gate.dispatch.registry import (
    Claim,
    WorkerRecord,
    drop_claimer,
    drop_record,
    exit_path,
    heartbeat,
    load_claimer,
    now,
    read_claims,
    rfc3339,
    save_claimer,
    save_record,
    workers_dir,
)
from review_gate.dispatch.status import failure_context, issue_workers
from review_gate.errors import GateError, Refused, StartFailed, UsageError
from review_gate.hooks.worker_role import STATE_VAR
from review_gate.records import Comment

# `gate dispatch run` takes these from here.
__all__ = [
    "SpawnRequest",
    "Spawned",
    "StartFailed",
    "new_worker_id",
    "preflight",
    "reap_children",
    "spawn",
]


class SpawnRequest(NamedTuple):
    issue: int
    agent: str = "claude"
    agent_cmd: str | None = None
    base: str | None = None
    attempt: int | None = None
    prompt_template: Path | None = None
    handover: str | None = None  # None: the issue's latest valid HANDOVER
    failure: str | None = None  # None: worked out from the previous attempt
    orchestration: str | None = None  # the `run` loop spawning it; None: a new id
    role: str = "implement"  # implement | review | research (docs/dispatch.md, "Roles")
    # A review worker's commit under review and its branch: its worktree is
    # ../<repo>-review-<N>, detached at `head` (dispatch/review_worktree.py).
    head: str | None = None
    branch: str | None = None
    # Asked once our claim won the issue: None admits it, a reason withdraws it (`run`
    # counts the queue's slots again across hosts, see fleet.py).
    admit: Callable[[Comment], str | None] | None = None
    budget: dict[str, Any] | None = None  # --max-turns ... flags (dispatch/budget.py)


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
    from review_gate.install.hook_files import resolve_gate

    roles.check_role(request.role)
    agent = agents.resolve(request.agent, request.agent_cmd)
    template = load_template(request.prompt_template, request.role)
    path = wiring.worker_path(resolve_gate())
    return agents.prepare(agent, path=path, cwd=Path.cwd()), template


def spawn(ctx: Context, request: SpawnRequest) -> Spawned:
    """Claim ``request.issue`` and start a worker on it (see the module docstring).

    Runs in the repository's dispatch turn (:func:`.fleet.turn`): a ``run`` loop of this
    host never decides on a view this spawn is about to change."""
    agent, template = preflight(request)
    with fleet.turn(ctx.state):
        if request.orchestration is None:  # a standalone spawn is an orchestration of its own
            request = request._replace(orchestration=fleet.new_id(ctx.state))
        spawned = _spawn(ctx, request, agent, template)
    audit.record(
        ctx.state, "spawn", issue=spawned.issue, worker_id=spawned.worker_id,
        orchestration=request.orchestration, attempt=spawned.attempt, pid=spawned.pid,
        agent=request.agent if request.agent_cmd is None else "custom", role=request.role,
        message=f"attempt {spawned.attempt}, pid {spawned.pid}, branch {spawned.branch}",
    )  # fmt: skip
    # After the turn: the board is bookkeeping (never raises), and slow GraphQL calls
    # must not hold up this host's other dispatchers.
    board.move(
        ctx, spawned.issue, board.IN_PROGRESS, f"{spawned.worker_id} spawned (attempt "
        f"{spawned.attempt}, {request.role})", worker_id=spawned.worker_id,
        orchestration=request.orchestration,
    )  # fmt: skip
    return spawned


def _spawn(ctx: Context, request: SpawnRequest, agent: agents.Agent, template: str) -> Spawned:
    issue_no = request.issue
    issue = ctx.tracker.get_issue(issue_no)
    if issue.state != "open":
        raise Refused(f"issue #{issue_no} is {issue.state}; only open issues get workers")
    comments = ctx.tracker.list_comments(issue_no)
    claims = read_claims(comments, ctx.trusted)
    if request.attempt is not None and request.attempt < 1:
        raise UsageError("--attempt must be at least 1")
    # The tracker has the last word (claim_issue): an attempt number is never reused.
    attempt = max(request.attempt or 1, claims.attempts + 1)
    worker_id = new_worker_id(ctx, issue_no, claims)
    path = wt.worktree_path(ctx.main, issue_no)
    if roles.is_read_only(request.role):  # never the implementer's worktree (its hooks)
        path = review_worktree.role_path(ctx.main, issue_no, request.role)
    existing = wt.find_worktree(ctx.main, path)
    if existing is None and path.exists():
        raise UsageError(
            f"{path} exists but is not a worktree of this repository",
            hint="move it away, or remove it if it holds nothing you need",
        )
    branch = request.branch or (
        existing.branch if existing and existing.branch else wt.branch_name(issue_no, issue.title)
    )
    base = wt.default_base(ctx.main, request.base or ctx.config.base_branch)
    if request.role == "research" and request.branch is None:
        branch = base  # a research worker reads the base; it has no branch of its own
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
        "role": request.role,
    }
    if request.orchestration:
        data["orchestration"] = request.orchestration
    failure = request.failure
    if failure is None and attempt > 1:
        failure = _previous_failure(ctx, issue_no, comments)
    handover = request.handover
    if handover is None:
        handover = handover_context(comments, ctx.trusted)
    mine, released = claim_issue(
        ctx, issue_no, data, min_attempt=request.attempt or 1, admit=request.admit
    )
    claim = Claim(mine, data)
    progress = Progress()
    try:
        return _start(
            ctx, request, agent, template, issue, claim, base, handover, failure, released,
            progress,
        )  # fmt: skip
    except BaseException as exc:
        why = f"{exc}" if isinstance(exc, GateError) else "spawn interrupted"
        never_started(ctx, claim, progress, why)
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
    progress: Progress,
) -> Spawned:
    from review_gate.install.hook_files import resolve_gate

    data = claim.data
    worker_id = claim.worker_id
    path = Path(data["worktree"])
    if roles.is_read_only(request.role):
        head = request.head or review_worktree.base_commit(ctx.main, base)
        prepared = review_worktree.ensure_detached(ctx.main, path, head, data["branch"])
    else:
        prepared = wt.ensure_worktree(ctx.main, path, data["branch"], base)
    progress.prepared = prepared
    local = ctx.tracker.name == "local"
    wired = roles.wire(prepared.path, ctx.state, request.role, worker_id, local_tracker=local)
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
        orchestration=request.orchestration,
        role=request.role,
        head=request.head,
    )
    prompt = render(template, inputs)
    prompt_file.write_text(prompt, encoding="utf-8")
    limits = budget.resolve(ctx.config, request.budget)
    launch = agents.Launch(
        prompt=prompt,
        prompt_file=prompt_file,
        issue=issue.number,
        worktree=prepared.path,
        worker_id=worker_id,
        extra_args=wired.agent_args if agent.name == "codex" else (),
        role=request.role,
        review_commands=ctx.config.review_commands,
        max_turns=budget.claude_max_turns(limits),
    )
    command = agent.command(launch)
    env = wiring.worker_env(
        issue=issue.number,
        worker_id=worker_id,
        tracker=ctx.tracker.name,
        repo=ctx.repo,
        base=request.base,
        gate=resolve_gate(),
        orchestration=request.orchestration,
    )
    # With the id, the worktree ties a process to this worker (procs.Scope): ids of two
    # repositories never match each other's processes.
    env[procs.WORKTREE_VAR] = str(data["worktree"])
    # Where the hooks read this worker's role from (hooks/worker_role.py).
    env[STATE_VAR] = str(ctx.state)
    # The reviewer identity: a review worker's alone (dispatch/review_identity.py).
    review_identity.apply(env, request.role, ctx.config)
    if request.role != "implement":  # a pager in a terminal runs commands (less's `!cmd`)
        env.update(GIT_PAGER="cat", PAGER="cat", LESSSECURE="1")
        # and git runs no program the checkout's config names (hooks/read_only_git.py)
        from review_gate.hooks.read_only_git import neutral_config_env

        env.update(neutral_config_env(env))
    # The worker's budget, where its hooks count its tool calls (dispatch/budget.py).
    env.update(budget.start(ctx.state, worker_id, issue=issue.number, agent=str(data["agent"]),
                            log=log, limits=limits, worktree=prepared.path))  # fmt: skip
    started_at = rfc3339(now())

    def supervised(pid: int, start: int | None) -> None:
        claimer = load_claimer(ctx.state, worker_id)
        if claimer is not None:
            replaced = dataclasses.replace(claimer, supervisor_pid=pid, supervisor_start=start)
            save_claimer(ctx.state, replaced)

    started = start_agent(
        command, prepared.path, env, log, prompt_file, exit_path(ctx.state, worker_id), worker_id,
        on_supervisor=supervised,
    )  # fmt: skip
    pid = started.pid
    record = WorkerRecord(
        worker_id=worker_id,
        issue=issue.number,
        pid=pid,
        start_time=procs.start_time(pid),
        boot_id=procs.boot_id(),
        host=ctx.host,
        argv=command.argv,
        started_at=started_at,
        worktree=str(data["worktree"]),
        branch=prepared.branch,
        attempt=claim.attempt,
        agent=str(data["agent"]),
        log=str(log),
        prompt_file=str(prompt_file),
        supervisor_pid=started.supervisor,
        supervisor_start=started.supervisor_start,
        orchestration=request.orchestration,
        role=request.role,
        review_commands=ctx.config.review_commands if request.role == "review" else (),
    )
    try:
        record_path = save_record(ctx.state, record)
        drop_claimer(ctx.state, worker_id)
        heartbeat(ctx.tracker, claim, pid=pid, branch=prepared.branch)
    except BaseException:
        # The claim is about to be withdrawn: the process must not outlive it.
        procs.terminate(scope_of(claim, record), grace=2.0)
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
