"""What the dispatcher benchmarks share: the environment their repositories and `gate`
subprocesses run in (fixed git identity, no system git config, no REVIEW_GATE_* from the
caller), the `gate` command line that runs this interpreter's package, `sh`, and a repository
with a bare `origin`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}
for _key in [k for k in ENV if k.startswith("REVIEW_GATE_")]:
    del ENV[_key]
GATE = [sys.executable, "-c", "from review_gate._entry import main; raise SystemExit(main())"]


def sh(cwd: Path, *cmd: str) -> str:
    return subprocess.run(cmd, cwd=cwd, env=ENV, check=True, capture_output=True, text=True).stdout


def project_with_origin(root: Path) -> Path:
    """``root/project``, one commit on ``main``, pushed to the bare ``root/project.git``
    set as its ``origin``."""
    sh(root, "git", "init", "-q", "--bare", "-b", "main", "project.git")
    repo = root / "project"
    repo.mkdir()
    sh(repo, "git", "init", "-q", "-b", "main")
    (repo / "README.md").write_text("bench\n")
    sh(repo, "git", "add", "README.md")
    sh(repo, "git", "commit", "-q", "-m", "chore: init")
    sh(repo, "git", "remote", "add", "origin", str(root / "project.git"))
    sh(repo, "git", "push", "-q", "-u", "origin", "main")
    return repo
