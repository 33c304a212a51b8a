"""The stand-in's GraphQL endpoint (``POST /graphql``) for GitHub Projects v2 boards.

The answers follow the query: a small GraphQL engine (tests/graphql_engine.py) parses
each query, checks it against GitHub's schema (``tests/github_api_graphql.json``,
extracted from GitHub's published schema) and resolves it against the boards held here.
An undocumented field or argument gets GitHub's error (``Field 'x' doesn't exist on type
'T'``), and every value answered is checked against the field's documented type
(non-null, list, scalar, enum). So the board module
(src/review_gate/trackers/project_board.py) gets GitHub's shapes, and a query GitHub
would refuse is refused here too. Missing objects are GitHub's ``NOT_FOUND`` errors with
a null field, as GitHub answers them.

Scripting (``projects(gh)``): ``add_project(owner, number, columns=...)``,
``add_item(project, issue, status)``, ``status(project, issue)``,
``fail_next(message)`` (the next GraphQL call answers 200 with that error).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from tests.graphql_engine import Executor, Field, GraphQLError, Parser, validate

COLUMNS = ("Todo", "In Progress", "In Review", "Blocked", "Done")
_Answer = tuple[int, Any, dict[str, str]]


# -- the boards -------------------------------------------------------------------------


@dataclasses.dataclass
class Item:
    id: str
    issue: int
    option: str | None
    repo: str


@dataclasses.dataclass
class Project:
    id: str
    owner: str
    number: int
    title: str
    field_id: str
    field_name: str
    options: dict[str, str]  # name -> id
    items: list[Item]
    single_select: bool = True


class ProjectsStandIn:
    """Projects v2 boards of the stand-in ``gh`` and their GraphQL answers."""

    def __init__(self, gh: Any) -> None:
        self.gh = gh
        self.projects: dict[tuple[str, int], Project] = {}
        self.owner_types: dict[str, str] = {gh.owner: "Organization"}
        self.failures: list[str] = []
        self.calls: list[str] = []  # root fields of each call, in order
        self.shape_errors: list[str] = []  # answers that failed the documented types
        self._serial = 0

    def _id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}_kwDO{self._serial:06d}"

    # -- scripting ------------------------------------------------------------------------

    def add_project(
        self,
        owner: str,
        number: int,
        *,
        columns: tuple[str, ...] = COLUMNS,
        field: str = "Status",
        owner_type: str = "Organization",
        single_select: bool = True,
    ) -> Project:
        with self.gh._lock:
            self.owner_types.setdefault(owner, owner_type)
            project = Project(
                id=self._id("PVT"), owner=owner, number=number, title=f"Board {number}",
                field_id=self._id("PVTSSF"), field_name=field,
                options={name: f"opt{i:02d}" for i, name in enumerate(columns)}, items=[],
                single_select=single_select,
            )  # fmt: skip
            self.projects[(owner, number)] = project
            return project

    def add_item(
        self, project: Project, issue: int, status: str | None = None, repo: str | None = None
    ) -> Item:
        with self.gh._lock:
            item = Item(
                id=self._id("PVTI"), issue=issue,
                option=project.options[status] if status else None,
                repo=repo or self.gh.full_name,
            )  # fmt: skip
            project.items.append(item)
            return item

    def status(self, project: Project, issue: int) -> str | None:
        names = {v: k for k, v in project.options.items()}
        for item in project.items:
            if item.issue == issue and item.repo == self.gh.full_name:
                return names.get(item.option) if item.option else None
        return None

    def fail_next(self, message: str) -> None:
        with self.gh._lock:
            self.failures.append(message)

    # -- nodes ----------------------------------------------------------------------------

    def _project_node(self, project: Project) -> dict[str, Any]:
        names = {v: k for k, v in project.options.items()}

        def field(args: dict[str, Any]) -> Any:
            if args.get("name") != project.field_name:
                return None
            if not project.single_select:
                return {"__typename": "ProjectV2Field", "id": project.field_id,
                        "name": project.field_name, "dataType": "TEXT"}  # fmt: skip
            options = [
                {"__typename": "ProjectV2SingleSelectFieldOption", "id": oid, "name": name}
                for name, oid in project.options.items()
            ]
            return {"__typename": "ProjectV2SingleSelectField", "id": project.field_id,
                    "name": project.field_name, "dataType": "SINGLE_SELECT",
                    "options": lambda _a: options}  # fmt: skip

        def item_node(item: Item) -> dict[str, Any]:
            def value(args: dict[str, Any]) -> Any:
                if args.get("name") != project.field_name or item.option is None:
                    return None
                return {"__typename": "ProjectV2ItemFieldSingleSelectValue",
                        "name": names[item.option], "optionId": item.option}  # fmt: skip

            return {"__typename": "ProjectV2Item", "id": item.id, "type": "ISSUE",
                    "isArchived": False, "project": lambda _a: node,
                    "content": lambda _a: self._issue_node(item.repo, item.issue),
                    "fieldValueByName": value}  # fmt: skip

        def items(args: dict[str, Any]) -> Any:
            return _connection([item_node(i) for i in project.items], args)

        node: dict[str, Any] = {
            "__typename": "ProjectV2", "id": project.id, "number": project.number,
            "title": project.title, "closed": False,
            "url": f"https://github.com/orgs/{project.owner}/projects/{project.number}",
            "field": field, "items": items, "_items": item_node,
        }  # fmt: skip
        return node

    def _issue_node(self, repo: str, number: int) -> dict[str, Any] | None:
        issue = self.gh.issues.get(number) if repo == self.gh.full_name else None
        if issue is None:
            return None

        def project_items(args: dict[str, Any]) -> Any:
            found = []
            for project in self.projects.values():
                node = self._project_node(project)
                found += [node["_items"](i) for i in project.items
                          if i.issue == number and i.repo == repo]  # fmt: skip
            return _connection(found, args)

        return {"__typename": "Issue", "id": f"I_kwDO{number:08d}", "number": number,
                "state": issue["state"].upper(), "repository": lambda _a: self._repo_node(),
                "projectItems": project_items}  # fmt: skip

    def _repo_node(self) -> dict[str, Any]:
        def issue(args: dict[str, Any]) -> Any:
            node = self._issue_node(self.gh.full_name, int(args.get("number") or 0))
            if node is None:
                raise GraphQLError(
                    "Could not resolve to an issue or pull request with the number of "
                    f"{args.get('number')}.",
                    "NOT_FOUND",
                )
            return node

        return {"__typename": "Repository", "id": "R_kgDOstandin",
                "nameWithOwner": self.gh.full_name, "issue": issue}  # fmt: skip

    def _owner_node(self, login: str) -> dict[str, Any] | None:
        kind = self.owner_types.get(login)
        if kind is None:
            return None

        def project(args: dict[str, Any]) -> Any:
            found = self.projects.get((login, int(args.get("number") or 0)))
            if found is None:
                raise GraphQLError(
                    f"Could not resolve to a ProjectV2 with the number {args.get('number')}.",
                    "NOT_FOUND",
                )
            return self._project_node(found)

        return {"__typename": kind, "id": f"O_{login}", "login": login, "projectV2": project}

    def _by_id(self, node_id: str) -> tuple[Project, dict[str, Any]] | None:
        for project in self.projects.values():
            if project.id == node_id:
                return project, self._project_node(project)
        return None

    # -- roots ----------------------------------------------------------------------------

    def _query(self) -> dict[str, Any]:
        def repository(args: dict[str, Any]) -> Any:
            if f"{args.get('owner')}/{args.get('name')}" != self.gh.full_name:
                raise GraphQLError(
                    "Could not resolve to a Repository with the name "
                    f"'{args.get('owner')}/{args.get('name')}'.",
                    "NOT_FOUND",
                )
            return self._repo_node()

        def node(args: dict[str, Any]) -> Any:
            found = self._by_id(str(args.get("id")))
            if found is None:
                raise GraphQLError(
                    f"Could not resolve to a node with the global id of '{args.get('id')}'",
                    "NOT_FOUND",
                )
            return found[1]

        return {"__typename": "Query", "repository": repository, "node": node,
                "repositoryOwner": lambda a: self._owner_node(str(a.get("login")))}  # fmt: skip

    def _mutation(self) -> dict[str, Any]:
        def project_of(data: dict[str, Any]) -> Project:
            found = self._by_id(str(data.get("projectId")))
            if found is None:
                raise GraphQLError(
                    f"Could not resolve to a node with the global id of '{data.get('projectId')}'",
                    "NOT_FOUND",
                )
            return found[0]

        def add(args: dict[str, Any]) -> Any:
            data = args.get("input") or {}
            project = project_of(data)
            match = re.fullmatch(r"I_kwDO(\d{8})", str(data.get("contentId")))
            if match is None or int(match[1]) not in self.gh.issues:
                raise GraphQLError("Could not resolve to a node with the global id", "NOT_FOUND")
            number = int(match[1])
            # GitHub returns the existing item when the content is on the board already
            item = next((i for i in project.items if i.issue == number), None)
            if item is None:
                item = Item(self._id("PVTI"), number, None, self.gh.full_name)
                project.items.append(item)
            return {"__typename": "AddProjectV2ItemByIdPayload", "clientMutationId": None,
                    "item": self._project_node(project)["_items"](item)}  # fmt: skip

        def update(args: dict[str, Any]) -> Any:
            data = args.get("input") or {}
            project = project_of(data)
            item = next((i for i in project.items if i.id == data.get("itemId")), None)
            if item is None:
                raise GraphQLError("Could not resolve to a ProjectV2Item", "NOT_FOUND")
            if data.get("fieldId") != project.field_id:
                raise GraphQLError("The field does not belong to the project")
            option = (data.get("value") or {}).get("singleSelectOptionId")
            if option not in project.options.values():
                raise GraphQLError("The single select option Id does not belong to the field")
            item.option = option
            return {"__typename": "UpdateProjectV2ItemFieldValuePayload",
                    "clientMutationId": None,
                    "projectV2Item": self._project_node(project)["_items"](item)}  # fmt: skip

        return {"__typename": "Mutation", "addProjectV2ItemById": add,
                "updateProjectV2ItemFieldValue": update}  # fmt: skip

    def answer(self, payload: Any) -> _Answer:
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return 400, {"message": "Problems parsing JSON",
                         "documentation_url": "https://docs.github.com/graphql"}, {}  # fmt: skip
        if self.failures:
            message = self.failures.pop(0)
            return 200, {"data": None, "errors": [{"message": message}]}, {}
        executor = Executor()
        try:
            operation, selection = Parser(
                payload["query"], payload.get("variables") or {}
            ).document()
            self.calls += [f.name for f in selection if isinstance(f, Field)]
            validate(selection, "Mutation" if operation == "mutation" else "Query")
            root = self._mutation() if operation == "mutation" else self._query()
            data = executor.run(selection, root, [])
        except GraphQLError as exc:
            return 200, {"errors": [{"message": str(exc),
                                     "locations": [{"line": 1, "column": 1}]}]}, {}  # fmt: skip
        except AssertionError as exc:  # the stand-in's own answer is not GitHub's shape
            self.shape_errors.append(str(exc))
            return 500, {"message": f"stand-in answer off GitHub's schema: {exc}"}, {}
        body: dict[str, Any] = {"data": data}
        if executor.errors:
            body["errors"] = executor.errors
        return 200, body, {}


def _connection(nodes: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
    first = max(1, min(100, int(args.get("first") or 100)))
    start = int(args["after"]) if args.get("after") else 0
    page = nodes[start : start + first]
    more = start + first < len(nodes)
    return {
        "__typename": "ProjectV2ItemConnection",
        "nodes": page,
        "totalCount": len(nodes),
        "pageInfo": {
            "__typename": "PageInfo",
            "hasNextPage": more,
            "endCursor": str(start + len(page)) if page else None,
            "hasPreviousPage": start > 0,
            "startCursor": str(start) if page else None,
        },
    }


def projects(gh: Any) -> ProjectsStandIn:
    """The Projects v2 state of the stand-in ``gh`` (made on first use)."""
    store: ProjectsStandIn | None = gh.__dict__.get("projects_store")
    if store is None:
        store = ProjectsStandIn(gh)
        gh.__dict__["projects_store"] = store
    return store


def graphql(request: Any, query: Any, payload: Any) -> _Answer:
    # Called under the stand-in's lock (no `projects()` locking needed here).
    handler: Callable[[Any], _Answer] = projects(request.gh).answer
    return handler(payload)


# (verb, path from the API root, handler)
ROUTES = [("POST", r"/graphql", graphql)]
