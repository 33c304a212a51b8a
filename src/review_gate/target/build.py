"""The constructors of :class:`~review_gate.target.rules.GateRequest`, one per surface.

All of them share :class:`Repository` (the git facts of the checkout, read in two git
calls) and :func:`checkout_policy` (the trusted configuration of a checkout an agent
works in), so every surface answers each question the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from review_gate import config as config_mod
from review_gate import git
from review_gate.config import Config
from review_gate.errors import ConfigError, UsageError
from review_gate.records import PullRequest
from review_gate.target import trusted
from review_gate.target.rules import (
    GateRequest,
    base_candidates,
    branch_issue,
    find_base,
    gated_issues,
)
from review_gate.target.tracker import open_tracker, repo_name
from review_gate.trackers.base import Tracker


class Repository:
    """The git facts of one checkout, read once: where it is, HEAD, every ref."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = Path(cwd)
        self.checkout = git.read_checkout(self.cwd)
        self.refs: Mapping[str, git.Ref] = git.read_refs(self.cwd) if self.checkout else {}
        self._origin: tuple[str | None] | None = None  # read when first asked for

    @property
    def inside(self) -> bool:
        return self.checkout is not None

    @property
    def branch(self) -> str | None:
        return self.checkout.branch if self.checkout else None

    @property
    def common_dir(self) -> Path | None:
        return self.checkout.common_dir if self.checkout else None

    def branch_head(self, branch: str) -> str | None:
        """The commit a PR from ``branch`` would contain: the remote's branch
        (``refs/remotes/origin/<branch>``: what was pushed) when it exists, else the local
        branch; None when neither exists (fully qualified lookups)."""
        name = branch.removeprefix("refs/heads/")
        for full in (f"refs/remotes/origin/{name}", f"refs/heads/{name}"):
            if full in self.refs:
                return self.refs[full].sha
        return None

    def commit_config(
        self,
        ref: git.Ref | str,
        overrides: Mapping[str, Any] | None,
        environ: Mapping[str, str],
        *,
        tighten_only: bool,
    ) -> Config:
        """The configuration committed at ``ref`` (a ref, or a full sha)."""
        sha, label = (ref.sha, short_name(ref.name)) if isinstance(ref, git.Ref) else (ref, ref)
        files = git.read_root_files(self.cwd, sha, trusted.FILES)
        # What "automatic" means here, for the keys the committed file leaves open.
        checkout = trusted.CheckoutFacts(
            origin=self.origin_url,
            base_branch=label.removeprefix("origin/") if label != sha else None,
        )
        return trusted.from_files(
            files, label, overrides, environ, tighten_only=tighten_only, checkout=checkout
        )

    def origin_url(self) -> str | None:
        """The ``origin`` remote's URL (one git call, the first time it is asked for)."""
        if self._origin is None:
            self._origin = (git.remote_url("origin", self.cwd) if self.inside else None,)
        return self._origin[0]

    def changes(
        self, base: git.Ref | None, head: str | None, config: Config, named: str | None = None
    ) -> tuple[tuple[str, ...] | None, str]:
        """``(paths, why)``: the files changed on the branch (both sides of renames), or
        ``(None, why they are unknown)``; ``()`` when no path could be sensitive.
        ``named``: the base branch asked for, to say what was tried."""
        if not config.sensitive_patterns:
            return (), ""
        if head is None:
            return None, "no head commit to compare"
        if not self.inside:
            return None, "not inside a git checkout, so the changed files are unknown"
        if base is None:
            tried = ", ".join(short_name(n) for n in base_candidates(self.refs, named))
            return None, f"no base branch found (tried {tried or 'origin/HEAD, main, master'})"
        files = git.changed_files(self.cwd, base.sha, head)
        if files is None:
            return None, (
                f"cannot diff {short_name(base.name)}...{head[:12]} (is the full history fetched?)"
            )
        return tuple(files), ""


