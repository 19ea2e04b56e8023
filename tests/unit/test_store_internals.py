"""What the event store (events/store.py) relies on in eventsourcing 9.5.6 and CPython 3.11:
rebuilding the library's repository as ours, replacing its cache, filling a UUID's slots.
Fails if an upgrade changes any of that (tests/unit/test_fast_decoding.py holds the JSON
transcoder's format)."""

import uuid

from eventsourcing.application import LRUCache, Repository

from events.repository import BatchRepository
from events.store import _uuid_from_hex
from tests.unit.internals import a_category, in_memory_store, parameters

REBUILT_FROM = (
    "event_store",
    "snapshot_store",
    "cache_maxsize",
    "fastforward",
    "fastforward_skipping",
    "deepcopy_from_cache",
)


def test_the_repository_is_rebuilt_from_the_librarys_with_its_settings() -> None:
    keywords = {name for name, _ in parameters(Repository.__init__)}
    assert set(REBUILT_FROM) <= keywords
    store = in_memory_store()
    repository = store.repository
    assert isinstance(repository, BatchRepository)
    assert isinstance(repository.cache, LRUCache)
    assert repository.cache.maxsize == 10000
    assert repository.fastforward
    assert (repository.fastforward_skipping, repository.deepcopy_from_cache) == (False, True)
    store.close()


def test_forgetting_replaces_the_cache_and_loads_fill_the_new_one() -> None:
    store = in_memory_store()
    category = a_category()
    store.save(category)
    store.repository.get(category.id)
    old = store.repository.cache
    store.forget_cached()
    assert store.repository.cache is not old
    assert store.repository.get(category.id).version == category.version  # from the log
    assert store.repository.cache is not None
    assert store.repository.cache.get(category.id).version == category.version
    store.close()


def test_a_uuid_made_from_its_slots_is_the_same_uuid() -> None:
    assert set(uuid.UUID.__slots__) >= {"int", "is_safe"}
    for _ in range(100):
        made = uuid.uuid4()
        fast = _uuid_from_hex(made.hex)
        assert (fast, hash(fast), str(fast), fast.is_safe) == (
            made,
            hash(made),
            str(made),
            uuid.SafeUUID.unknown,
        )
