"""Agent hooks for Claude Code and Codex: ``gate hook pre-tool-use`` and ``gate hook stop``.

Both clients start the hook for each matching event, write one JSON object to its
stdin and read its exit code and stdout (docs/agent-hooks.md, "Wire protocol").
Answers, valid for both clients and for Codex's output schemas:

* no objection: exit 0 and print nothing (never ``"permissionDecision": "allow"``,
  which would skip the user's own permission prompts);
* deny a tool call: exit 0 with a ``permissionDecision: "deny"`` JSON object;
* keep the agent working: exit 0 with ``{"decision": "block", "reason": ...}``.

Any other exit code (1, a traceback, 127) lets the tool call through, so every
decision is wrapped: whatever goes wrong around a gated call becomes a deny. That is
why these hooks do not go through ``review_gate.errors.handle`` (the handler of every
other entry point): it turns an error into exit 1-4, which a client reads as no objection.

The installed hook first asks :mod:`.fast_path`, which answers the calls that certainly
cannot matter (nearly all of them) before this module loads; this module decides the rest
in full, still importing only the shell pre-filter for a command or the path test of
:mod:`.file_targets` for a file tool before it knows a call might matter: the analysis,
git, the configuration and the tracker load only for calls that might. The same
``gate hook pre-tool-use`` answers Claude Code's ConfigChange (:mod:`.config_change`)
with a block, since the console entry sends only ``pre-tool-use``/``stop`` here.
"""

from __future__ import annotations

import sys

from review_gate.hooks.fast_path import FILE_TOOLS, SHELL_TOOLS, inside_git_dir, loads, read_stdin
from review_gate.hooks.fast_path import deny as _deny
from review_gate.hooks.hook_input import enable_site, lazy_environ
from review_gate.hooks.tool_names import glued_pr_tool, is_pr_tool, pr_operation, strings

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block anyway
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, TextIO, TypeGuard


def _malformed(what: str) -> str:
    return (
        f"review-gate: cannot read this hook call ({what}), so it is denied to be safe. "
        "The agent client should send the hook JSON on stdin; run `gate doctor` to check "
        "the hook wiring."
    )


def _shell_command(tool_input: object) -> str | None:
    """The command string of a shell tool call, or None when there is none."""
    if not isinstance(tool_input, dict):
        return None
    command = tool_input.get("command", tool_input.get("cmd"))
    given = tool_input.get("args", tool_input.get("arguments"))
    args: list[str] = given if _str_list(given) else []
    if isinstance(command, str):
        if args:  # {"command": "gh", "args": ["pr", "create"]}
            import shlex

            return command + " " + shlex.join(args)
        return command
    if _str_list(command):
        # Some clients send an argv; judge it as the shell would run it.
        import shlex

        return shlex.join(command)
    argv = tool_input.get("argv")
    program = tool_input.get("program", tool_input.get("executable"))
    if _str_list(argv):
        import shlex

        return shlex.join(argv)
    if isinstance(program, str) and program and (args or "args" in tool_input):
        import shlex

        return shlex.join([program, *args])
    for key in ("script", "code", "shell_command", "commands"):
        code = tool_input.get(key)
        if _str_list(code):
            return _as_shell("\n".join(code), tool_input)
        if isinstance(code, str) and code:
            return _as_shell(code, tool_input)
    return None


