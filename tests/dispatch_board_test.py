"""Board status: the dispatcher moves an issue's item through the columns (spawn -> In
Progress, completion with a pull request -> In Review, a Blocked report -> Blocked, a
release without completion -> Todo) on a Projects v2 board of the GitHub stand-in and on
the local tracker's own board; a board failure is a warning, never a lost worker; and the
run loop's readers (``board.queue``, ``board.busy``). Real git, real ``gate`` processes,
fake agents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch import audit, board
from review_gate.dispatch.context import Context, open_context
from review_gate.dispatch.registry import read_claims
from review_gate.dispatch.run import Loop
from review_gate.dispatch.run_records import Event, RunOptions
from review_gate.errors import ConfigError, UsageError
from review_gate.gates.common import trust_policy
from review_gate.trackers.github import GitHubTracker
from review_gate.trackers.local_board import LocalBoard
from tests.fake_agents.harness import Project, agent, alive, projects, wait_for
from tests.github_standin import GitHubStandIn
from tests.github_standin_projects import Project as Board
from tests.github_standin_projects import ProjectsStandIn
from tests.github_standin_projects import projects as boards


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


class GitHubWorld:
    """The stand-in with issues and board octo/3, and the environment that points
    `gate` at them."""

    def __init__(self, project: Project, gh: GitHubStandIn) -> None:
        self.project, self.gh = project, gh
        self.boards: ProjectsStandIn = boards(gh)
        self.board: Board = self.boards.add_project("octo", 3)
        self.env = {**gh.env(), "REVIEW_GATE_DISPATCH_PROJECT": "octo/3"}

    def gate(self, *args: str, timeout: float = 120) -> Any:
        return self.project.gate(*args, env=self.env, timeout=timeout)

    def spawn(self, issue: int, name: str, *extra: str) -> tuple[dict[str, Any], str]:
        proc = self.gate(
            "dispatch", "spawn", "--issue", str(issue), "--agent-cmd", agent(name, *extra),
            "--format", "json",
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr + proc.stdout
        return json.loads(proc.stdout), proc.stderr

    def run(self, issue: int, name: str, *args: str) -> Any:
        return self.gate(
            "dispatch", "run", "--poll", "0.3", "--issues", str(issue),
            "--agent-cmd", agent(name), *args,
        )  # fmt: skip

    def status(self, issue: int) -> str | None:
        return self.boards.status(self.board, issue)

    def context(self) -> Context:
        tracker = GitHubTracker(self.gh.full_name, token=self.gh.token, api_url=self.gh.url)
        return open_context(self.project.repo, {"dispatch_project": "octo/3"}, tracker=tracker)


@pytest.fixture
def world(project: Project) -> Iterator[GitHubWorld]:
    with GitHubStandIn() as gh:
        yield GitHubWorld(project, gh)


def _moves(project: Project, issue: int) -> list[tuple[str, Any]]:
    return [
        (line["status"], line.get("previous"))
        for line in audit.read(project.state, issue)
        if line["event"] == "board-moved"
    ]


def _exited(project: Project, pid: int) -> None:
    wait_for(lambda: not alive(pid), what="the fake agent to exit")


# -- GitHub Projects v2 -------------------------------------------------------------------


def test_an_item_moves_through_the_columns_on_github(world: GitHubWorld) -> None:
    gh, project = world.gh, world.project
    gh.add_issue(7, "Add the settings parser")
    spawned, stderr = world.spawn(7, "complete", "0.5")
    assert world.status(7) == "In Progress"  # added to the board and moved, on spawn
    assert "warning" not in stderr
    # the worker opens its pull request, completes; the run loop releases it
    gh.add_pull(12, head_ref=spawned["branch"], head_sha="c" * 40, body="Fixes #7")
    _exited(project, spawned["pid"])
    proc = world.run(7, "complete")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert world.status(7) == "In Review"
    moved = [line for line in audit.read(project.state, 7) if line["event"] == "board-moved"]
    assert [(m["status"], m["previous"]) for m in moved] == [
        ("In Progress", None),
        ("In Review", "In Progress"),
    ]
    assert moved[-1]["pull_request"] == 12 and "pull request #12" in moved[-1]["message"]
    assert moved[0]["worker_id"] == spawned["worker_id"] and moved[0]["board"] == "github"
    # a Blocked report: Blocked
    gh.add_issue(8, "Call the staging API")
    proc = world.run(8, "report_blocked")
    assert proc.returncode == 1, proc.stderr + proc.stdout
    assert world.status(8) == "Blocked"
    # a release without completion (the agent crashed, attempts used up): back to Todo
    gh.add_issue(9, "Parse the flags")
    proc = world.run(9, "crash", "--max-attempts", "1")
    assert proc.returncode == 1
    assert world.status(9) == "Todo"
    assert [m[0] for m in _moves(project, 9)] == ["In Progress", "Todo"]
    assert world.boards.shape_errors == []


def test_a_graphql_error_is_a_warning_and_the_worker_stays(world: GitHubWorld) -> None:
    world.gh.add_issue(7)
    world.boards.fail_next("Something went wrong while executing your query.")
    spawned, stderr = world.spawn(7, "hang")
    warnings = [line for line in stderr.splitlines() if "warning" in line]
    assert warnings == [
        "review-gate: warning: board: could not move #7 to In Progress: GitHub's GraphQL API "
        "refused project octo/3: Something went wrong while executing your query."
    ]
    assert alive(spawned["pid"])  # the worker runs, and holds its claim
    active = read_claims(_github_comments(world, 7), trust_policy()).active
    assert [c.worker_id for c in active] == [spawned["worker_id"]]
    failed = [
        line for line in audit.read(world.project.state, 7) if line["event"] == "board-failed"
    ]
    assert len(failed) == 1 and failed[0]["status"] == "In Progress"
    assert world.status(7) is None  # nothing moved, nothing half-done


def _github_comments(world: GitHubWorld, issue: int) -> Any:
    tracker = GitHubTracker(world.gh.full_name, token=world.gh.token, api_url=world.gh.url)
    return tracker.list_comments(issue)


def test_a_board_that_is_not_there_is_a_warning(world: GitHubWorld) -> None:
    world.gh.add_issue(7)
    world.env["REVIEW_GATE_DISPATCH_PROJECT"] = "octo/99"
    spawned, stderr = world.spawn(7, "hang")
    assert alive(spawned["pid"])
    assert "board: could not move #7 to In Progress: dispatch_project octo/99" in stderr
    assert len([line for line in stderr.splitlines() if "warning" in line]) == 1


def test_queue_and_busy_read_the_board(world: GitHubWorld) -> None:
    gh = world.gh
    for n in (1, 2, 3, 4):
        gh.add_issue(n)
    gh.add_issue(5, state="closed")
    for n, column in ((1, "Todo"), (2, "In Progress"), (3, "Todo"), (5, "Todo")):
        world.boards.add_item(world.board, n, column)
    world.boards.add_item(world.board, 40, "In Progress", repo="octo/other")
    ctx = world.context()
    assert board.enabled(ctx)
    assert board.queue(ctx, "Todo") == [1, 3]  # open issues of this repository only
    assert board.queue(ctx, "todo") == [1, 3]  # a key, or a column name in any case
    assert board.busy(ctx) == 2  # every item In Progress: the board's fleet width
    with pytest.raises(UsageError, match="no board column 'Doing'"):
        board.queue(ctx, "Doing")
    assert board.move(ctx, 4, board.IN_REVIEW, "by hand")
    assert world.status(4) == "In Review"
    # without dispatch_project the GitHub tracker has no board
    bare = open_context(world.project.repo, {}, tracker=ctx.tracker)
    assert not board.enabled(bare)
    assert board.move(bare, 4, board.TODO, "ignored") is False
    with pytest.raises(ConfigError, match="dispatch_project"):
        board.busy(bare)


def test_queue_pages_through_a_large_board(world: GitHubWorld) -> None:
    for n in range(1, 151):
        world.gh.add_issue(n)
        world.boards.add_item(world.board, n, "Todo" if n % 2 else "Done")
    ctx = world.context()
    assert board.queue(ctx, "Todo") == list(range(1, 151, 2))
    assert world.boards.calls.count("node") == 2  # 100 items a page


def test_columns_are_configurable(world: GitHubWorld) -> None:
    custom = world.boards.add_project(
        "octo", 4, columns=("Ready", "Doing", "Review", "Stuck", "Shipped")
    )
    world.gh.add_issue(7)
    tracker = GitHubTracker(world.gh.full_name, token=world.gh.token, api_url=world.gh.url)
    overrides = {
        "dispatch_project": "octo/4",
        "dispatch_statuses": ("Ready", "Doing", "Review", "Stuck", "Shipped"),
    }
    ctx = open_context(world.project.repo, overrides, tracker=tracker)
    assert board.move(ctx, 7, board.IN_PROGRESS, "started")
    assert world.boards.status(custom, 7) == "Doing"
    assert board.busy(ctx) == 1 and board.queue(ctx, "ready") == []


# -- the local tracker --------------------------------------------------------------------


def _column(project: Project, issue: int) -> str | None:
    return LocalBoard(project.tracker).status(issue)


def test_an_item_moves_through_the_columns_on_the_local_tracker(project: Project) -> None:
    issue = project.issue()
    spawned = project.spawn(issue, "complete", "0.5")
    assert _column(project, issue) == "In Progress"
    _exited(project, spawned["pid"])
    proc = project.gate("dispatch", "run", "--poll", "0.3", "--issues", str(issue),
                        "--agent-cmd", agent("complete"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    # the local tracker has no pull requests: the completed work is what is in review
    assert _column(project, issue) == "In Review"
    shown = project.gate("issue", "show", str(issue), "--format", "json")
    assert json.loads(shown.stdout)["issue"]["board_status"] == "In Review"
    text = project.gate("issue", "show", str(issue)).stdout
    assert text.splitlines()[0].endswith("(board: In Review)")
    blocked = project.issue("Call the staging API")
    proc = project.gate("dispatch", "run", "--poll", "0.3", "--issues", str(blocked),
                        "--agent-cmd", agent("report_blocked"))  # fmt: skip
    assert proc.returncode == 1 and _column(project, blocked) == "Blocked"
    crashed = project.issue("Parse the flags")
    proc = project.gate("dispatch", "run", "--poll", "0.3", "--issues", str(crashed),
                        "--max-attempts", "1", "--agent-cmd", agent("crash"))  # fmt: skip
    assert proc.returncode == 1 and _column(project, crashed) == "Todo"
    assert _moves(project, crashed) == [("In Progress", None), ("Todo", "In Progress")]


def test_local_queue_busy_and_show(project: Project) -> None:
    first, second, third = (project.issue(f"task {i}") for i in range(3))
    shown = project.gate("issue", "show", str(first), "--format", "json")
    assert json.loads(shown.stdout)["issue"]["board_status"] is None  # never on the board
    assert "(board:" not in project.gate("issue", "show", str(first)).stdout
    ctx = open_context(project.repo)
    assert board.enabled(ctx) and board.busy(ctx) == 0 and board.queue(ctx, "Todo") == []
    for n in (first, second, third):
        assert board.move(ctx, n, board.TODO, "triaged")
    assert board.move(ctx, second, board.IN_PROGRESS, "started")
    project.tracker.set_state(third, "closed")
    assert board.queue(ctx, "Todo") == [first]  # open issues only
    assert board.busy(ctx) == 1
    # an issue the tracker does not have: a warning and an audit event, no exception
    assert board.move(ctx, 99, board.TODO, "nothing") is False
    failed = [line for line in audit.read(project.state, 99) if line["event"] == "board-failed"]
    assert len(failed) == 1 and "#99" in failed[0]["message"]


def test_reading_the_local_board_creates_nothing(tmp_path: Path) -> None:
    project = Project(tmp_path)
    ctx = open_context(project.repo)
    assert board.queue(ctx, "Todo") == [] and board.busy(ctx) == 0
    assert not project.tracker.path.exists()


def test_an_unreachable_board_is_a_warning(
    world: GitHubWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    world.gh.add_issue(7)
    tracker = GitHubTracker(
        world.gh.full_name, token=world.gh.token, api_url=world.gh.url, retries=0
    )
    ctx = open_context(world.project.repo, {"dispatch_project": "octo/3"}, tracker=tracker)
    world.gh.fail_next(1, 502, path="/graphql")
    assert board.move(ctx, 7, board.IN_PROGRESS, "spawned") is False
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("review-gate: warning: board: could not move #7")
    assert "502" in err[0]
    assert board.move(ctx, 7, board.IN_PROGRESS, "spawned again")  # GitHub is back
    assert world.status(7) == "In Progress"
    events = [line["event"] for line in audit.read(world.project.state, 7)]
    assert events == ["board-failed", "board-moved"]


def test_run_takes_its_queue_from_a_board_column(project: Project) -> None:
    """`run --from-status Todo`: the queue is the column's issues (a spawn moves them on,
    the loop still follows them to the end); an issue elsewhere on the board is not taken."""
    todo = [project.issue(f"task {i}") for i in range(2)]
    elsewhere = project.issue("not ready")
    ctx = open_context(project.repo)
    for n in todo:
        assert board.move(ctx, n, board.TODO, "triaged")
    assert board.move(ctx, elsewhere, board.BLOCKED, "waiting on a vendor")
    proc = project.gate("dispatch", "run", "--poll", "0.3", "--from-status", "todo",
                        "--agent-cmd", agent("complete", "0.3"), "--format", "json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    summary = json.loads(proc.stdout.splitlines()[-1])["summary"]
    assert sorted((s["issue"], s["phase"]) for s in summary["issues"]) == [
        (n, "completed") for n in todo
    ]
    assert [_column(project, n) for n in todo] == ["In Review", "In Review"]
    assert _column(project, elsewhere) == "Blocked"
    assert not read_claims(project.tracker.list_comments(elsewhere), None).claims


def test_board_in_progress_items_take_slots(project: Project) -> None:
    """Busy slots are counted from the board: an item In Progress (another loop's, or
    moved there by hand) fills a fleet of one, so nothing starts until it moves on; and
    the hand-moved item itself, which no worker holds, is not taken."""
    ready, busy = project.issue("ready"), project.issue("someone is on it")
    ctx = open_context(project.repo)
    assert board.move(ctx, ready, board.TODO, "triaged")
    assert board.move(ctx, busy, board.IN_PROGRESS, "picked up by hand")
    options = RunOptions(from_status="Todo", max_workers=1, agent_cmd=agent("complete", "0.3"))
    events: list[Event] = []
    loop = Loop(ctx, options, events.append)
    [state] = loop.poll()
    assert (state.issue, state.phase) == (ready, "pending")
    assert not read_claims(project.tracker.list_comments(ready), None).claims
    assert board.move(ctx, busy, board.IN_REVIEW, "done by hand")
    [state] = loop.poll()
    assert (state.issue, state.phase) == (ready, "running")
    wait_for(lambda: loop.poll()[0].phase == "completed", what="the worker to complete")
    assert _column(project, ready) == "In Review" and _column(project, busy) == "In Review"
    assert not read_claims(project.tracker.list_comments(busy), None).claims


def test_a_board_column_that_does_not_exist_claims_nothing(project: Project) -> None:
    issue = project.issue()
    ctx = open_context(project.repo)
    assert board.move(ctx, issue, board.TODO, "triaged")
    proc = project.gate("dispatch", "run", "--from-status", "Ready", "--agent-cmd",
                        agent("complete"))  # fmt: skip
    assert proc.returncode == 2 and "no board column 'Ready'" in proc.stderr
    assert not read_claims(project.tracker.list_comments(issue), None).claims


def test_cleanup_moves_the_item_back(project: Project) -> None:
    """A worker stopped and cleaned up by hand leaves its item in Todo, not In Progress."""
    issue = project.issue()
    project.spawn(issue, "hang")
    assert _column(project, issue) == "In Progress"
    stop = project.gate("dispatch", "stop", "--issue", str(issue), "--grace", "1")
    assert stop.returncode == 0, stop.stderr
    cleaned = project.gate("dispatch", "cleanup", "--issue", str(issue), "--force")
    assert cleaned.returncode == 0, cleaned.stderr + cleaned.stdout
    assert _column(project, issue) == "Todo"
    assert _moves(project, issue)[-1] == ("Todo", "In Progress")


def test_a_board_queue_plans_phases_over_its_column_only(project: Project) -> None:
    """`--from-status` plans its phases on the column's items: an issue elsewhere that
    waits on an issue outside any queue is none of this run's business."""
    from review_gate.dispatch.run_plan import plan_waits

    ready = project.issue("ready")
    first = project.issue("first")
    after = project.tracker.create_issue("after the first", f"depends on #{first}").number
    project.tracker.create_issue("elsewhere", "depends on #99")  # not on the board
    ctx = open_context(project.repo)
    for issue in (ready, first, after):
        assert board.move(ctx, issue, board.TODO, "triaged")
    waits = plan_waits(ctx, RunOptions(from_status="Todo"))
    assert waits == {after: frozenset({first})}
