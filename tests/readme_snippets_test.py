"""The README's install lines, quick start, CI snippet and pre-commit snippet, read from the
README itself and run, so that the README cannot drift from what works.

The release tag the README names (``v<version>``) must exist in the repository the tests run
in: the pre-commit ``rev:`` and the Action's ``@ref`` are only honest once it is tagged."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
from markdown_it import MarkdownIt

from review_gate import __version__
from tests import artifact_samples as samples
from tests.action_runner import run_action
from tests.action_test import (  # noqa: F401  (fixtures)
    Pull,
    action_copy,
    gh,
    pip_cache,
    pull,
    tool,
)
from tests.github_standin import GitHubStandIn
from tests.helpers import GIT_ENV, git, init_repo_with_remote

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
TAG = f"v{__version__}"
REPO_URL = "https://github.com/review-gate/review-gate"


def blocks(section: str) -> list[tuple[str, str]]:
    """(info, text) of each fenced block under the ``## section`` heading of the README."""
    found: list[tuple[str, str]] = []
    current = None
    tokens = MarkdownIt().parse(README)
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            current = tokens[i + 1].content
        elif token.type == "fence" and current == section:
            found.append((token.info.strip(), token.content))
    assert found, f"README has no code block under '## {section}'"
    return found


def tags() -> list[str]:
    """The repository's tags. A clone made without tags (``--no-tags``, a CI checkout of
    one branch) cannot tell whether the release is tagged: the tests that need tags skip
    there, saying so; anywhere tags exist, a missing release tag fails."""
    found = git(ROOT, "tag", "--list").split()
    if not found:
        pytest.skip("this clone has no tags at all (cloned without them): cannot check")
    return found


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user's shell: not the tests' virtual environment."""
    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != bin_dir)
    return {"PATH": path, "HOME": str(home), **GIT_ENV, **extra}


# -- the release tag --------------------------------------------------------------------------


def test_the_version_is_tagged_in_this_repository() -> None:
    assert TAG in tags(), (
        f"README pins {TAG} (pre-commit rev, Action ref, pip URL) but `git tag` has no {TAG}: "
        f"tag the release commit (git tag {TAG})"
    )


# -- install ----------------------------------------------------------------------------------


def test_install_lines_use_the_git_url_and_the_tag() -> None:
    (info, text), *_ = blocks("Install")
    assert info == "sh"
    commands = [line.split("#")[0].strip() for line in text.splitlines() if line.strip()]
    assert commands == [
        f'pipx install "git+{REPO_URL}@{TAG}"',
        f'pip install "git+{REPO_URL}@{TAG}"',
    ]
    section = README.split("## Install", 1)[1].split("\n## ", 1)[0]
    # `pip install review-gate` only as what will work once published
    assert re.findall(r"pip install review-gate", section) == ["pip install review-gate"]
    assert "Once the package\nis published on PyPI" in section


# -- quick start ------------------------------------------------------------------------------


def quickstart() -> tuple[str, str]:
    (_, first), (_, second), *_ = blocks("Quick start")
    return first.strip(), second.strip()


def test_the_test_command_is_what_ci_runs() -> None:
    _, second = quickstart()
    assert second in (ROOT / ".ci" / "run").read_text().splitlines()


@pytest.mark.slow
def test_quickstart_runs_verbatim_in_a_fresh_clone(
    action_copy: Path,  # noqa: F811
    pip_cache: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    first, _ = quickstart()
    clone = tmp_path / "review-gate"
    git(tmp_path, "clone", "-q", str(action_copy), str(clone))
    env = _clean_env(tmp_path / "home", PIP_CACHE_DIR=str(pip_cache))
    proc = subprocess.run(
        ["bash", "-c", first], cwd=clone, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    first_check, second_check = proc.stdout.split("$ gate check --issue 1")[1:]
    assert "review gate, issue #1: FAIL" in first_check
    assert "review gate, issue #1: PASS" in second_check
    assert "quickstart: OK" in proc.stdout


# -- the CI snippet ---------------------------------------------------------------------------


def ci_workflow() -> dict[str, Any]:
    (text,) = [t for info, t in blocks("Gates and `gate check`") if info == "yaml"]
    workflow: dict[str, Any] = yaml.safe_load(text)
    return workflow


def _gate_step(workflow: dict[str, Any]) -> dict[str, Any]:
    (job,) = workflow["jobs"].values()
    (step,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith("review-gate/")]
    return dict(step)


def test_ci_snippet_is_a_valid_workflow_pinned_to_the_release(tmp_path: Path) -> None:
    workflow = ci_workflow()
    step = _gate_step(workflow)
    assert step["uses"] == f"review-gate/review-gate@{TAG}"
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"pull_request", "merge_group"} <= set(triggers)
    assert workflow["permissions"]["checks"] == "write"  # for --report check-run
    (job,) = workflow["jobs"].values()
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0  # the base branch's configuration
    checker = tool("check-jsonschema")
    assert checker
    (text,) = [t for info, t in blocks("Gates and `gate check`") if info == "yaml"]
    (tmp_path / "review-gate.yml").write_text(text)
    proc = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-workflows", str(tmp_path / "review-gate.yml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_ci_snippet_runs_the_action(
    gh: GitHubStandIn,  # noqa: F811
    pull: Pull,  # noqa: F811
    action_copy: Path,  # noqa: F811
    pip_cache: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The snippet's own `with:`, on a pull_request event: the check run it promises."""
    step = _gate_step(ci_workflow())
    gh.add_comment(7, samples.review(7, commit=pull.head))
    github = {
        "event_name": "pull_request",
        "event": {"pull_request": {"number": 12, "head": {"sha": pull.head}}},
        "sha": "f" * 40,
        "ref": "refs/pull/12/merge",
        "base_ref": "main",
        "repository": gh.full_name,
        "api_url": gh.url,
        "token": gh.token,
        "run_id": "7",
    }
    result = run_action(
        action_copy,
        with_={k: str(v) for k, v in (step.get("with") or {}).items()},
        github=github,
        workspace=pull.workspace,
        temp=tmp_path / "runner",
        env=_clean_env(tmp_path / "home", PIP_CACHE_DIR=str(pip_cache)),
    )
    assert result.returncode == 0, result.log
    assert result.outputs["verdict"] == "pass"
    (run,) = gh.check_runs.values()
    assert (run["name"], run["head_sha"], run["conclusion"]) == (
        "review-gate",
        pull.head,
        "success",
    )


