"""The one subprocess wrapper: run a command, get (rc, stdout, stderr)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from review_gate.errors import CalledProcessError, GateError


def run_bytes(
    *cmd: str,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    timeout: float | None = 60,
) -> tuple[int, bytes, bytes]:
    """Run ``cmd`` (an argv, never a shell string) and return ``(rc, stdout, stderr)`` as
    bytes, for output that must be read byte for byte (``git cat-file --batch``). A
    missing executable or working directory, or a timeout, raises :class:`GateError`
    with a one-line message."""
    try:
        proc = subprocess.run(
            cmd,
            cwd=os.fspath(cwd) if cwd is not None else None,
            env=dict(env) if env is not None else None,
            input=stdin,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (FileNotFoundError, NotADirectoryError) as exc:
        # subprocess reports a missing working directory like a missing program.
        if cwd is not None and not os.path.isdir(cwd):
            what = "not a directory" if os.path.exists(cwd) else "no such directory"
            raise GateError(f"{cwd}: {what}") from exc
        raise GateError(f"command not found: {cmd[0]}") from exc
    except subprocess.TimeoutExpired as exc:
        raise GateError(f"command {' '.join(cmd)!r} timed out after {timeout}s") from exc
    return proc.returncode, proc.stdout, proc.stderr


def run(
    *cmd: str,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    stdin: str | None = None,
    timeout: float | None = 60,
) -> tuple[int, str, str]:
    """:func:`run_bytes` with text in and out (UTF-8, undecodable bytes replaced).

    With ``check`` a non-zero exit raises :class:`CalledProcessError` naming the
    command, its code and its output.
    """
    rc, raw_out, raw_err = run_bytes(
        *cmd,
        cwd=cwd,
        env=env,
        stdin=stdin.encode("utf-8", "surrogateescape") if stdin is not None else None,
        timeout=timeout,
    )
    out, err = _text(raw_out), _text(raw_err)
    if check and rc != 0:
        raise CalledProcessError(cmd, rc, out, err)
    return rc, out, err


def _text(raw: bytes) -> str:
    # What text-mode pipes give: UTF-8 (undecodable bytes replaced), universal newlines.
    return raw.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
