"""Text renderings of dispatcher results (JSON is each record's ``to_json``)."""

from __future__ import annotations

from collections.abc import Sequence

from review_gate.dispatch.cleanup import CleanupResult, ReplaceResult, StopResult
from review_gate.dispatch.spawn import Spawned
from review_gate.dispatch.status import WorkerStatus


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 10 and seconds != int(seconds):
        return f"{seconds:.1f}s"  # a short run: "0s" would read as "did not run"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def spawned(result: Spawned) -> str:
    lines = [
        f"spawned {result.worker_id} for issue #{result.issue} (attempt {result.attempt}, "
        f"pid {result.pid})",
        f"  worktree: {result.worktree}",
        f"  branch:   {result.branch}",
        f"  log:      {result.log}",
    ]
    lines += [f"  released stale claim of {w}" for w in result.released]
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines)


def table(workers: Sequence[WorkerStatus]) -> str:
    """One line per worker (``gate dispatch list``)."""
    if not workers:
        return "no workers"
    header = ("ISSUE", "WORKER", "ATT", "STATE", "RUNTIME", "LAST ACTIVITY", "PID")
    rows = [header]
    for w in workers:
        activity = f"{duration(w.idle)} ago" if w.idle is not None else "-"
        rows.append(
            (
                f"#{w.issue}",
                w.worker_id,
                str(w.attempt),
                w.state + ("" if w.active else " (released)"),
                duration(w.runtime),
                activity,
                ",".join(map(str, w.pids)) or "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    )


def details(workers: Sequence[WorkerStatus]) -> str:
    """A block per worker (``gate dispatch status``)."""
    if not workers:
        return "no workers"
    blocks = []
    for w in workers:
        lines = [
            f"#{w.issue} {w.worker_id} (attempt {w.attempt}): {w.state}"
            + ("" if w.active else f" — released ({w.released})"),
            f"  why:           {w.detail}",
            f"  runtime:       {duration(w.runtime)} (started {w.started_at or '-'}"
            + (f", exited {w.exited_at}" if w.exited_at else "")
            + ")",
            f"  last activity: {w.last_activity or '-'}"
            + (f" ({duration(w.idle)} ago)" if w.idle is not None else ""),
            f"  worktree:      {w.worktree}"
            + (" (removed)" if w.worktree_exists is False else "")
            + f"  branch {w.branch or '-'}",
            f"  host/agent:    {w.host or '-'} / {w.agent or '-'}  pids {list(w.pids) or '-'}",
        ]
        if w.orchestration:
            lines.append(f"  orchestration: {w.orchestration}")
        if w.budget:
            from review_gate.dispatch.budget import text as budget_text

            lines.append(f"  budget:        {budget_text(w.budget)}")
        if w.log:
            lines.append(f"  log:           {w.log}")
        if w.outcome_url:
            lines.append(f"  outcome:       {w.outcome_url}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def stopped(results: Sequence[StopResult]) -> str:
    lines = []
    for r in results:
        if not r.signalled:
            lines.append(f"#{r.issue} {r.worker_id}: not running")
        else:
            how = "SIGTERM, then SIGKILL" if r.killed else "SIGTERM"
            lines.append(f"#{r.issue} {r.worker_id}: stopped {r.signalled} process(es) ({how})")
    return "\n".join(lines)


def cleaned(result: CleanupResult) -> str:
    lines = [f"#{result.issue} {result.worker_id or '-'}: {result.state or 'no worker'}"]
    if result.removed:
        lines.append(f"  removed worktree {result.worktree}")
    elif result.kept:
        lines.append(f"  kept worktree {result.worktree}")
    if result.rescue_dir:
        lines.append(f"  saved unpushed work in {result.rescue_dir}")
        if result.bundle:
            lines.append(f"    bundle:  {result.bundle}")
        if result.patch:
            lines.append(f"    patch:   {result.patch}")
        if result.ignored:
            lines.append(f"    ignored: {result.ignored}")
        if result.restore:
            lines.append("  restore (run in order; also in restore.txt there):")
            lines += [f"    {command}" for command in result.restore]
    lines += [f"  released {w}" for w in result.released]
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines)


def replaced(result: ReplaceResult) -> str:
    parts = [stopped(result.stopped)] if result.stopped else []
    parts += [cleaned(result.cleaned), spawned(result.spawned)]
    return "\n".join(p for p in parts if p)
