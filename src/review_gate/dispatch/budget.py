"""Per-worker budgets, the dispatcher's side (docs/dispatch.md, "Budgets").

``spawn`` resolves the limits (``[dispatch.budget]`` in the configuration, then the
``--max-*`` flags), writes them where the worker's hooks read them
(:mod:`.budget_files`), gives Claude Code ``--max-turns`` and the agent's client
``REVIEW_GATE_BUDGET``. ``status`` shows what was spent; ``run`` stops a worker past its
hard limit once it has posted its HANDOVER, and replaces it like any handover.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from review_gate.config import Config
from review_gate.dispatch import budget_files as files
from review_gate.dispatch.budget_files import Limits
from review_gate.errors import UsageError
from review_gate.install.settings_file import read_settings, write_settings

if TYPE_CHECKING:
    from review_gate.dispatch.context import Context
    from review_gate.dispatch.registry import Claim
    from review_gate.records import Comment

__all__ = [
    "Limits", "claude_max_turns", "handed_over_spent", "resolve", "spent", "start", "text",
    "wire_claude",
]  # fmt: skip

#: The flags of ``gate dispatch spawn`` and the limit each sets.
FLAGS = {
    "max_turns": "turns",
    "max_minutes": "minutes",
    "max_tokens": "tokens",
    "max_cost_usd": "cost_usd",
    "budget_soft": "soft",
}


def resolve(config: Config, flags: Mapping[str, Any] | None = None) -> Limits:
    """The limits: the configuration's, each replaced by its flag when given."""
    limits = Limits(
        turns=config.budget_turns,
        minutes=config.budget_minutes,
        tokens=config.budget_tokens,
        cost_usd=config.budget_cost_usd,
        soft=config.budget_soft,
    )
    given = {FLAGS[k]: v for k, v in (flags or {}).items() if k in FLAGS and v is not None}
    if "soft" in given and not 0 < given["soft"] <= 1:
        raise UsageError(f"--budget-soft must be a fraction in (0, 1], got {given['soft']}")
    return limits._replace(**given)


def claude_max_turns(limits: Limits) -> int:
    """Claude Code's ``--max-turns``: the turn limit plus room to write the HANDOVER (a
    tenth of the limit, at least 10), so that the CLI itself ends a worker that ignores
    the hooks, but not one that is posting its HANDOVER at the limit."""
    return limits.turns + max(10, math.ceil(limits.turns / 10))


def start(
    state: Path, worker_id: str, *, issue: int, agent: str, log: Path, limits: Limits,
    worktree: Path,
) -> dict[str, str]:  # fmt: skip
    """Write the worker's budget and wire its Claude Code hooks for it (:func:`wire_claude`);
    returns the variables for its agent's environment."""
    import time

    wire_claude(worktree)
    directory = files.budget_dir(state, worker_id)
    os.makedirs(directory, exist_ok=True)
    files.write_json(
        os.path.join(directory, files.LIMITS),
        {
            **limits._asdict(),
            "worker_id": worker_id,
            "issue": issue,
            "agent": agent,
            "state": str(state),
            "log": str(log),
            "started": time.time(),
        },
    )
    return {files.ENV_VAR: directory}


def spent(state: Path, worker_id: str) -> dict[str, Any] | None:
    """The worker's budget for ``status``: ``{"turns": [used, limit], "minutes": [...],
    "tokens": [...], "cost_usd": [...], "tool_calls", "stream_turns", "soft", "state",
    "detail"}`` (a limit is null when unset, a use null when unknown); None for a worker
    without a budget (started before budgets, or on another host)."""
    budget = files.load(files.budget_dir(state, worker_id))
    if budget is None:
        return None
    calls = files.calls(budget.directory)
    usage = files.stream_usage(budget, save=False)
    ended = _ended(state, worker_id)
    used = files.spent(budget, calls, usage, now=ended)
    lv = files.level(budget.limits, used, exhausted_at_limit=False)
    if files.marked(budget.directory, files.EXHAUSTED):
        lv = lv._replace(state="exhausted")
    elif lv.state == "ok" and files.marked(budget.directory, files.WARNED):
        lv = files.Level("soft", "context", 0.0, None)  # asked when its context filled up
    result: dict[str, Any] = {}
    for name in files.DIMENSIONS:
        value = used[name]
        if name == "minutes" and value is not None:
            value = round(value, 1)
        result[name] = [value, getattr(budget.limits, name)]
    result.update(
        tool_calls=calls,
        stream_turns=usage.turns,
        soft=budget.limits.soft,
        state=lv.state,
        detail=files.describe(lv),
    )
    return result


def _ended(state: Path, worker_id: str) -> float | None:
    """When the agent exited (its supervisor's exit record), as epoch seconds."""
    from review_gate.dispatch.registry import parse_time, read_exit

    ended = read_exit(state, worker_id)
    moment = parse_time(ended.get("exited_at")) if ended else None
    return moment.timestamp() if moment else None


def handed_over_spent(
    ctx: Context, issue: int, claim: Claim, comments: Sequence[Comment],
    spent_budget: Mapping[str, Any] | None,
) -> bool:  # fmt: skip
    """Whether a live worker is past its hard limit and has posted its HANDOVER: ``run``
    stops it, and replaces it as it replaces any worker that handed over."""
    if not spent_budget or spent_budget.get("state") != "exhausted":
        return False
    from review_gate.dispatch.status import outcome

    found = outcome(ctx, issue, claim, comments)
    return found is not None and found.state == "handover"


def text(budget: Mapping[str, Any]) -> str:
    """One line for ``status``: ``turns 86/100, minutes 12.5/60, tokens 3100 (soft: ...)``."""
    parts = []
    for name in files.DIMENSIONS:
        used, limit = budget[name]
        if used is None and limit is None:
            continue
        label = "cost $" if name == "cost_usd" else f"{name} "
        shown = "?" if used is None else f"{used:g}" if isinstance(used, float) else str(used)
        parts.append(f"{label}{shown}" + ("" if limit is None else f"/{limit:g}"))
    state = budget["state"]
    note = "" if state == "ok" else f" ({state}: {budget['detail']})"
    return ", ".join(parts) + note


def wire_claude(worktree: Path) -> None:
    """Make the worker's Claude Code hooks count every tool call and see compaction:
    review-gate's PreToolUse entry in ``.claude/settings.local.json`` matches all tools
    (reads and searches are turns too; the gate itself lets them through at once), and
    its command also answers ``PreCompact``."""
    from review_gate.install.hook_files import is_ours
    from review_gate.install.settings_file import settings_path

    path = settings_path("claude", "local", worktree, os.environ)
    data, text_before = read_settings(path)
    hooks = data.get("hooks", {})
    command = None
    for group in hooks.get("PreToolUse", []):
        handlers = group.get("hooks") if isinstance(group, dict) else None
        ours = [h for h in handlers or [] if is_ours(h)]
        if ours and len(ours) == len(handlers or []):
            group["matcher"] = "*"
            command = ours[0]
    if command is None:
        return
    compact = [
        g for g in hooks.get("PreCompact", []) if not any(is_ours(h) for h in g.get("hooks", []))
    ]
    hooks["PreCompact"] = [*compact, {"hooks": [dict(command)]}]
    write_settings(path, data, like=text_before)
