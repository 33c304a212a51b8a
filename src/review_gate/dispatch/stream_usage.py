"""What a worker spent, read from its agent's JSON stream (the worker's log).

Claude Code (``--output-format stream-json``) writes one ``assistant`` event per content
block of a model message, each carrying that message's ``id`` and ``usage``, and a
closing ``result`` event with ``num_turns`` and ``total_cost_usd``. Codex (``exec
--json``) writes ``item.started`` / ``item.completed`` for each tool call
(``command_execution``, ``file_change``, ``mcp_tool_call``, ``web_search``) and
``turn.completed`` with the turn's ``usage``. From these:

- **turns**: Claude: distinct model messages (at least the ``result``'s ``num_turns``);
  Codex: tool calls started;
- **tokens**: input + output tokens (Claude: plus cache writes; cache reads, which cost
  a tenth, are left out; Codex: input without its cached part, plus output);
- **cost_usd**: Claude's ``total_cost_usd``, known once the ``result`` event is written
  (Codex reports no cost: None).

Any other line (text, another agent's format) is skipped. The scan is incremental: it
starts at a :class:`Usage`'s ``offset`` and reads only whole lines, so the hook can keep
its place between tool calls. Standard library only, and no ``json`` import (the hook's
fast start): lines are decoded with :func:`review_gate.hooks.hook_input.loads`.
"""

from __future__ import annotations

from review_gate.hooks.hook_input import loads

TYPE_CHECKING = False  # typing (and the `re` it loads) costs the hook start-up time
if TYPE_CHECKING:
    from typing import Any, TypeVar

    R = TypeVar("R", bound="Record")

#: Codex item types that are tool calls.
CODEX_TOOL_ITEMS = frozenset(
    {"command_execution", "file_change", "mcp_tool_call", "web_search", "local_shell_call"}
)
_CHUNK = 1 << 20


class Record:
    """A small immutable record, like a ``NamedTuple`` (``_replace``, ``_asdict``,
    equality) without importing ``typing``: the hook imports this on every tool call of a
    dispatched worker. Subclasses list their fields in ``__slots__`` and set them all in
    ``__init__`` through :meth:`_set`."""

    __slots__: tuple[str, ...] = ()

    def _set(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _asdict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def _replace(self: R, **changes: Any) -> R:
        return type(self)(**{**self._asdict(), **changes})

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._asdict() == other._asdict()

    def __hash__(self) -> int:
        return hash(tuple(self._asdict().values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._asdict().items())
        return f"{type(self).__name__}({fields})"


class Usage(Record):
    """What a stream reported, and how far it was read."""

    __slots__ = ("cost_usd", "last_message", "offset", "tokens", "turns")
    offset: int  # bytes of the log read so far (whole lines only)
    turns: int
    tokens: int
    cost_usd: float | None
    last_message: str  # Claude's message id of the last assistant event seen

    def __init__(
        self, offset: int = 0, turns: int = 0, tokens: int = 0, cost_usd: float | None = None,
        last_message: str = "",
    ) -> None:  # fmt: skip
        self._set(offset=offset, turns=turns, tokens=tokens, cost_usd=cost_usd,
                  last_message=last_message)  # fmt: skip

    def to_json(self) -> dict[str, object]:
        return self._asdict()

    @classmethod
    def from_json(cls, data: object) -> Usage:
        """A :class:`Usage` saved with :meth:`to_json`; the empty one for anything else."""
        if not isinstance(data, dict):
            return cls()
        offset, turns, tokens = (_count(data.get(k)) for k in ("offset", "turns", "tokens"))
        cost = data.get("cost_usd")
        cost = (
            float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else None
        )
        last = data.get("last_message")
        return cls(offset, turns, tokens, cost, last if isinstance(last, str) else "")


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _tokens(usage: object, *keys: str) -> int:
    if not isinstance(usage, dict):
        return 0
    return sum(_count(usage.get(k)) for k in keys)


def add_event(usage: Usage, event: object) -> Usage:
    """``usage`` with one stream event counted."""
    if not isinstance(event, dict):
        return usage
    kind = event.get("type")
    if kind == "assistant":  # Claude
        message = event.get("message")
        if not isinstance(message, dict):
            return usage
        ident = message.get("id")
        ident = ident if isinstance(ident, str) else ""
        if ident and ident == usage.last_message:
            return usage  # another content block of the same message
        spent = _tokens(
            message.get("usage"), "input_tokens", "output_tokens", "cache_creation_input_tokens"
        )
        return usage._replace(
            turns=usage.turns + 1, tokens=usage.tokens + spent, last_message=ident
        )
    if kind == "result":  # Claude's last event
        cost = event.get("total_cost_usd")
        turns = max(usage.turns, _count(event.get("num_turns")))
        if isinstance(cost, (int, float)) and not isinstance(cost, bool):
            return usage._replace(turns=turns, cost_usd=float(cost))
        return usage._replace(turns=turns)
    if kind == "item.started":  # Codex
        item = event.get("item")
        if isinstance(item, dict) and item.get("type") in CODEX_TOOL_ITEMS:
            return usage._replace(turns=usage.turns + 1)
        return usage
    if kind == "turn.completed":  # Codex
        raw = event.get("usage")
        spent = _tokens(raw, "input_tokens", "output_tokens") - _tokens(raw, "cached_input_tokens")
        return usage._replace(tokens=usage.tokens + max(0, spent))
    return usage


def scan(path: str, since: Usage | None = None) -> Usage:
    """``since`` (default: nothing read yet) plus the whole lines of ``path`` after its
    offset. A log that is missing, or shorter than the offset (rewritten), starts over."""
    usage = since or Usage()
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            if size < usage.offset:
                usage = Usage()
            f.seek(usage.offset)
            pending = b""
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    break
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                for line in lines:
                    usage = _line(usage, line)._replace(offset=usage.offset + len(line) + 1)
    except OSError:
        return usage
    return usage


def _line(usage: Usage, line: bytes) -> Usage:
    text = line.strip()
    if not text.startswith(b"{"):
        return usage
    try:
        event = loads(text)
    except ValueError:
        return usage
    return add_event(usage, event)
