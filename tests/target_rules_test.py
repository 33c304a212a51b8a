"""The rules of the front door, as classes of input: closing keywords, fully qualified refs,
both sides of renames, committed configuration read as it is committed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate import git, target
from review_gate.config import Config
from review_gate.errors import ConfigError, UsageError
from review_gate.target import Repository, checkout_policy, closing_issues, find_base
from tests.helpers import commit_file, init_repo_with_remote, run_gate
from tests.helpers import git as run_git

REPO = "octo/project"
KEYWORDS = ("close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved")


def _cased(draw: st.DrawFn, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if f else c for c, f in zip(word, flips, strict=True))


@st.composite
def closing_reference(draw: st.DrawFn) -> tuple[str, int, bool]:
    """``(text, number, ours)``: a closing keyword and a reference of this repository or
    of another one, in every form GitHub accepts, inside some prose."""
    number = draw(st.integers(min_value=1, max_value=99999))
    keyword = _cased(draw, draw(st.sampled_from(KEYWORDS)))
    separator = draw(st.sampled_from([" ", "  ", ": ", ":\t", "\t"]))
    ours = draw(st.booleans())
    other = draw(st.sampled_from(["other/repo", "octo/project2", "octo-x/project", "a/b"]))
    repo = _cased(draw, REPO) if ours else other
    form = draw(st.sampled_from(["hash", "qualified", "url"]))
    if form == "hash":
        ref, ours = f"#{number}", True
    elif form == "qualified":
        ref = f"{repo}#{number}"
    else:
        host = draw(st.sampled_from(["github.com", "ghe.example.com"]))
        ref = f"https://{host}/{repo}/issues/{number}"
    before = draw(st.sampled_from(["", "This PR ", "Done.\n\n", "- [x] ", "("]))
    after = draw(st.sampled_from(["", ".", " and more", ")", "\nThanks"]))
    return f"{before}{keyword}{separator}{ref}{after}", number, ours


@given(closing_reference())
def test_closing_references_of_this_repository_count_and_others_never(
    case: tuple[str, int, bool],
) -> None:
    text, number, ours = case
    assert (number in closing_issues(text, REPO)) is ours
    # Where the repository is unknown, a qualified reference counts: gating more is safe.
    assert number in closing_issues(text, None)


@given(
    st.sampled_from(
        ["prefixes", "hotfixes", "unclosed", "reclosed", "bugfix", "x-fixes", "a/fixes"]
    ),
    st.integers(min_value=1, max_value=999),
)
def test_a_keyword_inside_another_word_closes_nothing(word: str, number: int) -> None:
    assert closing_issues(f"{word} #{number}", REPO) == []


@given(st.text(max_size=300))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_closing_issues_never_fails_and_gives_positive_numbers(text: str) -> None:
    found = closing_issues(text, REPO)
    assert all(isinstance(n, int) and n > 0 for n in found)
    assert len(found) == len(set(found))


def test_branch_issue_comes_first_then_the_body_then_the_environment() -> None:
    config = Config(issue=9, sources={"issue": "env REVIEW_GATE_ISSUE"})
    issues, source = target.gated_issues("feature/7-x", ["Closes #8, fixes #7"], config, REPO)
    assert issues == (7, 8, 9)
    assert "branch feature/7-x" in source and "REVIEW_GATE_ISSUE" in source


# -- refs ----------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo, _ = init_repo_with_remote(tmp_path)
    run_git(repo, "checkout", "-q", "-b", "feature/7-x")
    commit_file(repo, "src/app.py", "x = 1\n")
    return repo


@pytest.mark.parametrize("tag", ["main", "origin/main", "origin/HEAD", "refs/remotes/origin/main"])
def test_a_tag_never_stands_in_for_the_base(project: Path, tag: str) -> None:
    run_git(project, "tag", tag.removeprefix("refs/"), "HEAD")
    refs = Repository(project).refs
    base = find_base(refs, None)
    assert base is not None and base.name == "refs/remotes/origin/main"
    assert base.sha == run_git(project, "rev-parse", "refs/remotes/origin/main").strip()
    assert all(
        n.startswith(("refs/remotes/", "refs/heads/")) for n in target.base_candidates(refs, "main")
    )


@pytest.mark.parametrize("name", ["main", "origin/main"])
def test_an_ambiguous_name_is_refused(project: Path, name: str) -> None:
    run_git(project, "tag", name, "HEAD")
    refs = Repository(project).refs
    with pytest.raises(UsageError, match="ambiguous"):
        git.resolve_name(refs, name)
    proc = run_gate("check", "--issue", "7", "--config-ref", name, cwd=project)
    assert proc.returncode == 2
    assert "ambiguous" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_gate("check", "--issue", "7", "--head", name, cwd=project)
    assert proc.returncode == 2 and "ambiguous" in proc.stderr


def test_refs_are_read_fully_qualified(project: Path) -> None:
    refs = Repository(project).refs
    assert {"refs/heads/main", "refs/heads/feature/7-x", "refs/remotes/origin/main"} <= set(refs)
    head = refs["refs/remotes/origin/HEAD"]
    assert head.target == "refs/remotes/origin/main"


# -- changed files -------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["mv", "copy-then-delete", "mv-and-edit"])
def test_a_rename_counts_both_paths(tmp_path: Path, how: str) -> None:
    repo, _ = init_repo_with_remote(tmp_path)
    commit_file(repo, "src/auth/tokens.py", "SECRET = 1\n" * 20)
    run_git(repo, "push", "-q", "origin", "main")
    run_git(repo, "checkout", "-q", "-b", "feature/7-x")
    if how == "copy-then-delete":
        (repo / "src/tokens.py").write_text((repo / "src/auth/tokens.py").read_text())
        run_git(repo, "rm", "-q", "src/auth/tokens.py")
        run_git(repo, "add", "src/tokens.py")
    else:
        run_git(repo, "mv", "src/auth/tokens.py", "src/plain.py")
        if how == "mv-and-edit":
            (repo / "src/plain.py").write_text("SECRET = 2\n" + "SECRET = 1\n" * 19)
            run_git(repo, "add", "src/plain.py")
    run_git(repo, "-c", "diff.renames=copies", "commit", "-q", "-m", "refactor: move")
    found = Repository(repo)
    assert found.checkout is not None
    files, _ = found.changes(find_base(found.refs, None), found.checkout.head, Config())
    assert files is not None and "src/auth/tokens.py" in files
    assert len(files) == 2


# -- committed configuration ---------------------------------------------------------------


def _policy(repo: Path, environ: dict[str, str] | None = None) -> Config:
    return checkout_policy(Repository(repo), environ or {})[0]


def test_the_policy_is_the_base_branchs_committed_file(project: Path) -> None:
    run_git(project, "checkout", "-q", "main")
    commit_file(project, ".review-gate.toml", "require_commit = true\n")
    run_git(project, "push", "-q", "origin", "main")
    run_git(project, "checkout", "-q", "feature/7-x")
    (project / ".review-gate.toml").write_text("require_commit = false\n")  # the agent's edit
    config = _policy(project)
    assert config.require_commit is True
    assert config.config_file == "origin/main:.review-gate.toml"


def test_replacement_objects_do_not_change_the_committed_policy(project: Path) -> None:
    # `git replace` makes a commit read as another one: the gate must read the real one.
    run_git(project, "checkout", "-q", "main")
    commit_file(project, ".review-gate.toml", "require_commit = true\n")
    run_git(project, "push", "-q", "origin", "main")
    real = run_git(project, "rev-parse", "HEAD").strip()
    commit_file(project, ".review-gate.toml", "require_commit = false\n")
    fake = run_git(project, "rev-parse", "HEAD").strip()
    run_git(project, "reset", "-q", "--hard", real)
    run_git(project, "replace", real, fake)
    run_git(project, "checkout", "-q", "-f", "feature/7-x")
    assert "require_commit = false" in run_git(project, "show", "origin/main:.review-gate.toml")
    assert _policy(project).require_commit is True


def test_environment_injected_git_config_is_ignored(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_git(project, "checkout", "-q", "main")
    commit_file(project, ".review-gate.toml", "require_commit = true\n")
    run_git(project, "push", "-q", "origin", "main")
    run_git(project, "checkout", "-q", "feature/7-x")
    # Rewriting the remote-tracking namespace through injected configuration, say,
    # must not move what the gate reads.
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "core.replaceRefs")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "false")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.bare'='true'")
    assert _policy(project, dict(os.environ)).require_commit is True


@pytest.mark.parametrize("kind", ["symlink", "directory", "not-utf8", "bad-toml"])
def test_a_committed_config_that_is_not_a_text_file(project: Path, kind: str) -> None:
    run_git(project, "checkout", "-q", "main")
    path = project / ".review-gate.toml"
    if kind == "symlink":
        (project / "real.toml").write_text("require_commit = false\n")
        path.symlink_to("real.toml")
    elif kind == "directory":
        path.mkdir()
        (path / "x").write_text("x\n")
    elif kind == "not-utf8":
        path.write_bytes(b"require_commit = \xff\n")
    else:
        path.write_text("require_commit = = true\n")
    run_git(project, "add", "-A")
    run_git(project, "commit", "-q", "-m", "chore: config")
    run_git(project, "push", "-q", "origin", "main")
    run_git(project, "checkout", "-q", "feature/7-x")
    if kind == "directory":
        assert _policy(project).config_file is None  # no config file: defaults
        return
    with pytest.raises(ConfigError) as info:
        _policy(project)
    assert "origin/main" in info.value.message or ".review-gate.toml" in info.value.message


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REVIEW_GATE_TRUSTED_LOGINS", "agent-bot"),
        ("REVIEW_GATE_TRUSTED_ASSOCIATIONS", "OWNER,CONTRIBUTOR"),
        ("REVIEW_GATE_SENSITIVE_PATTERNS", "nothing"),
        ("REVIEW_GATE_REQUIRE_COMMIT", "false"),
        ("REVIEW_GATE_PROTECT", "false"),
        ("REVIEW_GATE_ON_UNREACHABLE", "allow"),
        ("REVIEW_GATE_TRACKER", "local"),
        ("REVIEW_GATE_REPO", "agent/own"),
        ("REVIEW_GATE_MAX_STOP_BLOCKS", "0"),
        ("REVIEW_GATE_PROTECTED_BRANCHES", "nothing"),
        ("REVIEW_GATE_WORKER_BRANCH_PATTERN", "^nomatch/(\\d+)"),
        ("REVIEW_GATE_BASE_BRANCH", "feature/7-x"),
    ],
)
def test_the_environment_cannot_loosen_a_gated_checkouts_policy(
    project: Path, variable: str, value: str
) -> None:
    run_git(project, "checkout", "-q", "main")
    commit_file(
        project,
        ".review-gate.toml",
        "require_commit = true\ntracker = 'github'\nrepo = 'octo/project'\nmax_stop_blocks = 3\n",
    )
    run_git(project, "push", "-q", "origin", "main")
    run_git(project, "checkout", "-q", "feature/7-x")
    with pytest.raises(ConfigError) as info:
        _policy(project, {variable: value})
    assert variable in info.value.message


@pytest.mark.parametrize(
    ("variable", "value", "key", "expected"),
    [
        ("REVIEW_GATE_REQUIRE_DISTINCT_REVIEWER", "true", "require_distinct_reviewer", True),
        ("REVIEW_GATE_MAX_STOP_BLOCKS", "9", "max_stop_blocks", 9),
        ("REVIEW_GATE_ISSUE", "8", "issue", 8),
        ("REVIEW_GATE_WORKER_ID", "worker-1-7", "worker_id", "worker-1-7"),
    ],
)
def test_the_environment_may_tighten_and_name_the_worker(
    project: Path, variable: str, value: str, key: str, expected: object
) -> None:
    assert getattr(_policy(project, {variable: value}), key) == expected


# -- found by red-teaming the front door: each a class, each at its root -------------------


def test_grafts_do_not_rewrite_the_history_the_gate_reads(tmp_path: Path) -> None:
    repo, _ = init_repo_with_remote(tmp_path)
    run_git(repo, "checkout", "-q", "-b", "feature/7-x")
    commit_file(repo, "src/auth/login.py", "x = 1\n")
    head = run_git(repo, "rev-parse", "HEAD").strip()
    base = run_git(repo, "rev-parse", "origin/main").strip()
    # Make main's commit look like a child of HEAD: the merge base becomes HEAD.
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "grafts").write_text(f"{base} {head}\n")
    graft_file = tmp_path / "grafts"
    graft_file.write_text(f"{base} {head}\n")
    found = Repository(repo)
    files, _ = found.changes(find_base(found.refs, None), head, Config())
    assert files == ("src/auth/login.py",)
    os.environ["GIT_GRAFT_FILE"] = str(graft_file)
    try:
        files, _ = Repository(repo).changes(find_base(found.refs, None), head, Config())
    finally:
        del os.environ["GIT_GRAFT_FILE"]
    assert files == ("src/auth/login.py",)


def test_a_submodule_bump_counts_even_when_gitmodules_ignores_it(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    run_git(lib, "init", "-q", "-b", "main")
    commit_file(lib, "a.txt", "1\n")
    repo, _ = init_repo_with_remote(tmp_path)
    run_git(
        repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "src/auth/lib"
    )
    run_git(repo, "commit", "-q", "-m", "chore: lib")
    run_git(repo, "push", "-q", "origin", "main")
    run_git(repo, "checkout", "-q", "-b", "feature/7-x")
    commit_file(repo / "src/auth/lib", "a.txt", "2\n")
    (repo / ".gitmodules").write_text((repo / ".gitmodules").read_text() + "\tignore = all\n")
    bumped = run_git(repo / "src/auth/lib", "rev-parse", "HEAD").strip()
    run_git(repo, "update-index", "--cacheinfo", f"160000,{bumped},src/auth/lib")
    run_git(repo, "add", ".gitmodules")
    run_git(repo, "commit", "-q", "-m", "chore: bump")
    assert bumped in run_git(repo, "ls-tree", "HEAD", "src/auth/lib")
    found = Repository(repo)
    assert found.checkout is not None
    files, _ = found.changes(find_base(found.refs, None), found.checkout.head, Config())
    assert files is not None and "src/auth/lib" in files


@pytest.mark.parametrize(
    "break_base",
    [
        ("update-ref", "-d", "refs/remotes/origin/HEAD"),
        ("update-ref", "-d", "refs/remotes/origin/main"),
        ("update-ref", "-d", "refs/heads/main"),
    ],
)
def test_a_gate_decision_without_any_base_is_refused(
    project: Path, break_base: tuple[str, ...]
) -> None:
    for args in (
        ("update-ref", "-d", "refs/remotes/origin/HEAD"),
        ("update-ref", "-d", "refs/remotes/origin/main"),
        ("update-ref", "-d", "refs/heads/main"),
    ):
        run_git(project, *args)
        if args == break_base:
            break
    run_git(project, "checkout", "-q", "--detach")
    (project / ".review-gate.toml").write_text("sensitive_patterns = []\n")
    repo = Repository(project)
    if find_base(repo.refs, None) is not None:
        return  # some base is left: the committed policy applies (tested above)
    with pytest.raises(ConfigError, match="no base branch"):
        target.from_checkout(project, {}, surface="pre-tool-use", bodies=["Closes #7"])


def test_the_pr_head_is_what_was_pushed(project: Path) -> None:
    pushed = run_git(project, "rev-parse", "HEAD").strip()
    run_git(project, "push", "-q", "origin", "feature/7-x")
    commit_file(project, "src/more.py", "y = 2\n")  # local only
    request = target.from_checkout(
        project, {}, surface="pre-tool-use", head_branch="feature/7-x", bodies=[]
    )
    assert request.head == pushed
    nowhere = target.from_checkout(
        project, {}, surface="pre-tool-use", head_branch="feature/7-nowhere", bodies=[]
    )
    assert nowhere.head is None


def test_pr_configuration_never_comes_from_the_checkout(project: Path) -> None:
    # No origin/HEAD: the default branch is found by the base order, not by the checkout's
    # own file (which would choose the tracker and repository the PR is read from).
    run_git(project, "update-ref", "-d", "refs/remotes/origin/HEAD")
    (project / ".review-gate.toml").write_text("tracker = 'github'\nrepo = 'evil/fork'\n")
    from review_gate.target.command import _first_config

    config, why, default = _first_config(Repository(project), {}, None, None, 12)
    assert config.repo is None and default == "main" and why == "default branch main"


@pytest.mark.parametrize(
    ("variables", "allowed"),
    [
        ({"REVIEW_GATE_TRACKER": "local", "REVIEW_GATE_BASE_BRANCH": "main"}, True),
        ({"REVIEW_GATE_TRACKER": "github"}, False),
        ({"REVIEW_GATE_BASE_BRANCH": "feature/7-x"}, False),
        ({"REVIEW_GATE_REPO": "agent/own"}, False),
    ],
)
def test_the_environment_may_restate_what_automatic_means_here(
    project: Path, variables: dict[str, str], allowed: bool
) -> None:
    # What the dispatcher hands its workers: the tracker and base it resolved itself.
    if allowed:
        config = _policy(project, variables)
        assert config.tracker == variables["REVIEW_GATE_TRACKER"]
    else:
        with pytest.raises(ConfigError, match="would loosen"):
            _policy(project, variables)
