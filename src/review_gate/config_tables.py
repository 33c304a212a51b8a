"""One table of a configuration file (a ``.review-gate.toml`` or ``[tool.review-gate]``),
checked key by key: the plain keys, ``[trust]`` and ``[dispatch]`` (with
``[dispatch.budget]``), each value through :func:`review_gate.config_values.coerce`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from review_gate.config_values import (
    BUDGET_FIELDS,
    BUDGET_KEYS,
    BUDGET_TABLE,
    DISPATCH_TABLE,
    FIELDS,
    TRUST_FIELDS,
    TRUST_TABLE,
    coerce,
)
from review_gate.errors import ConfigError
from review_gate.records import ARTIFACT_KINDS

__all__ = ["check_keys"]


def _file_keys() -> str:
    tables = {*TRUST_FIELDS.values(), *BUDGET_FIELDS.values()}
    plain = [k for k in FIELDS if k not in tables]
    return ", ".join(
        sorted([
            *plain,
            f"[{TRUST_TABLE}] {'/'.join(ARTIFACT_KINDS)}",
            f"[{DISPATCH_TABLE}.{BUDGET_TABLE}] {'/'.join(BUDGET_KEYS)}",
        ])
    )  # fmt: skip


def _dispatch_table(table: Any, where: str) -> dict[str, Any]:
    """``[dispatch]``: its ``[dispatch.budget]`` table, as ``budget_*`` fields."""
    hint = f"write it as [{DISPATCH_TABLE}.{BUDGET_TABLE}] with turns = 100 below"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: key {DISPATCH_TABLE!r} must be a table, got {table!r}",
                          hint=hint)  # fmt: skip
    out: dict[str, Any] = {}
    for raw_key, value in table.items():
        plain = f"{DISPATCH_TABLE}_{str(raw_key).replace('-', '_')}"
        if str(raw_key) != BUDGET_TABLE and plain in FIELDS:  # [dispatch] project = "o/1"
            out[plain] = coerce(plain, value, where)
            continue
        if str(raw_key) != BUDGET_TABLE:
            raise ConfigError(
                f"{where}: unknown key {f'{DISPATCH_TABLE}.{raw_key}'!r}",
                hint=f"[{DISPATCH_TABLE}] takes [{DISPATCH_TABLE}.{BUDGET_TABLE}] and the "
                f"dispatch_* keys without their prefix",
            )
        if not isinstance(value, Mapping):
            raise ConfigError(
                f"{where}: key '{DISPATCH_TABLE}.{BUDGET_TABLE}' must be a table, got {value!r}",
                hint=hint,
            )
        for raw, item in value.items():
            key = str(raw).replace("-", "_")
            if key not in BUDGET_FIELDS:
                raise ConfigError(
                    f"{where}: unknown key {f'{DISPATCH_TABLE}.{BUDGET_TABLE}.{raw}'!r}",
                    hint=f"[{DISPATCH_TABLE}.{BUDGET_TABLE}] takes {', '.join(BUDGET_KEYS)}",
                )
            out[BUDGET_FIELDS[key]] = coerce(BUDGET_FIELDS[key], item, where)
    return out


def _trust_table(table: Any, where: str) -> dict[str, Any]:
    if not isinstance(table, Mapping):
        raise ConfigError(
            f"{where}: key {TRUST_TABLE!r} must be a table, got {table!r}",
            hint=f'write it as [{TRUST_TABLE}] with review = ["review-bot"] below',
        )
    out: dict[str, Any] = {}
    for raw_kind, value in table.items():
        kind = str(raw_kind)
        if kind not in TRUST_FIELDS:
            raise ConfigError(
                f"{where}: unknown key {f'{TRUST_TABLE}.{kind}'!r}",
                hint=f"[{TRUST_TABLE}] takes {', '.join(ARTIFACT_KINDS)}",
            )
        out[TRUST_FIELDS[kind]] = coerce(TRUST_FIELDS[kind], value, where)
    return out


def check_keys(table: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The keys of one configuration table (a file, or ``[tool.review-gate]``), checked."""
    out: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        if key == TRUST_TABLE:
            out.update(_trust_table(value, where))
            continue
        if key == DISPATCH_TABLE:
            out.update(_dispatch_table(value, where))
            continue
        if key not in FIELDS or key in TRUST_FIELDS.values() or key in BUDGET_FIELDS.values():
            # trust_review is the environment's spelling; a file says [trust] review.
            if key in TRUST_FIELDS.values():
                hint = f"write it as [{TRUST_TABLE}] {key.removeprefix('trust_')} = [...]"
            elif key in BUDGET_FIELDS.values():
                budget = f"{DISPATCH_TABLE}.{BUDGET_TABLE}"
                hint = f"write it as [{budget}] {key.removeprefix('budget_')} = ..."
            else:
                hint = f"known keys: {_file_keys()}"
            raise ConfigError(f"{where}: unknown key {raw_key!r}", hint=hint)
        out[key] = coerce(key, value, where)
    return out
