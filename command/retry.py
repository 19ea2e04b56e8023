"""Optimistic concurrency: re-run a handler when another writer got there first."""

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from eventsourcing.persistence import IntegrityError

P = ParamSpec("P")
R = TypeVar("R")

MAX_ATTEMPTS = 8


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
