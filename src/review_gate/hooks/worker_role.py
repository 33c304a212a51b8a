"""A dispatched worker's role, for the PreToolUse hook: a ``review`` or ``research``
worker may not edit files, and its shell commands must all be on the read-only allowlist
of hooks/read_only_shell.py, decided on a full parse (dispatch/roles.py has the whole
scope). A review worker's record also names its test and lint commands
(``review_commands``), which the allowlist lets it run.

**Where the role comes from.** Today the hooks know a dispatched worker by
``REVIEW_GATE_WORKER_ID`` in their environment. The dispatcher sets it, with
``REVIEW_GATE_STATE_DIR`` (its state directory, ``<git-common-dir>/review-gate``), on
the agent client it starts, and the client passes its own environment to the hooks it
runs: a tool call changes the environment of the commands it starts, never that of its
client or of the client's hooks. The *role* is not taken from that environment, nor from
the worktree (which the agent reads and, for Codex, may write), but from the
dispatcher's pid record ``<state>/workers/<worker id>.json``, written by the dispatcher
for this worker id and naming its worktree: a review or research worker has no tool that
writes there (Claude Code's Bash is limited to read-only commands, the Codex sandbox
adds that directory only for the local tracker, see dispatch/roles.py). Not the WORKER
claim on the tracker: it holds the same role, written from the same request, but
reading it would cost a tracker round trip on every tool call, and this is one local
file read.

A worker whose record cannot be read is denied edits and any command off the research
allowlist (fail closed): the dispatcher writes the record right after the agent starts,
long before its first tool call, and removes it only once the worker's processes are
gone. A session without
``REVIEW_GATE_WORKER_ID`` and ``REVIEW_GATE_STATE_DIR`` (any non-worker session, or a
worker on a GitHub Actions runner, which has no local record) never gets here: the hook's
fast path is one environment lookup longer.
"""

from __future__ import annotations

TYPE_CHECKING = False  # every dispatched worker's tool call loads this module: no typing
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

WORKER_VAR = "REVIEW_GATE_WORKER_ID"
STATE_VAR = "REVIEW_GATE_STATE_DIR"
_READ_ONLY = ("review", "research")
_ROLES = ("implement", *_READ_ONLY)
# An MCP tool a read-only worker may call names one of these verbs first (``get_file``,
# ``listIssues``) and none of the _MCP_WRITES words anywhere; every other MCP tool is
# denied (``mcp__git__git_commit``, ``mcp__github__merge_pull_request``). Nouns that are
# also verbs (``commit``, ``comment``, ``request``) are not write words: after a read verb
# they name what is read (``get_commit``, ``get_pull_request``); joining words (``and``)
# are, so that ``get_and_push`` is no read.
MCP_READ_VERBS = frozenset(
    {"get", "list", "search", "read", "view", "fetch", "show", "query", "find", "describe",
     "status"}
)  # fmt: skip
MCP_WRITES = frozenset(
    {
        "write", "edit", "create", "delete", "remove", "move", "rename", "patch", "update",
        "put", "post", "push", "set", "add", "insert", "upload", "send", "run", "exec",
        "execute", "apply", "close", "reopen", "approve", "submit", "fork", "replace",
        "modify", "save", "drop", "cancel", "rerun", "trigger", "dispatch", "lock", "unlock",
        "transfer", "archive", "publish", "install", "kill", "stop", "start", "restart",
        "reset", "revert", "checkout", "rebase", "assign", "invite", "mark", "dismiss",
        "resolve", "press", "click", "fill", "evaluate", "eval", "stdin",
        "and", "then", "or", "upsert", "merge",
    }
)  # fmt: skip
# Tools without a shell command that only read or plan (lower case); any other such tool
# (Codex's ``write_stdin``, which types into a running program) is denied. The hook sees
# only the tools its matcher selects (install/hook_files.py MATCHER).
READ_TOOLS = frozenset(
    {
        "read", "grep", "glob", "ls", "webfetch", "websearch", "web_search", "todowrite",
        "todoread", "update_plan", "view_image", "notebookread", "bashoutput", "task",
        "exitplanmode", "listmcpresourcestool", "readmcpresourcetool", "list_mcp_resources",
        "list_mcp_resource_templates", "read_mcp_resource",
    }
)  # fmt: skip


