"""Budgets in the agent hooks: count a dispatched worker's tool calls and ask it for a
HANDOVER in time (docs/dispatch.md, "Budgets").

Only a worker the dispatcher started has ``REVIEW_GATE_BUDGET`` in its client's
environment (:mod:`review_gate.dispatch.budget_files`); for every other session the hooks
never load this module. For a worker, each PreToolUse call

1. is counted (``calls.<session>`` in the worker's budget directory);
2. is weighed against the limits: tool calls (and the stream's turns) against
   ``turns``, time since the start against ``minutes``, the stream's tokens and cost;
3. from the soft threshold on (default 85 %), carries the instruction to write a
   HANDOVER now: ``additionalContext`` for Claude Code; Codex takes no
   ``additionalContext`` on PreToolUse, so its first call past the threshold is denied
   once with the instruction as the reason;
4. past a hard limit, is denied unless it writes or posts the HANDOVER, in the exact
   forms :mod:`.budget_handover` lists.

Fail closed: a budget that cannot be read or counted (``limits.json`` gone, a counter
replaced by a directory or a symlink) raises, and hooks/agent.py answers with
:func:`failure` (a deny, and a ``budget-error`` audit event). Counters that went down
(deleted, truncated) are a spent budget: :data:`files.TAMPERED`.

The Stop hook (:func:`stop`) lets a worker past the soft threshold stop only once a valid
HANDOVER of its issue was posted since it started (at most :data:`MAX_STOP_BLOCKS` times,
since Codex has no limit of its own on Stop blocks). Claude Code's ``PreCompact`` — the
context is full — counts as the soft threshold reached. The first time each threshold is
reached a ``budget-warning`` / ``budget-exhausted`` event goes to the audit log.

A tool call that names the budget directory is denied: the count lives outside the
worktree and the agent has no business there.
"""

from __future__ import annotations

from review_gate.dispatch import budget_files as files
from review_gate.hooks.fast_path import deny as _deny
from review_gate.hooks.tool_names import strings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

#: Stop blocks sent because of the budget, per worker, before it is let go anyway.
MAX_STOP_BLOCKS = 5
_PREFIX = "review-gate: "


def _how(budget: files.Budget, *, exact: bool) -> str:
    """What to do; ``exact``: name the drafts directory (past the limit only, where only
    these exact commands go through: ``tempfile`` costs the hook ~10 ms)."""
    issue = budget.issue
    if not exact:
        return (
            f"Write a HANDOVER now: `gate new handover --issue {issue} > DRAFTS/handover.md` "
            "(DRAFTS: the drafts directory your instructions name, outside the worktree), fill"
            " in what is done, the current state and the next steps, `gate validate` it, post"
            f" it with `gate issue comment {issue} --body-file DRAFTS/handover.md` (or `gh "
            "issue comment`), then stop. The dispatcher starts a fresh worker from your "
            "HANDOVER."
        )
    from review_gate.hooks.budget_handover import drafts_dir

    drafts = drafts_dir(budget.worker_id)
    file = f"{drafts}/handover.md"
    return (
        f"Write a HANDOVER now, with exactly these commands: `mkdir -p {drafts}`, "
        f"`gate new handover --issue {issue} > {file}` (the template), fill in {file} with "
        "the Write or Edit tool (what is done, the current state, the next steps), "
        f"`gate validate {file}`, `gate issue comment {issue} --body-file {file}` (or `gh "
        "issue comment`), then stop. The dispatcher starts a fresh worker from your HANDOVER."
    )


def soft_text(budget: files.Budget, lv: files.Level) -> str:
    return (
        f"{_PREFIX}this worker has spent {int(budget.limits.soft * 100)}% of its budget "
        f"({files.describe(lv)}). Commit what works. {_how(budget, exact=False)}"
    )


def exhausted_text(budget: files.Budget, lv: files.Level) -> str:
    return (
        f"{_PREFIX}this worker's budget is spent ({files.describe(lv)}): every tool call "
        f"except writing and posting the HANDOVER is denied. {_how(budget, exact=True)}"
    )


def _names_budget(data: Mapping[str, Any], budget: files.Budget) -> bool:
    """Whether the call's input names the budget directory (or its variable)."""
    text = "\n".join(strings(data.get("tool_input")))
    low = text.lower()
    return (
        budget.directory in text
        or ("review-gate" in low and "budgets" in low)
        or files.ENV_VAR.lower() in low
    )


