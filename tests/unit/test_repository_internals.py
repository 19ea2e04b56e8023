"""What the batch loads (events/repository.py) rely on in eventsourcing 9.5.6: the private
lock under which the repository fast-forwards a cached aggregate. Fails if an upgrade
changes it."""

import threading
from inspect import Parameter
from typing import Any

from eventsourcing.application import Repository

from tests.unit.internals import a_category, in_memory_store, parameters


def test_the_private_fast_forward_locks_are_there() -> None:
    for method in (Repository._use_fastforward_lock, Repository._disuse_fastforward_lock):
        assert parameters(method) == [
            ("self", Parameter.POSITIONAL_OR_KEYWORD),
            ("aggregate_id", Parameter.POSITIONAL_OR_KEYWORD),
        ]


def test_get_fast_forwards_a_cached_aggregate_under_that_lock() -> None:
    store = in_memory_store()
    category = a_category()
    store.save(category)
    repository = store.repository
    repository.get(category.id)  # now cached
    lock = repository._use_fastforward_lock(category.id)
    loaded: list[Any] = []
    with lock:
        reader = threading.Thread(target=lambda: loaded.append(repository.get(category.id)))
        reader.start()
        reader.join(0.2)
        assert reader.is_alive()  # get() waits for the lock we hold
    repository._disuse_fastforward_lock(category.id)
    reader.join(5)
    assert [c.version for c in loaded] == [category.version]
    store.close()
