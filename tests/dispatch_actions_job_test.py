"""The worker job's steps run locally exactly as a runner runs them: the runner's
``GITHUB_*`` environment, a fresh clone of the repository, the real hooks, the GitHub
stand-in as the API (``gate dispatch worker run|report|save``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch import procs
from review_gate.dispatch.registry import assignment_body, now, rfc3339
from tests.fake_agents.harness import HERE, wait_for
from tests.github_standin import GitHubStandIn
from tests.helpers import GATE, commit_file, git, init_repo_with_remote, run_gate

ISSUE = 7
WORKER = "worker-1767225600-7"
BRANCH = "feature/7-add-the-thing"


def agent(name: str) -> str:
    return f"{sys.executable} {HERE / f'{name}.py'} {{worktree}} {{issue}}"


class Runner:
    """A fresh clone as the job's checkout, and the environment a runner gives a step."""

    def __init__(self, tmp: Path, gh: GitHubStandIn) -> None:
        self.gh = gh
        repo, self.bare = init_repo_with_remote(tmp)
        config = f"tracker = 'github'\nrepo = '{gh.full_name}'\napi_url = '{gh.url}'\n"
        commit_file(repo, ".review-gate.toml", config, "chore: review-gate configuration")
        git(repo, "push", "-q", "origin", "main")
        self.checkout = tmp / "runner" / "work" / "project" / "project"
        git(tmp, "clone", "-q", str(self.bare), str(self.checkout))
        self.temp = tmp / "runner" / "temp"
        self.temp.mkdir(parents=True)
        self.out = self.temp / "review-gate"
        self.env = {
            **gh.env(),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "workflow_dispatch",
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_REPOSITORY": gh.full_name,
            "GITHUB_RUN_ID": "4242",
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_WORKSPACE": str(self.checkout),
            "RUNNER_TEMP": str(self.temp),
            "REVIEW_GATE_ISSUE": str(ISSUE),
            "REVIEW_GATE_WORKER_ID": WORKER,
        }
        gh.add_issue(ISSUE, "Add the thing", "Add the thing, please.")

    def claim(self, worker_id: str = WORKER) -> dict[str, Any]:
        stamp = rfc3339(now())
        data = {
            "assigned": True, "worker_id": worker_id, "assigned_at": stamp,
            "worktree": "github-actions:review-gate-worker.yml", "issue": ISSUE,
            "attempt": 1, "branch": BRANCH, "agent": "custom", "host": "github-actions",
            "heartbeat_at": stamp,
        }  # fmt: skip
        return self.gh.add_comment(ISSUE, assignment_body(data))

    def args(self, template: str, *extra: str) -> list[str]:
        return [
            "dispatch", "worker", "run", "--worker-id", WORKER, "--branch", BRANCH,
            "--agent-cmd", template, "--out", str(self.out), *extra,
        ]  # fmt: skip

    def gate(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return run_gate(*args, cwd=self.checkout, env=self.env, timeout=timeout)

    def bodies(self) -> list[str]:
        return [c["body"] for _, c in sorted(self.gh.comments.items()) if c["_issue"] == ISSUE]


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    with GitHubStandIn() as gh:
        yield Runner(tmp_path, gh)


def test_worker_step_gates_the_pull_request(runner: Runner) -> None:
    claim = runner.claim()
    proc = runner.gate(*runner.args(agent("pr_agent"), "--heartbeat", "1"))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    log = (runner.out / "worker.log").read_text()
    assert "first pr create: denied" in log, log
    assert "second pr create: allowed" in log, log
    # the run is recorded in the claim, and the branch is the worker's
    recorded = runner.gh.comments[claim["id"]]["body"]
    assert '"worktree": "https://github.com/octo/project/actions/runs/4242"' in recorded
    assert git(runner.checkout, "branch", "--show-current").strip() == BRANCH
    # the commit went through the real commit-msg hook of the job's checkout
    hooks = Path(git(runner.checkout, "rev-parse", "--git-path", "hooks").strip())
    hooks = hooks if hooks.is_absolute() else runner.checkout / hooks
    assert (hooks / "commit-msg").is_file() and (hooks / "pre-push").is_file()
    assert "gate" in (hooks / "pre-push").read_text()
    assert (runner.out / "prompt.md").read_text().count(f"#{ISSUE}") >= 1
    # the same state `gate dispatch status` reads: a REVIEW after the claim
    assert any("REVIEW" in body for body in runner.bodies()[1:])


def test_a_run_without_its_claim_does_nothing(runner: Runner) -> None:
    before = len(runner.bodies())
    proc = runner.gate(*runner.args(agent("complete")))
    assert proc.returncode == 1
    assert f"issue #{ISSUE} has no WORKER claim for {WORKER}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(runner.bodies()) == before
    assert not (runner.out / "worker.log").exists()


def test_a_run_for_an_issue_held_by_another_worker_does_nothing(runner: Runner) -> None:
    runner.claim("worker-1000-7")
    runner.claim()
    proc = runner.gate(*runner.args(agent("complete")))
    assert proc.returncode == 1 and "is held by worker-1000-7" in proc.stderr


def test_a_second_run_of_one_claim_does_nothing(runner: Runner) -> None:
    claim = runner.claim()
    first = runner.gh.comments[claim["id"]]["body"].replace(
        "github-actions:review-gate-worker.yml", "https://github.com/octo/project/actions/runs/4141"
    )
    runner.gh.comments[claim["id"]]["body"] = first
    proc = runner.gate(*runner.args(agent("complete")))
    assert proc.returncode == 1
    assert f"the claim of {WORKER} belongs to run 4141, not this one" in proc.stderr
    assert runner.gh.comments[claim["id"]]["body"] == first


def test_cancelled_job_leaves_a_restorable_bundle(runner: Runner, tmp_path: Path) -> None:
    runner.claim()
    step = subprocess.Popen(
        [GATE, *runner.args(agent("commit_then_hang"))],
        cwd=runner.checkout, env={**os.environ, **runner.env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    log = runner.out / "worker.log"
    try:
        wait_for(lambda: log.is_file() and "thinking forever" in log.read_text(), 60, "agent")
        step.send_signal(signal.SIGINT)  # the runner cancels a step with SIGINT first
        _, err = step.communicate(timeout=60)
    finally:
        if step.poll() is None:
            step.kill()
    assert step.returncode == 130, err
    assert procs.worker_processes(WORKER) == []  # the agent's group was stopped
    # if: cancelled() -> report, then save
    reported = runner.gate("dispatch", "worker", "report", "--outcome", "cancelled",
                           "--worker-id", WORKER)  # fmt: skip
    assert reported.returncode == 0, reported.stderr
    assert "Worker Failed** — workflow run cancelled" in runner.bodies()[-1]
    assert "actions/runs/4242" in runner.bodies()[-1]
    again = runner.gate("dispatch", "worker", "report", "--outcome", "cancelled",
                        "--worker-id", WORKER)  # fmt: skip
    assert "already failed" in again.stdout  # reported once
    saved = runner.gate("dispatch", "worker", "save", "--out", str(runner.out), "--format", "json")
    assert saved.returncode == 0, saved.stderr
    rescue = json.loads(saved.stdout)["saved"]
    assert rescue["bundle"] and rescue["patch"]
    # restore it elsewhere, as restore.txt says: the commit and the uncommitted file return
    restored = tmp_path / "restored"
    git(tmp_path, "clone", "-q", str(runner.bare), str(restored))
    git(restored, "fetch", "-q", rescue["bundle"], f"refs/heads/{BRANCH}:refs/heads/rescued")
    git(restored, "checkout", "-q", "rescued")
    git(restored, "apply", rescue["patch"])
    assert (restored / "committed.txt").read_text() == "committed work\n"
    assert (restored / "draft.txt").read_text() == "uncommitted work\n"


def test_deadline_asks_for_a_handover(runner: Runner) -> None:
    runner.claim()
    template = f"{sys.executable} {HERE / 'deadline.py'} {{prompt_file}} {{issue}}"
    proc = runner.gate(
        *runner.args(template, "--deadline-minutes", "1", "--handover-minutes", "0.95",
                     "--format", "json"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    result = json.loads(proc.stdout)
    assert result["handover_asked"] is True
    log = (runner.out / "worker.log").read_text()
    assert "working slowly" in log and "handed over at the deadline" in log
    assert "HANDOVER" in runner.bodies()[-1]


def test_heartbeat_only_while_the_log_grows(
    runner: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from review_gate.dispatch.backends.actions_job import _Beat
    from review_gate.dispatch.context import open_context
    from review_gate.dispatch.registry import read_claims

    posted = runner.claim()
    for key, value in runner.env.items():
        monkeypatch.setenv(key, value)  # the job's environment, for the tracker
    ctx = open_context(runner.checkout)
    claim = read_claims(ctx.tracker.list_comments(ISSUE), None).claim_of(WORKER)
    assert claim is not None
    log = tmp_path / "worker.log"
    log.write_text("started\n")
    beat = _Beat(ctx, claim, 60, log)

    def edits() -> int:
        return runner.gh.count("PATCH", f"/issues/comments/{posted['id']}")

    assert beat.tick() and edits() == 1
    assert not beat.tick() and edits() == 1  # a silent agent: its lease ages
    log.write_text("started\nmore output\n")
    assert beat.tick() and edits() == 2


def test_handover_window_must_fit_the_deadline(runner: Runner) -> None:
    runner.claim()
    proc = runner.gate(*runner.args(agent("complete"), "--deadline-minutes", "5",
                                    "--handover-minutes", "5"))  # fmt: skip
    assert proc.returncode == 2 and "must be less than --deadline-minutes" in proc.stderr
