"""tree-sitter-bash's scanner indexes ``isdigit``'s table with the character after ``{`` (and
after ``{N..``): a character above U+00FF there reads out of bounds and can crash the process,
and a hook that crashes lets the tool call through. Such text is never parsed: a command
that might matter is undecidable (denied) instead. Real subprocesses, so that a crash fails
the test instead of the test run."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from review_gate.install.hook_files import fast_hook_argv
from review_gate.shell import syntax
from tests.helpers import GATE

SRC = Path(syntax.__file__).resolve().parents[2]
_BAD = re.compile(r"\{[0-9]*(?:\.\.[0-9]*)?[^\x00-\xff]")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("{}.09 aé\u0100\U0001f916$'\""), max_size=30) | st.text())
def test_unsafe_is_exactly_the_scanners_pattern(text: str) -> None:
    assert syntax.unsafe(text) == bool(_BAD.search(text))


def _dangerous(rnd: random.Random) -> str:
    """``{`` (digits, ``..``, digits) then a character above U+00FF, in shell-ish text."""
    big = chr(rnd.choice([rnd.randrange(0x100, 0xD800), rnd.randrange(0x10000, 0x110000)]))
    inner = rnd.choice(["", "1", "12", "1..", "1..2", ".."])
    return rnd.choice(["echo ", "gh pr create -b ", "x=", "git commit -m "]) + "{" + inner + big


def test_the_analysis_never_parses_unsafe_text() -> None:
    """3,000 unsafe commands in one process: without the guard, nine runs in ten crash."""
    probe = (
        f"import sys, random; sys.path.insert(0, {str(SRC)!r})\n"
        "from review_gate.shell import _analyse\n"
        "from tests.shell_parser_safety_test import _dangerous\n"
        "rnd = random.Random(7)\n"
        "undecided = 0\n"
        "for _ in range(3000):\n"
        "    result = _analyse(_dangerous(rnd))\n"
        "    undecided += any('cannot read safely' in u for u in result.undecidable)\n"
        "print(undecided)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=SRC.parent, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert int(proc.stdout) > 500  # the ones that mention a PR are denied, not parsed


def test_the_installed_hook_denies_instead_of_crashing(tmp_path: Path) -> None:
    argv = fast_hook_argv(GATE) or [GATE, "hook"]
    title = "".join("{" + chr(0x10000 + i * 37) for i in range(3000))
    payload = json.dumps(
        {"cwd": str(tmp_path), "hook_event_name": "PreToolUse", "tool_name": "Bash",
         "tool_input": {"command": f"gh pr create --title '{title}' --body x"}}
    )  # fmt: skip
    proc = subprocess.run(
        [*argv, "pre-tool-use"], input=payload, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    answer = json.loads(proc.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny"
    assert "cannot read safely" in answer["permissionDecisionReason"]
