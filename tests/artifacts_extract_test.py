"""Extraction rules (DESIGN.md, Artifacts): one table row per rule."""

from __future__ import annotations

import subprocess
import sys

import pytest

from review_gate.artifacts import Artifact
from review_gate.artifacts.extract import extract
from tests.artifact_samples import handover, review, worker_assignment

REVIEW = review(7)


def _fence(text: str, fence: str = "```", info: str = "markdown") -> str:
    return f"{fence}{info}\n{text}{fence}\n"


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.splitlines())


def _quote(text: str) -> str:
    return "".join(f"> {line}\n" for line in text.splitlines())


def _summary(arts: list[Artifact]) -> list[tuple[str, bool]]:
    return [(a.kind, a.valid) for a in arts]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(REVIEW, [("review", True)], id="plain review"),
        pytest.param(f"Done, review below.\n\n{REVIEW}\nThanks!\n", [("review", True)], id="prose"),
        pytest.param(_fence(REVIEW), [], id="backtick fence"),
        pytest.param(_fence(REVIEW, "~~~~", ""), [], id="tilde fence"),
        pytest.param(_fence(REVIEW, "````", "md"), [], id="long fence"),
        pytest.param(_indent(REVIEW), [], id="indented code"),
        pytest.param(_quote(REVIEW), [], id="blockquote"),
        pytest.param(
            f"> quoting the last review:\n{_quote(REVIEW)}\nmy own:\n\n{REVIEW}",
            [("review", True)],
            id="quote then own",
        ),
        pytest.param(
            "Use `<!-- REVIEW:START -->` and `<!-- REVIEW:END -->` markers.\n", [], id="inline code"
        ),
        pytest.param(
            "Use ``<!-- REVIEW:START -->`` then\n``<!-- REVIEW:END -->``.\n", [], id="double tick"
        ),
        pytest.param(
            "<!-- review:start -->\n<!-- review:end -->\n",
            [("review", False), ("review", False)],
            id="lower-case is a malformed marker",
        ),
        pytest.param(REVIEW.replace("\n", "\r\n"), [("review", True)], id="CRLF"),
        pytest.param(REVIEW.replace("\n", "\r"), [("review", True)], id="CR"),
        pytest.param(
            REVIEW + handover(7) + worker_assignment(),
            [("review", True), ("handover", True), ("worker", True)],
            id="three kinds in order",
        ),
        pytest.param(
            review(7) + "\n" + review(7, status="⏸️ BLOCKED_ON_DEPENDENCIES"),
            [("review", True), ("review", True)],
            id="two reviews",
        ),
        pytest.param("no markers here", [], id="prose only"),
        pytest.param("", [], id="empty"),
        pytest.param(
            REVIEW.replace("<!-- REVIEW:START -->", "<!--REVIEW:START-->"),
            [("review", False), ("review", False)],
            id="marker without spaces is malformed",
        ),
        pytest.param(
            "<details><summary>Review</summary>\n\n" + REVIEW + "\n</details>\n",
            [("review", True)],
            id="inside details",
        ),
        pytest.param(
            "<!-- a note <!-- REVIEW:START -->\n" + REVIEW.split("\n", 1)[1],
            [("review", False), ("review", False)],
            id="marker swallowed by an earlier comment is malformed, its end a stray",
        ),
    ],
)
def test_extraction_rules(body: str, expected: list[tuple[str, bool]]) -> None:
    assert _summary(extract(body)) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            REVIEW.replace("<!-- REVIEW:END -->\n", ""),
            [("review", 1, "never closed")],
            id="unterminated",
        ),
        pytest.param(
            "intro\n\n<!-- REVIEW:START -->\n" + REVIEW,
            [("review", 3, "not closed before"), ("review", 4, "cannot nest")],
            id="nested same kind",
        ),
        pytest.param(
            "<!-- REVIEW:START -->\n\n<!-- HANDOVER:START -->\n\n<!-- REVIEW:END -->\n\n"
            "<!-- HANDOVER:END -->\n",
            [
                ("review", 1, "not closed before"),
                ("handover", 3, "cannot nest"),
                ("handover", 5, "crossed"),
                ("handover", 7, "without an opening"),
            ],
            id="crossed",
        ),
        pytest.param(
            "text\n\n<!-- REVIEW:END -->\n", [("review", 3, "without an opening")], id="stray end"
        ),
        pytest.param(
            "<!-- WORKER:ASSIGNED -->\n```json\n{}\n```\n<!-- REVIEW:END -->\n",
            [("worker", 5, "crossed")],
            id="closed by another kind",
        ),
    ],
)
def test_broken_markers_are_errors_with_lines(
    body: str, expected: list[tuple[str, int, str]]
) -> None:
    arts = extract(body)
    assert arts and not any(a.valid for a in arts)
    got = [(e.kind, e.line, e.message) for a in arts for e in a.errors if e.pointer == ""]
    for kind, line, text in expected:
        assert any(k == kind and n == line and text in m for k, n, m in got), (kind, line, got)


