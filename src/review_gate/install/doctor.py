"""``gate doctor`` checks of the agent hook wiring (Claude Code, Codex)."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from review_gate.doctor import Finding
from review_gate.errors import GateError
from review_gate.install import bytecode
from review_gate.install import codex_appserver as appserver
from review_gate.install import codex_trust as trust
from review_gate.install.codex import listed_ours, main_checkout
from review_gate.install.hook_files import COVERED_TOOLS, events, is_ours, matcher_covers
from review_gate.install.settings_file import (
    AGENT_NAMES,
    AGENTS,
    SCOPES,
    checkout_top,
    read_settings,
    settings_path,
)


def _command_problem(command: str) -> str | None:
    """Why a hook command would not run (exit 127 / 126), or None."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return f"cannot be parsed ({exc})"
    if not argv:
        return "is empty"
    exe = argv[0]
    scripts = [a for a in argv[1:] if a.endswith("run_hook.py")]
    if scripts and not os.path.isfile(scripts[0]):
        return f"runs {scripts[0]}, which does not exist"
    if "/" in exe:
        if not os.path.isfile(exe):
            return f"runs {exe}, which does not exist"
        if not os.access(exe, os.X_OK):
            return f"runs {exe}, which is not executable"
        return None
    if shutil.which(exe) is None:
        return f"runs {exe!r}, which is not on PATH (use an absolute path)"
    return None


def _file_findings(
    agent: str, scope: str, path: Path, cwd: Path, where: str = ""
) -> list[Finding] | None:
    """Findings for one settings file, or None when it holds none of our hooks.

    ``where`` is `` -C DIR`` when the fix must run in another checkout."""
    name = AGENT_NAMES[agent]
    fix = f"gate install {agent} --scope {scope}{where}"
    try:
        data, _ = read_settings(path)
    except GateError as exc:
        return [Finding(agent, False, str(exc), fix=f"fix the JSON in {path}, then `{fix}`")]
    hooks = data.get("hooks", {})
    ours = {
        event: [h for g in hooks.get(event, []) for h in g.get("hooks", []) if is_ours(h)]
        for event, _, _ in events(agent)
    }
    if not any(ours.values()):
        return None
    findings: list[Finding] = []
    for event, handlers in ours.items():
        if not handlers:
            why = _WHY_MISSING.get(event, "")
            findings.append(
                Finding(agent, False, f"{path}: no review-gate {event} hook{why}", fix=fix)
            )
        for handler in handlers:
            problem = _command_problem(str(handler.get("command", "")))
            if problem:
                findings.append(
                    Finding(
                        agent,
                        False,
                        f"{path}: the {event} hook {problem}; a hook that cannot start "
                        "blocks nothing",
                        fix=fix,
                    )
                )
    if ours["PreToolUse"]:
        findings += _matcher_findings(agent, path, hooks.get("PreToolUse", []), fix)
    if agent == "codex":
        findings += _codex_trust_findings(scope, path, hooks, cwd, where)
    if all(f.ok for f in findings):
        findings.insert(0, Finding(agent, True, f"{name} hooks configured in {path}"))
    return findings


_WHY_MISSING = {
    "ConfigChange": " (an installation older than the file-tool checks): a settings change "
    "that switches the gate off is loaded into the running session",
}


def _matcher_findings(
    agent: str, path: Path, groups: list[dict[str, object]], fix: str
) -> list[Finding]:
    """Our PreToolUse entry must select every tool the hook checks: an older install's
    matcher (``^(Bash|mcp__.*)$``) lets file edits of the gate's own settings through."""
    matchers = [g.get("matcher") for g in groups if _holds_ours(g.get("hooks"))]
    missing = [t for t in COVERED_TOOLS[agent] if not any(matcher_covers(m, t) for m in matchers)]
    if not missing:
        return []
    shown = ", ".join(repr(m) for m in matchers)
    return [
        Finding(
            agent,
            False,
            f"{path}: review-gate's PreToolUse matcher {shown} does not select "
            f"{', '.join(missing)}, so those tool calls are not checked (edits of the gate's "
            "own settings, hooks and configuration go through): re-run the install",
            fix=fix,
        )
    ]


def _holds_ours(handlers: object) -> bool:
    return isinstance(handlers, list) and any(is_ours(h) for h in handlers)


