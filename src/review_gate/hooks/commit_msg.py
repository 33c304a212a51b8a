"""The commit-msg hook: ``<type>: <description> (#<issue>)``, the branch's issue.

In a dispatched worker (``REVIEW_GATE_ORCHESTRATION`` set by ``gate dispatch``) an
accepted message also gets the trailer ``Orchestration: <id>``, so every commit names
the run that produced it (docs/dispatch.md, "Audit trail").
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from review_gate.errors import EXIT_FAIL, EXIT_PASS, GateError
from review_gate.hooks.hook_cli import guard, hook_parser

COMMIT_TYPES = ("feat", "fix", "test", "refactor", "docs", "chore")
COMMIT_FORMAT = "<type>: <description> (#<issue>)"
_SUBJECT = re.compile(r"^(?P<type>[a-z]+): (?P<desc>\S.*?) \(#(?P<issue>\d+)\)$")
# Commits git (or a rebase) writes itself: never reformat them.
_PASS_THROUGH = re.compile(r"^(Merge |Revert |fixup! |squash! |amend! )")
_SCISSORS = re.compile(r"^[#;] -+ >8 -+$")
ORCHESTRATION_VAR = "REVIEW_GATE_ORCHESTRATION"
_ORCHESTRATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


class MessageProblem(NamedTuple):
    message: str
    subject: str


def subject_of(text: str) -> str | None:
    """The first line of a commit message as git will store it (comments and the
    ``git commit -v`` diff below the scissors line removed), or None when empty."""
    for raw in text.splitlines():
        if _SCISSORS.match(raw):
            break
        if raw.startswith("#"):
            continue
        line = raw.strip()
        if line:
            return line
    return None


def check_message(text: str, *, branch_issue: int | None) -> MessageProblem | None:
    """None when the message is acceptable, else what is wrong with it."""
    subject = subject_of(text)
    if subject is None:
        return MessageProblem("the commit message is empty", "")
    if _PASS_THROUGH.match(subject):
        return None
    match = _SUBJECT.match(subject)
    if not match:
        return MessageProblem("the first line does not match the required format", subject)
    if match["type"] not in COMMIT_TYPES:
        return MessageProblem(f"unknown type {match['type']!r}", subject)
    issue = int(match["issue"])
    if branch_issue is not None and issue != branch_issue:
        return MessageProblem(
            f"the message names issue #{issue} but this branch is for issue #{branch_issue}",
            subject,
        )
    return None


def commit_msg(
    argv: Sequence[str], *, cwd: Path, environ: Mapping[str, str]
) -> tuple[int, list[str]]:
    """The commit-msg hook as a function: (exit code, lines for stderr)."""
    parser = hook_parser(
        "review-gate-commit-msg",
        f"A git commit-msg hook: the message's first line must be `{COMMIT_FORMAT}` with "
        f"type {'|'.join(COMMIT_TYPES)}; on a worker branch the issue must be the "
        "branch's. Merge, Revert, fixup!, squash! and amend! commits pass.",
        epilog="Install it with `gate install git` or pre-commit (id: "
        "review-gate-commit-msg). Example: feat: add dark mode toggle to settings (#7)",
    )
    parser.add_argument("message_file", help="the message file git passes to the hook")
    ns = parser.parse(argv)
    path = Path(ns.message_file)
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise GateError(f"{path}: cannot read the commit message: {exc.strerror}") from None

    from review_gate import config as config_mod
    from review_gate.git import current_branch, issue_from_branch

    config = config_mod.load(cwd, environ=environ)
    branch = current_branch(cwd)
    branch_issue = issue_from_branch(branch, config.worker_branch_pattern)
    problem = check_message(text, branch_issue=branch_issue)
    if problem is None:
        return EXIT_PASS, add_orchestration(path, cwd, environ.get(ORCHESTRATION_VAR, ""))
    example_issue = branch_issue if branch_issue is not None else 7
    lines = [f"review-gate: commit refused: {problem.message}"]
    if problem.subject:
        lines.append(f"  got:      {problem.subject}")
    lines += [
        f"  expected: {COMMIT_FORMAT}   type: {'|'.join(COMMIT_TYPES)}",
        f"  example:  feat: add dark mode toggle to settings (#{example_issue})",
    ]
    if branch_issue is not None:
        lines.append(f"  (on branch {branch} the issue must be #{branch_issue})")
    lines.append(f"  your message is kept in {path}: `git commit -e -F {path}` to edit it")
    return EXIT_FAIL, lines


def add_orchestration(path: Path, cwd: Path, orchestration: str) -> list[str]:
    """Add (or correct) the ``Orchestration:`` trailer of the message in ``path`` with
    git's own trailer rules; returns warning lines (a trailer that cannot be added never
    blocks a commit)."""
    orchestration = orchestration.strip()
    if not orchestration:
        return []
    if not _ORCHESTRATION_ID.match(orchestration):
        return [f"review-gate: warning: {ORCHESTRATION_VAR} is not an id; no trailer added"]
    from review_gate.proc import run

    rc, _, err = run(
        "git", "interpret-trailers", "--in-place", "--if-exists", "replace",
        "--trailer", f"Orchestration: {orchestration}", str(path), cwd=cwd, check=False,
    )  # fmt: skip
    if rc != 0:
        why = err.strip().splitlines()[-1] if err.strip() else f"exit {rc}"
        return [f"review-gate: warning: could not add the Orchestration trailer: {why}"]
    return []


def commit_msg_main(argv: Sequence[str] | None = None) -> int:
    """Console script ``review-gate-commit-msg MESSAGE_FILE`` (a git commit-msg hook)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return guard(
        "review-gate-commit-msg",
        lambda: commit_msg(args, cwd=Path.cwd(), environ=os.environ),
    )
