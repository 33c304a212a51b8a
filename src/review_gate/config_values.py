"""What each configuration key is, and how one value of it is checked and converted.

:class:`Config` is the resolved record; :func:`coerce` checks one value of a key from any
layer (file, environment, flag); :mod:`review_gate.config_tables` checks one table of a
file. Errors are one line naming the file (or variable, or option) and the key.
"""

from __future__ import annotations

import dataclasses
import math
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from review_gate.errors import ConfigError
from review_gate.records import (
    ARTIFACT_KINDS,
    ASSOCIATIONS,
    DEFAULT_SENSITIVE_PATTERNS,
    Authors,
    Trust,
)

# Ignored paths in a worker worktree that ``gate dispatch cleanup`` may delete without
# saving them (build outputs, caches, environments). Any other ignored file is work.
DEFAULT_DISPOSABLE_PATHS: tuple[str, ...] = (
    "node_modules/",
    ".venv/",
    "venv/",
    "__pycache__/",
    "*.pyc",
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".tox/",
    ".nox/",
    "*.egg-info/",
    "dist/",
    "build/",
    "target/",
    ".gradle/",
    ".next/",
    ".cache/",
    "coverage/",
    "htmlcov/",
    ".coverage",
    ".DS_Store",
)

# Shell commands a review worker may run (Claude Code `Bash(<command>:*)` rules, see
# dispatch/roles.py): the project's tests and linters. Anything else is read-only git,
# reading issues and posting the REVIEW.
DEFAULT_REVIEW_COMMANDS: tuple[str, ...] = (
    "pytest",
    "python -m pytest",
    ".venv/bin/pytest",
    "ruff check",
    ".venv/bin/ruff check",
    "mypy",
    ".venv/bin/mypy",
    "npm test",
    "npm run test",
    "npm run lint",
    "gate check",
)

# The board columns the dispatcher moves an issue through, in this order: todo, in
# progress, in review, blocked, done (dispatch/board.py).
DEFAULT_DISPATCH_STATUSES: tuple[str, ...] = ("Todo", "In Progress", "In Review", "Blocked", "Done")


@dataclasses.dataclass(frozen=True)
class Config:
    """Resolved configuration. ``None`` means "decide automatically" where noted."""

    # Trackers
    # tracker: "github" | "local"; None: github for a GitHub-hosted origin, else local
    tracker: str | None = None
    repo: str | None = None  # "owner/name" for the github tracker
    # api_url: the GitHub API base; None: GITHUB_API_URL, else DEFAULT_API_URL (in a gated
    # checkout: DEFAULT_API_URL, never the environment's)
    api_url: str | None = None
    request_timeout: float = 10.0  # seconds, every tracker HTTP request
    retries: int = 3  # retries on 5xx / secondary rate limits
    # seconds a gate (git hooks, agent hooks, `gate check`) waits for all its tracker calls
    # together, retries and slow answers included; past it the gate refuses (exit 3)
    tracker_deadline: float = 20.0
    # Gates
    trusted_logins: tuple[str, ...] = ()
    trusted_associations: tuple[str, ...] = ("OWNER", "MEMBER", "COLLABORATOR")
    # Who may author each kind of artifact (``[trust]`` review / worker / handover): logins
    # as "@login" (lower case) and associations ("OWNER"); None: trusted_associations +
    # trusted_logins. Read them through :attr:`trust`.
    trust_review: tuple[str, ...] | None = None
    trust_worker: tuple[str, ...] | None = None
    trust_handover: tuple[str, ...] | None = None
    sensitive_patterns: tuple[str, ...] = DEFAULT_SENSITIVE_PATTERNS
    require_commit: bool = False
    require_distinct_reviewer: bool = False
    # the review gate passes only for a REVIEW by a dispatcher-registered review worker of
    # the issue, distinct from its implementers, at the head (gates/independent.py)
    require_independent_review: bool = False
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
    # ignored paths cleanup may delete unsaved (gitignore-like, see docs/dispatch.md)
    disposable_paths: tuple[str, ...] = DEFAULT_DISPOSABLE_PATHS
    # where `gate dispatch` runs workers: "local" (worktrees) | "github-actions" (workflow runs)
    dispatch_backend: str = "local"
    # board status (docs/dispatch.md, "Board status"): the GitHub Projects v2 board the
    # dispatcher moves issues on ("owner/number"; None: none, the local tracker keeps its
    # own), and its five columns: todo, in progress, in review, blocked, done
    dispatch_project: str | None = None
    dispatch_statuses: tuple[str, ...] = DEFAULT_DISPATCH_STATUSES
    # the test and lint commands a review worker may run (dispatch/roles.py)
    review_commands: tuple[str, ...] = DEFAULT_REVIEW_COMMANDS
    # the repository secret the worker workflow pushes and opens PRs with, when no GitHub
    # App is set up (its name only: a dispatch input is visible in the run's event payload)
    actions_token_secret: str = "REVIEW_GATE_TOKEN"
    # Per-worker budgets (``[dispatch.budget]`` in a file; docs/dispatch.md, "Budgets"):
    # turns (tool calls / stream turns), wall-clock minutes, tokens and cost where the
    # agent's stream reports them (None: no limit), and the soft threshold (a fraction)
    budget_turns: int = 100
    budget_minutes: float | None = None
    budget_tokens: int | None = None
    budget_cost_usd: float | None = None
    budget_soft: float = 0.85
    # the reviewer identity, given to review workers only and scrubbed from every other
    # worker's environment (dispatch/review_identity.py): the environment variable holding
    # the reviewer's GitHub token, and the login review workers post as on the local tracker
    review_token_env: str = "REVIEW_GATE_REVIEW_TOKEN"
    review_author: str | None = None
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

    @property
    def trust(self) -> Trust:
        """Who may author each kind of artifact: the kind's ``[trust]`` list, else
        trusted_associations + trusted_logins. Pass ``trust.review`` / ``.worker`` /
        ``.handover`` to the gates (or the whole record as ``ReviewContext.trust``)."""
        fallback = Authors.of(self.trusted_associations, self.trusted_logins)
        kinds = [self.trust_entries(kind) for kind in ARTIFACT_KINDS]
        review, worker, handover = (
            fallback if entries is None else Authors.from_entries(entries) for entries in kinds
        )
        return Trust(review=review, worker=worker, handover=handover)

    def trust_entries(self, kind: str) -> tuple[str, ...] | None:
        """The ``[trust]`` list of ``kind`` as configured; None when it is not listed."""
        entries: tuple[str, ...] | None = getattr(self, TRUST_FIELDS[kind])
        return entries


