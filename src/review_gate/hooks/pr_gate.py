"""The slow path of ``gate hook pre-tool-use``: gate PR creation, deny tampering.

Only reached for a shell command the pre-filter flagged, or an MCP create-PR tool.
Every function returns a deny reason or None; anything that cannot be decided
(no issue, tracker down, broken configuration) is a deny with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from review_gate import git
from review_gate.errors import GateError, TrackerUnavailable
from review_gate.hooks import checkout as ctx

if TYPE_CHECKING:
    from review_gate.shell import Analysis
    from review_gate.target import Repository

_MAX_BODY_FILE = 1 << 20
_PREFIX = "review-gate: "


class PrRequest(NamedTuple):
    """One PR the tool call would create, with what it says about itself."""

    via: str  # "gh pr create", "curl", "mcp__github__create_pull_request", ...
    body: str | None
    body_file: str | None
    head: str | None
    repo: str | None
    cwd: str = ""  # where it runs, from the hook's directory ("" = there)
    body_unknown: bool = False  # a body computed at run time
    fill: bool = False  # the body is made from the commit messages (gh --fill)


def _read_body_file(cwd: Path, name: str) -> str | None:
    if not name or name == "-":
        return None  # stdin: not readable from here
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = cwd / path
    try:
        with path.open("rb") as f:
            return f.read(_MAX_BODY_FILE).decode("utf-8", "replace")
    except OSError:
        return None  # not there yet (written by an earlier part of the command?)


def _branch_name(head: str) -> str:
    # gh and the API take "owner:branch" for a fork's branch.
    return head.split(":", 1)[1] if ":" in head else head


_NO_HEAD = (
    "{prefix}cannot tell which commit this pull request ({via}) would contain: branch "
    "{head!r} is neither on origin nor in this checkout, so its review cannot be checked and "
    "it is denied. Push the branch (`git push -u origin HEAD`), then retry."
)
_NO_ISSUE = (
    "{prefix}cannot tell which issue this pull request ({via}) is for, so it is denied. "
    "Put `Closes #N` in the PR body (--body or an existing --body-file), set "
    "REVIEW_GATE_ISSUE=N, or work on a branch named feature/N-<slug>."
)


_NO_DIR = (
    "{prefix}this pull request ({via}) would be created from {cwd!r}, which is not a "
    "directory here, so it is denied. Change directory in a command of its own, then retry."
)
_NO_BODY = (
    "{prefix}cannot tell which issues this pull request ({via}) closes: its body is computed "
    "at run time, so it is denied. Give the body as --body 'text', a quoted heredoc "
    "(--body \"$(cat <<'EOF' ... EOF)\"), or a --body-file written in an earlier command."
)
_NO_FILL = (
    "{prefix}cannot read the commit messages this pull request ({via}) would take its body "
    "from (--fill), so it is denied. Fetch the base branch, or give --body."
)


def _run_dir(hook_cwd: Path, moved: str, environ: Mapping[str, str]) -> Path:
    """The directory a command runs in after an earlier ``cd``/``env -C`` of the command."""
    if not moved:
        return hook_cwd
    if moved == "~" or moved.startswith("~/"):
        home = environ.get("HOME") or str(Path.home())
        moved = home + moved[1:]
    return hook_cwd / moved  # an absolute ``moved`` replaces hook_cwd


def _gate_requests(
    requests: Sequence[PrRequest], data: Mapping[str, Any], environ: Mapping[str, str]
) -> str | None:
    from review_gate import report, target
    from review_gate.check import evaluate

    hook_cwd = ctx.hook_cwd(data)
    if not hook_cwd.is_dir():
        return (
            f"{_PREFIX}the hook's working directory {hook_cwd} does not exist; PR creation denied."
        )
    try:
        failures: list[str] = []
        cannot_tell = False
        checkouts: dict[Path, tuple[Repository, Any]] = {}
        tracker = None
        for pr in requests:
            cwd = _run_dir(hook_cwd, pr.cwd, environ)
            if not cwd.is_dir():
                failures.append(_NO_DIR.format(prefix=_PREFIX, via=pr.via, cwd=pr.cwd))
                cannot_tell = True
                continue
            if pr.body_unknown:
                failures.append(_NO_BODY.format(prefix=_PREFIX, via=pr.via))
                cannot_tell = True
                continue
            if cwd not in checkouts:
                repo = target.Repository(cwd)
                checkouts[cwd] = (repo, target.checkout_policy(repo, environ))
            repo, policy = checkouts[cwd]
            bodies = [pr.body] if pr.body else []
            if pr.body_file:
                text = _read_body_file(cwd, pr.body_file)
                if text:
                    bodies.append(text)
            head_branch = _branch_name(pr.head) if pr.head else None
            request = target.from_checkout(
                cwd,
                environ,
                surface="pre-tool-use",
                head_branch=head_branch,
                bodies=bodies,
                repo=repo,
                policy=policy,
                tracker=tracker,
            )
            tracker = request.tracker
            if pr.fill and request.head and request.base:
                messages = git.commit_messages(repo.cwd, request.base, request.head)
                if messages is None:
                    failures.append(_NO_FILL.format(prefix=_PREFIX, via=pr.via))
                    cannot_tell = True
                    continue
                request = target.from_checkout(
                    cwd,
                    environ,
                    surface="pre-tool-use",
                    head_branch=head_branch,
                    bodies=[*bodies, *messages],
                    repo=repo,
                    policy=policy,
                    tracker=tracker,
                )
            if not request.issues:
                failures.append(_NO_ISSUE.format(prefix=_PREFIX, via=pr.via))
                continue
            if request.head is None:
                failures.append(_NO_HEAD.format(prefix=_PREFIX, via=pr.via, head=pr.head))
                cannot_tell = True
                continue
            denied = report.pr_denied(evaluate(request))
            if denied:
                failures.append(denied)
    except TrackerUnavailable as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        return (
            f"{_PREFIX}the issue tracker is unreachable, so the review cannot be verified and "
            f"the pull request is denied (fail closed): {exc.message}{hint}"
        )
    except GateError as exc:
        hint = f" Hint: {exc.hint}" if exc.hint else ""
        return f"{_PREFIX}cannot verify the review, so the pull request is denied: {exc}.{hint}"
    if cannot_tell:
        failures.append(checkout_gate_status(data, environ))
    return "\n\n".join(failures) if failures else None


def checkout_gate_status(data: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    """Whether the review gate of the hook's checkout passes, for a deny that could not tell
    what a command does (so the agent knows whether to fix the command or the review)."""
    from review_gate import report, target
    from review_gate.check import evaluate

    try:
        request = target.from_checkout(ctx.hook_cwd(data), environ, surface="pre-tool-use")
        if not request.issues:
            return (
                "This checkout has no issue to gate (no feature/N-... branch, no "
                "REVIEW_GATE_ISSUE): say which issue the PR is for with `Closes #N` in its body."
            )
        if request.head is None:
            return "This checkout has no commit yet, so there is no review gate to check."
        return report.gate_status(evaluate(request))
    except (GateError, OSError) as exc:
        hint = f" ({exc.hint})" if isinstance(exc, GateError) and exc.hint else ""
        return f"Whether this checkout's review gate passes could not be checked: {exc}{hint}."


def _repo_name(repo: str | None) -> str | None:
    """``owner/name`` from gh's ``[HOST/]OWNER/REPO`` or a URL, else None."""
    if not repo:
        return None
    parts = [p for p in re.split(r"[/:]", repo.strip().removesuffix(".git")) if p]
    if len(parts) < 2 or not all(re.fullmatch(r"[\w.-]+", p) for p in parts[-2:]):
        return None
    return f"{parts[-2]}/{parts[-1]}"


