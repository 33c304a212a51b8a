"""`gate dispatch spawn` with real git, real worktrees, the local tracker, fake agents."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from review_gate.dispatch.registry import read_claims
from review_gate.gates.common import trust_policy
from tests.fake_agents.harness import Project, agent, alive, projects, wait_for
from tests.helpers import GATE, git, run_gate


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def _active(project: Project, issue: int) -> list[str]:
    claims = read_claims(project.tracker.list_comments(issue), trust_policy())
    return [c.worker_id for c in claims.active]


def test_spawn_wires_the_worker(project: Project, tmp_path: Path) -> None:
    issue = project.issue("Add the Settings parser!")
    dump = tmp_path / "dump.json"
    before = git(project.repo, "status", "--porcelain")
    result = project.spawn(issue, "env_dump", str(dump))
    worktree = project.repo.parent / "project-worker-1"
    assert result["worktree"] == str(worktree)
    assert result["branch"] == "feature/1-add-the-settings-parser"
    assert re.fullmatch(r"worker-\d+-1-[0-9a-f]{6}", result["worker_id"])
    seen = json.loads(wait_for(lambda: dump.exists() and dump.read_text(), what="env dump"))
    # cwd, own process group and session, no terminal on stdin, argv filled in, no shell
    assert Path(seen["cwd"]) == worktree
    assert seen["pgid"] == seen["pid"] == result["pid"] and seen["sid"] == seen["pid"]
    assert seen["argv"][1:] == [str(worktree), "1", str(dump)]
    env = seen["env"]
    assert env["REVIEW_GATE_ISSUE"] == "1"
    assert env["REVIEW_GATE_WORKER_ID"] == result["worker_id"]
    assert env["REVIEW_GATE_WORKTREE"] == str(worktree)
    assert env["REVIEW_GATE_TRACKER"] == "local"
    assert str(Path(GATE).parent) in env["PATH"].split(":")[0]
    # the worktree: on the branch, from origin/main, hooks wired, nothing to commit
    assert git(worktree, "branch", "--show-current").strip() == result["branch"]
    assert git(worktree, "rev-parse", "HEAD") == git(project.repo, "rev-parse", "origin/main")
    settings = json.loads((worktree / ".claude/settings.local.json").read_text())
    assert "gate" in settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    assert git(worktree, "status", "--porcelain") == ""
    hooks = Path(git(worktree, "rev-parse", "--git-path", "hooks").strip())
    assert (hooks / "pre-push").is_file() and (hooks / "commit-msg").is_file()
    # the main checkout is untouched: same status, still on main, no hooks of ours
    assert git(project.repo, "status", "--porcelain") == before
    assert git(project.repo, "branch", "--show-current").strip() == "main"
    assert not (project.repo / ".git/hooks/pre-push").exists()
    # the assignment: posted, with the pid, schema-valid, and the pid record on disk
    bodies = project.comments(issue)
    assert len(bodies) == 1 and f'"pid": {result["pid"]}' in bodies[0]
    record = json.loads(Path(result["record"]).read_text())
    assert record["pid"] == result["pid"] and record["start_time"] > 0
    assert record["argv"] == result["argv"] and record["issue"] == issue
    check = subprocess.run(
        [GATE, "validate", "--kind", "worker", "-"], input=bodies[0], text=True,
        capture_output=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


def test_gates_hold_in_the_worktree(project: Project) -> None:
    issue = project.issue()
    result = project.spawn(issue, "commit_and_exit")
    worktree = Path(result["worktree"])
    wait_for(lambda: not alive(result["pid"]), what="agent exit")
    push = subprocess.run(
        ["git", "push", "origin", "HEAD"], cwd=worktree, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert push.returncode != 0 and "review" in (push.stderr + push.stdout).lower()
    (worktree / "f.txt").write_text("x\n")
    git(worktree, "add", "f.txt")
    bad = subprocess.run(
        ["git", "commit", "-m", "wip"], cwd=worktree, capture_output=True, text=True, check=False
    )
    assert bad.returncode != 0


def test_spawn_refuses_a_live_holder_and_names_it(project: Project) -> None:
    issue = project.issue()
    first = project.spawn(issue, "hang")
    proc = project.gate("dispatch", "spawn", "--issue", str(issue), "--agent-cmd", agent("hang"))
    assert proc.returncode == 1
    assert first["worker_id"] in proc.stderr and "alive" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert _active(project, issue) == [first["worker_id"]]


def test_gone_process_with_fresh_lease_still_holds(project: Project) -> None:
    issue = project.issue()
    first = project.spawn(issue, "crash")
    wait_for(lambda: not alive(first["pid"]), what="crash")
    proc = project.gate("dispatch", "spawn", "--issue", str(issue), "--agent-cmd", agent("hang"))
    assert proc.returncode == 1 and "lease is still fresh" in proc.stderr


def test_live_process_with_stale_heartbeat_still_holds(project: Project) -> None:
    issue = project.issue()
    first = project.spawn(issue, "hang")
    env = {"REVIEW_GATE_LEASE_TTL": "0.001"}
    proc = project.gate(
        "dispatch", "spawn", "--issue", str(issue), "--agent-cmd", agent("hang"), env=env
    )
    assert proc.returncode == 1 and "alive" in proc.stderr
    assert alive(first["pid"])


def test_takeover_needs_gone_process_and_stale_lease(project: Project) -> None:
    issue = project.issue()
    first = project.spawn(issue, "crash")
    wait_for(lambda: not alive(first["pid"]), what="crash")
    time.sleep(1.1)  # heartbeats have one-second resolution
    second = project.spawn(issue, "hang", env={"REVIEW_GATE_LEASE_TTL": "0.001"})
    assert second["released"] == [first["worker_id"]]
    assert _active(project, issue) == [second["worker_id"]]
    assert second["attempt"] == 2


def test_pid_reused_by_another_process_is_not_the_worker(project: Project) -> None:
    issue = project.issue()
    first = project.spawn(issue, "crash")
    wait_for(lambda: not alive(first["pid"]), what="crash")
    # Point the record at a live process that is not the worker (another start time).
    record_path = Path(first["record"])
    record = json.loads(record_path.read_text())
    record["pid"] = os.getpid()
    record_path.write_text(json.dumps(record))
    time.sleep(1.1)
    second = project.spawn(issue, "hang", env={"REVIEW_GATE_LEASE_TTL": "0.001"})
    assert second["released"] == [first["worker_id"]]


def test_two_concurrent_spawns_yield_one_worker(project: Project) -> None:
    issue = project.issue()
    project.gate("issue", "list")  # create the tracker before the race
    cmd = [GATE, "dispatch", "spawn", "--issue", str(issue), "--agent-cmd", agent("hang")]
    procs = [
        subprocess.Popen(cmd, cwd=project.repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for _ in range(3)
    ]  # fmt: skip
    outcomes = [(p.wait(timeout=60), p.communicate()) for p in procs]
    codes = sorted(rc for rc, _ in outcomes)
    assert codes == [0, 1, 1], outcomes
    assert len(_active(project, issue)) == 1
    assert len(project.records()) == 1
    worktrees = git(project.repo, "worktree", "list", "--porcelain").count("worktree ")
    assert worktrees == 2


def test_spawn_reuses_the_worktree_and_branch(project: Project) -> None:
    issue = project.issue()
    first = project.spawn(issue, "commit_and_exit")
    wait_for(lambda: not alive(first["pid"]), what="exit")
    head = git(Path(first["worktree"]), "rev-parse", "HEAD")
    cleaned = project.gate("dispatch", "cleanup", "--issue", str(issue), "--keep-worktree")
    assert cleaned.returncode == 0, cleaned.stderr
    second = project.spawn(issue, "hang")
    assert second["worktree"] == first["worktree"] and second["branch"] == first["branch"]
    assert git(Path(second["worktree"]), "rev-parse", "HEAD") == head
    assert "reusing the existing worktree" in second["notes"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--issue", "99", "--agent-cmd", "true"], 2, "99"),
        (["--issue", "1", "--agent", "aider"], 2, "aider"),
        (["--issue", "1", "--agent-cmd", "no-such-agent-xyz {issue}"], 2, "no-such-agent-xyz"),
        (["--issue", "1", "--agent-cmd", "'unclosed"], 2, "cannot split"),
        (["--issue", "1", "--prompt-template", "/nonexistent/t.md", "--agent-cmd", "true"], 2,
         "t.md"),
    ],
)  # fmt: skip
def test_spawn_usage_errors(project: Project, args: list[str], code: int, message: str) -> None:
    project.issue()
    proc = project.gate("dispatch", "spawn", *args)
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    # a failed start releases its claim: the issue is free again
    assert _active(project, 1) == []


def _debris(project: Project) -> dict[str, object]:
    """Everything a spawn may leave behind: comments, worktrees, branches, local files."""
    workers = project.state / "workers"
    return {
        "comments": project.comments(1),
        "worktrees": git(project.repo, "worktree", "list", "--porcelain").count("worktree "),
        "branches": git(project.repo, "branch", "--list", "feature/*").split(),
        "files": sorted(p.name for p in workers.iterdir()) if workers.is_dir() else [],
        "beside": sorted(p.name for p in project.repo.parent.iterdir()),
    }


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--agent-cmd", "no-such-agent {prompt_file}"], {},
         "agent command not found: no-such-agent (not on PATH)"),
        (["--agent-cmd", "./no/such/agent.sh {prompt_file}"], {},
         "agent command not found: ./no/such/agent.sh (no such file)"),
        (["--agent", "claude"], {"PATH": "/usr/bin:/bin"}, "cannot find the claude command"),
        (["--agent", "codex"], {"PATH": "/usr/bin:/bin"}, "cannot find the codex command"),
        (["--agent", "codex"], {"REVIEW_GATE_CODEX": "/nonexistent/codex"},
         "REVIEW_GATE_CODEX=/nonexistent/codex is not an executable file"),
        (["--agent-cmd", "{bogus} {prompt_file}"], {}, "unknown placeholder {bogus}; known: "),
        (["--agent-cmd", "BADBANG {issue}"], {}, "#! interpreter /no/such/interp"),
    ],
)  # fmt: skip
def test_an_agent_that_cannot_start_claims_and_leaves_nothing(
    project: Project, tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    issue = project.issue("a")
    script = tmp_path / "badbang.sh"
    script.write_text("#!/no/such/interp\n")
    script.chmod(0o755)
    args = [a.replace("BADBANG", str(script)) for a in args]
    before = _debris(project)
    for _ in range(3):
        proc = project.gate("dispatch", "spawn", "--issue", str(issue), *args, env=env)
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 2  # error + hint
    assert _debris(project) == before
    assert before["comments"] == [] and before["branches"] == []
    # the issue is untouched: the first real worker is attempt 1
    assert project.spawn(issue, "crash")["attempt"] == 1


def test_exec_failure_after_the_claim_withdraws_it_and_takes_back_the_new_worktree(
    project: Project,
) -> None:
    issue = project.issue("a")
    before = _debris(project)
    # argv[0] from a placeholder is only known once the worktree exists
    for _ in range(3):
        proc = project.gate(
            "dispatch", "spawn", "--issue", str(issue), "--agent-cmd", "{worktree}/no-agent"
        )
        assert proc.returncode == 2, proc.stderr
        assert "cannot start the agent" in proc.stderr and "no-agent" in proc.stderr
        assert "Traceback" not in proc.stderr
    after = _debris(project)
    comments = after.pop("comments")
    assert after == {k: v for k, v in before.items() if k != "comments"}
    # each claim was rewritten as a note: no WORKER record, no attempt, no failure
    assert isinstance(comments, list) and len(comments) == 3
    assert all("never started" in c and "WORKER" not in c for c in comments)
    claims = read_claims(project.tracker.list_comments(issue), trust_policy())
    assert claims.claims == () and claims.attempts == 0
    assert project.spawn(issue, "crash")["attempt"] == 1


def test_exec_failure_after_the_claim_keeps_a_reused_worktree(project: Project) -> None:
    issue = project.issue("a")
    first = project.spawn(issue, "commit_and_exit")
    wait_for(lambda: not alive(first["pid"]), what="exit")
    worktree = Path(first["worktree"])
    head = git(worktree, "rev-parse", "HEAD")
    (worktree / "notes.txt").write_text("uncommitted work\n")
    kept = project.gate("dispatch", "cleanup", "--issue", str(issue), "--keep-worktree")
    assert kept.returncode == 0, kept.stderr
    proc = project.gate(
        "dispatch", "spawn", "--issue", str(issue), "--agent-cmd", "{worktree}/no-agent"
    )
    assert proc.returncode == 2 and "cannot start the agent" in proc.stderr
    assert git(worktree, "rev-parse", "HEAD") == head
    assert (worktree / "notes.txt").read_text() == "uncommitted work\n"
    assert first["branch"] in git(project.repo, "branch", "--list", first["branch"])
    assert _active(project, issue) == []
    # the failed start is no attempt: the next worker is attempt 2, after the first
    assert project.spawn(issue, "crash")["attempt"] == 2


def test_issue_accepts_hash_and_c_dir(project: Project, tmp_path: Path) -> None:
    issue = project.issue("a")
    proc = run_gate(
        "dispatch", "spawn", "-C", str(project.repo), "--issue", f"#{issue}",
        "--agent-cmd", agent("crash"), "--format", "json", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    status = run_gate(
        "dispatch", "status", "-C", str(project.repo), "--issue", f"#{issue}", "--format",
        "json", cwd=tmp_path,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert [w["issue"] for w in json.loads(status.stdout)["workers"]] == [issue]


def test_closed_issue_gets_no_worker(project: Project) -> None:
    issue = project.issue()
    project.tracker.set_state(issue, "closed")
    proc = project.gate("dispatch", "spawn", "--issue", str(issue), "--agent-cmd", "true")
    assert proc.returncode == 1 and "closed" in proc.stderr


def test_spawn_without_remote_uses_local_base(tmp_path: Path) -> None:
    from review_gate.trackers.local import LocalTracker
    from tests.helpers import init_repo, run_gate

    repo = init_repo(tmp_path / "solo")
    LocalTracker.for_checkout(repo).create_issue("Solo work")
    dump = tmp_path / "d.json"
    cmd = f"{sys.executable} -c \"open('{dump}', 'w').write('ok')\""
    proc = run_gate("dispatch", "spawn", "--issue", "1", "--agent-cmd", cmd, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "from main" in proc.stdout
    wait_for(dump.exists, what="agent")


def test_prompt_file_holds_issue_and_protocol(project: Project) -> None:
    issue = project.issue("Parse settings")
    result = project.spawn(issue, "crash")
    text = Path(result["prompt_file"]).read_text()
    assert "#1 Parse settings" in text and "Parse the settings file." in text
    assert result["worker_id"] in text and "gate issue comment 1 --body-file " in text
    assert f"review-gate-drafts-{result['worker_id']}/review.md" in text  # not in the worktree


def test_spawn_continues_a_pushed_branch(project: Project) -> None:
    issue = project.issue()
    first = project.spawn(issue, "commit_and_exit")
    wait_for(lambda: not alive(first["pid"]), what="exit")
    worktree = Path(first["worktree"])
    head = git(worktree, "rev-parse", "HEAD").strip()
    git(worktree, "push", "-q", "--no-verify", "origin", first["branch"])
    assert project.gate("dispatch", "cleanup", "--issue", str(issue)).returncode == 0
    git(project.repo, "branch", "-D", first["branch"])
    second = project.spawn(issue, "hang")
    assert git(Path(second["worktree"]), "rev-parse", "HEAD").strip() == head
