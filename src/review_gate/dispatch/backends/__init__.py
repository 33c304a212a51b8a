"""Where workers run, looked up by name (``--backend`` / ``dispatch_backend``).

``local`` (default): a process in a worktree beside the repository. ``github-actions``:
one workflow run per worker (docs/dispatch.md, "Scaling out"). Each name maps to a
``module:Class`` loaded on first use, so choosing ``local`` never imports PyGithub.
"""

from __future__ import annotations

import importlib

from review_gate.dispatch.backends.base import Backend
from review_gate.dispatch.context import Context
from review_gate.errors import UsageError

BACKENDS: dict[str, str] = {
    "local": "review_gate.dispatch.backends.local:LocalBackend",
    "github-actions": "review_gate.dispatch.backends.actions:ActionsBackend",
}
DEFAULT = "local"


def open_backend(ctx: Context, name: str | None = None) -> Backend:
    """The backend called ``name`` (default: the ``dispatch_backend`` setting)."""
    chosen = name or ctx.config.dispatch_backend or DEFAULT
    target = BACKENDS.get(chosen)
    if target is None:
        raise UsageError(
            f"unknown dispatch backend {chosen!r}",
            hint=f"known backends: {', '.join(BACKENDS)}",
        )
    module_name, attr = target.split(":")
    backend: Backend = getattr(importlib.import_module(module_name), attr)(ctx)
    return backend
