"""Which files a file-editing tool call would write: the fast half of the file-tool check.

Runs for every Write/Edit/apply_patch an agent makes, so it is plain string code on top of
:func:`review_gate.protected_names.might_be_protected` and the path functions of
:mod:`review_gate.posix_paths`: no ``os`` (a millisecond of the hook's start-up) unless a
path needs it (a symbolic link, say); only a path that might be one of the gate's own
files goes on to :mod:`.file_gate`, which asks git.

Tool names and inputs, as the clients send them (tests/e2e/recordings/):

* Claude Code: ``Write``/``Edit``/``MultiEdit`` ``{"file_path": ...}``, ``NotebookEdit``
  ``{"notebook_path": ...}`` (absolute paths);
* Codex: ``apply_patch`` ``{"command": "*** Begin Patch\\n*** Update File: a.txt ..."}``
  (paths relative to the session's ``cwd``), and ``Bash`` ``apply_patch <<'EOF' ...``,
  which Codex applies itself instead of running a shell;
* MCP filesystem servers: ``mcp__<server>__write_file`` ``{"path": ...}``, ``move_file``
  ``{"source": ..., "destination": ...}``, ... A tool whose name only reads (``read_file``,
  ``list_directory``) writes nothing.
"""

import sys

from review_gate import posix_paths
from review_gate.protected_names import might_be_protected

# No `from __future__ import annotations`: the hook's fast path loads this module, and the
# statement imports `__future__` at run time (hooks/fast_path.py). Hence the quoted names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

#: Built-in file tools (lower case) and the input keys naming what they write.
FILE_TOOLS = {
    "write": ("file_path",),
    "edit": ("file_path",),
    "multiedit": ("file_path",),
    "notebookedit": ("notebook_path",),
    "apply_patch": (),
    "applypatch": (),
}
_PATCH_MARKERS = ("*** add file:", "*** update file:", "*** delete file:", "*** move to:")

# MCP tools: the keys that name a file the call writes, moves or removes...
_MCP_PATH_KEYS = (
    "path",
    "file_path",
    "filepath",
    "file",
    "filename",
    "file_name",
    "notebook_path",
    "destination",
    "dest",
    "target",
    "target_path",
    "new_path",
    "to",
    "output",
    "output_path",
    "paths",
    "files",
)
# ... and those naming what a move, rename or removal takes away (a copy only reads them).
_MCP_SOURCE_KEYS = ("source", "src", "old_path", "from", "source_path")
_READ_WORDS = frozenset(
    {"read", "get", "list", "search", "find", "view", "show", "stat", "info", "tree", "glob"}
    | {"grep", "cat", "head", "tail", "status", "diff", "log", "query", "fetch", "describe"}
    | {"count", "exists", "check", "inspect", "lookup", "preview", "watch"}
)
# A name with a read word is read-only unless it also has one of these.
_WRITE_WORDS = frozenset(
    {"write", "edit", "create", "put", "patch", "save", "update", "append", "replace"}
    | {"mkdir", "upload", "download", "apply", "set", "chmod", "chown", "touch", "truncate"}
    | {"insert", "modify", "overwrite", "symlink", "link", "store", "upsert", "change"}
    | {"make", "new", "add", "copy", "cp", "duplicate", "clone", "extract", "unzip", "restore"}
)
_COPY_WORDS = frozenset({"copy", "cp", "duplicate", "clone"})
#: Verbs that take a path away: their targets are checked even when they are directories.
_AWAY_WORDS = frozenset(
    {"move", "mv", "rename", "delete", "remove", "rm", "rmdir", "unlink", "trash", "erase"}
)
# File tools take paths literally: shell magic in a name (``app/[id]/page.tsx``) is just a
# character there, so it must not send the call down the slow path.
_LITERAL = str.maketrans({c: "_" for c in "*?[{$~`"})


def patch_paths(text: str) -> list[str]:
    """Every ``*** Add File:``/``Update File:``/``Delete File:``/``Move to:`` path in an
    apply_patch body. More lenient than Codex's parser (any case, any indentation), so
    that nothing Codex would apply is missed."""
    paths: list[str] = []
    for line in text.split("\n"):  # not splitlines(): a U+2028 in a name is no line end
        stripped = line.strip()
        if stripped[:4] != "*** ":
            continue
        low = stripped.lower()
        for marker in _PATCH_MARKERS:
            if low.startswith(marker):
                path = stripped[len(marker) :].strip()
                if path:
                    paths.append(path)
                break
    return paths


def shell_patch_paths(command: str) -> list[str]:
    """The files an ``apply_patch <<'EOF' ... EOF`` shell command writes. Codex applies
    such a command itself (a file change; no shell runs it), so it is checked as a patch,
    the shell analysis seeing only an unknown program with a heredoc."""
    if "*** " not in command or ("apply_patch" not in command and "applypatch" not in command):
        return []
    return patch_paths(command)


def _strings(value: object, depth: int = 0) -> list[str]:
    from review_gate.hooks.tool_names import strings

    return strings(value, depth)


