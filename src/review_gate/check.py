"""``gate check``'s library side: fetch an issue's comments, work out the context, run gates.

The gates are pure; all I/O (tracker, git head, changed files) happens here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from review_gate import git
from review_gate.config import Config, loosenings
from review_gate.config import load as load_config
from review_gate.doctor import Finding
from review_gate.errors import (
    CalledProcessError,
    ConfigError,
    GateError,
    NotAGitRepository,
    UsageError,
)
from review_gate.gates.common import latest_artifact, trust_policy
from review_gate.gates.verdict import Verdict
from review_gate.records import PullRequest
from review_gate.trackers.base import Tracker

GATES = ("review", "worker", "handover")
_HEX = re.compile(r"[0-9a-fA-F]{7,64}")
_AUTO_BASES = ("origin/HEAD", "origin/main", "main", "master")


class CheckResult(NamedTuple):
    """The verdicts of the gates run on one issue at one head."""

    issue: int
    head: str | None
    verdicts: tuple[Verdict, ...]

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    def to_json(self) -> dict[str, Any]:
        return {
            "issue": self.issue,
            "head": self.head,
            "passed": self.passed,
            "verdicts": [v.to_json() for v in self.verdicts],
        }


def _host(url: str) -> str | None:
    """The host of an https/ssh URL or of an scp-like ``git@host:owner/repo``."""
    url = url.strip()
    if "://" in url:
        return (urlsplit(url).hostname or "").lower() or None
    match = re.match(r"^(?:[^@/]+@)?([^:/]+):", url)
    return match.group(1).lower() if match else None


def auto_tracker(cwd: Path, environ: Mapping[str, str] | None = None) -> str:
    """``github`` when running in GitHub Actions or when origin is hosted on GitHub
    (github.com, or the host of ``GITHUB_API_URL`` for GitHub Enterprise), else ``local``."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS"):
        return "github"
    url = git.remote_url("origin", cwd) if _inside_git(cwd) else None
    host = _host(url) if url else None
    if host is None:
        return "local"
    hosts = {"github.com"}
    api = env.get("GITHUB_API_URL")
    if api:
        api_host = _host(api)
        if api_host:
            hosts.add(api_host)
            hosts.add(api_host.removeprefix("api."))
    return "github" if host in hosts or host.endswith(".github.com") else "local"


def _inside_git(cwd: Path) -> bool:
    try:
        git.toplevel(cwd)
    except NotAGitRepository:
        return False
    return True


