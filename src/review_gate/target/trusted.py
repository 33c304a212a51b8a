"""Which configuration is trusted for a gate decision.

- From a commit (the base branch's, or ``--config-ref``): the committed
  ``.review-gate.toml`` / ``[tool.review-gate]``, never the working tree, so a change
  cannot bring its own configuration. Read in one ``git cat-file --batch``.
- From the working tree: only where the person running the command owns the checkout
  (``gate check --issue N`` by hand, ``--config-ref WORKTREE``).

In a gated checkout (a worker's), environment variables and flags may only tighten the
committed policy: :func:`from_files` refuses any ``REVIEW_GATE_*`` value that would
loosen it, naming the variable. It also pins where reviews are read from — the tracker,
the GitHub API (``api_url``) and the repository — to what the committed file says, or
to what automatic choice means there without the environment (https://api.github.com,
and the tracker and repository of the ``origin`` remote): ``GITHUB_API_URL``,
``GITHUB_REPOSITORY`` and ``GITHUB_ACTIONS`` that would choose otherwise are refused,
naming the variable, so a fake API serving a forged review cannot be slipped in.
The ``origin`` URL is itself the checkout's own (``git remote set-url``): a committed
``repo`` (and ``tracker``) is what pins the repository against that.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from review_gate import config as config_mod
from review_gate import git
from review_gate.config import CONFIG_FILE, DEFAULT_API_URL, Config
from review_gate.config_values import normal_api_url
from review_gate.errors import ConfigError, GateError
from review_gate.target.tracker import hosted_tracker

# Keys that say who is acting, not how strict the gate is: the dispatcher sets them in a
# worker's environment. They add an issue to gate; they never remove the branch's.
IDENTITY_KEYS = ("issue", "worker_id")
# Keys a committed file may leave to automatic choice; restating the choice is no change.
RESTATABLE = ("tracker", "api_url", "repo", "base_branch")
# GitHub's own variables for which API and repository to use (GitHub Actions sets them).
# In a gated checkout the committed configuration decides instead: see :func:`pin`.
GITHUB_VARIABLES = ("GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_ACTIONS")
# The files of a commit's root the configuration is read from, in order of precedence.
FILES = (CONFIG_FILE, "pyproject.toml")


@dataclasses.dataclass
class CheckoutFacts:
    """What automatic choice means in one checkout, read without the environment: the
    ``origin`` URL (``origin()``, read only when a key needs it) and the base branch the
    configuration was read from."""

    origin: Callable[[], str | None]
    base_branch: str | None = None
    _url: tuple[str | None] | None = dataclasses.field(default=None, init=False, repr=False)

    def origin_url(self) -> str | None:
        """``origin()``, asked once."""
        if self._url is None:
            self._url = (self.origin(),)
        return self._url[0]

    def automatic(self, key: str, api_url: str) -> Any:
        """The automatic value of ``key`` (``tracker``, ``repo``, ``base_branch``) when the
        GitHub API is ``api_url``; None when there is none."""
        if key == "base_branch":
            return self.base_branch
        if key == "tracker":
            return hosted_tracker(self.origin_url(), (api_url,))
        if key == "repo":
            return git.repo_from_remote_url(self.origin_url())
        return None


def from_files(
    files: Mapping[str, str | None],
    label: str,
    overrides: Mapping[str, Any] | None,
    environ: Mapping[str, str],
    *,
    tighten_only: bool,
    checkout: CheckoutFacts | None = None,
) -> Config:
    """The configuration committed at a commit, from its root ``files``
    (:data:`FILES`; ``label`` names the commit in reports: a ref such as ``origin/main``),
    with the environment and ``overrides`` applied on top.

    With ``tighten_only`` (a gated checkout) a value that would loosen the committed
    policy is refused (ConfigError naming the variable or flag), and the result is
    pinned (:func:`pin`). ``checkout`` says what the keys the committed file leaves to
    automatic choice (``tracker``, ``api_url``, ``repo``, ``base_branch``) resolve to in
    this checkout: the environment may restate those (the dispatcher does), never change
    them."""
    layer, where = file_layer(files, label)
    applied = _from_layers(layer, where, label, overrides, environ)
    if not tighten_only:
        return applied
    committed = _from_layers(layer, where, label, None, {})
    api_url = committed.api_url or DEFAULT_API_URL
    automatic = [
        k for k in RESTATABLE if getattr(committed, k) is None and getattr(applied, k) is not None
    ]
    if automatic:
        resolved = {k: _automatic(k, checkout, api_url) for k in automatic}
        committed = dataclasses.replace(
            committed, **{k: v for k, v in resolved.items() if v is not None}
        )
    loosened = [
        change
        for change in config_mod.loosenings(committed, applied)
        if not change.startswith(IDENTITY_KEYS)
    ]
    if loosened:
        named = _named(applied, loosened)
        raise ConfigError(
            f"this checkout is gated, so its policy comes from {describe(committed)}; "
            f"{', '.join(named) or 'the environment'} would loosen it ({'; '.join(loosened)})",
            hint="unset it (here the environment may only tighten the gate), or change the "
            "base branch's configuration through a reviewed pull request",
        )
    return pin(applied, checkout, environ)


def _named(applied: Config, loosened: list[str]) -> list[str]:
    """The variables and flags behind ``loosened`` (phrases that start with the key, as
    ``trust.review`` for ``trust_review``); all that are set when none can be told."""
    keys = {phrase.split(" ", 1)[0].replace(".", "_") for phrase in loosened}
    given = {k: s for k, s in applied.sources.items() if s.startswith(("env ", "flag"))}
    named = {s for k, s in given.items() if k in keys}
    return sorted(named or set(given.values()))


def _automatic(key: str, checkout: CheckoutFacts | None, api_url: str) -> Any:
    if key == "api_url":
        return api_url
    return checkout.automatic(key, api_url) if checkout is not None else None


def pin(config: Config, checkout: CheckoutFacts | None, environ: Mapping[str, str]) -> Config:
    """``config`` (a gated checkout's, already checked by :func:`from_files`) with where
    reviews are read from made explicit, so that nothing downstream asks the environment:
    ``api_url`` (the committed one, else https://api.github.com), ``tracker`` (the
    committed one, else the ``origin`` remote's, judged against that API's host) and, for
    the github tracker, ``repo`` (the committed one, else the ``origin`` remote's).

    ``GITHUB_API_URL``, ``GITHUB_REPOSITORY`` or ``GITHUB_ACTIONS`` that would make the
    tracker read anything else — what they would have chosen outside a gated checkout —
    are refused (ConfigError naming them). Where the tracker is ``local`` they choose
    nothing and are ignored (the checkout surfaces drop them: :func:`pinned_environ`)."""
    api_url = config.api_url or DEFAULT_API_URL
    sources = dict(config.sources)
    tracker = config.tracker
    if tracker is None and checkout is not None:
        tracker = checkout.automatic("tracker", api_url)
        sources["tracker"] = "automatic (the origin remote)"
    repo = config.repo
    if repo is None and tracker == "github" and checkout is not None:
        repo = checkout.automatic("repo", api_url)
        sources["repo"] = "automatic (the origin remote)"
    if config.api_url is None:
        sources["api_url"] = "automatic"
    refused = _github_variables(config, checkout, environ, tracker, api_url, repo)
    if refused:
        committed = describe(dataclasses.replace(config, sources={}))
        raise ConfigError(
            f"this checkout is gated, so the tracker its reviews are read from is pinned by "
            f"{committed}; {', '.join(v for v, _ in refused)} would change it "
            f"({'; '.join(why for _, why in refused)})",
            hint="unset it (here the environment may not choose the tracker, GitHub API or "
            "repository), or set tracker, api_url and repo in the base branch's "
            "configuration through a reviewed pull request",
        )
    return dataclasses.replace(config, tracker=tracker, api_url=api_url, repo=repo, sources=sources)


def _github_variables(
    config: Config,
    checkout: CheckoutFacts | None,
    environ: Mapping[str, str],
    tracker: str | None,
    api_url: str,
    repo: str | None,
) -> list[tuple[str, str]]:
    """``[(variable, what it would change)]`` for the GitHub variables set in ``environ``
    that would read reviews from elsewhere than ``tracker`` / ``api_url`` / ``repo``."""
    out: list[tuple[str, str]] = []
    actions = environ.get("GITHUB_ACTIONS", "").strip()
    env_api = environ.get("GITHUB_API_URL", "").strip()
    env_repo = environ.get("GITHUB_REPOSITORY", "").strip()
    github = tracker == "github"
    if config.tracker is None and tracker == "local" and checkout is not None:
        # Outside a gated checkout these would make the automatic tracker github.
        if actions:
            out.append(("GITHUB_ACTIONS", "tracker 'local' -> 'github'"))
            github = True
        if env_api and hosted_tracker(checkout.origin_url(), (api_url, env_api)) == "github":
            out.append(("GITHUB_API_URL", "tracker 'local' -> 'github'"))
            github = True
    if not github:
        return out
    said = {variable for variable, _ in out}
    if env_api and "GITHUB_API_URL" not in said and normal_api_url(env_api) != api_url:
        out.append(("GITHUB_API_URL", f"api_url {api_url!r} -> {env_api!r}"))
    if env_repo and env_repo.lower() != (repo or "").lower():
        out.append(("GITHUB_REPOSITORY", f"repo {repo!r} -> {env_repo!r}"))
    return out


def pinned_environ(config: Config, environ: Mapping[str, str]) -> Mapping[str, str]:
    """``environ`` for building a gated checkout's request from ``config``: without
    :data:`GITHUB_VARIABLES` when ``config`` was read from a commit (and so pinned by
    :func:`pin`), so that no default downstream (the tracker, the repository closing
    references are matched against) can fall back on them."""
    if config.config_ref is None or not any(v in environ for v in GITHUB_VARIABLES):
        return environ
    return {k: v for k, v in environ.items() if k not in GITHUB_VARIABLES}


def file_layer(files: Mapping[str, str | None], label: str) -> tuple[dict[str, Any], str | None]:
    """The file layer of a commit's root: ``.review-gate.toml`` wins over pyproject."""
    own = files.get(CONFIG_FILE)
    if own is not None:
        where = f"{label}:{CONFIG_FILE}"
        return config_mod.parse_file(own, where), where
    pyproject = files.get("pyproject.toml")
    if pyproject is not None:
        return config_mod.parse_pyproject(pyproject, f"{label}:pyproject.toml")
    return {}, None


def describe(config: Config) -> str:
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


def worktree_notes(
    cwd: Path,
    trusted: Config,
    overrides: Mapping[str, Any] | None,
    environ: Mapping[str, str],
) -> tuple[str, ...]:
    """Notes (not failures) when ``trusted`` came from a commit and the checkout's own
    configuration would weaken the gates: a change trying to loosen its own gate should
    be noticed by a human, even though it has no effect."""
    if trusted.config_ref is None:
        return ()
    unused = f"not used: the configuration comes from {trusted.config_ref}"
    try:
        mine = config_mod.load(cwd, overrides, environ)
    except GateError as exc:
        return (f"the checkout's configuration is invalid ({exc.message}); {unused}",)
    changes = config_mod.loosenings(trusted, mine)
    if not changes:
        return ()
    against = trusted.config_file or trusted.config_ref
    mine_file = mine.config_file or "defaults (no config file)"
    return (
        f"the checkout's {mine_file} would loosen the gate compared with {against}: "
        f"{'; '.join(changes)} ({unused})",
    )


def with_identity(config: Config, **values: Any) -> Config:
    """``config`` with identity keys (issue, worker id) replaced."""
    return dataclasses.replace(config, **values)


# -- layers (the configuration module's pieces, applied to text read from a commit) ---------


def _from_layers(
    layer: Mapping[str, Any],
    where: str | None,
    ref: str,
    overrides: Mapping[str, Any] | None,
    environ: Mapping[str, str],
) -> Config:
    return config_mod.from_layers(layer, where, ref, overrides, environ)
