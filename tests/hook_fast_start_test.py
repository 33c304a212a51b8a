"""The PreToolUse hook's fast start: ``python -I -S run_hook.py``, the JSON input decoded
without the ``json`` package, the import discipline of the fast path, and the bytecode
``gate install`` compiles and ``gate doctor`` checks. No timings (bench/hook_latency.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review_gate.hooks import hook_input
from review_gate.install import bytecode

SRC = Path(hook_input.__file__).resolve().parents[2]
RUN_HOOK = SRC / "review_gate" / "hooks" / "run_hook.py"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=6), st.sampled_from(["", " ", "\n\t "]))
def test_loads_agrees_with_json_on_objects(value: dict[str, object], pad: str) -> None:
    raw = (pad + json.dumps(value, ensure_ascii=False) + pad).encode()
    assert hook_input.loads(raw) == json.loads(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64) | st.text(max_size=64).map(lambda t: t.encode()))
def test_loads_fails_where_json_fails(raw: bytes) -> None:
    try:
        expected: object = json.loads(raw)
    except ValueError as exc:
        with pytest.raises(ValueError) as got:
            hook_input.loads(raw)
        assert type(got.value) is type(exc)
    else:
        assert repr(hook_input.loads(raw)) == repr(expected)  # NaN == NaN is False


@pytest.mark.parametrize(
    "raw",
    [b'{"a": NaN}', b'\xef\xbb\xbf{"a": 1}', '{"a": 1}'.encode("utf-16"), b'{"a": 1} {"b": 2}'],
)
def test_unusual_documents_take_the_json_path(raw: bytes) -> None:
    try:
        expected: object = json.loads(raw)
    except ValueError:
        with pytest.raises(ValueError):
            hook_input.loads(raw)
    else:
        assert repr(hook_input.loads(raw)) == repr(expected)


def _imports_after(payload: dict[str, object], tmp_path: Path) -> set[str]:
    """Modules loaded by the hook, run as installed, on ``payload`` (and ``<exit_now>``
    when it ended the process early, see hooks/fast_path.py)."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(SRC)!r})\n"
        "from review_gate.hooks import fast_path\n"
        "def _exit_now(code):\n"
        "    early = 'review_gate.hooks.agent' not in sys.modules\n"
        "    sys.modules['<exit_now>' if early else '<exit_after_decision>'] = sys\n"
        "    raise SystemExit(code)\n"
        "fast_path._exit_now = _exit_now\n"
        f"sys.argv = [{str(RUN_HOOK)!r}, 'pre-tool-use']\n"
        f"code = compile(open({str(RUN_HOOK)!r}).read(), {str(RUN_HOOK)!r}, 'exec')\n"
        "try:\n"
        f"    exec(code, {{'__name__': '__main__', '__file__': {str(RUN_HOOK)!r}}})\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(' '.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-S", str(probe)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr
    return set(proc.stderr.split())


HEAVY = {"json", "re", "enum", "typing", "site", "tree_sitter", "click", "github"}
#: What the calls answered early do not load either: the full decision, ``os`` (the path
#: checks use review_gate/posix_paths.py) and, through ``from __future__ import
#: annotations``, ``__future__`` (hooks/fast_path.py).
NOT_ON_THE_FAST_PATH = {"review_gate.hooks.agent", "__future__", "os", "review_gate.protected"}


@pytest.mark.parametrize(
    ("tool", "tool_input", "early"),
    [
        ("Bash", {"command": "ls -la | grep -v node_modules && cat README.md"}, True),
        ("Write", {"file_path": "src/app/main.py", "content": "print(1)\n"}, True),
        ("Read", {"file_path": "README.md"}, False),
    ],
)
def test_the_fast_path_loads_nothing_heavy(
    tool: str, tool_input: dict[str, object], early: bool, tmp_path: Path
) -> None:
    payload = {"cwd": str(tmp_path), "hook_event_name": "PreToolUse", "tool_name": tool}
    loaded = _imports_after({**payload, "tool_input": tool_input}, tmp_path)
    assert not HEAVY & loaded, sorted(HEAVY & loaded)
    assert ("<exit_now>" in loaded) == early
    assert ("<exit_after_decision>" in loaded) == (not early)  # the installed hook's exit
    if early:
        assert not NOT_ON_THE_FAST_PATH & loaded, sorted(NOT_ON_THE_FAST_PATH & loaded)


def test_a_parsed_command_finds_site_packages(tmp_path: Path) -> None:
    """The analysis runs in a child (hooks/isolated.py) that finds tree-sitter in
    site-packages: a silent answer proves it (a missing import would be a deny)."""
    payload = {"cwd": str(tmp_path), "hook_event_name": "PreToolUse", "tool_name": "Bash"}
    loaded = _imports_after(
        {**payload, "tool_input": {"command": "gh pr view 1 --json title"}}, tmp_path
    )
    assert "review_gate.hooks.isolated" in loaded
    assert "tree_sitter._binding" not in loaded and "typing" not in loaded  # the child's


