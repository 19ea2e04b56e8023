"""The unit of work: everything one command writes, committed in one transaction.

A handler loads through it and ends with `uow.commit(aggregates..., writes=[...])`: the events
and the rows that must commit with them (credentials, sessions, one-time tokens, memberships,
client ids, sync bookkeeping) are named at that call. What the *caller* adds to every commit
of the command rides on the unit of work it hands over, visible where it is made:
`UnitOfWork(store, rider=...)` — the request's idempotency record (command/deps.py), a sync
operation's outcome (command/sync/push.py).

The rows travel to the recorder with the events (events/recorder.py), which runs them in the
events' transaction; the recorder refuses the library's DB-function insert, which would skip
them (pinned by tests/integration/test_group_commit.py).
"""

import contextlib
import itertools
from collections.abc import Collection, Iterable, Iterator
from typing import Any, Protocol
from uuid import UUID

from events.attribution import attribute
from events.store import SideWrite, Store


class Rider(Protocol):
    """Rows the caller adds to the command's first commit that records events (the answer it
    will give, rendered from the aggregate saved); told when that commit succeeded."""

    def writes(self, saved: tuple[Any, ...]) -> list[SideWrite]: ...

    def committed(self, saved: tuple[Any, ...]) -> None: ...


class UnitOfWork:
    def __init__(self, store: Store, rider: Rider | None = None, actor: UUID | None = None):
        self.store = store  # for reads that are not aggregates (tables next to the log)
        self._rider = rider
        # who asked (events/attribution.py): stamped on every event it records; a handler
        # that signs someone in or up names that account
        self.actor = actor

    def get(self, aggregate_id: UUID) -> Any:
        return self.store.repository.get(aggregate_id)

    def get_many(self, aggregate_ids: Collection[UUID]) -> dict[UUID, Any]:
        """Many aggregates in a few queries (ids without events are absent)."""
        return self.store.repository.get_many(aggregate_ids)

    def commit(self, *aggregates: Any, writes: Iterable[SideWrite] = ()) -> int:
        """Record the aggregates' new events with `writes` (and the rider's rows) in one
        transaction; the log position of the last event, 0 when there was none. Nothing to
        record costs nothing: an unchanged re-sent upsert leaves no trace."""
        saved = tuple(a for a in aggregates if a is not None)
        rows = list(writes)
        if not any(a.pending_events for a in saved):
            if rows:
                _run_writes(self.store, rows)
            return 0
        if self._rider is not None:
            rows += self._rider.writes(saved)
        if self.actor is not None:
            for event in (e for a in saved for e in a.pending_events):
                attribute(event, self.actor)
        recordings = self.store.save(*saved, side_writes=rows)
        if self._rider is not None:
            self._rider.committed(saved)
        return recordings[-1].notification.id if recordings else 0


class BatchedUnitOfWork(UnitOfWork):
    """Commits gathered, to be recorded together later: by flush(), for one writer that owns
    what it writes (the seed), or by whoever takes them (a sync push decides each operation
    through the handlers, then commits what they decided with its own bookkeeping). Loads
    are served from what it holds, so later commands see earlier ones' unsaved events. A
    command that fails is not undone here: use only with commands that pass. Positions are 0
    until flushed."""

    def __init__(self, store: Store):
        super().__init__(store)
        self._held: dict[UUID, Any] = {}
        self._pending: dict[UUID, Any] = {}
        self._writes: list[SideWrite] = []

    def get(self, aggregate_id: UUID) -> Any:
        if aggregate_id not in self._held:
            self._held[aggregate_id] = super().get(aggregate_id)
        return self._held[aggregate_id]

    def commit(self, *aggregates: Any, writes: Iterable[SideWrite] = ()) -> int:
        for aggregate in aggregates:
            if aggregate is not None:
                self._held[aggregate.id] = self._pending[aggregate.id] = aggregate
        self._writes += writes
        return 0

    def gathered(self) -> tuple[tuple[Any, ...], tuple[SideWrite, ...]]:
        """What the commands committed so far: the aggregates and the rows."""
        return tuple(self._pending.values()), tuple(self._writes)

    def unsaved(self) -> int:
        return sum(len(a.pending_events) for a in self._pending.values())

    def flush(self) -> int:
        """Record everything committed so far in one transaction: the events recorded."""
        count = self.unsaved()
        super().commit(*self._pending.values(), writes=self._writes)  # nothing: no transaction
        self._pending, self._writes = {}, []
        return count


@contextlib.contextmanager
def transaction(store: Store, *, commit: bool = False) -> Iterator[Any]:
    """A cursor on the event store's database, for the rows next to the log."""
    with store.recorder.datastore.transaction(commit=commit) as curs:  # type: ignore[attr-defined]
        yield curs


def _run_writes(store: Store, writes: list[SideWrite]) -> None:
    """Rows with no events, in a transaction of their own (no lock on the log). A run of
    rows of one statement (a push's bases of 500 unchanged items) goes as one executemany:
    pipelined, a round trip for the run instead of one per row."""
    with transaction(store, commit=True) as curs:
        for sql, run in itertools.groupby(writes, key=lambda write: write.sql):
            curs.executemany(sql, [write.params for write in run])
