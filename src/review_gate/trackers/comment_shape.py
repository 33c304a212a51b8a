"""The shape of GitHub's ``issue-comment`` object (``GET .../issues/{n}/comments``), as a
table of JSON types, and a checker for it.

The types are those of GitHub's published schema (``tests/github_api.json``,
``issues/list-comments``, API version 2022-11-28): a field that is present must have its
documented type, at every level we read or store. Which fields must be present is the
parser's business (:func:`review_gate.trackers.export.parse_comment`): exports made by
hand or by older tools lack some GitHub always sends (``node_id``, ``url``).

The checker walks without recursion, and refuses what no GitHub answer holds: nesting
deeper than :data:`MAX_DEPTH` and lone UTF-16 surrogates (``"\\ud800"``), which JSON can
spell but no UTF-8 output can carry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

__all__ = ["ISSUE_COMMENT", "MAX_DEPTH", "Field", "json_type", "shape_error"]

# A GitHub comment nests at most five levels (page, comment, performed_via_github_app,
# owner, value); an export several times deeper is not one.
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


class Field(NamedTuple):
    types: tuple[str, ...]  # JSON types: string integer boolean null object array
    properties: Mapping[str, Field] | None = None  # an object's known fields
    items: tuple[str, ...] | None = None  # an array's item types


_S = Field(("string",))
_S_NULL = Field(("string", "null"))
_INT = Field(("integer",))
_BOOL = Field(("boolean",))

_SIMPLE_USER: dict[str, Field] = {
    "name": _S_NULL,
    "email": _S_NULL,
    "login": _S,
    "id": _INT,
    "node_id": _S,
    "avatar_url": _S,
    "gravatar_id": _S_NULL,
    "url": _S,
    "html_url": _S,
    "followers_url": _S,
    "following_url": _S,
    "gists_url": _S,
    "starred_url": _S,
    "subscriptions_url": _S,
    "organizations_url": _S,
    "repos_url": _S,
    "events_url": _S,
    "received_events_url": _S,
    "type": _S,
    "site_admin": _BOOL,
    "starred_at": _S,
    "user_view_type": _S,
}

_GITHUB_APP: dict[str, Field] = {
    "id": _INT,
    "slug": _S,
    "node_id": _S,
    "client_id": _S,
    # A Simple User or an Enterprise: both are objects with differing fields.
    "owner": Field(("object",)),
    "name": _S,
    "description": _S_NULL,
    "external_url": _S,
    "html_url": _S,
    "created_at": _S,
    "updated_at": _S,
    "permissions": Field(("object",)),
    "events": Field(("array",), items=("string",)),
    "installations_count": _INT,
}

_REACTIONS: dict[str, Field] = {
    "url": _S,
    **{
        name: _INT
        for name in (
            "total_count",
            "+1",
            "-1",
            "laugh",
            "confused",
            "heart",
            "hooray",
            "eyes",
            "rocket",
        )
    },
}

ISSUE_COMMENT: dict[str, Field] = {
    "id": _INT,
    "node_id": _S,
    "url": _S,
    # GitHub documents a string, and sends null for an emptied body: read as "".
    "body": _S_NULL,
    "body_text": _S,
    "body_html": _S,
    "html_url": _S,
    "user": Field(("object", "null"), _SIMPLE_USER),
    "created_at": _S,
    "updated_at": _S,
    "issue_url": _S,
    "author_association": _S,
    "performed_via_github_app": Field(("object", "null"), _GITHUB_APP),
    "reactions": Field(("object",), _REACTIONS),
    "pin": Field(
        ("object", "null"),
        {"pinned_at": _S, "pinned_by": Field(("object", "null"), _SIMPLE_USER)},
    ),
    "minimized": Field(("object", "null"), {"reason": _S_NULL}),
}


def json_type(value: object) -> str:
    """The JSON type name of a decoded value (``integer`` and ``number`` apart)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def shape_error(item: Mapping[str, object]) -> str | None:
    """What is wrong with the types of a comment object's fields (``has user.id of type
    string, expected integer``), or None. Unknown fields are not checked (GitHub adds
    fields), but no value anywhere may hold a lone surrogate or nest too deeply."""
    stack: list[tuple[str, object, Field | None, int]] = []
    for name, value in item.items():
        if not isinstance(name, str) or _SURROGATE.search(name):
            return "has a lone UTF-16 surrogate in a field name"
        stack.append((name, value, ISSUE_COMMENT.get(name), 1))
    while stack:
        path, value, field, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nests more than {MAX_DEPTH} levels deep at {path}"
        kind = json_type(value)
        if field is not None and kind not in field.types:
            return f"has {path} of type {kind}, expected {' or '.join(field.types)}"
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return f"has a lone UTF-16 surrogate in {path}"
        elif isinstance(value, Mapping):
            known = field.properties if field is not None and field.properties else {}
            for key, sub in value.items():
                if not isinstance(key, str) or _SURROGATE.search(key):
                    return f"has a lone UTF-16 surrogate in a key of {path}"
                stack.append((f"{path}.{key}", sub, known.get(key), depth + 1))
        elif isinstance(value, (list, tuple)):
            items = field.items if field is not None else None
            for index, sub in enumerate(value):
                sub_field = Field(items) if items else None
                stack.append((f"{path}[{index}]", sub, sub_field, depth + 1))
    return None
