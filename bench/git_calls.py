"""Benchmark: how many git subprocesses each gate surface runs for one decision.

The front door builds one request of what is gated (issues, head, base, changed files,
trusted configuration, tracker) with one batch of git questions; every surface then only
evaluates and reports. This counts the ``git`` processes each surface starts, through a
``git`` wrapper put first on ``PATH`` that logs its argv and runs the real git:

- ``gate check --pr N`` against the GitHub stand-in (tests/github_standin.py),
- the PreToolUse hook denying ``gh pr create --body "Closes #N"`` in a worker checkout,
- the pre-push hook refusing a worker branch with no review.

``--src DIR`` runs another source tree (e.g. a checkout of an older commit's ``src``)
with this interpreter, to compare before and after in one run::

    .venv/bin/python bench/git_calls.py [--src /tmp/old/src] [--format json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.github_standin import GitHubStandIn  # noqa: E402
from tests.helpers import commit_file, git, init_repo_with_remote  # noqa: E402

ISSUE = 7
PR = 9


def _wrapper(bindir: Path, log: Path) -> None:
    real = shutil.which("git")
    assert real, "git is not on PATH"
    script = bindir / "git"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _run(
    argv: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path, stdin: str | None = None
) -> tuple[int, list[str]]:
    log.write_text("")
    proc = subprocess.run(
        argv, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    calls = [line for line in log.read_text().splitlines() if line]
    return proc.returncode, calls


def measure(src: Path | None) -> dict[str, dict[str, object]]:
    """``{surface: {"exit": code, "git": count, "calls": [...]}}``."""
    with tempfile.TemporaryDirectory() as tmp, GitHubStandIn() as gh:
        base = Path(tmp)
        repo, _ = init_repo_with_remote(base)
        config = f"tracker = 'github'\nrepo = '{gh.full_name}'\n"
        if src is None:  # trees before the api_url key would refuse it as unknown
            config += f"api_url = '{gh.url}'\n"
        commit_file(repo, ".review-gate.toml", config, "chore: review-gate configuration")
        git(repo, "push", "-q", "origin", "main")
        git(repo, "switch", "-q", "-c", "feature/7-thing")
        head = commit_file(repo, "src/thing.py", "x = 1\n", "feat: thing (#7)")
        gh.add_issue(ISSUE, "Thing")
        gh.add_pull(PR, head_ref="feature/7-thing", head_sha=head, body="Closes #7")
        bindir = base / "bin"
        bindir.mkdir()
        log = base / "git.log"
        _wrapper(bindir, log)
        env = {
            **os.environ,
            "GITHUB_API_URL": gh.url,
            "GH_TOKEN": gh.token,
            "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        for key in [k for k in env if k.startswith("REVIEW_GATE_")]:
            del env[key]
        if src is not None:
            env["PYTHONPATH"] = str(src)
        python = sys.executable
        gate = [python, "-c", "from review_gate._entry import main; raise SystemExit(main())"]
        results: dict[str, dict[str, object]] = {}
        code, calls = _run([*gate, "check", "--pr", str(PR)], cwd=repo, env=env, log=log)
        results["gate check --pr"] = {"exit": code, "git": len(calls), "calls": calls}
        hook_input = json.dumps(
            {
                "session_id": "bench",
                "hook_event_name": "PreToolUse",
                "cwd": str(repo),
                "tool_name": "Bash",
                "tool_input": {"command": 'gh pr create --title t --body "Closes #7"'},
            }
        )
        code, calls = _run(
            [*gate, "hook", "pre-tool-use"], cwd=repo, env=env, log=log, stdin=hook_input
        )
        results["PreToolUse deny"] = {"exit": code, "git": len(calls), "calls": calls}
        pre_push = [
            python,
            "-c",
            "from review_gate.hooks import pre_push as p; raise SystemExit(p.pre_push_main())"
            if (src or ROOT / "src").joinpath("review_gate/hooks/pre_push.py").exists()
            else "from review_gate.hooks import git as p; raise SystemExit(p.pre_push_main())",
            "origin",
            "unused",
        ]
        line = f"refs/heads/feature/7-thing {head} refs/heads/feature/7-thing {'0' * 40}\n"
        code, calls = _run(pre_push, cwd=repo, env=env, log=log, stdin=line)
        results["pre-push refusal"] = {"exit": code, "git": len(calls), "calls": calls}
        return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, help="another source tree to measure (PYTHONPATH)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    ns = parser.parse_args(argv)
    results = measure(ns.src.resolve() if ns.src else None)
    if ns.format == "json":
        print(json.dumps(results, indent=2))
        return 0
    for surface, result in results.items():
        print(f"{surface:20} exit {result['exit']}  git subprocesses: {result['git']}")
        for call in result["calls"]:  # type: ignore[attr-defined]
            print(f"    git {call}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
