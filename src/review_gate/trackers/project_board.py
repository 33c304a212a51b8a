"""An issue's column on a GitHub Projects (v2) board, over GraphQL.

Projects v2 has no REST API: the calls here are GraphQL queries and mutations, sent
through the GitHub tracker's PyGithub requester (its token, API URL, retries and
timeout; ``POST /graphql``, or ``/api/graphql`` on GitHub Enterprise). A column is an
option of the project's single-select field ``Status``. The project is ``owner/number``:
an organization's or a user's project, found with ``repositoryOwner(login:)``.

Per call: the project and its field are looked up once per board (one query); reading
an issue's column is one query; moving it is that query, ``addProjectV2ItemById`` when
the issue is not on the board yet, and ``updateProjectV2ItemFieldValue``. Listing a
column reads the project's items, 100 per query.

GraphQL answers 200 with an ``errors`` list for most failures: those become
:class:`TrackerError` naming GitHub's message (``NOT_FOUND``: :class:`IssueNotFound`),
and an answer without the fields asked for is a :class:`TrackerError` too. Transport
failures and HTTP errors are the tracker's (:meth:`GitHubTracker.translate_errors`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from review_gate.config_values import PROJECT
from review_gate.errors import ConfigError, IssueNotFound, TrackerError
from review_gate.trackers.github import GitHubTracker

if TYPE_CHECKING:
    from github.Requester import Requester

STATUS_FIELD = "Status"  # GitHub's built-in single-select field of every Projects v2 board


class Board(Protocol):
    """The columns of a board, by column name (the dispatcher's view of a project)."""

    name: str  # "github" | "local"

    def status(self, issue: int) -> str | None:
        """The issue's column; None when it is not on the board or has no column."""
        ...

    def set_status(self, issue: int, status: str) -> str | None:
        """Put the issue in column ``status`` (adding it to the board if needed); returns
        the column it was in (None: none)."""
        ...

    def issues_in(self, status: str) -> list[int]:
        """Open issues of this repository in column ``status``, by number."""
        ...

    def count(self, status: str) -> int:
        """Items in column ``status``, whatever they are (a board shared by repositories
        counts them all: its width is one fleet's)."""
        ...


class ProjectRef(NamedTuple):
    owner: str
    number: int

    def __str__(self) -> str:
        return f"{self.owner}/{self.number}"


def parse_project(text: str) -> ProjectRef:
    """``owner/number`` (``acme/7``) as a reference; ConfigError otherwise."""
    match = PROJECT.fullmatch(text.strip())
    if match is None:
        raise ConfigError(
            f"dispatch_project {text!r} does not look like owner/number",
            hint="the owner's login and the project's number, as in "
            "https://github.com/orgs/OWNER/projects/NUMBER (e.g. acme/7)",
        )
    return ProjectRef(match["owner"], int(match["number"]))


class _Project(NamedTuple):
    id: str
    title: str
    field_id: str
    options: dict[str, str]  # column name -> option id


_FIND_PROJECT = """
query($owner: String!, $number: Int!, $field: String!) {
  repositoryOwner(login: $owner) {
    __typename
    ... on ProjectV2Owner {
      projectV2(number: $number) {
        id
        title
        field(name: $field) {
          __typename
          ... on ProjectV2SingleSelectField { id name options { id name } }
        }
      }
    }
  }
}"""

_ISSUE_ITEMS = """
query($owner: String!, $name: String!, $number: Int!, $field: String!) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) {
      id
      projectItems(first: 100) {
        nodes {
          id
          project { id }
          fieldValueByName(name: $field) {
            __typename
            ... on ProjectV2ItemFieldSingleSelectValue { name optionId }
          }
        }
      }
    }
  }
}"""

_ADD_ITEM = """
mutation($project: ID!, $content: ID!) {
  addProjectV2ItemById(input: {projectId: $project, contentId: $content}) { item { id } }
}"""

_SET_STATUS = """
mutation($project: ID!, $item: ID!, $field: ID!, $option: String!) {
  updateProjectV2ItemFieldValue(
    input: {projectId: $project, itemId: $item, fieldId: $field,
            value: {singleSelectOptionId: $option}}
  ) { projectV2Item { id } }
}"""

_ITEMS = """
query($project: ID!, $field: String!, $after: String) {
  node(id: $project) {
    __typename
    ... on ProjectV2 {
      items(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          content {
            __typename
            ... on Issue { number state repository { nameWithOwner } }
          }
          fieldValueByName(name: $field) {
            __typename
            ... on ProjectV2ItemFieldSingleSelectValue { name optionId }
          }
        }
      }
    }
  }
}"""


def _get(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]...``; a missing key or a non-object is a TrackerError
    (GitHub sent something other than what was asked for)."""
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            raise TrackerError(f"GitHub's GraphQL answer lacks {'.'.join(path)}")
        data = data[key]
    return data


class GitHubProjectBoard:
    """The ``Status`` column of one repository's issues on one Projects v2 board."""

    name = "github"

    def __init__(
        self, tracker: GitHubTracker, project: str | ProjectRef, *, field: str = STATUS_FIELD
    ) -> None:
        self.tracker = tracker
        self.project = project if isinstance(project, ProjectRef) else parse_project(project)
        self.field = field
        self.requests = 0  # GraphQL requests made (budget checks in tests)
        self._project: _Project | None = None
        self._reader: Requester | None = None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _requester(self, mutation: bool) -> Requester:
        """The tracker's requester for mutations, which PyGithub spaces out as GitHub asks
        of content-creating calls; for queries, a copy of it (same token, URL, retries,
        timeout) without that spacing: a GraphQL query is a POST that creates nothing."""
        if mutation:
            return self.tracker.requester
        if self._reader is None:
            from github.Requester import Requester

            kwargs = {**self.tracker.requester.kwargs, "seconds_between_writes": None}
            self._reader = Requester(**kwargs)
        return self._reader

    # -- GraphQL --------------------------------------------------------------------------

    def _graphql(
        self, query: str, variables: dict[str, Any], what: str, *, missing_ok: bool = False
    ) -> Any:
        """The ``data`` of one GraphQL call; ``errors`` become review-gate errors, except
        with ``missing_ok`` where every error is ``NOT_FOUND``: GitHub then answers the
        missing object as null in ``data``, which the caller reads."""
        requester = self._requester(query.lstrip().startswith("mutation"))
        self.requests += 1
        with self.tracker.translate_errors(what):
            _, answer = requester.requestJsonAndCheck(
                "POST", requester.graphql_url, input={"query": query, "variables": variables}
            )
        if not isinstance(answer, Mapping):
            raise TrackerError(f"GitHub sent a GraphQL answer for {what} that is not an object")
        errors = answer.get("errors")
        if (
            errors
            and missing_ok
            and isinstance(errors, list)
            and isinstance(answer.get("data"), Mapping)
            and all(isinstance(e, Mapping) and e.get("type") == "NOT_FOUND" for e in errors)
        ):
            return answer["data"]
        if errors:
            first = errors[0] if isinstance(errors, list) and errors else {}
            message = str(first.get("message") if isinstance(first, Mapping) else first)
            message = " ".join(message.split())[:300]
            if isinstance(first, Mapping) and first.get("type") == "NOT_FOUND":
                raise IssueNotFound(f"GitHub found no {what}: {message}")
            raise TrackerError(f"GitHub's GraphQL API refused {what}: {message}")
        return _get(answer, "data")

    # -- the project ----------------------------------------------------------------------

    def _lookup(self) -> _Project:
        if self._project is not None:
            return self._project
        ref = self.project
        what = f"project {ref}"
        data = self._graphql(
            _FIND_PROJECT,
            {"owner": ref.owner, "number": ref.number, "field": self.field},
            what,
            missing_ok=True,
        )
        owner = _get(data, "repositoryOwner")
        project = owner.get("projectV2") if isinstance(owner, Mapping) else None
        if not isinstance(project, Mapping):
            whose = f"no user or organization {ref.owner!r}" if owner is None else "no such project"
            raise ConfigError(
                f"dispatch_project {ref}: GitHub has {whose} (or the token may not read it)",
                hint="check the owner and number in the project's URL; the token needs the "
                "`project` scope (classic) or Projects access (fine-grained)",
            )
        field = project.get("field")
        if not isinstance(field, Mapping) or field.get("__typename") != (
            "ProjectV2SingleSelectField"
        ):
            raise ConfigError(
                f"project {ref} has no single-select field {self.field!r}",
                hint="add a single-select field named Status to the project",
            )
        options = {
            str(_get(option, "name")): str(_get(option, "id")) for option in _get(field, "options")
        }
        self._project = _Project(
            id=str(_get(project, "id")),
            title=str(project.get("title") or ""),
            field_id=str(_get(field, "id")),
            options=options,
        )
        return self._project

    def _option(self, project: _Project, status: str) -> str:
        option = project.options.get(status)
        if option is None:
            have = ", ".join(repr(name) for name in project.options) or "no options"
            raise ConfigError(
                f"the {self.field} field of project {self.project} has no column "
                f"{status!r} (it has {have})",
                hint="add the column to the project, or name its columns in "
                "dispatch_statuses (docs/dispatch.md, 'Board status')",
            )
        return option

    # -- one issue ------------------------------------------------------------------------

    def _issue_item(self, issue: int) -> tuple[str, str | None, str | None]:
        """(the issue's node id, its item on this board or None, the item's column)."""
        project = self._lookup()
        owner, name = self.tracker.repo.split("/", 1)
        data = self._graphql(
            _ISSUE_ITEMS,
            {"owner": owner, "name": name, "number": issue, "field": self.field},
            f"issue #{issue} in {self.tracker.repo}",
        )
        found = _get(data, "repository")
        node = found.get("issue") if isinstance(found, Mapping) else None
        if not isinstance(node, Mapping):
            raise IssueNotFound(f"issue #{issue} not found in {self.tracker.repo}")
        for item in _get(node, "projectItems", "nodes") or ():
            if isinstance(item, Mapping) and _get(item, "project", "id") == project.id:
                value = item.get("fieldValueByName")
                column = value.get("name") if isinstance(value, Mapping) else None
                return str(_get(node, "id")), str(_get(item, "id")), column
        return str(_get(node, "id")), None, None

    def status(self, issue: int) -> str | None:
        return self._issue_item(issue)[2]

    def set_status(self, issue: int, status: str) -> str | None:
        project = self._lookup()
        option = self._option(project, status)
        content, item, column = self._issue_item(issue)
        if item is not None and column == status:
            return column
        if item is None:
            added = self._graphql(
                _ADD_ITEM,
                {"project": project.id, "content": content},
                f"adding issue #{issue} to project {self.project}",
            )
            item = str(_get(added, "addProjectV2ItemById", "item", "id"))
        self._graphql(
            _SET_STATUS,
            {"project": project.id, "item": item, "field": project.field_id, "option": option},
            f"the {self.field} of issue #{issue} on project {self.project}",
        )
        return column

    # -- columns --------------------------------------------------------------------------

    def _items(self) -> Iterator[tuple[Mapping[str, Any] | None, str | None]]:
        """Every item of the board: (its content, its column)."""
        project = self._lookup()
        after: str | None = None
        while True:
            data = self._graphql(
                _ITEMS,
                {"project": project.id, "field": self.field, "after": after},
                f"the items of project {self.project}",
            )
            items = _get(data, "node", "items")
            for item in _get(items, "nodes") or ():
                if not isinstance(item, Mapping):
                    continue
                value = item.get("fieldValueByName")
                column = value.get("name") if isinstance(value, Mapping) else None
                content = item.get("content")
                yield (content if isinstance(content, Mapping) else None), column
            page = _get(items, "pageInfo")
            if not page.get("hasNextPage"):
                return
            after = str(_get(page, "endCursor"))

    def issues_in(self, status: str) -> list[int]:
        self._option(self._lookup(), status)  # a column the board does not have is an error
        repo = self.tracker.repo.lower()
        numbers = {
            int(_get(content, "number"))
            for content, column in self._items()
            if column == status
            and content is not None
            and content.get("__typename") == "Issue"
            and content.get("state") == "OPEN"
            and str(_get(content, "repository", "nameWithOwner")).lower() == repo
        }
        return sorted(numbers)

    def count(self, status: str) -> int:
        self._option(self._lookup(), status)
        return sum(1 for _, column in self._items() if column == status)
