"""The pre-push hook: a worker branch is pushed only with a review of the commit pushed.

It works both under the pre-commit framework and as a plain git hook installed by
``gate install git``:

- under pre-commit, the pushed ref comes from ``PRE_COMMIT_LOCAL_BRANCH`` /
  ``PRE_COMMIT_TO_REF`` / ``PRE_COMMIT_REMOTE_BRANCH`` (pre-commit consumes git's
  stdin and hands a hook only the first ref update of a push);
- as a plain git hook, every ``<local ref> <local sha> <remote ref> <remote sha>``
  line of stdin is checked.

Nothing heavy (click, markdown-it, jsonschema, the tracker) is imported before the
hook knows it needs it.
"""

from __future__ import annotations

import fnmatch
import gc
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

from review_gate.errors import (
    EXIT_FAIL,
    EXIT_PASS,
    EXIT_UNREACHABLE,
    GateError,
    TrackerDeadline,
    TrackerUnavailable,
    UsageError,
)
from review_gate.hooks.hook_cli import guard, hook_parser

if TYPE_CHECKING:
    from review_gate import git
    from review_gate.config import Config
    from review_gate.hooks.hook_args import HookParser
    from review_gate.target.build import Repository

    Policy = tuple[Config, str, git.Ref | None]

ZERO_SHA = "0" * 40
_ZERO = re.compile(r"^0+$")
# Turns --quiet on from the environment (a direct install's script passes only git's
# arguments). It is not a configuration key (config_values.FIELDS has no "quiet"): it
# changes what a passing push prints, never what passes, so a gated checkout takes it.
QUIET_VARIABLE = "REVIEW_GATE_QUIET"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


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


def updates_from_environment(
    environ: Mapping[str, str], cwd: Path, repo: Repository | None = None
) -> list[RefUpdate] | None:
    """The ref update pre-commit describes in ``PRE_COMMIT_*`` variables, or None."""
    remote_ref = environ.get("PRE_COMMIT_REMOTE_BRANCH")
    to_ref = environ.get("PRE_COMMIT_TO_REF")
    if not remote_ref and not to_ref:
        return None
    local_ref = environ.get("PRE_COMMIT_LOCAL_BRANCH") or to_ref or "HEAD"
    # pre-commit leaves TO_REF unset when the push carries the root commit
    # (it runs on all files instead): resolve the local ref ourselves.
    local_sha = to_ref or _rev_parse(local_ref, repo or _repository(cwd))
    if local_sha is None:
        raise GateError(f"cannot resolve the pushed ref {local_ref!r} to a commit")
    return [RefUpdate(local_ref, local_sha, remote_ref or local_ref, ZERO_SHA)]


def _repository(cwd: Path) -> Repository:
    from review_gate.target.build import Repository

    return Repository(cwd)


def _rev_parse(rev: str, repo: Repository) -> str | None:
    from review_gate.git import resolve_commit

    try:
        return resolve_commit(repo.cwd, repo.refs, rev)
    except GateError:
        return None


def _short_branch(ref: str) -> str | None:
    """``refs/heads/x`` -> ``x``; other refs (tags, notes) -> None."""
    if ref.startswith("refs/heads/"):
        return ref[len("refs/heads/") :]
    if ref.startswith("refs/"):
        return None
    return ref


def _local_branch(ref: str, repo: Repository) -> str | None:
    if ref == "HEAD":  # `git push origin HEAD:main`: the branch checked out
        return repo.branch
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
    repo: Repository | None = None,
    policy: Policy | None = None,
    environ: Mapping[str, str] | None = None,
) -> PushDecision:
    """Decide one ref update: worker branches need a passing review gate at the pushed
    commit; protected branches take no push from a worker; anything else passes.
    ``policy`` is :func:`review_gate.target.checkout_policy`'s answer (``config`` is its
    first part); without it ``config`` is taken as given."""
    from review_gate.git import issue_from_branch
    from review_gate.target import find_base

    repo = repo or _repository(cwd)
    if policy is None:
        policy = (config, "given", find_base(repo.refs, config.base_branch))

    pattern = config.worker_branch_pattern
    remote_branch = _short_branch(update.remote_ref)
    local_branch = None if update.deleting else _local_branch(update.local_ref, repo)
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
    env = os.environ if environ is None else environ
    source = f"branch {local_branch or remote_branch}"
    worst, lines = _gate(
        issues, update.local_sha, repo=repo, policy=policy, environ=env, source=source
    )
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


