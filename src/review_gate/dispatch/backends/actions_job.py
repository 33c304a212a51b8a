"""``gate dispatch worker``: one worker inside a GitHub Actions job.

The same code path as a local worker (:mod:`review_gate.dispatch.spawn`), minus the
worktree: the job's checkout is the worker's directory. In order:

1. the issue's WORKER claim for this worker id must exist and hold the issue (the
   dispatcher posts it *before* dispatching): a run without one does nothing (exit 1);
2. the run's address is recorded in the claim (its ``worktree``: :mod:`.remote_claim`);
   a claim that names another run is refused (never two runs for one claim);
3. the worker's branch is checked out (the remote one, else a new one from the base);
4. the gates are wired in (:func:`review_gate.dispatch.wiring.wire`: the agent's
   PreToolUse/Stop hooks and the git hooks), the prompt is built from the issue, its
   latest HANDOVER, what the tracker says of a failed attempt before it (its run and
   its Failed report: :func:`previous_failure`) and the packaged template;
5. the agent runs in its own process group, its output in ``<out>/worker.log``; a
   heartbeat refreshes the lease every ``heartbeat`` seconds while that log grows;
6. the deadline watchdog: ``handover_minutes`` before ``deadline_minutes`` the agent
   is stopped and started again with a prompt asking for a HANDOVER only (unless it
   posted an outcome already); at the deadline anything still running is killed.

Cancelling the job (SIGINT, then SIGTERM from the runner) stops the agent's group at
once; the workflow's ``if: cancelled()`` steps then report and save the work
(:func:`report` and :func:`save`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import NamedTuple

from review_gate.dispatch import agents, wiring
from review_gate.dispatch import worktree as wt
from review_gate.dispatch.backends.remote_claim import run_id_of, run_location
from review_gate.dispatch.context import Context, open_context
from review_gate.dispatch.prompt import PromptInputs, handover_context, load_template, render
from review_gate.dispatch.registry import Claim, heartbeat, read_claims
from review_gate.dispatch.status import failure_report, outcome
from review_gate.errors import GateError, JobCancelled, Refused, UsageError
from review_gate.proc import run
from review_gate.records import Comment


def previous_failure(comments: Sequence[Comment], ctx: Context, attempt: int) -> str | None:
    """The failure context of a retry on a runner, read from the tracker (the
    dispatcher's own stays on its host): how attempt ``attempt - 1`` ended, its run, and
    its Failed report. None when that attempt did not fail."""
    claims = read_claims(comments, ctx.trusted)
    before = [c for c in claims.claims if c.attempt == attempt - 1]
    release = claims.released.get(before[-1].worker_id) if before else None
    if release is None or release.reason != "failed":
        return None
    previous = before[-1]
    parts = [
        f"Attempt {previous.attempt} ({previous.worker_id}) ended as **failed**; its run "
        f"and log: {previous.worktree}."
    ]
    report = failure_report(comments, ctx, previous.assigned_at)
    if report is not None:
        parts.append("Its failure report:\n\n" + report.body.strip())
    return "\n\n".join(parts)


HANDOVER_PROMPT = """\
Your time for issue #{issue} is up (worker {worker_id}, attempt {attempt}, branch \
{branch}). Do not start anything new. Commit what is worth keeping and push the branch, \
then post a HANDOVER for the next worker:

    gate new handover --issue {issue} > handover.md
    (fill it in: what is done, what is left, what you learned)
    gate issue comment {issue} --body-file handover.md

