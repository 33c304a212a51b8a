"""``gate dispatch``: spawn gated workers in worktrees, watch them, hand over, clean up."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from review_gate.cli import cwd_option, format_option, issue_number
from review_gate.cli.dispatch_budget import budget_flags, budget_options
from review_gate.cli.dispatch_run_options import run_options as _run_options
from review_gate.errors import EXIT_FAIL, EXIT_PASS, UsageError

F = TypeVar("F", bound=Callable[..., Any])

_FORMAT = format_option("Output format (json is stable, see docs/dispatch.md).")
_ISSUE = click.option(
    "--issue",
    "issue",
    callback=issue_number,
    metavar="N",
    required=True,
    help="The issue (7 or #7).",
)
_CWD = cwd_option(
    "Run as if started in DIR (the main checkout or any worktree of the repository).", "DIR"
)


def _issue_numbers(ctx: click.Context, param: click.Parameter, value: Any) -> tuple[int, ...]:
    """``issue_number`` for an option given several times."""
    return tuple(n for n in (issue_number(ctx, param, v) for v in value or ()) if n is not None)


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
            "{prompt_file} {issue} {worktree} {worker_id} filled in ({{x}} is a literal "
            "{x}). Its program is checked before the issue is claimed.",
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


def _context(cwd: Path) -> Any:
    from review_gate.dispatch.context import open_context

    return open_context(cwd)


def _open_backend(context: Any, name: str) -> Any:
    from review_gate.dispatch.backends import open_backend

    return open_backend(context, name)


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2))


@click.group(short_help="Spawn and watch gated workers in worktrees.")
def dispatch() -> None:
    """Spawn gated workers in worktrees, watch them, hand over, clean up.

    \b
    State lives in the tracker (WORKER comments); only logs and pid records are kept
    on disk, under <git-common-dir>/review-gate/workers/.
    """


@dispatch.command()
@_ISSUE
@_agent_options
@click.option(
    "--attempt",
    type=click.IntRange(min=1),
    metavar="K",
    help="Attempt number, at least (default: the issue's last attempt + 1; an attempt "
    "number already used on the issue is never reused).",
)
@click.option(
    "--role",
    type=click.Choice(["implement", "review", "research"]),
    default="implement",
    show_default=True,
    help="What the worker may do: implement (edit, commit, push); review (read, test, post "
    "a REVIEW, at the implementer's head: as `gate dispatch review`); research (read, post "
    "findings). Review and research workers cannot edit, commit or push.",
)
@budget_options
@_CWD
@_FORMAT
def spawn(
    issue: int,
    agent: str,
    agent_cmd: str | None,
    base: str | None,
    prompt_template: Path | None,
    attempt: int | None,
    role: str,
    cwd: Path,
    fmt: str,
    **limits: Any,
) -> int:
    """Claim issue N and start a worker on it in ../<repo>-worker-N."""
    from review_gate.dispatch import report
    from review_gate.dispatch.spawn import SpawnRequest
    from review_gate.dispatch.spawn import spawn as do_spawn

    if role == "review":  # at the implementer's head, in a detached worktree of its own
        from review_gate.cli.dispatch_review import emit_review

        return emit_review(
            _context(cwd), issue, agent=agent, agent_cmd=agent_cmd, base=base, branch=None,
            prompt_template=prompt_template, fmt=fmt,
        )  # fmt: skip
    request = SpawnRequest(
        issue, agent, agent_cmd, base, attempt, prompt_template, role=role,
        budget=budget_flags(limits),
    )  # fmt: skip
    result = do_spawn(_context(cwd), request)
    _emit_json(result.to_json()) if fmt == "json" else click.echo(report.spawned(result))
    return EXIT_PASS


def _status(
    issues: Sequence[int], hang_after: float | None, cwd: Path, fmt: str, detailed: bool
) -> int:
    from review_gate.dispatch import report
    from review_gate.dispatch.status import status as do_status

    workers = do_status(_context(cwd), issues or None, hang_after=hang_after)
    if fmt == "json":
        _emit_json({"workers": [w.to_json() for w in workers]})
    else:
        click.echo(report.details(workers) if detailed else report.table(workers))
    return EXIT_PASS


_HANG = click.option(
    "--hang-after",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Seconds of log silence after which a live worker is hung (default: config "
    "hang_after, 1800).",
)


@dispatch.command()
@click.option(
    "--issue",
    "issues",
    callback=_issue_numbers,
    metavar="N",
    multiple=True,
    help="Only this issue (7 or #7; repeatable). Default: every issue with a worker "
    "started on this host.",
)
@_HANG
@_CWD
@_FORMAT
def status(issues: tuple[int, ...], hang_after: float | None, cwd: Path, fmt: str) -> int:
    """Each worker's state, runtime and last log activity (default: all on this host)."""
    return _status(issues, hang_after, cwd, fmt, detailed=True)


@dispatch.command(name="list")
@_HANG
@_CWD
@_FORMAT
def list_(hang_after: float | None, cwd: Path, fmt: str) -> int:
    """One line per worker started on this host."""
    return _status((), hang_after, cwd, fmt, detailed=False)


_GRACE = click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds between SIGTERM and SIGKILL.",
)


