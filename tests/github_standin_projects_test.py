"""The stand-in's Projects v2 GraphQL endpoint answers the board module's calls in GitHub's
documented shapes (tests/github_api_graphql.json) and refuses what GitHub refuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from review_gate.trackers import project_board as pb
from tests.github_standin import GitHubStandIn
from tests.github_standin_projects import Project, projects
from tests.github_standin_test import call
from tests.graphql_engine import GRAPHQL_API, TYPES

ENVELOPE = jsonschema.Draft202012Validator(GRAPHQL_API["_envelope"]["schema"])


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as server:
        server.add_issue(7, "Seven")
        server.add_issue(8, "Eight", state="closed")
        yield server


@pytest.fixture
def board(gh: GitHubStandIn) -> Project:
    found = projects(gh).add_project("octo", 3)
    projects(gh).add_item(found, 8, "Done")
    return found


def graphql(gh: GitHubStandIn, query: str, **variables: Any) -> Any:
    status, _, body = call(
        gh, "/graphql", method="POST", body={"query": query, "variables": variables}
    )
    assert status == 200, body
    ENVELOPE.validate(body)
    return body


def _walk(value: Any, type_name: str, path: str) -> None:
    """``value`` has GitHub's documented type ``type_name`` (objects must carry
    ``__typename`` where the type is abstract)."""
    if type_name.endswith("!"):
        assert value is not None, f"{path} is non-null"
        type_name = type_name[:-1]
    if value is None:
        return
    if type_name.startswith("["):
        assert isinstance(value, list), path
        for i, item in enumerate(value):
            _walk(item, type_name[1:-1], f"{path}[{i}]")
        return
    info = TYPES.get(type_name, {"kind": "SCALAR"})
    if info["kind"] == "ENUM":
        assert value in info["enumValues"], (path, value)
    elif info["kind"] in ("OBJECT", "INTERFACE", "UNION"):
        assert isinstance(value, dict), path
        concrete = value.get("__typename", type_name)
        assert TYPES[concrete]["kind"] == "OBJECT" or concrete == type_name, path
        for key, item in value.items():
            if key == "__typename":
                continue
            fields = TYPES[concrete].get("fields", {})
            assert key in fields, f"{path}.{key} is not a documented field of {concrete}"
            _walk(item, fields[key]["type"], f"{path}.{key}")
    elif type_name == "Int":
        assert isinstance(value, int) and not isinstance(value, bool), path
    elif type_name == "Boolean":
        assert isinstance(value, bool), path
    else:
        assert isinstance(value, str), path


def _documented(body: Any, root: str) -> None:
    for key, value in (body.get("data") or {}).items():
        _walk(value, TYPES[root]["fields"][key]["type"], key)


def test_every_call_of_the_board_is_answered_in_documented_shapes(
    gh: GitHubStandIn, board: Project
) -> None:
    found = graphql(gh, pb._FIND_PROJECT, owner="octo", number=3, field="Status")
    _documented(found, "Query")
    project = found["data"]["repositoryOwner"]["projectV2"]
    assert project["field"]["__typename"] == "ProjectV2SingleSelectField"
    assert [o["name"] for o in project["field"]["options"]][:2] == ["Todo", "In Progress"]
    items = graphql(gh, pb._ISSUE_ITEMS, owner="octo", name="project", number=7, field="Status")
    _documented(items, "Query")
    issue = items["data"]["repository"]["issue"]
    assert issue["projectItems"]["nodes"] == []
    added = graphql(gh, pb._ADD_ITEM, project=project["id"], content=issue["id"])
    _documented(added, "Mutation")
    item = added["data"]["addProjectV2ItemById"]["item"]["id"]
    option = project["field"]["options"][2]["id"]
    moved = graphql(
        gh, pb._SET_STATUS, project=project["id"], item=item, field=project["field"]["id"],
        option=option,
    )  # fmt: skip
    _documented(moved, "Mutation")
    assert projects(gh).status(board, 7) == "In Review"
    listing = graphql(gh, pb._ITEMS, project=project["id"], field="Status", after=None)
    _documented(listing, "Query")
    nodes = listing["data"]["node"]["items"]["nodes"]
    assert {(n["content"]["number"], n["content"]["state"]) for n in nodes} == {
        (8, "CLOSED"),
        (7, "OPEN"),
    }
    assert projects(gh).shape_errors == []


def test_missing_objects_are_not_found_errors_with_null_data(
    gh: GitHubStandIn, board: Project
) -> None:
    missing = graphql(gh, pb._FIND_PROJECT, owner="octo", number=99, field="Status")
    assert missing["data"] == {"repositoryOwner": {"__typename": "Organization", "projectV2": None}}
    assert missing["errors"][0]["type"] == "NOT_FOUND"
    assert missing["errors"][0]["path"] == ["repositoryOwner", "projectV2"]
    nobody = graphql(gh, pb._FIND_PROJECT, owner="nobody", number=3, field="Status")
    assert nobody == {"data": {"repositoryOwner": None}}  # a nullable field, no error
    issue = graphql(gh, pb._ISSUE_ITEMS, owner="octo", name="project", number=70, field="Status")
    assert issue["data"] == {"repository": {"issue": None}}
    assert "number of 70" in issue["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("query { repository(owner: \"octo\", name: \"project\") { nope } }",
         "Field 'nope' doesn't exist on type 'Repository'"),
        ("query { repository(owner: \"octo\", name: \"project\", colour: 1) { id } }",
         "Field 'repository' doesn't accept argument 'colour'"),
        ("query { node(id: \"x\") { ... on Nonsense { id } } }",
         "No such type Nonsense, so it can't be a fragment condition"),
        ("query { repository(owner: \"octo\", name: \"project\") }",
         "Field must have selections"),
        ("query { repository(owner: \"octo\" { id } }", "Parse error"),
        ("query { repository(owner: \"octo\", name: \"project\") { id { x } } }",
         "Selections can't be made on scalars"),
        ("query { repository(owner: \"octo\", name: \"project\") { ... on Issue { id } } }",
         "Fragment on Issue can't be spread inside Repository"),
    ],
)  # fmt: skip
def test_what_github_refuses_is_refused(gh: GitHubStandIn, query: str, message: str) -> None:
    body = graphql(gh, query)
    assert "data" not in body and message in body["errors"][0]["message"]


def test_a_mutation_with_a_foreign_option_is_refused(gh: GitHubStandIn, board: Project) -> None:
    item = projects(gh).add_item(board, 7, "Todo")
    body = graphql(
        gh, pb._SET_STATUS, project=board.id, item=item.id, field=board.field_id, option="x"
    )
    assert "does not belong to the field" in body["errors"][0]["message"]
    assert projects(gh).status(board, 7) == "Todo"


def test_the_extract_is_githubs_schema_for_what_the_board_uses() -> None:
    assert "@octokit/graphql-schema" in GRAPHQL_API["_source"]
    fields = TYPES["ProjectV2"]["fields"]
    assert fields["items"]["type"] == "ProjectV2ItemConnection!"
    assert fields["field"]["args"] == {"name": "String!"}
    assert TYPES["ProjectV2SingleSelectFieldOption"]["fields"]["id"]["type"] == "String!"
    assert "ProjectV2SingleSelectField" in TYPES["ProjectV2FieldConfiguration"]["possibleTypes"]
    assert set(TYPES["RepositoryOwner"]["possibleTypes"]) == {"Organization", "User"}
    inputs = TYPES["UpdateProjectV2ItemFieldValueInput"]["inputFields"]
    assert inputs["value"]["type"] == "ProjectV2FieldValue!"
    assert "singleSelectOptionId" in TYPES["ProjectV2FieldValue"]["inputFields"]