def open_tracker(
    config: Config,
    *,
    cwd: Path,
    comments_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Tracker:
    """The tracker to read: the export ``comments_file`` if given, else ``config.tracker``,
    else :func:`auto_tracker`."""
    if comments_file is not None:
        from review_gate.trackers.export import ExportTracker

        return ExportTracker(Path(comments_file))
    name = config.tracker or auto_tracker(Path(cwd), environ)
    if name == "local":
        from review_gate.trackers.local import LocalTracker

        try:
            return LocalTracker.for_checkout(Path(cwd))
        except NotAGitRepository as exc:
            raise NotAGitRepository(
                exc.message,
                hint="the local tracker lives in a git checkout: run inside one (or pass -C DIR), "
                "read an export with --comments FILE, or use --tracker github",
            ) from None
    from review_gate.trackers.github import GitHubTracker

    return GitHubTracker.from_config(config, cwd=Path(cwd), environ=environ)


def resolve_head(head: str | None, cwd: Path) -> str | None:
    """A full sha for ``head`` (a sha or any git revision), HEAD of the checkout when
    None; None when there is no checkout (or no commit) to ask."""
    inside = _inside_git(cwd)
    if head is None:
        return git.head_sha(cwd) if inside else None
    head = head.strip()
    if inside:
        rc, out, _ = git._git(cwd, "rev-parse", "--verify", "-q", f"{head}^{{commit}}", check=False)
        if rc == 0 and out.strip():
            return out.strip()
    if _HEX.fullmatch(head):
        # Not in this clone (a shallow CI checkout): trust the sha as given.
        return head.lower()
    raise UsageError(f"--head {head!r} is not a commit sha or a revision of this checkout")


def resolve_base(cwd: Path, preferred: Sequence[str]) -> str | None:
    """The first of ``preferred`` that names a commit in the checkout."""
    for ref in preferred:
        rc, _, _ = git._git(cwd, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False)
        if rc == 0:
            return ref
    return None


def changed_files_for(
    cwd: Path, head: str | None, config: Config, base: str | None = None
) -> tuple[list[str] | None, str]:
    """``(paths, why)``: the files changed between the base branch and ``head``, or
    ``(None, why they are unknown)``."""
    if head is None:
        return None, "no head commit to compare"
    if not _inside_git(cwd):
        return None, "not inside a git checkout, so the changed files are unknown"
    if base:
        tried: Sequence[str] = (base, f"origin/{base}")
    elif config.base_branch:
        tried = (config.base_branch, f"origin/{config.base_branch}")
    else:
        tried = _AUTO_BASES
    ref = resolve_base(cwd, tried)
    if ref is None:
        return None, f"no base branch found (tried {', '.join(tried)})"
    try:
        return git.changed_files(ref, head, cwd), ""
    except CalledProcessError:
        return None, f"cannot diff {ref}...{head[:12]} (is the full history fetched?)"


def base_config_ref(cwd: Path, base: str) -> str:
    """The ref a change's configuration is read from: ``origin/<base>``, else ``<base>``.
    ConfigError (exit 2) when neither is in the checkout: never fall back to the checkout's
    own file, which the change itself may have edited."""
    name = base.strip().removeprefix("refs/heads/")
    tried = (name,) if name.startswith("origin/") else (f"origin/{name}", name)
    found = resolve_base(cwd, tried) if name and not name.startswith("-") else None
    if found is None:
        short = name.removeprefix("origin/")
        raise ConfigError(
            f"cannot read the configuration of the base branch {name!r}: "
            f"{' and '.join(tried)} are not in this checkout",
            hint=f"fetch it (`git fetch origin {short}`; in GitHub Actions use actions/checkout "
            "with `fetch-depth: 0`), or pass --config-ref WORKTREE to use the checkout's own",
        )
    return found


def describe_config(config: Config) -> str:
    """Where the configuration came from, for reports: the file (``origin/main:.review-gate.toml``,
    a path), or that there was none, plus the ``REVIEW_GATE_*`` variables that override it."""
    if config.config_file:
        where = config.config_file
    elif config.config_ref:
        where = f"defaults (no config file at {config.config_ref})"
    else:
        where = "defaults (no config file)"
    env = sorted({s.removeprefix("env ") for s in config.sources.values() if s.startswith("env ")})
    return where + (f", {', '.join(env)}" if env else "")


def worktree_loosenings(
    cwd: Path,
    trusted: Config,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """Notes (not failures) when ``trusted`` came from a git ref and the checkout's own
    configuration would weaken the gates: a change trying to loosen its own gate should be
    noticed by a human, even though it has no effect here."""
    if trusted.config_ref is None or not _inside_git(cwd):
        return []
    unused = f"not used: the configuration comes from {trusted.config_ref}"
    try:
        mine = load_config(cwd, overrides, environ)
    except GateError as exc:
        return [f"the checkout's configuration is invalid ({exc.message}); {unused}"]
    changes = loosenings(trusted, mine)
    if not changes:
        return []
    against = trusted.config_file or trusted.config_ref
    mine_file = mine.config_file or "defaults (no config file)"
    return [
        f"the checkout's {mine_file} would loosen the gate compared with {against}: "
        f"{'; '.join(changes)} ({unused})"
    ]


def _check_gates(gates: Sequence[str]) -> tuple[str, ...]:
    chosen: list[str] = []
    names = [n for g in gates for n in g.split(",")] if gates else ["review"]
    for name in names:
        name = name.strip().lower()
        if name not in GATES:
            raise UsageError(f"unknown gate {name!r}", hint=f"use one of {', '.join(GATES)}")
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def check(
    issue: int,
    *,
    gates: Sequence[str] = ("review",),
    cwd: Path = Path("."),
    config: Config | None = None,
    tracker: Tracker | None = None,
    head: str | None = None,
    worker_id: str | None = None,
    changed_files: Sequence[str] | None = None,
    base: str | None = None,
    config_ref: str | None = None,
) -> CheckResult:
    """Run ``gates`` on ``issue``. Raises TrackerUnavailable (exit 3) when the tracker
    cannot be reached, ConfigError/UsageError/IssueNotFound (exit 2) on bad input.

    ``head=None`` is HEAD of the checkout at ``cwd``; ``changed_files=None`` means
    "diff the base branch (``base``, config.base_branch or auto) against head".
    Without ``config``, it is loaded from the checkout, or from git ``config_ref``.
    """
    from review_gate.gates.handover import handover_gate
    from review_gate.gates.review import ReviewContext, deferred_tracking_issues, review_gate
    from review_gate.gates.worker import worker_gate

    if isinstance(issue, bool) or not isinstance(issue, int) or issue < 1:
        raise UsageError(f"issue must be a positive number, got {issue!r}")
    chosen = _check_gates(gates)
    cwd = Path(cwd)
    config = config if config is not None else load_config(cwd, ref=config_ref)
    head = resolve_head(head, cwd)
    tracker = tracker if tracker is not None else open_tracker(config, cwd=cwd)
    comments = tracker.list_comments(issue)
    trusted = trust_policy(config.trusted_associations, config.trusted_logins)
    verdicts: list[Verdict] = []
    for gate in chosen:
        if gate == "review":
            why = ""
            files: Sequence[str] | None = changed_files
            if files is None and config.sensitive_patterns:
                files, why = changed_files_for(cwd, head, config, base)
            elif files is None:
                files = ()  # no patterns: nothing can be sensitive
            tracking: dict[int, bool | None] = {}
            latest = latest_artifact(comments, "review", trusted=trusted)
            if latest is not None and latest[1].valid:
                for number in deferred_tracking_issues(latest[1].data):
                    if number != issue:  # the gate rejects that one without asking
                        tracking[number] = tracker.issue_exists(number)
            ctx = ReviewContext(
                issue=issue,
                head=head,
                changed_files=files,
                changed_files_unknown_why=why or "the files changed on the branch are unknown",
                trusted_associations=config.trusted_associations,
                trusted_logins=config.trusted_logins,
                sensitive_patterns=config.sensitive_patterns,
                require_commit=config.require_commit,
                require_distinct_reviewer=config.require_distinct_reviewer,
                tracking_issues=tracking,
            )
            verdicts.append(review_gate(comments, ctx))
        elif gate == "worker":
            me = worker_id or config.worker_id
            verdicts.append(worker_gate(comments, issue, me, trusted=trusted))
        else:
            verdicts.append(handover_gate(comments, issue, trusted=trusted))
    return CheckResult(issue, head, tuple(verdicts))


def doctor_checks(cwd: Path) -> list[Finding]:
    """``gate doctor``'s ``config`` and ``tracker`` findings."""
    try:
        config = load_config(cwd)
    except GateError as exc:
        return [Finding("config", False, exc.message, exc.hint or "fix the key named above")]
    files = sorted({s for s in config.sources.values() if s not in ("default", "flag")})
    where = ", ".join(files) if files else "defaults only"
    findings = [Finding("config", True, f"configuration valid ({where})")]
    try:
        tracker = open_tracker(config, cwd=Path(cwd))
        _probe(tracker)
    except GateError as exc:
        findings.append(Finding("tracker", False, exc.message, exc.hint or None))
    else:
        findings.append(Finding("tracker", True, f"{tracker.name} tracker reachable"))
    return findings


def _probe(tracker: Tracker) -> None:
    """One cheap request that proves the tracker answers."""
    ping = getattr(tracker, "ping", None)
    if callable(ping):
        ping()
    else:
        tracker.issue_exists(1)


_CLOSING = re.compile(
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+"
    r"(?:([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+))?#(\d+)\b",
    re.IGNORECASE,
)


def issues_from_pull(pull: PullRequest, *, repo: str | None, branch_pattern: str) -> list[int]:
    """The issues a PR is gated on: every ``Closes/Fixes/Resolves #N`` (or
    ``owner/repo#N`` of this repository) in its body, else its head branch
    ``feature/N-*`` (``branch_pattern``); empty when it names none."""
    found: list[int] = []
    for match in _CLOSING.finditer(pull.body or ""):
        other = match.group(1)
        if other and (repo is None or other.lower() != repo.lower()):
            continue  # closes an issue of another repository: not ours to gate
        number = int(match.group(2))
        if number > 0 and number not in found:
            found.append(number)
    if found:
        return found
    from_branch = git.issue_from_branch(pull.head_ref, branch_pattern)
    return [from_branch] if from_branch else []


def repo_name(config: Config, cwd: Path, environ: Mapping[str, str] | None = None) -> str | None:
    """``owner/name`` of the repository: config, ``GITHUB_REPOSITORY``, then origin."""
    env = os.environ if environ is None else environ
    if config.repo:
        return config.repo
    if env.get("GITHUB_REPOSITORY"):
        return env["GITHUB_REPOSITORY"]
    return git.repo_from_remote_url(git.remote_url("origin", cwd)) if _inside_git(cwd) else None
