"""Which configuration is trusted for a gate decision.

- From a commit (the base branch's, or ``--config-ref``): the committed
  ``.review-gate.toml`` / ``[tool.review-gate]``, never the working tree, so a change
  cannot bring its own configuration. Read in one ``git cat-file --batch``.
- From the working tree: only where the person running the command owns the checkout
  (``gate check --issue N`` by hand, ``--config-ref WORKTREE``).

In a gated checkout (a worker's), environment variables and flags may only tighten the
committed policy: :func:`tightened` refuses any ``REVIEW_GATE_*`` value that would
loosen it, naming the variable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from review_gate import config as config_mod
from review_gate.config import CONFIG_FILE, Config
from review_gate.errors import ConfigError, GateError

# Keys that say who is acting, not how strict the gate is: the dispatcher sets them in a
# worker's environment. They add an issue to gate; they never remove the branch's.
IDENTITY_KEYS = ("issue", "worker_id")
# Keys a committed file may leave to automatic choice; restating the choice is no change.
RESTATABLE = ("tracker", "repo", "base_branch")
# The files of a commit's root the configuration is read from, in order of precedence.
FILES = (CONFIG_FILE, "pyproject.toml")


def from_files(
    files: Mapping[str, str | None],
    label: str,
    overrides: Mapping[str, Any] | None,
    environ: Mapping[str, str],
    *,
    tighten_only: bool,
    effective: Callable[[], Mapping[str, Any]] | None = None,
) -> Config:
    """The configuration committed at a commit, from its root ``files``
    (:data:`FILES`; ``label`` names the commit in reports: a ref such as ``origin/main``),
    with the environment and ``overrides`` applied on top. With
    ``tighten_only`` a value that would loosen the committed policy is refused
    (ConfigError naming the variable or flag). ``effective`` gives what the committed
    file leaves to automatic choice (``tracker``, ``repo``, ``base_branch``) resolves to
    in this checkout: the environment may restate those (the dispatcher does), never
    change them."""
    layer, where = file_layer(files, label)
    applied = _from_layers(layer, where, label, overrides, environ)
    if not tighten_only:
        return applied
    committed = _from_layers(layer, where, label, None, {})
    automatic = [
        k for k in RESTATABLE if getattr(committed, k) is None and getattr(applied, k) is not None
    ]
    if automatic and effective is not None:
        resolved = effective()
        committed = dataclasses.replace(
            committed, **{k: resolved[k] for k in automatic if resolved.get(k) is not None}
        )
    loosened = [
        change
        for change in config_mod.loosenings(committed, applied)
        if not change.startswith(IDENTITY_KEYS)
    ]
    if loosened:
        named = sorted({s for s in applied.sources.values() if s.startswith(("env ", "flag"))})
        raise ConfigError(
            f"this checkout is gated, so its policy comes from {describe(committed)}; "
            f"{', '.join(named) or 'the environment'} would loosen it ({'; '.join(loosened)})",
            hint="unset it (here the environment may only tighten the gate), or change the "
            "base branch's configuration through a reviewed pull request",
        )
    return applied


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
