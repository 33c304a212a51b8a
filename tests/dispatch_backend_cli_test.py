"""`gate dispatch ... --backend github-actions` as a user runs it (the installed `gate`,
the GitHub stand-in), and `--backend local` / the `dispatch_backend` setting."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import artifact_samples as samples
from tests.fake_agents.harness import Project, agent, alive, projects, wait_for
from tests.github_standin import GitHubStandIn
from tests.github_standin_actions import actions
from tests.helpers import commit_file, git, init_repo_with_remote, run_gate

ISSUE = 7


class Remote:
    def __init__(self, tmp: Path, gh: GitHubStandIn) -> None:
        self.gh = gh
        self.repo, _ = init_repo_with_remote(tmp)
        config = f"tracker = 'github'\nrepo = '{gh.full_name}'\napi_url = '{gh.url}'\n"
        commit_file(self.repo, ".review-gate.toml", config, "chore: configuration")
        git(self.repo, "push", "-q", "origin", "main")
        gh.add_issue(ISSUE, "Add the thing")
        self.runs = actions(gh)

    def gate(self, *args: str, env: dict[str, str] | None = None) -> Any:
        proc = run_gate(*args, cwd=self.repo, env={"GH_TOKEN": self.gh.token, **(env or {})})
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    def json(self, *args: str, env: dict[str, str] | None = None) -> Any:
        proc = self.gate(*args, "--format", "json", env=env)
        assert proc.returncode == 0, proc.stderr + proc.stdout
        return json.loads(proc.stdout)


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Remote]:
    with GitHubStandIn() as gh:
        yield Remote(tmp_path, gh)


def test_remote_worker_through_the_cli(remote: Remote) -> None:
    flag = ("--backend", "github-actions")
    started = remote.json("dispatch", "spawn", "--issue", "7", *flag)
    run_id = started["run_id"]
    assert run_id in remote.runs.runs and started["attempt"] == 1
    text = remote.gate("dispatch", "status", "--issue", "7", *flag)
    assert text.returncode == 0 and "starting" in text.stdout
    remote.runs.set(run_id, "in_progress")
    [worker] = remote.json("dispatch", "status", "--issue", "7", *flag)["workers"]
    assert worker["state"] == "running" and worker["host"] == "github-actions"
    remote.runs.set_log(run_id, {"worker/1_Run the worker.txt": "the agent speaks\n"})
    logs = remote.gate("dispatch", "logs", "--issue", "7", *flag)
    assert logs.returncode == 0 and "the agent speaks" in logs.stdout
    stopped = remote.json("dispatch", "stop", "--issue", "7", "--grace", "5", *flag)
    assert stopped["stopped"][0]["was_running"] is True
    assert remote.runs.runs[run_id].data["conclusion"] == "cancelled"
    refused = remote.gate("dispatch", "cleanup", "--issue", "7", *flag)
    assert refused.returncode == 1 and "has no artifact" in refused.stderr
    remote.runs.add_artifact(run_id, f"review-gate-{started['worker_id']}",
                             {"worker.log": "saved\n"})  # fmt: skip
    cleaned = remote.json("dispatch", "cleanup", "--issue", "7", *flag)
    assert cleaned["released"] == [started["worker_id"]]
    assert Path(cleaned["rescue_dir"], "worker.log").read_text() == "saved\n"


def test_dispatch_backend_setting_chooses_the_backend(remote: Remote) -> None:
    env = {"REVIEW_GATE_DISPATCH_BACKEND": "github-actions"}
    started = remote.json("dispatch", "spawn", "--issue", "7", env=env)
    assert started["run_id"] in remote.runs.runs
    # --backend local wins over the setting: the local dispatcher knows no such worker
    local = remote.gate("dispatch", "stop", "--issue", "7", "--backend", "local", env=env)
    assert local.returncode != 0 and remote.runs.runs[started["run_id"]].data["status"] == "queued"


def test_replace_on_handover_starts_attempt_two_in_a_new_run(remote: Remote) -> None:
    from review_gate.dispatch.registry import now, rfc3339

    flag = ("--backend", "github-actions")
    first = remote.json("dispatch", "spawn", "--issue", "7", *flag)
    remote.gh.add_comment(ISSUE, samples.handover(ISSUE, worker=first["worker_id"]),
                          created_at=rfc3339(now()))  # fmt: skip
    remote.runs.set(first["run_id"], "completed", "success")
    replaced = remote.json("dispatch", "replace", "--issue", "7", *flag)
    second = replaced["spawned"]
    assert second["attempt"] == 2 and second["run_id"] != first["run_id"]
    assert replaced["cleanup"]["released"] == [first["worker_id"]]
    assert len(remote.runs.runs) == 2


def test_bad_backend_name_is_a_usage_error(remote: Remote) -> None:
    proc = remote.gate("dispatch", "status", "--issue", "7", "--backend", "k8s")
    assert proc.returncode == 2 and "'k8s' is not one of" in proc.stderr


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def test_local_backend_flag_changes_nothing(project: Project) -> None:
    issue = project.issue()
    proc = project.gate("dispatch", "spawn", "--issue", str(issue), "--agent-cmd",
                        agent("complete"), "--backend", "local", "--format", "json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    pid = json.loads(proc.stdout)["pid"]
    wait_for(lambda: not alive(pid), what="agent exit")
    assert project.state_of(issue) == "completed"
    shown = project.gate("dispatch", "logs", "--issue", str(issue))
    assert shown.returncode == 0 and "fake agent: reviewed" in shown.stdout
    remote = project.gate("dispatch", "spawn", "--issue", str(issue), "--backend",
                          "github-actions")  # fmt: skip
    assert remote.returncode == 2 and "needs the github tracker" in remote.stderr


@pytest.mark.parametrize(
    ("command", "extra", "flag"),
    [
        ("spawn", ("--issue", "7", "--role", "review"), "--role"),
        ("spawn", ("--issue", "7", "--max-turns", "20"), "--max-turns"),
        ("run", ("--issues", "7", "--review-with", "codex"), "--review-with"),
    ],
)
def test_local_only_options_are_refused_not_dropped(
    remote: Remote, command: str, extra: tuple[str, ...], flag: str
) -> None:
    """What a runner cannot do yet is a usage error before anything is claimed or
    dispatched, never an option silently ignored."""
    proc = remote.gate("dispatch", command, *extra, "--backend", "github-actions")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert flag in proc.stderr and "--backend local" in proc.stderr
    assert remote.runs.runs == {} and remote.runs.dispatches == []
    assert remote.gh.count("POST") == 0  # no claim posted, nothing dispatched
