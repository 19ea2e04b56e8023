"""Loading many aggregates at once (events/repository.py; a sync push names hundreds): the
same state a load one by one gives, from the cache, a snapshot or the events, as of one read;
a save from a copy someone has overtaken since is refused like any stale save."""

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from command.unit_of_work import UnitOfWork
from events.item import Item
from events.store import SNAPSHOT_INTERVAL, Store
from infra.database import Database
from tests.integration.test_snapshots import stocked_item


class Probe(Aggregate):
    def poke(self) -> None:
        self.trigger_event(self.Poked)

    class Poked(Aggregate.Event):
        pass


@pytest.fixture
def other(database: Database) -> Iterator[Store]:
    application = Store(env=database.eventsourcing_env(pool_size=1))  # another API process
    yield application
    application.close()


def test_copies_are_as_of_the_read_and_a_save_overtaken_since_is_refused(
    store: Store, other: Store
) -> None:
    cached, cold = Probe(), Probe()
    UnitOfWork(store).commit(cached, cold)
    store.repository.get(cached.id)  # a load caches it (a save does not)
    cached_copy = store.repository.cache.get(cached.id) if store.repository.cache else None
    assert cached_copy is not None

    loaded = store.repository.get_many([cached.id, cold.id, uuid.uuid4(), cold.id])
    assert {i: a.version for i, a in loaded.items()} == {cached.id: 1, cold.id: 1}
    assert loaded[cached.id] is not cached_copy  # a private copy: commands mutate it

    overtaking: Probe = other.repository.get(cold.id)
    overtaking.poke()
    UnitOfWork(other).commit(overtaking)
    loaded[cold.id].poke()
    with pytest.raises(IntegrityError):
        UnitOfWork(store).commit(loaded[cold.id])
    assert store.repository.get_many([cold.id])[cold.id].version == 2  # a new read: current


def test_each_starts_from_its_latest_snapshot_and_ends_where_a_single_load_does(
    uncached_store: Store, database: Database
) -> None:
    """The events a snapshot covers are erased here: a load that starts from the snapshot
    does not miss them, one that starts from the first event would fail."""
    long_lived, young = stocked_item(uncached_store, 5000), stocked_item(uncached_store, 10)
    with psycopg.connect(database.asyncpg_dsn, autocommit=True) as conn:
        covered = conn.execute(
            "DELETE FROM vitaltrack_events WHERE originator_id = %s AND originator_version <= "
            "(SELECT max(originator_version) FROM vitaltrack_snapshots WHERE originator_id = %s)",
            (long_lived.id, long_lived.id),
        ).rowcount
    assert covered >= 5000 - SNAPSHOT_INTERVAL
    loaded = uncached_store.repository.get_many([long_lived.id, young.id])

    for item in (long_lived, young):
        single: Item = uncached_store.repository.get(item.id)
        assert (loaded[item.id].quantity, loaded[item.id].version) == (
            single.quantity,
            single.version,
        )
    assert loaded[long_lived.id].quantity == 5000
