"""How a WORKER claim names a worker that runs in GitHub Actions.

The claim keeps the fields of the WORKER schema (src/review_gate/schemas/worker.schema.json
allows no others): ``host`` is ``github-actions`` and ``worktree`` — where the worker's
work happens — is the run's web address once known
(``https://github.com/OWNER/REPO/actions/runs/RUN_ID``), before that
``github-actions:<workflow file>`` (dispatched, run not yet known).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REMOTE_HOST = "github-actions"
_RUN = re.compile(r"/actions/runs/([0-9]{1,20})/?$")


def pending_location(workflow: str) -> str:
    return f"{REMOTE_HOST}:{workflow}"


def run_location(environ: Mapping[str, str]) -> str | None:
    """The web address of the Actions run this process is part of (None outside one)."""
    run_id = environ.get("GITHUB_RUN_ID", "")
    repo = environ.get("GITHUB_REPOSITORY", "")
    if not run_id.isdigit() or not repo:
        return None
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    return f"{server}/{repo}/actions/runs/{run_id}"


def run_id_of(data: Mapping[str, Any]) -> int | None:
    """The run id a claim records (in its ``worktree``), None when none is known."""
    location = data.get("worktree")
    if not isinstance(location, str):
        return None
    match = _RUN.search(location)
    return int(match.group(1)) if match else None


def is_remote(data: Mapping[str, Any]) -> bool:
    return data.get("host") == REMOTE_HOST
