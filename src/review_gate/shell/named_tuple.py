"""``typing.NamedTuple`` without importing ``typing`` at run time.

The shell analysis starts in a fresh process for every hook call that reaches it, and
``typing`` (with what it imports) is a tenth of that call. The records here are plain
``collections.namedtuple`` classes built from the same class syntax: fields from the
annotations, defaults from the assigned values, methods and properties kept. mypy reads
``typing.NamedTuple`` (the ``TYPE_CHECKING`` branch), so the types are checked as before.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    import collections

    _SKIP = frozenset({"__annotations__", "__module__", "__qualname__", "__dict__", "__weakref__"})

    class _Build(type):
        def __new__(mcls, name, bases, namespace):
            if not bases:  # NamedTuple itself
                return super().__new__(mcls, name, bases, namespace)
            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[f] for f in fields if f in namespace]
            made = collections.namedtuple(
                name, fields, defaults=defaults or None, module=namespace.get("__module__")
            )
            for key, value in namespace.items():
                if key not in _SKIP and key not in fields:
                    setattr(made, key, value)
            made.__qualname__ = namespace.get("__qualname__", name)
            return made

    class NamedTuple(metaclass=_Build):
        """Base of the records (see the module docstring)."""
