"""The backend protocol: looked up by name, and ``local`` behaving exactly as the
dispatcher's own functions (real worktrees, real processes, the local tracker)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from review_gate.dispatch.backends import BACKENDS, open_backend
from review_gate.dispatch.backends.base import Backend
from review_gate.dispatch.backends.local import LocalBackend
from review_gate.dispatch.context import open_context
from review_gate.dispatch.spawn import SpawnRequest
from review_gate.errors import Refused, UsageError
from tests.fake_agents.harness import Project, agent, alive, projects, wait_for


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def test_lookup_by_name_and_config(project: Project) -> None:
    ctx = open_context(project.repo)
    assert isinstance(open_backend(ctx), LocalBackend)  # the default
    assert open_backend(ctx, "local").name == "local"
    with pytest.raises(UsageError) as caught:
        open_backend(ctx, "kubernetes")
    assert "unknown dispatch backend 'kubernetes'" in str(caught.value)
    assert "local, github-actions" in str(caught.value.hint)
    # dispatch_backend in configuration chooses the default one
    chosen = open_context(project.repo, {"dispatch_backend": "github-actions"})
    assert chosen.config.dispatch_backend == "github-actions"
    assert set(BACKENDS) == {"local", "github-actions"}


def test_local_backend_start_state_log_collect(project: Project) -> None:
    issue = project.issue()
    backend: Backend = open_backend(open_context(project.repo), "local")
    started = backend.start(SpawnRequest(issue, agent_cmd=agent("complete")))
    assert started.issue == issue and started.attempt == 1
    assert started.to_json()["worker_id"] == started.worker_id
    pid = started.to_json()["pid"]
    wait_for(lambda: not alive(pid), what="agent exit")
    [worker] = backend.state([issue])
    assert (worker.worker_id, worker.state) == (started.worker_id, "completed")
    log = backend.log(issue)
    assert log.worker_id == started.worker_id and "fake agent: reviewed" in log.text
    assert log.source.endswith(f"{started.worker_id}.log")
    # the CLI sees the same thing: the adapter changed no behaviour
    assert project.status(issue)[0]["state"] == "completed"
    # collect refuses while the worktree holds unpushed work, and saves it with force
    with pytest.raises(Exception, match="holds 1 commit"):
        backend.collect(issue)
    cleaned = backend.collect(issue, force=True)
    assert cleaned.released == (started.worker_id,) and cleaned.bundle is not None
    assert Path(cleaned.bundle).is_file()


def test_local_backend_stop(project: Project) -> None:
    issue = project.issue()
    backend = LocalBackend(open_context(project.repo))
    started = backend.start(SpawnRequest(issue, agent_cmd=agent("hang")))
    wait_for(lambda: backend.state([issue])[0].state == "running", what="running")
    [stopped] = backend.stop(issue, grace=2)
    assert stopped.was_running and stopped.signalled >= 1
    assert not alive(started.pid)
    assert backend.state([issue])[0].state == "failed"


def test_log_of_an_issue_without_worker(project: Project) -> None:
    issue = project.issue()
    with pytest.raises(Refused, match=f"issue #{issue} has no worker"):
        LocalBackend(open_context(project.repo)).log(issue)
