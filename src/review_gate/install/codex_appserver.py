"""Codex's own account of its hooks: ``codex app-server``'s ``hooks/list`` and
``config/batchWrite`` JSON-RPC methods (stdio, one JSON object per line).

This is the supported way to learn whether Codex trusts a hook and to trust it: Codex
computes each hook's ``currentHash`` itself (for a plugin's hooks that hash also covers
the plugin, so no outside recipe can produce it), and writing ``hooks.state."<key>"``
through Codex's own config writer keeps its file format. review-gate's own copy of the
hash recipe (:mod:`.codex_trust`) is only the fallback for a Codex without these methods.

The session is interactive: the app-server drops requests still pending when its stdin
closes, so each request is written and its answer read before the next one.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

from review_gate import __version__
from review_gate.errors import CodexAppServerUnavailable

#: Seconds for a whole session (start, initialize, every request): `gate install` and
#: `gate doctor` must not hang on a Codex that does not answer.
SESSION_TIMEOUT = 30.0


Unavailable = CodexAppServerUnavailable


class ListedHook(NamedTuple):
    """One hook as ``hooks/list`` reports it."""

    key: str  # the trust key: "<hooks file>:<event>:<group>:<handler>" or "<plugin>:..."
    event: str  # camelCase: "preToolUse", "stop"
    command: str
    source: str  # "user", "project", "plugin", ...
    source_path: str
    plugin_id: str | None
    current_hash: str
    trust_status: str  # "trusted", "untrusted", "modified", "managed"

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> ListedHook:
        return cls(
            key=str(item["key"]),
            event=str(item.get("eventName", "")),
            command=str(item.get("command") or ""),
            source=str(item.get("source", "")),
            source_path=str(item.get("sourcePath", "")),
            plugin_id=item.get("pluginId") if isinstance(item.get("pluginId"), str) else None,
            current_hash=str(item["currentHash"]),
            trust_status=str(item.get("trustStatus", "")),
        )


def codex_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """``[codex]``, or Unavailable when there is no Codex CLI to ask."""
    binary = codex_binary(environ)
    if binary is None:
        raise Unavailable("no codex on PATH (or $REVIEW_GATE_CODEX)")
    return [binary]


def codex_binary(environ: Mapping[str, str] | None = None) -> str | None:
    """The Codex CLI the user runs: ``$REVIEW_GATE_CODEX`` (as for `gate dispatch`), else
    ``codex`` on PATH; None when there is none."""
    env = os.environ if environ is None else environ
    explicit = env.get("REVIEW_GATE_CODEX")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else shutil.which(explicit)
    return shutil.which("codex", path=env.get("PATH"))


class _Session:
    """A running ``codex app-server`` and its request ids."""

    def __init__(self, codex: Sequence[str], cwd: Path, environ: Mapping[str, str] | None) -> None:
        self.deadline = time.monotonic() + SESSION_TIMEOUT
        try:
            self.proc = subprocess.Popen(
                (*codex, "app-server"),
                cwd=cwd,
                env=dict(environ) if environ is not None else None,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise Unavailable(f"cannot start `{codex[0]} app-server`: {exc.strerror}") from None
        self.ids = 0
        self.buffer = b""

    def _write(self, message: Mapping[str, Any]) -> None:
        stdin: IO[bytes] | None = self.proc.stdin
        assert stdin is not None
        try:
            stdin.write(json.dumps({"jsonrpc": "2.0", **message}).encode() + b"\n")
            stdin.flush()
        except OSError:
            raise Unavailable("codex app-server exited early") from None

    def _read_line(self) -> bytes:
        stdout = self.proc.stdout
        assert stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                left = self.deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise Unavailable(f"codex app-server did not answer in {SESSION_TIMEOUT:g}s")
                chunk = os.read(stdout.fileno(), 65536)
                if not chunk:
                    raise Unavailable("codex app-server exited without answering")
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def request(self, method: str, params: Mapping[str, Any]) -> Any:
        self.ids += 1
        self._write({"id": self.ids, "method": method, "params": dict(params)})
        while True:
            try:
                message = json.loads(self._read_line())
            except ValueError:
                continue  # not a protocol line
            if not isinstance(message, dict) or message.get("id") != self.ids:
                continue  # a notification
            if "error" in message:
                error = message["error"]
                text = error.get("message") if isinstance(error, dict) else error
                raise Unavailable(f"codex app-server {method}: {text}")
            return message.get("result")

    def notify(self, method: str) -> None:
        self._write({"method": method})

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _session(codex: Sequence[str], cwd: Path, environ: Mapping[str, str] | None) -> _Session:
    session = _Session(codex, cwd, environ)
    try:
        session.request(
            "initialize", {"clientInfo": {"name": "review-gate", "version": __version__}}
        )
        session.notify("initialized")
    except Unavailable:
        session.close()
        raise
    return session


def _list(session: _Session, cwd: Path) -> list[ListedHook]:
    result = session.request("hooks/list", {"cwds": [str(cwd)]})
    try:
        return [ListedHook.from_json(h) for entry in result["data"] for h in entry["hooks"]]
    except (KeyError, TypeError) as exc:
        raise Unavailable(f"codex app-server hooks/list: unexpected answer ({exc})") from None


def list_hooks(
    codex: Sequence[str], cwd: Path, *, environ: Mapping[str, str] | None = None
) -> list[ListedHook]:
    """Every hook Codex would load for ``cwd``, with its trust status (``hooks/list``).

    ``codex`` is the program and any leading arguments (``-c`` overrides)."""
    session = _session(codex, cwd, environ)
    try:
        return _list(session, cwd)
    finally:
        session.close()


def trust_hooks(
    codex: Sequence[str],
    cwd: Path,
    hooks: Sequence[ListedHook],
    config_toml: Path,
    *,
    environ: Mapping[str, str] | None = None,
) -> list[ListedHook]:
    """Record ``hooks`` as trusted (their ``currentHash``) in ``config_toml`` through
    ``config/batchWrite``; returns the hooks as Codex lists them afterwards."""
    session = _session(codex, cwd, environ)
    try:
        edits = [
            {
                "keyPath": f"hooks.state.{json.dumps(h.key)}.trusted_hash",
                "mergeStrategy": "upsert",
                "value": h.current_hash,
            }
            for h in hooks
        ]
        if edits:
            session.request("config/batchWrite", {"edits": edits, "filePath": str(config_toml)})
        return _list(session, cwd)
    finally:
        session.close()
