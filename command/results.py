"""What a command handler returns: the saved aggregate and the log position of its last event."""

from dataclasses import dataclass
from typing import Generic, TypeVar

A = TypeVar("A")


@dataclass(frozen=True)
class Saved(Generic[A]):
    aggregate: A
    position: int  # 0 when nothing was recorded (a no-op command)


@dataclass(frozen=True)
class Done:
    """What a handler answers when the caller answers from no aggregate (a message)."""

    position: int  # 0 when nothing was recorded
    aggregate: None = None
