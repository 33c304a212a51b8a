"""The shell records' NamedTuple (no ``collections`` at run time) behaves as
``collections.namedtuple`` does wherever the records use it."""

from __future__ import annotations

import collections
from typing import Any

import hypothesis
import hypothesis.strategies as st
import pytest

from review_gate.shell.named_tuple import NamedTuple


class Rec(NamedTuple):
    a: int
    b: str = "x"
    c: Any = None

    @property
    def both(self) -> str:
        return f"{self.a}{self.b}"


Same = collections.namedtuple("Rec", ["a", "b", "c"], defaults=["x", None])

_VALUES = st.one_of(st.integers(), st.text(max_size=3), st.none())


def _outcome(make: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        made = make(*args, **kwargs)
    except TypeError:
        return TypeError
    return (tuple(made), made.a, made.b, made.c, repr(made), made._asdict())


@hypothesis.given(
    st.lists(_VALUES, max_size=4),
    st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), _VALUES, max_size=3),
)
def test_construction_matches_namedtuple(args: list[Any], kwargs: dict[str, Any]) -> None:
    assert _outcome(Rec, *args, **kwargs) == _outcome(Same, *args, **kwargs)


@hypothesis.given(_VALUES, st.dictionaries(st.sampled_from(["a", "b", "c"]), _VALUES))
def test_replace_equality_hash(value: Any, changes: dict[str, Any]) -> None:
    ours, theirs = Rec(1, "y", value), Same(1, "y", value)
    assert tuple(ours._replace(**changes)) == tuple(theirs._replace(**changes))
    assert ours == theirs and hash(ours) == hash(theirs)
    assert type(ours._replace(**changes)) is Rec


def test_fields_methods_and_errors() -> None:
    rec = Rec(2)
    assert Rec._fields == ("a", "b", "c") and Rec._field_defaults == {"b": "x", "c": None}
    assert rec.both == "2x" and Rec.__qualname__ == "Rec" and rec[0] == 2
    with pytest.raises(ValueError, match="unexpected field names"):
        rec._replace(d=1)
    with pytest.raises(AttributeError):
        rec.a = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        rec.other = 1  # type: ignore[attr-defined]  # no __dict__: __slots__ = ()
    a, b, c = rec
    assert (a, b, c) == (2, "x", None)