# -- the pre-commit snippet -------------------------------------------------------------------


def precommit_config() -> tuple[str, dict[str, Any]]:
    (text,) = [t for info, t in blocks("Git hooks (pre-commit)") if info == "yaml"]
    return text, yaml.safe_load(text)


def test_precommit_snippet_pins_a_real_tag() -> None:
    _, config = precommit_config()
    (repo,) = config["repos"]
    assert repo["repo"] == REPO_URL
    assert repo["rev"] == TAG
    assert repo["rev"] in tags(), f"`rev: {repo['rev']}` is not a tag of this repository"
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in repo["hooks"]] == [h["id"] for h in manifest]


@pytest.mark.slow
def test_precommit_snippet_runs_every_hook(
    action_copy: Path,  # noqa: F811
    pip_cache: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The snippet verbatim, but for `repo:` pointing at a local copy of this repository
    (tagged like the release): `pre-commit install`, then commit and push as a user."""
    text, _ = precommit_config()
    assert text.count(REPO_URL) == 1
    (tmp_path / "work").mkdir()
    repo, bare = init_repo_with_remote(tmp_path / "work")
    (repo / ".pre-commit-config.yaml").write_text(text.replace(REPO_URL, str(action_copy)))
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "-m", "chore: adopt review-gate (#1)")
    env = {
        **_clean_env(tmp_path / "home", PIP_CACHE_DIR=str(pip_cache)),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
    }
    venv_bin = Path(sys.executable).parent

    def run(*cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=600)

    installed = run(str(venv_bin / "pre-commit"), "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    for hook in ("pre-commit", "pre-push", "commit-msg"):  # default_install_hook_types
        assert (repo / ".git" / "hooks" / hook).is_file(), hook
    git(repo, "checkout", "-q", "-b", "feature/1-x")

    # review-gate-validate, at commit time: an unfilled review is refused
    (repo / "x.review.md").write_text(
        samples.review(1).replace("| Scope | MINOR |", "| Scope | [SCOPE] |")
    )
    git(repo, "add", "x.review.md")
    refused = run("git", "commit", "-m", "docs: the review (#1)")
    assert refused.returncode != 0
    said = refused.stdout + refused.stderr
    assert "review-gate-validate" in said and "[SCOPE]" in said

    # review-gate-commit-msg: the message format
    (repo / "x.review.md").write_text(samples.review(1))
    git(repo, "add", "x.review.md")
    bad_message = run("git", "commit", "-m", "added the review")
    assert bad_message.returncode != 0
    assert "review-gate-commit-msg" in bad_message.stdout + bad_message.stderr
    committed = run("git", "commit", "-m", "docs: the review (#1)")
    assert committed.returncode == 0, committed.stdout + committed.stderr

    # review-gate-pre-push: a worker branch without a review of its head stays local
    from review_gate.trackers.local import LocalTracker

    LocalTracker.for_checkout(repo).create_issue("The work", number=1)
    pushed = run("git", "push", "-q", "origin", "feature/1-x")
    assert pushed.returncode != 0
    assert "review-gate-pre-push" in pushed.stdout + pushed.stderr
    assert (
        subprocess.run(
            ["git", "rev-parse", "--verify", "-q", "feature/1-x"], cwd=bare, capture_output=True
        ).returncode
        != 0
    )


# -- what the package says about itself -------------------------------------------------------


def test_license_file_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == {"text": "MIT"}
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")


def test_version_lives_in_one_place() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    attr = pyproject["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "review_gate.__version__"
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("gate")), "--version"], capture_output=True, text=True
    )
    assert proc.stdout.strip() == f"review-gate, version {__version__}"