DEFAULT_API_URL = "https://api.github.com"

NOT_KEYS = ("sources", "config_file", "config_ref")
FIELDS = {f.name: f for f in dataclasses.fields(Config) if f.name not in NOT_KEYS}
# ``[trust] review = [...]`` in a file is the field ``trust_review`` (and the variable
# ``REVIEW_GATE_TRUST_REVIEW``).
TRUST_TABLE = "trust"
TRUST_FIELDS = {kind: f"trust_{kind}" for kind in ARTIFACT_KINDS}
# ``[dispatch.budget] turns = 50`` in a file is the field ``budget_turns`` (and the
# variable ``REVIEW_GATE_BUDGET_TURNS``).
DISPATCH_TABLE = "dispatch"
BUDGET_TABLE = "budget"
BUDGET_KEYS = ("turns", "minutes", "tokens", "cost_usd", "soft")
BUDGET_FIELDS = {key: f"budget_{key}" for key in BUDGET_KEYS}
# Keys that must be strictly positive (a zero timeout or lease makes no sense).
_POSITIVE = ("request_timeout", "tracker_deadline", "hang_after", "lease_ttl", "issue",
             *BUDGET_FIELDS.values())  # fmt: skip
_CHOICES: dict[str, tuple[str, ...]] = {
    "tracker": ("github", "local"),
    "on_unreachable": ("refuse", "allow"),
    "dispatch_backend": ("local", "github-actions"),
}
# A login as GitHub and the local tracker spell them: one word, no separators we use.
_LOGIN = re.compile(r"[^\s,@]{1,100}")
_UPPER_WORD = re.compile(r"[A-Z][A-Z_]*")
# A Projects v2 board: owner (user or organisation) / number.
PROJECT = re.compile(r"(?P<owner>[A-Za-z0-9][A-Za-z0-9-]{0,38})/(?P<number>[1-9][0-9]{0,9})")
# GitHub's rule for secret names (case-insensitive; GITHUB_ is reserved)
_SECRET_NAME = re.compile(r"(?!(?i:github_))[A-Za-z_][A-Za-z0-9_]{0,99}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


def normal_api_url(text: str) -> str | None:
    """``text`` as a GitHub API base URL in one spelling (scheme and host lower case, no
    trailing slash), so that two spellings of one API compare equal; None when it is not
    an http(s) URL with a host (or carries credentials, a query or a fragment)."""
    try:
        parts = urllib.parse.urlsplit(text.strip())
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        return None
    netloc = parts.netloc.lower()
    return urllib.parse.urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))


def display_name(name: str) -> str:
    """The key as a user writes it in a file: ``trust.review`` for ``trust_review``."""
    for kind, field in TRUST_FIELDS.items():
        if name == field:
            return f"{TRUST_TABLE}.{kind}"
    for key, field in BUDGET_FIELDS.items():
        if name == field:
            return f"{DISPATCH_TABLE}.{BUDGET_TABLE}.{key}"
    return name


def _kind(name: str) -> str:
    default = FIELDS[name].default
    annotation = str(FIELDS[name].type)
    if "tuple" in annotation:
        return "list"
    if isinstance(default, bool) or annotation.startswith("bool"):
        return "bool"
    if annotation.startswith("int"):
        return "int"
    if annotation.startswith("float"):
        return "float"
    return "str"


def _where(name: str, where: str) -> str:
    # A flag is named as the user typed it; files and variables name themselves and the key.
    if where == "flag":
        return f"option --{name.replace('_', '-')}"
    return f"{where}: key {display_name(name)!r}"


