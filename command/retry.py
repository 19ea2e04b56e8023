"""Optimistic concurrency: re-run a handler when another writer got there first."""

import contextlib
import functools
import itertools
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

P = ParamSpec("P")
R = TypeVar("R")

DEADLINE_SECONDS = 10.0  # contention this long is an outage, not a race
MAX_BACKOFF_SECONDS = 0.05
# Clashes that a retry cannot resolve: the same sync operation recorded by another request.
FINAL = frozenset({"sync_operations_pkey"})


def retry_on_conflict(handler: Callable[P, R]) -> Callable[P, R]:
    """Retry a load-decide-save handler on a version clash, with jittered backoff, until a
    deadline: commutative commands (stock deltas from many phones and processes) must not
    fail because others got there first.

    The handler reloads and re-decides on every attempt, so rules are re-checked against
    the state that won; past the deadline the clash propagates.
    """

    @functools.wraps(handler)
    def attempt(*args: P.args, **kwargs: P.kwargs) -> R:
        deadline = time.monotonic() + DEADLINE_SECONDS
        for n in itertools.count():
            try:
                return handler(*args, **kwargs)
            except IntegrityError as exc:
                if _constraint(exc) in FINAL or time.monotonic() > deadline:
                    raise
                time.sleep(random.uniform(0, min(0.002 * 2**n, MAX_BACKOFF_SECONDS)))
        raise AssertionError("unreachable")

    return attempt


def _constraint(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


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
