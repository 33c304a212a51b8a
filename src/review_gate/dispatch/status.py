"""Worker status, from the process table and the issue's artifacts (never the log's text).

States:

- ``running``: a process of the worker is alive (see :mod:`.procs`), or its dispatcher
  is still starting it;
- ``hung``: alive, but its log has not grown for ``hang_after`` seconds;
- ``completed`` / ``handover`` / ``blocked`` / ``failed``: no process left, and the
  latest outcome posted by a trusted author after the assignment is, respectively, a
  complete passing REVIEW of the issue (valid, COMPLETE, Unaddressed 0: what a PR
  needs), a valid HANDOVER, a ``**Worker Blocked**`` report, or a ``**Worker Failed**``
  report (a REPORT block counts only as its own worker's, with its reason as the
  detail: :mod:`.worker_reports`). With no outcome, a worker started here (pid record
  present) has ``failed``;
- ``orphaned``: the assignment is active, but this host has neither a pid record nor a
  process of the worker, and no outcome was posted (a dispatcher died between posting
  the claim and starting the agent — "never started" when its claimer record says so —
  or the record was deleted). A claim from another host is ``running`` while its lease
  is fresh and ``orphaned`` once it is stale.

The log is used only for its modification time (activity), never for its contents.
"""

from __future__ import annotations

import datetime
import os
import re
import signal
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from review_gate.dispatch import budget as budgets
from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Snapshot, heartbeat_age, liveness
from review_gate.dispatch.registry import (
    Claim,
    IssueClaims,
    list_records,
    now,
    parse_time,
    read_claims,
    read_exit,
    rfc3339,
)
from review_gate.dispatch.worker_reports import exit_reports, has_report_block
from review_gate.gates.common import comment_order, find_artifacts, issue_mismatch, split_trusted
from review_gate.records import Comment

STATES = ("running", "hung", "completed", "handover", "blocked", "failed", "orphaned")

_REPORTS = {
    "blocked": re.compile(r"^\s*(?:🤖\s*)?\*\*Worker Blocked\*\*"),
    "failed": re.compile(r"^\s*(?:🤖\s*)?\*\*Worker Failed\b"),
}
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


class Outcome(NamedTuple):
    state: str  # completed | handover | blocked | failed
    comment: Comment
    detail: str


class WorkerStatus(NamedTuple):
    issue: int
    worker_id: str
    attempt: int
    state: str
    active: bool  # the assignment has not been released
    released: str | None  # the release reason, when released
    host: str | None
    pids: tuple[int, ...]
    agent: str | None
    branch: str | None
    worktree: str
    started_at: str | None
    runtime: float | None  # seconds: start to now, or to the agent's exit
    last_activity: str | None  # the log's last write
    idle: float | None  # seconds since the log's last write
    log: str | None
    detail: str
    outcome_url: str | None
    exited_at: str | None = None  # when the agent exited (its supervisor's record)
    exit_code: int | None = None  # negative: killed by that signal
    worktree_exists: bool | None = None  # None: another host's worktree
    orchestration: str | None = None  # the `run` loop that owns the claim, if any
    role: str = "implement"  # implement | review | research (the claim's; absent: implement)
    # {"turns": [used, limit], "minutes": ..., "state": "ok|soft|exhausted"} (dispatch/budget.py)
    budget: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data = self._asdict()
        data["pids"] = list(self.pids)
        return data


def report_kind(body: str) -> str | None:
    """``blocked`` / ``failed`` when a line outside code fences starts the seed's report
    heading (``🤖 **Worker Blocked**``, ``🤖 **Worker Failed - Research Needed**``)."""
    fenced = False
    for line in body.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        for kind, pattern in _REPORTS.items():
            if pattern.match(line):
                return kind
    return None


def _complete_review(ctx: Context, comment: Comment, issue: int) -> bool:
    """Whether the review gate passes on this one REVIEW comment: the gate's own rules
    (issue, status, counts, tracking issues, repository), not a second reading of them.
    The head and the changed files are the PR's to check (CI runs the full gate)."""
    from review_gate.gates.review import ReviewContext, review_gate

    config = ctx.config
    context = ReviewContext(
        issue=issue,
        trusted_associations=config.trusted_associations,
        trusted_logins=config.trusted_logins,
        trust=config.trust,
        sensitive_patterns=(),
        repo=ctx.repo,
    )
    return review_gate([comment], context).passed


