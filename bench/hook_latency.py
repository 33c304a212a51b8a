"""Latency of the PreToolUse hook as installed (README, Benchmarks).

Runs N rounds; each round runs every variant below once, in a shuffled order, so that
machine noise (the machine is shared) hits all alike. Every ratio is computed within each
round and the median over the rounds is reported, with its quartiles: a slow moment then
moves both sides of a ratio, not one. The variants are the command line ``gate install``
writes (``python -I -S .../run_hook.py pre-tool-use``):

* on a command that creates no PR and that the text pre-filter rules out — the fast path
  every agent tool call pays (goals: <= 1.0x ``python -c pass``, <= 0.6x a bash + jq hook);
* on two commands that reach the shell parser and create no PR (``gh pr view``, and the
  ``git commit -m "$(cat <<'EOF' ...)"`` form Claude Code uses for every commit; goal
  <= 2.0x ``python -c pass``);
* on a Write and a Codex ``apply_patch`` of an ordinary file (goal: the shell fast path);
* ``gate hook pre-tool-use`` through the console script, for comparison;
* ``python -c pass`` on the same interpreter, and a plain bash + jq hook that greps the
  command for "gh pr create" (skipped with a message when jq is not installed);

then the PR path: ``gh pr create`` denied in a checkout with the local tracker. With
``--src OTHER/src`` the same hook command of another checkout (an older main, say) runs in
the same rounds on the fast-path and Write inputs, for a before/after in one run.
Prints medians in milliseconds and the ratios. Usage:

    .venv/bin/python bench/hook_latency.py [--runs 100] [--gate PATH] [--src OTHER/src]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

FAST_COMMAND = "ls -la | grep -v node_modules | head -n 20 && cat README.md"
# Both reach the shell parser (the text pre-filter cannot rule them out) and create no PR:
# any `gh` command, and the commit form Claude Code uses for every commit.
PARSED_COMMAND = "gh pr view 12 --json title,state"
COMMIT_COMMAND = (
    "git commit -m \"$(cat <<'EOF'\nfeat: add the app (#7)\n\nCo-Authored-By: agent\nEOF\n)\""
)
JQ_HOOK = (
    'cmd=$(jq -r ".tool_input.command // empty"); '
    'if printf "%s" "$cmd" | grep -q "gh pr create"; then '
    'echo \'{"decision": "block"}\'; fi'
)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def payload(command: str, cwd: str, tool: str = "Bash", tool_input: object = None) -> bytes:
    return json.dumps(
        {
            "session_id": "bench",
            "transcript_path": None,
            "cwd": cwd,
            "hook_event_name": "PreToolUse",
            "permission_mode": "default",
            "tool_name": tool,
            "tool_input": tool_input or {"command": command, "description": "bench"},
            "tool_use_id": "toolu_bench",
        }
    ).encode()


def write_payload(repo: str) -> bytes:
    """Claude Code's Write of an ordinary file (the shape in tests/e2e/recordings/)."""
    content = "def main() -> None:\n    print('hello')\n" * 20
    tool_input = {"file_path": os.path.join(repo, "src", "app", "main.py"), "content": content}
    return payload("", repo, "Write", tool_input)


def patch_payload(repo: str) -> bytes:
    """Codex's apply_patch of an ordinary file."""
    body = "*** Begin Patch\n*** Update File: app.py\n@@\n-print(1)\n+print(2)\n*** End Patch\n"
    return payload("", repo, "apply_patch", {"command": body})


