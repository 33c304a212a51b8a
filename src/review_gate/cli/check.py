"""``gate check``: parse flags, run :func:`review_gate.check.check`, report the verdicts."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import click

from review_gate.errors import EXIT_FAIL, EXIT_PASS, ConfigError, GateError, UsageError
from review_gate.gates.verdict import Reason, Verdict
from review_gate.records import PullRequest

FORMATS = ("text", "json", "github")


class Target(NamedTuple):
    """What to gate: the issues, the head commit and the base branch (from a PR)."""

    issues: tuple[int, ...]
    head: str | None
    base: str | None
    source: str  # how the issues were found, for the report
    pull: PullRequest | None = None  # the PR it came from, to re-read with another config


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

    if issue is not None:
        return Target((parse_issue(issue),), head, None, "--issue")
    if pr is not None:
        number = parse_issue(pr, "--pr")
        return _pull_target(tracker.get_pull(number), number, head, cwd, config)
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


def _pull_target(
    pull: PullRequest, number: int, head: str | None, cwd: Path, config: Any
) -> Target:
    from review_gate.check import issues_from_pull, repo_name

    issues = issues_from_pull(
        pull, repo=repo_name(config, cwd), branch_pattern=config.worker_branch_pattern
    )
    if not issues:
        raise UsageError(
            f"pull request #{number} names no issue",
            hint="add `Closes #N` to its description, or name its branch feature/N-slug",
        )
    return Target(
        tuple(issues), head or pull.head_sha or None, pull.base_ref, f"PR #{number}", pull
    )


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
    config_ref: str | None = None,
    environ: Mapping[str, str] | None = None,
    stdin: BinaryIO | None = None,
) -> int:
    """Resolve the target, run the gates on each issue, print the report; the exit code."""
    from review_gate.check import (
        _check_gates,
        _inside_git,
        check,
        describe_config,
        worktree_loosenings,
    )

    env = os.environ if environ is None else environ
    if issue is not None and pr is not None:
        raise UsageError(
            "--issue and --pr are alternatives, got both",
            hint="--pr N gates every issue pull request N closes; --issue N gates one issue",
        )
    if issue is not None:
        parse_issue(issue)  # a bad number is a usage error before anything is read
    chosen = _check_gates(gates)
    if not cwd.is_dir():
        raise UsageError(f"-C {cwd}: no such directory")
    overrides = {"tracker": tracker_name, "repo": repo, "worker_id": worker_id}
    comments = (
        _read_stdin(stdin) if comments_file is not None and str(comments_file) == "-" else None
    )
    config, tracker, target, why = _configure(
        issue, pr, head, cwd, overrides, env, config_ref, comments_file, comments
    )
    loosened = worktree_loosenings(cwd, config, overrides, env) if _inside_git(cwd) else []
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
        "config": {
            "from": describe_config(config),
            "ref": config.config_ref,
            "file": config.config_file,
            "why": why,
            "warnings": loosened,
        },
        "verdicts": [v.to_json() for r in results for v in r.verdicts],
    }
    verdicts = [v for r in results for v in r.verdicts]
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(format_text(report, verdicts))
        if fmt == "github":
            for warning in loosened:
                click.echo(_command("warning", "review-gate configuration", warning))
            for line in github_commands(verdicts):
                click.echo(line)
            summary = env.get("GITHUB_STEP_SUMMARY")
            if summary:
                with open(summary, "a", encoding="utf-8") as f:
                    f.write(step_summary(report, verdicts))
    return EXIT_PASS if report["passed"] else EXIT_FAIL


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


def _default_branch(cwd: Path) -> str | None:
    """The remote's default branch (``origin/HEAD``), if the clone knows it."""
    from review_gate import git

    rc, out, _ = git._git(cwd, "symbolic-ref", "-q", "refs/remotes/origin/HEAD", check=False)
    name = out.strip().removeprefix("refs/remotes/origin/") if rc == 0 else ""
    return name if name and name != "HEAD" else None


