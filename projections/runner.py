"""Follows the event log and keeps the read tables current, exactly once.

Each batch is read, decoded once, applied to every projection and recorded in
`projection_tracking` in ONE transaction: a crash at any point either commits the
batch with its new position or leaves both untouched, so a restart neither loses
nor doubles a row. Only the holder of an advisory lock runs, so any number of
processes may start a runner; the others stand by and take over if it dies.

Each projection applies a batch in a savepoint of its own: one that fails on an event does
not hold up the others. It retries that batch event by event and parks the event it cannot
apply in `projection_quarantine` (shown by `projections status`, failing /health/ready until
an operator rebuilds or skips it), so one bad event never stops the read side. Failures that
say nothing about the event (the connection, a deadlock) roll the whole batch back instead.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import asyncpg
from eventsourcing.persistence import StoredEvent

from events.erasure import AccountErased
from events.store import EVENTS_TABLE, build_mapper
from infra.supervision import nap
from infra.watermark import PROJECTED_CHANNEL
from projections.projection import Envelope, Projection

logger = logging.getLogger(__name__)

ERASED = AccountErased.Recorded  # every projection reads it: it may take rows away
LEADER_LOCK_KEY = 0x56_54_50_52  # "VTPR": one leader for the live projections
STANDBY_RETRY_SECONDS = 1.0
IDLE_POLL_SECONDS = 1.0  # safety net in case a NOTIFY is missed


class ReadModelRunner:
    """Applies new events to a set of projections in batches."""

    def __init__(
        self,
        dsn: str,
        projections: Sequence[Projection],
        batch_size: int = 1000,
        *,
        announce: bool = True,
        decoder: "Decoder | None" = None,
    ):
        self.dsn = dsn
        self.projections = list(projections)
        self.batch_size = batch_size
        self.announce = announce  # tell API processes (read-your-writes); off for shadow builds
        self.decoder = decoder or LibraryDecoder()
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Run until cancelled: wait for leadership, then follow the log."""
        conn = await asyncpg.connect(self.dsn)
        try:
            await self._become_leader(conn)
            await conn.add_listener(EVENTS_TABLE, self._on_new_events)
            await self.ensure_tracking(conn)
            while True:
                self._wake.clear()
                if await self.run_batch(conn) < self.batch_size:
                    await nap(self._wake, IDLE_POLL_SECONDS)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close())

    async def catch_up(self, conn: asyncpg.Connection, until: int | None = None) -> int:
        """Apply every committed event (up to `until`); returns how many were applied."""
        await self.ensure_tracking(conn)
        total = 0
        while count := await self.run_batch(conn, until):
            total += count
        return total

    async def ensure_tracking(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "INSERT INTO projection_tracking (name) SELECT unnest($1::text[]) "
            "ON CONFLICT (name) DO NOTHING",
            [p.name for p in self.projections],
        )

    async def run_batch(self, conn: asyncpg.Connection, until: int | None = None) -> int:
        """Apply the next batch of events (up to position `until`) in one transaction;
        returns how many were read."""
        async with conn.transaction():
            positions = {
                r["name"]: r["position"]
                for r in await conn.fetch(
                    "SELECT name, position FROM projection_tracking "
                    "WHERE name = ANY($1::text[]) FOR UPDATE",
                    [p.name for p in self.projections],
                )
            }
            start = min(positions.values())
            rows = await self.read(conn, start, until)
            if not rows:
                return 0
            await self.apply(conn, self.decode(rows), positions)
            end = rows[-1]["notification_id"]
            await conn.execute(
                "UPDATE projection_tracking SET position = $2, updated_at = now() "
                "WHERE name = ANY($1::text[])",
                list(positions),
                end,
            )
            if self.announce:
                await conn.execute("SELECT pg_notify($1, $2)", PROJECTED_CHANNEL, str(end))
        return len(rows)

    async def apply(
        self,
        conn: asyncpg.Connection,
        batch: list[Envelope],
        positions: dict[str, int] | None = None,
    ) -> None:
        """Apply decoded events to every projection (past its own position, if given). A
        projection that reads none of them is not called: a savepoint costs two round trips,
        and most batches (stock changes) concern three of the six projections."""
        for projection in self.projections:
            done = positions[projection.name] if positions else 0
            reads = projection.reads
            events = [
                e
                for e in batch
                if e.position > done and (type(e.event) in reads or type(e.event) is ERASED)
            ]
            if events:
                await self._apply(conn, projection, events)

    async def _apply(
        self, conn: asyncpg.Connection, projection: Projection, batch: list[Envelope]
    ) -> None:
        """The batch in one transaction; if it fails, event by event, parking the one that
        cannot be applied (quarantine) so the others are not held up."""
        try:
            async with conn.transaction():
                await apply_with_erasures(conn, projection, batch)
            return
        except TRANSIENT:
            raise
        except Exception:
            logger.exception(
                "projection %s failed on a batch; isolating the event", projection.name
            )
        for envelope in batch:
            try:
                async with conn.transaction():
                    await apply_with_erasures(conn, projection, [envelope])
            except TRANSIENT:
                raise
            except Exception as exc:
                await quarantine(conn, projection.name, envelope, exc)

    async def read(self, conn: asyncpg.Connection, after: int, until: int | None) -> list[Any]:
        """The next batch of stored events past `after` (up to `until`), not yet decoded."""
        return await conn.fetch(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            f"FROM {EVENTS_TABLE} WHERE notification_id > $1 "
            "AND ($3::bigint IS NULL OR notification_id <= $3) "
            "ORDER BY notification_id LIMIT $2",
            after,
            self.batch_size,
            until,
        )

    def decode(self, rows: Sequence[Any]) -> list[Envelope]:
        """The rows' events, but those no projection reads."""
        decoder = self.decoder
        return [decoder.decode(r) for r in rows if decoder.wants(r)]

    async def _become_leader(self, conn: asyncpg.Connection) -> None:
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK_KEY):
            logger.info("another projection runner leads; standing by")
            await asyncio.sleep(STANDBY_RETRY_SECONDS)
        logger.info("projection runner is leader")

    def _on_new_events(self, *_args: object) -> None:
        self._wake.set()


