"""The agent hook's modules as bytecode: compiled at install, checked by ``gate doctor``.

The PreToolUse hook starts a fresh interpreter on every tool call; without up-to-date
``.pyc`` files beside its modules Python compiles them from source each time (a quarter
more on the fast path, half more on the deny path), and where ``__pycache__`` cannot be
written it never stops doing so. ``gate install claude|codex`` compiles the package;
:func:`finding` tells ``gate doctor`` whether the fast path's modules are compiled.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent

#: What ``gate hook pre-tool-use`` imports before it knows a call cannot matter (the
#: fast path, then the full decision).
FAST_PATH = (
    "__init__.py",
    "hooks/__init__.py",
    "hooks/fast_path.py",
    "hooks/agent.py",
    "hooks/hook_input.py",
    "hooks/tool_names.py",
    "hooks/file_targets.py",
    "posix_paths.py",
    "protected_names.py",
    "protected.py",
    "shell/__init__.py",
    "shell/prefilter.py",
)


def compile_package() -> str | None:
    """Byte-compile the package; a note when some module could not be written, else None."""
    import compileall

    try:
        ok = compileall.compile_dir(str(PACKAGE), quiet=2, workers=1)
    except OSError as exc:
        ok, why = False, str(exc)
    else:
        why = ""
    if ok and not stale():
        return None
    return (
        f"could not byte-compile {PACKAGE}{f' ({why})' if why else ''}: the hooks work, but "
        "every tool call compiles them again; `gate doctor` shows which modules"
    )


def stale(package: Path = PACKAGE) -> list[str]:
    """The fast path's modules whose ``.pyc`` is missing or older than the source."""
    found: list[str] = []
    for name in FAST_PATH:
        source = package / name
        try:
            cached = Path(importlib.util.cache_from_source(str(source)))
            header = cached.read_bytes()[:16]
            stat = os.stat(source)
        except (OSError, NotImplementedError, ValueError):
            found.append(name)
            continue
        mtime = int.from_bytes(header[8:12], "little")
        size = int.from_bytes(header[12:16], "little")
        checked_hash = int.from_bytes(header[4:8], "little") & 1
        if not checked_hash and (
            mtime != int(stat.st_mtime) & 0xFFFFFFFF or size != stat.st_size & 0xFFFFFFFF
        ):
            found.append(name)
    return found


def finding() -> tuple[bool, str, str | None]:
    """``(ok, message, fix)`` for ``gate doctor``."""
    missing = stale()
    if not missing:
        return True, "the agent hook's modules are byte-compiled", None
    return (
        False,
        f"the agent hook's modules are not byte-compiled ({', '.join(missing)}): every tool "
        "call compiles them again (slower hooks)",
        f"python -m compileall {PACKAGE} (as a user who can write there), or re-run "
        "`gate install claude|codex`",
    )
