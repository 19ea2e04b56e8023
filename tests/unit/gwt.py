"""Given / when / then for aggregates (STYLE.md: Conduit's AggregateCase): given what
happened to an aggregate, when one command method, then exactly these new events — or the
domain's refusal, and no event."""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import pytest

A = TypeVar("A")


class Given(Generic[A]):
    def __init__(self, aggregate: A, *history: Callable[[A], object]):
        """The aggregate after its creation and `history` (their events are the past)."""
        for happened in history:
            happened(aggregate)
        self.aggregate = aggregate
        self._drain()

    def when(self, command: Callable[[A], object]) -> "Then":
        try:
            command(self.aggregate)
        except Exception as refused:  # the domain's answer: checked by `then.refused`
            return Then(self._drain(), refused)
        return Then(self._drain(), None)

    def _drain(self) -> list[Any]:
        return list(self.aggregate.collect_events())  # type: ignore[attr-defined]


class Then:
    def __init__(self, events: list[Any], refused: Exception | None):
        self._events, self._refused = events, refused

    def events(self, *expected: tuple[type, dict[str, Any]]) -> None:
        """Exactly these events, in order, each of this type with these field values."""
        if self._refused is not None:
            raise AssertionError(f"refused: {self._refused!r}")
        assert [type(e) for e in self._events] == [t for t, _ in expected]
        for event, (_, fields) in zip(self._events, expected, strict=True):
            assert {k: getattr(event, k) for k in fields} == fields

    def nothing(self) -> None:
        self.events()

    def refused(self, kind: type[Exception]) -> None:
        """The command was refused with `kind`, and recorded nothing."""
        assert self._events == []
        with pytest.raises(kind):
            if self._refused is not None:
                raise self._refused
