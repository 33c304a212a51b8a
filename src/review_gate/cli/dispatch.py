"""``gate dispatch``: spawn gated workers in worktrees, watch them, hand over, clean up."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from review_gate.errors import EXIT_FAIL, EXIT_PASS, UsageError

F = TypeVar("F", bound=Callable[..., Any])

_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
_ISSUE = click.option("--issue", "issue", type=click.IntRange(min=1), required=True)


def _agent_options(func: F) -> F:
    options = [
        click.option(
            "--agent",
            type=click.Choice(["claude", "codex"]),
            default="claude",
            show_default=True,
            help="Agent CLI to start (binary from $REVIEW_GATE_CLAUDE / $REVIEW_GATE_CODEX "
            "or PATH).",
        ),
        click.option(
            "--agent-cmd",
            metavar="TEMPLATE",
            help="Any other agent: an argv template split like a shell would, with "
            "{prompt_file} {issue} {worktree} {worker_id} filled in.",
        ),
        click.option("--base", metavar="BRANCH", help="Base branch (default: auto)."),
        click.option(
            "--prompt-template",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Prompt template file ($issue, $title, $body, $worker_id, ...).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _context(overrides: dict[str, Any] | None = None) -> Any:
    from review_gate.dispatch.context import open_context

    return open_context(Path.cwd(), overrides)


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2))


@click.group()
def dispatch() -> None:
    """Spawn gated workers in worktrees, watch them, hand over, clean up.

    \b
    State lives in the tracker (WORKER comments); only logs and pid records are kept
    on disk, under <git-common-dir>/review-gate/workers/.
    """


@dispatch.command()
@_ISSUE
@_agent_options
@click.option("--attempt", type=click.IntRange(min=1), help="Attempt number (default: next).")
@_FORMAT
def spawn(
    issue: int,
    agent: str,
    agent_cmd: str | None,
    base: str | None,
    prompt_template: Path | None,
    attempt: int | None,
    fmt: str,
) -> int:
    """Claim issue N and start a worker on it in ../<repo>-worker-N."""
    from review_gate.dispatch import report
    from review_gate.dispatch.spawn import SpawnRequest
    from review_gate.dispatch.spawn import spawn as do_spawn

    request = SpawnRequest(issue, agent, agent_cmd, base, attempt, prompt_template)
    result = do_spawn(_context(), request)
    _emit_json(result.to_json()) if fmt == "json" else click.echo(report.spawned(result))
    return EXIT_PASS


def _status(issues: Sequence[int], hang_after: float | None, fmt: str, detailed: bool) -> int:
    from review_gate.dispatch import report
    from review_gate.dispatch.status import status as do_status

    workers = do_status(_context(), issues or None, hang_after=hang_after)
    if fmt == "json":
        _emit_json({"workers": [w.to_json() for w in workers]})
    else:
        click.echo(report.details(workers) if detailed else report.table(workers))
    return EXIT_PASS


_HANG = click.option(
    "--hang-after",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds of log silence after which a live worker is hung (default: config "
    "hang_after, 1800).",
)


@dispatch.command()
@click.option("--issue", "issues", type=click.IntRange(min=1), multiple=True)
@_HANG
@_FORMAT
def status(issues: tuple[int, ...], hang_after: float | None, fmt: str) -> int:
    """Each worker's state, runtime and last log activity (default: all on this host)."""
    return _status(issues, hang_after, fmt, detailed=True)


@dispatch.command(name="list")
@_HANG
@_FORMAT
def list_(hang_after: float | None, fmt: str) -> int:
    """One line per worker started on this host."""
    return _status((), hang_after, fmt, detailed=False)


_GRACE = click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Seconds between SIGTERM and SIGKILL.",
)


@dispatch.command()
@_ISSUE
@_GRACE
@_FORMAT
def stop(issue: int, grace: float, fmt: str) -> int:
    """Stop issue N's worker: SIGTERM to its process group, then SIGKILL."""
    from review_gate.dispatch import report
    from review_gate.dispatch.cleanup import stop as do_stop

    results = do_stop(_context(), issue, grace=grace)
    if fmt == "json":
        _emit_json({"stopped": [r.to_json() for r in results]})
    else:
        click.echo(report.stopped(results))
    return EXIT_PASS


