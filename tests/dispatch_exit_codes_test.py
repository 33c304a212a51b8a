"""`gate dispatch spawn|stop|cleanup` exit codes for "no worker" and "closed issue", and
the JSON shapes docs/dispatch.md documents — real repositories, real `gate` processes."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_agents.harness import Project, agent, alive, projects, wait_for
from tests.helpers import git

DOCS = Path(__file__).resolve().parents[1] / "docs" / "dispatch.md"
REFUSED = 1  # docs/dispatch.md, "Exit codes"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def _command(name: str, issue: int) -> tuple[str, ...]:
    extra = ("--agent-cmd", agent("complete")) if name == "spawn" else ()
    return ("dispatch", name, "--issue", str(issue), *extra)


def _refused(proc: subprocess.CompletedProcess[str], message: str) -> None:
    assert proc.returncode == REFUSED, (proc.returncode, proc.stdout, proc.stderr)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("gate: error:")]
    assert errors == [f"gate: error: {message}"], proc.stderr
    assert all(line.startswith("gate: ") for line in proc.stderr.splitlines())
    assert proc.stdout == ""  # nothing to parse, also with --format json


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("name", ["stop", "cleanup"])
def test_no_worker(project: Project, name: str, fmt: str) -> None:
    issue = project.issue()
    proc = project.gate(*_command(name, issue), "--format", fmt)
    _refused(proc, f"issue #{issue} has no worker")
    assert project.comments(issue) == []  # nothing posted


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("spawn", "issue #{n} is closed; only open issues get workers"),
        ("stop", "issue #{n} has no worker"),
        ("cleanup", "issue #{n} has no worker"),
    ],
)
def test_closed_issue(project: Project, name: str, message: str, fmt: str) -> None:
    issue = project.issue()
    project.tracker.set_state(issue, "closed")
    proc = project.gate(*_command(name, issue), "--format", fmt)
    _refused(proc, message.format(n=issue))
    assert project.comments(issue) == [] and project.records() == []
    assert not (project.repo.parent / f"{project.repo.name}-worker-{issue}").exists()


def test_no_such_issue_is_a_usage_error(project: Project) -> None:
    for name in ("spawn", "stop", "cleanup"):
        proc = project.gate(*_command(name, 999))
        assert proc.returncode == 2 and "#999 does not exist" in proc.stderr, name


def _documented(command: str) -> list[str]:
    """The fields of ``command``'s table in docs/dispatch.md, "JSON output"."""
    section = DOCS.read_text(encoding="utf-8").split("## JSON output", 1)[1].split("\n## ", 1)[0]
    part = section.split(f"**`{command}`**", 1)[1]
    table = part.split("\n\n", 2)[1]
    return re.findall(r"^\| `(\w+)` \|", table, flags=re.M)


def test_a_closed_issues_worker_is_still_stopped_and_cleaned_up(project: Project) -> None:
    """Closing the issue (a merged PR) is the usual end of a worker: stop and cleanup
    still act on it, and print the JSON shapes docs/dispatch.md lists."""
    issue = project.issue()
    spawned = project.spawn(issue, "complete")
    assert list(spawned) == _documented("spawn")
    wait_for(lambda: not alive(spawned["pid"]), what="the agent to exit")
    project.tracker.set_state(issue, "closed")
    stop = project.gate(*_command("stop", issue), "--format", "json")
    assert stop.returncode == 0, stop.stderr
    [stopped] = json.loads(stop.stdout)["stopped"]
    assert list(stopped) == _documented("stop")
    assert stopped["worker_id"] == spawned["worker_id"] and stopped["signalled"] == 0
    git(Path(spawned["worktree"]), "push", "-q", "origin", spawned["branch"])
    cleanup = project.gate(*_command("cleanup", issue), "--format", "json")
    assert cleanup.returncode == 0, cleanup.stderr
    cleaned = json.loads(cleanup.stdout)
    assert list(cleaned) == _documented("cleanup")
    assert cleaned["removed"] and cleaned["released"] == [spawned["worker_id"]]
    # Now the closed issue has a released worker and nothing on disk: stop still finds
    # the latest claim (nothing to signal); cleanup has nothing left.
    again = project.gate(*_command("cleanup", issue))
    assert again.returncode == 0, again.stderr


def test_the_github_actions_backend_refuses_the_same_way(tmp_path: Path) -> None:
    """`--backend github-actions`: the same refusals (Refused is exit 1), against the
    GitHub stand-in."""
    from review_gate.dispatch.spawn import SpawnRequest
    from review_gate.errors import EXIT_FAIL, Refused
    from tests.dispatch_actions_backend_test import ISSUE, World
    from tests.github_standin import GitHubStandIn

    assert Refused.exit_code == EXIT_FAIL == REFUSED
    with GitHubStandIn() as gh, pytest.MonkeyPatch.context() as env:
        env.setenv("GH_TOKEN", gh.token)
        env.delenv("GITHUB_TOKEN", raising=False)
        world = World(tmp_path, gh)
        backend = world.backend()
        for step in (
            lambda: backend.stop(ISSUE),
            lambda: backend.collect(ISSUE),
            lambda: backend.log(ISSUE),
        ):
            with pytest.raises(Refused, match=f"^issue #{ISSUE} has no worker in GitHub Actions$"):
                step()
        gh.add_issue(ISSUE + 1, "Done already", state="closed")
        with pytest.raises(Refused, match=f"^issue #{ISSUE + 1} is closed; only open issues"):
            backend.start(SpawnRequest(ISSUE + 1))
        assert world.bodies() == []  # nothing claimed, nothing posted
