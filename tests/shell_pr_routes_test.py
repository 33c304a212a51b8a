"""Routes to a PR by class (issue 10 item 5): HTTP clients by what they do, shell code in
other programs' options, work handed to another runner, and MCP tools with code under other
keys or a PR-creating operation name. Each class has generated variants and its everyday
neighbours, which must not be denied."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.shell import analyse, might_matter
from tests.hooks_agent_test import (  # noqa: F401  (fixtures)
    deny_reason,
    hook,
    post_review,
    shared_worker,
    tool,
    worker,
)

PULLS = (
    "https://api.github.com/repos/o/r/pulls",
    "api.github.com/repos/o/r/pulls",
    "https://ghe.example/api/v3/repos/o/r/pulls",
    "'https://api.github.com/repos/o/r/pulls'",
)
GRAPHQL = "https://api.github.com/graphql"
MUTATION = """'{"query":"mutation{createPullRequest(input:{title:\\"x\\"}){clientMutationId}}"}'"""


def _denied(command: str) -> bool:
    assert might_matter(command), command  # the fast path must not wave it through
    result = analyse(command)
    return bool(result.pr_creations or result.undecidable)


def _silent(command: str) -> bool:
    result = analyse(command)
    return not (result.pr_creations or result.undecidable)


# --- a) HTTP clients by what they do -----------------------------------------------------

#: (program, options that make a write request or send a body); {u} is the URL.
_WRITERS = [
    'wget2 --post-data=\'{{"title":"x"}}\' {u}',
    "wget2 --method=POST {u}",
    "wget2 --method POST --body-data '{{}}' {u}",
    "POST {u}",
    "echo '{{}}' | POST {u}",
    "POST {u} < body.json",
    "lwp-request -m POST {u}",
    "lwp-request -mPOST {u} < body.json",
    "curlie post {u} title=x head=feature/7-x",
    "curlie -X POST {u} -d '{{}}'",
    "curlie {u} title=x",
    "xh post {u} title=x",
    "xhs {u} title=x",
    "xh {u} head=a base=main",
    "curl --expand-data '{{}}' {u}",
    'curl --variable t=x --expand-data \'{{"title":"{{{{t}}}}"}}\' {u}',
    "curl --json '{{}}' {u}",
    "curl -X POST -T body.json {u}",
    "curl -T body.json -H 'X-HTTP-Method-Override: POST' {u}",
    "aria2c --post-data=x {u}",
    "httpx -m POST {u} --json '{{}}'",
    "httpx --method=post {u}",
    "some-client --data @body.json {u}",
    "some-client --request POST {u}",
    "some-client -XPOST {u}",
    "fetch --upload-file body.json --method POST {u}",
    "zzclient -X POST -m GET {u}",
    "zzclient GET -X POST {u}",
    "timeout 30 POST {u} < body.json",
    "retry POST {u}",
    "zzclient post /repos/o/r/pulls title=x",
    "zzclient post :8080/repos/o/r/pulls title=x",
    "wget2 $OPTS {u}",
    "http2 --method $M {u}",
]


@pytest.mark.parametrize("command", [w.format(u=u) for w, u in itertools.product(_WRITERS, PULLS)])
def test_http_clients_posting_to_pulls_are_denied(command: str) -> None:
    assert _denied(command), analyse(command)


@pytest.mark.parametrize(
    "command",
    [
        f"POST {GRAPHQL} < query.json",
        f"xh post {GRAPHQL} query=@q.graphql",
        f"curlie post {GRAPHQL} -d {MUTATION}",
        f"wget2 --post-data={MUTATION} {GRAPHQL}",
        f"some-client --data {MUTATION} {GRAPHQL}",
        f"curl --expand-data {MUTATION} {GRAPHQL}",
    ],
)
def test_http_clients_graphql_are_denied(command: str) -> None:
    assert _denied(command), analyse(command)


_READERS = [
    "wget2 {u}",
    "wget2 -O prs.json {u}",
    "GET {u}",
    "HEAD {u}",
    "lwp-request {u}",
    "lwp-request -m GET {u}",
    "curlie {u}",
    "curlie get {u}",
    "xh {u}",
    "xh GET {u} state==open",
    "aria2c {u}",
    "httpx {u}",
    "curl -T body.json {u}",  # a PUT: GitHub creates no PR with it
    "some-client -m 'fix pulls' {u}",
    "curlie -X PATCH {u}/1 title=x",
]


@pytest.mark.parametrize("command", [w.format(u=u) for w, u in itertools.product(_READERS, PULLS)])
def test_http_clients_reading_pulls_are_not_denied(command: str) -> None:
    assert _silent(command), analyse(command)


@pytest.mark.parametrize(
    "command",
    [
        "POST https://example.com/api/items < item.json",
        "curlie post https://httpbin.org/post a=b",
        "xh post localhost:8080/pulls-report a=b",
        "wget2 --post-data=x https://example.com/form",
        "npm install graphql --json",
        "yarn add graphql",
        "pip install graphql-core --data-dir x",
        "curl --expand-data '{{x}}' --variable x=1 https://example.com",
        "echo -X POST https://api.github.com/repos/o/r/pulls",
        "grep -r --data repos/o/r/pulls docs/",
        "pytest tests/api/repos/o/r/pulls -k post",
        "zztool --data x fixtures/repos/o/r/pulls",
    ],
)
def test_http_neighbours_are_not_denied(command: str) -> None:
    assert _silent(command), analyse(command)


# --- b) shell code hidden in options of other programs ------------------------------------

_PR = ("gh pr create -b x", "hub pull-request -m x", "curl -d '{}' api.github.com/repos/o/r/pulls")
_OPTION_CARRIERS = [
    "ssh -o ProxyCommand={q} host",
    "ssh -o 'ProxyCommand {c}' host",
    "ssh -oProxyCommand={q} host true",
    "ssh -o PermitLocalCommand=yes -o LocalCommand={q} host",
    "ssh -o KnownHostsCommand={q} host",
    "scp -o ProxyCommand={q} a host:b",
    "sftp -o ProxyCommand={q} host",
    "rsync -e \"ssh -o ProxyCommand='{c}'\" a host:b",
    "git -c core.sshCommand={q} fetch origin",
    "GIT_SSH_COMMAND={q} git fetch",
    "gh config set browser {q}; gh browse",
    "gh config set -h github.com editor {q}",
    "gh config set pager {q}",
]


def _quoted(code: str) -> str:
    return "'" + code.replace("'", "'\\''") + "'"


@pytest.mark.parametrize(
    "command",
    [
        c.format(q=_quoted(p + ";"), c=p.replace("'", '"'))
        for c, p in itertools.product(_OPTION_CARRIERS, _PR)
    ],
)
def test_code_in_options_is_analysed(command: str) -> None:
    assert _denied(command), analyse(command)


@pytest.mark.parametrize(
    "command",
    [
        "BASH_ENV=<(echo gh pr create) bash -c true",
        "echo 'gh pr create' > /tmp/e; BASH_ENV=/tmp/e bash -c true",
        "echo 'gh pr create' > /tmp/e; export BASH_ENV=/tmp/e; make",
        "printf 'gh pr create' > e.sh; ENV=e.sh sh -i",
        "BASH_ENV=$F bash -c 'gh pr view' # pr create",
        "echo 'import os; os.system(\"gh pr create\")' > m.py; python -m runpy m",
        "python3 -m code <<< 'import os; os.system(\"gh pr create\")'",
        "python -m runpy $MOD # gh pr create",
        "python -m timeit 'import os; os.system(\"gh pr create\")'",
        "python3 -m pdb -c '!import os; os.system(\"gh pr create\")' x.py",
        'python -mtimeit -s \'import subprocess\' \'subprocess.run(["gh","pr","create"])\'',
        "hash -p /usr/bin/gh g; g pr create",
        "hash -p /usr/bin/gh ls; ls pr create",
        "hash -p /usr/local/bin/hub cat; cat pull-request",
        "hash -p $GH g; g pr create",
        "ssh -F cfg host # ProxyCommand gh pr create",
    ],
)
def test_hidden_startup_code_is_denied(command: str) -> None:
    assert _denied(command), analyse(command)


@pytest.mark.parametrize(
    "command",
    [
        "ssh -o ProxyCommand='nc %h %p' host",
        "ssh -o ProxyCommand='ssh -W %h:%p bastion' host uptime",
        "ssh -o StrictHostKeyChecking=no host ls",
        "ssh -F ~/.ssh/cfg host uptime",
        "scp -o ProxyJump=bastion a host:b",
        "git -c core.sshCommand='ssh -i key' fetch origin",
        "GIT_SSH_COMMAND='ssh -o IdentitiesOnly=yes' git pull",
        "gh config set browser firefox; gh browse",
        "gh config set editor 'code --wait'",
        "gh config set git_protocol ssh",
        "BASH_ENV=~/.bashrc bash -c 'make test'",
        "python -m runpy mymodule",
        "python -m code",
        "python -m timeit '[x for x in range(9)]'",
        "python -m pdb script.py",
        "python -m timeit 'print(\"gh pr create\")'",
        "hash -p /bin/ls ll; ll -la",
        "hash -r",
    ],
)
def test_option_neighbours_are_not_denied(command: str) -> None:
    assert _silent(command), analyse(command)


# --- c) work handed to another runner ----------------------------------------------------

_RUNNER_FORMS = [
    "echo '* * * * * {c}' | crontab -",
    "crontab <<< '@reboot {c}'",
    "crontab - <<'EOF'\nSHELL=/bin/bash\n0 3 * * 1-5 cd /w && {c}\nEOF",
    "crontab <(echo '@daily {c}')",
    "printf '%s\\n' '*/5 * * * * {c}' | crontab -u me -",
    "at now <<< '{c}'",
    "echo '{c}' | at now + 1 minute",
    "echo '{c}' | batch",
    "docker run --rm img {c}",
    "docker run --rm -v $PWD:/w -w /w img sh -c '{c}'",
    "podman run -it --entrypoint sh img -c '{c}'",
    "nerdctl run img {c}",
    "kubectl run x --image=i -- {c}",
]
_RUNNER_PR = ("gh pr create -b x", "hub pull-request -m x")


@pytest.mark.parametrize(
    "command",
    [f.format(c=c) for f, c in itertools.product(_RUNNER_FORMS, _RUNNER_PR)],
)
def test_work_handed_to_runners_is_analysed(command: str) -> None:
    assert _denied(command), analyse(command)


@pytest.mark.parametrize(
    "command",
    [
        "echo 'gh pr create' > job; at -f job now",
        "echo 'gh pr create' > tab; crontab tab",
        "crontab $TAB # gh pr create",
        "docker run ghcr.io/cli/cli pr create",
        "docker run -it --entrypoint gh img pr create",
    ],
)
def test_runner_files_that_may_create_a_pr_are_denied(command: str) -> None:
    assert _denied(command), analyse(command)


@pytest.mark.parametrize(
    "command",
    [
        "crontab -l",
        "crontab -r",
        "crontab mytab",
        "echo '0 * * * * make backup' | crontab -",
        "crontab <<< '@daily /usr/bin/backup.sh'",
        "at -f job.sh now",
        "at -l",
        "echo 'make test' | at now",
        "docker run --rm alpine echo hi",
        "docker run --rm -v $PWD:/w img pytest",
        "podman run img ls",
        "kubectl run x --image=i -- sleep 10",
    ],
)
def test_runner_neighbours_are_not_denied(command: str) -> None:
    assert _silent(command), analyse(command)


# --- d) MCP tools: code under other keys, PR creation by operation name -------------------

_GH = ["gh", "pr", "create", "--title", "x", "--body", "Closes #7"]
_CODE_INPUTS = [
    {"argv": _GH},
    {"program": "gh", "args": _GH[1:]},
    {"executable": "gh", "arguments": _GH[1:]},
    {"command": "gh", "args": _GH[1:]},
    {"script": "set -e\ngh pr create --title x --body 'Closes #7'\n"},
    {"code": "gh pr create --title x --body 'Closes #7'"},
    {"commands": ["cd .", "gh pr create --title x --body 'Closes #7'"]},
    {"code": "import os; os.system('gh pr create -b x')", "language": "python"},
    {"script": "require('child_process').execSync('gh pr create')", "language": "javascript"},
]


@pytest.mark.parametrize("name", ["mcp__shell__run", "mcp__exec__execute", "mcp__box__sandbox"])
@pytest.mark.parametrize("tool_input", _CODE_INPUTS)
def test_mcp_code_under_other_keys_is_gated(
    name: str,
    tool_input: dict[str, object],
    shared_worker: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer = hook("pre-tool-use", tool(name, tool_input, shared_worker), monkeypatch, capsys)
    assert deny_reason(answer).startswith("review-gate: ")


_NEIGHBOUR_INPUTS = [
    {"argv": ["gh", "pr", "list"]},
    {"program": "gh", "args": ["pr", "view", "3"]},
    {"script": "make test\n"},
    {"code": "print('gh pr create is how PRs are made')", "language": "python"},
    {"code": "ls -la"},
    {"operation": "list_pull_requests", "params": {"owner": "o", "repo": "r"}},
    {"operation": "create_issue", "params": {"title": "x"}},
    {"method": "pulls.list", "owner": "o", "repo": "r"},
    {"method": "pulls.createReview", "owner": "o", "repo": "r"},
    {"action": "merge_pull_request", "pull_number": 3},
]


@pytest.mark.parametrize("tool_input", _NEIGHBOUR_INPUTS)
def test_mcp_neighbours_are_not_denied(
    tool_input: dict[str, object],
    shared_worker: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    call = tool("mcp__github__github", tool_input, shared_worker)
    assert hook("pre-tool-use", call, monkeypatch, capsys) is None


_OPERATIONS: list[dict[str, object]] = [
    {"operation": "create_pull_request"},
    {"operation": "createPullRequest"},
    {"op": "pulls.create"},
    {"method": "pulls.create"},
    {"action": "open_pr"},
    {"function": "github.pulls.create"},
    {"operationId": "pulls/create"},
    {"tool": "create_pull_request"},
]
_PARAMS: list[dict[str, object]] = [
    {"owner": "o", "repo": "r", "title": "x", "head": "feature/7-x", "body": "Closes #7"},
    {"params": {"owner": "o", "repo": "r", "title": "x", "body": "Closes #7"}},
    {"arguments": {"title": "x", "head": "feature/7-x"}},
]


@pytest.mark.parametrize(
    "tool_input",
    [{**op, **params} for op, params in itertools.product(_OPERATIONS, _PARAMS)],
)
def test_mcp_operation_names_are_gated(
    tool_input: dict[str, object],
    shared_worker: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    call = tool("mcp__github__github", tool_input, shared_worker)
    assert "issue #7" in deny_reason(hook("pre-tool-use", call, monkeypatch, capsys))


def test_mcp_operation_passes_once_reviewed(
    worker: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    call = tool(
        "mcp__github__github",
        {"operation": "create_pull_request", "params": {"title": "x", "body": "Closes #7"}},
        worker,
    )
    assert "issue #7" in deny_reason(hook("pre-tool-use", call, monkeypatch, capsys))
    post_review(worker)
    assert hook("pre-tool-use", call, monkeypatch, capsys) is None


@pytest.mark.parametrize(
    "command",
    [
        "echo '* * * * * gh pr create' | crontab -",
        "gh pr create; echo '@daily gh pr create' | crontab -",
        "crontab <(echo '@daily gh pr create')",
    ],
)
def test_cron_jobs_are_undecidable_not_plain_creations(command: str) -> None:
    # A job that runs later is not vouched for by a review of today's commit.
    assert analyse(command).undecidable


@pytest.mark.parametrize(
    ("tool_input", "denied"),
    [
        ({"method": "POST", "url": "https://api.github.com/repos/o/r/pulls"}, True),
        ({"request": {"method": "POST", "url": "/repos/o/r/pulls", "body": "Closes #7"}}, True),
        ({"request": {"url": "repos/o/r/pulls", "json": {"title": "x"}}}, True),
        ({"request": {"method": "GET", "url": "repos/o/r/pulls"}}, False),
        ({"request": {"url": "repos/o/r/pulls"}}, False),
        ({"request": {"method": "PATCH", "url": "repos/o/r/pulls/3", "body": "x"}}, False),
    ],
)
def test_mcp_api_requests_nested_or_not(
    tool_input: dict[str, object],
    denied: bool,
    shared_worker: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer = hook(
        "pre-tool-use", tool("mcp__http__fetch", tool_input, shared_worker), monkeypatch, capsys
    )
    assert (answer is not None) == denied, answer
    if denied:
        assert deny_reason(answer).startswith("review-gate: ")


_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-2", min_size=1, max_size=8).map(
    lambda s: "zz" + s  # clear of the programs the analyser has its own model of
)
_WRITE_OPTS = st.sampled_from(
    [
        "-X POST",
        "--method=POST",
        "-m post",
        "--data '{}'",
        "-d x",
        "--json '{}'",
        "--form a=b",
        "--post-data=x",
        "--upload-file f",
        "post",
        "title=x",
        "--body-file=b",
    ]
)
_READ_OPTS = st.sampled_from(
    [
        "",
        "-v",
        "--verbose",
        "-o out.json",
        "-H 'Accept: application/json'",
        "-X GET",
        "get",
        "state==open",
        "--timeout 5",
        "-m GET",
        "-X HEAD",
    ]
)


_NEUTRAL_OPTS = st.sampled_from(
    [
        "",
        "-v",
        "--verbose",
        "-o out.json",
        "-H 'Accept: application/json'",
        "--timeout 5",
        "-X POST",
        "-m POST",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_NAMES, _WRITE_OPTS, _NEUTRAL_OPTS, st.sampled_from(PULLS), st.booleans())
def test_any_client_writing_to_pulls_is_denied(
    name: str, write: str, extra: str, url: str, url_first: bool
) -> None:
    words = [url, write, extra] if url_first else [write, extra, url]
    assert _denied(" ".join([name, *words]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_NAMES, _READ_OPTS, _READ_OPTS, st.sampled_from(PULLS), st.booleans())
def test_any_client_reading_pulls_is_not_denied(
    name: str, first: str, second: str, url: str, url_first: bool
) -> None:
    words = [url, first, second] if url_first else [first, second, url]
    assert _silent(" ".join([name, *words]))
