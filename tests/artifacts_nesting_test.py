"""Nothing in a comment is dropped: where markdown-it stops reading (lists or quotes
nested past its limit), the comment yields an error, never "no artifact"."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.artifacts import Artifact
from review_gate.artifacts.extract import extract
from tests.artifact_samples import handover, review, worker_assignment

REVIEW = review(7, status="⏸️ BLOCKED_ON_DEPENDENCIES")
UNREAD = "could not be read to its end"


def _unread(arts: list[Artifact]) -> list[tuple[str, int]]:
    return [(e.kind, e.line) for a in arts for e in a.errors if UNREAD in e.message]


def _same_line(marker: str, depth: int) -> str:
    return marker * depth + "x\n"


PREFIXES: dict[str, Callable[[int], str]] = {
    "bullets on one line": lambda d: _same_line("- ", d),
    "stars on one line": lambda d: _same_line("* ", d),
    "numbers on one line": lambda d: _same_line("1. ", d),
    "quotes on one line": lambda d: _same_line("> ", d),
    "quotes without spaces": lambda d: ">" * d + " x\n",
    "quote and bullet": lambda d: _same_line("> - ", d),
    "indented bullets": lambda d: "".join("  " * i + "- x\n" for i in range(d)),
    "growing quotes": lambda d: "".join(">" * (i + 1) + " x\n" for i in range(d)),
}


@pytest.mark.parametrize("shape", sorted(PREFIXES))
@pytest.mark.parametrize("depth", [300, 10_000])
def test_deep_nesting_before_an_artifact_is_an_error_not_silence(shape: str, depth: int) -> None:
    prefix = PREFIXES[shape](depth)
    if len(prefix) > 200_000:
        prefix = prefix[:200_000].rsplit("\n", 1)[0] + "\n"
    body = prefix + "\n" + REVIEW
    start = time.perf_counter()
    arts = extract(body)
    assert time.perf_counter() - start < 3
    reviews = [a for a in arts if a.kind == "review"]
    assert reviews, "the review after the nesting vanished"
    assert not reviews[-1].valid  # the latest review of the comment fails the gate
    assert _unread(arts)
    (kind, line) = _unread(arts)[0]
    assert kind == "review"
    assert 1 <= line <= prefix.count("\n") + 1


@pytest.mark.parametrize("depth", [10_000, None])
@pytest.mark.parametrize("marker", ["> ", "- ", "* ", "1. ", ">"])
def test_extreme_nesting_is_quick_and_never_raises(marker: str, depth: int | None) -> None:
    # None: as deep as the size limit allows (two such lines).
    depth = depth or 130_000 // len(marker)
    body = (
        marker * depth + "\n\n<!-- REVIEW:START -->\n" + marker * depth + "\n<!-- REVIEW:END -->\n"
    )
    # Called with most of the stack already used: no RecursionError may escape (or be
    # turned into a generic parse error).
    limit = sys.getrecursionlimit()
    result: list[list[Artifact]] = []

    def deep(n: int) -> None:
        if n:
            deep(n - 1)
        else:
            result.append(extract(body))

    start = time.perf_counter()
    deep(max(0, limit - 400 - len(_stack())))
    assert time.perf_counter() - start < 3
    (arts,) = result
    assert arts and not any(a.valid for a in arts)
    assert _unread(arts), [str(e) for a in arts for e in a.errors]


def _stack() -> list[object]:
    frames = []
    frame = sys._getframe()
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back  # type: ignore[assignment]
    return frames


@st.composite
def nested_comments(draw: st.DrawFn) -> tuple[str, int]:
    """(a comment: a line of nested lists and quotes, then an artifact; its levels)."""
    markers = draw(
        st.lists(st.sampled_from(["> ", "- ", "* ", "1. ", "+ "]), min_size=1, max_size=4)
    )
    depth = draw(st.one_of(st.integers(1, 30), st.integers(60, 400)))
    line = "".join(markers[i % len(markers)] for i in range(depth)) + "x\n"
    # markdown-it counts a quote as one level, a list as two (the list and its item).
    levels = sum(1 if markers[i % len(markers)] == "> " else 2 for i in range(depth))
    artifact = draw(st.sampled_from([REVIEW, handover(7), worker_assignment()]))
    return line + "\n" + artifact, levels


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nested_comments())
def test_an_artifact_is_read_or_the_comment_fails(case: tuple[str, int]) -> None:
    body, levels = case
    arts = extract(body)
    assert arts, "a comment with markers gave no artifact and no error"
    if levels <= 60:  # far past real comments, well within the limit
        assert not _unread(arts), _unread(arts)
    elif levels > 110:
        assert _unread(arts)
        assert not arts[-1].valid


@pytest.mark.parametrize(
    "tail",
    [
        "\n[ref]: https://example.com\n",
        "\n>\n",
        "\n-\n",
        "\n- \n-\n",
        "\n> > >\n",
        "\n\u00a0\n",
        "\n    \n\t\n",
        "\n1.\n",
    ],
)
def test_ordinary_endings_are_read_to_the_end(tail: str) -> None:
    # Constructs that make no token of their own must not look like unread text, and
    # deep-but-real nesting is read.
    deep = "".join("  " * i + "- level\n" for i in range(12)) + "\n" + "> " * 12 + "x\n\n"
    arts = extract(deep + REVIEW + tail)
    assert [(a.kind, a.valid) for a in arts] == [("review", True)], [
        str(e) for a in arts for e in a.errors
    ]
    # ... while the same review after nesting past the limit is not.
    arts = extract("- " * 101 + "x\n\n" + REVIEW + tail)
    assert _unread(arts)