def mcp_words(tool: str) -> list[str]:
    """The words of an MCP tool's own name (after ``mcp__SERVER__``), lower case:
    ``getFileContents`` and ``get-file_contents`` both give get, file, contents."""
    import re

    name = tool.split("__", 2)[-1]
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def mcp_reads(tool: str) -> bool:
    """Whether an MCP tool's name says it only reads: a read verb first, no write word."""
    words = mcp_words(tool)
    return bool(words) and words[0] in MCP_READ_VERBS and not MCP_WRITES.intersection(words)


def _record(environ: Mapping[str, str]) -> tuple[str, str, tuple[str, ...]] | None:
    """``(worker id, role, review commands)`` from the dispatcher's pid record; None
    outside a dispatched worker; role ``"unknown"`` when the record cannot be read."""
    worker = environ.get(WORKER_VAR)
    state = environ.get(STATE_VAR)
    if not worker or not state:
        return None
    from review_gate.hooks.hook_input import loads  # no `json` for a plain record

    try:
        with open(f"{state}/workers/{worker}.json", "rb") as record:
            data = loads(record.read())
    except (OSError, ValueError):
        return worker, "unknown", ()
    if not isinstance(data, dict) or data.get("worker_id") != worker:
        return worker, "unknown", ()
    role = data.get("role", "implement")  # records of older dispatchers name none
    commands = data.get("review_commands")
    if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
        commands = []
    return worker, role if role in _ROLES else "unknown", tuple(commands)


def role_denial(
    tool: str, file_tool: bool, command: str | None, environ: Mapping[str, str]
) -> str | None:
    """The deny reason for a review or research worker's edit (a client's file tool), MCP
    tool whose name does not say it only reads (:func:`mcp_reads`), tool without a shell
    command that is not one of READ_TOOLS, or shell command off the read-only allowlist;
    None for any other call, and for every call of an implementing worker. ``tool`` is
    the tool name (compared in lower case)."""
    known = _record(environ)
    if known is None:
        return None
    original, tool = tool, tool.strip().lower()
    worker, role, commands = known
    if role == "implement":
        return None
    if tool.startswith("mcp__") and not mcp_reads(original):
        what = (
            f"the MCP tool `{original}` does not say it only reads (its name must start "
            f"with one of {', '.join(sorted(MCP_READ_VERBS))} and name no write)"
        )
    elif file_tool or (command is not None and "*** Begin Patch" in command):
        what = "editing files is not allowed"
    elif command is not None:
        from review_gate.hooks.hook_input import enable_site
        from review_gate.hooks.isolated import in_child

        enable_site()  # tree-sitter lives in site-packages; the hook starts without them

        def check() -> object:
            from review_gate.hooks.read_only_shell import denial

            return denial(command, worker, commands if role == "review" else ())

        # tree-sitter is C: parsed in a forked child, so a crash is a deny, never a pass
        done, problem = in_child(check)
        if done and problem is None:
            return None
        what = str(problem) if done else f"the read-only check crashed ({problem})"
    elif tool in READ_TOOLS or tool.startswith("mcp__"):
        return None
    else:
        what = f"the tool `{original}` is not one of the read tools"
    return _reason(worker, role, what, commands, environ)


def _reason(
    worker: str, role: str, what: str, commands: Sequence[str], environ: Mapping[str, str]
) -> str:
    from review_gate.hooks.read_only_shell import PROGRAMS_HINT

    if role == "unknown":
        state = environ.get(STATE_VAR, "")
        return (
            f"review-gate: cannot read the role of worker {worker} from "
            f"{state}/workers/{worker}.json, so only read-only commands "
            f"run: {what}. `gate dispatch status` shows the worker."
        )
    if role == "review":
        tests = ", ".join(commands) or "none configured"
        job = (
            f"A review worker reads, runs the configured review commands ({tests}) and "
            "posts its REVIEW"
        )
    else:
        job = "A research worker reads and posts its findings as a comment"
    return (
        f"review-gate: {worker} is a {role} worker (no edits, commits or pushes): {what}. "
        f"{job}; run one read-only command at a time with literal words ({PROGRAMS_HINT})."
    )