def test_crlf_keeps_line_numbers() -> None:
    body = "first\r\n\r\n" + review(7, unaddressed=0).replace("| Issue | #7 |", "| Issue | #x |")
    lf = extract(body.replace("\r\n", "\n"))[0]
    crlf = extract(body.replace("\n", "\r\n").replace("\r\r\n", "\r\n"))[0]
    assert [e.line for e in lf.errors] == [e.line for e in crlf.errors] == [9]
    assert crlf.line == 3


def test_span_and_order() -> None:
    body = "hello\n\n" + review(7) + "\n" + worker_assignment()
    first, second = extract(body)
    assert (first.line, first.end_line) == (3, 3 + REVIEW.count("\n") - 1)
    assert second.line == first.end_line + 2
    assert body.splitlines()[first.end_line - 1] == "<!-- REVIEW:END -->"


@pytest.mark.parametrize(
    ("replace", "placeholder"),
    [
        ("`worker-1701523200-7`", "[WORKER_ID]"),
        ("#7", "#[ISSUE_NUMBER]"),
        ("2026-11-21T10:00:00Z", "[ISO_TIMESTAMP]"),
        ("| MINOR |", "| [MINOR|MAJOR] |"),
        (
            "| 1 | Blindspots | ✅ PASS | 0 |",
            "| 1 | Blindspots | [✅ PASS|✅ FIXED|⚠️ DEFERRED] | 0 |",
        ),
        ("| 1 | Blindspots | ✅ PASS | 0 |", "| 1 | Blindspots | ✅ PASS | [N] |"),
        ("Unclear name", "[DESCRIPTION]"),
        ("✅ COMPLETE", "[✅ COMPLETE|⏸️ BLOCKED_ON_DEPENDENCIES]"),
        ("## Code Review Complete", "## Code Review Complete [TODO]"),
        ("## Code Review Complete", "## Code Review Complete <!-- x --> [TODO] <!-- y -->"),
    ],
)
def test_unfilled_placeholders_make_it_invalid(replace: str, placeholder: str) -> None:
    body = REVIEW.replace(replace, placeholder, 1)
    assert body != REVIEW
    (art,) = extract(body)
    assert not art.valid
    messages = [e.message for e in art.errors if "placeholder" in e.message]
    assert messages, art.errors
    line = body.splitlines().index(next(x for x in body.splitlines() if placeholder in x)) + 1
    assert all(e.line == line for e in art.errors if "placeholder" in e.message)


@pytest.mark.parametrize(
    "extra",
    [
        "- [x] tests pass\n- [ ] docs\n- [X] lint\n",
        "See [the docs](https://example.com) and [RFC][rfc].\n\n[rfc]: https://example.com\n",
        "```\n[DEBUG] log line inside a fence\n```\n",
        "Array `a[i]` and [lower case] brackets.\n",
        "<!-- fill in [N] -->\n",
        "text <!-- [WORKER_ID] --> more\n",
        "<!--\nTemplate: [WORKER_ID]\n[✅ PASS|✅ FIXED|⚠️ DEFERRED]\n-->\n",
    ],
)
def test_not_placeholders(extra: str) -> None:
    body = REVIEW.replace("### Summary", extra + "\n### Summary")
    (art,) = extract(body)
    assert art.valid, art.errors


def test_errors_name_kind_pointer_line_message_hint() -> None:
    body = review(7, deferred=[("Low", "Slow loop", "TBD", "later")])
    (art,) = extract(body)
    (err,) = art.errors
    assert err.kind == "review"
    assert err.pointer == "/deferred/0/tracking_issue"
    assert body.splitlines()[err.line - 1].startswith("| 1 | Low | Slow loop | TBD |")
    assert "tracking issue" in err.message
    assert err.hint
    assert art.to_json()["errors"][0]["pointer"] == "/deferred/0/tracking_issue"


def test_size_limit_is_an_error_not_a_hang() -> None:
    body = REVIEW + "x" * 300_000
    (art,) = extract(body)
    assert not art.valid
    assert "limit" in art.errors[0].message


def test_importing_the_records_does_not_load_the_parser() -> None:
    # The hook fast path imports the records; markdown-it and jsonschema must stay unloaded.
    code = (
        "import sys; import review_gate.artifacts; "
        "assert 'markdown_it' not in sys.modules and 'jsonschema' not in sys.modules"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
