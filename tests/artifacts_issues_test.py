"""Issue references: integers in the JSON sense and the Python sense, and the
repository each one names kept in the data (``issue_repo``) for every kind."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from review_gate.artifacts.extract import extract
from tests.artifact_samples import handover, review, worker_assignment


def _worker_with(raw: str, key: str = "issue") -> str:
    return worker_assignment().replace('"worktree"', f'"{key}": {raw},\n  "worktree"')


def test_worker_issue_must_be_a_json_integer() -> None:
    accepted = {}
    for raw in [
        "8.0",
        "1e0",
        "7E0",
        "70e-1",
        "7.5",
        "true",
        "false",
        '"7"',
        "[7]",
        "{}",
        "null",
        "-7",
        "0",
    ]:
        (art,) = extract(_worker_with(raw))
        if art.valid:
            accepted[raw] = art.data["issue"]
        assert art.errors, raw
    assert accepted == {}
    (art,) = extract(_worker_with("7"))
    assert art.valid and type(art.data["issue"]) is int


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["issue", "attempt", "pid"]),
    st.integers(1, 2**31 - 1),
    st.sampled_from(["{:.1f}", "{:.3f}", "{:.15e}", "{:.15E}", "{}e0", "{}.0", "{}0e-1"]),
)
def test_an_integral_number_written_as_a_float_is_no_integer(
    key: str, value: int, form: str
) -> None:
    raw = form.format(float(value) if "{:" in form else value)
    assert float(raw) == value
    (art,) = extract(_worker_with(raw, key))
    assert not art.valid
    assert any(e.pointer == f"/{key}" and "fraction or exponent" in e.message for e in art.errors)
    # Written as the integer it is, the same record is valid.
    (art,) = extract(_worker_with(str(value), key))
    assert art.valid, art.errors


REPOS = st.from_regex(r"[a-z][a-z0-9-]{0,8}/[a-z][a-z0-9._-]{0,8}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(REPOS, st.integers(1, 10**6), st.sampled_from(["short", "url", "link"]))
def test_every_kind_keeps_the_repository_its_issue_names(repo: str, number: int, form: str) -> None:
    ref = {
        "short": f"{repo}#{number}",
        "url": f"https://github.com/{repo}/issues/{number}",
        "link": f"[#{number}](https://github.com/{repo}/issues/{number})",
    }[form]
    bodies = {
        "review": review(7).replace("| Issue | #7 |", f"| Issue | {ref} |"),
        "handover": handover(7).replace("| Issue | #7 |", f"| Issue | {ref} |"),
        "worker": worker_assignment(extra={"issue": number, "issue_repo": repo}),
    }
    for kind, body in bodies.items():
        (art,) = extract(body)
        assert art.kind == kind
        assert art.valid, (kind, art.errors)
        assert (art.data["issue"], art.data["issue_repo"]) == (number, repo), kind
    # A bare number names no repository (the gate reads it as this one).
    for body in (review(7), handover(7), worker_assignment(extra={"issue": 7})):
        (art,) = extract(body)
        assert art.data["issue"] == 7 and "issue_repo" not in art.data


def test_a_worker_issue_repo_must_be_a_repository() -> None:
    (art,) = extract(worker_assignment(extra={"issue": 7, "issue_repo": "o/r"}))
    assert art.valid, art.errors
    for repo in ["not a repo", "o/r/x", "-o/r", "", 7]:
        (art,) = extract(worker_assignment(extra={"issue": 7, "issue_repo": repo}))
        assert not art.valid
        assert any(e.pointer == "/issue_repo" for e in art.errors)


def test_the_schemas_document_issue_repo() -> None:
    from review_gate import schemas

    for kind in ("review", "handover"):
        assert "issue_repo" in schemas.load(kind)["properties"]
    worker = schemas.load("worker")
    assert (
        "issue_repo" in worker["then"]["properties"]
        and "issue_repo" in worker["else"]["properties"]
    )
    assert json.dumps(worker)  # still plain JSON
