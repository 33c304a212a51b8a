"""``gate doctor``: each area contributes checks; a crashing check is itself a finding."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Any

# "module:function" providers, each ``(cwd: Path) -> list[Finding]``.
PROVIDERS = (
    "review_gate.check:doctor_checks",  # config valid, tracker reachable
    "review_gate.install.agents:doctor_checks",  # claude / codex hook entries
    "review_gate.install.git:doctor_checks",  # git pre-push / commit-msg hooks
)


@dataclasses.dataclass(frozen=True)
class Finding:
    area: str  # "config" | "tracker" | "claude" | "codex" | "git"
    ok: bool
    message: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def run(cwd: Path) -> list[Finding]:
    findings: list[Finding] = []
    for provider in PROVIDERS:
        module_name, attr = provider.split(":")
        try:
            func = getattr(importlib.import_module(module_name), attr)
            findings.extend(func(cwd))
        except Exception as exc:  # a broken check must show up, not hide the others
            area = module_name.rsplit(".", 1)[-1]
            findings.append(
                Finding(area, False, f"check {provider} failed: {type(exc).__name__}: {exc}")
            )
    return findings
