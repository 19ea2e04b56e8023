"""What a command handler returns: the saved aggregate and the log position of its last event."""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from eventsourcing.persistence import Recording

A = TypeVar("A")


@dataclass(frozen=True)
class Saved(Generic[A]):
    aggregate: A
    position: int

    @classmethod
    def of(cls, aggregate: A, recordings: list[Recording[Any]], fallback: int = 0) -> "Saved[A]":
        """`fallback` is used when nothing was recorded (a no-op command)."""
        position = recordings[-1].notification.id if recordings else fallback
        return cls(aggregate, position)