def short_name(ref: str) -> str:
    """``refs/remotes/origin/main`` -> ``origin/main``; ``refs/heads/x`` -> ``x``."""
    for prefix in ("refs/remotes/", "refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


# ----------------------------------------------------------------------------- policy


def checkout_policy(
    repo: Repository,
    environ: Mapping[str, str],
    overrides: Mapping[str, Any] | None = None,
) -> tuple[Config, str, git.Ref | None]:
    """``(config, why, base)`` for a checkout an agent works in (hooks, pre-push).

    The policy is the base branch's committed configuration, never the working tree's,
    and the environment may only tighten it; where reviews are read from (tracker,
    GitHub API, repository) is pinned to it (:func:`review_gate.target.trusted.pin`).
    A checkout with no base branch to read it from uses its own file, unless it is a
    worker's (a worker branch, or an issue or worker id in the environment): that is
    refused, since nothing trusted is left.
    """
    if not repo.inside:
        return config_mod.load(repo.cwd, overrides, environ), "not a git checkout", None
    base = find_base(repo.refs, None)
    if base is None:
        own = config_mod.load(repo.cwd, overrides, environ)
        named = find_base(repo.refs, own.base_branch) if own.base_branch else None
        if named is None:
            if own.issue is not None or own.worker_id or branch_issue(repo.branch, own):
                raise ConfigError(
                    "this is a worker's checkout, but it has no base branch (origin/HEAD, "
                    "main or master) to read the trusted configuration from",
                    hint="fetch the base branch (`git fetch origin`), or set base_branch "
                    "in the base branch's .review-gate.toml",
                )
            return own, "the checkout (no base branch found)", None
        base = named
    config = repo.commit_config(base, overrides, environ, tighten_only=True)
    if config.base_branch:
        named = find_base(repo.refs, config.base_branch)
        if named is not None and named.name != base.name:
            base = named
            config = repo.commit_config(base, overrides, environ, tighten_only=True)
    return config, f"base branch {short_name(base.name)}", base


# ----------------------------------------------------------------------------- surfaces


def _require_base(repo: Repository, base: git.Ref | None) -> None:
    """A gate decision in a checkout needs the base branch: without it neither the trusted
    configuration nor the changed files are known (deleting the base refs must not turn
    the gate's policy into the checkout's own)."""
    if repo.inside and base is None:
        raise ConfigError(
            "no base branch (origin/HEAD, main or master) in this checkout, so the trusted "
            "configuration and the changed files are unknown",
            hint="fetch the base branch (`git fetch origin`), or set base_branch in the base "
            "branch's committed .review-gate.toml",
        )


def _request(
    surface: str,
    repo: Repository,
    *,
    issues: tuple[int, ...],
    source: str,
    head: str | None,
    base: git.Ref | None,
    config: Config,
    why: str,
    tracker: Tracker,
    environ: Mapping[str, str],
    gates: Sequence[str] = ("review",),
    notes: tuple[str, ...] = (),
    pull: PullRequest | None = None,
) -> GateRequest:
    files, files_why = repo.changes(base, head, config) if "review" in gates else ((), "")
    return GateRequest(
        surface=surface,
        issues=issues,
        issue_source=source,
        head=head,
        base=base.name if base else None,
        changed_files=files,
        changed_files_why=files_why or "the files changed on the branch are unknown",
        config=config,
        config_why=why,
        config_notes=notes,
        tracker=tracker,
        repo=repo_name(config, tracker, environ),
        gates=tuple(gates),
        worker_id=config.worker_id,
        pull=pull,
    )


def from_checkout(
    cwd: Path,
    environ: Mapping[str, str],
    *,
    surface: str,
    head_branch: str | None = None,
    bodies: Sequence[str] = (),
    repo: Repository | None = None,
    policy: tuple[Config, str, git.Ref | None] | None = None,
    tracker: Tracker | None = None,
) -> GateRequest:
    """The agent hooks' request: the checkout at ``cwd`` (or a PR of ``head_branch``
    from it), the branch's issue first, then the issues ``bodies`` close."""
    repo = repo or Repository(cwd)
    policy = policy or checkout_policy(repo, environ)
    config = policy[0]
    environ = trusted.pinned_environ(config, environ)
    tracker = tracker or _read_only_tracker(repo, config, environ)
    head = (
        repo.branch_head(head_branch)
        if head_branch
        else (repo.checkout.head if repo.checkout else None)
    )
    issues, source = gated_issues(
        head_branch or repo.branch, bodies, config, repo_name(config, tracker, environ)
    )
    return _in_checkout(surface, repo, policy, environ, issues, source, head, tracker)


def from_push(
    repo: Repository,
    policy: tuple[Config, str, git.Ref | None],
    environ: Mapping[str, str],
    *,
    issues: Sequence[int],
    source: str,
    head: str,
    tracker: Tracker | None = None,
) -> GateRequest:
    """The pre-push hook's request for one pushed ref: ``head`` is the commit pushed."""
    environ = trusted.pinned_environ(policy[0], environ)
    tracker = tracker or _read_only_tracker(repo, policy[0], environ)
    return _in_checkout("pre-push", repo, policy, environ, tuple(issues), source, head, tracker)


def _read_only_tracker(repo: Repository, config: Config, environ: Mapping[str, str]) -> Tracker:
    return open_tracker(
        config, cwd=repo.cwd, environ=environ, read_only=True, common_dir=repo.common_dir
    )


def _in_checkout(
    surface: str,
    repo: Repository,
    policy: tuple[Config, str, git.Ref | None],
    environ: Mapping[str, str],
    issues: tuple[int, ...],
    source: str,
    head: str | None,
    tracker: Tracker,
) -> GateRequest:
    config, why, base = policy
    _require_base(repo, base)
    return _request(
        surface,
        repo,
        issues=issues,
        source=source,
        head=head,
        base=base,
        config=config,
        why=why,
        tracker=tracker,
        environ=environ,
    )


def for_worker(
    worktree: Path,
    issue: int,
    worker_id: str | None,
    config: Config,
    tracker: Tracker,
    environ: Mapping[str, str] | None = None,
) -> GateRequest:
    """The dispatcher's request for a worker: its worktree's HEAD, under the operator's
    configuration (the dispatcher runs as the operator, not as the worker)."""
    env = os.environ if environ is None else environ
    repo = Repository(worktree)
    base = find_base(repo.refs, config.base_branch)
    return _request(
        "worker",
        repo,
        issues=(issue,),
        source=f"worker {worker_id or '?'}",
        head=repo.checkout.head if repo.checkout else None,
        base=base,
        config=config,
        why="the dispatcher's configuration",
        tracker=tracker,
        environ=env,
    )


def from_pull_request(
    pull: PullRequest,
    repo: Repository,
    config: Config,
    why: str,
    tracker: Tracker,
    environ: Mapping[str, str],
    *,
    head: str | None = None,
    gates: Sequence[str] = ("review",),
    notes: tuple[str, ...] = (),
) -> GateRequest:
    """CI's request for a pull request: the issues its body closes and its branch's,
    its head commit (or ``head``), its base branch."""
    issues, source = gated_issues(
        pull.head_ref,
        [pull.body or ""],
        _no_issue(config),
        repo_name(config, tracker, environ),
    )
    if not issues:
        raise UsageError(
            f"pull request #{pull.number} names no issue",
            hint="add `Closes #N` to its description, or name its branch feature/N-slug",
        )
    base = find_base(repo.refs, pull.base_ref or config.base_branch)
    return _request(
        "pull-request",
        repo,
        issues=issues,
        source=f"PR #{pull.number} ({source})",
        head=head or pull.head_sha or None,
        base=base,
        config=config,
        why=why,
        tracker=tracker,
        environ=environ,
        gates=gates,
        notes=notes,
        pull=pull,
    )


def _no_issue(config: Config) -> Config:
    # A PR is gated on what it says and its branch; REVIEW_GATE_ISSUE is a worker's.
    return trusted.with_identity(config, issue=None)
