"""The library's repository, plus loading many aggregates in a few queries.

A whole-state sync push names every entity of a household (hundreds); loading them one by one
costs a round trip or two each (the cached copy's fast-forward, or a snapshot and events).

Library internals relied on (checked against eventsourcing 9.5.6), here alone: the
repository's private `_use_fastforward_lock(aggregate_id)` and
`_disuse_fastforward_lock(aggregate_id)`, the lock under which `get()` fast-forwards a cached
aggregate, so a copy taken under it is never half fast-forwarded. Held by
tests/unit/test_repository_internals.py (and get_many by tests/integration/test_batch_loads.py).
"""

from collections.abc import Collection, Iterator
from copy import deepcopy
from itertools import groupby
from operator import attrgetter
from typing import Any
from uuid import UUID

from eventsourcing.application import Repository, project_aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from psycopg.sql import SQL, Identifier

LATEST = (
    "SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, state "
    "FROM {0} WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version DESC"
)
AFTER = (
    "SELECT e.originator_id, e.originator_version, e.topic, e.state "
    "FROM unnest(%s::uuid[], %s::int[]) AS after (id, version) "
    "JOIN {0} e ON e.originator_id = after.id AND e.originator_version > after.version "
    "ORDER BY e.originator_id, e.originator_version"
)


class BatchRepository(Repository[UUID]):
    def get_many(self, aggregate_ids: Collection[UUID]) -> dict[UUID, Any]:
        """Private copies of these aggregates as of one read (ids without events are
        absent): each starts from the cache where it holds it, else from its latest
        snapshot, and takes the events after that from one query for all. A save from a
        copy that someone has overtaken since is refused by the version check like any
        stale save, and its retry loads afresh."""
        ids = list(dict.fromkeys(aggregate_ids))  # once each: a repeat would replay twice
        start = {i: copy for i in ids if (copy := self._cached_copy(i)) is not None}
        cold = [i for i in ids if i not in start]
        if cold and self.snapshot_store is not None:
            snapshots = self.snapshot_store
            for stored in _select(snapshots.recorder, LATEST, (cold,)):
                snapshot = snapshots.mapper.to_domain_event(stored)
                start[snapshot.originator_id] = project_aggregate(None, [snapshot])
        after = [start[i].version if i in start else 0 for i in ids]
        stored_events = _select(self.event_store.recorder, AFTER, (ids, after))
        events = map(self.event_store.mapper.to_domain_event, stored_events)
        found = dict(start)
        for aggregate_id, newer in groupby(events, key=attrgetter("originator_id")):
            found[aggregate_id] = project_aggregate(found.get(aggregate_id), newer)
        return {i: a for i, a in found.items() if a is not None}

    def _cached_copy(self, aggregate_id: UUID) -> Any | None:
        if self.cache is None:
            return None
        lock = self._use_fastforward_lock(aggregate_id)  # get() fast-forwards under it
        try:
            with lock:
                try:
                    return deepcopy(self.cache.get(aggregate_id))
                except KeyError:
                    return None
        finally:
            self._disuse_fastforward_lock(aggregate_id)


def _select(recorder: Any, query: str, params: tuple[Any, ...]) -> Iterator[StoredEvent]:
    assert isinstance(recorder, PostgresAggregateRecorder)
    statement = SQL(query).format(Identifier(recorder.events_table_name))
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(statement, params, prepare=True)
        rows = curs.fetchall()
    for row in rows:
        yield StoredEvent(
            originator_id=row["originator_id"],
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