def _path_values(value: object) -> list[str] | None:
    """A path key's value as paths; None when it is not a string or a list of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        found: list[str] = []
        for item in value[:256]:
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, dict):  # write_multiple_files: [{"path": ..., ...}]
                found += [v for k in _MCP_PATH_KEYS if isinstance(v := item.get(k), str)]
            else:
                return None
        return found
    return None


def _mcp_targets(tool: str, tool_input: object) -> tuple[list[str], bool] | None:
    from review_gate.hooks.tool_names import words as _words

    if not isinstance(tool_input, dict):
        return None
    words = set(_words(tool.rsplit("__", 1)[-1]))
    away = bool(words & _AWAY_WORDS)
    if words & _READ_WORDS and not away and not words & _WRITE_WORDS:
        return None  # read_file, list_directory, get_file_info: reading is not writing
    keys = _MCP_PATH_KEYS if words & _COPY_WORDS else _MCP_PATH_KEYS + _MCP_SOURCE_KEYS
    paths: list[str] = []
    for key in keys:
        if key in tool_input:
            values = _path_values(tool_input[key])
            paths += _strings(tool_input[key]) if values is None else values
    return (paths, away) if paths else None


def file_targets(tool: str, tool_input: object) -> tuple[list[str], bool] | None:
    """``(paths, away)``: what a file-writing tool call would write, or None for a tool
    that writes no file. ``away`` says the call moves or removes them (a directory then
    counts for what it holds). Input that is not the expected shape gives every string in
    it, so a protected path in a malformed call is still found."""
    low = tool.strip().lower()
    keys = FILE_TOOLS.get(low)
    if keys is None:
        return _mcp_targets(tool, tool_input) if tool.startswith("mcp__") else None
    if not isinstance(tool_input, dict):
        return _strings(tool_input), False
    if not keys:  # apply_patch: the patch is tool_input.command (Codex 0.169)
        body = next((tool_input[k] for k in ("command", "input", "patch") if k in tool_input), None)
        # Deleted and moved files count as written; a patch takes no directory away.
        return (patch_paths(body) if isinstance(body, str) else _strings(tool_input)), False
    paths = [v for k in keys if isinstance(v := tool_input.get(k), str)]
    return (paths, False) if paths else (_strings(tool_input), False)


def base_dir(data: "Mapping[str, Any]") -> str:
    """The directory relative paths are taken from: the tool's ``workdir`` within the
    session ``cwd`` (as :func:`review_gate.hooks.checkout.hook_cwd`, without its imports)."""
    cwd = data.get("cwd")
    base = cwd if isinstance(cwd, str) and cwd and "\0" not in cwd else _getcwd()
    tool_input = data.get("tool_input")
    workdir = tool_input.get("workdir") if isinstance(tool_input, dict) else None
    if isinstance(workdir, str) and workdir and "\0" not in workdir:
        return _join(base, workdir)
    return base


def writes_to_check(
    tool: str, tool_input: object, data: "Mapping[str, Any]"
) -> "tuple[list[str], bool] | None":
    """``(paths, away)`` of a file tool call (:func:`file_targets`) when one of the paths
    might be the gate's own file, so that :mod:`.file_gate` must ask git; None for a call
    that writes no file or only ordinary ones (:func:`ordinary`). Shared by the hook's
    fast path (:mod:`.fast_path`) and its full decision (:mod:`.agent`)."""
    found = file_targets(tool, tool_input)
    if found is None:
        return None
    paths, away = found
    if not paths or (not away and ordinary(paths, base_dir(data))):
        return None
    return found


# os.path's answers, from review_gate.posix_paths where it can give them without `os`.


def _getcwd() -> str:
    found = posix_paths.getcwd()
    if found is None:
        import os

        found = os.getcwd()
    return found


def _join(base: str, name: str) -> str:
    joined = posix_paths.join(base, name)
    if joined is None:
        import os

        joined = os.path.join(base, name)
    return joined


def _dirname(path: str) -> str:
    found = posix_paths.dirname(path)
    if found is None:
        import os

        found = os.path.dirname(path)
    return found


def _realpath(path: str) -> str:
    found = posix_paths.realpath(path)
    if found is None:
        import os

        found = os.path.realpath(path)
    return found


def _sep() -> str:
    if posix_paths.SEP is not None:
        return posix_paths.SEP
    import os

    return os.sep


def _install_roots() -> tuple[str, ...]:
    roots = [_join(_dirname(sys.executable), "gate")]
    known, prefix = posix_paths.environment_prefix()
    if not known:
        from review_gate.protected import environment_prefix

        prefix = environment_prefix()
    if prefix is not None:
        roots.append(prefix)
    return tuple(_realpath(r) for r in roots)


def ordinary(paths: list[str], base: str) -> bool:
    """True when none of ``paths`` can be one of the gate's own files: no protected name
    in the path as given or as it resolves (a symbolic link to a protected file is one),
    and nothing inside or around review-gate's installation. No git, no file reads."""
    installs: tuple[str, ...] | None = None
    sep = _sep()
    here = _realpath(base) + sep
    for path in paths:
        if not path or "\0" in path:
            continue  # names no file: the client refuses the call
        if path.startswith("~"):
            return False  # a tool may expand it to a home directory: the full check does
        if might_be_protected(path.translate(_LITERAL)):
            return False
        full = _realpath(_join(base, path))
        if might_be_protected(full.translate(_LITERAL)) or here.startswith(full + sep):
            return False  # (or a directory holding the checkout, and so its .git)
        installs = _install_roots() if installs is None else installs
        for root in installs:
            if full == root or full.startswith(root + sep) or root.startswith(full + sep):
                return False
    return True
