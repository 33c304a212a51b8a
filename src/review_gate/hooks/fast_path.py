"""The installed PreToolUse hook's first step: answer "no objection" to a call that
certainly cannot matter, before anything else loads.

Every tool call an agent makes starts the hook, and nearly all of them are a benign shell
command or a write of an ordinary file. For those, what the hook costs is what it loads
and what the interpreter does at exit, so this module answers them with the fewest imports
(``_json``'s scanner, the shell pre-filter or the file-path test) and then ends the process
with ``posix._exit``: nothing was written, opened or started, so the interpreter's
finalisation (about 1.2 ms, more than the decision itself) has nothing to do.

:func:`no_objection` is only ever a subset of :mod:`.agent`'s decision: True when that
decision would certainly be no objection, False for everything else, which
:func:`review_gate.hooks.agent.main` then decides in full (a crash there is a deny). A
crash here is a False, never a pass. ``tests/hook_fast_start_test.py`` holds the two equal
on the shell and file-tool tables.

No ``from __future__ import annotations`` here (nor in the package ``__init__`` files and
the shell pre-filter this path loads): the statement imports the ``__future__`` module at
run time, a tenth of a millisecond on every tool call.
"""

import _json
import sys

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block (names quoted)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# Tool names under which the clients run shell commands, compared in lower case (Claude
# Code sends "Bash", Codex "Bash" or "shell"; the others are names other clients, newer
# and older versions have used). Any other tool whose input carries a `command` string
# (an MCP shell server, say) is analysed the same way, by the full decision.
SHELL_TOOLS = frozenset(
    {
        "bash",
        "shell",
        "exec_command",
        "local_shell",
        "shell_command",
        "unified_exec",
        "run_shell_command",
        "execute_command",
        "run_command",
        "run_terminal_cmd",
        "terminal",
    }
)
# The clients' own file tools, lower case: file_targets.FILE_TOOLS (with their inputs),
# repeated here so that a shell command does not import it (a test keeps them equal).
FILE_TOOLS = frozenset({"write", "edit", "multiedit", "notebookedit", "apply_patch", "applypatch"})
#: The variables that make the hook a dispatched worker's (role checks, budget): with
#: either set, every call takes the full decision.
_WORKER_VARIABLES = (b"REVIEW_GATE_STATE_DIR", b"REVIEW_GATE_BUDGET")
_WHITESPACE = " \t\n\r"


class _Context:
    """What ``_json.make_scanner`` reads from a ``json.JSONDecoder`` (its defaults)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = float  # NaN, Infinity, -Infinity, as json.loads accepts them


_scan = _json.make_scanner(_Context())  # type: ignore[arg-type]  # typeshed wants a scanner


def loads(raw: bytes) -> object:
    """``json.loads(raw)``, without importing ``json`` (which loads ``re`` and ``enum``,
    more than the rest of the fast path) for a plain UTF-8 object: the C scanner the
    ``json`` package itself uses decodes it. Anything unusual goes to ``json.loads``, so
    answers and error messages stay the same."""
    try:
        text = raw.decode("utf-8")
        start = len(text) - len(text.lstrip(_WHITESPACE))
        if text[start : start + 1] == "{":
            value, end = _scan(text, start)
            if not text[end:].strip(_WHITESPACE):
                return value
    except Exception:
        pass
    import json

    return json.loads(raw)


def read_stdin() -> bytes:
    """All of the hook's standard input, as bytes."""
    stream = sys.stdin
    if stream is None:
        return b""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        data: bytes = buffer.read()
        return data
    text: str = stream.read()
    return text.encode("utf-8", "surrogateescape")


def _worker(environ: "Mapping[bytes, bytes] | None") -> bool:
    """Whether this hook runs for a dispatched worker (True when it cannot tell)."""
    if environ is None:
        try:
            import posix  # built in and filled at start-up: no `os` import
        except ImportError:  # not a POSIX system: the full decision reads the environment
            return True
        environ = posix.environ
    return any(environ.get(name) for name in _WORKER_VARIABLES)


