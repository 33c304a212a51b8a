"""``gate check``: parse flags, build the request (target.from_cli), evaluate, report."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import click

from review_gate.errors import EXIT_FAIL, EXIT_PASS, GateError, UsageError

FORMATS = ("text", "json", "github")


@click.command("check", short_help="Gate an issue or a pull request on its latest REVIEW.")
@click.option("--issue", "issue", metavar="N", help="Issue to gate (7 or #7).")
@click.option(
    "--gate",
    "gates",
    multiple=True,
    metavar="[review|worker|handover]",
    help="Gate to run; repeat to run several.  [default: review]",
)
@click.option(
    "--tracker",
    "tracker_name",
    metavar="[github|local]",
    help="Where the comments are.  [default: config `tracker`, else auto]",
)
@click.option(
    "--comments",
    "comments_file",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    metavar="FILE|-",
    help="Read comments from a GitHub export (JSON array; - for stdin) instead of a tracker.",
)
@click.option("--repo", metavar="OWNER/NAME", help="GitHub repository (github tracker).")
@click.option("--pr", "pr", metavar="N", help="Gate the issue(s) this pull request closes.")
@click.option(
    "--head",
    metavar="SHA",
    help="Commit being gated (sha or revision; default: HEAD, or the PR head).",
)
@click.option("--worker-id", metavar="ID", help="Worker id for the worker gate.")
@click.option(
    "--config-ref",
    metavar="REF|WORKTREE",
    help="Read .review-gate.toml / pyproject.toml from this git ref, not the checkout "
    "(default: origin/<base> of the PR being gated; WORKTREE: the checkout).",
)
@click.option(
    "--format",
    "fmt",
    default="text",
    metavar="[text|json|github]",
    help="Output format (json is stable; github: workflow annotations).  [default: text]",
)
@click.option(
    "-C",
    "--cwd",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    metavar="DIR",
    help="Run as if started in this directory.",
)
def check(
    issue: str | None,
    gates: tuple[str, ...],
    tracker_name: str | None,
    comments_file: Path | None,
    repo: str | None,
    pr: str | None,
    head: str | None,
    worker_id: str | None,
    config_ref: str | None,
    fmt: str,
    cwd: Path,
) -> int:
    """Gate an issue: pass only if its latest trusted REVIEW is valid and complete.

    \b
    The issue comes from --issue, else --pr (its `Closes #N` or feature/N-* branch),
    else $REVIEW_GATE_ISSUE, else the PR of $GITHUB_REF (pull_request workflows),
    else the current feature/N-* branch.
    Configuration comes from the PR's base branch when there is a PR (--pr, or
    $GITHUB_BASE_REF in pull_request workflows), else from the checkout.
    Exit codes: 0 pass, 1 fail, 2 usage/config error, 3 tracker unreachable.
    """
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    try:
        return run_check(
            issue=issue,
            gates=gates,
            tracker_name=tracker_name,
            comments_file=comments_file,
            repo=repo,
            pr=pr,
            head=head,
            worker_id=worker_id,
            config_ref=config_ref,
            fmt=fmt,
            cwd=cwd,
        )
    except GateError as exc:
        if fmt == "github":
            # Also an annotation, so the failure shows on the PR, not only in the log.
            from review_gate.report import workflow_command

            click.echo(workflow_command("error", "gate check", exc.message))
        raise


def run_check(
    *,
    issue: str | None,
    gates: Sequence[str],
    tracker_name: str | None,
    comments_file: Path | None,
    repo: str | None,
    pr: str | None,
    head: str | None,
    worker_id: str | None,
    fmt: str,
    cwd: Path,
    config_ref: str | None = None,
    environ: Mapping[str, str] | None = None,
    stdin: BinaryIO | None = None,
) -> int:
    """Build the request, evaluate it, print the report; the exit code."""
    from review_gate import report
    from review_gate.check import evaluate
    from review_gate.target import from_cli

    env = os.environ if environ is None else environ
    comments = (
        _read_stdin(stdin) if comments_file is not None and str(comments_file) == "-" else None
    )
    request = from_cli(
        cwd=cwd,
        environ=env,
        issue=issue,
        pr=pr,
        head=head,
        gates=gates,
        overrides={"tracker": tracker_name, "repo": repo, "worker_id": worker_id},
        config_ref=config_ref,
        comments_file=comments_file if comments is None else None,
        comments_text=comments,
    )
    results = [evaluate(request)]
    if fmt == "json":
        click.echo(json.dumps(report.as_json(results), indent=2))
    else:
        click.echo(report.as_text(results))
        if fmt == "github":
            for line in report.github_commands(results):
                click.echo(line)
            summary = env.get("GITHUB_STEP_SUMMARY")
            if summary:
                with open(summary, "a", encoding="utf-8") as f:
                    f.write(report.step_summary(results))
    return EXIT_PASS if all(r.passed for r in results) else EXIT_FAIL


def _read_stdin(stdin: BinaryIO | None) -> str:
    """``--comments -``: the export piped in (never wait on a terminal)."""
    stream = stdin if stdin is not None else sys.stdin.buffer
    if stream.isatty():
        raise UsageError(
            "--comments -: stdin is a terminal",
            hint="pipe the export in: gh api --paginate repos/O/R/issues/N/comments | "
            "gate check --issue N --comments -",
        )
    try:
        return stream.read().decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("<stdin>: not UTF-8 text, expected JSON") from None
