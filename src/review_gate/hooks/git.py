"""Git hooks: pre-push review gate, commit-msg format, artifact file validation.

Each hook is a console script ``main(argv) -> int`` (declared in pyproject.toml and
in ``.pre-commit-hooks.yaml``). They work both under the pre-commit framework and
as plain git hooks installed by ``gate install git``:

- under pre-commit, the pushed ref comes from ``PRE_COMMIT_LOCAL_BRANCH`` /
  ``PRE_COMMIT_TO_REF`` / ``PRE_COMMIT_REMOTE_BRANCH`` (pre-commit consumes git's
  stdin and hands a hook only the first ref update of a push);
- as a plain git hook, every ``<local ref> <local sha> <remote ref> <remote sha>``
  line of stdin is checked.

Nothing heavy (click, markdown-it, jsonschema, the tracker) is imported before the
hook knows it needs it: a push of a branch that is not a worker branch costs one
``git`` call at most.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple, NoReturn

from review_gate.errors import (
    EXIT_FAIL,
    EXIT_INTERNAL,
    EXIT_PASS,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    GateError,
    TrackerUnavailable,
)

if TYPE_CHECKING:
    from review_gate.config import Config

ZERO_SHA = "0" * 40
_ZERO = re.compile(r"^0+$")

COMMIT_TYPES = ("feat", "fix", "test", "refactor", "docs", "chore")
COMMIT_FORMAT = "<type>: <description> (#<issue>)"
_SUBJECT = re.compile(r"^(?P<type>[a-z]+): (?P<desc>\S.*?) \(#(?P<issue>\d+)\)$")
# Commits git (or a rebase) writes itself: never reformat them.
_PASS_THROUGH = re.compile(r"^(Merge |Revert |fixup! |squash! |amend! )")
_SCISSORS = re.compile(r"^[#;] -+ >8 -+$")


# --------------------------------------------------------------------------- pre-push


class RefUpdate(NamedTuple):
    """One line of git's pre-push input."""

    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str

    @property
    def deleting(self) -> bool:
        return bool(_ZERO.match(self.local_sha))


class PushDecision(NamedTuple):
    """What the hook says about one ref update: ``exit_code`` 0 lets it through."""

    update: RefUpdate
    exit_code: int
    lines: tuple[str, ...]  # the explanation, first line is the summary


def parse_updates(text: str) -> list[RefUpdate]:
    """Parse git's pre-push stdin; a malformed line is a :class:`GateError`."""
    updates = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        # rsplit: a local ref spelled as an expression may contain spaces; the last
        # three fields never do (as pre-commit parses it).
        parts = line.rsplit(maxsplit=3)
        if len(parts) != 4:
            raise GateError(
                f"pre-push input line {number} is not '<local ref> <local sha> "
                f"<remote ref> <remote sha>': {line[:120]!r}"
            )
        updates.append(RefUpdate(*parts))
    return updates


def updates_from_environment(environ: Mapping[str, str], cwd: Path) -> list[RefUpdate] | None:
    """The ref update pre-commit describes in ``PRE_COMMIT_*`` variables, or None."""
    remote_ref = environ.get("PRE_COMMIT_REMOTE_BRANCH")
    to_ref = environ.get("PRE_COMMIT_TO_REF")
    if not remote_ref and not to_ref:
        return None
    local_ref = environ.get("PRE_COMMIT_LOCAL_BRANCH") or to_ref or "HEAD"
    # pre-commit leaves TO_REF unset when the push carries the root commit
    # (it runs on all files instead): resolve the local ref ourselves.
    local_sha = to_ref or _rev_parse(local_ref, cwd)
    if local_sha is None:
        raise GateError(f"cannot resolve the pushed ref {local_ref!r} to a commit")
    return [RefUpdate(local_ref, local_sha, remote_ref or local_ref, ZERO_SHA)]


def _rev_parse(rev: str, cwd: Path) -> str | None:
    from review_gate._proc import run

    rc, out, _ = run(
        "git", "rev-parse", "--verify", "-q", f"{rev}^{{commit}}", cwd=cwd, check=False
    )
    return out.strip() if rc == 0 and out.strip() else None


def _short_branch(ref: str) -> str | None:
    """``refs/heads/x`` -> ``x``; other refs (tags, notes) -> None."""
    if ref.startswith("refs/heads/"):
        return ref[len("refs/heads/") :]
    if ref.startswith("refs/"):
        return None
    return ref


