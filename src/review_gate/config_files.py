"""Where configuration values come from: the file layer (``.review-gate.toml`` or
``[tool.review-gate]`` in ``pyproject.toml``, from the working tree or from a git ref)
and the environment layer (``REVIEW_GATE_*``)."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from review_gate.config_tables import check_keys
from review_gate.config_values import FIELDS, coerce
from review_gate.errors import ConfigError, GateError

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

CONFIG_FILE = ".review-gate.toml"
ENV_PREFIX = "REVIEW_GATE_"

__all__ = [
    "CONFIG_FILE",
    "ENV_PREFIX",
    "env_layer",
    "file_layer",
    "find_root",
    "parse_file",
    "parse_pyproject",
    "ref_file_layer",
    "tomllib",
]


def _tomllib() -> ModuleType:
    """The TOML parser, imported when a file is read (the pre-push hook on a base branch
    without configuration files never pays for it)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    module: ModuleType = tomllib
    return module


def __getattr__(name: str) -> Any:
    if name == "tomllib":  # ``config_files.tomllib``, imported on first use
        return _tomllib()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def read_toml(path: Path) -> dict[str, Any]:
    toml = _tomllib()
    try:
        with path.open("rb") as f:
            data: dict[str, Any] = toml.load(f)
    except toml.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return data


def parse_toml(text: str, where: str) -> dict[str, Any]:
    # git output is decoded with errors="replace" by the one subprocess wrapper, so U+FFFD
    # is how a blob that is not UTF-8 shows up (a real config has no reason to hold one).
    if "\ufffd" in text:
        raise ConfigError(f"{where}: not valid TOML: not UTF-8")
    toml = _tomllib()
    try:
        data: dict[str, Any] = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    return data


def pyproject_layer(data: Mapping[str, Any], name: str) -> tuple[dict[str, Any], str | None]:
    tool = data.get("tool", {})
    table = tool.get("review-gate") if isinstance(tool, dict) else None
    if table is None:
        return {}, None
    where = f"{name} [tool.review-gate]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    return check_keys(table, where), where


def parse_file(text: str, where: str) -> dict[str, Any]:
    """The keys of a ``.review-gate.toml`` read from ``where`` (a path or ``REF:path``)."""
    return check_keys(parse_toml(text, where), where)


def parse_pyproject(text: str, where: str) -> tuple[dict[str, Any], str | None]:
    """The ``[tool.review-gate]`` keys of a ``pyproject.toml``, and where they were."""
    return pyproject_layer(parse_toml(text, where), where)


def find_root(cwd: str | Path = ".") -> Path:
    """The directory whose config applies: the nearest ancestor holding ``.git``, else ``cwd``."""
    start = Path(cwd).resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def file_layer(root: Path) -> tuple[dict[str, Any], str | None]:
    """The file layer: ``.review-gate.toml`` wins over ``[tool.review-gate]`` in pyproject.toml."""
    own = root / CONFIG_FILE
    if own.is_file():
        data = read_toml(own)
        return check_keys(data, str(own)), str(own)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        return pyproject_layer(read_toml(pyproject), str(pyproject))
    return {}, None


_BAD_REF = re.compile(r"^-|[\x00-\x20\x7f:]|\.\.")


def ref_file_layer(cwd: str | Path, ref: str) -> tuple[dict[str, Any], str | None]:
    """The file layer as committed at git ``ref`` (``REF:.review-gate.toml``, else
    ``REF:pyproject.toml`` [tool.review-gate]); the working tree is never read, so a
    change cannot bring its own configuration. No file at ``ref``: ``({}, None)``."""
    from review_gate import git

    hint = (
        "fetch it first (e.g. `git fetch origin main`; in GitHub Actions use "
        "actions/checkout with `fetch-depth: 0`), or pass --config-ref WORKTREE"
    )
    if not ref or _BAD_REF.search(ref):
        raise ConfigError(f"config ref {ref!r} is not a valid git revision")
    try:
        root = git.toplevel(cwd)
    except GateError:
        raise ConfigError(
            f"cannot read the configuration at {ref!r}: "
            f"{Path(cwd).resolve()} is not inside a git repository"
        ) from None
    rc, out, _ = git.run_git(root, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False)
    if rc != 0 or not out.strip():
        raise ConfigError(f"config ref {ref!r} is not a commit in this checkout", hint=hint)
    sha = out.strip()
    # One ls-tree tells which of the two files exist at the root of that commit, and what.
    _, listing, _ = git.run_git(root, "ls-tree", "-z", sha, "--", CONFIG_FILE, "pyproject.toml")
    entries: dict[str, tuple[str, str, str]] = {}
    for record in listing.split("\0"):
        meta, _, name = record.partition("\t")
        parts = meta.split()
        if name and len(parts) == 3:
            entries[name] = (parts[0], parts[1], parts[2])
    for name in (CONFIG_FILE, "pyproject.toml"):
        if name not in entries:
            continue
        mode, kind, obj = entries[name]
        where = f"{ref}:{name}"
        if mode == "120000":
            raise ConfigError(
                f"{where} is a symbolic link; commit the configuration file itself",
            )
        if kind != "blob":
            continue  # a directory (or submodule) of that name is not a config file
        _, text, _ = git.run_git(root, "cat-file", "blob", obj)
        if name == CONFIG_FILE:
            return parse_file(text, where), where
        layer = parse_pyproject(text, where)
        if layer[1] is not None:
            return layer
    return {}, None


def env_layer(environ: Mapping[str, str]) -> dict[str, tuple[Any, str]]:
    """``{key: (value, "env VAR")}`` for every ``REVIEW_GATE_<KEY>`` set (empty: unset);
    ``REVIEW_GATE_TRUST_REVIEW`` is ``[trust] review``."""
    out: dict[str, tuple[Any, str]] = {}
    for key in FIELDS:
        var = ENV_PREFIX + key.upper()
        if var in environ and environ[var] != "":
            out[key] = (coerce(key, environ[var], f"env {var}"), f"env {var}")
    return out
