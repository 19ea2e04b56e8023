"""The event recorder: the library's PostgreSQL recorder, with side writes and group commit.

Side writes: operational rows (credentials, sessions, idempotency records...) that a
command's unit of work (command/unit_of_work.py) hands to `Store.save`, committed in the same
transaction as its events.

Group commit: the library serialises writers with a table lock held until COMMIT, so that
notification ids commit in order (a reader tailing the log never passes a gap that fills
later). One fsync per command under that lock caps every process at about one command per
flush. Here concurrent saves of one process share a transaction: one thread leads, takes
every save waiting (up to MAX_BATCH), and records each in a savepoint of its own, so one
save's failure (a version clash, a taken name) rolls back that save alone and is raised to
its caller, while the others commit together in one flush. Each caller returns only after
that COMMIT, exactly as before: nothing is acknowledged before it is durable.

Library internals relied on (checked against eventsourcing 9.5.6, psycopg 3.3.9), here alone:
`Application.save(**kwargs)` hands its keyword arguments to the recorder's
`insert_events(stored_events, **kwargs)`, which this class replaces (side writes come as
`side_writes`); the private `_lock_table(curs)` takes the library's table lock;
`construct_pg_stored_event` and `insert_events_statement` (which ends RETURNING
notification_id) are the library's insert; `channel_name` is the table's NOTIFY channel.
Held by tests/unit/test_recorder_internals.py.
"""

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from eventsourcing import persistence
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from events.pool import bound_pool

MAX_BATCH = 64

# The library's own translation of driver errors (its datastore's), most specific first.
_ERRORS: list[tuple[type[psycopg.Error], type[persistence.PersistenceError]]] = [
    (psycopg.InterfaceError, persistence.InterfaceError),
    (psycopg.OperationalError, persistence.OperationalError),
    (psycopg.DataError, persistence.DataError),
    (psycopg.IntegrityError, persistence.IntegrityError),
    (psycopg.InternalError, persistence.InternalError),
    (psycopg.ProgrammingError, persistence.ProgrammingError),
    (psycopg.NotSupportedError, persistence.NotSupportedError),
    (psycopg.DatabaseError, persistence.DatabaseError),
]


def _translated(error: psycopg.Error) -> persistence.PersistenceError:
    kind = next((ours for theirs, ours in _ERRORS if isinstance(error, theirs)), None)
    translated = (kind or persistence.PersistenceError)(str(error))
    translated.__cause__ = error  # callers read the constraint and SQLSTATE from it
    return translated


@dataclass
class _Save:
    """One caller's save, waiting for the transaction that records it."""

    stored_events: Sequence[StoredEvent]
    side_writes: Sequence[Any]
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # woken to lead the next transaction, not because it is done
    ids: list[int] | None = None
    error: BaseException | None = None


class Recorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any):
        bound_pool(datastore)  # shared by every recorder of the store (snapshots too)
        super().__init__(datastore, **kwargs)
        if self.datastore.enable_db_functions:
            # The library's DB-function insert takes no table lock and runs no side writes.
            raise ValueError("POSTGRES_ENABLE_DB_FUNCTIONS would bypass side writes: refused")
        self._notify = SQL("NOTIFY {0}").format(Identifier(self.channel_name))
        self._queue: list[_Save] = []
        self._guard = threading.Lock()
        self._leading = False

    @retry((persistence.InterfaceError, persistence.OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        save = _Save(stored_events, kwargs.get("side_writes", ()))
        with self._guard:
            self._queue.append(save)
            save.lead = not self._leading
            self._leading = True
        while not save.lead:
            save.done.wait()
            if save.ids is not None or save.error is not None:
                break
            save.done.clear()  # woken to lead: fall through and lead
        if save.lead and save.ids is None and save.error is None:
            self._lead()
        if save.error is not None:
            raise save.error
        return save.ids

    def _lead(self) -> None:
        """Record one batch (this thread's save among them), then hand the lead on."""
        with self._guard:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
        try:
            self._record(batch)
        except BaseException as exc:  # the whole transaction failed: every save in it did
            failure = _translated(exc) if isinstance(exc, psycopg.Error) else exc
            for save in batch:
                save.ids, save.error = None, failure
        finally:
            with self._guard:
                successor = self._queue[0] if self._queue else None
                self._leading = successor is not None
            if successor is not None:
                successor.lead = True
                successor.done.set()
            for save in batch:
                save.done.set()

    def _record(self, batch: list[_Save]) -> None:
        """One transaction, pipelined (a few round trips for the whole batch). If a save in
        a batch of several is refused, nothing committed: record them again, each in a
        savepoint, so that the refused one alone fails."""
        try:
            self._record_pipelined(batch)
        except (persistence.InterfaceError, persistence.OperationalError):
            raise  # the connection, not a save: every save is retried
        except persistence.PersistenceError:
            if len(batch) == 1:
                raise
            for save in batch:
                save.ids = None
            self._record_each(batch)

    def _record_pipelined(self, batch: list[_Save]) -> None:
        failure: Exception | None = None
        with self.datastore.get_connection() as conn:
            with conn.pipeline() as pipeline, conn.transaction(), conn.cursor() as curs:
                self._begin(curs, batch)
                inserts = []
                for save in batch:
                    for write in save.side_writes:
                        curs.execute(write.sql, write.params)
                    if save.stored_events:
                        insert = conn.cursor()
                        self._insert(insert, save)
                        inserts.append((save, insert))
                try:
                    pipeline.sync()  # a refusal is raised here, not at COMMIT
                    for save, insert in inserts:
                        save.ids = [row["notification_id"] for row in insert.fetchall()]
                except psycopg.Error as exc:
                    failure = exc  # raised after the pipeline closed, as the library does
                finally:
                    for _, insert in inserts:
                        insert.close()
            if failure is not None:
                raise failure
        for save in batch:
            if save.ids is None:
                save.ids = []

    def _record_each(self, batch: list[_Save]) -> None:
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._begin(curs, batch)
            for save in batch:
                try:
                    with conn.transaction():  # a savepoint
                        for write in save.side_writes:
                            curs.execute(write.sql, write.params)
                        ids = []
                        if save.stored_events:
                            self._insert(curs, save)
                            ids = [row["notification_id"] for row in curs.fetchall()]
                except psycopg.Error as exc:
                    save.error = _translated(exc)
                else:
                    save.ids = ids

    def _begin(self, curs: Cursor[DictRow], batch: list[_Save]) -> None:
        if any(save.stored_events for save in batch):
            self._lock_table(curs)
            curs.execute(self._notify, prepare=True)

    def _insert(self, curs: Cursor[DictRow], save: _Save) -> None:
        rows = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in save.stored_events
        ]
        curs.execute(self.insert_events_statement, (rows,), prepare=True)
