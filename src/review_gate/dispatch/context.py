"""What every dispatcher command needs: the repository, configuration, tracker, state dir."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from review_gate import git
from review_gate.config import Config
from review_gate.config import load as load_config
from review_gate.errors import GateError
from review_gate.gates.common import TrustPolicy
from review_gate.trackers.base import Tracker


@dataclasses.dataclass(frozen=True)
class Context:
    main: Path  # the repository's main checkout (worktrees go beside it)
    config: Config
    tracker: Tracker
    state: Path  # <git-common-dir>/review-gate
    host: str
    trusted: TrustPolicy

    @property
    def repo(self) -> str | None:
        """``owner/name`` when known (config, or a GitHub-style origin)."""
        from review_gate.target.tracker import repo_name

        known = repo_name(self.config, self.tracker)
        if known is not None:
            return known
        try:
            return git.repo_from_remote_url(git.remote_url("origin", self.main))
        except GateError:
            return None


def hostname() -> str:
    return socket.gethostname() or "localhost"


def open_context(
    cwd: Path, overrides: Mapping[str, Any] | None = None, tracker: Tracker | None = None
) -> Context:
    """Resolve the repository at ``cwd`` (a main checkout or any of its worktrees)."""
    from review_gate.dispatch.worktree import main_worktree
    from review_gate.target.tracker import open_tracker

    git.toplevel(cwd)  # a clear error outside a git checkout
    main = main_worktree(Path(cwd))
    config = load_config(main, overrides)
    return Context(
        main=main,
        config=config,
        tracker=tracker if tracker is not None else open_tracker(config, cwd=main),
        state=git.state_dir(main),
        host=hostname(),
        # WORKER claims and the workers' own reports; outcomes use config.trust per kind.
        trusted=config.trust.worker,
    )
