"""Cost of review-gate's pre-push hook on a clean push (a benchmark, not a test).

Two identical repositories, each with a local bare remote; one has the hooks of
`gate install git`. Each round commits to ``feature/7-bench`` in both, posts a
passing REVIEW of that commit to the local tracker of the gated one, and times
``git push`` in each, and ``python -c pass`` (this interpreter) beside them. Prints
the medians, the hook's added cost, and that cost as a multiple of ``python -c pass``
(the budget: 8x).

    .venv/bin/python bench/prepush.py [-n 15] [--mode direct|pre-commit] [--src OTHER/src]

``--mode pre-commit`` adopts the hooks through pre-commit from a snapshot of this
checkout (the first run builds pre-commit's environment, outside the timing).
``--src`` (direct mode) also pushes a third repository whose hook imports another
checkout's package (e.g. a worktree of an older commit), side by side.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_env import ENV  # noqa: E402  (bench/ is the script's directory)

from tests import artifact_samples  # noqa: E402

BIN = Path(sys.executable).parent

BRANCH = "feature/7-bench"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ("git", *args), cwd=cwd, env=ENV, capture_output=True, text=True, check=True
    ).stdout


def make_repo(base: Path, name: str) -> Path:
    bare = base / f"{name}.git"
    repo = base / name
    git(base, "init", "-q", "--bare", "-b", "main", str(bare))
    git(base, "init", "-q", "-b", "main", str(repo))
    (repo / "README.md").write_text("bench\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "chore: init (#1)")
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "-b", BRANCH)
    return repo


def snapshot(base: Path) -> tuple[Path, str]:
    out = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    snap = base / "review-gate-snapshot"
    for rel in out.split("\0"):
        keep = rel in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml") or (
            rel.startswith("src/") and "egg-info" not in rel and "__pycache__" not in rel
        )
        if keep and (ROOT / rel).is_file():
            (snap / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, snap / rel)
    git(snap, "init", "-q", "-b", "main")
    git(snap, "add", "-A")
    git(snap, "commit", "-q", "-m", "snapshot")
    return snap, git(snap, "rev-parse", "HEAD").strip()


def install(repo: Path, mode: str, base: Path) -> None:
    if mode == "pre-commit":
        snap, rev = snapshot(base)
        (repo / ".pre-commit-config.yaml").write_text(
            f"repos:\n-   repo: {snap}\n    rev: {rev}\n    hooks:\n"
            "    -   id: review-gate-pre-push\n    -   id: review-gate-commit-msg\n"
        )
        git(repo, "add", ".pre-commit-config.yaml")
        git(repo, "commit", "-q", "-m", "chore: adopt review-gate (#7)")
    subprocess.run(
        (str(BIN / "gate"), "install", "git", "--mode", mode), cwd=repo, env=ENV, check=True
    )
    if mode == "pre-commit":
        subprocess.run(
            (sys.executable, "-m", "pre_commit", "install-hooks"), cwd=repo, env=ENV, check=True
        )


def _children_cpu() -> float:
    # CPU seconds of every finished descendant (git waits for its hook, the hook for
    # its git processes): steadier than wall clock on a shared machine.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_push(repo: Path, src: Path | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one ``git push`` (its hook importing from ``src``)."""
    env = ENV if src is None else {**ENV, "PYTHONPATH": str(src)}
    cpu, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(
        ("git", "push", "-q", "origin", BRANCH), cwd=repo, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"push failed in {repo}:\n{proc.stderr}")
    return elapsed, _children_cpu() - cpu


def timed_python() -> tuple[float, float]:
    """(wall, CPU) seconds of ``python -c pass``."""
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run((sys.executable, "-c", "pass"), env=ENV, check=True)
    return time.perf_counter() - start, _children_cpu() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=15, help="rounds (default 15)")
    parser.add_argument("--mode", choices=("direct", "pre-commit"), default="direct")
    parser.add_argument("--src", type=Path, help="another checkout's src directory")
    args = parser.parse_args(argv)
    if args.src is not None and (args.mode != "direct" or not (args.src / "review_gate").is_dir()):
        print(
            "error: --src takes a src directory holding review_gate, in direct mode",
            file=sys.stderr,
        )
        return 2

    from review_gate.trackers.local import LocalTracker

    with tempfile.TemporaryDirectory(prefix="rg-bench-") as tmp:
        base = Path(tmp)
        ENV["HOME"] = str(base)
        ENV["PRE_COMMIT_HOME"] = str(base / "pre-commit-home")
        plain = make_repo(base, "plain")
        gated = {"this tree": (make_repo(base, "gated"), None)}
        if args.src is not None:
            gated["--src tree"] = (make_repo(base, "gated-src"), args.src)
        trackers = {}
        for name, (repo, _) in gated.items():
            install(repo, args.mode, base)
            trackers[name] = LocalTracker.for_checkout(repo)
            trackers[name].create_issue("bench", number=7)
        without: list[tuple[float, float]] = []
        python: list[tuple[float, float]] = []
        with_hook: dict[str, list[tuple[float, float]]] = {name: [] for name in gated}
        for i in range(args.n):
            for repo in (plain, *(r for r, _ in gated.values())):
                (repo / "f.txt").write_text(f"{i}\n")
                git(repo, "add", "f.txt")
                git(repo, "commit", "-q", "-m", f"feat: round {i} (#7)")
            for name, (repo, _) in gated.items():
                sha = git(repo, "rev-parse", "HEAD").strip()
                trackers[name].post_comment(7, artifact_samples.review(7, commit=sha))
            without.append(timed_push(plain))
            for name, (repo, src) in gated.items():
                with_hook[name].append(timed_push(repo, src))
            python.append(timed_python())
        print(f"git push, median of {args.n} (local bare remote, local tracker, passing review)")
        for label, index in (("wall clock", 0), ("CPU time", 1)):
            bare = statistics.median(t[index] for t in without) * 1000
            bare_python = statistics.median(t[index] for t in python) * 1000
            print(
                f"  {label}: push without hook {bare:6.1f} ms; python -c pass {bare_python:5.1f} ms"
            )
            for name, times in with_hook.items():
                hooked = statistics.median(t[index] for t in times) * 1000
                print(
                    f"    {name:>10} ({args.mode}): {hooked:6.1f} ms, hook +{hooked - bare:.1f} ms "
                    f"= {(hooked - bare) / bare_python:.1f}x python -c pass"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
