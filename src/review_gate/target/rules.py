"""What is gated: the one front door of every gate surface.

Each surface (``gate check``, the PreToolUse and Stop hooks, the pre-push hook, the
dispatcher) builds one :class:`GateRequest` here, with its own constructor, and then
only evaluates it (:func:`review_gate.check.evaluate`) and renders the result
(:mod:`review_gate.report`). Every "what is gated" question has one answer, in one
place of this module:

- which issues: :func:`closing_issues` (PR bodies) and the branch's issue, branch first;
- which base: :func:`base_candidates` (one order of candidates, fully qualified refs);
- which head, which changed files (both sides of a rename): from :mod:`review_gate.git`;
- which configuration is trusted: :class:`_Repository.trusted_config` — the base
  branch's committed file wherever the change being gated could have edited the
  checkout's own (CI, and every hook in a gated checkout); environment variables may
  only tighten it there;
- which tracker: :func:`review_gate.target.tracker.open_tracker`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from review_gate import git
from review_gate.config import Config
from review_gate.errors import UsageError
from review_gate.records import PullRequest
from review_gate.trackers.base import Tracker

GATES = ("review", "worker", "handover")
REMOTE = "origin"
# Branch names tried, in this order, when neither the change nor the configuration
# names its base: the remote's default branch first, then the usual names.
DEFAULT_BASES = ("main", "master")


class GateRequest(NamedTuple):
    """Everything one gate decision needs, resolved once; evaluation reads only this."""

    surface: str  # "check" | "pull-request" | "pre-tool-use" | "stop" | "pre-push" | "worker"
    issues: tuple[int, ...]
    issue_source: str  # how the issues were found, for reports
    head: str | None  # full sha of the commit being gated; None: unknown
    base: str | None  # the fully qualified base ref the changes are counted from
    changed_files: tuple[str, ...] | None  # None: unknown (see changed_files_why)
    changed_files_why: str
    config: Config  # the trusted configuration
    config_why: str  # why that configuration is the trusted one
    config_notes: tuple[str, ...]  # e.g. the checkout's own file would loosen the gate
    tracker: Tracker
    repo: str | None  # owner/name of this repository, when known
    gates: tuple[str, ...] = ("review",)
    worker_id: str | None = None
    pull: PullRequest | None = None


# ----------------------------------------------------------------------------- issues

# GitHub's closing keywords, then `#N`, `owner/repo#N` or an issue URL. Compiled on first
# use (re caches it): the pre-push hook reads no PR body.
_CLOSING = (
    r"(?<![\w/#-])(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)[ \t]*:?[ \t]+"
    r"(?:(?P<repo>[\w.-]+/[\w.-]+)?#(?P<n>[0-9]+)"
    r"|https?://[^\s/]+/(?P<urlrepo>[\w.-]+/[\w.-]+)/issues/(?P<urln>[0-9]+))(?![\w/-])"
)


def closing_issues(text: str, repo: str | None) -> list[int]:
    """The issues of *this* repository a PR body closes, in order: ``Closes #7``,
    ``Fixes owner/repo#7`` and ``Resolves https://host/owner/repo/issues/7`` where
    ``owner/repo`` is ``repo`` (compared case-insensitively). When ``repo`` is unknown a
    qualified reference counts too (gating one more issue is the safe side)."""
    found: list[int] = []
    for match in re.finditer(_CLOSING, text or "", re.IGNORECASE):
        named = match.group("repo") or match.group("urlrepo")
        number_text = match.group("n") or match.group("urln")
        if named and repo is not None and named.lower() != repo.lower():
            continue
        if len(number_text) > 9:
            continue  # no tracker has an issue number that long
        number = int(number_text)
        if number > 0 and number not in found:
            found.append(number)
    return found


def parse_issue(value: str, where: str = "--issue") -> int:
    """A positive issue number from ``7`` or ``#7``; UsageError otherwise."""
    text = value.strip().removeprefix("#")
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) < 1:
        raise UsageError(f"{where} must be a positive issue number, got {value!r}")
    return int(text)


def branch_issue(branch: str | None, config: Config) -> int | None:
    """The issue of a worker branch, by the trusted ``worker_branch_pattern``."""
    return git.issue_from_branch(branch, config.worker_branch_pattern)


def gated_issues(
    branch: str | None, bodies: Sequence[str], config: Config, repo: str | None
) -> tuple[tuple[int, ...], str]:
    """``(issues, source)``: the branch's issue first, then every issue the bodies close,
    then the configured issue (``REVIEW_GATE_ISSUE``): naming more issues never gates
    fewer."""
    issues: list[int] = []
    sources: list[str] = []
    own = branch_issue(branch, config)
    if own is not None:
        issues.append(own)
        sources.append(f"branch {branch}")
    closed = [n for body in bodies for n in closing_issues(body, repo)]
    if closed:
        sources.append("the PR body")
    if config.issue is not None and config.issue not in issues + closed:
        closed.append(config.issue)
        sources.append(config.sources.get("issue", "configuration"))
    for number in closed:
        if number not in issues:
            issues.append(number)
    return tuple(issues), ", ".join(sources)


# ----------------------------------------------------------------------------- base


def base_candidates(refs: Mapping[str, git.Ref], named: str | None) -> list[str]:
    """The fully qualified refs tried as the base, in the one order every surface uses:
    the branch the change or the configuration names (``named``), else the remote's
    default branch (``origin/HEAD``), else main, else master — each as the remote's
    branch first, then the local branch."""
    if named:
        names = [named.strip().removeprefix("refs/heads/").removeprefix(f"{REMOTE}/")]
    else:
        head = refs.get(f"refs/remotes/{REMOTE}/HEAD")
        default = head.target.removeprefix(f"refs/remotes/{REMOTE}/") if head else ""
        names = [n for n in (default, *DEFAULT_BASES) if n and n != "HEAD"]
    out: list[str] = []
    for name in names:
        for ref in (f"refs/remotes/{REMOTE}/{name}", f"refs/heads/{name}"):
            if ref not in out:
                out.append(ref)
    return out


def find_base(refs: Mapping[str, git.Ref], named: str | None) -> git.Ref | None:
    """The first of :func:`base_candidates` that exists."""
    for name in base_candidates(refs, named):
        if name in refs:
            return refs[name]
    return None


def check_gates(gates: Sequence[str]) -> tuple[str, ...]:
    """The gates to run, validated (``--gate review,worker``); review by default."""
    chosen: list[str] = []
    names = [n for g in gates for n in g.split(",")] if gates else ["review"]
    for name in names:
        name = name.strip().lower()
        if name not in GATES:
            raise UsageError(f"unknown gate {name!r}", hint=f"use one of {', '.join(GATES)}")
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def checkout_path(cwd: Path) -> Path:
    return Path(cwd)
