"""``review_gate.posix_paths`` answers as ``os.path`` does (or not at all), on generated
paths through a real tree of directories, files, missing names and symbolic links."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review_gate import posix_paths
from review_gate.protected import environment_prefix

pytestmark = pytest.mark.skipif(posix_paths.SEP is None, reason="needs a POSIX system")

NAMES = st.sampled_from(["", ".", "..", "d", "f", "link", "dlink", "missing", ".venv", "x y"])


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    (root / "d" / "d").mkdir(parents=True)
    (root / "d" / "f").write_text("")
    (root / "f").write_text("")
    (root / "link").symlink_to(root / "d" / "f")
    (root / "d" / "dlink").symlink_to(root / "d")
    return root


@settings(max_examples=400, deadline=None)
@given(st.lists(NAMES, max_size=6), st.booleans())
def test_realpath_is_os_paths_or_none(tree: Path, names: list[str], trailing: bool) -> None:
    path = str(tree) + "/" + "/".join(names) + ("/" if trailing else "")
    found = posix_paths.realpath(path)
    if found is not None:
        assert found == os.path.realpath(path)
    links = {"link", "dlink"}
    if not links & set(names) and os.path.realpath(tree) == str(tree):
        assert found is not None, path  # only a link sends the caller to os.path


def test_realpath_leaves_links_and_relative_paths_to_os(tree: Path) -> None:
    assert posix_paths.realpath(str(tree / "link")) is None
    assert posix_paths.realpath(str(tree / "d" / "dlink" / "f")) is None
    assert posix_paths.realpath("d/f") is None
    assert posix_paths.realpath(str(tree) + "/\0x") is None
    assert posix_paths.realpath("/") == os.path.realpath("/")


@given(st.lists(NAMES, max_size=4).map("/".join), st.lists(NAMES, max_size=4).map("/".join))
def test_join_and_dirname_are_os_paths(base: str, name: str) -> None:
    for a in (base, "/" + base, base + "/"):
        for b in (name, "/" + name):
            assert posix_paths.join(a, b) == os.path.join(a, b)
            assert posix_paths.dirname(a + b) == os.path.dirname(a + b)


def test_getcwd_and_environment_prefix_are_os_paths() -> None:
    assert posix_paths.getcwd() == os.getcwd()
    assert posix_paths.environment_prefix() == (True, environment_prefix())


@pytest.mark.parametrize(
    "executable", ["/usr/bin/python3", "/python", "{venv}/bin/python", "{venv}/./bin/python"]
)
def test_environment_prefix_outside_a_virtual_environment(
    executable: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the installed hook runs (``-S``: ``sys.prefix`` is the base interpreter's)."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    monkeypatch.setattr(sys, "prefix", sys.base_prefix)
    monkeypatch.setattr(sys, "executable", executable.format(venv=venv))
    known, prefix = posix_paths.environment_prefix()
    if known:
        assert prefix == environment_prefix()
    assert known == ("/./" not in sys.executable)
