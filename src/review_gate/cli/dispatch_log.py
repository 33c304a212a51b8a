"""``gate dispatch log``: the dispatcher's audit trail; and ``gate dispatch logs -f``,
following a local worker's output as it is written.

The audit trail is ``<git-common-dir>/review-gate/audit.jsonl`` (:mod:`review_gate.
dispatch.audit`): one JSON line per thing the dispatcher did (spawn, stop, cleanup,
replace, release, withdraw, rescue, and the ``run`` loop's events).
"""

from __future__ import annotations

import codecs
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from review_gate.cli import cwd_option, format_option, issue_number
from review_gate.errors import EXIT_PASS, UsageError

POLL_SECONDS = 0.5  # how often a follower looks for more


def _state(cwd: Path) -> Path:
    """The repository's state directory, without opening its tracker (reading the log
    needs no token and no network)."""
    from review_gate import git

    git.toplevel(cwd)  # a clear error outside a git checkout
    return git.state_dir(cwd)  # the common dir's: the same from every worktree


def describe(event: dict[str, Any]) -> str:
    """One audit event as a line of text."""
    parts = [str(event.get("at") or "?"), f"{event.get('event') or '?':<9}"]
    if event.get("issue") is not None:
        parts.append(f"#{event['issue']}")
    if event.get("worker_id"):
        parts.append(str(event["worker_id"]))
    if event.get("orchestration"):
        parts.append(f"[{event['orchestration']}]")
    message = " ".join(str(event.get("message") or "").split())
    return " ".join(parts) + (f": {message}" if message else "")


@click.command(short_help="Show the dispatcher's audit trail.")
@click.option(
    "-f", "--follow", is_flag=True, help="Keep printing events as they are appended (Ctrl-C ends)."
)
@click.option(
    "--issue", callback=issue_number, metavar="N", help="Only events about this issue (7 or #7)."
)
@click.option(
    "--orchestration", metavar="ID", help="Only events of this run (orch-... or run-...)."
)
@cwd_option("Run as if started in DIR (the main checkout or any worktree).", "DIR")
@format_option("Output format: text, or json (one JSON object per line, as stored).")
def log(follow: bool, issue: int | None, orchestration: str | None, cwd: Path, fmt: str) -> int:
    """Show what the dispatcher did: every spawn, stop, cleanup, replace, release,
    withdrawal and rescue, and the events of `gate dispatch run` loops, oldest first,
    with the worker and orchestration ids (from <git-common-dir>/review-gate/audit.jsonl).

    \b
    gate dispatch log --issue 7
    gate dispatch log --orchestration orch-20261203-1-a3f9 --format json
    gate dispatch log --follow
    """
    from review_gate.dispatch import audit

    state = _state(cwd)
    events = (
        audit.follow(state, issue, orchestration, interval=POLL_SECONDS)
        if follow
        else audit.read(state, issue, orchestration)
    )
    shown = 0
    for event in events:
        click.echo(json.dumps(event, ensure_ascii=False) if fmt == "json" else describe(event))
        shown += 1
    if not shown and fmt != "json":  # JSON lines stay empty: nothing to parse
        which = f" for issue #{issue}" if issue is not None else ""
        which += f" of {orchestration}" if orchestration else ""
        click.echo(f"no dispatcher events{which} yet ({audit.audit_path(state)})", err=True)
    return EXIT_PASS


def follow_worker_log(cwd: Path, issue: int, backend: str, fmt: str) -> int:
    """``gate dispatch logs --issue N --follow``: print issue N's current local worker's
    log, then what it writes, until the worker has ended (or Ctrl-C)."""
    from review_gate.dispatch.backends.local import LocalBackend
    from review_gate.dispatch.context import open_context

    if backend != "local":
        raise UsageError(
            f"--follow reads a local worker's log as it grows; a {backend} worker's log "
            "is read once its run has written it",
            hint=f"run `gate dispatch logs --issue {issue} --backend {backend}` again later",
        )
    ctx = open_context(cwd)
    worker_log = LocalBackend(ctx).log(issue)
    if fmt == "json":

        def emit(text: str) -> None:
            click.echo(json.dumps({"issue": issue, "worker_id": worker_log.worker_id,
                                   "text": text}, ensure_ascii=False))  # fmt: skip
    else:

        def emit(text: str) -> None:
            click.echo(text, nl=False)

    _tail(Path(worker_log.source), emit, lambda: _ended(ctx.state, worker_log.worker_id))
    return EXIT_PASS


def _ended(state: Path, worker_id: str) -> bool:
    """Whether the worker is over: its exit is recorded, or no process of it is left
    (its pid record is gone, or names a process that ended)."""
    from review_gate.dispatch import procs
    from review_gate.dispatch.registry import load_record, read_exit

    if read_exit(state, worker_id) is not None:
        return True
    record = load_record(state, worker_id)
    return record is None or not procs.is_alive(record.pid, record.start_time, record.boot_id)


def _tail(path: Path, emit: Callable[[str], None], ended: Callable[[], bool]) -> None:
    """Print ``path`` from its start, then what is appended, until ``ended()`` and
    nothing more came (text as written; bytes that are not UTF-8 are replaced)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    offset = 0
    while True:
        over = ended()  # looked at first: what the worker wrote before it ended is read
        try:
            with path.open("rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
        except FileNotFoundError:
            chunk = b""
        offset += len(chunk)
        text = decoder.decode(chunk)
        if text:
            emit(text)
        if not chunk:
            if over:
                rest = decoder.decode(b"", final=True)
                if rest:
                    emit(rest)
                return
            time.sleep(POLL_SECONDS)


def extend(group: click.Group) -> None:
    """Add ``log`` to the dispatch group (called once, at the end of
    :mod:`review_gate.cli.dispatch`)."""
    group.add_command(log)