def timed(argv: Sequence[str], stdin: bytes, cwd: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, input=stdin, cwd=cwd, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return elapsed * 1000


def make_checkout(root: Path, gate: str, env: dict[str, str]) -> Path:
    """A repository on feature/7-x with one commit ahead and issue 7 in the local tracker."""
    repo = root / "project"
    repo.mkdir()

    def run(*argv: str) -> None:
        subprocess.run(argv, cwd=repo, env=env, check=True, capture_output=True)

    run("git", "init", "-q", "-b", "main")
    (repo / "README.md").write_text("bench\n")
    run("git", "add", "README.md")
    run("git", "commit", "-q", "-m", "init")
    run("git", "checkout", "-q", "-b", "feature/7-x")
    (repo / "app.py").write_text("print(1)\n")
    run("git", "add", "app.py")
    run("git", "commit", "-q", "-m", "feat: app")
    run(gate, "issue", "new", "--title", "bench", "--number", "7")
    return repo


def installed_argv(gate: str) -> list[str]:
    """The command line ``gate install`` writes for this gate (the fast start when it can)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from review_gate.install.hook_files import hook_command

    return shlex.split(hook_command(gate, "pre-tool-use"))


GOALS: tuple[tuple[str, str, float | None], ...] = (
    # (variant, compared with, goal ratio or None)
    ("hook: ls | grep (fast path)", "python -c pass", 1.0),
    ("hook: ls | grep (fast path)", "bash + jq grep hook", 0.6),
    ("hook: gh pr view (parsed)", "python -c pass", 2.0),
    ("hook: git commit heredoc (parsed)", "python -c pass", 2.0),
    ("hook: Write (ordinary file)", "hook: ls | grep (fast path)", 1.0),
    ("hook: apply_patch (ordinary)", "hook: ls | grep (fast path)", 1.0),
)


def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q1, _, q3 = statistics.quantiles(values, n=4)
    return q1, q3


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100, help="rounds (default 100)")
    parser.add_argument("--gate", default=str(Path(sys.executable).with_name("gate")))
    parser.add_argument("--src", help="another checkout's src/ to compare in the same rounds")
    parser.add_argument("--seed", type=int, default=14, help="seed of the order in each round")
    args = parser.parse_args(argv)
    gate = args.gate if os.path.exists(args.gate) else shutil.which("gate")
    if not gate:
        raise SystemExit("cannot find the gate console script: pass --gate")
    env = {**os.environ, **GIT_ENV}
    env = {k: v for k, v in env.items() if not k.startswith("REVIEW_GATE_")}
    hook = installed_argv(gate)
    print(f"installed hook command: {shlex.join(hook)}")
    with tempfile.TemporaryDirectory() as tmp:
        repo = str(make_checkout(Path(tmp), gate, env))
        variants = {
            "hook: ls | grep (fast path)": (hook, payload(FAST_COMMAND, repo)),
            "hook: gh pr view (parsed)": (hook, payload(PARSED_COMMAND, repo)),
            "hook: git commit heredoc (parsed)": (hook, payload(COMMIT_COMMAND, repo)),
            "hook: Write (ordinary file)": (hook, write_payload(repo)),
            "hook: apply_patch (ordinary)": (hook, patch_payload(repo)),
            "gate hook (console script)": (
                [gate, "hook", "pre-tool-use"],
                payload(FAST_COMMAND, repo),
            ),
            "python -c pass": ([sys.executable, "-c", "pass"], b""),
        }
        if shutil.which("jq"):
            variants["bash + jq grep hook"] = (["bash", "-c", JQ_HOOK], payload(FAST_COMMAND, repo))
        else:
            print("jq is not installed: the bash + jq column is skipped (apt install jq)")
        goals = list(GOALS)
        if args.src and not hook[-2].endswith("run_hook.py"):
            raise SystemExit("--src compares the fast start (run_hook.py); this gate has none")
        if args.src:
            old = [hook[0], *hook[1:-2], old_run_hook(args.src), hook[-1]]
            print(f"compared with: {shlex.join(old)}")
            variants["old hook: ls | grep (fast path)"] = (old, payload(FAST_COMMAND, repo))
            variants["old hook: Write (ordinary file)"] = (old, write_payload(repo))
            goals += [
                ("hook: ls | grep (fast path)", "old hook: ls | grep (fast path)", None),
                ("hook: Write (ordinary file)", "old hook: Write (ordinary file)", None),
                ("old hook: ls | grep (fast path)", "python -c pass", 1.0),
                ("old hook: Write (ordinary file)", "old hook: ls | grep (fast path)", 1.0),
            ]
        variants["hook: gh pr create (denied)"] = (hook, payload("gh pr create --fill", repo))
        times: dict[str, list[float]] = {name: [] for name in variants}
        order = list(variants)
        shuffle = random.Random(args.seed).shuffle
        for _ in range(3):  # warm-up: page cache, .pyc files
            for cmd, data in variants.values():
                timed(cmd, data, repo, env)
        for _ in range(args.runs):
            shuffle(order)
            for name in order:
                cmd, data = variants[name]
                times[name].append(timed(cmd, data, repo, env))
    print(
        f"{args.runs} rounds, each variant once per round in a shuffled order; "
        f"interpreter {sys.version.split()[0]}"
    )
    for name, values in times.items():
        q1, q3 = _quartiles(values)
        note = "  (local tracker)" if name.endswith("(denied)") else ""
        print(f"  {name:<34} median {statistics.median(values):7.2f} ms  [{q1:.2f}-{q3:.2f}]{note}")
    print("ratios: median over rounds of the ratio within each round [quartiles]")
    for name, other, goal in goals:
        if other not in times:
            continue
        ratios = [a / b for a, b in zip(times[name], times[other], strict=True)]
        ratio = statistics.median(ratios)
        q1, q3 = _quartiles(ratios)
        verdict = (
            ""
            if goal is None
            else f" (goal <= {goal}x) -> " + ("OK" if ratio <= goal else "OVER GOAL")
        )
        print(f"  {name} / {other} = {ratio:.2f}x [{q1:.2f}-{q3:.2f}]{verdict}")
    return 0


def old_run_hook(src: str) -> str:
    """``run_hook.py`` of another checkout's ``src/`` (byte-compiled here, as installed)."""
    import compileall

    path = Path(src).resolve() / "review_gate" / "hooks" / "run_hook.py"
    if not path.is_file():
        raise SystemExit(f"no {path}: pass the src/ directory of a review-gate checkout")
    compileall.compile_dir(str(path.parent.parent), quiet=2)
    return str(path)


if __name__ == "__main__":
    sys.exit(main())