@dispatch.command()
@_ISSUE
@_GRACE
@_CWD
@_FORMAT
def stop(issue: int, grace: float, cwd: Path, fmt: str) -> int:
    """Stop issue N's worker: SIGTERM to its process group, then SIGKILL."""
    from review_gate.dispatch import report
    from review_gate.dispatch.cleanup import stop as do_stop

    results = do_stop(_context(cwd), issue, grace=grace)
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
@_CWD
@_FORMAT
def cleanup(issue: int, keep_worktree: bool, force: bool, cwd: Path, fmt: str) -> int:
    """Release issue N's worker and remove its worktree, never losing work."""
    from review_gate.dispatch import report
    from review_gate.dispatch.cleanup import cleanup as do_cleanup

    result = do_cleanup(_context(cwd), issue, keep_worktree=keep_worktree, force=force)
    _emit_json(result.to_json()) if fmt == "json" else click.echo(report.cleaned(result))
    return EXIT_PASS


@dispatch.command()
@_ISSUE
@_agent_options
@_GRACE
@_CWD
@_FORMAT
def replace(
    issue: int,
    agent: str,
    agent_cmd: str | None,
    base: str | None,
    prompt_template: Path | None,
    grace: float,
    cwd: Path,
    fmt: str,
) -> int:
    """Hand over: stop and release issue N's worker (keeping its worktree), then spawn
    the next attempt with the latest HANDOVER as context."""
    from review_gate.dispatch import report
    from review_gate.dispatch.cleanup import replace as do_replace
    from review_gate.dispatch.spawn import SpawnRequest

    request = SpawnRequest(issue, agent, agent_cmd, base, None, prompt_template)
    result = do_replace(_context(cwd), request, grace=grace)
    _emit_json(result.to_json()) if fmt == "json" else click.echo(report.replaced(result))
    return EXIT_PASS


def _issue_list(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    parts = [p.strip().removeprefix("#") for p in text.split(",") if p.strip()]
    if not parts or not all(p.isdigit() and 0 < int(p) < 10**9 for p in parts):
        raise UsageError(
            f"--issues must be comma-separated issue numbers (1,2,3 or #1,#2), got {text!r}",
            hint="see `gate dispatch run --help`",
        )
    return tuple(dict.fromkeys(int(p) for p in parts))


@dispatch.command()
@click.option("--issues", metavar="1,2,3", help="The queue: these issues (7 or #7 each).")
@click.option(
    "--label",
    metavar="LABEL",
    help="The queue: the open issues with this label (re-read each poll).",
)
@click.option(
    "--max-workers",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    metavar="N",
    help="Live workers of the queue at most, counted from the tracker's live leases: "
    "every loop on the queue sees the same count, so together they stay within it.",
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0, min_open=True),
    default=300.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds between looks at the queue (a worker's exit wakes the loop early).",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    metavar="N",
    help="Give an issue up after this many failed attempts (with --review-with or "
    "phases also: after this many implementer attempts whose gate did not pass).",
)
@click.option(
    "--max-handovers",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    metavar="N",
    help="Give an issue up after this many handovers.",
)
@_HANG
@_agent_options
@_run_options
@_GRACE
@_CWD
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
    from_status: str | None,
    sequential: bool,
    after: tuple[str, ...],
    review_with: str | None,
    review_cmd: str | None,
    activity_issue: int | None,
    grace: float,
    cwd: Path,
    fmt: str,
    backend: str = "local",  # --backend: src/review_gate/cli/dispatch_backend.py
) -> int:
    """Keep up to --max-workers workers busy on the queue until it is done.

    \b
    Ctrl-C stops the loop after its current step; workers keep running and a new
    `gate dispatch run` resumes where things stand (state is in the tracker).
    Several loops may share a queue: they take turns and each handles its own
    workers (docs/dispatch.md, "One fleet, many orchestrators").
    Ordered phases (--sequential, --after, `depends on #N`) and the review loop
    (--review-with): docs/dispatch.md, "Phases" and "The review loop".
    Exit 0 when every issue completed (or was closed) and when the queue is empty
    (the output says why), 1 when some were blocked, stopped, skipped or given up,
    130 after Ctrl-C.
    """
    from review_gate.dispatch import live
    from review_gate.dispatch.phases import parse_after
    from review_gate.dispatch.run import run as do_run
    from review_gate.dispatch.run_records import RunOptions

    if (issues is None) == (label is None and from_status is None):
        raise UsageError(
            "give exactly one queue: --issues 1,2,3, --label LABEL or --from-status COLUMN "
            "(--label may narrow --from-status)"
        )
    context = _context(cwd)
    if from_status is not None:  # a column that does not exist: exit 2, nothing claimed
        from review_gate.dispatch import board

        board.column(context, from_status)
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
        sequential=sequential,
        after=tuple(parse_after(after)),
        review_with=review_with,
        review_cmd=review_cmd,
        activity_issue=activity_issue,
        from_status=from_status,
    )
    display = live.Display(fmt=fmt, tty=sys.stdout.isatty())
    runs_on = _open_backend(context, backend)
    summary = do_run(context, options, display.event, display.show, runs_on)
    display.finish(summary)
    if summary.interrupted:
        return 130
    return (
        EXIT_PASS
        if all(s.phase == "completed" or s.phase == "closed" for s in summary.issues)
        else EXIT_FAIL
    )


# `--backend` on the commands above, `gate dispatch logs` and `gate dispatch worker ...`
# (GitHub Actions workers): src/review_gate/cli/dispatch_backend.py
from review_gate.cli.dispatch_backend import extend as _extend  # noqa: E402

_extend(dispatch)

# `gate dispatch log` (the audit trail): src/review_gate/cli/dispatch_log.py
from review_gate.cli.dispatch_log import extend as _extend_log  # noqa: E402

_extend_log(dispatch)

# `gate dispatch review` (an independent review worker): src/review_gate/cli/dispatch_review.py
from review_gate.cli.dispatch_review import extend as _extend_review  # noqa: E402

_extend_review(dispatch)