#: The next step for each kind of tamper route (``shell.records.KINDS``).
_NEXT_STEP = {
    "no-verify": "Run it without --no-verify / -n: the gate's git hooks must run; if one fails, "
    "fix what it reports (`gate check` shows the review gate).",
    "hooks-path": "Leave core.hooksPath, and the git configuration that can set it, as it is: "
    "the gate's git hooks must run; if one fails, fix what it reports (`gate check`).",
    "skip": "Drop the variable that switches hooks off (SKIP=..., HUSKY=...); if a hook fails, "
    "fix what it reports (`gate check`).",
    "hookless-push": "Push with `git push`, which runs the pre-push hook.",
    "protected": "Leave the gate's own files as they are: its policy comes from the base "
    "branch, so a change to them belongs in a pull request of its own that a person reviews "
    "and merges. Reading them is fine; `gate check` shows what the gate wants.",
    "uninstall": "Keep review-gate and its hooks installed; removing them is for a person to "
    "do outside this session (`gate doctor` shows the setup).",
    "agent-hooks": "Start the agent with its hooks: no --bare, --safe-mode, disableAllHooks, "
    "--setting-sources, CLAUDE_CODE_SIMPLE or codex hook overrides.",
    "author": "Post without --author, REVIEW_GATE_AUTHOR or USER (write the issue number "
    "out): a comment is from whoever runs `gate issue comment`, and the dispatcher gives a "
    "review worker its reviewer identity itself.",
}