@pytest.mark.parametrize(
    "command", ["gh pr view 1", "gh pr create -t x -b y", "ls && cd .git/hooks"]
)
def test_a_crash_in_the_analysis_is_a_deny(command: str, tmp_path: Path) -> None:
    """Native code that crashes (as tree-sitter did, shell_parser_safety_test.py) kills the
    child, not the hook: the hook denies instead of dying with a signal."""
    probe = tmp_path / "crash.py"
    probe.write_text(
        "import os, signal, sys\n"
        f"sys.path.insert(0, {str(SRC)!r})\n"
        "import review_gate.shell\n"
        "review_gate.shell.analyse = lambda c: os.kill(os.getpid(), signal.SIGSEGV)\n"
        "from review_gate.hooks.agent import main\n"
        "sys.exit(main(['pre-tool-use']))\n"
    )
    payload = {"cwd": str(tmp_path), "hook_event_name": "PreToolUse", "tool_name": "Bash",
               "tool_input": {"command": command}}  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-I", "-S", str(probe)], input=json.dumps(payload),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    reason = json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert f"the shell analysis crashed (signal {11})" in reason, reason


def test_stale_bytecode_is_found(tmp_path: Path) -> None:
    copy = tmp_path / "review_gate"
    shutil.copytree(bytecode.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert bytecode.stale(copy) == list(bytecode.FAST_PATH)
    import compileall

    assert compileall.compile_dir(str(copy), quiet=2)
    assert bytecode.stale(copy) == []
    agent = copy / "hooks" / "agent.py"
    agent.write_text(agent.read_text() + "\n# changed\n")
    os.utime(agent, (1, 1))
    assert bytecode.stale(copy) == ["hooks/agent.py"]


def test_the_environment_is_protected_when_started_without_site(tmp_path: Path) -> None:
    """Without ``site``, ``sys.prefix`` is the base interpreter's: the hook still finds the
    virtual environment it runs in, and a Write into it is not ordinary."""
    from review_gate.protected import environment_prefix

    prefix = environment_prefix()
    if prefix is None:
        pytest.skip("the test suite is not running in a virtual environment")
    probe = (
        f"import sys; sys.path.insert(0, {str(SRC)!r})\n"
        "from review_gate.protected import environment_prefix\n"
        "from review_gate.hooks.file_targets import ordinary\n"
        "p = environment_prefix(); print(p)\n"
        "print(ordinary([p + '/lib/x.py'], '/tmp'), ordinary(['/tmp/elsewhere.py'], '/tmp'))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [prefix, "False", "True"]


@pytest.mark.parametrize(
    "command",
    [
        "gh pr view 12 --json title,state",
        "git commit -m \"$(cat <<'EOF'\nfeat: add the app (#7)\n\nCo-Authored-By: agent\nEOF\n)\"",
        "gh issue comment 7 --body-file review.md && git push origin HEAD",
    ],
)
def test_the_parsed_path_loads_nothing_heavy(command: str, tmp_path: Path) -> None:
    """What the forked child loads to analyse an ordinary command that reaches the parser
    (bench/hook_latency.py's "parsed" rows): tree-sitter's binding, but not ``re`` or
    ``enum`` (which the binding's initialisation would import, shell/syntax.py), nor
    ``collections`` (shell/named_tuple.py), ``typing``, ``importlib`` (the binding is loaded
    with the import system's own classes) or ``review_gate.errors``."""
    src = Path(__file__).resolve().parents[1] / "src"
    site_dirs = [p for p in sys.path if p.endswith("site-packages")]
    probe = (
        "import sys\n"
        f"sys.path[:0] = {[str(src), *site_dirs]!r}\n"
        "from review_gate.shell import analyse\n"
        f"result = analyse({command!r})\n"
        "assert not result.pr_creations and not result.undecidable, result\n"
        "sys.stdout.write(' '.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split())
    assert "tree_sitter._binding" in loaded  # it did parse
    heavy = {"re", "enum", "collections", "typing", "importlib", "warnings", "review_gate.errors"}
    assert not heavy & loaded, sorted(heavy & loaded)


def test_a_process_with_threads_is_not_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forking a process that has other threads may leave the child waiting forever on a
    lock one of them held at the fork (it hung a test run that had called the hook
    in-process, with a stand-in server's threads alive): such a process analyses in place."""
    import threading

    from review_gate.hooks import isolated

    def no_fork() -> int:
        raise AssertionError("forked a process with other threads")

    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        monkeypatch.setattr(isolated.os, "fork", no_fork)
        analysis = isolated.analyse("gh pr create --title t --body 'Closes #7'")
        assert [p.via for p in analysis.pr_creations] == ["gh pr create"]
    finally:
        release.set()
        other.join()


def test_in_child_reports_a_crash_instead_of_dying(tmp_path: Path) -> None:
    """The one fork helper the shell analysis, the read-only role check and the budget's
    HANDOVER check share: a child killed by a signal is (False, why), never a result."""
    probe = (
        "import os, signal, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1] / 'src')!r})\n"
        "from review_gate.hooks.isolated import in_child\n"
        "print(in_child(lambda: ('fine', 1, None)))\n"
        "print(in_child(lambda: os.kill(os.getpid(), signal.SIGSEGV)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["(True, ('fine', 1, None))", "(False, 'signal 11')"]
