"""Pure parts of the dispatcher: slugs, claims, reports, argv templates, prompts, /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from review_gate.dispatch import agents, procs
from review_gate.dispatch.prompt import PromptInputs, handover_context, load_template, render
from review_gate.dispatch.registry import read_claims, release_body
from review_gate.dispatch.status import report_kind
from review_gate.dispatch.worktree import branch_name, slug
from review_gate.errors import UsageError
from review_gate.gates.common import trust_policy
from review_gate.records import Comment, Issue
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


def _program(folder: Path, name: str, body: str = "#!/bin/sh\nexit 0\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body)
    path.chmod(0o755)
    return path


def test_claude_and_codex_argv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    claude_bin = _program(tmp_path / "opt", "claude")
    codex_bin = _program(tmp_path / "opt", "codex")
    monkeypatch.setenv("REVIEW_GATE_CLAUDE", str(claude_bin))
    monkeypatch.setenv("REVIEW_GATE_CODEX", str(codex_bin))

    def prepared(kind: str) -> agents.Agent:
        return agents.prepare(agents.resolve(kind, None), path="", cwd=tmp_path)

    claude = prepared("claude").command(_launch(tmp_path))
    assert claude.argv[:3] == (str(claude_bin), "-p", "do it")
    assert claude.argv[3:] == (
        "--allowedTools",
        agents.CLAUDE_TOOLS,
        "--output-format",
        "stream-json",
        "--verbose",
    )
    launch = _launch(tmp_path)._replace(extra_args=("-c", "hooks.state={}"))
    codex = prepared("codex").command(launch)
    assert codex.argv == (str(codex_bin), "exec", "--json", "-c", "hooks.state={}", "do it")
    big = prepared("claude").command(_launch(tmp_path, "x" * 200_000))
    assert big.stdin_prompt and "x" * 200_000 not in big.argv


@pytest.mark.parametrize("kind", ["claude", "codex"])
def test_missing_agent_binary_is_a_clear_error(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = str(tmp_path / "empty")
    with pytest.raises(UsageError, match=f"cannot find the {kind} command on PATH"):
        agents.prepare(agents.resolve(kind, None), path=empty, cwd=tmp_path)
    variable = f"REVIEW_GATE_{kind.upper()}"
    monkeypatch.setenv(variable, str(tmp_path / "nope"))
    with pytest.raises(UsageError, match=f"{variable}=.*nope is not an executable file"):
        agents.prepare(agents.resolve(kind, None), path=empty, cwd=tmp_path)
    with pytest.raises(UsageError, match="unknown agent"):
        agents.resolve("aider", None)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("no-such-xyz {prompt_file}", "agent command not found: no-such-xyz (not on PATH)"),
        ("./missing.sh {issue}", "agent command not found: ./missing.sh (no such file)"),
        ("./plain.txt", "agent command not found: ./plain.txt (not an executable file)"),
        ("./badbang.sh", "#! interpreter /no/such/interp is not an executable file"),
        ("./envbang.sh", "its #! line runs no-such-interp, which is not on PATH"),
        ("/ {issue}", "agent command not found: / (not an executable file)"),
    ],
)  # fmt: skip
def test_agent_program_is_checked_before_anything(
    template: str, message: str, tmp_path: Path
) -> None:
    (tmp_path / "plain.txt").write_text("x")
    _program(tmp_path, "badbang.sh", "#!/no/such/interp\n")
    _program(tmp_path, "envbang.sh", "#!/usr/bin/env -S no-such-interp -x\n")
    with pytest.raises(UsageError) as raised:
        agents.prepare(agents.resolve("claude", template), path=str(tmp_path), cwd=tmp_path)
    assert message in raised.value.message


def test_agent_program_found_on_path_or_relative_to_cwd(tmp_path: Path) -> None:
    _program(tmp_path / "bin", "my-agent")
    local = _program(tmp_path, "local.sh")
    on_path = agents.prepare(
        agents.resolve("claude", "my-agent {issue}"), path=str(tmp_path / "bin"), cwd=tmp_path
    )
    assert on_path.command(_launch(tmp_path)).argv == ("my-agent", "7")  # PATH stays the judge
    relative = agents.prepare(agents.resolve("claude", "./local.sh"), path="", cwd=tmp_path)
    assert relative.command(_launch(tmp_path)).argv == (str(local),)  # cwd-independent
    # argv[0] from a placeholder is only known once the worktree exists: not checked here
    later = agents.prepare(agents.resolve("claude", "{worktree}/run.sh"), path="", cwd=tmp_path)
    assert later.command(_launch(tmp_path)).argv == (str(tmp_path / "wt x" / "run.sh"),)


@pytest.mark.parametrize(
    ("template", "name"),
    [("{bogus}", "bogus"), ("agent --x {prompt}", "prompt"), ("a {Issue}", "Issue")],
)
def test_unknown_placeholder_is_named_with_the_known_ones(template: str, name: str) -> None:
    with pytest.raises(UsageError) as raised:
        agents.resolve("claude", template)
    assert raised.value.message == (
        f"--agent-cmd: unknown placeholder {{{name}}}; known: {{prompt_file}}, {{issue}}, "
        "{worktree}, {worker_id}"
    )
    assert raised.value.hint is not None and f"{{{{{name}}}}}" in raised.value.hint


def test_placeholders_fill_once_and_leave_other_braces(tmp_path: Path) -> None:
    template = 'a {{issue}} \'{"k": {"v": 1}}\' ${HOME} {worktree} {issue}'
    launch = _launch(tmp_path)._replace(worktree=tmp_path / "{issue}")
    argv = agents.resolve("claude", template).command(launch).argv
    assert argv == ("a", "{issue}", '{"k": {"v": 1}}', "${HOME}", str(tmp_path / "{issue}"), "7")


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
        "gate new review --issue 7 > ", "review-gate-drafts-worker-1-7/review.md",
        "gate issue comment 7 --body-file ", "never in the worktree",
        "gate new handover --issue 7", "gate new KIND > ", "a `blocked` report",
        "review-gate-drafts-worker-1-7/report.md", "## Exit Conditions",
        "## Context from the previous worker", "HANDOVER BLOCK",
        "## Failure context from the previous attempt", "it crashed",
    ):  # fmt: skip
        assert needle in text, needle
    plain = render(load_template(), _inputs())
    assert "Context from the previous worker" not in plain and "Failure context" not in plain
    github = render(load_template(), _inputs(tracker="github"))
    assert "gh issue comment 7 --body-file " in github
    drafts = os.path.join(tempfile.gettempdir(), "review-gate-drafts-worker-1-7")
    assert f"--body-file {drafts}/review.md" in github and drafts not in ("", ".")


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


DISPATCH_COMMANDS = ("spawn", "status", "list", "stop", "cleanup", "replace", "run")


@pytest.mark.parametrize("name", DISPATCH_COMMANDS)
def test_every_dispatch_option_is_explained(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    import click

    from review_gate.cli import main
    from review_gate.cli.dispatch import dispatch

    command = dispatch.commands[name]
    undocumented = [p.opts[0] for p in command.params if isinstance(p, click.Option) and not p.help]
    assert undocumented == []
    assert main(["dispatch", name, "--help"]) == 0
    text = capsys.readouterr().out
    assert "RANGE" not in text and "INTEGER" not in text and "FLOAT" not in text
    assert "-C, --cwd DIR " in text
    if any(p.name == "issue" for p in command.params):
        assert "--issue N" in text and "7 or #7" in text


def test_dispatch_summary_is_not_cut_off(capsys: pytest.CaptureFixture[str]) -> None:
    from review_gate.cli import main

    assert main(["--help"]) == 0
    line = next(
        ln for ln in capsys.readouterr().out.splitlines() if ln.strip().startswith("dispatch")
    )
    assert not line.endswith("...") and "workers" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["spawn", "--issue", "#x"], "'#x' is not an issue number"),
        (["status", "--issue", "0"], "'0' is not an issue number"),
        (["run", "--issues", "1,#x"], "--issues must be comma-separated issue numbers"),
        (["status", "-C", "/nonexistent/dir"], "'/nonexistent/dir' does not exist"),
    ],
)
def test_dispatch_usage_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from review_gate.cli import main

    assert main(["dispatch", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("gate: error: ") and "Traceback" not in err


def test_issues_list_takes_hash_numbers() -> None:
    from review_gate.cli.dispatch import _issue_list

    assert _issue_list("#3, 1,#3") == (3, 1)


@pytest.mark.parametrize(
    "worker_id", ["worker-1701523200-7", "worker-1701523200-7-3fa9c1", "worker-1-7"]
)
def test_seed_and_dispatcher_worker_ids_are_both_valid(worker_id: str) -> None:
    from review_gate.artifacts.extract import extract

    body = _assign(worker_id, issue=7, attempt=1, orchestration="run-1701523200-abcdef")
    (artifact,) = extract(body)
    assert artifact.valid, artifact.errors
    claims = read_claims([_comment(1, body)], TRUSTED)
    assert claims.holder is not None and claims.holder.orchestration == "run-1701523200-abcdef"


def test_a_second_release_of_one_worker_is_no_second_failure() -> None:
    comments = [
        _comment(1, _assign("worker-1-7-aaaaaa", attempt=1)),
        _comment(2, _release("worker-1-7-aaaaaa")),
        _comment(3, _release("worker-1-7-aaaaaa")),  # a stale loop released it again
        _comment(4, _release("worker-9-7-bbbbbb")),  # a release of no claim at all
    ]
    claims = read_claims(comments, TRUSTED)
    assert claims.failures() == 1 and claims.attempts == 1 and not claims.active


def test_new_worker_ids_are_unique_and_keep_the_seed_prefix(tmp_path: Path) -> None:
    import re
    from types import SimpleNamespace

    from review_gate.dispatch.claim import new_worker_id

    ctx = SimpleNamespace(state=tmp_path)
    ids = {new_worker_id(ctx, 7, read_claims([], TRUSTED)) for _ in range(200)}  # type: ignore[arg-type]
    assert len(ids) == 200
    assert all(re.fullmatch(r"worker-\d+-7-[0-9a-f]{6}", i) for i in ids)