def _local_branch(ref: str, cwd: Path) -> str | None:
    if ref == "HEAD":  # `git push origin HEAD:main`: the branch checked out
        from review_gate.git import current_branch

        return current_branch(cwd)
    if _ZERO.match(ref) or re.fullmatch(r"[0-9a-f]{40,64}", ref):
        return None  # a bare sha was pushed
    return _short_branch(ref)


def _is_protected(branch: str | None, config: Config) -> bool:
    return branch is not None and any(
        fnmatch.fnmatchcase(branch, pattern) for pattern in config.protected_branches
    )


def decide(
    update: RefUpdate,
    *,
    cwd: Path,
    config: Config,
    remote: str = "origin",
) -> PushDecision:
    """Decide one ref update: worker branches need a passing review gate at the pushed
    commit; protected branches take no push from a worker; anything else passes."""
    from review_gate.git import issue_from_branch

    pattern = config.worker_branch_pattern
    remote_branch = _short_branch(update.remote_ref)
    local_branch = None if update.deleting else _local_branch(update.local_ref, cwd)
    where = f"{remote} {update.remote_ref}"
    short = update.local_sha[:12]
    worker = config.worker_id

    remote_issue = issue_from_branch(remote_branch, pattern)
    local_issue = issue_from_branch(local_branch, pattern)

    if update.deleting:
        if _is_protected(remote_branch, config):
            return _refuse(
                update,
                f"deleting protected branch {remote_branch!r} on {remote} is refused",
                "protected branches change only through reviewed pull requests",
            )
        if worker and remote_issue is not None and config.issue not in (None, remote_issue):
            return _refuse(
                update,
                f"worker {worker} (issue #{config.issue}) may not delete {remote_branch!r}, "
                f"which belongs to issue #{remote_issue}",
                "leave other workers' branches alone; ask the dispatcher's operator",
            )
        return PushDecision(update, EXIT_PASS, (f"review-gate: deleting {where}: allowed",))

    # A ref that is not a branch (a tag, refs/for/...) is gated only when it carries
    # a worker branch; otherwise the branch rules below do not apply to it.

    if _is_protected(remote_branch, config):
        if local_issue is not None:
            return _refuse(
                update,
                f"pushing worker branch {local_branch!r} straight to protected branch "
                f"{remote_branch!r} is refused",
                f"push it to its own branch (git push {remote} {local_branch}) and open a "
                "pull request; the review gate runs on that push and in CI",
            )
        if worker:
            return _refuse(
                update,
                f"a push to protected branch {remote_branch!r} from a dispatcher worktree "
                f"(REVIEW_GATE_WORKER_ID={worker}) is refused",
                "workers push their feature/<issue>-<slug> branch and open a pull request",
            )
        return PushDecision(
            update,
            EXIT_PASS,
            (f"review-gate: {where} is protected but this is not a worker push: allowed",),
        )

    issues = sorted({i for i in (local_issue, remote_issue) if i is not None})
    if not issues:
        return PushDecision(
            update,
            EXIT_PASS,
            (f"review-gate: {where} is not a worker branch ({pattern}): no review needed",)
            if remote_branch is not None
            else (f"review-gate: {where} is not a branch: no review needed",),
        )
    if worker and config.issue is not None and any(i != config.issue for i in issues):
        other = next(i for i in issues if i != config.issue)
        return _refuse(
            update,
            f"worker {worker} holds issue #{config.issue} but this push is for issue #{other}",
            "push only your own feature/<issue>-<slug> branch",
        )
    lines: list[str] = []
    worst = EXIT_PASS
    for issue in issues:
        code, explanation = _gate(issue, update.local_sha, cwd=cwd, config=config)
        worst = max(worst, code)
        lines.extend(explanation)
    if worst == EXIT_PASS:
        summary = f"review-gate: {where} at {short}: review gate passed for issue #"
        summary += ", #".join(str(i) for i in issues)
        return PushDecision(update, EXIT_PASS, (summary, *lines))
    head = (
        f"review-gate: push of {local_branch or update.local_ref} ({short}) to {where} "
        "refused: the review gate fails for the commit being pushed"
    )
    return PushDecision(update, worst, (head, *lines))


def _refuse(update: RefUpdate, why: str, fix: str) -> PushDecision:
    return PushDecision(update, EXIT_FAIL, (f"review-gate: {why}", f"  fix: {fix}"))


