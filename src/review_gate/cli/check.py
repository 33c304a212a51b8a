"""``gate check``: parse flags, run :func:`review_gate.check.check`, report the verdicts."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import click

from review_gate.errors import EXIT_FAIL, EXIT_PASS, GateError, UsageError
from review_gate.gates.verdict import Reason, Verdict

FORMATS = ("text", "json", "github")


class Target(NamedTuple):
    """What to gate: the issues, the head commit and the base branch (from a PR)."""

    issues: tuple[int, ...]
    head: str | None
    base: str | None
    source: str  # how the issues were found, for the report


def parse_issue(value: str, where: str = "--issue") -> int:
    """A positive issue number from ``7`` or ``#7``; UsageError otherwise."""
    text = value.strip().removeprefix("#")
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) < 1:
        raise UsageError(f"{where} must be a positive issue number, got {value!r}")
    return int(text)


def _target(
    issue: str | None,
    pr: str | None,
    head: str | None,
    cwd: Path,
    config: Any,
    tracker: Any,
    environ: Mapping[str, str],
) -> Target:
    from review_gate import git
    from review_gate.check import issues_from_pull, repo_name

    if issue is not None:
        return Target((parse_issue(issue),), head, None, "--issue")
    if pr is not None:
        number = parse_issue(pr, "--pr")
        pull = tracker.get_pull(number)
        issues = issues_from_pull(
            pull, repo=repo_name(config, cwd), branch_pattern=config.worker_branch_pattern
        )
        if not issues:
            raise UsageError(
                f"pull request #{number} names no issue",
                hint="add `Closes #N` to its description, or name its branch feature/N-slug",
            )
        return Target(tuple(issues), head or pull.head_sha or None, pull.base_ref, f"PR #{number}")
    if config.issue:
        return Target((config.issue,), head, None, config.sources.get("issue", "config"))
    # In a pull_request workflow the checkout is a merge commit: gate the PR (its head sha),
    # not HEAD. GITHUB_REF is refs/pull/<N>/merge there.
    pull_ref = re.fullmatch(r"refs/pull/(\d+)/(?:merge|head)", environ.get("GITHUB_REF", ""))
    if pull_ref and tracker.name == "github":
        found = _target(None, pull_ref.group(1), head, cwd, config, tracker, environ)
        return found._replace(source=f"{found.source}, from GITHUB_REF")
    try:
        branch = git.current_branch(cwd)
    except GateError:
        branch = None
    from_branch = git.issue_from_branch(branch, config.worker_branch_pattern)
    if from_branch:
        return Target((from_branch,), head, None, f"branch {branch}")
    raise UsageError(
        "no issue to check",
        hint="pass --issue N or --pr N, set REVIEW_GATE_ISSUE, or run on a feature/N-slug branch",
    )


