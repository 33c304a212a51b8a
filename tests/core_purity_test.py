"""The pure core (``review_gate.artifacts``, ``review_gate.gates``, ``review_gate.records``)
does no I/O and knows no layer below it (docs: "a pure core with I/O at the edges").

Checked twice: by importing every module of the core in a fresh interpreter and looking at
what got loaded, and statically, over every import statement of the core's files
(function-local imports included, which a fresh import would not run).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import review_gate

SRC = Path(review_gate.__file__).parent
CORE_PACKAGES = ("review_gate.artifacts", "review_gate.gates")
CORE_MODULES = ("review_gate.records",)

# Exact module names, and prefixes whose submodules are forbidden too.
FORBIDDEN = (
    "subprocess",
    "sqlite3",
    "github",
    "review_gate.config",
    "review_gate.trackers",
    "review_gate.proc",
    "review_gate.git",
    "review_gate.check",
    "review_gate.hooks",
    "review_gate.dispatch",
    "review_gate.cli",
    "click",
    "urllib.request",
    "http.client",
    "socket",
)

_IMPORT_ALL = """
import importlib, json, pkgutil, sys
names = list(sys.argv[2:])
for package in json.loads(sys.argv[1]):
    module = importlib.import_module(package)
    names.append(package)
    names += [m.name for m in pkgutil.walk_packages(module.__path__, package + ".")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""


def _forbidden(name: str) -> str | None:
    """The entry of FORBIDDEN that ``name`` is, or is a submodule of."""
    return next((f for f in FORBIDDEN if name == f or name.startswith(f + ".")), None)


def _core_files() -> list[Path]:
    files = [SRC / f"{m.split('.', 1)[1]}.py" for m in CORE_MODULES]
    for package in CORE_PACKAGES:
        files += sorted((SRC / package.split(".", 1)[1]).rglob("*.py"))
    return files


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``, wherever it sits."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> list[tuple[int, str]]:
    """The imports of ``source``, code of ``package`` (relative imports resolve from it).

    ``from package import name`` yields ``package.name`` as well, since ``name`` may be a
    submodule (``from review_gate import git``)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def test_the_core_has_modules_to_check() -> None:
    files = _core_files()
    assert len(files) > 5, files
    assert all(f.is_file() for f in files)


def test_importing_the_core_loads_no_io_and_no_outer_layer() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, json.dumps(CORE_PACKAGES), *CORE_MODULES],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert len(report["imported"]) > 5, report["imported"]
    loaded = [name for name in report["loaded"] if _forbidden(name)]
    assert loaded == [], f"importing the core loaded: {', '.join(loaded)}"


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_core_file_imports_io_or_an_outer_layer(path: Path) -> None:
    bad = [
        f"{path.relative_to(SRC.parent)}:{line}: imports {name}"
        for line, name in _imports(path)
        if _forbidden(name)
    ]
    assert bad == [], "\n".join(bad)


def test_the_static_check_sees_what_it_must() -> None:
    # The checker itself: function-local, relative and `from package import module` forms.
    code = (
        "import json\n"
        "from . import verdict\n"
        "def f():\n"
        "    import subprocess\n"
        "    from .. import git\n"
        "    from review_gate import check\n"
        "    from ..trackers.local import LocalTracker\n"
    )
    names = [name for _, name in _imports_in(code, "review_gate.gates")]
    assert "review_gate.gates.verdict" in names
    flagged = {_forbidden(name) for name in names} - {None}
    assert flagged == {
        "subprocess",
        "review_gate.git",
        "review_gate.check",
        "review_gate.trackers",
    }, names