def outcome(ctx: Context, issue: int, claim: Claim, comments: Sequence[Comment]) -> Outcome | None:
    """The latest outcome a trusted author posted after ``claim``'s assignment."""
    after = comment_order(claim.comment)
    candidates: list[tuple[Any, int, Outcome]] = []
    for kind in ("review", "handover"):
        kept, _ = split_trusted(find_artifacts(comments, kind), ctx.config.trust.of(kind))
        for found in kept:
            key = comment_order(found.comment)
            if key <= after or not found.artifact.valid:
                continue
            if kind == "review" and _complete_review(ctx, found.comment, issue):
                result = Outcome("completed", found.comment, "a complete REVIEW was posted")
            elif (
                kind == "handover"
                and issue_mismatch(found, issue, ctx.repo, required=False) is None
            ):
                result = Outcome("handover", found.comment, "a HANDOVER was posted")
            else:
                continue
            candidates.append((key, found.artifact.line, result))
    for comment in comments:
        key = comment_order(comment)
        if key <= after or not ctx.trusted(comment):
            continue
        if has_report_block(comment):  # a REPORT block: this worker's, with its reason
            for posted in exit_reports(comment, claim.worker_id):
                reported = Outcome(posted.state, comment, posted.detail)
                candidates.append((key, posted.line, reported))
            continue
        report = report_kind(comment.body)
        if report is not None:
            detail = f"a Worker {report.title()} report"
            candidates.append((key, 0, Outcome(report, comment, detail)))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c[0], c[1]))
    return candidates[-1][2]


def _log_activity(log: str | None) -> tuple[str | None, float | None]:
    if not log:
        return None, None
    try:
        mtime = os.stat(log).st_mtime
    except OSError:
        return None, None
    moment = datetime.datetime.fromtimestamp(mtime, datetime.timezone.utc).replace(microsecond=0)
    return rfc3339(moment), max(0.0, (now() - moment).total_seconds())


def worker_status(
    ctx: Context,
    issue: int,
    claim: Claim,
    claims: IssueClaims,
    comments: Sequence[Comment],
    snapshot: Snapshot,
    *,
    hang_after: float | None = None,
) -> WorkerStatus:
    """The status of the worker behind ``claim``."""
    hang = ctx.config.hang_after if hang_after is None else hang_after
    live = liveness(ctx, claim, snapshot)
    record = live.record
    release = claims.released.get(claim.worker_id)
    active = release is None
    log: str | None = (
        record.log if record else str(ctx.state / "workers" / f"{claim.worker_id}.log")
    )
    last, idle = _log_activity(log)
    if last is None and record is None:
        log = None
    here = claim.host in (None, ctx.host)
    ended = read_exit(ctx.state, claim.worker_id) if here else None
    started = parse_time(record.started_at) if record else None
    if started is None and ended is not None:
        started = parse_time(ended.get("started_at"))
    started = started or claim.assigned_at
    result = outcome(ctx, issue, claim, comments)
    url: str | None = result.comment.url if result else None
    spent = budgets.spent(ctx.state, claim.worker_id) if here else None
    if live.alive is True:
        if idle is not None and idle >= hang:
            state, detail = "hung", f"alive ({live.detail}) but its log is silent for {idle:.0f}s"
        else:
            state, detail = "running", f"alive ({live.detail})"
        url = None
    elif result is not None:
        state, detail = result.state, result.detail
        if state == "handover" and spent and spent["state"] != "ok":
            detail += f" (reason: budget, {spent['state']}: {spent['detail']})"
    elif live.alive is None:
        age = heartbeat_age(claim)
        if active and (age is None or age < ctx.config.lease_ttl):
            state, detail = "running", f"{live.detail}; lease fresh"
        else:
            state, detail = "orphaned", f"{live.detail}; lease stale"
    elif record is not None or ended is not None:
        stopped = f" (stopped at {record.stopped_at})" if record and record.stopped_at else ""
        state, detail = "failed", f"{_how_it_ended(ended)}{stopped} without posting an outcome"
    elif active:
        state, detail = "orphaned", "assignment active, but no process or pid record on this host"
        if live.never_started:
            detail = live.detail
    else:
        state, detail = (
            "failed",
            f"released ({release.reason if release else '?'}) without an outcome",
        )
    runtime = _runtime(live.alive, started, ended, last, record.stopped_at if record else None)
    exited_at = _field(ended, "exited_at", str) if not live.alive else None
    exit_code = _field(ended, "returncode", int) if not live.alive else None
    return WorkerStatus(
        issue=issue,
        worker_id=claim.worker_id,
        attempt=claim.attempt,
        state=state,
        active=active,
        released=release.reason if release else None,
        host=claim.host,
        pids=live.pids,
        agent=claim.agent,
        branch=claim.branch,
        worktree=claim.worktree,
        started_at=rfc3339(started) if started else None,
        runtime=runtime,
        last_activity=last,
        idle=idle,
        log=log,
        detail=detail,
        outcome_url=url,
        exited_at=exited_at,
        exit_code=exit_code,
        worktree_exists=Path(claim.worktree).is_dir() if here and claim.worktree else None,
        orchestration=claim.orchestration,
        role=claim.role,
        budget=spent,
    )