@click.command("check")
@click.option("--issue", "issue", metavar="N", help="Issue to gate.")
@click.option(
    "--gate",
    "gates",
    multiple=True,
    metavar="GATE",
    help="review (default), worker or handover; repeat to run several.",
)
@click.option("--tracker", "tracker_name", metavar="NAME", help="github or local (default: auto).")
@click.option(
    "--comments",
    "comments_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read comments from a GitHub export (JSON array) instead of a tracker.",
)
@click.option("--repo", metavar="OWNER/NAME", help="GitHub repository (github tracker).")
@click.option("--pr", "pr", metavar="N", help="Gate the issue(s) this pull request closes.")
@click.option("--head", metavar="SHA", help="Commit being gated (default: HEAD, or the PR head).")
@click.option("--worker-id", metavar="ID", help="Worker id for the worker gate.")
@click.option("--format", "fmt", default="text", metavar="FORMAT", help="text, json or github.")
@click.option(
    "-C",
    "--cwd",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
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
    fmt: str,
    cwd: Path,
) -> int:
    """Gate an issue: pass only if its latest trusted REVIEW is valid and complete.

    \b
    The issue comes from --issue, else --pr (its `Closes #N` or feature/N-* branch),
    else $REVIEW_GATE_ISSUE, else the PR of $GITHUB_REF (pull_request workflows),
    else the current feature/N-* branch.
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
            fmt=fmt,
            cwd=cwd,
        )
    except GateError as exc:
        if fmt == "github":
            # Also an annotation, so the failure shows on the PR, not only in the log.
            click.echo(_command("error", "gate check", exc.message))
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
    environ: Mapping[str, str] | None = None,
) -> int:
    """Resolve the target, run the gates on each issue, print the report; the exit code."""
    from review_gate.check import _check_gates, check, open_tracker
    from review_gate.config import load

    env = os.environ if environ is None else environ
    if issue is not None:
        parse_issue(issue)  # a bad number is a usage error before anything is read
    chosen = _check_gates(gates)
    if not cwd.is_dir():
        raise UsageError(f"-C {cwd}: no such directory")
    config = load(cwd, {"tracker": tracker_name, "repo": repo, "worker_id": worker_id}, env)
    tracker = open_tracker(config, cwd=cwd, comments_file=comments_file, environ=env)
    target = _target(issue, pr, head, cwd, config, tracker, env)
    results = [
        check(
            number,
            gates=chosen,
            cwd=cwd,
            config=config,
            tracker=tracker,
            head=target.head,
            worker_id=config.worker_id,
            base=target.base,
        )
        for number in target.issues
    ]
    report = {
        "passed": all(r.passed for r in results),
        "issues": list(target.issues),
        "head": results[0].head if results else None,
        "tracker": tracker.name,
        "source": target.source,
        "verdicts": [v.to_json() for r in results for v in r.verdicts],
    }
    verdicts = [v for r in results for v in r.verdicts]
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(format_text(report, verdicts))
        if fmt == "github":
            for line in github_commands(verdicts):
                click.echo(line)
            summary = env.get("GITHUB_STEP_SUMMARY")
            if summary:
                with open(summary, "a", encoding="utf-8") as f:
                    f.write(step_summary(report, verdicts))
    return EXIT_PASS if report["passed"] else EXIT_FAIL


def _where(reason: Reason) -> str:
    parts = []
    if reason.comment_url:
        parts.append(reason.comment_url)
    if reason.line is not None:
        parts.append(f"line {reason.line}")
    if reason.pointer:
        parts.append(reason.pointer)
    return f" [{', '.join(parts)}]" if parts else ""


def format_text(report: Mapping[str, Any], verdicts: Sequence[Verdict]) -> str:
    """The human report: verdict per gate, each reason with its fix, and the notes."""
    head = report.get("head")
    issues = ", ".join(f"#{n}" for n in report["issues"])
    source = "" if report["source"] == "--issue" else f" ({report['source']})"
    lines = [
        f"gate check: issue {issues}{source}, "
        f"head {head[:12] if head else 'unknown'}, tracker {report['tracker']}"
    ]
    for verdict in verdicts:
        word = "PASS" if verdict.passed else "FAIL"
        lines.append(f"{verdict.gate} gate, issue #{verdict.issue}: {word}")
        for reason in verdict.reasons:
            lines.append(f"  x {reason.message} ({reason.code}){_where(reason)}")
            lines.append(f"    fix: {reason.fix}")
        for note in verdict.notes:
            lines.append(f"  - note: {note.message}{_where(note)}")
            if note.fix and note.fix != "nothing to do":
                lines.append(f"    to change this: {note.fix}")
    failed = sum(1 for v in verdicts if not v.passed)
    if failed:
        lines.append(f"result: FAIL ({failed} of {len(verdicts)} gate(s) failed)")
    else:
        lines.append(f"result: PASS ({len(verdicts)} gate(s) passed)")
    return "\n".join(lines)


def _escape(value: str, *, prop: bool = False) -> str:
    # GitHub workflow commands: %, CR and LF everywhere, plus : and , in properties.
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def _command(level: str, title: str, message: str) -> str:
    return f"::{level} title={_escape(title, prop=True)}::{_escape(message)}"


def github_commands(verdicts: Sequence[Verdict]) -> list[str]:
    """``::error`` per failing reason, ``::notice`` per pass and per note."""
    out: list[str] = []
    for verdict in verdicts:
        title = f"{verdict.gate} gate (issue #{verdict.issue})"
        for reason in verdict.reasons:
            out.append(_command("error", title, f"{reason.message}. Fix: {reason.fix}"))
        if verdict.passed:
            out.append(_command("notice", title, "passed"))
        for note in verdict.notes:
            out.append(_command("notice", title, note.message))
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def step_summary(report: Mapping[str, Any], verdicts: Sequence[Verdict]) -> str:
    """A markdown table for ``$GITHUB_STEP_SUMMARY``."""
    word = "passed" if report["passed"] else "failed"
    lines = [
        f"### review-gate: {word}",
        "",
        "| Gate | Issue | Verdict | Reasons and fixes |",
        "|---|---|---|---|",
    ]
    for verdict in verdicts:
        reasons = "<br>".join(_cell(f"{r.message} — fix: {r.fix}") for r in verdict.reasons) or "—"
        mark = "✅ pass" if verdict.passed else "❌ fail"
        lines.append(f"| {verdict.gate} | #{verdict.issue} | {mark} | {reasons} |")
    return "\n".join(lines) + "\n\n"
