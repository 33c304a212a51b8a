"""One renderer per surface for a :class:`~review_gate.check.CheckResult`.

``gate check``: :func:`as_json`, :func:`as_text`, :func:`github_commands`,
:func:`step_summary`, :func:`step_outputs` and, for a check run, :func:`check_annotations`
(:mod:`review_gate.check_report` posts them); the PreToolUse hook: :func:`pr_denied`; the Stop hook:
:func:`missing_lines`; the pre-push hook: :func:`push_refused_lines`. Each says what
failed and the next step, from the same verdicts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from review_gate.gates.verdict import Reason, Verdict
from review_gate.target.trusted import describe

if TYPE_CHECKING:
    from review_gate.check import CheckResult

PREFIX = "review-gate: "


def as_json(results: Sequence[CheckResult]) -> dict[str, Any]:
    """``gate check --format json`` (stable; see docs/cli.md)."""
    first = results[0].request
    config = first.config
    return {
        "passed": all(r.passed for r in results),
        "issues": [n for r in results for n in r.issues],
        "head": first.head,
        "base": first.base,
        "tracker": first.tracker.name,
        "source": first.issue_source,
        "config": {
            "from": describe(config),
            "ref": config.config_ref,
            "file": config.config_file,
            "why": first.config_why,
            "warnings": list(first.config_notes),
        },
        "verdicts": [v.to_json() for r in results for v in r.verdicts],
    }


def _where(reason: Reason) -> str:
    parts = []
    if reason.comment_url:
        parts.append(reason.comment_url)
    if reason.line is not None:
        parts.append(f"line {reason.line}")
    if reason.pointer:
        parts.append(reason.pointer)
    return f" [{', '.join(parts)}]" if parts else ""


def as_text(results: Sequence[CheckResult]) -> str:
    """The human report: verdict per gate, each reason with its fix, and the notes."""
    report = as_json(results)
    verdicts = [v for r in results for v in r.verdicts]
    head = report["head"]
    issues = ", ".join(f"#{n}" for n in report["issues"])
    source = "" if report["source"] == "--issue" else f" ({report['source']})"
    lines = [
        f"gate check: issue {issues}{source}, "
        f"head {head[:12] if head else 'unknown'}, tracker {report['tracker']}"
    ]
    config = report["config"]
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


def workflow_command(level: str, title: str, message: str) -> str:
    """One GitHub workflow command (``::error title=...::message``), escaped."""
    return f"::{level} title={_escape(title, prop=True)}::{_escape(message)}"


def github_commands(results: Sequence[CheckResult]) -> list[str]:
    """``::warning`` per configuration note, ``::error`` per failing reason,
    ``::notice`` per pass and per note."""
    out = [
        workflow_command("warning", "review-gate configuration", note)
        for note in results[0].request.config_notes
    ]
    for verdict in (v for r in results for v in r.verdicts):
        title = f"{verdict.gate} gate (issue #{verdict.issue})"
        for reason in verdict.reasons:
            out.append(workflow_command("error", title, f"{reason.message}. Fix: {reason.fix}"))
        if verdict.passed:
            out.append(workflow_command("notice", title, "passed"))
        for note in verdict.notes:
            out.append(workflow_command("notice", title, note.message))
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def step_summary(results: Sequence[CheckResult]) -> str:
    """A markdown table for ``$GITHUB_STEP_SUMMARY``."""
    report = as_json(results)
    word = "passed" if report["passed"] else "failed"
    lines = [
        f"### review-gate: {word}",
        "",
        "| Gate | Issue | Verdict | Reasons and fixes |",
        "|---|---|---|---|",
    ]
    for verdict in (v for r in results for v in r.verdicts):
        reasons = "<br>".join(_cell(f"{r.message} — fix: {r.fix}") for r in verdict.reasons) or "—"
        mark = "✅ pass" if verdict.passed else "❌ fail"
        lines.append(f"| {verdict.gate} | #{verdict.issue} | {mark} | {reasons} |")
    config = report["config"]
    lines += ["", f"Configuration: `{config['from']}` ({config['why']})"]
    lines += [f"> ⚠️ {_cell(warning)}" for warning in config["warnings"]]
    return "\n".join(lines) + "\n\n"


_COMMENT_ID = re.compile(r"issuecomment-(\d+)$")


def _annotation_path(issue: int, comment_url: str | None) -> str:
    """Where a check-run annotation points: the REVIEW comment (``issues/7/comments/1234``)
    or, when the reason names none, the issue. Not files of the repository, so GitHub
    lists them on the check run's page rather than in the diff."""
    found = _COMMENT_ID.search(comment_url or "")
    return f"issues/{issue}/comments/{found.group(1)}" if found else f"issues/{issue}"


def check_annotations(results: Sequence[CheckResult]) -> list[dict[str, Any]]:
    """Check-run annotations (GitHub's ``output.annotations`` items): a ``failure`` per
    failing reason and a ``notice`` per note, on the line of the REVIEW comment the reason
    names (line 1 when it names none)."""
    out: list[dict[str, Any]] = []
    for verdict in (v for r in results for v in r.verdicts):
        title = f"{verdict.gate} gate (issue #{verdict.issue})"
        marked = [("failure", r) for r in verdict.reasons] + [("notice", n) for n in verdict.notes]
        for level, reason in marked:
            line = reason.line if reason.line is not None and reason.line > 0 else 1
            fix = f" Fix: {reason.fix}" if reason.fix and reason.fix != "nothing to do" else ""
            item: dict[str, Any] = {
                "path": _annotation_path(verdict.issue, reason.comment_url),
                "start_line": line,
                "end_line": line,
                "annotation_level": level,
                "title": f"{title}: {reason.code}"[:255],
                "message": f"{reason.message}.{fix}".replace("..", "."),
            }
            if reason.comment_url:
                item["raw_details"] = reason.comment_url
            out.append(item)
    return out


