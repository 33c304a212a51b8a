from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import hypothesis
import pytest

from review_gate import config
from review_gate.config import Config, load
from review_gate.config_tables import check_keys
from review_gate.errors import ConfigError
from tests.helpers import init_repo, run_gate

# Config fields that record where the configuration came from, not configuration keys.
NOT_KEYS = {"sources", "config_file", "config_ref"}


def _write(root: Path, text: str, name: str = ".review-gate.toml") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / name
    path.write_text(text)
    return path


def test_defaults_without_any_config(tmp_path: Path) -> None:
    cfg = load(tmp_path, environ={})
    assert cfg == Config()
    assert cfg.tracker is None
    assert cfg.trusted_associations == ("OWNER", "MEMBER", "COLLABORATOR")
    assert "**/auth/**" in cfg.sensitive_patterns
    assert set(cfg.sources.values()) == {"default"}


def test_every_field_has_a_default_source(tmp_path: Path) -> None:
    cfg = load(tmp_path, environ={})
    fields = {f.name for f in dataclasses.fields(Config)} - NOT_KEYS
    assert set(cfg.sources) == fields


# key, toml literal, expected value
FILE_VALUES: list[tuple[str, str, Any]] = [
    ("tracker", '"github"', "github"),
    ("tracker", '"LOCAL"', "local"),
    ("repo", '"octo/hello.world"', "octo/hello.world"),
    ("api_url", '"https://api.github.com"', "https://api.github.com"),
    ("api_url", '"HTTPS://GHE.Corp.example/api/v3/"', "https://ghe.corp.example/api/v3"),
    ("api_url", '"http://127.0.0.1:8080"', "http://127.0.0.1:8080"),
    ("request_timeout", "3", 3.0),
    ("request_timeout", "2.5", 2.5),
    ("tracker_deadline", "2", 2.0),
    ("retries", "0", 0),
    ("trusted_logins", '["@Alice", "bob"]', ("Alice", "bob")),
    ("trusted_associations", '["owner", "Contributor"]', ("OWNER", "CONTRIBUTOR")),
    ("trusted_associations", "[]", ()),
    ("sensitive_patterns", '["*.pem"]', ("*.pem",)),
    ("sensitive_patterns", "[]", ()),
    ("require_commit", "true", True),
    ("require_distinct_reviewer", "true", True),
    ("require_independent_review", "true", True),
    ("review_token_env", '"REVIEWER_GH_TOKEN"', "REVIEWER_GH_TOKEN"),
    ("review_author", '"@Review-Bot"', "Review-Bot"),
    ("base_branch", '"develop"', "develop"),
    ("protect", "false", False),
    ("max_stop_blocks", "5", 5),
    ("protected_branches", '["main", "release"]', ("main", "release")),
    ("worker_branch_pattern", r'"^work/(\\d+)$"', r"^work/(\d+)$"),
    ("on_unreachable", '"allow"', "allow"),
    ("hang_after", "60", 60.0),
    ("lease_ttl", "30.5", 30.5),
    ("disposable_paths", '["out/", "*.log"]', ("out/", "*.log")),
    ("dispatch_backend", '"GitHub-Actions"', "github-actions"),
    ("dispatch_project", '"acme/7"', "acme/7"),
    (
        "dispatch_statuses",
        '["Ready", "Doing", " In  Review ", "Stuck", "Shipped"]',
        ("Ready", "Doing", "In Review", "Stuck", "Shipped"),
    ),
    ("review_commands", '["pytest", "make lint"]', ("pytest", "make lint")),
    ("actions_token_secret", '"WORKER_PAT"', "WORKER_PAT"),
    ("issue", "7", 7),
    ("worker_id", '"worker-1-7"', "worker-1-7"),
]


@pytest.mark.parametrize(("key", "literal", "expected"), FILE_VALUES)
def test_file_values(tmp_path: Path, key: str, literal: str, expected: Any) -> None:
    path = _write(tmp_path, f"{key} = {literal}\n")
    cfg = load(tmp_path, environ={})
    assert getattr(cfg, key) == expected
    assert cfg.sources[key] == str(path)


def test_file_covers_every_key() -> None:
    fields = {f.name for f in dataclasses.fields(Config)} - NOT_KEYS
    trust = {f"trust_{kind}" for kind, _, _ in TRUST_FILE_VALUES}
    budget = {f"budget_{key.replace('-', '_')}" for key, _, _ in BUDGET_FILE_VALUES}
    assert {k for k, _, _ in FILE_VALUES} | trust | budget == fields


# [dispatch.budget] key, toml literal, expected value
BUDGET_FILE_VALUES: list[tuple[str, str, Any]] = [
    ("turns", "40", 40),
    ("minutes", "90", 90.0),
    ("tokens", "2000000", 2000000),
    ("cost_usd", "12.5", 12.5),
    ("cost-usd", "3", 3.0),
    ("soft", "0.9", 0.9),
]