class Decoder(Protocol):
    """Turns rows of the events table into envelopes."""

    def wants(self, row: Any) -> bool:
        """Whether any projection reads this row's event."""

    def decode(self, row: Any) -> Envelope: ...


class LibraryDecoder:
    """The library's mapper, every event (the live runner's: replays are checked against it)."""

    def __init__(self) -> None:
        self._mapper = build_mapper()

    def wants(self, row: Any) -> bool:  # noqa: ARG002 - every event is decoded
        return True

    def decode(self, row: Any) -> Envelope:
        stored = StoredEvent(
            row["originator_id"], row["originator_version"], row["topic"], row["state"]
        )
        return Envelope(row["notification_id"], self._mapper.to_domain_event(stored))


async def apply_with_erasures(
    conn: asyncpg.Connection, projection: Projection, batch: list[Envelope]
) -> None:
    """The projection's own handling, then what erasures in the batch took away."""
    await projection.apply(conn, batch)
    erasures = [e.event for e in batch if type(e.event) is ERASED]
    households = [e.owner_id for e in erasures if e.household_erased]
    if households:  # a household deleted: its events are gone, its rows go now
        await projection.erase(conn, households)
    accounts = [e.owner_id for e in erasures if e.account_erased]
    if accounts:
        await projection.forget_accounts(conn, accounts)


# Failures of the connection or the database, not of an event: the batch is retried whole.
TRANSIENT = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.QueryCanceledError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.OperatorInterventionError,
    OSError,
    TimeoutError,
)


async def quarantine(
    conn: asyncpg.Connection, projection: str, envelope: Envelope, error: Exception
) -> None:
    """Park an event a projection cannot apply; count the failure."""
    text = f"{type(error).__name__}: {error}"[:2000]
    logger.error("projection %s quarantined event %s: %s", projection, envelope.position, text)
    await conn.execute(
        "INSERT INTO public.projection_quarantine (projection, position, topic, error) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (projection, position) DO UPDATE SET "
        "error = EXCLUDED.error, quarantined_at = now(), resolution = NULL, resolved_at = NULL",
        projection,
        envelope.position,
        type(envelope.event).__qualname__,
        text,
    )
    await conn.execute(
        "UPDATE projection_tracking SET failures = failures + 1, last_error = $2 WHERE name = $1",
        projection,
        text,
    )
