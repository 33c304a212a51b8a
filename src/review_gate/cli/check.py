"""``gate check``: parse flags, build the request (target.from_cli), evaluate, report
(stdout, the GitHub step summary and outputs, and with ``--report`` a check run or a
commit status through :mod:`review_gate.check_report`)."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click

from review_gate.errors import EXIT_FAIL, EXIT_PASS, GateError, UsageError

if TYPE_CHECKING:
    from review_gate.check import CheckResult
    from review_gate.check_report import Outcome
    from review_gate.target import GateRequest

FORMATS = ("text", "json", "github")
REPORTS = ("check-run", "status")


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
    "--report",
    "report_to",
    metavar="[check-run|status]",
    help="Also post the verdict on GitHub: a check run named review-gate (GitHub App token, "
    "e.g. a workflow's GITHUB_TOKEN) or a commit status (any token with statuses: write).",
)
@click.option(
    "--report-sha",
    metavar="SHA",
    help="Commit to post the --report on.  [default: the head being gated]",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print nothing when every gate passes (failures and errors still print).",
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
    report_to: str | None,
    report_sha: str | None,
    quiet: bool,
    cwd: Path,
) -> int:
    """Gate an issue: pass only if its latest trusted REVIEW is valid and complete.

    \b
    The issue comes from --issue, else --pr (its `Closes #N` or feature/N-* branch),
    else $REVIEW_GATE_ISSUE, else the PR of $GITHUB_REF (pull_request workflows),
    else the current feature/N-* branch.
    Configuration comes from the PR's base branch when there is a PR (--pr, or
    $GITHUB_BASE_REF in pull_request workflows), else from the checkout.
    In GitHub Actions the outputs verdict, issues and reasons-json go to $GITHUB_OUTPUT.
    With --report, a verdict that could not be reached is posted as "could not evaluate"
    (check run: action_required; status: error), never as a pass.
    Exit codes: 0 pass, 1 fail, 2 usage/config error, 3 tracker unreachable.
    """
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if report_to is not None:
        report_to = report_to.strip().lower()
        if report_to not in REPORTS:
            raise UsageError(f"--report must be one of {', '.join(REPORTS)}, got {report_to!r}")
    elif report_sha is not None:
        raise UsageError("--report-sha needs --report check-run|status")
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
            report_to=report_to,
            report_sha=report_sha,
            quiet=quiet,
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
    report_to: str | None = None,
    report_sha: str | None = None,
    quiet: bool = False,
) -> int:
    """Build the request, evaluate it, print the report (and post it); the exit code."""
    from review_gate import report as render
    from review_gate.check import evaluate
    from review_gate.target import from_cli

    env = os.environ if environ is None else environ
    request: GateRequest | None = None
    try:
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
    except GateError as exc:
        _write_outputs(env, render.error_outputs(exc.message, request.issues if request else ()))
        if report_to is not None:
            _post_could_not_evaluate(exc, request, report_to, report_sha, repo, cwd, env)
        raise
    passed = all(r.passed for r in results)
    if not (quiet and passed):
        _print(results, fmt)
    if fmt == "github":
        summary = env.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as f:
                f.write(render.step_summary(results))
    _write_outputs(env, render.step_outputs(results))
    if report_to is not None:
        from review_gate.check_report import outcome_of

        line = _post(outcome_of(results), request, report_to, report_sha, repo, cwd, env)
        if not (quiet and passed):
            click.echo(line)
    return EXIT_PASS if passed else EXIT_FAIL


def _print(results: Sequence[CheckResult], fmt: str) -> None:
    from review_gate import report as render

    if fmt == "json":
        click.echo(json.dumps(render.as_json(results), indent=2))
        return
    click.echo(render.as_text(results))
    if fmt == "github":
        for line in render.github_commands(results):
            click.echo(line)


def _write_outputs(env: Mapping[str, str], outputs: dict[str, str]) -> None:
    """Step outputs for GitHub Actions (verdict, issues, reasons-json), when it asks."""
    from review_gate.report import output_file_text

    target = env.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(output_file_text(outputs, f"review_gate_{uuid.uuid4().hex}"))


def _post(
    outcome: Outcome,
    request: GateRequest | None,
    report_to: str,
    report_sha: str | None,
    repo: str | None,
    cwd: Path,
    env: Mapping[str, str],
) -> str:
    """Post ``outcome``; the line that says where it went."""
    from review_gate.check_report import GitHubReporter, run_url
    from review_gate.trackers.github import api_url, resolve_repo, resolve_token

    sha = report_sha or (request.head if request is not None else None)
    if not sha:
        raise UsageError(
            f"--report {report_to}: no commit to post on (the head being gated is unknown; "
            "pass --report-sha SHA)",
            hint="pass --report-sha SHA (in a workflow: the pull request's head sha)",
        )
    config = request.config if request is not None else None
    base = api_url(config.api_url if config else None, env)
    known = request.repo if request is not None else None
    full_name = resolve_repo(known or repo or (config.repo if config else None), cwd, env)
    reporter = GitHubReporter(
        full_name,
        token=resolve_token(env, base),
        api_url=base,
        timeout=config.request_timeout if config else 10.0,
        retries=config.retries if config else 3,
    )
    try:
        # where to act: the workflow run, else the pull request's page
        pull_url = request.pull.url if request is not None and request.pull else None
        posted = reporter.post(report_to, outcome, sha, run_url(env) or pull_url or None)
    finally:
        reporter.close()
    what = "check run review-gate" if report_to == "check-run" else "commit status review-gate"
    return f"posted {what} ({outcome.verdict}) on {sha[:12]} in {full_name}: {posted.url}"


def _post_could_not_evaluate(
    exc: GateError,
    request: GateRequest | None,
    report_to: str,
    report_sha: str | None,
    repo: str | None,
    cwd: Path,
    env: Mapping[str, str],
) -> None:
    """Report *could not evaluate*. When that cannot be posted either, ``exc`` stays the
    error, and its hint says what was not posted and why (one error line, one hint)."""
    from review_gate.check_report import outcome_of_error

    try:
        click.echo(_post(outcome_of_error(exc), request, report_to, report_sha, repo, cwd, env))
    except GateError as post_error:
        nothing = f"nothing was posted with --report ({post_error.message})"
        exc.hint = f"{exc.hint}; {nothing}" if exc.hint else nothing


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
