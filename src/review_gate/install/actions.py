"""``gate install actions``: the worker workflow in ``.github/workflows``.

The workflow ships in the package (``review_gate/workflows/review-gate-worker.yml``).
The installed file starts with one header line carrying the sha256 of the rest, so a
later install can tell a copy nobody edited (replaced by the current workflow: an
upgrade) from one edited by hand (left alone unless ``force``, and then kept beside it
as ``.orig``). ``check`` changes nothing and reports drift.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from review_gate import git
from review_gate.errors import Refused

WORKFLOW = "review-gate-worker.yml"
TARGET = Path(".github") / "workflows" / WORKFLOW
_HEADER = re.compile(r"# Installed by `gate install actions`; sha256 ([0-9a-f]{64})\n")


def shipped() -> str:
    """The workflow as this version of review-gate ships it."""
    return (resources.files("review_gate") / "workflows" / WORKFLOW).read_text(encoding="utf-8")


def rendered(body: str | None = None) -> str:
    """What ``gate install actions`` writes: the header line, then the workflow."""
    text = shipped() if body is None else body
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"# Installed by `gate install actions`; sha256 {digest}\n{text}"


def pristine(text: str) -> bool:
    """Whether an installed file is exactly as some `gate install actions` wrote it."""
    match = _HEADER.match(text)
    if match is None:
        return False
    rest = text[match.end() :]
    return hashlib.sha256(rest.encode("utf-8")).hexdigest() == match.group(1)


class ActionsResult(NamedTuple):
    path: str
    state: str  # installed | updated | unchanged | replaced | missing | drift
    ok: bool  # False: --check found drift (or nothing installed)
    diff: str  # unified diff installed -> shipped, when they differ
    backup: str | None  # the hand-edited copy kept by --force

    def to_json(self) -> dict[str, Any]:
        return self._asdict()


def _diff(old: str, new: str, path: Path) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        f"{path} (installed)",
        f"{path} (review-gate's)",
    )
    return "".join(lines)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def install(cwd: Path, *, check: bool = False, force: bool = False) -> ActionsResult:
    """Write (or with ``check`` only compare) ``.github/workflows/review-gate-worker.yml``."""
    path = git.toplevel(cwd) / TARGET
    wanted = rendered()
    try:
        current: str | None = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = None
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused(f"cannot read {path}: {exc}") from None
    if current == wanted:
        return ActionsResult(str(path), "unchanged", True, "", None)
    diff = _diff(current or "", wanted, TARGET)
    if check:
        state = "missing" if current is None else "drift"
        return ActionsResult(str(path), state, False, diff, None)
    if current is None:
        _write(path, wanted)
        return ActionsResult(str(path), "installed", True, diff, None)
    if pristine(current):
        _write(path, wanted)
        return ActionsResult(str(path), "updated", True, diff, None)
    if not force:
        raise Refused(
            f"{path} was edited by hand (or not written by `gate install actions`); "
            "leaving it alone",
            hint="see the differences with `gate install actions --check`; --force "
            "replaces it and keeps your copy as .orig",
        )
    backup = path.with_name(path.name + ".orig")
    _write(backup, current)
    _write(path, wanted)
    return ActionsResult(str(path), "replaced", True, diff, str(backup))