def _trust_entry(entry: str, bad: str) -> str:
    """One ``[trust]`` entry, canonical: ``"OWNER"`` (an association) or ``"@login"``."""
    if entry.startswith("@"):
        login = entry[1:]
        if not _LOGIN.fullmatch(login):
            raise ConfigError(
                f"{bad} has {entry!r}, which is not a login",
                hint="write a login as alice or @alice (one word, no commas)",
            )
        return "@" + login.lower()
    if entry in ASSOCIATIONS:
        return entry
    if entry.upper() in ASSOCIATIONS:
        # "member" could be the association or a user called member: make the user say.
        raise ConfigError(
            f"{bad} has {entry!r}, which is ambiguous",
            hint=f"write {entry.upper()!r} for the author association or "
            f"'@{entry.lower()}' for the login",
        )
    if _UPPER_WORD.fullmatch(entry):
        raise ConfigError(
            f"{bad} has unknown association {entry!r}",
            hint=f"use some of {', '.join(ASSOCIATIONS)}, or write a login as '@{entry}'",
        )
    if not _LOGIN.fullmatch(entry):
        raise ConfigError(
            f"{bad} has {entry!r}, which is not a login or an author association",
            hint="write logins as alice or @alice and associations in upper case (OWNER)",
        )
    return "@" + entry.lower()


def _list(name: str, value: Any, bad: str, from_env: bool) -> tuple[str, ...]:
    hint = None
    if name in TRUST_FIELDS.values():
        hint = 'list logins and author associations, e.g. ["review-bot", "OWNER"]'
    if from_env and isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{bad} must be a list of strings, got {value!r}", hint=hint)
    result = tuple(v.strip() for v in value)
    if any(not v for v in result):
        raise ConfigError(f"{bad} must not contain empty strings", hint=hint)
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
    if name in TRUST_FIELDS.values():
        return tuple(dict.fromkeys(_trust_entry(v, bad) for v in result))
    if name == "dispatch_statuses":
        names = tuple(" ".join(v.split()) for v in result)
        if len(names) != 5 or len({n.casefold() for n in names}) != 5:
            raise ConfigError(
                f"{bad} must name five different columns, got {value!r}",
                hint="in this order: todo, in progress, in review, blocked, done, e.g. "
                '["Todo", "In Progress", "In Review", "Blocked", "Done"]',
            )
        return names
    return result


def _number(name: str, kind: str, value: Any, bad: str, from_env: bool) -> int | float:
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
    if name == "budget_soft" and value > 1:
        raise ConfigError(f"{bad} must be a fraction of the budget (at most 1), got {value!r}")
    if value < 0:
        raise ConfigError(f"{bad} must not be negative, got {value!r}")
    return int(value) if kind == "int" else float(value)


def _string(name: str, raw: Any, bad: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError(f"{bad} must be a non-empty string, got {raw!r}")
    value = raw.strip()
    if name in _CHOICES:
        value = value.lower()
        if value not in _CHOICES[name]:
            raise ConfigError(f"{bad} must be one of {', '.join(_CHOICES[name])}, got {value!r}")
    if name == "repo" and not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", value):
        raise ConfigError(f"{bad} must look like owner/name, got {value!r}")
    if name == "api_url":
        url = normal_api_url(value)
        if url is None:
            raise ConfigError(
                f"{bad} must be an http(s) URL of a GitHub API, got {value!r}",
                hint="e.g. https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise",
            )
        return url
    if name == "actions_token_secret" and not _SECRET_NAME.fullmatch(value):
        raise ConfigError(
            f"{bad} must name a repository secret (letters, digits and _, not starting "
            f"with a digit or GITHUB_), got {value!r}",
            hint="e.g. REVIEW_GATE_TOKEN: the secret's name, never the token itself",
        )
    if name == "review_token_env" and not _ENV_NAME.fullmatch(value):
        raise ConfigError(
            f"{bad} must name an environment variable (letters, digits and _, not starting "
            f"with a digit), got {value!r}",
            hint="e.g. REVIEW_GATE_REVIEW_TOKEN: the variable's name, never the token itself",
        )
    if name == "review_author":
        login = value.removeprefix("@")
        if not _LOGIN.fullmatch(login):
            raise ConfigError(f"{bad} must be a login (one word, no commas), got {value!r}")
        return login
    if name == "dispatch_project" and not PROJECT.fullmatch(value):
        raise ConfigError(
            f"{bad} must look like owner/number (a Projects v2 board), got {value!r}",
            hint="e.g. acme/7 for https://github.com/orgs/acme/projects/7",
        )
    if name == "worker_branch_pattern":
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ConfigError(f"{bad} is not a valid regular expression: {exc}") from None
        if compiled.groups < 1:
            raise ConfigError(f"{bad} needs one capture group for the issue number")
    return value


def coerce(name: str, value: Any, where: str) -> Any:
    """Check and convert one value; ``where`` names the file or variable for errors
    (``"env VAR"`` for a variable, ``"flag"`` for a command-line option)."""
    kind = _kind(name)
    from_env = where.startswith("env ")
    bad = _where(name, where)
    if kind == "list":
        return _list(name, value, bad, from_env)
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
        return _number(name, kind, value, bad, from_env)
    return _string(name, value, bad)
