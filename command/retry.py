"""Optimistic concurrency: re-run a handler when another writer got there first."""

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from tenacity import retry, retry_if_exception, stop_after_delay, wait_random_exponential

P = ParamSpec("P")
R = TypeVar("R")

DEADLINE_SECONDS = 10.0  # contention this long is an outage, not a race
MAX_BACKOFF_SECONDS = 0.05
# Clashes that a retry cannot resolve: the same sync operation recorded by another request.
FINAL = frozenset({"sync_operations_pkey"})


def retry_on_conflict(handler: Callable[P, R]) -> Callable[P, R]:
    """Retry a load-decide-save handler on a version clash, with jittered exponential
    backoff, until a deadline: commutative commands (stock deltas from many phones and
    processes) must not fail because others got there first.

    The handler reloads and re-decides on every attempt, so rules are re-checked against
    the state that won; past the deadline the clash propagates.
    """
    return retry(
        retry=retry_if_exception(_resolvable),
        stop=stop_after_delay(DEADLINE_SECONDS),
        wait=wait_random_exponential(multiplier=0.002, max=MAX_BACKOFF_SECONDS),
        reraise=True,
    )(handler)


def _resolvable(exc: BaseException) -> bool:
    return isinstance(exc, IntegrityError) and _constraint(exc) not in FINAL


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