def _codex_trust_findings(
    scope: str, path: Path, hooks: dict[str, list[dict[str, object]]], cwd: Path, where: str
) -> list[Finding]:
    config_toml = trust.codex_home() / "config.toml"
    findings: list[Finding] = []
    try:
        saved = trust.saved_state(config_toml)
        project_ok = scope == "user" or trust.project_trusted(config_toml, checkout_top(cwd))
    except GateError as exc:
        return [Finding("codex", False, str(exc), fix=f"fix {config_toml}")]
    entries = trust.trust_entries(path, hooks, only=is_ours)
    fix = f"gate install codex --scope {scope}{where} --trust"
    reason = "the project is not trusted, so Codex does not list its hooks"
    if project_ok:
        try:
            codex = appserver.codex_command()
            listed = listed_ours(path, appserver.list_hooks(codex, checkout_top(cwd)))
            if len(listed) != len(entries):
                raise appserver.Unavailable(
                    f"hooks/list shows {len(listed)} of review-gate's {len(entries)} hooks"
                )
            return [_listed_finding(path, listed, fix)]
        except appserver.Unavailable as exc:
            reason = str(exc)
    if any(saved.get(k) != v for k, v in entries.items()):
        findings.append(
            Finding(
                "codex",
                False,
                f"{path}: review-gate's hooks are not trusted in {config_toml}, and Codex "
                "skips untrusted hooks silently (workers started by `gate dispatch` get "
                f"per-run trust; checked with review-gate's own computation of Codex's hook "
                f"hash, fallback: {reason})",
                fix=fix,
            )
        )
    else:
        findings.append(
            Finding(
                "codex",
                True,
                f"{path}: review-gate's hooks are trusted in {config_toml} (fallback: checked "
                f"with review-gate's own computation of Codex's hook hash; {reason})",
            )
        )
    if not project_ok:
        project = f'[projects."{checkout_top(cwd)}"]'
        findings.append(
            Finding(
                "codex",
                False,
                f"Codex reads {path} only for a trusted project",
                fix=f'add {project} trust_level = "trusted" to {config_toml}',
            )
        )
    return findings


def _listed_finding(path: Path, listed: list[appserver.ListedHook], fix: str) -> Finding:
    """Trust as Codex itself reports it (``codex app-server`` ``hooks/list``)."""
    untrusted = [f"{h.event} ({h.trust_status})" for h in listed if h.trust_status != "trusted"]
    if untrusted:
        return Finding(
            "codex",
            False,
            f"{path}: Codex reports review-gate's hooks as not trusted: "
            f"{', '.join(untrusted)}; it skips untrusted hooks silently",
            fix=fix,
        )
    return Finding("codex", True, f"{path}: review-gate's hooks are trusted, as Codex reports")


def _where(directory: Path) -> str:
    return f" -C {shlex.quote(str(directory))}"


def checks(cwd: Path) -> list[Finding]:
    """Per agent: our hooks configured in some scope, runnable, (Codex) trusted."""
    findings: list[Finding] = []
    top = checkout_top(cwd)
    main = main_checkout(cwd)
    hooks_found = False
    for agent in AGENTS:
        seen: set[Path] = set()
        found = False
        ignored: Path | None = None  # Codex: our hooks only in a linked worktree's file
        for scope in SCOPES:
            path = settings_path(agent, scope, cwd)
            if path in seen:
                continue
            seen.add(path)
            if agent == "codex" and main is not None and scope != "user":
                if _has_ours(path):
                    ignored = path
                continue
            result = _file_findings(agent, scope, path, cwd)
            if result is not None:
                found = True
                findings += result
        if agent == "codex" and main is not None:
            # Codex reads the main checkout's .codex/hooks.json in a linked worktree.
            main_file = settings_path(agent, "project", main)
            result = _file_findings(agent, "project", main_file, main, _where(main))
            if result is not None:
                found = True
                findings += result
            if ignored is not None:
                findings.append(_ignored_finding(ignored, main, found))
                found = True
        if found:
            hooks_found = True
            continue
        name = AGENT_NAMES[agent]
        marker = top / (".claude" if agent == "claude" else ".codex")
        if marker.is_dir():
            fix = f"gate install {agent} --scope local"
            if agent == "codex" and main is not None:
                fix = f"gate install codex{_where(main)} --trust (the main checkout)"
            findings.append(
                Finding(
                    agent,
                    False,
                    f"{name} is set up in this checkout ({marker.name}/) but review-gate's "
                    "hooks are not configured for it: its PRs are not gated",
                    fix=fix,
                )
            )
        else:
            findings.append(
                Finding(
                    agent,
                    True,
                    f"{name}: no review-gate hooks configured (not set up in this checkout; "
                    f"`gate install {agent}` gates it)",
                )
            )
    if hooks_found:
        ok, message, compile_fix = bytecode.finding()
        findings.append(Finding("hooks", ok, message, fix=compile_fix))
    return findings


def _has_ours(path: Path) -> bool:
    try:
        data, _ = read_settings(path)
    except GateError:
        return False  # Codex does not read this file here anyway
    groups = [g for gs in data.get("hooks", {}).values() for g in gs]
    return any(is_ours(h) for g in groups if isinstance(g.get("hooks"), list) for h in g["hooks"])


def _ignored_finding(path: Path, main: Path, covered: bool) -> Finding:
    """Our Codex hooks in a linked worktree's own .codex/hooks.json, which Codex 0.169
    does not read there (it reads the main checkout's)."""
    why = (
        f"{path}: Codex does not read .codex/hooks.json in a linked worktree (it reads "
        f"{main / '.codex' / 'hooks.json'})"
    )
    if covered:
        return Finding("codex", True, f"{why}; the hooks configured above apply here instead")
    return Finding(
        "codex",
        False,
        f"{why}, so review-gate's hooks do not run for Codex in this worktree",
        fix=f"gate install codex{_where(main)} --trust (the main checkout), or `gate install "
        "codex --scope user --trust`, or start Codex here with `gate dispatch` (it passes "
        "the hooks per run)",
    )