@pytest.mark.parametrize(("key", "literal", "expected"), BUDGET_FILE_VALUES)
def test_dispatch_budget_table(tmp_path: Path, key: str, literal: str, expected: Any) -> None:
    path = _write(tmp_path, f"[dispatch.budget]\n{key} = {literal}\n")
    cfg = load(tmp_path, environ={})
    field = f"budget_{key.replace('-', '_')}"
    assert getattr(cfg, field) == expected
    assert cfg.sources[field] == str(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("budget_turns = 5\n", "write it as [dispatch.budget] turns = ..."),
        ("[dispatch.budget]\nturn = 5\n", "unknown key 'dispatch.budget.turn'"),
        ("[dispatch.budget]\nsoft = 1.5\n", "must be a fraction of the budget (at most 1)"),
        ("[dispatch.budget]\nturns = 0\n", "key 'dispatch.budget.turns' must be greater than 0"),
        ("[dispatch]\nbudget = 5\n", "'dispatch.budget' must be a table"),
    ],
)
def test_bad_dispatch_budget(tmp_path: Path, text: str, expected: str) -> None:
    _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load(tmp_path, environ={})
    assert expected in f"{info.value} {info.value.hint}"


# [trust] kind, toml literal, expected value (canonical: "@login" lower case, "ASSOCIATION")
TRUST_FILE_VALUES: list[tuple[str, str, Any]] = [
    ("review", '["review-bot"]', ("@review-bot",)),
    ("review", '["@Review-Bot", "OWNER", "review-bot"]', ("@review-bot", "OWNER")),
    ("worker", '["dispatch-bot[bot]", "MEMBER"]', ("@dispatch-bot[bot]", "MEMBER")),
    ("worker", "[]", ()),
    ("handover", '["@OWNER"]', ("@owner",)),  # "@" makes it a login, whatever its case
    ("handover", '["COLLABORATOR", "j.doe_2"]', ("COLLABORATOR", "@j.doe_2")),
]


@pytest.mark.parametrize(("kind", "literal", "expected"), TRUST_FILE_VALUES)
def test_trust_table(tmp_path: Path, kind: str, literal: str, expected: Any) -> None:
    path = _write(tmp_path, f"[trust]\n{kind} = {literal}\n")
    cfg = load(tmp_path, environ={})
    assert getattr(cfg, f"trust_{kind}") == expected
    assert cfg.sources[f"trust_{kind}"] == str(path)
    others = {"review", "worker", "handover"} - {kind}
    assert all(getattr(cfg, f"trust_{other}") is None for other in others)


def test_trust_table_in_pyproject(tmp_path: Path) -> None:
    _write(
        tmp_path,
        '[tool.review-gate]\nretries = 1\n[tool.review-gate.trust]\nreview = ["review-bot"]\n',
        "pyproject.toml",
    )
    cfg = load(tmp_path, environ={})
    assert cfg.trust_review == ("@review-bot",)
    assert cfg.sources["trust_review"].endswith("pyproject.toml [tool.review-gate]")


def test_trust_per_kind_defaults_to_trusted_associations_and_logins(tmp_path: Path) -> None:
    from review_gate.records import Authors

    _write(
        tmp_path,
        'trusted_logins = ["Helper"]\ntrusted_associations = ["OWNER"]\n'
        '[trust]\nreview = ["review-bot"]\nworker = ["MEMBER", "@dispatcher"]\n',
    )
    trust = load(tmp_path, environ={}).trust
    assert trust.review == Authors(frozenset(), frozenset({"review-bot"}))
    assert trust.worker == Authors(frozenset({"MEMBER"}), frozenset({"dispatcher"}))
    assert trust.handover == Authors(frozenset({"OWNER"}), frozenset({"helper"}))
    assert trust.of("handover") is trust.handover
    assert Config().trust.review == Authors.of(("OWNER", "MEMBER", "COLLABORATOR"))
    with pytest.raises(ValueError):
        trust.of("reviews")


def test_trust_from_the_environment(tmp_path: Path) -> None:
    _write(tmp_path, '[trust]\nreview = ["review-bot"]\n')
    env = {"REVIEW_GATE_TRUST_REVIEW": "@Other-Bot, OWNER", "REVIEW_GATE_TRUST_WORKER": ","}
    cfg = load(tmp_path, environ=env)
    assert cfg.trust_review == ("@other-bot", "OWNER")
    assert cfg.sources["trust_review"] == "env REVIEW_GATE_TRUST_REVIEW"
    assert cfg.trust_worker == ()  # an explicit empty list: nobody
    assert cfg.trust_handover is None


def test_trust_from_a_flag(tmp_path: Path) -> None:
    cfg = load(tmp_path, {"trust_handover": ["alice"]}, environ={})
    assert (cfg.trust_handover, cfg.sources["trust_handover"]) == (("@alice",), "flag")
    with pytest.raises(ConfigError, match="option --trust-handover has 'member', which is ambig"):
        load(tmp_path, {"trust_handover": ["member"]}, environ={})