def _identity(config: Any) -> tuple[Any, ...]:
    # What decides which tracker (and repository) comments and pull requests are read from.
    return (config.tracker, config.repo, config.request_timeout, config.retries)


def _configure(
    issue: str | None,
    pr: str | None,
    head: str | None,
    cwd: Path,
    overrides: Mapping[str, Any],
    env: Mapping[str, str],
    config_ref: str | None,
    comments_file: Path | None,
    comments: str | None,
) -> tuple[Any, Any, Target, str]:
    """``(config, tracker, target, why)``. The configuration is read from ``--config-ref``,
    else from the base branch of the change being gated (``$GITHUB_BASE_REF``, or the PR's
    base once ``--pr`` is read), else from the checkout: in CI the checkout IS the change,
    and a change must not be able to loosen its own gate."""
    from review_gate.check import _inside_git, base_config_ref, describe_config, open_tracker
    from review_gate.config import WORKTREE, load

    def tracker_for(config: Any) -> Any:
        if comments is not None:
            from review_gate.trackers.export import ExportTracker

            return ExportTracker.from_text(comments, "<stdin>")
        return open_tracker(config, cwd=cwd, comments_file=comments_file, environ=env)

    inside = _inside_git(cwd)
    env_base = env.get("GITHUB_BASE_REF", "").strip() or None
    guessed: str | None = None
    if config_ref is not None:
        ref: str | None = config_ref.strip()
        why = "--config-ref"
        if ref == WORKTREE:
            ref, why = None, "--config-ref WORKTREE: the checkout"
    elif env_base and inside:
        why = f"base branch {env_base} ($GITHUB_BASE_REF)"
        ref, guessed = base_config_ref(cwd, env_base), env_base
    elif pr is not None and inside and (default := _default_branch(cwd)):
        # The PR's base is unknown until the PR is read, and reading it needs a tracker:
        # configure that from the default branch, not from the change being gated.
        ref, why, guessed = f"origin/{default}", f"default branch {default}", default
    else:
        ref, why = None, "the checkout" if inside else "not a git checkout"
    config = load(cwd, overrides, env, ref=ref)
    tracker = tracker_for(config)
    target = _target(issue, pr, head, cwd, config, tracker, env)
    pull = target.pull
    if config_ref is not None or not inside or pull is None or not target.base:
        return config, tracker, target, why
    if target.base == guessed:
        if not env_base:
            why = f"base branch {target.base} of {target.source}"
        return config, tracker, target, why
    # The PR's base is known only now: re-read the configuration from it, and re-read the
    # PR with it (the provisional configuration may have picked the tracker, repository
    # or branch pattern the PR was resolved with).
    ref = base_config_ref(cwd, target.base)
    trusted = load(cwd, overrides, env, ref=ref)
    why = f"base branch {target.base} of {target.source}"
    number = pull.number
    if comments is None and comments_file is None and _identity(trusted) != _identity(config):
        tracker = tracker_for(trusted)
        pull = tracker.get_pull(number)
        if pull.base_ref != target.base:
            raise ConfigError(
                f"pull request #{number} has base {target.base!r} on the tracker "
                f"configured by {describe_config(config)} but {pull.base_ref!r} on the one "
                f"configured by {describe_config(trusted)}",
                hint="pass --config-ref with the branch whose configuration should apply",
            )
    again = _pull_target(pull, number, head, cwd, trusted)
    return trusted, tracker, again._replace(source=target.source), why


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
    config = report.get("config")
    if config:
        lines.append(f"config: {config['from']} ({config['why']})")
        lines.extend(f"  - note: {warning}" for warning in config["warnings"])
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
    config = report.get("config")
    if config:
        lines += ["", f"Configuration: `{config['from']}` ({config['why']})"]
        lines += [f"> ⚠️ {_cell(warning)}" for warning in config["warnings"]]
    return "\n".join(lines) + "\n\n"