def _gate(issue: int, head: str, *, cwd: Path, config: Config) -> tuple[int, list[str]]:
    """Run the review gate of ``issue`` at ``head``: (exit code, explanation lines)."""
    from review_gate.check import check

    try:
        result = check(issue, cwd=cwd, head=head, config=config)
    except TrackerUnavailable as exc:
        if config.on_unreachable == "allow":
            return EXIT_PASS, [
                f"  warning: tracker unreachable ({exc.message}); allowed because "
                "on_unreachable = 'allow'"
            ]
        return EXIT_UNREACHABLE, [
            f"  - tracker unreachable: {exc.message}",
            f"    fix: {exc.hint or 'check the network and the token, then push again'}"
            " (or set on_unreachable = 'allow' in .review-gate.toml to let pushes through)",
        ]
    except GateError as exc:
        lines = [f"  - issue #{issue}: {exc.message}"]
        if exc.hint:
            lines.append(f"    fix: {exc.hint}")
        return EXIT_FAIL, lines
    if result.passed:
        return EXIT_PASS, []
    lines = []
    for verdict in result.verdicts:
        for reason in verdict.reasons:
            lines.append(f"  - [{verdict.gate} #{issue}] {reason.code}: {reason.message}")
            lines.append(f"    fix: {reason.fix}")
    lines += [
        f"  next: write a review of commit {head[:12]} with `gate new review --issue {issue}`,",
        f"        post it with `gate issue comment {issue} --body-file <file>` (or on GitHub),",
        f"        confirm with `gate check --issue {issue} --head {head[:12]}`, then push again.",
    ]
    return EXIT_FAIL, lines


def _read_stdin(stdin: IO[str] | None) -> str | None:
    stream = sys.stdin if stdin is None else stdin
    if stream is None or stream.isatty():
        return None
    return stream.read()


def pre_push(
    argv: Sequence[str],
    *,
    cwd: Path,
    environ: Mapping[str, str],
    stdin: IO[str] | None = None,
) -> tuple[int, list[str]]:
    """The pre-push hook as a function: (exit code, lines for stderr)."""
    ns = _pre_push_parser().parse(argv)
    from review_gate import config as config_mod

    config = config_mod.load(cwd, environ=environ)
    remote = ns.remote or environ.get("PRE_COMMIT_REMOTE_NAME", "origin")
    updates = updates_from_environment(environ, cwd)
    if updates is None:
        text = _read_stdin(stdin)
        if text is None:
            raise GateError(
                "review-gate-pre-push reads git's pre-push input on stdin",
                hint="install it with `gate install git` or through pre-commit "
                "(id: review-gate-pre-push) instead of running it by hand",
            )
        updates = parse_updates(text)
    worst = EXIT_PASS
    lines: list[str] = []
    for update in updates:
        decision = decide(update, cwd=cwd, config=config, remote=remote)
        worst = max(worst, decision.exit_code)
        lines.extend(decision.lines)
    if worst != EXIT_PASS:
        lines.append("review-gate: push refused (a local hook; CI's `gate check` enforces it too)")
    return worst, lines


def _pre_push_parser() -> _Parser:
    parser = _parser(
        "review-gate-pre-push",
        "A git pre-push hook: refuses a push of a worker branch (worker_branch_pattern, "
        "default feature/<issue>-...) unless the issue's review gate passes for the commit "
        "being pushed, and a worker's push to a protected branch. Other branches pass.",
        epilog="Git runs it with the remote's name and URL and one line per ref update on "
        "stdin ('<local ref> <local sha> <remote ref> <remote sha>'); under pre-commit the "
        "update comes from PRE_COMMIT_* variables. Install it with `gate install git` or "
        "pre-commit (id: review-gate-pre-push). Configuration: .review-gate.toml, "
        "[tool.review-gate], REVIEW_GATE_*.",
    )
    parser.add_argument("remote", nargs="?", help="the remote's name (git passes it)")
    parser.add_argument("url", nargs="?", help="the remote's URL (git passes it)")
    return parser


def pre_push_main(argv: Sequence[str] | None = None) -> int:
    """Console script ``review-gate-pre-push [REMOTE [URL]]`` (a git pre-push hook)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return _guard(
        "review-gate-pre-push",
        lambda: pre_push(args, cwd=Path.cwd(), environ=os.environ),
    )


# --------------------------------------------------------------------------- commit-msg


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
    parser = _parser(
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
        return EXIT_PASS, []
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


def commit_msg_main(argv: Sequence[str] | None = None) -> int:
    """Console script ``review-gate-commit-msg MESSAGE_FILE`` (a git commit-msg hook)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return _guard(
        "review-gate-commit-msg",
        lambda: commit_msg(args, cwd=Path.cwd(), environ=os.environ),
    )


# --------------------------------------------------------------------------- validate


