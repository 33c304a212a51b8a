"""The hook's input and environment, and the switch to the slow path's environment.

Every agent tool call starts the PreToolUse hook, so what it imports before it knows the
call cannot matter is its whole cost. ``json`` alone loads ``re``, ``enum`` and their
dependencies (about 8 ms, more than the rest of the fast path): :func:`loads` (defined in
:mod:`.fast_path`, which decodes the input before anything else loads) decodes the one
JSON object with the C scanner the ``json`` package itself uses (``_json``), and falls
back to ``json.loads`` for anything unusual, so answers and error messages stay the same.

The installed hook runs as ``python -I -S .../review_gate/hooks/run_hook.py EVENT``
(:mod:`.run_hook`): no ``site``, so no ``.pth`` files and no site-packages on the path.
:func:`enable_site` turns ``site`` on before the slow path loads tree-sitter, git and the
tracker from site-packages.
"""

from __future__ import annotations

import sys

from review_gate.hooks.fast_path import loads

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView

__all__ = ["LazyEnviron", "enable_site", "lazy_environ", "loads"]


class LazyEnviron:
    """``os.environ``, imported on first use: the fast path never reads the environment,
    and ``os`` is a millisecond of the hook's start-up when ``site`` has not loaded it."""

    def _environ(self) -> Mapping[str, str]:
        import os

        return os.environ

    def __getitem__(self, key: str) -> str:
        return self._environ()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ())

    def __len__(self) -> int:
        return len(self._environ())

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str) and "os" not in sys.modules:
            return self.get(key) is not None
        return key in self._environ()

    def get(self, key: str, default: str | None = None) -> str | None:
        """One variable; read from ``posix.environ`` (built in, filled at start-up) while
        ``os`` is not loaded, so the checks every call makes ("is this a dispatched
        worker?") import nothing. Once ``os`` is loaded, ``os.environ`` answers: it sees
        what the process itself changed since."""
        if "os" not in sys.modules:
            try:
                import posix
            except ImportError:  # not a POSIX system
                return self._environ().get(key, default)
            raw = posix.environ.get(key.encode("utf-8", "surrogateescape"))
            return default if raw is None else raw.decode("utf-8", "surrogateescape")
        return self._environ().get(key, default)

    def keys(self) -> KeysView[str]:
        return self._environ().keys()

    def items(self) -> ItemsView[str, str]:
        return self._environ().items()

    def values(self) -> ValuesView[str]:
        return self._environ().values()


def lazy_environ() -> Mapping[str, str]:
    """The environment, for the hook's decisions (see :class:`LazyEnviron`)."""
    return LazyEnviron()  # type: ignore[return-value]  # a Mapping by duck typing


_site_enabled = False


def enable_site() -> None:
    """Put this environment's site-packages on ``sys.path`` when started with ``-S``.

    Only the directories: ``site.main()`` would also run every ``.pth`` file of the
    environment (about 10 ms with setuptools' and editable installs' hooks), which the
    gate's dependencies do not need. Should one be missing all the same, the import fails,
    and a failure on the slow path is a deny, never a pass.
    """
    global _site_enabled
    if sys.flags.no_site and not _site_enabled:
        _site_enabled = True
        import site

        for path in site.getsitepackages(_prefixes()):
            if path not in sys.path:
                sys.path.append(path)


def _prefixes() -> list[str]:
    """The environment's prefixes: the virtual environment's (without ``site``,
    ``sys.prefix`` is the base interpreter's) and, when it includes them, the base's."""
    import os

    from review_gate.protected import environment_prefix

    root = environment_prefix()
    if root is None or root == sys.prefix:
        return [sys.prefix]
    try:
        with open(os.path.join(root, "pyvenv.cfg"), encoding="utf-8") as f:
            cfg = f.read()
    except OSError:
        return [root]
    system = any(
        line.partition("=")[0].strip().lower() == "include-system-site-packages"
        and line.partition("=")[2].strip().lower() == "true"
        for line in cfg.splitlines()
    )
    return [root, sys.prefix] if system else [root]
