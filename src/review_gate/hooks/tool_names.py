"""What a tool call's name and input say about it, by words: whether it creates a pull
request (an MCP ``create_pull_request``, a generic tool's ``{"operation": "pulls.create"}``)
and the strings it carries. Standard library only: the hook's fast path imports it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_VERBS = frozenset({"create", "open", "new", "submit", "make", "raise"})
_PR_WORDS = frozenset({"pr", "prs", "pull", "pulls", "pullrequest", "pullrequests", "mr"})
_NOT_A_PR = frozenset({"review", "reviews", "comment", "comments", "reviewer", "reviewers"})


def words(name: str) -> list[str]:
    """Split a tool name into lower-case words at ``_``/``-``/``.``/``__`` and camelCase."""
    found: list[str] = []
    current = ""
    previous = ""
    for char in name:
        if not char.isalnum():
            if current:
                found.append(current)
            current = ""
        elif char.isupper() and current and (previous.islower() or previous.isdigit()):
            found.append(current)
            current = char
        else:
            current += char
        previous = char
    if current:
        found.append(current)
    return [w.lower() for w in found]


def is_pr_tool(tool_name: str) -> bool:
    """Whether a (non-shell) tool creates a pull request, judged by its name.

    MCP tools are ``mcp__<server>__<tool>``; the tool part is matched by words so
    that ``create_pull_request``, ``createPullRequest``, ``pull_request_create``,
    ``create_pr`` and ``open_merge_request`` match, while ``create_pull_request_review``,
    ``list_pull_requests`` or ``merge_pull_request`` do not.
    """
    tool = tool_name.rsplit("__", 1)[-1]
    parts = words(tool)
    if not parts or not _VERBS.intersection(parts) or _NOT_A_PR.intersection(parts):
        return False
    if _PR_WORDS.intersection(parts):
        return True
    joined = "".join(parts)
    return "pullrequest" in joined or "mergerequest" in joined


def glued_pr_tool(tool_name: str) -> bool:
    """``createpullrequest``, ``openmergerequest``: verb and noun written as one word."""
    joined = tool_name.rsplit("__", 1)[-1].lower()
    if any(word in joined for word in _NOT_A_PR):
        return False
    return any(v + n in joined or n + v in joined for v in _VERBS for n in _GLUED_NOUNS)


_GLUED_NOUNS = ("pullrequest", "mergerequest", "pull_request", "merge_request")


def strings(value: object, depth: int = 0) -> list[str]:
    """All strings in a JSON value (tool inputs are small; depth is bounded)."""
    if isinstance(value, str):
        return [value]
    if depth > 8:
        return []
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v, depth + 1)]
    if isinstance(value, list):
        return [s for v in value[:256] for s in strings(v, depth + 1)]
    return []


#: Keys of a generic tool's input that name the operation it performs.
_OPERATION_KEYS = (
    "operation",
    "op",
    "action",
    "method",
    "function",
    "operation_id",
    "operationId",
    "endpoint",
    "api",
    "tool",
    "tool_name",
)
#: Keys whose (object) value holds the operation's parameters.
_PARAM_KEYS = (
    "params",
    "parameters",
    "arguments",
    "args",
    "input",
    "data",
    "body",
    "payload",
    "request",
    "options",
)


def pr_operation(tool_input: object) -> dict[str, Any] | None:
    """The parameters of a generic tool call that creates a PR by operation name
    (``{"operation": "create_pull_request"}``, ``{"method": "pulls.create"}``), or None."""
    if not isinstance(tool_input, dict):
        return None
    for key in _OPERATION_KEYS:
        value = tool_input.get(key)
        if (
            isinstance(value, str)
            and len(value) < 200
            and (
                is_pr_tool(value.replace(".", "_").replace("/", "_"))
                or glued_pr_tool(value.replace(".", "_").replace("/", "_"))
            )
        ):
            params = {k: v for k, v in tool_input.items() if isinstance(v, str)}
            for inner in _PARAM_KEYS:
                nested = tool_input.get(inner)
                if isinstance(nested, dict):
                    params.update(nested)
            return params
    return None
