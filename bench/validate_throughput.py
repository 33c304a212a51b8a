"""Benchmark: REVIEW artifacts extracted + validated per second, in one process.

A realistic corpus: 1,000 issue comments, each a REVIEW block in the
comprehensive-review format with surrounding prose, and varied the way real agents
vary it (emoji or not, backticks, separator widths, "None." sections, extra
sections and prose, a Commit row or not, 0-6 fixed and 0-3 deferred findings,
tables without a # column). The budget is >= 1,000 artifacts/s.

    .venv/bin/python bench/validate_throughput.py [--comments 1000] [--rounds 5] [--src OTHER/src]

With ``--src`` (the ``src`` directory of another checkout, e.g. a worktree of an
older commit: ``git worktree add --detach ../before HEAD``) both trees validate the
same corpora, each in a process of its own, rounds alternating, and the ratio of
their rates is printed. Rates are per CPU second of the validating process (the
steadier figure on a shared machine); wall clock is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
OWN_SRC = HERE.parent.parent / "src"

CRITERIA = (
    "Blindspots",
    "Clarity",
    "Maintainability",
    "Security",
    "Performance",
    "Documentation",
    "Style",
)
PROSE = [
    "I went through the whole diff, including the tests and the migration.",
    "Ran the suite locally: `pytest -q` is green, `ruff check` is clean.",
    "Most of the changes are mechanical renames; the parser change needed a closer look.",
    "Thanks for splitting the refactor into its own commit, it made this much easier.",
    "One note for later: the cache layer could use a property-based test.",
]
SEVERITY = ["Low", "Minor", "Medium", "High", "Critical", "🟡 Medium", "**High**"]


def _sep(rng: random.Random, n: int) -> str:
    width = rng.choice([3, 1, 10])
    return "|" + "|".join("-" * rng.randint(1, width) for _ in range(n)) + "|"


def _comment(rng: random.Random, i: int) -> str:
    issue = rng.randint(1, 5000)
    emoji = rng.random() < 0.7
    fixed = [
        # Findings are unique text in real reviews (unlike the criteria rows).
        (
            rng.choice(SEVERITY),
            f"Finding {k} in `pkg/module_{i}_{k}.py`",
            f"Fixed in {rng.getrandbits(28):07x}",
        )
        for k in range(rng.randint(0, 6))
    ]
    deferred = [
        (rng.choice(SEVERITY), f"Deferred item {i}.{k}", f"#{issue + k + 1}", f"Design {i}.{k}")
        for k in range(rng.randint(0, 3))
    ]
    out = [rng.choice(PROSE), ""]
    if rng.random() < 0.3:
        out += ["Checked:", "- [x] tests", "- [x] docs", "- [ ] benchmarks (not needed)", ""]
    out += [
        "<!-- REVIEW:START -->",
        "## Code Review Complete",
        "",
        "| Property | Value |",
        _sep(rng, 2),
        f"| Worker | `worker-{1_700_000_000 + i}-{issue}` |",
        f"| Issue | #{issue} |",
        f"| Scope | {rng.choice(['MINOR', 'MAJOR'])} |",
        f"| Security-Sensitive | {rng.choice(['YES', 'NO'])} |",
        f"| Reviewed | 2026-11-{rng.randint(10, 28)}T{rng.randint(10, 23)}:00:00Z |",
    ]
    if rng.random() < 0.5:
        out.append(f"| Commit | `{rng.getrandbits(160):040x}` |")
    out += ["", "### Criteria Results", "", "| # | Criterion | Status | Findings |", _sep(rng, 4)]
    for n, name in enumerate(CRITERIA, 1):
        if n == 2 and fixed:
            status, count = "✅ FIXED" if emoji else "FIXED", len(fixed)
        elif n == 3 and deferred:
            status, count = "⚠️ DEFERRED" if emoji else "Deferred", len(deferred)
        elif n == 4 and rng.random() < 0.3:
            status, count = "N/A", 0
        else:
            status, count = "✅ PASS" if emoji else "PASS", 0
        out.append(f"| {n} | {name} | {status} | {count} |")
    out += ["", rng.choice(["### Findings Fixed in This PR", "### Findings fixed in this PR"]), ""]
    if fixed:
        out += ["| # | Severity | Finding | Resolution |", _sep(rng, 4)]
        out += [f"| {k} | {s} | {f} | {r} |" for k, (s, f, r) in enumerate(fixed, 1)]
    else:
        out.append("None.")
    if rng.random() < 0.3:
        out += ["", "### Notes", "", rng.choice(PROSE), "", "```python", "x = [1, 2]", "```"]
    out += ["", "### Findings Deferred (With Tracking Issues)", ""]
    if deferred:
        if rng.random() < 0.5:
            out += ["| # | Severity | Finding | Tracking Issue | Justification |", _sep(rng, 5)]
            out += [
                f"| {k} | {s} | {f} | {t} | {w} |" for k, (s, f, t, w) in enumerate(deferred, 1)
            ]
        else:
            out += ["| Severity | Finding | Tracking Issue | Justification |", _sep(rng, 4)]
            out += [f"| {s} | {f} | {t} | {w} |" for s, f, t, w in deferred]
    else:
        out.append("None.")
    out += [
        "",
        "### Summary",
        "",
        "| Category | Count |",
        _sep(rng, 2),
        f"| Fixed in PR | {len(fixed)} |",
        f"| Deferred (with tracking) | {len(deferred)} |",
        "| Unaddressed | 0 |",
        "",
        f"**Review Status:** {'✅ ' if emoji else ''}COMPLETE",
        "<!-- REVIEW:END -->",
        "",
        rng.choice(PROSE),
    ]
    return "\n".join(out) + "\n"


def corpus(n: int, seed: int = 2026) -> list[str]:
    rng = random.Random(seed)
    return [_comment(rng, i) for i in range(n)]


def measure(comments: int, seed: int) -> dict[str, float | str]:
    """Validate one fresh corpus in this process: CPU and wall seconds."""
    from review_gate.artifacts.extract import extract

    bodies = corpus(comments, seed=seed)
    start = time.perf_counter()
    for body in corpus(20, seed=0):  # warm-up: schema compile, parser set-up
        extract(body)
    warmup = time.perf_counter() - start
    start, start_cpu = time.perf_counter(), time.process_time()
    found = [a for body in bodies for a in extract(body)]
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    invalid = [a for a in found if not a.valid]
    problem = ""
    if len(found) != len(bodies) or invalid:
        problem = f"{len(found)} artifacts, {len(invalid)} invalid: {invalid[0].errors[:1]}"
    import review_gate

    return {
        "wall": wall,
        "cpu": cpu,
        "warmup": warmup,
        "size": sum(map(len, bodies)) / len(bodies),
        "problem": problem,
        "module": str(Path(review_gate.__file__).resolve().parent.parent),
    }


def _run(src: Path, comments: int, seed: int) -> dict[str, float | str]:
    """One round in a fresh interpreter that imports review_gate from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run(
        (sys.executable, str(HERE), "--measure", str(seed), "--comments", str(comments)),
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark round failed with {src}:\n{proc.stderr.strip()}")
    result: dict[str, float | str] = json.loads(proc.stdout)
    if Path(str(result["module"])) != src.resolve():
        raise SystemExit(f"{src}: imported review_gate from {result['module']} instead")
    if result["problem"]:
        raise SystemExit(f"corpus problem with {src}: {result['problem']}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--src", type=Path, help="another checkout's src directory, run side by side"
    )
    parser.add_argument("--measure", type=int, metavar="SEED", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure is not None:
        print(json.dumps(measure(args.comments, args.measure)))
        return 0
    trees = {"this tree": OWN_SRC}
    if args.src is not None:
        if not (args.src / "review_gate" / "artifacts").is_dir():
            print(f"error: {args.src} holds no review_gate package", file=sys.stderr)
            return 2
        trees["--src tree"] = args.src
    results: dict[str, list[dict[str, float | str]]] = {name: [] for name in trees}
    order = list(trees)
    # Each round validates a corpus no process has seen (a new seed), so no memo of an
    # earlier round helps; the trees take turns going first.
    for round_ in range(1, args.rounds + 1):
        for name in order if round_ % 2 else reversed(order):
            results[name].append(_run(trees[name], args.comments, 2026 + round_))
    n = args.comments
    size = float(results["this tree"][0]["size"])
    print(
        f"{n} REVIEW comments per round (avg {size:,.0f} chars), all valid; "
        f"{args.rounds} rounds, each on a fresh corpus, one process per tree and round"
    )
    rates = {}
    for name, runs in results.items():
        cpu = statistics.median(float(r["cpu"]) for r in runs)
        wall = statistics.median(float(r["wall"]) for r in runs)
        warm = statistics.median(float(r["warmup"]) for r in runs)
        rates[name] = n / cpu
        print(
            f"{name:>10}: {n / cpu:7,.0f} artifacts/s CPU ({cpu / n * 1e3:.2f} ms each), "
            f"{n / wall:7,.0f}/s wall; warm-up {warm * 1e3:.0f} ms  [{trees[name]}]"
        )
    if "--src tree" in rates:
        print(f"ratio this/--src: {rates['this tree'] / rates['--src tree']:.2f}x (CPU rates)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
