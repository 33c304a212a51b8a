"""``gate dispatch worker run|report|save``: the steps of the GitHub Actions worker job
(``.github/workflows/review-gate-worker.yml``, written by ``gate install actions``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from review_gate.cli import cwd_option, format_option, issue_number
from review_gate.errors import EXIT_FAIL, EXIT_PASS, UsageError

_CWD = cwd_option("The job's checkout (default: the current directory).", "DIR")
_FORMAT = format_option()
_WORKER_ID = click.option(
    "--worker-id",
    required=True,
    metavar="ID",
    help="The worker id of the WORKER claim ($REVIEW_GATE_WORKER_ID in the job).",
)


def _issue(value: int | None) -> int:
    if value is not None:
        return value
    raw = os.environ.get("REVIEW_GATE_ISSUE", "").strip().removeprefix("#")
    if not raw.isdigit() or int(raw) < 1:
        raise UsageError("--issue is required (or REVIEW_GATE_ISSUE)")
    return int(raw)


_ISSUE = click.option(
    "--issue",
    callback=issue_number,
    metavar="N",
    help="The issue (7 or #7; default: $REVIEW_GATE_ISSUE).",
)


@click.group(short_help="The steps of a GitHub Actions worker job.")
def worker() -> None:
    """The steps of the worker job that `gate install actions` installs: run the worker,
    and when the job is cancelled or failed, report it and save the unpushed work."""


@worker.command("run", short_help="Run the worker of a claimed issue here.")
@_ISSUE
@_WORKER_ID
@click.option("--attempt", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--branch", required=True, metavar="BRANCH", help="The worker's branch.")
@click.option(
    "--agent",
    type=click.Choice(["claude", "codex"]),
    default="claude",
    show_default=True,
    help="Agent CLI to run.",
)
@click.option("--agent-cmd", metavar="TEMPLATE", help="Any other agent (as for spawn).")
@click.option("--base", metavar="BRANCH", default="", help="Base branch (empty: auto).")
@click.option(
    "--deadline-minutes",
    type=click.FloatRange(min=0, min_open=True),
    default=300.0,
    show_default=True,
    help="Minutes after which anything still running is stopped.",
)
@click.option(
    "--handover-minutes",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Minutes before the deadline when the agent is stopped and asked for a HANDOVER.",
)
@click.option(
    "--heartbeat",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds between lease refreshes.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    metavar="DIR",
    help="Where the log and prompt go (the folder the job uploads).",
)
@_CWD
@_FORMAT
def run_(
    issue: int | None,
    worker_id: str,
    attempt: int,
    branch: str,
    agent: str,
    agent_cmd: str | None,
    base: str,
    deadline_minutes: float,
    handover_minutes: float,
    heartbeat: float,
    out: Path,
    cwd: Path,
    fmt: str,
) -> int:
    """Run the worker of a claimed issue in this checkout (exit: the agent's code)."""
    from review_gate.dispatch.backends.actions_job import Job, run_job

    job = Job(
        issue=_issue(issue),
        worker_id=worker_id,
        attempt=attempt,
        branch=branch,
        out=out.resolve(),
        agent=agent,
        agent_cmd=agent_cmd,
        base=base or None,
        deadline_minutes=deadline_minutes,
        handover_minutes=handover_minutes,
        heartbeat=heartbeat,
    )
    result = run_job(cwd, job)
    if fmt == "json":
        click.echo(json.dumps(result._asdict(), indent=2))
    else:
        asked = " (asked for a HANDOVER at the deadline)" if result.handover_asked else ""
        click.echo(
            f"{worker_id}: the agent exited with {result.returncode}{asked}; log {result.log}"
        )
    code = result.returncode
    return code if 0 <= code < 256 else EXIT_FAIL


@worker.command(short_help="Post that the run was cancelled or failed.")
@_ISSUE
@_WORKER_ID
@click.option("--outcome", "how", type=click.Choice(["cancelled", "failed"]), required=True)
@_CWD
@_FORMAT
def report(issue: int | None, worker_id: str, how: str, cwd: Path, fmt: str) -> int:
    """Post that the run was cancelled or failed, unless the worker posted an outcome."""
    from review_gate.dispatch.backends.actions_job_end import report as do_report

    result = do_report(cwd, _issue(issue), worker_id, how)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        click.echo(f"{worker_id}: {result.detail}" + (f" ({result.url})" if result.url else ""))
    return EXIT_PASS


@worker.command(short_help="Save unpushed work: git bundle + patch.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    metavar="DIR",
    help="The folder the job uploads; the work goes to DIR/rescue.",
)
@_CWD
@_FORMAT
def save(out: Path, cwd: Path, fmt: str) -> int:
    """Save unpushed commits (git bundle), uncommitted changes (patch) and ignored work."""
    from review_gate.dispatch.backends.actions_job_end import save as do_save

    saved = do_save(cwd, out.resolve())
    if fmt == "json":
        data = None if saved is None else {
            "directory": str(saved.directory),
            "bundle": str(saved.bundle) if saved.bundle else None,
            "patch": str(saved.patch) if saved.patch else None,
            "ignored": str(saved.tarball) if saved.tarball else None,
            "restore": list(saved.restore),
        }  # fmt: skip
        click.echo(json.dumps({"saved": data}, indent=2))
    elif saved is None:
        click.echo("nothing unpushed to save")
    else:
        click.echo(f"saved to {saved.directory}:")
        click.echo("\n".join(f"  {c}" for c in saved.restore))
    return EXIT_PASS
