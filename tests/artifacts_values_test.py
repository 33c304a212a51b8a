"""Fields mean exactly one thing: one status, one YES/NO, one number -- or invalid."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from review_gate.artifacts.extract import extract
from tests.artifact_samples import review

BASE = review(7)

STATUSES = [
    "COMPLETE",
    "BLOCKED_ON_DEPENDENCIES",
    "IN_PROGRESS",
    "IN PROGRESS",
    "blocked on dependencies",
]
# Refused in a remark after any status: negations, doubt, a second status.
NEGATIONS = [
    "not", "NOT", "no", "never", "isn't", "isn’t", "n't", "nope", "hardly", "fake",
    "almost", "nearly", "but", "except", "maybe", "incomplete", "in-complete",
    "not really", "kidding", "NOT COMPLETE", "?", "n\u200bot", "ｎｏｔ", "n\u043et", "~~",
    "❌", ":x:", "⚠️",
]  # fmt: skip
# Refused after COMPLETE only: work not done.
NOT_DONE = ["pending", "partially", "un-finished", "WIP", "TODO", "blocked", "waiting"]
BENIGN = [
    "all",
    "findings",
    "handled",
    "fixed",
    "in",
    "abc1234",
    "LGTM",
    "thanks",
    "3",
    "reviewed",
    "tests",
    "green",
]


def _name(status: str) -> str:
    return status.upper().replace(" ", "_")


def _status(text: str) -> tuple[Any, bool]:
    (art,) = extract(BASE.replace("**Review Status:** ✅ COMPLETE", f"**Review Status:** {text}"))
    return art.data.get("status"), art.valid


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["", "✅ ", ":white_check_mark: ", "**", "`"]),
    st.sampled_from(STATUSES),
    st.sampled_from([" (", " - ", ": ", ", ", " — ", ". "]),
    st.lists(st.sampled_from(BENIGN), max_size=4),
    st.sampled_from(NEGATIONS + NOT_DONE + STATUSES),
    st.integers(0, 4),
)
def test_a_remark_that_negates_or_names_another_status_is_invalid(
    decoration: str, status: str, sep: str, words: list[str], bad: str, at: int
) -> None:
    name = _name(status)
    assume(bad not in STATUSES or _name(bad) != name)  # naming its own status is fine
    assume(bad not in NOT_DONE or name == "COMPLETE")  # "BLOCKED (waiting)" is fine
    words.insert(min(at, len(words)), bad)
    remark = " ".join(words)
    text = (
        f"{decoration}{status}{decoration[::-1] if decoration in ('**', '`') else ''}{sep}{remark}"
    )
    value, valid = _status(text + (")" if sep == " (" else ""))
    assert value not in ("COMPLETE", "BLOCKED_ON_DEPENDENCIES", "IN_PROGRESS"), text
    assert not valid


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([" (", " - ", ": "]), st.lists(st.sampled_from(BENIGN), max_size=5))
def test_a_remark_that_only_explains_is_fine(sep: str, words: list[str]) -> None:
    remark = f"{sep}{' '.join(words)}{')' if sep == ' (' else ''}" if words else ""
    assert _status(f"✅ COMPLETE{remark}") == ("COMPLETE", True)
    # ... and the same remark naming a second status is not.
    value, valid = _status(f"✅ COMPLETE{sep}{' '.join(words)} IN_PROGRESS")
    assert (value, valid) != ("COMPLETE", True)


NAMED_CONTRADICTIONS = [
    "COMPLETE / IN_PROGRESS",
    "COMPLETE (not really: BLOCKED_ON_DEPENDENCIES)",
    "not COMPLETE",
    "NOT COMPLETE",
    "~~COMPLETE~~",
    "~COMPLETE",
    "COMPLETE? no",
    "in-complete",
    "COMPLETE - not",
    "COMPLETE (BLOCKED_ON_DEPENDENCIES)",
    "COMPLETE, IN PROGRESS",
    "COMPLETE :x:",
    "COMPLETE - ❌",
    "❌ COMPLETE",
    "⏸️ COMPLETE",
    "🔄 COMPLETE",
    ":x: COMPLETE",
    "COMPLETE (n\u043et)",
    "COMPLETE (isn’t)",
]


def test_named_status_contradictions() -> None:
    # One test for all the examples: some were already refused before the remark rule.
    statuses = ("COMPLETE", "BLOCKED_ON_DEPENDENCIES", "IN_PROGRESS")
    accepted = [
        text for text in NAMED_CONTRADICTIONS if _status(text)[0] in statuses or _status(text)[1]
    ]
    assert accepted == []


def _cell(old: str, new: str, pointer: str) -> tuple[Any, bool]:
    assert old in BASE
    (art,) = extract(BASE.replace(old, new))
    data: Any = art.data
    for part in pointer.strip("/").split("/"):
        data = data[int(part)] if isinstance(data, list) else data.get(part)
    return data, art.valid


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["YES", "NO", "Y", "N", "TRUE", "FALSE"]),
    st.sampled_from(["YES", "NO", "N/A", "maybe", "sometimes"]),
    st.sampled_from([" / ", "/", " or ", " (", ", ", " - ", "? ", " ~~", " \\| "]),
)
def test_security_sensitive_is_exactly_one_answer(first: str, second: str, sep: str) -> None:
    value, valid = _cell(
        "| Security-Sensitive | NO |",
        f"| Security-Sensitive | {first}{sep}{second} |",
        "/security_sensitive",
    )
    assert not isinstance(value, bool) and not valid
    # Decorated but single answers are fine; a negating emoji before YES is not.
    assert _cell(
        "| Security-Sensitive | NO |",
        f"| Security-Sensitive | ✅ **{first}** |",
        "/security_sensitive",
    )[1]
    assert (
        _cell(
            "| Security-Sensitive | NO |", "| Security-Sensitive | ❌ YES |", "/security_sensitive"
        )[1]
        is False
    )


def test_criterion_status_is_exactly_one_value() -> None:
    cells = ["PASS?", "~~PASS~~", "❌ PASS", "PASS / FIXED", "~~FIXED~~ PASS", "PASS (not)",
             "⛔ FIXED", "N / A", "P A S S"]  # fmt: skip
    accepted = []
    for cell in cells:
        old, new = "| 1 | Blindspots | ✅ PASS |", f"| 1 | Blindspots | {cell} |"
        value, valid = _cell(old, new, "/criteria/0/status")
        if value in ("PASS", "FIXED", "DEFERRED", "N/A") or valid:
            accepted.append(cell)
    assert accepted == []


# Numbers are ASCII digits as written (no leading zero): NFKC would make all of these 7.
NOT_PLAINLY_SEVEN = [
    "７",
    "#７",
    "＃７",
    "＃7",
    "⁷",
    "₇",
    "⑦",
    "𝟕",
    "٧",
    "७",
    "#07",
    "#7.0",
    "7.0",
    "+7",
    "#0x7",
    "7e0",
]


def test_an_issue_number_is_plain_ascii_digits() -> None:
    read = {}
    for text in NOT_PLAINLY_SEVEN:
        value, valid = _cell("| Issue | #7 |", f"| Issue | {text} |", "/issue")
        if value == 7 or valid:
            read[text] = value
    assert read == {}


@settings(max_examples=200, deadline=None)
@given(st.characters(categories=["Nd", "No", "Nl"]).filter(lambda ch: not ch.isascii()))
def test_no_digit_of_another_script_or_form_is_read_as_a_number(digit: str) -> None:
    for old, new, pointer in (
        ("| Issue | #7 |", f"| Issue | #{digit} |", "/issue"),
        ("| Unaddressed | 0 |", f"| Unaddressed | {digit} |", "/summary/unaddressed"),
        (
            "| 1 | Blindspots | ✅ PASS | 0 |",
            f"| 1 | Blindspots | ✅ PASS | {digit} |",
            "/criteria/0/findings",
        ),
    ):
        value, valid = _cell(old, new, pointer)
        assert not isinstance(value, int) and not valid, (digit, pointer, value)
