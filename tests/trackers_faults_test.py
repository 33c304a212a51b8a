"""The local tracker's faults told apart: read-only, full disk, damaged file, newer schema.

The read-only directory and the full disk are real: a read-only bind mount and a small
tmpfs, each mounted in a private mount namespace (``unshare``) held by a sleeping
process, so the host's mounts never change; the commands run inside it through
``nsenter``. The damaged file is a real SQLite corruption (an index entry whose row is
gone: SQLite accepts a write, and then cannot read the issue back).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from review_gate import __version__
from review_gate.errors import (
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    TrackerCorrupt,
    TrackerNewerSchema,
)
from review_gate.trackers.local import FILENAME, LocalTracker
from review_gate.trackers.local_db import APPLICATION_ID, SCHEMA_VERSION, WRITTEN_BY
from tests.helpers import GATE


class Namespace:
    """A private mount namespace, held by a sleeping process. Mounts made in it are seen
    only by the commands run in it; they vanish with it."""

    def __init__(self) -> None:
        self.holder = subprocess.Popen(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                "echo ready; exec sleep 600",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.holder.stdout is not None
        self.ready = self.holder.stdout.readline().strip() == "ready"

    def run(
        self, *cmd: str, cwd: Path = Path("/"), stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        # cd inside: a directory opened before entering would still show the host's mounts.
        script = 'cd "$0" && exec "$@"'
        return subprocess.run(
            ["nsenter", "-t", str(self.holder.pid), "-m", "--", "sh", "-c", script, str(cwd), *cmd],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def must(self, *cmd: str) -> None:
        proc = self.run(*cmd)
        assert proc.returncode == 0, proc.stderr

    def gate(
        self, *args: str, cwd: Path, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self.run(GATE, *args, cwd=cwd, stdin=stdin)

    def close(self) -> None:
        self.holder.kill()
        self.holder.wait()
        assert self.holder.stdout is not None
        self.holder.stdout.close()


@pytest.fixture
def ns() -> Iterator[Namespace]:
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        pytest.skip("needs util-linux unshare and nsenter (mount namespaces)")
    space = Namespace()
    if not space.ready:
        space.close()
        pytest.skip("this machine gives no private mount namespace (needs root or user namespaces)")
    yield space
    space.close()


def one_line_error(stderr: str) -> tuple[str, str]:
    """The error line and the hint line; fails on anything else (a traceback)."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 2, stderr
    assert lines[0].startswith("gate: error: ") and lines[1].startswith("gate: hint: "), stderr
    return lines[0], lines[1]


