"""`gate dispatch status` reads a worker's Blocked / Failed REPORT: the fake agent prints
it with `gate new blocked` inside its worktree (real dispatcher, real git, real `gate`)."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.artifacts_progress_test import FACTS, filled
from tests.fake_agents.harness import Project, alive, projects, wait_for


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def _ended(project: Project, issue: int, *extra: str) -> dict[str, object]:
    # The --agent-cmd template is split like a shell would split it.
    spawned = project.spawn(issue, "report_blocked", *map(shlex.quote, extra))
    wait_for(lambda: not alive(spawned["pid"]), what="the agent to exit")
    [worker] = project.status(issue)
    assert worker["worker_id"] == spawned["worker_id"]
    return {**worker, "spawned": spawned}


def test_status_reads_the_workers_blocked_report(project: Project) -> None:
    issue = project.issue()
    worker = _ended(project, issue, "the staging API needs a token")
    assert worker["state"] == "blocked"
    assert worker["detail"] == "the staging API needs a token"
    [report] = [body for body in project.comments(issue) if "<!-- REPORT:START -->" in body]
    # `gate new` filled in what the dispatcher knows: the pid record and the environment.
    spawned = worker["spawned"]
    assert isinstance(spawned, dict)
    assert f"| Worker ID | `{spawned['worker_id']}` |" in report
    assert f"| Issue | #{issue} |" in report and "| Attempt | 1 |" in report
    assert f"| Branch | `{spawned['branch']}` |" in report and "| Turns Used | 7/100 |" in report
    assert worker["outcome_url"]


def test_another_workers_report_is_not_this_workers_outcome(project: Project) -> None:
    issue = project.issue()
    worker = _ended(project, issue, "someone else's problem", "worker-1-99-other")
    assert worker["state"] == "failed"
    assert "without posting an outcome" in str(worker["detail"])


def test_the_latest_report_wins_and_an_invalid_one_says_why(project: Project) -> None:
    issue = project.issue()
    worker = _ended(project, issue)
    spawned = worker["spawned"]
    assert isinstance(spawned, dict)
    facts = FACTS._replace(worker_id=spawned["worker_id"], issue=issue, attempt=1)
    failed = filled("failed", facts).replace("| Attempt | 1 |", "| Attempt | zero |")
    project.tracker.post_comment(issue, failed)
    [after] = project.status(issue)
    assert after["state"] == "failed"
    assert "a Worker Failed report (invalid: line" in str(after["detail"])
    assert "Attempt must be" in str(after["detail"])
