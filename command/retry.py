"""Optimistic concurrency: re-run a handler when another writer got there first."""

import contextlib
import functools
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

P = ParamSpec("P")
R = TypeVar("R")

MAX_ATTEMPTS = 10


def retry_on_conflict(handler: Callable[P, R]) -> Callable[P, R]:
    """Retry a load-decide-save handler on a version clash (bounded, with jittered backoff).

    The handler reloads and re-decides on every attempt, so rules are re-checked against
    the state that won; after the last attempt the clash propagates.
    """

    @functools.wraps(handler)
    def attempt(*args: P.args, **kwargs: P.kwargs) -> R:
        for n in range(MAX_ATTEMPTS):
            try:
                return handler(*args, **kwargs)
            except IntegrityError:
                if n == MAX_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0, 0.002 * 2**n))
        raise AssertionError("unreachable")

    return attempt


class AggregateLocks:
    """Serialises commands on one aggregate within this process.

    Commutative commands (stock deltas) would otherwise race each other into version
    clashes and retries; across processes, retry_on_conflict still decides.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[UUID, tuple[threading.Lock, int]] = {}

    @contextlib.contextmanager
    def hold(self, aggregate_id: UUID) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(aggregate_id, (threading.Lock(), 0))
            self._locks[aggregate_id] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[aggregate_id]
                if users == 1:
                    del self._locks[aggregate_id]
                else:
                    self._locks[aggregate_id] = (lock, users - 1)


aggregate_locks = AggregateLocks()
