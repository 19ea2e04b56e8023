"""What the tests of the library's internals share: our event store on the library's in-memory
persistence, an aggregate to save in it, and a signature's parameters to compare."""

import inspect
import uuid
from collections.abc import Callable
from typing import Any

from events.category import Category
from events.store import Store


def in_memory_store() -> Store:
    """Our Store (aggregate cache with fast-forward, our repository), in memory."""
    return Store(env={"PERSISTENCE_MODULE": "eventsourcing.popo", "APPLICATION_RECORDER_TOPIC": ""})


def a_category() -> Category:
    return Category(
        owner_id=uuid.uuid4(),
        local_id=None,
        name="Airway",
        description=None,
        display_order=0,
        is_default=False,
    )


def parameters(function: Callable[..., Any]) -> list[tuple[str, Any]]:
    """Each parameter's name and kind, in order."""
    return [(p.name, p.kind) for p in inspect.signature(function).parameters.values()]
