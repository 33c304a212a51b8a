"""Configuration: flags > environment ``REVIEW_GATE_*`` > ``.review-gate.toml`` or
``[tool.review-gate]`` in ``pyproject.toml`` > defaults.

Every key can come from every layer. Environment variables are ``REVIEW_GATE_`` +
the key upper-cased (lists comma-separated, booleans ``true``/``false``/``1``/``0``);
``[trust] review`` is ``REVIEW_GATE_TRUST_REVIEW``. Invalid configuration raises
:class:`ConfigError` naming the file (or variable) and key.

The file layer is read from the working tree, or — for CI, where the checkout is the
change being gated and an agent could loosen its own config — from a trusted git ref
(``load(cwd, ref="origin/main")``): then only that ref's files count, never the checkout's.

The jobs live in their own modules: what a key is and how a value is checked
(:mod:`review_gate.config_values`), where values come from (:mod:`review_gate.config_files`),
and how one configuration loosens another (:mod:`review_gate.config_loosen`). This module
resolves them into one :class:`Config` and re-exports the public names.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from review_gate.config_files import (
    CONFIG_FILE,
    ENV_PREFIX,
    env_layer,
    file_layer,
    find_root,
    parse_file,
    parse_pyproject,
    ref_file_layer,
)
from review_gate.config_loosen import file_config, loosenings
from review_gate.config_values import DEFAULT_API_URL, FIELDS, Config, coerce
from review_gate.errors import ConfigError

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_API_URL",
    "ENV_PREFIX",
    "WORKTREE",
    "Config",
    "ConfigError",
    "env_layer",
    "file_config",
    "file_layer",
    "find_root",
    "from_layers",
    "load",
    "loosenings",
    "parse_file",
    "parse_pyproject",
    "ref_file_layer",
    "tomllib",
]

if TYPE_CHECKING:
    from review_gate.config_files import tomllib


def __getattr__(name: str) -> Any:
    if name == "tomllib":  # imported on first use (review_gate.config_files)
        from review_gate import config_files

        return config_files.tomllib
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ``load(ref=WORKTREE)`` (``gate check --config-ref WORKTREE``): read the working tree.
WORKTREE = "WORKTREE"


def from_layers(
    layer: Mapping[str, Any],
    where: str | None,
    ref: str | None,
    overrides: Mapping[str, Any] | None,
    environ: Mapping[str, str],
) -> Config:
    """Defaults, then a file layer read from ``where`` (at git ``ref``, None: the working
    tree), then the environment, then ``overrides`` (flags; None values ignored)."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {name: "default" for name in FIELDS}
    for key, value in layer.items():
        values[key] = value
        sources[key] = where or "file"
    for key, (value, var) in env_layer(environ).items():
        values[key] = value
        sources[key] = var
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in FIELDS:
            raise ConfigError(f"unknown option {key!r}")
        values[key] = coerce(key, value, "flag")
        sources[key] = "flag"
    return dataclasses.replace(
        Config(), **values, sources=sources, config_file=where, config_ref=ref
    )


def load(
    cwd: str | Path = ".",
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    ref: str | None = None,
) -> Config:
    """Resolve the configuration for the checkout at ``cwd``.

    ``overrides`` are command-line flags (``None`` values are ignored). ``ref`` reads the
    file layer from that git revision instead of the working tree (see
    :func:`ref_file_layer`); ``None`` reads the working tree.
    """
    env = os.environ if environ is None else environ
    if ref == WORKTREE:
        ref = None
    if ref is None:
        layer, where = file_layer(find_root(cwd))
    else:
        layer, where = ref_file_layer(cwd, ref)
    return from_layers(layer, where, ref, overrides, env)
