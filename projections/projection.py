"""What a projection is: a named set of read tables updated from batches of events."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID

import asyncpg

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Envelope:
    """A decoded event and its position in the global log."""

    position: int
    event: Any


class Projection:
    """A read model. `apply` receives events in position order inside the batch's transaction."""

    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        raise NotImplementedError


Handler = Callable[[Row | None, Envelope], Row | None]


class StateTable(Projection):
    """One row per aggregate, folded in memory per batch and written with set-based SQL.

    Each handler maps (current row or None, event) to the new row, or None to delete it.
    A batch costs one SELECT of the touched rows, one DELETE and one upsert, whatever its size.
    """

    table: ClassVar[str]
    columns: ClassVar[dict[str, str]]  # column -> PostgreSQL type; "id" is the key
    handlers: ClassVar[dict[type, Handler]]

    @property
    def tables(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.table,)

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        relevant = [e for e in batch if type(e.event) in self.handlers]
        if not relevant:
            return
        rows = await self._load(conn, {e.event.originator_id for e in relevant})
        for envelope in relevant:
            key = envelope.event.originator_id
            rows[key] = self.handlers[type(envelope.event)](rows.get(key), envelope)
        await self._delete(conn, [key for key, row in rows.items() if row is None])
        await self._upsert(conn, [row for row in rows.values() if row is not None])

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