def validate_files(paths: Sequence[str]) -> tuple[list[dict[str, object]], int]:
    """Validate artifact files: (one record per error, number of files checked)."""
    from review_gate.artifacts.extract import extract

    errors: list[dict[str, object]] = []
    for name in paths:
        path = Path(name)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            errors.append(_error(name, 1, "", f"cannot read: {exc.strerror}", ""))
            continue
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            errors.append(_error(name, line, "", "not valid UTF-8", "save the file as UTF-8"))
            continue
        if "\0" in body:
            errors.append(_error(name, 1, "", "binary file, not markdown", ""))
            continue
        artifacts = extract(body)
        if not artifacts:
            errors.append(
                _error(
                    name,
                    1,
                    "",
                    "no review-gate artifact found (no <!-- REVIEW:START --> or similar marker)",
                    "start from `gate new review|handover|worker`",
                )
            )
        for artifact in artifacts:
            for err in artifact.errors:
                errors.append(_error(name, err.line, err.kind, err.message, err.hint))
    return errors, len(paths)


def _error(path: str, line: int, kind: str, message: str, hint: str) -> dict[str, object]:
    return {"path": path, "line": line, "kind": kind, "message": message, "hint": hint}


def validate(argv: Sequence[str]) -> tuple[int, list[str]]:
    """The validate hook as a function: (exit code, lines for stdout)."""
    parser = _parser(
        "review-gate-validate",
        "Validate the REVIEW / HANDOVER / WORKER artifacts in markdown files (the rules "
        "of `gate validate`): one `path:line: kind: message (fix: ...)` per error.",
        epilog="A file without any artifact is an error. Used by pre-commit (id: "
        "review-gate-validate) on files matching (\\.review\\.md$|^\\.review-gate/).",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="markdown files to validate")
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help='output format (default: text); json: {"valid", "files", "errors"}',
    )
    ns = parser.parse(argv)
    errors, count = validate_files(ns.files)
    code = EXIT_FAIL if errors else EXIT_PASS
    if ns.format == "json":
        payload = {"valid": not errors, "files": count, "errors": errors}
        return code, [json.dumps(payload, indent=2)]
    lines = []
    for e in errors:
        kind = f"{e['kind']}: " if e["kind"] else ""
        hint = f" (fix: {e['hint']})" if e["hint"] else ""
        lines.append(f"{e['path']}:{e['line']}: {kind}{e['message']}{hint}")
    return code, lines


def validate_main(argv: Sequence[str] | None = None) -> int:
    """Console script ``review-gate-validate FILE...`` (a pre-commit ``files`` hook)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return _guard("review-gate-validate", lambda: validate(args), stream="stdout")


# --------------------------------------------------------------------------- shared


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (not argparse's usage dump)
        raise GateError(f"{message} (see {self.prog} --help)")

    def parse(self, argv: Sequence[str]) -> argparse.Namespace:
        """``parse_args``, but an unknown option is reported before a missing argument."""
        for arg in argv:
            if arg == "--":
                break
            if (
                len(arg) > 1
                and arg.startswith("-")
                and arg.split("=", 1)[0] not in (self._option_string_actions)
            ):
                self.error(f"unrecognized option: {arg}")
        return self.parse_args(argv)


_EXITS = "Exit codes: 0 pass, 1 refused/invalid, 2 usage or configuration error, "


def _parser(prog: str, description: str, *, epilog: str = "") -> _Parser:
    exits = _EXITS + (
        "3 tracker unreachable, 4 internal error."
        if prog == "review-gate-pre-push"
        else "4 internal error."
    )
    return _Parser(
        prog=prog,
        description=description,
        epilog=f"{epilog}\n\n{exits}" if epilog else exits,
        formatter_class=_Formatter,
        allow_abbrev=False,
    )


class _Formatter(argparse.HelpFormatter):
    """Fills each paragraph on its own and never breaks a word at a hyphen
    (``review-gate.toml``, ``gate install``)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        return "\n\n".join(
            textwrap.fill(
                " ".join(part.split()),
                width,
                initial_indent=indent,
                subsequent_indent=indent,
                break_on_hyphens=False,
                break_long_words=False,
            )
            for part in text.split("\n\n")
        )


def _guard(prog: str, body: Callable[[], tuple[int, list[str]]], stream: str = "stderr") -> int:
    """Run a hook body; errors become one line and an exit code, never a traceback."""
    out = sys.stdout if stream == "stdout" else sys.stderr
    try:
        code, lines = body()
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except GateError as exc:
        print(f"{prog}: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"{prog}: hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug must block, loudly, not pass
        print(
            f"{prog}: internal error: {type(exc).__name__}: {exc} (please report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    for line in lines:
        print(line, file=out)
    return code
