"""How one configuration would weaken the gates compared with another.

Used where a trusted configuration (the base branch's) meets one a change or an agent
controls (the checkout's file, the environment): any loosening is reported, or refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from review_gate.config_values import Config
from review_gate.records import ARTIFACT_KINDS


def file_config(layer: Mapping[str, Any]) -> Config:
    """Defaults with one file layer applied (to compare two files key by key)."""
    return dataclasses.replace(Config(), **layer)


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in values)


def _trust_loosenings(trusted: Config, other: Config) -> list[str]:
    """One phrase per artifact kind whose authors ``other`` widens, where either side
    lists the kind in ``[trust]`` (otherwise trusted_logins / trusted_associations say it)."""
    out: list[str] = []
    old_trust, new_trust = trusted.trust, other.trust
    for kind in ARTIFACT_KINDS:
        old_entries, new_entries = trusted.trust_entries(kind), other.trust_entries(kind)
        if old_entries is None and new_entries is None:
            continue
        old, new = old_trust.of(kind), new_trust.of(kind)
        extra = [
            *sorted(new.associations - old.associations),
            *(f"@{login}" for login in sorted(new.logins - old.logins)),
        ]
        if not extra:
            continue
        if old_entries is not None and new_entries is None:
            out.append(
                f"trust.{kind} restriction removed (falls back to trusted_associations + "
                f"trusted_logins: {new.describe()}), adds {_quoted(extra)}"
            )
        else:
            out.append(f"trust.{kind} adds {_quoted(extra)}")
    return out


def loosenings(trusted: Config, other: Config) -> list[str]:
    """How ``other`` would weaken the gates compared with ``trusted``, one phrase per key
    (empty when it would not): more trust (overall or for one artifact kind), fewer
    sensitive patterns, requirements dropped, fail-open, or comments read from elsewhere
    (another tracker, GitHub API or repository)."""
    out: list[str] = []

    def added(name: str, fold: bool = False) -> None:
        old, new = getattr(trusted, name), getattr(other, name)
        known = {v.lower() for v in old} if fold else set(old)
        extra = [v for v in new if (v.lower() if fold else v) not in known]
        if extra:
            out.append(f"{name} adds {_quoted(extra)}")

    def dropped(name: str) -> None:
        new = set(getattr(other, name))
        gone = [v for v in getattr(trusted, name) if v not in new]
        if gone:
            out.append(f"{name} drops {_quoted(gone)}")

    # trusted_logins / trusted_associations only matter for a kind [trust] does not list.
    if any(other.trust_entries(kind) is None for kind in ARTIFACT_KINDS):
        added("trusted_logins", fold=True)  # logins compare case-insensitively
        added("trusted_associations")
    out += _trust_loosenings(trusted, other)
    dropped("sensitive_patterns")
    dropped("protected_branches")
    for name in (
        "require_commit",
        "require_distinct_reviewer",
        "require_independent_review",
        "protect",
    ):
        if getattr(trusted, name) and not getattr(other, name):
            out.append(f"{name} true -> false")
    if other.max_stop_blocks < trusted.max_stop_blocks:
        out.append(f"max_stop_blocks {trusted.max_stop_blocks} -> {other.max_stop_blocks}")
    # These decide where comments, issues and changed files come from: any change counts.
    if trusted.on_unreachable == "refuse" and other.on_unreachable == "allow":
        out.append("on_unreachable 'refuse' -> 'allow'")
    for name in ("tracker", "api_url", "repo", "base_branch", "worker_branch_pattern"):
        old, new = getattr(trusted, name), getattr(other, name)
        if old != new:
            out.append(f"{name} {old!r} -> {new!r}")
    if other.issue is not None and other.issue != trusted.issue:
        out.append(f"issue {trusted.issue!r} -> {other.issue!r}")
    return out