# file text, fragments the one-line error must contain
BAD_TRUST: list[tuple[str, tuple[str, ...]]] = [
    ("trust = 'review-bot'\n", ("key 'trust' must be a table",)),
    ("trust = ['review-bot']\n", ("key 'trust' must be a table",)),
    ("[trust]\nreviews = ['x']\n", ("unknown key 'trust.reviews'",)),
    ("[trust]\nREVIEW = ['x']\n", ("unknown key 'trust.REVIEW'",)),
    ("[trust]\nreview = 'review-bot'\n", ("key 'trust.review'", "list of strings")),
    ("[trust]\nreview = [1]\n", ("key 'trust.review'", "list of strings")),
    ("[trust]\nreview = ['']\n", ("key 'trust.review'", "empty")),
    ("[trust]\nreview = ['member']\n", ("key 'trust.review'", "'member'", "ambiguous")),
    ("[trust]\nworker = ['Owner']\n", ("key 'trust.worker'", "'Owner'", "ambiguous")),
    ("[trust]\nworker = ['ADMIN']\n", ("key 'trust.worker'", "unknown association 'ADMIN'")),
    ("[trust]\nhandover = ['MEMBERS']\n", ("key 'trust.handover'", "'MEMBERS'")),
    ("[trust]\nhandover = ['two words']\n", ("key 'trust.handover'", "not a login")),
    ("[trust]\nhandover = ['a,b']\n", ("key 'trust.handover'", "not a login")),
    ("[trust]\nreview = ['@']\n", ("key 'trust.review'", "not a login")),
    ("[trust]\nreview = ['@@bot']\n", ("key 'trust.review'", "not a login")),
    ("trust_review = ['x']\n", ("unknown key 'trust_review'",)),
    ("[trust.review]\nlogins = ['x']\n", ("key 'trust.review'", "list of strings")),
]


