"""``typing.NamedTuple`` without importing ``typing`` at run time.

The shell analysis starts in a fresh process for every hook call that reaches it, and
``typing`` (with what it imports) is a tenth of that call. The records here are tuple
classes that behave as ``collections.namedtuple`` ones (without importing ``collections``,
another millisecond), built from the same class syntax: fields from the
annotations, defaults from the assigned values, methods and properties kept. mypy reads
``typing.NamedTuple`` (the ``TYPE_CHECKING`` branch), so the types are checked as before.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    try:
        from _collections import _tuplegetter  # the field accessor namedtuple uses (C)
    except ImportError:  # another Python: a property does the same, a little slower
        from operator import itemgetter

        def _tuplegetter(index, doc):
            return property(itemgetter(index), doc=doc)

    _SKIP = frozenset({"__annotations__", "__module__", "__qualname__", "__dict__", "__weakref__"})

    def _record(name, fields, defaults, module):
        """A tuple subclass that behaves as ``collections.namedtuple(name, fields,
        defaults=defaults)`` where the records use it (positional and keyword
        construction, defaults, field access, ``_replace``, ``_asdict``, ``_fields``,
        ``repr``, equality and hashing as tuples), without importing ``collections``
        (a millisecond of every parsed hook call)."""
        count = len(fields)
        first_default = count - len(defaults)

        def __new__(cls, *args, **kwargs):
            if len(args) > count:
                raise TypeError(f"{name}() takes {count} arguments but {len(args)} were given")
            values = list(args)
            for i in range(len(args), count):
                field = fields[i]
                if field in kwargs:
                    values.append(kwargs.pop(field))
                elif i >= first_default:
                    values.append(defaults[i - first_default])
                else:
                    raise TypeError(f"{name}() missing required argument: {field!r}")
            if kwargs:
                raise TypeError(f"{name}() got unexpected or repeated arguments: {sorted(kwargs)}")
            return tuple.__new__(cls, values)

        def _replace(self, **kwargs):
            values = [kwargs.pop(f, v) for f, v in zip(fields, self, strict=True)]
            if kwargs:
                raise ValueError(f"Got unexpected field names: {list(kwargs)!r}")
            return tuple.__new__(type(self), values)

        def __repr__(self):
            shown = ", ".join(f"{f}={v!r}" for f, v in zip(fields, self, strict=True))
            return f"{type(self).__name__}({shown})"

        namespace = {
            "__slots__": (),
            "__new__": __new__,
            "__repr__": __repr__,
            "__getnewargs__": lambda self: tuple(self),
            "_replace": _replace,
            "_asdict": lambda self: dict(zip(fields, self, strict=True)),
            "_fields": tuple(fields),
            "_field_defaults": dict(zip(fields[first_default:], defaults, strict=True)),
            "__match_args__": tuple(fields),
            "__module__": module,
        }
        for i, field in enumerate(fields):
            namespace[field] = _tuplegetter(i, f"Alias for field number {i}")
        return type(name, (tuple,), namespace)

    class _Build(type):
        def __new__(mcls, name, bases, namespace):
            if not bases:  # NamedTuple itself
                return super().__new__(mcls, name, bases, namespace)
            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[f] for f in fields if f in namespace]
            made = _record(name, fields, defaults, namespace.get("__module__"))
            for key, value in namespace.items():
                if key not in _SKIP and key not in fields:
                    setattr(made, key, value)
            made.__qualname__ = namespace.get("__qualname__", name)
            return made

    class NamedTuple(metaclass=_Build):
        """Base of the records (see the module docstring)."""