def _gate(
    issues: Sequence[int],
    head: str,
    *,
    repo: Repository,
    policy: Policy,
    environ: Mapping[str, str],
    source: str,
) -> tuple[int, list[str]]:
    """Run the review gate of ``issues`` at ``head``: (exit code, explanation lines)."""
    from review_gate import target
    from review_gate.check import evaluate

    config = policy[0]
    try:
        request = target.from_push(repo, policy, environ, issues=issues, source=source, head=head)
        result = evaluate(request)
    except TrackerUnavailable as exc:
        # A tracker that answers too slowly is refused whatever on_unreachable says: the
        # deadline is the fail-closed bound on the hook, not an outage (docs/trackers.md).
        if config.on_unreachable == "allow" and not isinstance(exc, TrackerDeadline):
            return EXIT_PASS, [
                f"  warning: tracker unreachable ({exc.message}); allowed because "
                "on_unreachable = 'allow'"
            ]
        allow = (
            ""
            if isinstance(exc, TrackerDeadline)
            else " (or set on_unreachable = 'allow' in the base branch's .review-gate.toml)"
        )
        return EXIT_UNREACHABLE, [
            f"  - tracker unreachable: {exc.message}",
            f"    fix: {exc.hint or 'check the network and the token, then push again'}{allow}",
        ]
    except GateError as exc:
        lines = [f"  - issue {', '.join(f'#{i}' for i in issues)}: {exc.message}"]
        if exc.hint:
            lines.append(f"    fix: {exc.hint}")
        return EXIT_FAIL, lines
    if result.passed:
        return EXIT_PASS, []
    from review_gate import report  # only a refusal is explained

    return EXIT_FAIL, report.push_refused_lines(result)


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
    quiet, remote_name = _arguments(argv)
    quiet = quiet or quiet_from_environment(environ)
    from review_gate import target

    repo = _repository(cwd)
    policy = target.checkout_policy(repo, environ)
    config = policy[0]
    remote = remote_name or environ.get("PRE_COMMIT_REMOTE_NAME", "origin")
    # git's own stdin wins: PRE_COMMIT_* describe the push only under pre-commit (which
    # consumes stdin). Set by hand on `git push`, they must not replace what git says.
    text = _read_stdin(stdin)
    updates = parse_updates(text) if text and text.strip() else None
    if updates is None:
        updates = updates_from_environment(environ, cwd, repo)
    if updates is None:
        if text is None:
            raise GateError(
                "review-gate-pre-push reads git's pre-push input on stdin",
                hint="install it with `gate install git` or through pre-commit "
                "(id: review-gate-pre-push) instead of running it by hand",
            )
        updates = []
    decisions = [
        decide(
            update,
            cwd=cwd,
            config=config,
            remote=remote,
            repo=repo,
            policy=policy,
            environ=environ,
        )
        for update in updates
    ]
    worst = max((d.exit_code for d in decisions), default=EXIT_PASS)
    if worst == EXIT_PASS and quiet:
        # Nothing on a clean pass; a pass with a warning (tracker unreachable and
        # on_unreachable = 'allow') still says so, under its summary line.
        return worst, [line for d in decisions if len(d.lines) > 1 for line in d.lines]
    lines = [line for d in decisions for line in d.lines]
    if worst != EXIT_PASS:
        lines.append("review-gate: push refused (a local hook; CI's `gate check` enforces it too)")
    return worst, lines


def quiet_from_environment(environ: Mapping[str, str]) -> bool:
    """Whether ``REVIEW_GATE_QUIET`` asks for a quiet pass; another value is a
    :class:`UsageError` (a miswired setting blocks the push instead of being ignored)."""
    value = environ.get(QUIET_VARIABLE, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UsageError(
        f"{QUIET_VARIABLE}={environ[QUIET_VARIABLE]!r} is not a boolean",
        hint="set it to 1 (print nothing on a passing push) or 0, or unset it",
    )


def _arguments(argv: Sequence[str]) -> tuple[bool, str | None]:
    """``(--quiet, remote)``. Git passes the remote's name and URL and nothing else: those
    need no parser (argparse costs the hook a few milliseconds), anything else gets one."""
    if len(argv) <= 2 and not any(arg.startswith("-") for arg in argv):
        return False, argv[0] if argv else None
    ns = _pre_push_parser().parse(argv)
    return bool(ns.quiet), ns.remote


def _pre_push_parser() -> HookParser:
    parser = hook_parser(
        "review-gate-pre-push",
        "A git pre-push hook: refuses a push of a worker branch (worker_branch_pattern, "
        "default feature/<issue>-...) unless the issue's review gate passes for the commit "
        "being pushed, and a worker's push to a protected branch. Other branches pass.",
        epilog="Git runs it with the remote's name and URL and one line per ref update on "
        "stdin ('<local ref> <local sha> <remote ref> <remote sha>'); under pre-commit the "
        "update comes from PRE_COMMIT_* variables. Install it with `gate install git` or "
        "pre-commit (id: review-gate-pre-push). Configuration: the base branch's committed "
        ".review-gate.toml or [tool.review-gate]; REVIEW_GATE_* may only tighten it.",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help=f"print nothing when the push passes (a refusal still prints its reason); "
        f"{QUIET_VARIABLE}=1 in the environment does the same",
    )
    parser.add_argument("remote", nargs="?", help="the remote's name (git passes it)")
    parser.add_argument("url", nargs="?", help="the remote's URL (git passes it)")
    return parser


def pre_push_main(argv: Sequence[str] | None = None) -> int:
    """Console script ``review-gate-pre-push [REMOTE [URL]]`` (a git pre-push hook)."""
    args = list(sys.argv[1:] if argv is None else argv)
    # The hook is a short-lived process that allocates little besides the modules it
    # imports (this module imports the heavy ones lazily for that reason): the cycle
    # collector has nothing to free there and cost about 4% of the hook's CPU time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return guard(
            "review-gate-pre-push",
            lambda: pre_push(args, cwd=Path.cwd(), environ=os.environ),
        )
    finally:
        if collecting:
            gc.enable()