def _routes(
    analysis: Analysis, repo: Repository | None, cwd: Path, environ: Mapping[str, str]
) -> list[tuple[str, str, str]]:
    """(route as shown, what it does, kind) for every tamper route in ``analysis``."""
    found = [(f"`{t.command}`", t.reason, t.kind or "no-verify") for t in analysis.tampering]
    if analysis.paths:
        from review_gate.protected import own_installs
        from review_gate.shell.judge import Place, judge

        checkout = repo.checkout if repo is not None else None
        place = Place(
            cwd=str(cwd),
            top=str(checkout.top) if checkout else None,
            git_dir=str(checkout.git_dir) if checkout else None,
            common_dir=str(checkout.common_dir) if checkout else None,
            home=environ.get("HOME") or None,
            codex_home=environ.get("CODEX_HOME") or None,
            installs=own_installs(),
            environ=environ,
        )
        for use in analysis.paths:
            reason = judge(use, place)
            if reason:
                if use.route.endswith(" code"):
                    shown = use.command
                elif "{}" in use.route:
                    shown = use.route.replace("{}", use.source, 1)
                else:
                    shown = f"{use.route} {use.source}"
                found.append((f"`{shown}`", reason, "protected"))
    return found


def _tampering(
    analysis: Analysis, data: Mapping[str, Any], environ: Mapping[str, str]
) -> str | None:
    """The deny reason for the tamper routes of ``analysis`` in a gated checkout, or None."""
    from review_gate import target

    cwd = ctx.hook_cwd(data)
    where = cwd if cwd.is_dir() else Path(".")
    repo: target.Repository | None = None
    broken: GateError | None = None
    try:
        repo = target.Repository(ctx.holding_checkout(where))
    except GateError as exc:
        broken = exc
    routes = _routes(analysis, repo, where, environ)
    if not routes:
        return None
    try:
        if broken is not None or repo is None:
            raise broken or GateError("the checkout could not be read")
        config, _, _ = target.checkout_policy(repo, environ)
        if not config.protect:
            return None
        why = ctx.gated_reason(repo, config) if cwd.is_dir() else None
    except GateError as exc:
        # protect is on by default: a broken configuration must not switch it off.
        why = f"the configuration could not be read ({exc})"
    if why is None:
        return None
    found = "; ".join(f"{shown}: {reason}" for shown, reason, _ in routes)
    steps = dict.fromkeys(_NEXT_STEP.get(kind, _NEXT_STEP["no-verify"]) for *_, kind in routes)
    return (
        f"{_PREFIX}this checkout is gated ({why}), and this command would bypass the gate: "
        f"{found}. {' '.join(steps)}"
    )