@pytest.mark.parametrize(("text", "fragments"), BAD_TRUST)
def test_bad_trust_names_file_and_key(
    tmp_path: Path, text: str, fragments: tuple[str, ...]
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load(tmp_path, environ={})
    message = info.value.message
    assert "\n" not in message and str(path) in message
    for fragment in fragments:
        assert fragment in message
    assert info.value.hint


def test_bad_trust_hints() -> None:
    with pytest.raises(ConfigError) as info:
        check_keys({"trust_review": ["x"]}, "f")
    assert info.value.hint == "write it as [trust] review = [...]"
    with pytest.raises(ConfigError) as info:
        check_keys({"trust": {"review": ["member"]}}, "f")
    assert info.value.hint == "write 'MEMBER' for the author association or '@member' for the login"


@pytest.mark.parametrize(
    ("var", "value", "fragment"),
    [
        ("REVIEW_GATE_TRUST_REVIEW", "owner", "ambiguous"),
        ("REVIEW_GATE_TRUST_WORKER", "ROOT", "unknown association 'ROOT'"),
        ("REVIEW_GATE_TRUST_HANDOVER", "a b", "not a login"),
    ],
)
def test_bad_trust_env_names_the_variable(
    tmp_path: Path, var: str, value: str, fragment: str
) -> None:
    kind = var.removeprefix("REVIEW_GATE_TRUST_").lower()
    with pytest.raises(ConfigError) as info:
        load(tmp_path, environ={var: value})
    assert info.value.message.startswith(f"env {var}: key 'trust.{kind}' ")
    assert fragment in info.value.message


def test_dashed_keys_are_accepted(tmp_path: Path) -> None:
    _write(tmp_path, "require-commit = true\ntrusted-logins = ['x']\n")
    cfg = load(tmp_path, environ={})
    assert cfg.require_commit is True
    assert cfg.trusted_logins == ("x",)


# key, env value, expected
ENV_VALUES: list[tuple[str, str, Any]] = [
    ("tracker", "github", "github"),
    ("tracker", " GitHub ", "github"),
    ("repo", "o/r", "o/r"),
    ("api_url", " https://ghe.example/api/v3/ ", "https://ghe.example/api/v3"),
    ("request_timeout", "1.5", 1.5),
    ("tracker_deadline", "0.5", 0.5),
    ("retries", "2", 2),
    ("trusted_logins", "alice, bob ,,", ("alice", "bob")),
    ("trusted_associations", "owner,member", ("OWNER", "MEMBER")),
    ("sensitive_patterns", "*.key,**/secrets/**", ("*.key", "**/secrets/**")),
    ("require_commit", "1", True),
    ("require_commit", "YES", True),
    ("require_commit", "off", False),
    ("require_distinct_reviewer", "true", True),
    ("require_independent_review", "yes", True),
    ("review_token_env", "REVIEWER_TOKEN", "REVIEWER_TOKEN"),
    ("review_author", "review-bot", "review-bot"),
    ("base_branch", "trunk", "trunk"),
    ("protect", "0", False),
    ("max_stop_blocks", "0", 0),
    ("protected_branches", "main", ("main",)),
    ("worker_branch_pattern", r"^w/(\d+)", r"^w/(\d+)"),
    ("on_unreachable", "allow", "allow"),
    ("hang_after", "10", 10.0),
    ("lease_ttl", "5", 5.0),
    ("disposable_paths", "out/, .venv/", ("out/", ".venv/")),
    ("dispatch_backend", "local", "local"),
    ("dispatch_project", "octo-org/12", "octo-org/12"),
    ("dispatch_statuses", "A, B,C , D,E", ("A", "B", "C", "D", "E")),
    ("review_commands", "pytest, make lint", ("pytest", "make lint")),
    ("actions_token_secret", "BOT_TOKEN", "BOT_TOKEN"),
    ("budget_turns", "50", 50),
    ("budget_minutes", "45", 45.0),
    ("budget_tokens", "100000", 100000),
    ("budget_cost_usd", "2.5", 2.5),
    ("budget_soft", "0.7", 0.7),
    ("issue", "12", 12),
    ("worker_id", "worker-9-12", "worker-9-12"),
    ("trust_review", "review-bot", ("@review-bot",)),
    ("trust_worker", "MEMBER, @Bot", ("MEMBER", "@bot")),
    ("trust_handover", "OWNER", ("OWNER",)),
]


@pytest.mark.parametrize(("key", "value", "expected"), ENV_VALUES)
def test_env_values(tmp_path: Path, key: str, value: str, expected: Any) -> None:
    var = f"REVIEW_GATE_{key.upper()}"
    cfg = load(tmp_path, environ={var: value})
    assert getattr(cfg, key) == expected
    assert cfg.sources[key] == f"env {var}"


def test_env_covers_every_key() -> None:
    fields = {f.name for f in dataclasses.fields(Config)} - NOT_KEYS
    assert {k for k, _, _ in ENV_VALUES} == fields


def test_empty_env_value_is_ignored(tmp_path: Path) -> None:
    _write(tmp_path, 'tracker = "github"\n')
    assert load(tmp_path, environ={"REVIEW_GATE_TRACKER": ""}).tracker == "github"


def test_unknown_env_variables_are_ignored(tmp_path: Path) -> None:
    # REVIEW_GATE_DEBUG / REVIEW_GATE_AUTHOR belong to other parts of the tool.
    cfg = load(tmp_path, environ={"REVIEW_GATE_DEBUG": "1", "REVIEW_GATE_AUTHOR": "x"})
    assert cfg == Config()


def test_precedence_flag_over_env_over_file_over_default(tmp_path: Path) -> None:
    path = _write(tmp_path, 'tracker = "github"\nrepo = "file/repo"\nretries = 5\n')
    env = {"REVIEW_GATE_REPO": "env/repo", "REVIEW_GATE_TRACKER": "local"}
    cfg = load(tmp_path, {"tracker": "github", "repo": None}, env)
    assert (cfg.tracker, cfg.sources["tracker"]) == ("github", "flag")
    assert (cfg.repo, cfg.sources["repo"]) == ("env/repo", "env REVIEW_GATE_REPO")
    assert (cfg.retries, cfg.sources["retries"]) == (5, str(path))
    assert (cfg.lease_ttl, cfg.sources["lease_ttl"]) == (900.0, "default")


def test_review_gate_toml_wins_over_pyproject(tmp_path: Path) -> None:
    _write(tmp_path, '[tool.review-gate]\ntracker = "github"\n', "pyproject.toml")
    _write(tmp_path, 'tracker = "local"\n')
    assert load(tmp_path, environ={}).tracker == "local"


def test_pyproject_table(tmp_path: Path) -> None:
    _write(
        tmp_path,
        '[project]\nname = "x"\n[tool.review-gate]\nrequire_commit = true\n',
        "pyproject.toml",
    )
    cfg = load(tmp_path, environ={})
    assert cfg.require_commit is True
    assert cfg.sources["require_commit"].endswith("pyproject.toml [tool.review-gate]")


def test_pyproject_without_table_is_defaults(tmp_path: Path) -> None:
    _write(tmp_path, '[project]\nname = "x"\n[tool.ruff]\nline-length = 9\n', "pyproject.toml")
    assert load(tmp_path, environ={}) == Config()


def test_config_found_from_a_subdirectory_of_the_checkout(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    _write(repo, "retries = 9\n")
    sub = repo / "a" / "b"
    sub.mkdir(parents=True)
    assert load(sub, environ={}).retries == 9
    assert config.find_root(sub) == repo.resolve()


def test_config_in_a_linked_worktree(tmp_path: Path) -> None:
    from tests.helpers import git

    repo = init_repo(tmp_path / "r")
    _write(repo, "retries = 4\n")
    git(repo, "add", ".review-gate.toml")
    git(repo, "commit", "-q", "-m", "config")
    git(repo, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "feature/1-x")
    assert load(tmp_path / "wt", environ={}).retries == 4


# file text, fragments the one-line error must contain
BAD_FILES: list[tuple[str, tuple[str, ...]]] = [
    ("tracker = 'gitlab'\n", ("'tracker'", "github, local", "'gitlab'")),
    ("tracker = 3\n", ("'tracker'", "non-empty string")),
    ("tracker = ''\n", ("'tracker'", "non-empty string")),
    ("repo = 'not a repo'\n", ("'repo'", "owner/name")),
    ("repo = 'a/b/c'\n", ("'repo'", "owner/name")),
    ("retries = -1\n", ("'retries'", "negative")),
    ("retries = 1.5\n", ("'retries'", "whole number")),
    ("retries = true\n", ("'retries'", "number")),
    ("retries = 'three'\n", ("'retries'", "number")),
    ("request_timeout = 0\n", ("'request_timeout'", "greater than 0")),
    ("request_timeout = inf\n", ("'request_timeout'", "finite")),
    ("request_timeout = nan\n", ("'request_timeout'", "finite")),
    ("lease_ttl = -5\n", ("'lease_ttl'", "greater than 0")),
    ("issue = 0\n", ("'issue'", "greater than 0")),
    ("require_commit = 'yes'\n", ("'require_commit'", "true or false")),
    ("require_commit = 1\n", ("'require_commit'", "true or false")),
    ("trusted_logins = 'alice'\n", ("'trusted_logins'", "list of strings")),
    ("trusted_logins = [1]\n", ("'trusted_logins'", "list of strings")),
    ("trusted_logins = ['']\n", ("'trusted_logins'", "empty")),
    ("trusted_associations = ['ADMIN']\n", ("'trusted_associations'", "'ADMIN'")),
    ("sensitive_patterns = '*.pem'\n", ("'sensitive_patterns'", "list of strings")),
    ("worker_branch_pattern = '(unclosed'\n", ("'worker_branch_pattern'", "regular expression")),
    ("worker_branch_pattern = '^feature/'\n", ("'worker_branch_pattern'", "capture group")),
    ("on_unreachable = 'maybe'\n", ("'on_unreachable'", "refuse, allow")),
    ("review_token_env = 'MY TOKEN'\n", ("'review_token_env'", "environment variable")),
    ("review_token_env = '9LIVES'\n", ("'review_token_env'", "environment variable")),
    ("review_author = 'review bot'\n", ("'review_author'", "a login")),
    ("dispatch_project = 'acme'\n", ("'dispatch_project'", "owner/number")),
    ("dispatch_project = 'acme/0'\n", ("'dispatch_project'", "owner/number")),
    ("dispatch_project = 'acme/repo'\n", ("'dispatch_project'", "owner/number")),
    ("dispatch_statuses = ['Todo', 'Doing']\n", ("'dispatch_statuses'", "five different")),
    ("dispatch_statuses = ['A', 'B', 'C', 'D', 'a']\n", ("'dispatch_statuses'", "five different")),
    ("api_url = 'ftp://ghe.example'\n", ("'api_url'", "http(s) URL")),
    ("api_url = 'api.github.com'\n", ("'api_url'", "http(s) URL")),
    ("api_url = 'https://u:p@ghe.example/api/v3'\n", ("'api_url'", "http(s) URL")),
    ("api_url = 'https://ghe.example/api?x=1'\n", ("'api_url'", "http(s) URL")),
    ("api_url = 'https://ghe.example:port/'\n", ("'api_url'", "http(s) URL")),
    ("api_url = 'https://[::1'\n", ("'api_url'", "http(s) URL")),
    ("trackr = 'local'\n", ("unknown key 'trackr'",)),
    ("sources = {}\n", ("unknown key 'sources'",)),
    ("[review-gate]\ntracker = 'local'\n", ("unknown key 'review-gate'",)),
    ("tracker = \n", ("not valid TOML",)),
    ("tracker = 'local'\ntracker = 'github'\n", ("not valid TOML",)),
]


@pytest.mark.parametrize(("text", "fragments"), BAD_FILES)
def test_bad_file_names_file_and_key(tmp_path: Path, text: str, fragments: tuple[str, ...]) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load(tmp_path, environ={})
    message = info.value.message
    assert "\n" not in message
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_bad_pyproject_table_names_the_table(tmp_path: Path) -> None:
    _write(tmp_path, "[tool.review-gate]\nretries = 'x'\n", "pyproject.toml")
    with pytest.raises(ConfigError, match=r"pyproject.toml \[tool.review-gate\]: key 'retries'"):
        load(tmp_path, environ={})


def test_pyproject_review_gate_not_a_table(tmp_path: Path) -> None:
    _write(tmp_path, "[tool]\nreview-gate = 5\n", "pyproject.toml")
    with pytest.raises(ConfigError, match="must be a table"):
        load(tmp_path, environ={})


def test_config_file_not_utf8(tmp_path: Path) -> None:
    (tmp_path / ".review-gate.toml").write_bytes(b"tracker = '\xff\xfe'\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(tmp_path, environ={})


def test_config_path_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / ".review-gate.toml").mkdir()
    # A directory is not a config file: ignored like a missing one.
    assert load(tmp_path, environ={}) == Config()


BAD_ENV: list[tuple[str, str, str]] = [
    ("REVIEW_GATE_TRACKER", "gitlab", "github, local"),
    ("REVIEW_GATE_ISSUE", "abc", "whole number"),
    ("REVIEW_GATE_ISSUE", "7.0", "whole number"),
    ("REVIEW_GATE_ISSUE", "-3", "greater than 0"),
    ("REVIEW_GATE_RETRIES", "many", "whole number"),
    ("REVIEW_GATE_REQUEST_TIMEOUT", "fast", "a number"),
    ("REVIEW_GATE_REQUEST_TIMEOUT", "inf", "finite"),
    ("REVIEW_GATE_REQUIRE_COMMIT", "maybe", "true or false"),
    ("REVIEW_GATE_TRUSTED_ASSOCIATIONS", "OWNER,ROOT", "'ROOT'"),
    ("REVIEW_GATE_REPO", "nope", "owner/name"),
    ("REVIEW_GATE_API_URL", "file:///etc/passwd", "http(s) URL"),
    ("REVIEW_GATE_WORKER_BRANCH_PATTERN", "[", "regular expression"),
]


@pytest.mark.parametrize(("var", "value", "fragment"), BAD_ENV)
def test_bad_env_names_the_variable(tmp_path: Path, var: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, environ={var: value})
    assert info.value.message.startswith(f"env {var}: key ")
    assert fragment in info.value.message


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"tracker": "svn"}, "option --tracker must be one of"),
        ({"repo": "x"}, "option --repo must look like owner/name"),
        ({"worker_id": "  "}, "option --worker-id must be a non-empty string"),
        ({"bogus": 1}, "unknown option 'bogus'"),
    ],
)
def test_bad_flag(tmp_path: Path, overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load(tmp_path, overrides, environ={})


def test_none_overrides_are_ignored(tmp_path: Path) -> None:
    assert load(tmp_path, {"tracker": None, "repo": None}, environ={}) == Config()


def test_load_reads_os_environ_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEW_GATE_TRACKER", "github")
    assert load(tmp_path).tracker == "github"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("tracker = 'gitlab'\n", "key 'tracker' must be one of github, local"),
        ("trackr = 'x'\n", "unknown key 'trackr'"),
        ("require_commit = 'maybe'\n", "key 'require_commit' must be true or false"),
    ],
)
def test_gate_check_bad_config_exits_2_with_one_line(
    tmp_path: Path, text: str, fragment: str
) -> None:
    repo = init_repo(tmp_path / "r")
    path = _write(repo, text)
    proc = run_gate("check", "--issue", "1", cwd=repo)
    assert proc.returncode == 2, proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first.startswith("gate: error: ")
    assert str(path.resolve()) in first or str(path) in first
    assert fragment in first
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