@dispatch.command()
@_ISSUE
@click.option("--keep-worktree", is_flag=True, help="Release the claim but keep the worktree.")
@click.option(
    "--force",
    is_flag=True,
    help="Remove even with uncommitted or unpushed work, after saving it (bundle + patch).",
)
@_FORMAT
def cleanup(issue: int, keep_worktree: bool, force: bool, fmt: str) -> int:
    """Release issue N's worker and remove its worktree, never losing work."""
    from review_gate.dispatch import report
    from review_gate.dispatch.cleanup import cleanup as do_cleanup

    result = do_cleanup(_context(), issue, keep_worktree=keep_worktree, force=force)
    _emit_json(result.to_json()) if fmt == "json" else click.echo(report.cleaned(result))
    return EXIT_PASS


@dispatch.command()
@_ISSUE
@_agent_options
@_GRACE
@_FORMAT
def replace(
    issue: int,
    agent: str,
    agent_cmd: str | None,
    base: str | None,
    prompt_template: Path | None,
    grace: float,
    fmt: str,
) -> int:
    """Hand over: stop and release issue N's worker (keeping its worktree), then spawn
    the next attempt with the latest HANDOVER as context."""
    from review_gate.dispatch import report
    from review_gate.dispatch.cleanup import replace as do_replace
    from review_gate.dispatch.spawn import SpawnRequest

    request = SpawnRequest(issue, agent, agent_cmd, base, None, prompt_template)
    result = do_replace(_context(), request, grace=grace)
    _emit_json(result.to_json()) if fmt == "json" else click.echo(report.replaced(result))
    return EXIT_PASS


def _issue_list(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        numbers = tuple(int(p) for p in text.replace(" ", "").split(",") if p)
    except ValueError:
        raise UsageError(f"--issues must be comma-separated issue numbers, got {text!r}") from None
    if not numbers or any(n < 1 for n in numbers):
        raise UsageError(f"--issues must be comma-separated issue numbers, got {text!r}")
    return tuple(dict.fromkeys(numbers))


@dispatch.command()
@click.option("--issues", metavar="1,2,3", help="The queue: these issues.")
@click.option("--label", metavar="LABEL", help="The queue: open issues with this label.")
@click.option("--max-workers", type=click.IntRange(min=1), default=5, show_default=True)
@click.option(
    "--poll", type=click.FloatRange(min=0, min_open=True), default=300.0, show_default=True
)
@click.option("--max-attempts", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--max-handovers", type=click.IntRange(min=0), default=5, show_default=True)
@_HANG
@_agent_options
@_GRACE
@_FORMAT
def run(
    issues: str | None,
    label: str | None,
    max_workers: int,
    poll: float,
    max_attempts: int,
    max_handovers: int,
    hang_after: float | None,
    agent: str,
    agent_cmd: str | None,
    base: str | None,
    prompt_template: Path | None,
    grace: float,
    fmt: str,
) -> int:
    """Keep up to --max-workers workers busy on the queue until it is done.

    \b
    Ctrl-C stops the loop after its current step; workers keep running and a new
    `gate dispatch run` resumes where things stand (state is in the tracker).
    """
    from review_gate.dispatch import live
    from review_gate.dispatch.run import RunOptions
    from review_gate.dispatch.run import run as do_run

    if (issues is None) == (label is None):
        raise UsageError("give exactly one queue: --issues 1,2,3 or --label LABEL")
    options = RunOptions(
        issues=_issue_list(issues),
        label=label,
        max_workers=max_workers,
        poll=poll,
        max_attempts=max_attempts,
        max_handovers=max_handovers,
        hang_after=hang_after,
        grace=grace,
        agent=agent,
        agent_cmd=agent_cmd,
        base=base,
        prompt_template=prompt_template,
    )
    display = live.Display(fmt=fmt, tty=sys.stdout.isatty())
    summary = do_run(_context(), options, display.event, display.show)
    display.finish(summary)
    if summary.interrupted:
        return 130
    return (
        EXIT_PASS
        if all(s.phase == "completed" or s.phase == "closed" for s in summary.issues)
        else EXIT_FAIL
    )
