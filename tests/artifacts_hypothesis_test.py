"""Properties: extract() is total (any str -> Artifacts, never an exception), broken
artifacts always carry errors, and quoting an artifact never makes one."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.artifacts import Artifact
from review_gate.artifacts.extract import extract
from tests.artifact_samples import handover, review, worker_assignment

FRAGMENTS = [
    "<!-- REVIEW:START -->",
    "<!-- REVIEW:END -->",
    "<!-- HANDOVER:START -->",
    "<!-- HANDOVER:END -->",
    "<!-- WORKER:ASSIGNED -->",
    "<!-- /WORKER:ASSIGNED -->",
    "<!--",
    "-->",
    "```",
    "```json",
    "~~~",
    "    ",
    "> ",
    "- [ ] ",
    "- [x] ",
    "1. ",
    "`",
    "|",
    "| # | Criterion | Status | Findings |",
    "|---|---|---|---|",
    "| 1 | Blindspots | ✅ PASS | 0 |",
    "| Property | Value |",
    "| Issue | #7 |",
    "| Category | Count |",
    "| Unaddressed | 0 |",
    "**Review Status:** ✅ COMPLETE",
    "### Summary",
    "#### Done",
    '{"assigned": true}',
    "[N]",
    "[a|b]",
    "\r\n",
    "\r",
    "\n",
    "\n\n",
    "\x00",
    "\ufeff",
    "\u2028",
    # look-alikes, HTML quotes, nesting
    "<!-- review:start -->",
    "<!--REVIEW:END-->",
    "＜！－－ ＲＥＶＩＥＷ：ＳＴＡＲＴ －－＞",
    "&lt;!-- HANDOVER:END --&gt;",
    "\\<!-- /WORKER:ASSIGNED -->",
    "<!-- WORKER\u200b:ASSIGNED -->",
    "<blockquote>",
    "</blockquote>",
    "<details>",
    "- - - - - - - - ",
    "> > > > > > > > ",
    "[ref]: https://example.com",
]

bodies = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=60).map(
    "".join
)


def _check(body: str, arts: list[Artifact]) -> None:
    assert isinstance(arts, list)
    lines = body.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for art in arts:
        assert art.kind in ("review", "handover", "worker")
        assert 1 <= art.line <= art.end_line <= lines
        assert art.valid == (not art.errors)
        for err in art.errors:
            assert err.kind == art.kind and err.message and err.hint
            assert 1 <= err.line <= lines, (err, lines)
            assert err.pointer == "" or err.pointer.startswith("/")
        art.to_json()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies)
def test_any_mix_of_markers_fences_and_tables(body: str) -> None:
    _check(body, extract(body))


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text(body: str) -> None:
    _check(body, extract(body))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_binary_junk(data: bytes) -> None:
    body = "<!-- REVIEW:START -->\n" + data.decode("latin-1") + "\n<!-- REVIEW:END -->"
    arts = extract(body)
    _check(body, arts)
    assert arts and not arts[0].valid


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([review(7), handover(7), worker_assignment()]),
    st.sampled_from(["````\n{}````\n", "~~~md\n{}~~~\n", "> {}", "    {}"]),
)
def test_quoted_or_fenced_artifact_never_counts(artifact: str, wrapper: str) -> None:
    if wrapper.startswith(">") or wrapper.startswith("    "):
        prefix = wrapper[: wrapper.index("{")]
        body = "".join(prefix + line + "\n" for line in artifact.splitlines())
    else:
        body = wrapper.format(artifact)
    assert extract("Quoting:\n\n" + body) == []


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([review(7), handover(7), worker_assignment()]), st.integers(1, 200))
def test_truncated_artifact_is_never_valid_silently(artifact: str, cut: int) -> None:
    body = artifact[: max(0, len(artifact) - cut)]
    arts = extract(body)
    _check(body, arts)
    if (
        "<!-- REVIEW:END -->" not in body
        and "<!-- HANDOVER:END -->" not in body
        and ("<!-- /WORKER:ASSIGNED -->" not in body)
    ):
        assert all(not a.valid for a in arts)


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=string.printable, max_size=200), st.integers(1, 10**6))
def test_prose_around_a_review(prose: str, issue: int) -> None:
    body = prose.replace("<", "&lt;") + "\n\n" + review(issue) + "\n" + prose.replace("<", "&lt;")
    arts = extract(body)
    assert [(a.kind, a.valid) for a in arts] == [("review", True)], arts
    assert arts[0].data["issue"] == issue
