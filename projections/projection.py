"""What a projection is: a named set of read tables updated from batches of events."""

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, NamedTuple
from uuid import UUID

import asyncpg

Row = dict[str, Any]


class Envelope(NamedTuple):
    """A decoded event and its position in the global log (a named tuple: one per event,
    built several times faster than a frozen dataclass)."""

    position: int
    event: Any


class Projection:
    """A read model. `apply` receives events in position order inside the batch's transaction."""

    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]

    @property
    def reads(self) -> frozenset[type]:
        """The event types `apply` reads (a replay decodes no others)."""
        raise NotImplementedError

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        raise NotImplementedError

    async def erase(self, conn: asyncpg.Connection, owners: list[UUID]) -> None:
        """Drop every row of these deleted households (their events are gone from the log)."""
        raise NotImplementedError

    async def forget_accounts(self, conn: asyncpg.Connection, accounts: list[UUID]) -> None:
        """Drop what these erased accounts' rows hold of them (most read models hold none)."""


Handler = Callable[[Row | None, Envelope], Row | None]


class StateTable(Projection):
    """One row per aggregate, folded in memory per batch and written with set-based SQL.

    Each handler maps (current row or None, event) to the new row, or None to delete it.
    A batch costs one SELECT of the touched rows, one DELETE and one upsert, whatever its size.
    `counters` lets a table keep per-owner counts in `owner_stats` (its own columns there),
    adjusted by the difference between each touched row before and after the batch.
    """

    table: ClassVar[str]
    columns: ClassVar[dict[str, str]]  # column -> PostgreSQL type; "id" is the key
    handlers: ClassVar[dict[type, Handler]]
    stats_columns: ClassVar[tuple[str, ...]] = ()

    @property
    def tables(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.table,)

    @property
    def reads(self) -> frozenset[type]:
        return frozenset(self.handlers)

    def counters(self, row: Row) -> dict[str, int]:  # noqa: ARG002 - overridden
        """This row's contribution to its owner's `stats_columns`."""
        return {}

    async def erase(self, conn: asyncpg.Connection, owners: list[UUID]) -> None:
        if "owner_id" not in self.columns:  # users: their rows go with the accounts
            return
        await conn.execute(f"DELETE FROM {self.table} WHERE owner_id = ANY($1::uuid[])", owners)
        if self.stats_columns:
            await conn.execute("DELETE FROM owner_stats WHERE owner_id = ANY($1::uuid[])", owners)

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        relevant = [e for e in batch if type(e.event) in self.handlers]
        if not relevant:
            return
        rows = await self._load(conn, {e.event.originator_id for e in relevant})
        before = dict(rows)
        for envelope in relevant:
            key = envelope.event.originator_id
            rows[key] = self.handlers[type(envelope.event)](rows.get(key), envelope)
        await self._delete(conn, [key for key, row in rows.items() if row is None])
        await self._upsert(conn, [row for row in rows.values() if row is not None])
        if self.stats_columns:
            await self._count(conn, before, rows)

    async def _count(
        self,
        conn: asyncpg.Connection,
        before: dict[UUID, Row | None],
        after: dict[UUID, Row | None],
    ) -> None:
        deltas: dict[UUID, dict[str, int]] = {}
        for key, new in after.items():
            old = before.get(key)
            owner = (new or old or {}).get("owner_id")
            if owner is None:
                continue
            totals = deltas.setdefault(owner, dict.fromkeys(self.stats_columns, 0))
            for sign, row in ((1, new), (-1, old)):
                if row is not None:
                    for column, value in self.counters(row).items():
                        totals[column] += sign * value
        changed = {o: d for o, d in deltas.items() if any(d.values())}
        if changed:
            await bump_owner_stats(conn, self.stats_columns, changed)

    async def _load(self, conn: asyncpg.Connection, ids: set[UUID]) -> dict[UUID, Row | None]:
        found = await conn.fetch(
            f"SELECT {', '.join(self.columns)} FROM {self.table} WHERE id = ANY($1::uuid[])",
            list(ids),
        )
        return {r["id"]: dict(r) for r in found}

    async def _delete(self, conn: asyncpg.Connection, ids: list[UUID]) -> None:
        if ids:
            await conn.execute(f"DELETE FROM {self.table} WHERE id = ANY($1::uuid[])", ids)

    async def _upsert(self, conn: asyncpg.Connection, rows: list[Row]) -> None:
        if not rows:
            return
        names = list(self.columns)
        arrays = ", ".join(f"${i}::{t}[]" for i, t in enumerate(self.columns.values(), 1))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in names if c != "id")
        await conn.execute(
            f"INSERT INTO {self.table} ({', '.join(names)}) SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            *([row[c] for row in rows] for c in names),
        )


async def bump_owner_stats(
    conn: asyncpg.Connection, columns: tuple[str, ...], deltas: dict[UUID, dict[str, int]]
) -> None:
    """Add per-owner deltas to `owner_stats` in one statement."""
    owners = list(deltas)
    arrays = ", ".join(f"${i}::integer[]" for i in range(2, len(columns) + 2))
    updates = ", ".join(f"{c} = owner_stats.{c} + EXCLUDED.{c}" for c in columns)
    await conn.execute(
        f"INSERT INTO owner_stats (owner_id, {', '.join(columns)}) "
        f"SELECT * FROM unnest($1::uuid[], {arrays}) "
        f"ON CONFLICT (owner_id) DO UPDATE SET {updates}",
        owners,
        *([deltas[o][c] for o in owners] for c in columns),
    )