def _str_list(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and bool(value) and all(isinstance(c, str) for c in value)


#: ``language`` values of code tools, and the command line that runs such code.
_LANGUAGES = {
    "python": ("python3", "-c"),
    "py": ("python3", "-c"),
    "python3": ("python3", "-c"),
    "javascript": ("node", "-e"),
    "js": ("node", "-e"),
    "node": ("node", "-e"),
    "typescript": ("node", "-e"),
    "ruby": ("ruby", "-e"),
    "perl": ("perl", "-e"),
}


def _as_shell(code: str, tool_input: dict[str, Any]) -> str:
    """Code under ``script``/``code``: shell code, unless a ``language`` key says otherwise
    (then the interpreter one-liner that runs it, for the shell analysis to judge)."""
    lang = tool_input.get("language", tool_input.get("lang", tool_input.get("interpreter")))
    if isinstance(lang, str) and lang.strip().lower() in _LANGUAGES:
        import shlex

        return shlex.join([*_LANGUAGES[lang.strip().lower()], code])
    return code


def _parse(raw: bytes) -> tuple[dict[str, Any], None] | tuple[None, str]:
    """``(hook input, None)``, or ``(None, deny reason)`` for unusable input."""
    if not raw.strip():
        # Fail closed: a client always sends JSON, so an empty stdin means broken wiring.
        return None, _malformed("no input on stdin")
    try:
        data = loads(raw)
    except ValueError as exc:
        return None, _malformed(f"input is not JSON: {exc}")
    if not isinstance(data, dict):
        return None, _malformed(f"input is a JSON {type(data).__name__}, not an object")
    return data, None


def decide_pre_tool_use(raw: bytes, environ: Mapping[str, str]) -> str | None:
    """The deny reason for one PreToolUse call, or None for no objection.

    Raises only on internal errors; :func:`main` turns those into a deny too.
    """
    data, problem = _parse(raw)
    return problem if data is None else _decide(data, environ)


def _decide(data: dict[str, Any], environ: Mapping[str, str]) -> str | None:
    if data.get("hook_event_name") == "ConfigChange":
        enable_site()
        from review_gate.hooks.config_change import decide

        return decide(data, environ)
    tool = data.get("tool_name")
    if not isinstance(tool, str) or not tool:
        return _malformed("no tool_name")
    tool_input = data.get("tool_input")
    low_tool = tool.strip().lower()
    if environ.get("REVIEW_GATE_STATE_DIR"):  # a dispatched worker: its role may forbid edits
        from review_gate.hooks.worker_role import role_denial

        command = _shell_command(tool_input)
        reason = role_denial(tool.strip(), low_tool in FILE_TOOLS, command, environ)
        if reason is not None:
            return reason
    if low_tool in FILE_TOOLS:  # before `command`: apply_patch carries its patch there
        return _file_call(tool, tool_input, data, environ)
    command = _shell_command(tool_input)
    if low_tool in SHELL_TOOLS and command is None:
        return _malformed(f"{tool} call without a tool_input.command string")
    if is_pr_tool(tool) or glued_pr_tool(tool):
        if not isinstance(tool_input, dict):
            return _malformed(f"{tool} call without a tool_input object")
        enable_site()
        from review_gate.hooks.pr_gate import gate_pr_tool

        return gate_pr_tool(tool, tool_input, data, environ)
    if low_tool not in SHELL_TOOLS:
        operation = pr_operation(tool_input)
        if operation is not None:  # a generic tool: {"operation": "create_pull_request"}
            enable_site()
            from review_gate.hooks.pr_gate import gate_pr_tool

            return gate_pr_tool(tool, operation, data, environ)
    if command is not None:  # a shell tool, or any tool that carries a shell command
        reason = _shell_call(command, data, environ)
        if reason is not None or low_tool in SHELL_TOOLS or not tool.startswith("mcp__"):
            return reason
        # an MCP tool with code under `argv`/`script`/`code`...: its other checks still apply
    if (
        tool.startswith("mcp__")
        and isinstance(tool_input, dict)
        and any(
            "pulls" in low or "createpullrequest" in low
            for low in (s.lower() for s in strings(tool_input))
        )
    ):
        # A generic API tool: a REST POST to .../pulls or a createPullRequest mutation.
        enable_site()
        from review_gate.hooks.pr_gate import gate_api_tool

        reason = gate_api_tool(tool, tool_input, data, environ)
        if reason is not None:
            return reason
    if tool.startswith("mcp__") and isinstance(tool_input, dict):
        return _file_call(tool, tool_input, data, environ)  # an MCP filesystem tool?
    return None


def _file_call(
    tool: str, tool_input: object, data: Mapping[str, Any], environ: Mapping[str, str]
) -> str | None:
    """Deny a write to one of the gate's own files in a gated checkout; silent, with no
    git and no file reads, for a path that cannot be one (:mod:`.file_targets`)."""
    from review_gate.hooks.file_targets import writes_to_check

    found = writes_to_check(tool, tool_input, data)
    if found is None:
        return None
    paths, away = found
    enable_site()
    from review_gate.hooks.file_gate import gate_file_write

    return gate_file_write(tool, paths, away, data, environ)


#: Whether the shell analysis runs in a child process (:mod:`.isolated`): set by
#: :func:`main`, the installed hook's entry; in-process callers analyse in place.
_ISOLATE = [False]


def _shell_call(command: str, data: Mapping[str, Any], environ: Mapping[str, str]) -> str | None:
    from review_gate.shell import analyse, might_matter

    if "*** " in command and "apply" in command:  # Codex applies `apply_patch <<EOF` itself
        from review_gate.hooks.file_targets import shell_patch_paths

        patched = shell_patch_paths(command)
        if patched:
            reason = _file_call("apply_patch", {"command": command}, data, environ)
            if reason is not None:
                return reason
    if inside_git_dir(data):  # `rm pre-push` in .git/hooks: judged from the work tree
        from review_gate.hooks.checkout import from_checkout_top

        moved = from_checkout_top(data, command)
        if moved is not None:
            data, command = moved
    if not might_matter(command):
        return None
    enable_site()
    if _ISOLATE[0]:  # the installed hook: a crash in the parser must not be a pass
        from review_gate.hooks import isolated

        analysis = isolated.analyse(command)
    else:
        analysis = analyse(command)
    if not analysis.matters:
        return None  # before loading configuration, git and the tracker
    from review_gate.hooks.pr_gate import gate_analysis

    return gate_analysis(analysis, data, environ)


def decide_stop(raw: bytes, environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The answer to one Stop call: a block or a systemMessage object, or None (silence)."""
    enable_site()
    from review_gate.hooks.stop import decide

    return decide(raw, environ)


def _emit(obj: dict[str, Any], out: TextIO) -> None:
    import json

    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()


def _internal(exc: BaseException) -> str:
    return (
        f"review-gate: internal error while checking this call "
        f"({type(exc).__name__}: {exc}); denied to be safe. Please report it; "
        "`gate doctor` checks the setup."
    )


def _budget_dir() -> str | None:
    """The worker's budget directory when the dispatcher started this agent, else None.

    Read from ``posix.environ`` (built in and loaded at start-up): a session that is no
    dispatched worker pays one dictionary look-up and imports nothing."""
    try:
        import posix

        raw = posix.environ.get(b"REVIEW_GATE_BUDGET")
        return raw.decode("utf-8", "surrogateescape") if raw else None
    except ImportError:  # not a POSIX system
        import os

        return os.environ.get("REVIEW_GATE_BUDGET") or None


def _with_budget(directory: str, data: dict[str, Any], reason: str | None) -> dict[str, Any] | None:
    """The answer for a dispatched worker: the gate's, plus its budget's
    (:mod:`.budget_hook`). Fails closed: when the budget code fails, the call is denied
    (:func:`.budget_hook.failure`), never let through."""
    try:
        from review_gate.hooks.budget_hook import pre_tool_use

        tool = data.get("tool_name")
        shell = isinstance(tool, str) and tool.strip().lower() in SHELL_TOOLS
        command = _shell_command(data.get("tool_input")) if shell else None
        return pre_tool_use(directory, data, reason, command)
    except Exception as exc:
        try:
            from review_gate.hooks.budget_hook import failure

            return failure(directory, data, exc)
        except Exception as second:
            return _deny(
                f"review-gate: this worker's budget cannot be checked ({type(exc).__name__}: "
                f"{exc}; then {type(second).__name__}: {second}), so the call is denied. "
                f"Next step: stop now; the dispatcher replaces this worker once {directory} "
                "is repaired."
            )


def _run_pre_tool_use(out: TextIO, environ: Mapping[str, str], stdin: bytes | None) -> int:
    import io

    config_change = False
    budget: dict[str, Any] | None = None
    saved = sys.stdout
    try:
        raw = read_stdin() if stdin is None else stdin
        # Library code must not write to stdout: the client parses it as the answer.
        sys.stdout = io.StringIO()
        data, reason = _parse(raw)
        if data is not None:
            event = data.get("hook_event_name")
            config_change = event == "ConfigChange"
            # Claude Code's PreCompact (installed for dispatched workers) is no tool call.
            reason = None if event == "PreCompact" else _decide(data, environ)
            directory = None if config_change else _budget_dir()
            if directory is not None:
                budget = _with_budget(directory, data, reason)
                reason = None
    except BaseException as exc:  # a crash must never become a pass (exit 1 = go ahead)
        reason = _internal(exc)
        budget = None
    finally:
        sys.stdout = saved
    if budget is not None:
        _emit(budget, out)
    elif reason is not None:
        # Claude Code's ConfigChange takes a block (the loaded settings stay), not a deny.
        _emit({"decision": "block", "reason": reason} if config_change else _deny(reason), out)
    return 0


def _run_stop(out: TextIO, environ: Mapping[str, str]) -> int:
    import contextlib
    import io

    try:
        raw = read_stdin()
        with contextlib.redirect_stdout(io.StringIO()):
            answer = decide_stop(raw, environ)
    except BaseException as exc:
        # Blocking without a count could trap a Codex agent forever: let it stop, loudly.
        answer = {
            "systemMessage": f"review-gate stop hook: internal error ({type(exc).__name__}: "
            f"{exc}); not blocking. Please report it."
        }
    if answer is not None:
        _emit(answer, out)
    return 0


def main(argv: Sequence[str] | None = None, *, stdin: bytes | None = None) -> int:
    """``gate hook pre-tool-use|stop``: read the hook JSON on stdin (or take it as
    ``stdin``, already read), answer on stdout."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] not in ("pre-tool-use", "stop"):
        from review_gate.hooks.agent_usage import usage  # --help, or a usage error

        return usage(args)
    if args[0] == "pre-tool-use":
        _ISOLATE[0] = True
        return _run_pre_tool_use(sys.stdout, lazy_environ(), stdin)
    return _run_stop(sys.stdout, lazy_environ())