# -- the file layer from a git ref (CI reads the base branch's config) ------------------------


def _commit(repo: Path, name: str, text: str | bytes, message: str = "config") -> None:
    from tests.helpers import git

    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def based(tmp_path: Path) -> Path:
    """main commits retries = 2; a branch commits retries = 7 and leaves it uncommitted = 8."""
    from tests.helpers import git

    repo = init_repo(tmp_path / "r")
    _commit(repo, ".review-gate.toml", "retries = 2\n")
    git(repo, "checkout", "-q", "-b", "feature/1-x")
    _commit(repo, ".review-gate.toml", "retries = 7\n")
    _write(repo, "retries = 8\n")
    return repo


def test_ref_reads_the_committed_file_not_the_worktree(based: Path) -> None:
    cfg = load(based, environ={}, ref="main")
    assert cfg.retries == 2
    assert cfg.sources["retries"] == "main:.review-gate.toml"
    assert (cfg.config_file, cfg.config_ref) == ("main:.review-gate.toml", "main")
    assert load(based, environ={}, ref="HEAD").retries == 7
    worktree = load(based, environ={})
    assert worktree.retries == 8
    assert worktree.config_ref is None
    assert worktree.config_file == str(based / ".review-gate.toml")


def test_worktree_ref_means_the_working_tree(based: Path) -> None:
    assert load(based, environ={}, ref=config.WORKTREE) == load(based, environ={})
    assert load(based, environ={}, ref=config.WORKTREE).config_ref is None