def _field(data: dict[str, Any] | None, key: str, kind: type[Any]) -> Any:
    value = data.get(key) if data else None
    return value if isinstance(value, kind) and not isinstance(value, bool) else None


def _how_it_ended(ended: dict[str, Any] | None) -> str:
    code = _field(ended, "returncode", int)
    if code is None:
        return "exited"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}"
    return f"exited with code {code}"


def _runtime(
    alive: bool | None,
    started: datetime.datetime | None,
    ended: dict[str, Any] | None,
    last: str | None,
    stopped_at: str | None,
) -> float | None:
    """Seconds from the agent's start to now (alive), else to its exit: measured by its
    supervisor when there is an exit record, else up to the last sign of it (the log's
    last write, a stop)."""
    if alive is not False:
        end = now() if alive else None
    else:
        measured = ended.get("runtime") if ended else None
        if isinstance(measured, (int, float)) and not isinstance(measured, bool):
            return max(0.0, float(measured))
        signs = [t for t in (parse_time(last), parse_time(stopped_at)) if t is not None]
        end = max(signs) if signs else None
    if started is None or end is None:
        return None
    return max(0.0, (end - started).total_seconds())


def issue_workers(
    ctx: Context,
    issue: int,
    snapshot: Snapshot,
    *,
    comments: Sequence[Comment] | None = None,
    hang_after: float | None = None,
) -> list[WorkerStatus]:
    """The current worker of ``issue`` (its latest claim) plus any other active claim."""
    comments = ctx.tracker.list_comments(issue) if comments is None else comments
    claims = read_claims(comments, ctx.trusted)
    shown: list[Claim] = list(claims.active)
    if claims.latest is not None and claims.latest not in shown:
        shown.append(claims.latest)
    shown.sort(key=lambda c: comment_order(c.comment))
    return [
        worker_status(ctx, issue, c, claims, comments, snapshot, hang_after=hang_after)
        for c in shown
    ]


def status(
    ctx: Context, issues: Iterable[int] | None = None, *, hang_after: float | None = None
) -> list[WorkerStatus]:
    """Workers of ``issues``; by default of every issue with a pid record on this host."""
    records = list_records(ctx.state) if issues is None else []
    wanted = sorted({r.issue for r in records} if issues is None else set(issues))
    snapshot = Snapshot(records)  # each record read once, not again per worker
    result: list[WorkerStatus] = []
    for issue in wanted:
        result.extend(issue_workers(ctx, issue, snapshot, hang_after=hang_after))
    return result


def log_tail(path: str | None, lines: int = 30, width: int = 400) -> str:
    """The last ``lines`` lines of a log, each cut to ``width`` characters."""
    if not path:
        return ""
    try:
        with Path(path).open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64_000))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    tail = text.splitlines()[-lines:]
    return "\n".join(line if len(line) <= width else line[:width] + " [...]" for line in tail)


def failure_report(
    comments: Sequence[Comment], ctx: Context, since: datetime.datetime | None
) -> Comment | None:
    """The latest trusted Failed report posted at or after ``since``."""
    reports = [
        c
        for c in comments
        if ctx.trusted(c)
        and report_kind(c.body) == "failed"
        and (since is None or (parse_time(c.created_at) or since) >= since)
    ]
    return reports[-1] if reports else None


def failure_context(worker: WorkerStatus, comments: Sequence[Comment], ctx: Context) -> str:
    """What a retry should know: how the previous attempt ended, its own failure report,
    and the end of its log."""
    parts = [
        f"Attempt {worker.attempt} ({worker.worker_id}) ended as **{worker.state}**: "
        f"{worker.detail}."
    ]
    report = failure_report(comments, ctx, parse_time(worker.started_at))
    if report is not None:
        parts.append("Its failure report:\n\n" + report.body.strip())
    tail = log_tail(worker.log)
    if tail:
        parts.append("The end of its log:\n\n```\n" + tail + "\n```")
    return "\n\n".join(parts)