Then stop.
"""


class Job(NamedTuple):
    issue: int
    worker_id: str
    attempt: int
    branch: str
    out: Path
    agent: str = "claude"
    agent_cmd: str | None = None
    base: str | None = None
    deadline_minutes: float = 300.0
    handover_minutes: float = 10.0
    heartbeat: float = 60.0


class JobResult(NamedTuple):
    worker_id: str
    returncode: int
    handover_asked: bool
    log: str


def _own_claim(ctx: Context, issue: int, worker_id: str, here: str | None) -> Claim:
    claims = read_claims(ctx.tracker.list_comments(issue), ctx.trusted)
    claim = claims.claim_of(worker_id)
    if claim is None:
        raise Refused(
            f"issue #{issue} has no WORKER claim for {worker_id}; this run has nothing to do",
            hint="workflow runs are started by `gate dispatch spawn --backend github-actions`, "
            "which posts the claim first",
        )
    release = claims.released.get(worker_id)
    if release is not None:
        raise Refused(f"the claim of {worker_id} was released ({release.reason}); not starting")
    holder = claims.holder
    if holder is not None and holder.worker_id != worker_id:
        raise Refused(f"issue #{issue} is held by {holder.worker_id}, not {worker_id}")
    # Never two runs for one claim: a second run of the same claim (a dispatch whose
    # answer was lost and was sent again) finds the first one's run recorded, and stops.
    recorded = run_id_of(claim.data)
    if recorded is not None and here is not None and run_id_of({"worktree": here}) != recorded:
        raise Refused(f"the claim of {worker_id} belongs to run {recorded}, not this one")
    return claim


def _checkout(cwd: Path, branch: str, base: str) -> None:
    run("git", "fetch", "--quiet", "origin", cwd=cwd, check=False)
    rc, _, _ = run("git", "rev-parse", "-q", "--verify", f"refs/remotes/origin/{branch}",
                   cwd=cwd, check=False)  # fmt: skip
    start = f"origin/{branch}" if rc == 0 else f"origin/{base}"
    rc, _, _ = run("git", "rev-parse", "-q", "--verify", start, cwd=cwd, check=False)
    if rc != 0:
        start = base
    run("git", "checkout", "--quiet", "-B", branch, start, cwd=cwd)


class _Beat:
    """Refreshes the lease every ``every`` seconds from a thread until stopped — only
    while the agent's log grows, as a local worker's activity is its log: an agent that
    falls silent lets its heartbeat age, and ``status`` then calls it hung."""

    def __init__(self, ctx: Context, claim: Claim, every: float, log: Path) -> None:
        self.ctx, self.claim, self.every, self.log = ctx, claim, every, log
        self.seen = -1  # the log's size at the last beat
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _size(self) -> int:
        try:
            return self.log.stat().st_size
        except OSError:
            return 0

    def tick(self) -> bool:
        """One beat, when the log grew since the last one; whether it was posted."""
        size = self._size()
        if size == self.seen:
            return False
        try:
            comment = heartbeat(self.ctx.tracker, self.claim)
        except GateError as exc:  # one missed beat is no reason to stop the worker
            with self.log.open("a", encoding="utf-8") as f:
                f.write(f"[review-gate] heartbeat failed: {exc}\n")
            return False
        self.claim = Claim(comment, self.claim.data)
        self.seen = size
        return True

    def _loop(self) -> None:
        while not self.done.wait(self.every):
            self.tick()

    def __enter__(self) -> _Beat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(timeout=30)


def _start(command: agents.Command, cwd: Path, env: dict[str, str], log: Path,
           prompt_file: Path) -> subprocess.Popen[bytes]:  # fmt: skip
    stdin = prompt_file.open("rb") if command.stdin_prompt else subprocess.DEVNULL
    with log.open("ab") as out:
        try:
            return subprocess.Popen(
                list(command.argv), cwd=cwd, env=env, stdin=stdin, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        finally:
            if not isinstance(stdin, int):
                stdin.close()


def _wait(proc: subprocess.Popen[bytes], until: float) -> int | None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        return proc.wait(timeout=max(0.0, until - time.monotonic()))
    return None


def _stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM to the agent's process group, ``grace`` seconds, then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)
            return


_Cancelled = JobCancelled


def _raise_cancelled(signum: int, frame: FrameType | None) -> None:
    raise _Cancelled(signum)


def run_job(cwd: Path, job: Job, environ: Mapping[str, str] | None = None) -> JobResult:
    """Run the worker of ``job`` in the checkout ``cwd`` (see the module docstring)."""
    from review_gate.install.hook_files import resolve_gate

    env_in = dict(os.environ if environ is None else environ)
    if job.handover_minutes >= job.deadline_minutes:
        raise UsageError(
            f"--handover-minutes ({job.handover_minutes:g}) must be less than "
            f"--deadline-minutes ({job.deadline_minutes:g})"
        )
    ctx = open_context(cwd)
    here = run_location(env_in)
    claim = _own_claim(ctx, job.issue, job.worker_id, here)
    data = {**claim.data, "worktree": here} if here else dict(claim.data)
    claim = Claim(heartbeat(ctx.tracker, Claim(claim.comment, data)), data)
    base = wt.default_base(ctx.main, job.base or ctx.config.base_branch)
    gate = resolve_gate()
    agent = agents.prepare(
        agents.resolve(job.agent, job.agent_cmd), path=wiring.worker_path(gate, env_in), cwd=cwd
    )
    _checkout(ctx.main, job.branch, base)
    wired = wiring.wire(ctx.main, ctx.state, env_in)
    issue = ctx.tracker.get_issue(job.issue)
    comments = ctx.tracker.list_comments(job.issue)
    job.out.mkdir(parents=True, exist_ok=True)
    log, prompt_file = job.out / "worker.log", job.out / "prompt.md"
    inputs = PromptInputs(
        issue=issue, worker_id=job.worker_id, attempt=job.attempt, branch=job.branch,
        base=base, worktree=str(ctx.main), tracker=ctx.tracker.name,
        handover=handover_context(comments, ctx.trusted), orchestration=claim.orchestration,
        failure=previous_failure(comments, ctx, job.attempt),
    )  # fmt: skip
    prompt_file.write_text(render(load_template(), inputs), encoding="utf-8")
    env = wiring.worker_env(  # orchestration: the loop (or spawn) that dispatched this run
        issue=job.issue, worker_id=job.worker_id, tracker=ctx.tracker.name, repo=ctx.repo,
        base=job.base, gate=gate, environ=env_in, orchestration=claim.orchestration,
    )  # fmt: skip

    def command(prompt: str) -> agents.Command:
        launch = agents.Launch(
            prompt=prompt, prompt_file=prompt_file, issue=job.issue, worktree=ctx.main,
            worker_id=job.worker_id,
            extra_args=wired.agent_args if agent.name == "codex" else (),
        )  # fmt: skip
        return agent.command(launch)

    started = time.monotonic()
    deadline = started + job.deadline_minutes * 60
    ask_at = max(started, deadline - job.handover_minutes * 60)
    asked = False
    previous = {s: signal.signal(s, _raise_cancelled) for s in (signal.SIGINT, signal.SIGTERM)}
    proc: subprocess.Popen[bytes] | None = None
    try:
        with _Beat(ctx, claim, job.heartbeat, log) as beat:
            proc = _start(command(prompt_file.read_text()), ctx.main, env, log, prompt_file)
            code = _wait(proc, ask_at)
            if code is None:
                _stop(proc)
                asked = (
                    outcome(ctx, job.issue, beat.claim, ctx.tracker.list_comments(job.issue))
                    is None
                )
                code = proc.returncode if proc.returncode is not None else -9
                if asked:
                    with log.open("a", encoding="utf-8") as f:
                        f.write("[review-gate] deadline near: asking the agent for a HANDOVER\n")
                    text = HANDOVER_PROMPT.format(
                        issue=job.issue, worker_id=job.worker_id, attempt=job.attempt,
                        branch=job.branch,
                    )  # fmt: skip
                    prompt_file.write_text(text, encoding="utf-8")
                    proc = _start(command(text), ctx.main, env, log, prompt_file)
                    code = _wait(proc, deadline)
                    if code is None:
                        _stop(proc)
                        code = -9
    except _Cancelled as exc:
        if proc is not None and proc.poll() is None:
            _stop(proc, grace=5.0)
        return JobResult(job.worker_id, 128 + exc.signum, asked, str(log))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return JobResult(job.worker_id, code, asked, str(log))