def step_outputs(results: Sequence[CheckResult]) -> dict[str, str]:
    """The GitHub Action's outputs: ``verdict`` (pass|fail), ``issues`` (``7 9``) and
    ``reasons-json`` (a JSON array of the failing reasons, each with gate and issue)."""
    verdicts = [v for r in results for v in r.verdicts]
    reasons = [
        {"gate": v.gate, "issue": v.issue, **reason.to_json()}
        for v in verdicts
        for reason in v.reasons
    ]
    return {
        "verdict": "pass" if all(r.passed for r in results) else "fail",
        "issues": " ".join(str(n) for r in results for n in r.issues),
        "reasons-json": json.dumps(reasons, ensure_ascii=False),
    }


def error_outputs(message: str, issues: Sequence[int] = ()) -> dict[str, str]:
    """The outputs when the gate could not be evaluated: ``verdict`` is ``error``."""
    reason = {"code": "could-not-evaluate", "message": message}
    return {
        "verdict": "error",
        "issues": " ".join(str(n) for n in issues),
        "reasons-json": json.dumps([reason], ensure_ascii=False),
    }


def output_file_text(outputs: dict[str, str], delimiter: str) -> str:
    """``name<<DELIMITER`` blocks for ``$GITHUB_OUTPUT`` (safe for any value that does not
    contain ``delimiter`` on a line of its own; the caller picks a random one)."""
    return "".join(
        f"{name}<<{delimiter}\n{value}\n{delimiter}\n" for name, value in outputs.items()
    )


def _reason_lines(verdicts: Sequence[Verdict], bullet: str = "- ") -> list[str]:
    lines: list[str] = []
    for verdict in verdicts:
        for reason in verdict.reasons:
            fix = f" Fix: {reason.fix}" if reason.fix else ""
            lines.append(f"{bullet}{reason.message}.{fix}".replace("..", "."))
    return lines


def _next_step(issue: int) -> str:
    return (
        f"review the work, write the review with `gate new review --issue {issue} > "
        f"review.md`, fill it in, post it with `gate issue comment {issue} --body-file "
        f"review.md` (or `gh issue comment {issue} --body-file review.md` on GitHub), check "
        f"with `gate check --issue {issue}`"
    )


def pr_denied(result: CheckResult) -> str | None:
    """The PreToolUse deny reason for creating a PR, or None when every gate passed."""
    texts: list[str] = []
    for issue in result.issues:
        failed = [v for v in result.verdicts if v.issue == issue and not v.passed]
        if not failed:
            continue
        head = f" at {result.head[:12]}" if result.head else ""
        lines = _reason_lines(failed) or ["- the review gate did not pass"]
        texts.append(
            f"{PREFIX}creating a pull request is denied: issue #{issue} has no valid review"
            f"{head} (issues gated: {', '.join(f'#{n}' for n in result.issues)}, from "
            f"{result.request.issue_source}).\n" + "\n".join(lines) + "\nNext step: "
            f"{_next_step(issue)}, then retry."
        )
    return "\n\n".join(texts) if texts else None


def gate_status(result: CheckResult) -> str:
    """One paragraph for a deny that could not tell what a command does: whether the review
    gate of this checkout passes anyway, and what to do if not."""
    issues = ", ".join(f"#{n}" for n in result.issues)
    head = f" at {result.head[:12]}" if result.head else ""
    if result.passed:
        return (
            f"The review gate of this checkout (issue {issues}{head}) passes: the same pull "
            "request, created with a plain `gh pr create` command, would go through."
        )
    failed = result.failed()
    issue = failed[0].issue if failed else result.issue
    lines = _reason_lines(failed) or ["- the review gate did not pass"]
    return (
        f"The review gate of this checkout (issue {issues}{head}) does not pass either:\n"
        + "\n".join(lines)
        + f"\nNext step: {_next_step(issue)}, then retry."
    )


def missing_lines(result: CheckResult) -> str:
    """What the review gate misses, for the Stop hook's block reason."""
    return "\n".join(_reason_lines(result.failed()) or ["- the review gate did not pass"])


def push_refused_lines(result: CheckResult) -> list[str]:
    """The pre-push hook's explanation of a failing gate, with the next step."""
    lines: list[str] = []
    for verdict in result.failed():
        for reason in verdict.reasons:
            lines.append(f"  - [{verdict.gate} #{verdict.issue}] {reason.code}: {reason.message}")
            lines.append(f"    fix: {reason.fix}")
    head = result.head or "HEAD"
    issue = result.issue
    lines += [
        f"  next: write a review of commit {head[:12]} with `gate new review --issue {issue}`,",
        f"        post it with `gate issue comment {issue} --body-file <file>` (or on GitHub),",
        f"        confirm with `gate check --issue {issue} --head {head}`, then push again.",
    ]
    return lines
