"""Configuration: flags > environment ``REVIEW_GATE_*`` > ``.review-gate.toml`` or
``[tool.review-gate]`` in ``pyproject.toml`` > defaults.

Every key can come from every layer. Environment variables are ``REVIEW_GATE_`` +
the key upper-cased (lists comma-separated, booleans ``true``/``false``/``1``/``0``).
Invalid configuration raises :class:`ConfigError` naming the file (or variable) and key.

The file layer is read from the working tree, or — for CI, where the checkout is the
change being gated and an agent could loosen its own config — from a trusted git ref
(``load(cwd, ref="origin/main")``): then only that ref's files count, never the checkout's.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from review_gate.errors import ConfigError, GateError
from review_gate.records import ASSOCIATIONS, DEFAULT_SENSITIVE_PATTERNS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

CONFIG_FILE = ".review-gate.toml"
# ``load(ref=WORKTREE)`` (``gate check --config-ref WORKTREE``): read the working tree.
WORKTREE = "WORKTREE"
ENV_PREFIX = "REVIEW_GATE_"


@dataclasses.dataclass(frozen=True)
class Config:
    """Resolved configuration. ``None`` means "decide automatically" where noted."""

    # Trackers
    # tracker: "github" | "local"; None: github for a GitHub-hosted origin, else local
    tracker: str | None = None
    repo: str | None = None  # "owner/name" for the github tracker
    request_timeout: float = 10.0  # seconds, every tracker HTTP request
    retries: int = 3  # retries on 5xx / secondary rate limits
    # Gates
    trusted_logins: tuple[str, ...] = ()
    trusted_associations: tuple[str, ...] = ("OWNER", "MEMBER", "COLLABORATOR")
    sensitive_patterns: tuple[str, ...] = DEFAULT_SENSITIVE_PATTERNS
    require_commit: bool = False
    require_distinct_reviewer: bool = False
    base_branch: str | None = None  # None: origin/HEAD, then main, then master
    # Agent hooks
    protect: bool = True
    max_stop_blocks: int = 3
    # Git hooks
    protected_branches: tuple[str, ...] = ("main", "master")
    worker_branch_pattern: str = r"^feature/(\d+)-"
    on_unreachable: str = "refuse"  # "refuse" | "allow"
    # Dispatcher
    hang_after: float = 1800.0  # seconds without log growth before a live worker is "hung"
    lease_ttl: float = 900.0  # seconds after the last heartbeat before a claim may be taken over
    # Identity of this process (environment, usually set by the dispatcher)
    issue: int | None = None
    worker_id: str | None = None
    # Where each value came from: key -> "default" | file path | "REF:path" | "env VAR" | "flag"
    sources: Mapping[str, str] = dataclasses.field(default_factory=dict, compare=False)
    # Where the file layer was read from (not keys): the file ("/repo/.review-gate.toml",
    # "origin/main:.review-gate.toml", "... [tool.review-gate]"), None when there was none;
    # and the git ref it was read from, None for the working tree.
    config_file: str | None = dataclasses.field(default=None, compare=False)
    config_ref: str | None = dataclasses.field(default=None, compare=False)


_NOT_KEYS = ("sources", "config_file", "config_ref")
_FIELDS = {f.name: f for f in dataclasses.fields(Config) if f.name not in _NOT_KEYS}
# Keys that must be strictly positive (a zero timeout or lease makes no sense).
_POSITIVE = ("request_timeout", "hang_after", "lease_ttl", "issue")
_CHOICES: dict[str, tuple[str, ...]] = {
    "tracker": ("github", "local"),
    "on_unreachable": ("refuse", "allow"),
}


def _kind(name: str) -> str:
    default = _FIELDS[name].default
    annotation = str(_FIELDS[name].type)
    if "tuple" in annotation:
        return "list"
    if isinstance(default, bool) or annotation.startswith("bool"):
        return "bool"
    if annotation.startswith("int") or annotation.startswith("int |"):
        return "int"
    if annotation.startswith("float"):
        return "float"
    return "str"


def _where(name: str, where: str) -> str:
    # A flag is named as the user typed it; files and variables name themselves and the key.
    if where == "flag":
        return f"option --{name.replace('_', '-')}"
    return f"{where}: key {name!r}"


def _coerce(name: str, value: Any, where: str) -> Any:
    """Check and convert one value; ``where`` names the file or variable for errors."""
    kind = _kind(name)
    from_env = where.startswith("env ")
    bad = _where(name, where)
    if kind == "list":
        if from_env and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{bad} must be a list of strings, got {value!r}")
        result = tuple(v.strip() for v in value)
        if any(not v for v in result):
            raise ConfigError(f"{bad} must not contain empty strings")
        if name == "trusted_logins":
            # "@alice" is how people write logins; GitHub compares them case-insensitively.
            return tuple(v.lstrip("@") for v in result)
        if name == "trusted_associations":
            upper = tuple(v.upper() for v in result)
            unknown = [v for v in upper if v not in ASSOCIATIONS]
            if unknown:
                raise ConfigError(
                    f"{bad} has unknown association {unknown[0]!r}",
                    hint=f"use some of {', '.join(ASSOCIATIONS)}",
                )
            return upper
        return result
    if kind == "bool":
        if from_env and isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
        if not isinstance(value, bool):
            raise ConfigError(f"{bad} must be true or false, got {value!r}")
        return value
    if kind in ("int", "float"):
        if from_env and isinstance(value, str):
            try:
                value = int(value) if kind == "int" else float(value)
            except ValueError:
                what = "a whole number" if kind == "int" else "a number"
                raise ConfigError(f"{bad} must be {what}, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{bad} must be a number, got {value!r}")
        if kind == "int" and not isinstance(value, int):
            raise ConfigError(f"{bad} must be a whole number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{bad} must be a finite number, got {value!r}")
        if name in _POSITIVE and value <= 0:
            raise ConfigError(f"{bad} must be greater than 0, got {value!r}")
        if value < 0:
            raise ConfigError(f"{bad} must not be negative, got {value!r}")
        return int(value) if kind == "int" else float(value)
    # str
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{bad} must be a non-empty string, got {value!r}")
    value = value.strip()
    if name in _CHOICES:
        value = value.lower()
        if value not in _CHOICES[name]:
            raise ConfigError(f"{bad} must be one of {', '.join(_CHOICES[name])}, got {value!r}")
    if name == "repo" and not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", value):
        raise ConfigError(f"{bad} must look like owner/name, got {value!r}")
    if name == "worker_branch_pattern":
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ConfigError(f"{bad} is not a valid regular expression: {exc}") from None
        if compiled.groups < 1:
            raise ConfigError(f"{bad} needs one capture group for the issue number")
    return value


def _check_keys(table: Mapping[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        if key not in _FIELDS:
            known = ", ".join(sorted(_FIELDS))
            raise ConfigError(f"{where}: unknown key {raw_key!r}", hint=f"known keys: {known}")
        out[key] = _coerce(key, value, where)
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data: dict[str, Any] = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return data


def _parse_toml(text: str, where: str) -> dict[str, Any]:
    # git output is decoded with errors="replace" by the one subprocess wrapper, so U+FFFD
    # is how a blob that is not UTF-8 shows up (a real config has no reason to hold one).
    if "\ufffd" in text:
        raise ConfigError(f"{where}: not valid TOML: not UTF-8")
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    return data


def _pyproject_layer(data: Mapping[str, Any], name: str) -> tuple[dict[str, Any], str | None]:
    tool = data.get("tool", {})
    table = tool.get("review-gate") if isinstance(tool, dict) else None
    if table is None:
        return {}, None
    where = f"{name} [tool.review-gate]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    return _check_keys(table, where), where


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
        data = _read_toml(own)
        return _check_keys(data, str(own)), str(own)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        return _pyproject_layer(_read_toml(pyproject), str(pyproject))
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
    rc, out, _ = git._git(root, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False)
    if rc != 0 or not out.strip():
        raise ConfigError(f"config ref {ref!r} is not a commit in this checkout", hint=hint)
    sha = out.strip()
    # One ls-tree tells which of the two files exist at the root of that commit, and what.
    _, listing, _ = git._git(root, "ls-tree", "-z", sha, "--", CONFIG_FILE, "pyproject.toml")
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
        _, text, _ = git._git(root, "cat-file", "blob", obj)
        data = _parse_toml(text, where)
        if name == CONFIG_FILE:
            return _check_keys(data, where), where
        layer = _pyproject_layer(data, where)
        if layer[1] is not None:
            return layer
    return {}, None


def env_layer(environ: Mapping[str, str]) -> dict[str, tuple[Any, str]]:
    out: dict[str, tuple[Any, str]] = {}
    for key in _FIELDS:
        var = ENV_PREFIX + key.upper()
        if var in environ and environ[var] != "":
            out[key] = (_coerce(key, environ[var], f"env {var}"), f"env {var}")
    return out


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
    values: dict[str, Any] = {}
    sources: dict[str, str] = {name: "default" for name in _FIELDS}
    if ref == WORKTREE:
        ref = None
    if ref is None:
        from_file, where = file_layer(find_root(cwd))
    else:
        from_file, where = ref_file_layer(cwd, ref)
    for key, value in from_file.items():
        values[key] = value
        sources[key] = where or "file"
    for key, (value, var) in env_layer(env).items():
        values[key] = value
        sources[key] = var
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in _FIELDS:
            raise ConfigError(f"unknown option {key!r}")
        values[key] = _coerce(key, value, "flag")
        sources[key] = "flag"
    return dataclasses.replace(
        Config(), **values, sources=sources, config_file=where, config_ref=ref
    )


def file_config(layer: Mapping[str, Any]) -> Config:
    """Defaults with one file layer applied (to compare two files key by key)."""
    return dataclasses.replace(Config(), **layer)


def loosenings(trusted: Config, other: Config) -> list[str]:
    """How ``other`` would weaken the gates compared with ``trusted``, one phrase per key
    (empty when it would not): more trust, fewer sensitive patterns, requirements dropped,
    fail-open, or comments read from elsewhere."""
    out: list[str] = []

    def added(name: str, fold: bool = False) -> None:
        old, new = getattr(trusted, name), getattr(other, name)
        known = {v.lower() for v in old} if fold else set(old)
        extra = [v for v in new if (v.lower() if fold else v) not in known]
        if extra:
            out.append(f"{name} adds {', '.join(repr(v) for v in extra)}")

    def dropped(name: str) -> None:
        new = set(getattr(other, name))
        gone = [v for v in getattr(trusted, name) if v not in new]
        if gone:
            out.append(f"{name} drops {', '.join(repr(v) for v in gone)}")

    added("trusted_logins", fold=True)  # logins compare case-insensitively
    added("trusted_associations")
    dropped("sensitive_patterns")
    dropped("protected_branches")
    for name in ("require_commit", "require_distinct_reviewer", "protect"):
        if getattr(trusted, name) and not getattr(other, name):
            out.append(f"{name} true -> false")
    if other.max_stop_blocks < trusted.max_stop_blocks:
        out.append(f"max_stop_blocks {trusted.max_stop_blocks} -> {other.max_stop_blocks}")
    # These decide where comments, issues and changed files come from: any change counts.
    if trusted.on_unreachable == "refuse" and other.on_unreachable == "allow":
        out.append("on_unreachable 'refuse' -> 'allow'")
    for name in ("tracker", "repo", "base_branch", "worker_branch_pattern"):
        old, new = getattr(trusted, name), getattr(other, name)
        if old != new:
            out.append(f"{name} {old!r} -> {new!r}")
    if other.issue is not None and other.issue != trusted.issue:
        out.append(f"issue {trusted.issue!r} -> {other.issue!r}")
    return out
