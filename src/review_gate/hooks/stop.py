"""``gate hook stop``: keep an agent working while its work is unreviewed, within limits.

Blocks only in a gated checkout (see ``checkout.gated_reason``) that holds work:
commits ahead of the base branch, or uncommitted changes. Lets the agent stop, with a
``systemMessage`` saying why, when a trusted valid HANDOVER newer than the last commit
exists, or when this session was already blocked ``max_stop_blocks`` times. Codex has
no loop limit of its own, so every block is counted per ``session_id`` on disk, and a
block that cannot be counted is not sent.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from review_gate import git
from review_gate.errors import GateError, TrackerUnavailable
from review_gate.hooks import checkout as ctx
from review_gate.target.build import Repository, short_name

if TYPE_CHECKING:
    from review_gate.check import CheckResult

_PREFIX = "review-gate: "
# Files `gate install --scope local` writes into a checkout: not the agent's work.
_OWN_UNTRACKED = frozenset({".claude/settings.local.json", ".codex/hooks.json"})


def _message(text: str) -> dict[str, Any]:
    return {"systemMessage": _PREFIX + text}


def _session_file(repo: Repository, session: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", session)[:128].lstrip(".") or "unknown"
    assert repo.checkout is not None
    return repo.checkout.common_dir / "review-gate" / "stop-blocks" / f"{safe}.json"


def read_blocks(path: Path) -> int:
    """How many times this session was blocked (0 when unknown or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    blocks = data.get("blocks") if isinstance(data, dict) else None
    return blocks if isinstance(blocks, int) and blocks >= 0 else 0


def write_blocks(path: Path, session: str, blocks: int) -> None:
    """Persist the count atomically (write a temporary file, then rename it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "session_id": session,
        "blocks": blocks,
        "updated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(record, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _parse(raw: bytes) -> dict[str, Any] | str:
    if not raw.strip():
        return "no input on stdin"
    try:
        data = json.loads(raw)
    except ValueError as exc:
        return f"input is not JSON: {exc}"
    if not isinstance(data, dict):
        return f"input is a JSON {type(data).__name__}, not an object"
    return data


def _work(repo: Repository, base: str | None) -> str | None:
    """What work the checkout holds (commits ahead, uncommitted changes), or None."""
    parts: list[str] = []
    if base is None:
        parts.append("commits on a branch with no base branch to compare with")
    else:
        _, out, _ = git.run_git(repo.cwd, "rev-list", "--count", f"{base}..HEAD", check=False)
        ahead = int(out.strip()) if out.strip().isdigit() else 0
        if ahead:
            parts.append(f"{ahead} commit{'s' if ahead != 1 else ''} ahead of {short_name(base)}")
    _, out, _ = git.run_git(
        repo.cwd, "status", "--porcelain=v1", "-z", "--untracked-files=all", check=False
    )
    changed = [
        entry[3:]
        for entry in out.split("\0")
        if len(entry) > 3 and not (entry.startswith("??") and entry[3:] in _OWN_UNTRACKED)
    ]
    if changed:
        parts.append(f"{len(changed)} uncommitted change{'s' if len(changed) != 1 else ''}")
    return ", ".join(parts) if parts else None


def _commit_time(repo: Repository) -> datetime.datetime | None:
    _, out, _ = git.run_git(repo.cwd, "log", "-1", "--format=%cI", "HEAD", check=False)
    if not out.strip():
        return None
    return datetime.datetime.fromisoformat(out.strip().replace("Z", "+00:00"))


def _handover_after(result: CheckResult, committed: datetime.datetime | None) -> str | None:
    """The time of the HANDOVER the handover gate passed on, when it is newer than the
    last commit; else None."""
    from review_gate.gates.common import comment_order

    for verdict in result.verdicts:
        if verdict.gate != "handover" or not verdict.passed or not verdict.artifact_url:
            continue
        for comment in result.request.tracker.list_comments(verdict.issue):
            if comment.url != verdict.artifact_url:
                continue
            posted = comment_order(comment)[0]
            if committed is None or posted > committed:
                return comment.created_at
    return None


def _without_gate_variables(environ: Mapping[str, str]) -> dict[str, str]:
    from review_gate.config_files import ENV_PREFIX

    return {k: v for k, v in environ.items() if not k.startswith(ENV_PREFIX)}


def decide(raw: bytes, environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The Stop answer: ``{"decision": "block", ...}``, ``{"systemMessage": ...}`` or None."""
    from review_gate import report, target
    from review_gate.check import evaluate

    data = _parse(raw)
    if isinstance(data, str):
        # A block we cannot count could loop forever (Codex has no limit): let it stop.
        return _message(f"stop hook got unusable input ({data}); not blocking.")
    if environ.get("REVIEW_GATE_BUDGET"):  # a dispatched worker: its budget first
        from review_gate.hooks.budget_hook import stop as budget_stop

        answer = budget_stop(data, environ)
        if answer is not None:
            return answer
    cwd = ctx.hook_cwd(data)
    repo = target.Repository(cwd) if cwd.is_dir() else None
    if repo is None or repo.checkout is None:
        return None
    refused: GateError | None = None
    try:
        policy = target.checkout_policy(repo, environ)
    except GateError as exc:
        # A variable that would loosen a gated checkout's policy is refused: the work is
        # still judged by the committed policy, and the agent told to drop the variable.
        refused = exc
        try:
            policy = target.checkout_policy(repo, _without_gate_variables(environ))
        except GateError:
            return _message(f"stop hook cannot read the configuration ({exc}); not blocking.")
    config, _, base = policy
    if config.max_stop_blocks <= 0 or ctx.gated_reason(repo, config) is None:
        return None
    issues, _ = target.gated_issues(repo.branch, [], config, config.repo)
    if not issues:
        return None
    issue = issues[0]
    work = _work(repo, base.name if base else None)
    if work is None:
        return _message(
            f"nothing to review for issue #{issue}: the tree is clean, no commits ahead."
        )
    session = data.get("session_id")
    session = session if isinstance(session, str) and session else "unknown"
    counter = _session_file(repo, session)
    blocks = read_blocks(counter)
    if data.get("stop_hook_active") is True:
        blocks = max(blocks, 1)  # continuing after a block, even one we did not record
    if blocks >= config.max_stop_blocks:
        return _message(
            f"letting the agent stop: already blocked {blocks} time(s) this session "
            f"(max_stop_blocks = {config.max_stop_blocks}). Issue #{issue} still has "
            f"unreviewed work ({work}); `gate check --issue {issue}` shows what is missing."
        )
    committed = _commit_time(repo)
    review_ok = False
    if refused is not None:
        hint = f" ({refused.hint})" if refused.hint else ""
        environ = _without_gate_variables(environ)
    try:
        request = target.from_checkout(cwd, environ, surface="stop", repo=repo, policy=policy)
        request = request._replace(gates=("review", "handover"))
        result = evaluate(request)
        review_passed = all(v.passed for v in result.verdicts if v.gate == "review")
        handed_over = None if review_passed else _handover_after(result, committed)
    except TrackerUnavailable as exc:
        reason = f"- the issue tracker is unreachable, so the review cannot be verified: {exc}"
    except GateError as exc:
        reason = f"- the review cannot be verified: {exc}"
    else:
        review_ok = review_passed
        if review_passed and refused is None:
            return None
        if handed_over:
            return _message(
                f"letting the agent stop: a valid HANDOVER for issue #{issue} was posted at "
                f"{handed_over}, after the last commit."
            )
        review_only = result._replace(
            verdicts=tuple(v for v in result.verdicts if v.gate == "review")
        )
        reason = report.missing_lines(review_only) if not review_passed else ""
    if refused is not None and review_ok:
        # the work is reviewed under the committed policy: nothing for the agent to do
        return _message(
            f"the review of issue #{issue} passes; note that the environment would loosen the "
            f"gate and is ignored: {refused}{hint}"
        )
    count = f"(stop block {blocks + 1} of at most {config.max_stop_blocks} this session)"
    write_blocks(counter, session, blocks + 1)
    if refused is not None:
        reason = f"- the environment would loosen the gate: {refused}{hint}\n{reason}".rstrip()
    return {
        "decision": "block",
        "reason": (
            f"{_PREFIX}do not stop yet: issue #{issue} has unreviewed work ({work}).\n{reason}\n"
            f"Review your work and post the REVIEW (`gate new review --issue {issue}`), or, "
            f"if you cannot finish, post a HANDOVER (`gate new handover --issue {issue}`, "
            f"then `gate issue comment {issue} --body-file handover.md`). "
            f"{count}"
        ),
    }