def _record_once(budget: files.Budget, marker: str, event: str, lv: files.Level) -> bool:
    """Create ``marker``; the first time, append ``event`` to the audit log."""
    message = f"{budget.worker_id}: {files.describe(lv)}"
    if not files.mark_once(budget.directory, marker, message + "\n"):
        return False
    try:
        import os
        from pathlib import Path

        from review_gate.hooks.hook_input import enable_site

        enable_site()
        from review_gate.dispatch import audit

        audit.record(
            Path(budget.state), event, issue=budget.issue or None, worker_id=budget.worker_id,
            orchestration=os.environ.get("REVIEW_GATE_ORCHESTRATION") or None,
            message=message, dimension=lv.dimension, used=lv.used, limit=lv.limit,
        )  # fmt: skip
    except Exception:  # the audit log explains; the budget still holds without it
        pass
    return True


def pre_tool_use(
    directory: str, data: Mapping[str, Any], reason: str | None, command: str | None = None
) -> dict[str, Any] | None:
    """The PreToolUse answer for a dispatched worker, given the gate's deny ``reason``
    (None: the gate has no objection) and the call's shell ``command`` (None: none).
    PreCompact events come here too. Raises when the budget cannot be read or counted:
    the caller then answers with :func:`failure`."""
    budget = files.load(directory)
    if budget is None:
        raise OSError(f"cannot read the worker's budget limits ({directory}/{files.LIMITS})")
    if data.get("hook_event_name") == "PreCompact":
        return pre_compact(budget)
    session = data.get("session_id")
    made, mark = files.count_call(directory, session if isinstance(session, str) else "unknown")
    lv = _level(budget, made, mark, exhausted_at_limit=False)
    if _names_budget(data, budget):
        return _deny(
            f"{_PREFIX}this call touches the worker's budget records ({budget.directory}); "
            "they are the dispatcher's, not the worker's."
        )
    if lv.state == "exhausted":
        _record_once(budget, files.EXHAUSTED, "budget-exhausted", lv)
        text = exhausted_text(budget, lv)
        if reason is not None:
            return _deny(f"{reason}\n\n{text}")
        from review_gate.hooks.budget_handover import writes_handover

        return None if writes_handover(data, budget, command) else _deny(text)
    if lv.state == "soft":
        first = _record_once(budget, files.WARNED, "budget-warning", lv)
        text = soft_text(budget, lv)
        if reason is not None:
            return _deny(f"{reason}\n\n{text}")
        if budget.agent == "codex":
            if not first:
                return None
            return _deny(f"{text} (This call was held back once to tell you so; run it again "
                         "if you still need it.)")  # fmt: skip
        return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "additionalContext": text}}
    return None if reason is None else _deny(reason)


def failure(directory: str, data: Mapping[str, Any], exc: BaseException) -> dict[str, Any]:
    """The answer when the budget code failed (``exc``): the call is denied, never let
    through, and a ``budget-error`` event goes to the audit log when it can."""
    problem = f"{type(exc).__name__}: {exc}"
    recorded = _record_error(directory, problem)
    text = (
        f"{_PREFIX}this worker's budget cannot be checked ({problem}), so the call is denied: "
        "a budget that cannot be counted does not hold. Next step: stop now (end your turn);"
        " the dispatcher replaces this worker (`gate dispatch status` shows it, `gate "
        f"dispatch replace` restarts it) once the budget directory {directory} is repaired"
        + ("" if recorded else " (the audit log could not be written either)")
        + "."
    )
    if data.get("hook_event_name") == "PreCompact":
        return {"systemMessage": text}
    return _deny(text)


def _record_error(directory: str, problem: str) -> bool:
    """Append a ``budget-error`` event; False when that is not possible."""
    import os
    from pathlib import Path

    try:
        budget = files.load(directory)
        # <state>/budgets/<worker id>: the state directory even without limits.json
        state = budget.state if budget is not None and budget.state else ""
        state = state or os.path.dirname(os.path.dirname(os.path.normpath(directory)))
        worker = budget.worker_id if budget is not None and budget.worker_id else ""
        if not os.path.isdir(state):
            return False
        from review_gate.hooks.hook_input import enable_site

        enable_site()
        from review_gate.dispatch import audit

        audit.record(
            Path(state), "budget-error", issue=(budget.issue or None) if budget else None,
            worker_id=worker or os.path.basename(os.path.normpath(directory)),
            orchestration=os.environ.get("REVIEW_GATE_ORCHESTRATION") or None,
            message=problem, directory=directory,
        )  # fmt: skip
    except Exception:
        return False
    return True


