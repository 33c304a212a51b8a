"""`require_independent_review` with the real CLIs: Claude Code implements, the Codex CLI
reviews (`gate dispatch review --agent codex`), both against scripted local APIs and the
local tracker.

The repository commits `require_independent_review = true`, `review_author = "review-bot"`
and `[trust] review = ["review-bot"]`. The dispatcher hands `review-bot` to review workers
only. So:

1. Claude commits the change (the head under review); its claim is released.
2. A Codex review worker is registered for the issue (its WORKER claim, role review) and
   looks at the head.
3. A second Claude attempt posts a REVIEW itself, with its own identity, naming the review
   worker's id and the head: the gate stays shut (the author is no reviewer identity).
4. A second Codex review worker posts its REVIEW of the head, naming itself: the gate opens.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.trackers.local import LocalTracker
from tests.artifact_samples import review
from tests.e2e.conftest import RUN_TIMEOUT
from tests.e2e.dispatch_codex_test import codex_home, executed
from tests.e2e.standins import AnthropicStandin, ResponsesStandin
from tests.fake_agents.harness import alive, wait_for
from tests.helpers import commit_file, git, init_repo_with_remote, run_gate

pytestmark = pytest.mark.e2e

COMMIT_COMMAND = (
    "printf 'print(\"hi\")\\n' > app.py && git add app.py"
    " && git commit -q -m 'feat: add the app (#7)' && git rev-parse HEAD"
)
CONFIG = (
    "require_independent_review = true\n"
    'review_author = "review-bot"\n'
    "[trust]\n"
    'review = ["review-bot"]\n'
)
# Outside /tmp, where Codex's sandbox may not write unless the dispatcher says so.
OUTSIDE_TMP = Path("/var/tmp")


@pytest.fixture
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="rg-independent-", dir=OUTSIDE_TMP)).resolve()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_GATE_")}
    env.update(extra)
    return env


def _finish(repo: Path, started: dict[str, Any], what: str) -> None:
    """Wait for the worker to exit, then release its claim (the worktree stays)."""
    try:
        wait_for(lambda: not alive(started["pid"]), timeout=RUN_TIMEOUT, what=what)
    finally:
        if alive(started["pid"]):
            run_gate("dispatch", "stop", "--issue", "7", "--grace", "2", cwd=repo)
    proc = run_gate("dispatch", "cleanup", "--issue", "7", "--keep-worktree", cwd=repo)
    assert proc.returncode == 0, proc.stderr


def _spawn(repo: Path, env: dict[str, str], *args: str) -> dict[str, Any]:
    proc = run_gate("dispatch", *args, "--issue", "7", "--format", "json", cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return dict(json.loads(proc.stdout))


def _claude(repo: Path, claude: Path, script: list[str]) -> dict[str, Any]:
    with AnthropicStandin(script) as api:
        env = _env(
            REVIEW_GATE_CLAUDE=str(claude),
            ANTHROPIC_BASE_URL=api.url,
            ANTHROPIC_API_KEY="standin-key",
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
            DISABLE_TELEMETRY="1",
            DISABLE_AUTOUPDATER="1",
            # an accident the dispatcher absorbs: its own default author is the reviewer
            # login, which an implementer must not inherit
            REVIEW_GATE_AUTHOR="review-bot",
        )
        started = _spawn(repo, env, "spawn", "--agent", "claude")
        _finish(repo, started, "claude to exit")
        assert api.steps_used == len(script), Path(started["log"]).read_text()[-3000:]
    return started


def _codex(repo: Path, codex: Path, script: list[str], tmp_path: Path) -> dict[str, Any]:
    with ResponsesStandin(script) as api:
        home = tmp_path / f"codex-{len(list(tmp_path.glob('codex-*')))}"
        home.mkdir()
        env = _env(
            REVIEW_GATE_CODEX=str(codex),
            CODEX_HOME=str(codex_home(home, api)),
            MOCK_KEY="standin-key",
        )
        started = _spawn(repo, env, "review", "--agent", "codex")
        _finish(repo, started, "codex to exit")
        log = Path(started["log"])
        ran = executed(log)
        assert len(ran) == len(script), (ran, log.read_text()[-3000:])
        assert [item["exit_code"] for item in ran] == [0] * len(script), ran
    return started


def _gate(repo: Path, head: str) -> tuple[int, dict[str, Any]]:
    proc = run_gate("check", "--issue", "7", "--head", head, "--format", "json", cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    [verdict] = json.loads(proc.stdout)["verdicts"]
    return proc.returncode, verdict


def test_only_the_review_workers_review_opens_the_gate(
    claude_bin: Path, codex_bin: Path, workdir: Path, tmp_path: Path
) -> None:
    repo, _ = init_repo_with_remote(workdir)
    commit_file(repo, ".review-gate.toml", CONFIG, "chore: independent review")
    git(repo, "push", "-q", "origin", "main")
    tracker = LocalTracker.for_checkout(repo)
    tracker.create_issue("Add the app", "Print hi.", number=7)

    # 1. the implementer commits the change
    implementer = _claude(repo, claude_bin, [COMMIT_COMMAND])
    head = git(Path(implementer["worktree"]), "rev-parse", "HEAD").strip()
    assert git(repo, "rev-parse", implementer["branch"]).strip() == head

    # 2. a review worker is registered for the issue and reads the head
    first = _codex(repo, codex_bin, ["git rev-parse HEAD"], tmp_path)
    reviewer = first["worker_id"]
    assert first["head"] == head

    # 3. the implementer posts a REVIEW itself: its own identity, the reviewer's worker id
    forged = tmp_path / "forged-review.md"
    forged.write_text(review(7, worker=reviewer, commit=head))
    second = _claude(repo, claude_bin, [f"gate issue comment 7 --body-file {forged}"])
    assert second["worker_id"] != reviewer
    posted = [c for c in tracker.list_comments(7) if "REVIEW:START" in c.body]
    assert len(posted) == 1 and posted[0].author != "review-bot"
    rc, verdict = _gate(repo, head)
    assert rc == 1, verdict
    assert [r["code"] for r in verdict["reasons"]] == ["no-review"]
    ignored = [n for n in verdict["notes"] if n["code"] == "ignored-untrusted"]
    assert len(ignored) == 1 and f"@{posted[0].author}" in ignored[0]["message"]

    # 4. a review worker posts its REVIEW of the head, as the reviewer identity
    def post(body: Any) -> str:
        # As a reviewer writes it: its own worker id, from its prompt, in literal text (a
        # read-only worker's command takes no `$VARIABLES`, hooks/read_only_shell.py).
        [worker] = set(re.findall(r"\*\*Worker ID:\*\* `?(worker-[0-9]+-7-[0-9a-f]+)", str(body)))
        text = review(7, worker=worker, commit=head)
        return f"gate issue comment 7 --body-file - <<'EOF'\n{text}\nEOF"

    last = _codex(repo, codex_bin, [post], tmp_path)
    reviews = [c for c in tracker.list_comments(7) if "REVIEW:START" in c.body]
    assert len(reviews) == 2 and reviews[-1].author == "review-bot"
    assert last["worker_id"] in reviews[-1].body
    rc, verdict = _gate(repo, head)
    assert rc == 0, verdict
    [note] = [n for n in verdict["notes"] if n["code"] == "independent-review"]
    assert last["worker_id"] in note["message"]
    assert implementer["worker_id"] in note["message"] and second["worker_id"] in note["message"]
