"""The `usage` read model (API.md 13): how much of each item its household used, per day.

One row per item that was ever used: `recent` holds the use of each of the household's last
RECENT_DAYS days, newest first, `recent[0]` being `day`, and `total` their sum. A forecast
reads one row per item, whatever the length of the history; older days drop out as new ones
come in. A use belongs to the calendar day on which it happened in the household's time zone
(as its events had set it then: `usage_zones`), so a replay files every use on the same day.
What counts as use is the domain's rule (events/usage.py). Rows of deleted items stay (a
revived item keeps its history); the forecast reads live items only.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from events.household import Household
from events.item import Item
from events.usage import used
from infra.clock import local_date
from projections.projection import Envelope, Projection

RECENT_DAYS = 28  # the longest usage window (API.md 13)
ZONE_EVENTS = frozenset((Household.Founded, Household.SettingsChanged))
STOCK_EVENTS = frozenset((Item.StockAdjusted, Item.Revised))
READS = ZONE_EVENTS | STOCK_EVENTS
DEFAULT_ZONE = "UTC"  # a household's until its events say otherwise


@dataclass
class Recent:
    owner_id: UUID
    day: date
    used: list[int]

    def add(self, day: date, amount: int) -> None:
        """Count `amount` on `day`; days older than the window are forgotten."""
        shift = (day - self.day).days
        if shift > 0:
            self.used = ([0] * min(shift, RECENT_DAYS) + self.used)[:RECENT_DAYS]
            self.day = day
        back = (self.day - day).days
        if back < RECENT_DAYS:
            self.used[back] += amount


def use_of(event: Any) -> int:
    return used(event.delta, getattr(event, "reason", None))


class UsageProjection(Projection):
    name = "usage"
    tables = ("usage_items", "usage_zones")
    reads = READS

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        relevant = [e.event for e in batch if type(e.event) in READS]
        if not relevant:
            return
        zones = await self._zones(conn, {e.owner_id for e in relevant})
        moved: dict[UUID, str] = {}
        uses = []
        for event in relevant:
            if type(event) in ZONE_EVENTS:
                zones[event.owner_id] = moved[event.owner_id] = event.settings.time_zone
            elif amount := use_of(event):
                day = local_date(event.timestamp, zones.get(event.owner_id, DEFAULT_ZONE))
                uses.append((event.originator_id, event.owner_id, day, amount))
        rows = await self._load(conn, {item for item, *_ in uses})
        for item, owner, day, amount in uses:
            rows.setdefault(item, Recent(owner, day, [0] * RECENT_DAYS)).add(day, amount)
        await self._save(conn, rows)
        await self._save_zones(conn, moved)

    async def erase(self, conn: asyncpg.Connection, owners: list[UUID]) -> None:
        await conn.execute("DELETE FROM usage_items WHERE owner_id = ANY($1::uuid[])", owners)
        await conn.execute("DELETE FROM usage_zones WHERE owner_id = ANY($1::uuid[])", owners)

    async def _zones(self, conn: asyncpg.Connection, owners: set[UUID]) -> dict[UUID, str]:
        rows = await conn.fetch(
            "SELECT owner_id, time_zone FROM usage_zones WHERE owner_id = ANY($1::uuid[])",
            list(owners),
        )
        return {r["owner_id"]: r["time_zone"] for r in rows}

    async def _load(self, conn: asyncpg.Connection, items: set[UUID]) -> dict[UUID, Recent]:
        if not items:
            return {}
        rows = await conn.fetch(
            "SELECT item_id, owner_id, day, recent FROM usage_items "
            "WHERE item_id = ANY($1::uuid[])",
            list(items),
        )
        return {r["item_id"]: Recent(r["owner_id"], r["day"], list(r["recent"])) for r in rows}

    async def _save(self, conn: asyncpg.Connection, rows: dict[UUID, Recent]) -> None:
        if not rows:
            return
        items = list(rows)
        # unnest flattens an array of arrays: each row's days go as one text literal
        await conn.execute(
            "INSERT INTO usage_items (item_id, owner_id, day, recent, total) "
            "SELECT id, owner, day, recent::bigint[], total "
            "FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::text[], $5::bigint[]) "
            "AS r (id, owner, day, recent, total) ON CONFLICT (item_id) DO UPDATE SET "
            "day = EXCLUDED.day, recent = EXCLUDED.recent, total = EXCLUDED.total",
            items,
            [rows[i].owner_id for i in items],
            [rows[i].day for i in items],
            ["{" + ",".join(map(str, rows[i].used)) + "}" for i in items],
            [sum(rows[i].used) for i in items],
        )

    async def _save_zones(self, conn: asyncpg.Connection, zones: dict[UUID, str]) -> None:
        if zones:
            await conn.execute(
                "INSERT INTO usage_zones (owner_id, time_zone) "
                "SELECT * FROM unnest($1::uuid[], $2::text[]) "
                "ON CONFLICT (owner_id) DO UPDATE SET time_zone = EXCLUDED.time_zone",
                list(zones),
                list(zones.values()),
            )
