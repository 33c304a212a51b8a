"""Pure parts of the dispatcher: slugs, claims, reports, argv templates, prompts, /proc."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from review_gate.dispatch import agents, procs
from review_gate.dispatch.prompt import PromptInputs, handover_context, load_template, render
from review_gate.dispatch.registry import read_claims, release_body
from review_gate.dispatch.status import report_kind
from review_gate.dispatch.worktree import branch_name, slug
from review_gate.errors import UsageError
from review_gate.gates.common import trust_policy
from review_gate.trackers.base import Comment, Issue
from tests.artifact_samples import handover, review, worker_assignment


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Add the Settings parser!", "add-the-settings-parser"),
        ("  Fix: crash on ÜTF-8 -- input  ", "fix-crash-on-tf-8-input"),
        ("a" * 60, "a" * 40),
        ("x" * 39 + " tail", "x" * 39),  # no trailing '-' after the cut
        ("!!!", "issue"),
        ("Use $(rm -rf /) in `title`", "use-rm-rf-in-title"),
    ],
)
def test_slug(title: str, expected: str) -> None:
    assert slug(title) == expected
    assert branch_name(7, title) == f"feature/7-{expected}"


def _comment(cid: int, body: str, *, association: str = "OWNER", author: str = "me") -> Comment:
    at = f"2026-11-21T10:00:{cid:02d}Z"
    return Comment(cid, author, association, at, at, body, f"local:{cid}")


def _assign(worker: str, **extra: object) -> str:
    return worker_assignment(worker, extra=dict(extra))


def _release(worker: str | None) -> str:
    if worker is None:
        return worker_assignment(assigned=False)
    return release_body(worker, "failed", "2026-11-21T11:00:00Z")


TRUSTED = trust_policy()


@pytest.mark.parametrize(
    ("bodies", "active", "holder"),
    [
        ([], [], None),
        ([_assign("worker-1-7")], ["worker-1-7"], "worker-1-7"),
        ([_assign("worker-1-7"), _release("worker-1-7")], [], None),
        # the seeds' release names nobody: it ends every earlier claim
        ([_assign("worker-1-7"), _assign("worker-2-7"), _release(None)], [], None),
        # a release by id ends only that claim
        ([_assign("worker-1-7"), _assign("worker-2-7"), _release("worker-1-7")],
         ["worker-2-7"], "worker-2-7"),
        # two racing claims: the earliest wins
        ([_assign("worker-2-7"), _assign("worker-1-7")], ["worker-2-7", "worker-1-7"],
         "worker-2-7"),
        # racing in the same second with the same id: both claims stay, the first wins
        ([_assign("worker-1-7"), _assign("worker-1-7")], ["worker-1-7", "worker-1-7"],
         "worker-1-7"),
        # a release before a claim does not end it
        ([_release("worker-1-7"), _assign("worker-1-7")], ["worker-1-7"], "worker-1-7"),
        # a claim quoted in a code fence is no claim
        (["```markdown\n" + _assign("worker-1-7") + "```\n"], [], None),
    ],
)  # fmt: skip
def test_read_claims(bodies: list[str], active: list[str], holder: str | None) -> None:
    claims = read_claims([_comment(i + 1, b) for i, b in enumerate(bodies)], TRUSTED)
    assert [c.worker_id for c in claims.active] == active
    assert (claims.holder.worker_id if claims.holder else None) == holder
    if claims.holder is not None:
        assert claims.holder.comment.id == min(c.comment.id for c in claims.active)


def test_untrusted_claims_and_releases_do_not_count() -> None:
    comments = [
        _comment(1, _assign("worker-1-7")),
        _comment(2, _release("worker-1-7"), association="NONE", author="mallory"),
        _comment(3, _assign("worker-9-7"), association="CONTRIBUTOR", author="mallory"),
    ]
    claims = read_claims(comments, TRUSTED)
    assert [c.worker_id for c in claims.active] == ["worker-1-7"]


def test_claim_fields_and_counts() -> None:
    comments = [
        _comment(1, _assign("worker-1-7", attempt=1, host="h", pid=42)),
        _comment(2, release_body("worker-1-7", "failed", "2026-11-21T11:00:00Z")),
        _comment(3, _assign("worker-2-7", attempt=2, heartbeat_at="2026-11-21T12:00:00Z")),
        _comment(4, release_body("worker-2-7", "handover", "2026-11-21T13:00:00Z")),
    ]
    claims = read_claims(comments, TRUSTED)
    first = claims.claim_of("worker-1-7")
    assert first is not None and (first.host, first.pid, first.attempt) == ("h", 42, 1)
    assert claims.attempts == 2 and claims.failures() == 1 and claims.handovers() == 1
    second = claims.claim_of("worker-2-7")
    assert second is not None and second.heartbeat_at is not None
    assert second.heartbeat_at.hour == 12


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("🤖 **Worker Blocked**\n\n🚫 **Reason:** no token", "blocked"),
        ("**Worker Blocked**", "blocked"),
        ("🤖 **Worker Failed - Research Needed**\n", "failed"),
        ("> 🤖 **Worker Blocked**", None),  # quoted
        ("```\n🤖 **Worker Blocked**\n```", None),  # in a fence
        ("The worker was **Worker Blocked** earlier", None),  # not a heading line
        ("🤖 **Worker Complete** ✅", None),
    ],
)
def test_report_kind(body: str, kind: str | None) -> None:
    assert report_kind(body) == kind


def _launch(tmp_path: Path, prompt: str = "do it") -> agents.Launch:
    return agents.Launch(prompt, tmp_path / "p.md", 7, tmp_path / "wt x", "worker-1-7")


def test_custom_template_is_split_like_a_shell(tmp_path: Path) -> None:
    agent = agents.resolve("claude", "my-agent --file {prompt_file} 'issue #{issue}' {worktree}")
    command = agent.command(_launch(tmp_path))
    assert command.argv == (
        "my-agent",
        "--file",
        str(tmp_path / "p.md"),
        "issue #7",
        str(tmp_path / "wt x"),
    )


@pytest.mark.parametrize("template", ["", "   ", "unclosed 'quote"])
def test_bad_templates(template: str) -> None:
    with pytest.raises(UsageError):
        agents.resolve("claude", template)


def test_claude_and_codex_argv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEW_GATE_CLAUDE", "/opt/claude")
    monkeypatch.setenv("REVIEW_GATE_CODEX", "/opt/codex")
    claude = agents.resolve("claude", None).command(_launch(tmp_path))
    assert claude.argv[:3] == ("/opt/claude", "-p", "do it")
    assert claude.argv[3:] == (
        "--allowedTools",
        agents.CLAUDE_TOOLS,
        "--output-format",
        "stream-json",
        "--verbose",
    )
    launch = _launch(tmp_path)._replace(extra_args=("-c", "hooks.state={}"))
    codex = agents.resolve("codex", None).command(launch)
    assert codex.argv == ("/opt/codex", "exec", "--json", "-c", "hooks.state={}", "do it")
    big = agents.resolve("claude", None).command(_launch(tmp_path, "x" * 200_000))
    assert big.stdin_prompt and "x" * 200_000 not in big.argv


def test_missing_agent_binary_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UsageError, match="cannot find the claude command"):
        agents.resolve("claude", None).command(_launch(tmp_path))
    with pytest.raises(UsageError, match="unknown agent"):
        agents.resolve("aider", None)


def _inputs(**kw: object) -> PromptInputs:
    issue = Issue(7, "Parse settings", "Body with $dollar and ${brace}", "open", (), "u")
    values: dict[str, object] = dict(
        issue=issue, worker_id="worker-1-7", attempt=2, branch="feature/7-parse-settings",
        base="main", worktree="/w", tracker="local",
    )  # fmt: skip
    values.update(kw)
    return PromptInputs(**values)  # type: ignore[arg-type]


def test_prompt_has_issue_identity_protocol_and_contexts() -> None:
    text = render(load_template(), _inputs(handover="HANDOVER BLOCK", failure="it crashed"))
    for needle in (
        "#7 Parse settings", "Body with $dollar and ${brace}", "worker-1-7", "**Attempt:** 2",
        "gate new review --issue 7 > review.md", "gate issue comment 7 --body-file review.md",
        "gate new handover --issue 7", "**Worker Blocked**", "## Exit Conditions",
        "## Context from the previous worker", "HANDOVER BLOCK",
        "## Failure context from the previous attempt", "it crashed",
    ):  # fmt: skip
        assert needle in text, needle
    plain = render(load_template(), _inputs())
    assert "Context from the previous worker" not in plain and "Failure context" not in plain
    github = render(load_template(), _inputs(tracker="github"))
    assert "gh issue comment 7 --body-file review.md" in github


def test_custom_prompt_template(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_text("Do #$issue as $worker_id; keep $HOME\n")
    assert render(load_template(path), _inputs()) == "Do #7 as worker-1-7; keep $HOME\n"
    with pytest.raises(UsageError, match="cannot read prompt template"):
        load_template(tmp_path / "missing.md")


def test_handover_context_is_the_latest_valid_trusted_block() -> None:
    comments = [
        _comment(1, handover(7, next_steps=("first",))),
        _comment(2, handover(7, next_steps=("second",))),
        _comment(3, "<!-- HANDOVER:START -->\nbroken\n<!-- HANDOVER:END -->\n"),
        _comment(4, handover(7, next_steps=("forged",)), association="NONE", author="x"),
        _comment(5, review(7)),
    ]
    text = handover_context(comments, TRUSTED)
    assert text is not None and "1. second" in text and text.startswith("<!-- HANDOVER:START")
    assert handover_context(comments, TRUSTED, after=comments[1]) is None
    assert handover_context(comments[2:], TRUSTED) is None


def test_start_time_tells_a_reused_pid_apart() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = procs.start_time(proc.pid)
        assert started is not None
        assert procs.is_alive(proc.pid, started)
        assert not procs.is_alive(proc.pid, started + 1)  # same pid, another process
        assert not procs.is_alive(proc.pid, started, boot="another-boot")
    finally:
        proc.kill()
        proc.wait()
    assert not procs.is_alive(proc.pid, started)
    assert procs.proc_info(os.getpid()) is not None
    assert procs.proc_info(0) is None
