"""Group commit (events/recorder.py): concurrent saves of one process share a transaction,
a refused save fails alone, and nothing is acknowledged before it is durable."""

import threading
from typing import Any

import psycopg
import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from events.recorder import Recorder
from events.store import SideWrite, Store
from infra.database import Database
from tests.waiting import until_sync

WAITING = 6
GATE = 4242  # an advisory lock the test holds to keep the first transaction open


class Probe(Aggregate):
    """A stand-in aggregate: the recorder does not care what it stores."""


def remember(key: str) -> SideWrite:
    """A row that notes the (top-level) transaction that wrote it, savepoint or not."""
    return SideWrite(
        "INSERT INTO idempotency_keys (scope, key, fingerprint, status, body) "
        "VALUES ('probe', %s, '\\x00', 200, to_jsonb(txid_current()))",
        (key,),
    )


def test_saves_waiting_together_commit_together_and_a_refused_one_fails_alone(
    database: Database,
) -> None:
    store = Store(env=database.eventsourcing_env(pool_size=4))
    with psycopg.connect(database.asyncpg_dsn, autocommit=True) as conn:
        conn.execute(remember("taken").sql, remember("taken").params)
    outcomes: dict[str, Any] = {}

    def save(name: str, *writes: SideWrite) -> None:
        probe = Probe()
        try:
            store.save(probe, side_writes=list(writes))
            outcomes[name] = probe.id
        except IntegrityError as exc:
            outcomes[name] = exc

    # The first save leads a transaction that waits at a gate the test holds; the others
    # queue up behind it meanwhile, and the gate opens only once all of them are queued.
    with psycopg.connect(database.asyncpg_dsn, autocommit=True) as gate:
        gate.execute("SELECT pg_advisory_lock(%s)", (GATE,))
        at_gate = SideWrite("SELECT pg_advisory_xact_lock(%s)", (GATE,))
        slow = threading.Thread(target=save, args=("slow", at_gate))
        slow.start()
        until_sync(lambda: waiting_at_gate(gate), "the first save waits at the gate")
        queued = [
            threading.Thread(target=save, args=(f"ok{n}", remember(f"k{n}")))
            for n in range(WAITING)
        ]
        queued.append(threading.Thread(target=save, args=("refused", remember("taken"))))
        for thread in queued:
            thread.start()
        until_sync(lambda: queued_saves(store) == len(queued), "every other save is queued")
        gate.execute("SELECT pg_advisory_unlock(%s)", (GATE,))
    for thread in (slow, *queued):
        thread.join()
    store.close()

    refused = outcomes.pop("refused")
    assert isinstance(refused, IntegrityError)
    assert isinstance(refused.__cause__, psycopg.Error)
    assert refused.__cause__.diag.constraint_name == "idempotency_keys_pkey"  # retry reads it
    with psycopg.connect(database.asyncpg_dsn) as conn:
        stored = {r[0] for r in conn.execute("SELECT originator_id FROM vitaltrack_events")}
        kept: dict[str, int] = dict(
            conn.execute("SELECT key, body FROM idempotency_keys").fetchall()
        )
    assert stored == set(outcomes.values())  # the refused save left no event
    assert sorted(kept) == sorted([*(f"k{n}" for n in range(WAITING)), "taken"])
    assert len({kept[f"k{n}"] for n in range(WAITING)}) == 1  # one transaction for the six


def waiting_at_gate(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_locks "
        "WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = %s",
        (GATE,),
    ).fetchone()
    return row is not None and row[0] == 1


def queued_saves(store: Store) -> int:
    """Saves waiting for the recorder's next transaction (its queue: what group commit is)."""
    recorder = store.recorder
    assert isinstance(recorder, Recorder)
    with recorder._guard:
        return len(recorder._queue)


def test_the_db_function_insert_which_skips_side_writes_is_refused(database: Database) -> None:
    env = {**database.eventsourcing_env(pool_size=1), "POSTGRES_ENABLE_DB_FUNCTIONS": "y"}
    with pytest.raises(ValueError, match="side writes"):
        Store(env=env)
