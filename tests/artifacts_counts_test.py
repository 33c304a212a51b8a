"""Every count in the summary agrees with the rows listed: a finding listed as neither
fixed nor deferred is unaddressed, and "Unaddressed 0" above it is invalid."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from review_gate.artifacts.extract import extract
from tests.artifact_samples import review

SEVERITIES = ["Low", "Medium", "High", "🔴 Critical"]


def _with_open_findings(rows: list[tuple[str, str]], count: int, form: str, heading: str) -> str:
    body = review(7, unaddressed=count)
    if form == "table":
        listed = "| # | Severity | Finding |\n|---|---|---|\n" + "".join(
            f"| {i} | {sev} | {text} |\n" for i, (sev, text) in enumerate(rows, 1)
        )
    else:
        listed = "".join(f"- {text} ({sev})\n" for sev, text in rows) or "None.\n"
    section = f"### {heading}\n\n{listed}\n"
    return body.replace("### Summary", section + "### Summary")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(SEVERITIES),
            st.from_regex(r"[A-Z][a-z]{2,12} [a-z]{3,9}", fullmatch=True),
        ),
        max_size=4,
    ),
    st.integers(0, 5),
    st.sampled_from(["table", "list"]),
    st.sampled_from(
        ["Unaddressed Findings", "Findings Not Addressed", "Outstanding issues", "UNRESOLVED"]
    ),
)
def test_unaddressed_rows_must_match_the_count(
    rows: list[tuple[str, str]], count: int, form: str, heading: str
) -> None:
    (art,) = extract(_with_open_findings(rows, count, form, heading))
    assert art.data["unaddressed"] == [
        {
            "number": i,
            **({"severity": s} if form == "table" else {}),
            "finding": f if form == "table" else f"{f} ({s})",
        }
        for i, (s, f) in enumerate(rows, 1)
    ]
    mismatch = [e for e in art.errors if e.pointer == "/summary/unaddressed"]
    assert art.valid is (count == len(rows)), art.errors
    assert bool(mismatch) is (count != len(rows))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 4),
    st.sampled_from(["### Findings", "### Other findings", "### Notes", "## Review"]),
)
def test_a_findings_table_that_is_neither_fixed_nor_deferred_is_unaddressed(
    n: int, heading: str
) -> None:
    table = "| Severity | Finding |\n|---|---|\n" + "".join(
        f"| High | Open problem {i} |\n" for i in range(n)
    )
    body = review(7).replace("### Summary", f"{heading}\n\n{table}\n### Summary")
    (art,) = extract(body)
    assert not art.valid
    assert len(art.data["unaddressed"]) == n
    assert any(
        f"{n} unaddressed" in e.message for e in art.errors if e.pointer == "/summary/unaddressed"
    )
    # Counted as unaddressed, the same review is valid data (the gate then refuses it).
    (art,) = extract(body.replace("| Unaddressed | 0 |", f"| Unaddressed | {n} |"))
    assert art.valid and art.data["summary"]["unaddressed"] == n


def test_another_name_for_open_findings_in_the_summary_is_the_unaddressed_row() -> None:
    accepted = []
    for label in [
        "Unresolved",
        "Open findings",
        "Outstanding",
        "Not addressed",
        "Won't fix",
        "Remaining",
    ]:
        body = review(7).replace("| Unaddressed | 0 |", f"| Unaddressed | 0 |\n| {label} | 3 |")
        (art,) = extract(body)
        if art.valid:
            accepted.append(label)
        assert any("twice" in e.message for e in art.errors if e.pointer == "/summary/unaddressed")
    assert accepted == []
    # Alone, such a row is the count.
    (art,) = extract(review(7).replace("| Unaddressed | 0 |", "| Unresolved | 3 |"))
    assert art.valid and art.data["summary"]["unaddressed"] == 3