def test_ref_from_a_subdirectory_reads_the_root_file(based: Path) -> None:
    sub = based / "src" / "pkg"
    sub.mkdir(parents=True)
    assert load(sub, environ={}, ref="main").retries == 2


def test_env_and_flags_still_override_the_ref(based: Path) -> None:
    cfg = load(based, {"repo": "o/r"}, {"REVIEW_GATE_RETRIES": "5"}, ref="main")
    assert (cfg.retries, cfg.sources["retries"]) == (5, "env REVIEW_GATE_RETRIES")
    assert (cfg.repo, cfg.sources["repo"]) == ("o/r", "flag")


def test_no_config_at_ref_is_defaults_never_the_worktree(tmp_path: Path) -> None:
    # A change must not be able to introduce a looser config where the base had none.
    repo = init_repo(tmp_path / "r")
    _write(repo, "trusted_logins = ['agent']\nsensitive_patterns = []\n")
    cfg = load(repo, environ={}, ref="main")
    assert cfg == Config()
    assert (cfg.config_file, cfg.config_ref) == (None, "main")


def test_pyproject_table_at_ref(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    _commit(repo, "pyproject.toml", "[project]\nname='x'\n[tool.review-gate]\nretries = 4\n")
    cfg = load(repo, environ={}, ref="main")
    assert cfg.retries == 4
    assert cfg.sources["retries"] == "main:pyproject.toml [tool.review-gate]"


def test_pyproject_without_table_at_ref_is_defaults(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    _commit(repo, "pyproject.toml", "[tool.ruff]\nline-length = 9\n")
    assert load(repo, environ={}, ref="main") == Config()


def test_review_gate_toml_wins_over_pyproject_at_ref(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    _commit(repo, "pyproject.toml", "[tool.review-gate]\nretries = 4\n")
    _commit(repo, ".review-gate.toml", "retries = 6\n")
    assert load(repo, environ={}, ref="main").retries == 6


def test_config_directory_at_ref_is_ignored(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    _commit(repo, ".review-gate.toml/x", "not a config\n")
    _commit(repo, "pyproject.toml", "[tool.review-gate]\nretries = 4\n")
    assert load(repo, environ={}, ref="main").retries == 4


def test_config_symlink_at_ref_is_an_error(tmp_path: Path) -> None:
    from tests.helpers import git

    repo = init_repo(tmp_path / "r")
    _commit(repo, "real.toml", "retries = 4\n")
    (repo / ".review-gate.toml").symlink_to("real.toml")
    git(repo, "add", ".review-gate.toml")
    git(repo, "commit", "-q", "-m", "link")
    with pytest.raises(ConfigError, match=r"main:\.review-gate\.toml is a symbolic link"):
        load(repo, environ={}, ref="main")


# committed text, fragments the one-line error must contain (besides "main:<file>")
BAD_AT_REF: list[tuple[str, str | bytes, tuple[str, ...]]] = [
    (".review-gate.toml", "tracker = 'gitlab'\n", ("key 'tracker'", "github, local")),
    (".review-gate.toml", "trusted_logins = 'me'\n", ("key 'trusted_logins'", "list")),
    (".review-gate.toml", "trackr = 1\n", ("unknown key 'trackr'",)),
    (".review-gate.toml", "tracker = \n", ("not valid TOML",)),
    (".review-gate.toml", b"tracker = '\xff\xfe'\n", ("not valid TOML: not UTF-8",)),
    ("pyproject.toml", "[tool.review-gate]\nretries = 'x'\n", ("[tool.review-gate]: key",)),
    ("pyproject.toml", "[tool]\nreview-gate = 5\n", ("must be a table",)),
    ("pyproject.toml", "[tool\n", ("not valid TOML",)),
]


@pytest.mark.parametrize(("name", "text", "fragments"), BAD_AT_REF)
def test_bad_config_at_ref_names_ref_path_and_key(
    tmp_path: Path, name: str, text: str | bytes, fragments: tuple[str, ...]
) -> None:
    repo = init_repo(tmp_path / "r")
    _commit(repo, name, text)
    from tests.helpers import git

    git(repo, "checkout", "-q", "-b", "topic")
    _commit(repo, name, "# fixed on the branch\n")
    with pytest.raises(ConfigError) as info:
        load(repo, environ={}, ref="main")
    message = info.value.message
    assert "\n" not in message
    assert message.startswith(f"main:{name}")
    for fragment in fragments:
        assert fragment in message
    assert load(repo, environ={}) == Config()  # the branch's own file is fine


@pytest.mark.parametrize("ref", ["no-such-branch", "origin/main", "deadbeef" * 5, "main~5"])
def test_unknown_ref_is_a_config_error_with_a_fetch_hint(tmp_path: Path, ref: str) -> None:
    repo = init_repo(tmp_path / "r")
    with pytest.raises(ConfigError) as info:
        load(repo, environ={}, ref=ref)
    assert info.value.message == f"config ref {ref!r} is not a commit in this checkout"
    assert "git fetch origin" in (info.value.hint or "")
    assert "fetch-depth: 0" in (info.value.hint or "")


@pytest.mark.parametrize("ref", ["", " ", "-h", "--output=x", "main:x", "a b", "a..b", "x\n"])
def test_malformed_ref_is_refused_before_git_sees_it(tmp_path: Path, ref: str) -> None:
    repo = init_repo(tmp_path / "r")
    with pytest.raises(ConfigError, match="is not a valid git revision"):
        load(repo, environ={}, ref=ref)


def test_ref_outside_git_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not inside a git repository"):
        load(tmp_path, environ={}, ref="main")


# trusted file, other file, expected phrases ([] = does not loosen)
LOOSENINGS: list[tuple[str, str, list[str]]] = [
    ("", "", []),
    ("", "trusted_logins = ['Agent']", ["trusted_logins adds 'Agent'"]),
    ("trusted_logins = ['agent']", "trusted_logins = ['@AGENT']", []),
    ("trusted_logins = ['a', 'b']", "trusted_logins = ['a']", []),
    ("", "trusted_associations = ['OWNER', 'NONE']", ["trusted_associations adds 'NONE'"]),
    ("", "trusted_associations = ['OWNER']", []),
    ("", "sensitive_patterns = []", ["sensitive_patterns drops '**/auth/**'"]),
    ("sensitive_patterns = ['*.pem']", "sensitive_patterns = ['*.pem', '*.key']", []),
    ("require_commit = true", "", ["require_commit true -> false"]),
    ("", "require_commit = true", []),
    ("require_distinct_reviewer = true", "", ["require_distinct_reviewer true -> false"]),
    ("require_independent_review = true", "", ["require_independent_review true -> false"]),
    ("", "require_independent_review = true", []),
    # which identity the dispatcher hands to review workers is no policy of the gate
    ("review_author = 'review-bot'", "review_author = 'agent'", []),
    ("", "review_token_env = 'AGENT_TOKEN'", []),
    ("", "protect = false", ["protect true -> false"]),
    ("", "max_stop_blocks = 1", ["max_stop_blocks 3 -> 1"]),
    ("", "max_stop_blocks = 9", []),
    ("", "protected_branches = ['main']", ["protected_branches drops 'master'"]),
    ("", "on_unreachable = 'allow'", ["on_unreachable 'refuse' -> 'allow'"]),
    ("on_unreachable = 'allow'", "", []),
    ("", "repo = 'evil/fork'", ["repo None -> 'evil/fork'"]),
    ("", "api_url = 'http://127.0.0.1:9999'", ["api_url None -> 'http://127.0.0.1:9999'"]),
    (
        "api_url = 'https://ghe.example/api/v3'",
        "api_url = 'HTTPS://ghe.example/api/v3/'",
        [],
    ),
    (
        "api_url = 'https://ghe.example/api/v3'",
        "api_url = 'https://api.github.com'",
        ["api_url 'https://ghe.example/api/v3' -> 'https://api.github.com'"],
    ),
    ("", "tracker = 'local'", ["tracker None -> 'local'"]),
    ("", "base_branch = 'feature/1-x'", ["base_branch None -> 'feature/1-x'"]),
    ("", "worker_branch_pattern = '^(\\\\d+)'", ["worker_branch_pattern"]),
    ("", "issue = 5", ["issue None -> 5"]),
    ("", "retries = 9\nlease_ttl = 1\nhang_after = 1\nrequest_timeout = 1", []),
    # -- who may author each kind
    ("[trust]\nreview = ['review-bot']", "", ["trust.review restriction removed"]),
    ("[trust]\nreview = ['review-bot']", "[trust]\nreview = ['Review-Bot']", []),
    ("[trust]\nreview = ['review-bot']", "[trust]\nreview = []", []),
    (
        "[trust]\nreview = ['review-bot']",
        "[trust]\nreview = ['agent']",
        ["trust.review adds '@agent'"],
    ),
    (
        "[trust]\nreview = ['review-bot']",
        "[trust]\nreview = ['MEMBER']",
        ["trust.review adds 'MEMBER'"],
    ),
    ("", "[trust]\nworker = ['agent']", ["trust.worker adds '@agent'"]),
    ("", "[trust]\nworker = ['OWNER']", []),
    ("", "[trust]\nworker = ['NONE']", ["trust.worker adds 'NONE'"]),
    # a login added to the fallback reaches only the kinds [trust] does not list
    (
        "[trust]\nreview = ['bot']",
        "trusted_logins = ['agent']\n[trust]\nreview = ['bot']",
        ["trusted_logins adds 'agent'"],
    ),
    (
        "[trust]\nreview = ['bot']\nworker = ['bot']\nhandover = ['bot']",
        "trusted_logins = ['agent']\n[trust]\nreview = ['bot']\nworker = ['bot']\n"
        "handover = ['bot']",
        [],
    ),
    # removing a restriction whose list the fallback already covers loosens nothing
    ("[trust]\nhandover = ['OWNER', 'MEMBER', 'COLLABORATOR']", "", []),
    (
        "[trust]\nreview = ['bot']\nhandover = ['bot']",
        "trusted_associations = ['OWNER']\n[trust]\nreview = ['bot']",
        [
            "trust.handover restriction removed (falls back to trusted_associations + "
            "trusted_logins: OWNER), adds 'OWNER'"
        ],
    ),
]


@pytest.mark.parametrize(("trusted", "other", "expected"), LOOSENINGS)
def test_loosenings(tmp_path: Path, trusted: str, other: str, expected: list[str]) -> None:
    a = config.file_config(check_keys(config.tomllib.loads(trusted), "a"))
    b = config.file_config(check_keys(config.tomllib.loads(other), "b"))
    found = config.loosenings(a, b)
    assert len(found) == len(expected), found
    for phrase, want in zip(found, expected, strict=True):
        assert phrase.startswith(want)


def test_all_loosenings_are_reported_together() -> None:
    trusted = Config(require_commit=True)
    other = Config(trusted_logins=("x",), sensitive_patterns=(), require_commit=False)
    assert [p.split()[0] for p in config.loosenings(trusted, other)] == [
        "trusted_logins",
        "sensitive_patterns",
        "require_commit",
    ]


_SECRET_CHARS = "ABCXYZabz019_-. $/{}é"


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(hypothesis.strategies.text(_SECRET_CHARS, min_size=1, max_size=12))
def test_actions_token_secret_is_a_secret_name(name: str) -> None:
    """Only a name GitHub allows for a secret (and not GITHUB_*) is taken: the workflow
    indexes ``secrets[...]`` with it, and a token pasted here by mistake is refused."""
    name = name.strip() or name  # surrounding blanks are dropped, as for every key
    allowed = (
        name.strip() != ""
        and name[0] not in "0123456789"
        and all(c.isascii() and (c.isalnum() or c == "_") for c in name)
        and not name.upper().startswith("GITHUB_")
    )
    if allowed:
        assert (
            load(Path("."), environ={"REVIEW_GATE_ACTIONS_TOKEN_SECRET": name}).actions_token_secret
            == name
        )
    else:
        with pytest.raises(ConfigError, match=r"actions_token_secret|non-empty"):
            load(Path("."), environ={"REVIEW_GATE_ACTIONS_TOKEN_SECRET": name})