def pre_compact(budget: files.Budget) -> dict[str, Any]:
    """Claude Code is about to compact the context: the worker is running out of room, so
    the HANDOVER is asked for from now on. Compaction itself goes ahead (blocking it
    would leave the agent no room to write the HANDOVER)."""
    lv = files.Level("soft", "context", 0.0, None)
    _record_once(budget, files.WARNED, "budget-warning", lv)
    return {
        "systemMessage": f"{_PREFIX}the context of worker {budget.worker_id} is full; its "
        "next tool calls ask it for a HANDOVER."
    }


def _level(budget: files.Budget, made: int, mark: int, *, exhausted_at_limit: bool) -> files.Level:
    """How far the budget is spent after ``made`` tool calls (``mark``: the high-water mark
    of the count; more than ``made`` when counters were deleted: spent). Once asked for a
    HANDOVER (the soft threshold, or a full context), the worker stays asked."""
    if made < mark:
        return files.Level("exhausted", files.TAMPERED, float(made), float(mark))
    usage = files.stream_usage(budget, save=True)
    used = files.spent(budget, made, usage)
    lv = files.level(budget.limits, used, exhausted_at_limit=exhausted_at_limit)
    if lv.state == "ok" and files.marked(budget.directory, files.WARNED):
        return files.Level("soft", "context", 0.0, None)
    return lv


def stop(data: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The Stop answer when the budget decides it, else None (the usual Stop rules apply)."""
    directory = environ.get(files.ENV_VAR)
    budget = files.load(directory) if directory else None
    if budget is None:
        return None
    mark = files.high_water(budget.directory)  # first: calls made meanwhile only add
    lv = _level(budget, files.calls(budget.directory, strict=True), mark, exhausted_at_limit=True)
    if lv.state == "ok":
        return None
    posted = _outcome_posted(budget, data)
    if posted is not None and posted[0] == "review":
        return None  # the work is done: the usual Stop rules judge it
    if posted is not None:
        return {
            "systemMessage": f"{_PREFIX}letting worker {budget.worker_id} stop: its budget is "
            f"{'spent' if lv.state == 'exhausted' else 'nearly spent'} ({files.describe(lv)}) "
            f"and its HANDOVER was posted at {posted[1]}."
        }
    path = f"{budget.directory}/{files.STOP_BLOCKS}"
    try:
        with open(path, "rb") as f:
            blocks = len(f.read())
    except OSError:
        blocks = 0
    if blocks >= MAX_STOP_BLOCKS:
        return {
            "systemMessage": f"{_PREFIX}letting worker {budget.worker_id} stop without a "
            f"HANDOVER: blocked {blocks} times already ({files.describe(lv)})."
        }
    with open(path, "ab") as f:
        f.write(b".")
    text = exhausted_text(budget, lv) if lv.state == "exhausted" else soft_text(budget, lv)
    return {
        "decision": "block",
        "reason": f"{text} (budget stop block {blocks + 1} of at most {MAX_STOP_BLOCKS})",
    }


def _outcome_posted(budget: files.Budget, data: Mapping[str, Any]) -> tuple[str, str] | None:
    """``("review", "")`` when a complete REVIEW of the worker's issue was posted since it
    started (its work is done), ``("handover", when)`` for a valid, trusted HANDOVER;
    None for neither (or when the tracker cannot say: then the worker is kept working, up
    to :data:`MAX_STOP_BLOCKS` times)."""
    import datetime
    from pathlib import Path

    from review_gate.dispatch.context import open_context
    from review_gate.errors import GateError
    from review_gate.gates.common import comment_order
    from review_gate.gates.handover import handover_gate
    from review_gate.gates.review import ReviewContext, review_gate
    from review_gate.hooks.checkout import hook_cwd

    since = datetime.datetime.fromtimestamp(budget.started, datetime.timezone.utc)
    try:
        ctx = open_context(hook_cwd(data) if hook_cwd(data).is_dir() else Path(budget.state))
        comments = [
            c
            for c in ctx.tracker.list_comments(budget.issue)
            if comment_order(c)[0] >= since.replace(microsecond=0)
        ]
        config = ctx.config
        reviewed = ReviewContext(
            issue=budget.issue, trusted_associations=config.trusted_associations,
            trusted_logins=config.trusted_logins, trust=config.trust, sensitive_patterns=(),
            repo=ctx.repo,
        )  # fmt: skip
        if review_gate(comments, reviewed).passed:
            return "review", ""
        verdict = handover_gate(
            comments, budget.issue, trusted=config.trust.handover, repo=ctx.repo
        )
    except GateError:
        return None
    if not verdict.passed:
        return None
    found = [c for c in comments if c.url and c.url == verdict.artifact_url]
    return "handover", found[-1].created_at if found else "an unknown time"