def _bodies(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert proc.returncode == 0, proc.stderr
    return [c["body"] for c in json.loads(proc.stdout)["comments"]]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tracker_with(repo: Path, bodies: list[str]) -> LocalTracker:
    tracker = LocalTracker.for_checkout(repo)
    tracker.create_issue("Faults", number=1)
    for body in bodies:
        tracker.post_comment(1, body)
    tracker.close()  # the last connection folds the WAL into the file
    return tracker


# --------------------------------------------------------------------------- read-only


def test_read_only_git_dir_reads_work_and_writes_say_why(repo: Path, ns: Namespace) -> None:
    tracker = _tracker_with(repo, ["first", "second"])
    state = tracker.path.parent
    before = _digest(tracker.path)
    ns.must("mount", "--bind", str(state), str(state))
    ns.must("mount", "-o", "remount,bind,ro", str(state))

    assert _bodies(ns.gate("issue", "show", "1", "--format", "json", cwd=repo)) == [
        "first",
        "second",
    ]
    listed = ns.gate("issue", "list", "--format", "json", cwd=repo)
    assert [i["number"] for i in json.loads(listed.stdout)] == [1], listed.stderr
    checked = ns.gate("check", "--issue", "1", cwd=repo)
    assert checked.returncode == 1 and "gate: error" not in checked.stderr, checked.stderr

    refused = ns.gate("issue", "comment", "1", "--body-file", "-", cwd=repo, stdin="third\n")
    assert refused.returncode == EXIT_USAGE
    error, hint = one_line_error(refused.stderr)
    assert f"{tracker.path}: cannot write the local tracker" in error
    assert f"the file system mounted at {state}" in error and "is read-only" in error
    assert "nothing was written" in error and "reading it still works" in error
    assert "remount the file system read-write" in hint and "aside" not in refused.stderr
    # nothing changed, on the host's side either
    assert _digest(tracker.path) == before
    assert sorted(p.name for p in state.iterdir()) == [FILENAME]
    assert [c.body for c in tracker.list_comments(1)] == ["first", "second"]


def test_read_only_git_dir_without_a_tracker_creates_nothing(repo: Path, ns: Namespace) -> None:
    git_dir = repo / ".git"
    ns.must("mount", "--bind", str(git_dir), str(git_dir))
    ns.must("mount", "-o", "remount,bind,ro", str(git_dir))
    listed = ns.gate("issue", "list", cwd=repo)
    assert listed.returncode == 0 and listed.stdout == "no open issues\n", listed.stderr
    refused = ns.gate("issue", "new", "--title", "x", cwd=repo)
    assert refused.returncode == EXIT_USAGE
    error, _ = one_line_error(refused.stderr)
    assert "cannot write the local tracker" in error and "is read-only" in error
    assert not (git_dir / "review-gate").exists()


# --------------------------------------------------------------------------- full disk

FILL = 'dd if=/dev/zero of="$1" bs=4096 2>/dev/null; test -s "$1"'


def test_full_disk_exit_3_names_the_disk_and_loses_nothing(repo: Path, ns: Namespace) -> None:
    state = repo / ".git" / "review-gate"
    state.mkdir()
    ns.must("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(state))
    assert ns.gate("issue", "new", "--title", "disk", cwd=repo).returncode == 0
    acknowledged = [f"comment {i}" for i in range(3)]
    for body in acknowledged:
        posted = ns.gate("issue", "comment", "1", "--body-file", "-", cwd=repo, stdin=body)
        assert posted.returncode == 0, posted.stderr
    filler = state / "filler"
    ns.must("sh", "-c", FILL, "fill", str(filler))

    big = "x" * 60000  # far more than the few bytes left
    refused = ns.gate("issue", "comment", "1", "--body-file", "-", cwd=repo, stdin=big)
    assert refused.returncode == EXIT_UNREACHABLE
    error, hint = one_line_error(refused.stderr)
    assert f"no space left on the file system mounted at {state} (tmpfs)" in error
    assert "nothing was written" in error and f"df -h {state}" in hint
    assert "aside" not in refused.stderr

    ns.must("rm", str(filler))
    shown = ns.gate("issue", "show", "1", "--format", "json", cwd=repo)
    assert _bodies(shown) == acknowledged
    again = ns.gate(
        "issue", "comment", "1", "--body-file", "-", "--format", "json", cwd=repo, stdin=big
    )
    assert again.returncode == 0 and json.loads(again.stdout)["id"] == 4, again.stderr
    check = ns.run(sys.executable, "-c", _QUICK_CHECK, str(state / FILENAME))
    assert check.stdout.strip() == "ok", check.stderr


_QUICK_CHECK = (
    "import sqlite3, sys; "
    "print(sqlite3.connect(sys.argv[1]).execute('PRAGMA quick_check').fetchone()[0])"
)

# One process that keeps its connection (the WAL and its index stay open) while the disk
# fills: the failure comes in the middle of the transaction, at its commit.
_MID_TRANSACTION = textwrap.dedent(
    """
    import json, subprocess, sys
    from review_gate.errors import GateError
    from review_gate.trackers.local import LocalTracker
    tracker = LocalTracker(sys.argv[1])
    tracker.create_issue("disk")
    acked = [tracker.post_comment(1, f"kept {i}").body for i in range(3)]
    subprocess.run(["sh", "-c", sys.argv[3], "fill", sys.argv[2]], check=True)
    try:
        tracker.post_comment(1, "y" * 60000)
        outcome = ["acknowledged", ""]
    except GateError as exc:
        outcome = [type(exc).__name__, exc.message]
    subprocess.run(["rm", sys.argv[2]], check=True)
    after = [c.body for c in tracker.list_comments(1)]
    print(json.dumps({"acked": acked, "outcome": outcome, "after": after}))
    """
)


def test_full_disk_inside_an_open_transaction_writes_nothing(repo: Path, ns: Namespace) -> None:
    state = repo / ".git" / "review-gate"
    state.mkdir()
    ns.must("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(state))
    proc = ns.run(
        sys.executable, "-c", _MID_TRANSACTION, str(state / FILENAME), str(state / "filler"), FILL
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    kind, message = result["outcome"]
    assert kind == "TrackerDiskFull" and f"mounted at {state} (tmpfs)" in message
    assert result["after"] == result["acked"] == ["kept 0", "kept 1", "kept 2"]


# --------------------------------------------------------------------------- damaged file


def _orphan_index_entry(path: Path, comment_id: int) -> None:
    """Delete a comment's row but not its index entry: SQLite's own checks on open pass,
    a write to the issue succeeds, and reading the issue back fails."""
    conn = sqlite3.connect(path, isolation_level=None)
    sql, root = conn.execute(
        "SELECT sql, rootpage FROM sqlite_master WHERE name = 'comments_by_issue'"
    ).fetchone()
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("DELETE FROM sqlite_master WHERE name = 'comments_by_issue'")
    conn.execute(f"PRAGMA schema_version = {version + 1}")
    conn.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DELETE FROM comments WHERE id = ?", (comment_id,))
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "INSERT INTO sqlite_master VALUES ('index', 'comments_by_issue', 'comments', ?, ?)",
        (root, sql),
    )
    conn.execute(f"PRAGMA schema_version = {version + 1}")
    conn.close()


def test_a_write_that_cannot_be_read_back_is_refused_not_acknowledged(repo: Path) -> None:
    tracker = _tracker_with(repo, ["one", "two", "three"])
    _orphan_index_entry(tracker.path, 2)
    before = _digest(tracker.path)
    with pytest.raises(TrackerCorrupt) as info:
        tracker.post_comment(1, "never acknowledged")
    assert "written to issue #1 could not be read back, so the write was undone" in (
        info.value.message
    )
    with pytest.raises(TrackerCorrupt):
        tracker.list_comments(1)  # reads are refused too
    tracker.close()
    assert _digest(tracker.path) == before  # the refused write left nothing in the file
    conn = sqlite3.connect(tracker.path)
    assert (
        conn.execute("SELECT count(*) FROM comments WHERE data LIKE '%never%'").fetchone()[0] == 0
    )


@pytest.mark.parametrize(
    "args",
    [
        ("issue", "comment", "1", "--body-file", "-"),
        ("issue", "show", "1"),
        ("check", "--issue", "1"),
    ],
    ids=["write", "read", "check"],
)
def test_damaged_tracker_refuses_reads_and_writes(repo: Path, args: tuple[str, ...]) -> None:
    tracker = _tracker_with(repo, ["one", "two"])
    _orphan_index_entry(tracker.path, 1)
    before = _digest(tracker.path)
    proc = subprocess.run(
        (GATE, *args),
        cwd=repo,
        input="hello\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == EXIT_USAGE
    error, hint = one_line_error(proc.stderr)
    assert f"{tracker.path}: the local tracker is damaged" in error
    assert "nothing is read from it or written to it" in error
    assert f"sqlite3 {tracker.path} .dump" in hint and "docs/trackers.md" in hint
    assert _digest(tracker.path) == before


@pytest.mark.skipif(
    shutil.which("sqlite3") is None, reason="the salvage steps use the sqlite3 shell"
)
def test_the_documented_salvage_of_a_damaged_tracker_works(repo: Path) -> None:
    tracker = _tracker_with(repo, ["one", "two", "three"])
    _orphan_index_entry(tracker.path, 2)
    path, version = tracker.path, SCHEMA_VERSION
    # The steps of docs/trackers.md, "A damaged tracker", as a user runs them.
    steps = f"""
        sqlite3 {path} .dump > {path}.sql
        mv {path} {path}.damaged
        sqlite3 {path} < {path}.sql
        sqlite3 {path} 'PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {version}'
        gate issue show 1
    """
    for step in textwrap.dedent(steps).strip().splitlines():
        proc = subprocess.run(
            step.replace("gate ", f"{GATE} ", 1),
            shell=True,
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, (step, proc.stderr)
    assert [c.body for c in LocalTracker(path).list_comments(1)] == ["one", "three"]
    assert LocalTracker(path).post_comment(1, "four").id == 4


# --------------------------------------------------------------------------- newer schema


def _make_newer(path: Path, writer: str | None) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    if writer is None:
        conn.execute("DELETE FROM meta")
    else:
        conn.execute("UPDATE meta SET value = ? WHERE key = ?", (writer, WRITTEN_BY))
    conn.close()


@pytest.mark.parametrize(
    ("writer", "by", "upgrade"),
    [
        ("9.1.0", "written by review-gate 9.1.0", "pip install -U 'review-gate>=9.1.0'"),
        (None, "written by a newer review-gate", "pip install -U review-gate"),
    ],
)
def test_newer_schema_is_read_never_written(
    repo: Path, writer: str | None, by: str, upgrade: str
) -> None:
    tracker = _tracker_with(repo, ["kept"])
    _make_newer(tracker.path, writer)
    before = _digest(tracker.path)
    shown = subprocess.run(
        (GATE, "issue", "show", "1", "--format", "json"),
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert _bodies(shown) == ["kept"]
    proc = subprocess.run(
        (GATE, "issue", "comment", "1", "--body-file", "-"),
        cwd=repo,
        input="new\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == EXIT_USAGE
    error, hint = one_line_error(proc.stderr)
    assert f"{by} (tracker schema {SCHEMA_VERSION + 1})" in error
    assert f"this is review-gate {__version__}" in error and "writes nothing to it" in error
    assert upgrade in hint and "aside" not in proc.stderr
    assert _digest(tracker.path) == before
    with pytest.raises(TrackerNewerSchema):
        LocalTracker(tracker.path).create_issue("no")


def test_an_earlier_tracker_learns_who_wrote_it_with_its_first_write(repo: Path) -> None:
    tracker = _tracker_with(repo, ["old"])
    conn = sqlite3.connect(tracker.path, isolation_level=None)
    conn.execute("DROP TABLE meta")  # as review-gate 0.1.0 made it
    conn.close()
    assert [c.body for c in LocalTracker(tracker.path).list_comments(1)] == ["old"]
    assert "meta" not in _tables(tracker.path)  # a read adds nothing
    LocalTracker(tracker.path).post_comment(1, "new")
    conn = sqlite3.connect(tracker.path)
    assert conn.execute("SELECT value FROM meta WHERE key = ?", (WRITTEN_BY,)).fetchone() == (
        __version__,
    )


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