def no_objection(raw: bytes, environ: "Mapping[bytes, bytes] | None" = None) -> bool:
    """True when the full PreToolUse decision on ``raw`` would certainly be no objection:
    a shell tool's command string the pre-filter rules out, or a file tool's write of
    paths that cannot be the gate's own, outside a dispatched worker. False otherwise,
    including on any error (``environ``: the environment as bytes, ``posix.environ`` by
    default)."""
    try:
        return not _worker(environ) and _benign(loads(raw))
    except Exception:
        return False


def _benign(data: object) -> bool:
    if not isinstance(data, dict) or data.get("hook_event_name") == "ConfigChange":
        return False
    tool = data.get("tool_name")
    tool_input = data.get("tool_input")
    if not isinstance(tool, str) or not isinstance(tool_input, dict):
        return False
    low = tool.strip().lower()
    if low in SHELL_TOOLS:
        command = tool_input.get("command", tool_input.get("cmd"))
        if not isinstance(command, str) or "args" in tool_input or "arguments" in tool_input:
            return False  # an argv, or a command with arguments: the full decision joins them
        if "*** " in command and "apply" in command:
            return False  # Codex's `apply_patch <<EOF` is a file change
        if inside_git_dir(data):
            return False  # its relative paths may be the gate's files: hooks/checkout.py
        from review_gate.shell import might_matter

        return not might_matter(command)
    if low in FILE_TOOLS:
        from review_gate.hooks.file_targets import writes_to_check

        return writes_to_check(tool, tool_input, data) is None
    return False


def deny(reason: str) -> "dict[str, object]":
    """The PreToolUse answer that denies the call, saying ``reason``."""
    return {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": reason,
        }
    }


def inside_git_dir(data: "Mapping[str, object]") -> bool:
    """Whether a shell call runs inside a git directory: a ``.git`` component in its
    ``cwd`` or its tool's ``workdir``, as written or resolved (``..``, symbolic links); a
    directory that cannot be told is inside."""
    tool_input = data.get("tool_input")
    cwd = data.get("cwd")
    workdir = tool_input.get("workdir") if isinstance(tool_input, dict) else None
    for place in (cwd, workdir):
        if place is None:
            continue
        if not isinstance(place, str) or "\0" in place:
            return True
        if ".git" in place.replace("\\", "/").split("/"):
            return True
    directory = cwd if isinstance(cwd, str) and cwd else ""
    if isinstance(workdir, str) and workdir:
        absolute = workdir.startswith("/") or not directory
        directory = workdir if absolute else f"{directory}/{workdir}"
    if not directory.startswith("/"):
        return False  # the hook's own directory: where the client started it
    from review_gate import posix_paths

    real = posix_paths.realpath(directory)
    if real is None:  # a symbolic link on the way
        import os.path

        real = os.path.realpath(directory)
    return ".git" in real.split("/")


def run(argv: "Sequence[str]", *, exit_now: bool = False) -> int:
    """The hook's entry (``hooks/run_hook.py``, ``gate hook``): ``pre-tool-use`` on a call
    that cannot matter answers silence here (with ``exit_now``, the installed hook's, by
    ending the process with exit code 0); everything else goes to
    :func:`review_gate.hooks.agent.main`."""
    raw: bytes | None = None
    if list(argv) == ["pre-tool-use"]:
        try:
            raw = read_stdin()
            silent = no_objection(raw)
        except BaseException:  # the full decision reads again and denies what it cannot
            silent = False
        if silent and not exit_now:
            return 0
        if silent:
            _exit_now(0)
    from review_gate.hooks.agent import main

    code = main(argv, stdin=raw)
    if exit_now and list(argv) == ["pre-tool-use"]:
        # Decided in full and answered: what it wrote went through closed files or
        # single writes (budget counters, the audit log), the analysis' child was
        # waited for, and a tracker thread still stuck on a call is better left behind.
        _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    """Exit with ``code`` now, skipping the interpreter's finalisation (about 1.2 ms,
    more than a silent decision itself). Returns when the streams cannot be flushed:
    the caller then exits the usual way."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
        if sys.stderr is not None:
            sys.stderr.flush()
        import posix
    except BaseException:
        return
    posix._exit(code)
