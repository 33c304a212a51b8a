"""``gate check``'s request: from flags, the CI environment, or the checkout.

Which issue: ``--issue``, else ``--pr`` (its ``Closes #N`` and its branch), else
``REVIEW_GATE_ISSUE``, else the PR of ``GITHUB_REF`` (pull_request workflows), else the
checked-out worker branch.

Which configuration: ``--config-ref``, else the base branch of the change being gated
(``GITHUB_BASE_REF``, or the PR's base once it is read), else the checkout — in CI the
checkout IS the change, and a change must not be able to loosen its own gate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from review_gate import config as config_mod
from review_gate import git
from review_gate.config import WORKTREE, Config
from review_gate.errors import ConfigError, UsageError
from review_gate.target import trusted
from review_gate.target.build import Repository, _request, from_pull_request, short_name
from review_gate.target.rules import GateRequest, check_gates, find_base, parse_issue
from review_gate.target.tracker import open_tracker
from review_gate.trackers.base import Tracker

_BAD_REF = re.compile(r"^-|[\x00-\x20\x7f:~^?*\[\\]|\.\.|@\{")
_PULL_REF = re.compile(r"refs/pull/([0-9]{1,9})/(?:merge|head)")


def from_cli(
    *,
    cwd: Path,
    environ: Mapping[str, str],
    issue: str | None = None,
    pr: str | None = None,
    head: str | None = None,
    gates: Sequence[str] = (),
    overrides: Mapping[str, Any] | None = None,
    config_ref: str | None = None,
    comments_file: Path | None = None,
    comments_text: str | None = None,
) -> GateRequest:
    """The request ``gate check`` evaluates. Raises UsageError/ConfigError (exit 2) on
    bad input, TrackerUnavailable (exit 3) when a PR cannot be read."""
    if issue is not None and pr is not None:
        raise UsageError(
            "--issue and --pr are alternatives, got both",
            hint="--pr N gates every issue pull request N closes; --issue N gates one issue",
        )
    number = parse_issue(issue) if issue is not None else None
    pr_number = parse_issue(pr, "--pr") if pr is not None else None
    chosen = check_gates(gates)
    from_ref = False
    if not Path(cwd).is_dir():
        raise UsageError(f"-C {cwd}: no such directory")
    repo = Repository(Path(cwd))
    config, why, guessed = _first_config(repo, environ, overrides, config_ref, pr_number)

    def tracker_for(cfg: Config) -> Tracker:
        return open_tracker(
            cfg,
            cwd=repo.cwd,
            comments_file=comments_file,
            comments_text=comments_text,
            environ=environ,
            read_only=True,  # a gate only reads: under the tracker_deadline too
        )

    tracker = tracker_for(config)
    if pr_number is None and number is None and config.issue is None:
        pulled = _PULL_REF.fullmatch(environ.get("GITHUB_REF", ""))
        if pulled and tracker.name == "github":
            pr_number, from_ref = int(pulled.group(1)), True
    gated_head = _resolve_head(repo, head) if head is not None else None
    if pr_number is not None:
        pull = tracker.get_pull(pr_number)
        if config_ref is None and repo.inside and pull.base_ref and pull.base_ref != guessed:
            # The PR's base is known only now: the trusted configuration is its.
            provisional = config
            config, _ = _base_config(repo, pull.base_ref, overrides, environ)
            why = f"base branch {pull.base_ref} of PR #{pr_number}"
            if (
                comments_text is None
                and comments_file is None
                and (_identity(config) != _identity(provisional))
            ):
                # The provisional configuration chose the tracker the PR was read from.
                tracker = tracker_for(config)
                pull2 = tracker.get_pull(pr_number)
                if pull2.base_ref != pull.base_ref:
                    raise ConfigError(
                        f"pull request #{pr_number} has base {pull.base_ref!r} on one tracker "
                        f"and {pull2.base_ref!r} on the one its base branch configures",
                        hint="pass --config-ref with the branch whose configuration applies",
                    )
                pull = pull2
        elif guessed and pull.base_ref == guessed and "GITHUB_BASE_REF" not in why:
            why = f"base branch {pull.base_ref} of PR #{pr_number}"
        notes = trusted.worktree_notes(repo.cwd, config, overrides, environ) if repo.inside else ()
        request = from_pull_request(
            pull, repo, config, why, tracker, environ, head=gated_head, gates=chosen, notes=notes
        )
        source = f"PR #{pr_number}" + (", from GITHUB_REF" if from_ref else "")
        return request._replace(issue_source=source)
    if number is not None:
        issues, source = (number,), "--issue"
    elif config.issue is not None:
        issues, source = (config.issue,), config.sources.get("issue", "config")
    else:
        own = git.issue_from_branch(repo.branch, config.worker_branch_pattern)
        if own is None:
            raise UsageError(
                "no issue to check",
                hint="pass --issue N or --pr N, set REVIEW_GATE_ISSUE, or run on a "
                "feature/N-slug branch",
            )
        issues, source = (own,), f"branch {repo.branch}"
    base = find_base(repo.refs, config.base_branch) if repo.inside else None
    notes = trusted.worktree_notes(repo.cwd, config, overrides, environ) if repo.inside else ()
    return _request(
        "check",
        repo,
        issues=issues,
        source=source,
        head=gated_head
        if gated_head is not None
        else (repo.checkout.head if repo.checkout else None),
        base=base,
        config=config,
        why=why,
        tracker=tracker,
        environ=environ,
        gates=chosen,
        notes=notes,
    )


def _identity(config: Config) -> tuple[object, ...]:
    # What decides which tracker (and repository) comments and pull requests come from.
    return (config.tracker, config.api_url, config.repo, config.request_timeout, config.retries)


def _first_config(
    repo: Repository,
    environ: Mapping[str, str],
    overrides: Mapping[str, Any] | None,
    config_ref: str | None,
    pr_number: int | None,
) -> tuple[Config, str, str | None]:
    """``(config, why, base it was read from)`` before any PR is read."""
    env_base = environ.get("GITHUB_BASE_REF", "").strip() or None
    if config_ref is not None:
        ref = config_ref.strip()
        if ref == WORKTREE:
            config = config_mod.load(repo.cwd, overrides, environ)
            return config, "--config-ref WORKTREE: the checkout", None
        return _ref_config(repo, ref, overrides, environ), "--config-ref", None
    if env_base and repo.inside:
        config, _ = _base_config(repo, env_base, overrides, environ)
        return config, f"base branch {env_base} ($GITHUB_BASE_REF)", env_base
    if pr_number is not None and repo.inside:
        # The PR's base is unknown until the PR is read, and reading it needs a tracker:
        # configure that from the default branch (the one base order), never from the
        # checkout, which is the change being gated and could name its own tracker.
        base = find_base(repo.refs, None)
        if base is None:
            raise ConfigError(
                "cannot tell this repository's default branch (no origin/HEAD, main or "
                "master), so there is no trusted configuration to read the PR with",
                hint="fetch the default branch (`git fetch origin`; in GitHub Actions "
                "actions/checkout with `fetch-depth: 0`), or pass --config-ref BRANCH",
            )
        default = short_name(base.name).removeprefix("origin/")
        config = repo.commit_config(base, overrides, environ, tighten_only=False)
        return config, f"default branch {default}", default
    why = "the checkout" if repo.inside else "not a git checkout"
    return config_mod.load(repo.cwd, overrides, environ), why, None


def _base_config(
    repo: Repository, branch: str, overrides: Mapping[str, Any] | None, environ: Mapping[str, str]
) -> tuple[Config, git.Ref]:
    name = branch.strip()
    ref = find_base(repo.refs, name) if name and not name.startswith("-") else None
    if ref is None:
        short = name.removeprefix("refs/heads/").removeprefix("origin/")
        raise ConfigError(
            f"cannot read the configuration of the base branch {name!r}: "
            f"origin/{short} and {short} are not in this checkout",
            hint=f"fetch it (`git fetch origin {short}`; in GitHub Actions use actions/checkout "
            "with `fetch-depth: 0`), or pass --config-ref WORKTREE to use the checkout's own",
        )
    return repo.commit_config(ref, overrides, environ, tighten_only=False), ref


def _ref_config(
    repo: Repository, name: str, overrides: Mapping[str, Any] | None, environ: Mapping[str, str]
) -> Config:
    if not repo.inside:
        raise ConfigError(
            f"cannot read the configuration at {name!r}: {repo.cwd.resolve()} is not inside "
            "a git repository"
        )
    if not name or _BAD_REF.search(name):
        raise ConfigError(f"config ref {name!r} is not a valid git revision")
    sha = git.resolve_commit(repo.cwd, repo.refs, name)
    if sha is None:
        raise ConfigError(
            f"config ref {name!r} is not a commit in this checkout",
            hint="fetch it first (e.g. `git fetch origin main`; in GitHub Actions use "
            "actions/checkout with `fetch-depth: 0`), or pass --config-ref WORKTREE",
        )
    ref = git.resolve_name(repo.refs, name) if not git.FULL_SHA.fullmatch(name.lower()) else None
    target = ref if ref is not None else sha
    return repo.commit_config(target, overrides, environ, tighten_only=False)


def _resolve_head(repo: Repository, head: str) -> str:
    """``--head``: a full sha, or a branch/tag of the checkout (unambiguous)."""
    text = head.strip()
    if text == "HEAD" and repo.checkout is not None and repo.checkout.head:
        return repo.checkout.head
    if repo.inside:
        try:
            sha = git.resolve_commit(repo.cwd, repo.refs, text)
        except UsageError as exc:
            raise UsageError(f"--head: {exc.message}", hint=exc.hint) from None
        if sha is not None:
            return sha
    if git.FULL_SHA.fullmatch(text.lower()):
        return text.lower()  # not in this clone (a shallow CI checkout): as given
    raise UsageError(
        f"--head {head!r} is not a full commit sha or a branch of this checkout",
        hint="pass the full 40-character sha of the commit being gated",
    )
