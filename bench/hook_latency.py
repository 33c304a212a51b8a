"""Latency of the PreToolUse hook as installed (README, Benchmarks).

Runs, alternating so that machine noise hits all alike, N times each, the command line
``gate install`` writes (``python -I -S .../run_hook.py pre-tool-use``):

* on a command that creates no PR and that the text pre-filter rules out — the fast path
  every agent tool call pays (goals: <= 1.0x ``python -c pass``, <= 0.6x a bash + jq hook);
* on two commands that reach the shell parser and create no PR (``gh pr view``, and the
  ``git commit -m "$(cat <<'EOF' ...)"`` form Claude Code uses for every commit; goal
  <= 2.0x ``python -c pass``);
* on a Write and a Codex ``apply_patch`` of an ordinary file (goal: the shell fast path);
* ``gate hook pre-tool-use`` through the console script, for comparison;
* ``python -c pass`` on the same interpreter, and a plain bash + jq hook that greps the
  command for "gh pr create" (skipped with a message when jq is not installed);

then the PR path: ``gh pr create`` denied in a checkout with the local tracker.
Prints medians in milliseconds and the ratios. Usage:

    .venv/bin/python bench/hook_latency.py [--runs 40] [--gate PATH]
"""

from __future__ import annotations

import argparse
import json
import os
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


GOALS = (
    # (variant, compared with, goal ratio)
    ("hook: ls | grep (fast path)", "python -c pass", 1.0),
    ("hook: ls | grep (fast path)", "bash + jq grep hook", 0.6),
    ("hook: gh pr view (parsed)", "python -c pass", 2.0),
    ("hook: git commit heredoc (parsed)", "python -c pass", 2.0),
    ("hook: Write (ordinary file)", "hook: ls | grep (fast path)", 1.0),
    ("hook: apply_patch (ordinary)", "hook: ls | grep (fast path)", 1.0),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--gate", default=str(Path(sys.executable).with_name("gate")))
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
        pr_variant = (hook, payload("gh pr create --fill", repo))
        times: dict[str, list[float]] = {name: [] for name in variants}
        pr_times: list[float] = []
        for cmd, data in variants.values():  # warm-up: page cache, .pyc files
            timed(cmd, data, repo, env)
        timed(pr_variant[0], pr_variant[1], repo, env)
        for _ in range(args.runs):
            for name, (cmd, data) in variants.items():
                times[name].append(timed(cmd, data, repo, env))
            pr_times.append(timed(pr_variant[0], pr_variant[1], repo, env))
    print(f"runs per variant: {args.runs} (alternating), interpreter {sys.version.split()[0]}")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"  {name:<34} median {value:7.1f} ms  (min {min(times[name]):6.1f})")
    print(
        f"  {'hook: gh pr create (denied)':<34} median {statistics.median(pr_times):7.1f} ms"
        "  (local tracker)"
    )
    for name, other, goal in GOALS:
        if other not in medians:
            continue
        ratio = medians[name] / medians[other]
        verdict = "OK" if ratio <= goal else "OVER GOAL"
        print(f"{name} / {other} = {ratio:.2f}x (goal <= {goal}x) -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