def gate_analysis(
    analysis: Analysis, data: Mapping[str, Any], environ: Mapping[str, str]
) -> str | None:
    """The deny reason for an analysed shell command that matters, or None."""
    if analysis.undecidable:
        moved = all(u.startswith("cannot tell which checkout") for u in analysis.undecidable)
        step = (
            "Run the `cd` or `git switch` as a command of its own, then `gh pr create`."
            if moved
            else "Run `gh pr create` (or the like) as a plain command, without building it "
            "at run time."
        )
        what = (
            "which checkout or branch this pull request is for"
            if moved
            else ("whether this command creates a pull request")
        )
        return (
            f"{_PREFIX}cannot tell {what}, so it is denied: {'; '.join(analysis.undecidable)}. "
            f"{step}\n\n" + checkout_gate_status(data, environ)
        )
    reasons: list[str] = []
    if analysis.tampering or analysis.paths:
        reason = _tampering(analysis, data, environ)
        if reason:
            reasons.append(reason)
    if analysis.pr_creations:
        requests = [
            PrRequest(p.via, p.body, p.body_file, p.head, p.repo, p.cwd, p.body_unknown, p.fill)
            for p in analysis.pr_creations
        ]
        reason = _gate_requests(requests, data, environ)
        if reason:
            reasons.append(reason)
    return "\n\n".join(reasons) if reasons else None


def _str_field(tool_input: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = tool_input.get(name)
        if isinstance(value, str) and value:
            return value
    return None


_API_BODY_KEYS = ("body", "data", "fields", "payload", "json", "input", "variables")


def gate_api_tool(
    tool: str, tool_input: Mapping[str, Any], data: Mapping[str, Any], environ: Mapping[str, str]
) -> str | None:
    """The deny reason for a generic MCP API tool that would create a PR, or None.

    Catches a REST POST to ``repos/O/R/pulls`` (``method`` + ``path``/``url``/``endpoint``)
    and a GraphQL ``createPullRequest`` mutation in any string of the input.
    """
    from review_gate.hooks.tool_names import strings as _strings
    from review_gate.shell.pr_commands import _NOT_CREATING, classify

    strings = _strings(tool_input)
    fields: dict[str, str] = {}
    for blob in strings:
        if "{" in blob:  # a GraphQL query or a JSON request body
            fields.update(_shell_fields(blob))
    for key, value in tool_input.items():
        if isinstance(value, dict):
            fields.update({k: v for k, v in value.items() if isinstance(v, str)})
            inner = value.get("input")
            if isinstance(inner, dict):
                fields.update({k: v for k, v in inner.items() if isinstance(v, str)})
        elif isinstance(value, str) and key in ("body", "head"):
            fields.setdefault(key, value)
    if any("createpullrequest" in s.lower() and "mutation" in s.lower() for s in strings):
        request = PrRequest(tool, fields.get("body"), None, fields.get("headRefName"), None)
        return _gate_requests([request], data, environ)
    # The request may be the input itself or nested: {"request": {"method": ..., "url": ...}}
    requests = [tool_input, *(v for v in tool_input.values() if isinstance(v, dict))]
    for request_input in requests:
        path = _str_field(request_input, "path", "url", "endpoint", "uri", "route", "resource")
        if path is None:
            continue
        kind, repo = classify(path)
        if kind != "pulls":
            continue
        method = _str_field(request_input, "method", "http_method", "httpMethod", "verb")
        if method is None:
            body = any(request_input.get(k) for k in _API_BODY_KEYS)
            method = "POST" if body else "GET"
        if method.upper() in _NOT_CREATING:
            continue
        request = PrRequest(tool, fields.get("body"), None, fields.get("head"), repo)
        return _gate_requests([request], data, environ)
    return None


def _shell_fields(blob: str) -> dict[str, str]:
    from review_gate.shell.pr_commands import _graphql_fields, _json_fields

    return {**_graphql_fields(blob), **_json_fields(blob)}


def gate_pr_tool(
    tool: str, tool_input: Mapping[str, Any], data: Mapping[str, Any], environ: Mapping[str, str]
) -> str | None:
    """The deny reason for an MCP (or other) tool that creates a pull request, or None."""
    owner = _str_field(tool_input, "owner")
    name = _str_field(tool_input, "repo", "repository")
    repo = f"{owner}/{name}" if owner and name and "/" not in name else name
    request = PrRequest(
        via=tool,
        body=_str_field(tool_input, "body", "description"),
        body_file=None,
        head=_str_field(tool_input, "head", "head_branch", "source_branch"),
        repo=repo,
    )
    return _gate_requests([request], data, environ)
