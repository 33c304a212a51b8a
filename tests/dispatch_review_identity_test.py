"""The reviewer identity (``review_token_env``, ``review_author``): `gate dispatch spawn`
hands it to review workers only and scrubs it from implementers. Real git, the local
tracker, a fake agent that dumps its environment."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.config_values import Config
from review_gate.dispatch import review_identity
from tests.fake_agents.harness import Project, agent, alive, projects, wait_for

TOKEN = "ghp_reviewer0000000000000000000000000000"
MINE = "ghp_implementer000000000000000000000000"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def _dispatcher_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_GATE_")}
    env.update(extra)
    return env


def _start_dump(
    project: Project, tmp_path: Path, issue: int, command: tuple[str, ...], env: dict[str, str]
) -> dict[str, Any]:
    dump = tmp_path / f"{command[-1]}.json"
    proc = project.gate(
        "dispatch", *command, "--issue", str(issue), "--agent-cmd",
        agent("env_dump", str(dump)), "--format", "json", env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    pid = json.loads(proc.stdout)["pid"]
    seen = json.loads(wait_for(lambda: dump.exists() and dump.read_text(), what="env dump"))
    wait_for(lambda: not alive(pid), what="the agent to exit")
    return dict(seen["env"])


def test_review_worker_gets_the_identity_implementer_does_not(
    project: Project, tmp_path: Path
) -> None:
    (project.repo / ".review-gate.toml").write_text(
        'review_token_env = "REVIEWER_PAT"\nreview_author = "review-bot"\n'
    )
    env = _dispatcher_env(
        REVIEWER_PAT=TOKEN,
        GH_TOKEN=TOKEN,  # the same token under a second name is the same identity
        GITHUB_TOKEN=MINE,
        REVIEW_GATE_AUTHOR="Review-Bot",
    )
    issue = project.issue()
    implementer = _start_dump(project, tmp_path, issue, ("spawn",), env)
    assert "REVIEWER_PAT" not in implementer and "GH_TOKEN" not in implementer
    assert TOKEN not in implementer.values()
    assert implementer["GITHUB_TOKEN"] == MINE
    assert "REVIEW_GATE_AUTHOR" not in implementer
    released = project.gate("dispatch", "cleanup", "--issue", str(issue), "--keep-worktree")
    assert released.returncode == 0, released.stderr
    reviewer = _start_dump(project, tmp_path, issue, ("review",), env)
    assert reviewer["GH_TOKEN"] == reviewer["GITHUB_TOKEN"] == TOKEN
    assert reviewer["REVIEW_GATE_AUTHOR"] == "review-bot"
    assert "REVIEWER_PAT" not in reviewer


def test_default_variable_is_scrubbed_without_configuration() -> None:
    env = {"REVIEW_GATE_REVIEW_TOKEN": TOKEN, "GH_TOKEN": MINE, "REVIEW_GATE_AUTHOR": "me"}
    for role in ("implement", "research"):
        mine = dict(env)
        review_identity.apply(mine, role, Config())
        assert mine == {"GH_TOKEN": MINE, "REVIEW_GATE_AUTHOR": "me"}
    theirs = dict(env)
    review_identity.apply(theirs, "review", Config())
    assert theirs == {"GH_TOKEN": TOKEN, "GITHUB_TOKEN": TOKEN, "REVIEW_GATE_AUTHOR": "me"}


def test_without_a_reviewer_token_the_reviewer_keeps_the_dispatchers() -> None:
    """Nothing to hand over: the review is posted as the dispatcher's identity, which
    `[trust] review` should not list (the gate then says what is missing)."""
    env = {"GH_TOKEN": MINE}
    review_identity.apply(env, "review", Config(review_author="review-bot"))
    assert env == {"GH_TOKEN": MINE, "REVIEW_GATE_AUTHOR": "review-bot"}
