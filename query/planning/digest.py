"""The daily digest (API.md 13): from 08:00 in each household's time zone, one mail to each
member with a verified address and the digest on, with what needs attention that day: items
out, to reorder now, critical and low (a forecast as far ahead as the household's lead time),
and items expiring within 7 days. Nothing to report: no mail.

Once per member, household and local day, whichever process, run or restart gets there
first: the `daily_digests` row of that day is inserted by the statement that queues the mail,
and its primary key refuses a second. A digest is due from 08:00 to the end of the local day
(a late run still sends it; a clock that jumps back finds the row). The row is written when
there is nothing to report too, so a household is looked at once a day, not at every tick.
Rows of days that can no longer come (30 days back) are dropped.
"""

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from infra.clock import Clock, zone
from infra.mail import OUTBOX_CHANNEL
from query.planning.mail import Mail, digest_mail
from query.planning.queries import expiring_by, may_run_out
from query.planning.rules import Expiry, Forecast, Settings, expiring, plan, worth_a_digest

SEND_AT = time(8, 0)
EXPIRY_DAYS = 7
KEEP_DAYS = 30

RECIPIENTS = (
    "SELECT d.household_id, u.id, u.email, u.name "
    "FROM unnest($1::uuid[], $2::date[]) AS d (household_id, local_day) "
    "JOIN household_members m ON m.household_id = d.household_id "
    "JOIN users u ON u.id = m.user_id "
    "WHERE u.is_email_verified AND u.daily_digest AND u.is_active AND u.email IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM daily_digests g WHERE g.household_id = d.household_id "
    "AND g.user_id = u.id AND g.local_day = d.local_day) ORDER BY u.email"
)
# The day's row and the mail (when there is one) in one statement: both or neither.
CLAIM = (
    "WITH claimed AS (INSERT INTO daily_digests (household_id, user_id, local_day, reported) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING user_id), "
    "queued AS (INSERT INTO email_outbox (account_id, kind, recipient, subject, body, html) "
    "SELECT user_id, 'digest', $5, $6, $7, $8 FROM claimed WHERE $4 > 0 RETURNING id) "
    "SELECT (SELECT count(*) FROM claimed) AS claimed, (SELECT id FROM queued) AS outbox_id, "
    "(SELECT pg_notify($9, '') FROM queued) AS notified"
)


@dataclass(frozen=True)
class Due:
    household_id: UUID
    name: str
    settings: Settings
    today: date


@dataclass(frozen=True)
class Sent:
    """One member's digest of one day, as this run decided it."""

    household: str
    recipient: str
    today: date
    mail: Mail | None  # None: nothing to report
    outbox_id: int | None  # the queued mail (None: nothing to report, or a dry run)


class DailyDigest:
    def __init__(self, pool: asyncpg.Pool, clock: Clock):
        self._pool, self._clock = pool, clock
        self.ticks = 0  # runs of the background task so far (tests wait on it)

    async def run(self, *, dry_run: bool = False) -> list[Sent]:
        """Every digest due now (a dry run records and queues nothing)."""
        now = self._clock.now()
        decided = []
        async with self._pool.acquire() as conn:
            due = await due_households(conn, now)
            waiting = await recipients(conn, due)
            for household in (d for d in due if d.household_id in waiting):
                members = waiting[household.household_id]
                decided += await _decide(conn, household, members, now, dry_run)
            if not dry_run:
                past = now.date() - timedelta(days=KEEP_DAYS)  # a day that can come no more
                await conn.execute("DELETE FROM daily_digests WHERE local_day < $1", past)
        return decided

    async def run_forever(self, interval: float) -> None:
        """`serve`'s background task: look every `interval` seconds. The composition root
        runs it supervised (restarted after a failure; the guard keeps each to one mail)."""
        while True:
            await self.run()
            self.ticks += 1
            await asyncio.sleep(interval)


Conn = asyncpg.Connection | PoolConnectionProxy


async def _decide(
    conn: Conn, due: Due, members: list[tuple[UUID, str, str]], now: datetime, dry_run: bool
) -> list[Sent]:
    """The household's digest for each member waiting for it, queued (unless a dry run)."""
    reported, soon = await digest_content(conn, due, now)
    decided = []
    for user_id, email, name in members:
        mail = digest_mail(due.name, name, due.today, reported, soon) if reported or soon else None
        if dry_run:
            decided.append(Sent(due.name, email, due.today, mail, None))
        elif (sent := await claim(conn, due, user_id, email, mail)) is not None:
            decided.append(sent)
    return decided


async def due_households(conn: Conn, now: datetime) -> list[Due]:
    """Households where it is 08:00 or later today. Their time zones are read by Python
    (a name PostgreSQL would not know must not stop every household's digest)."""
    due = []
    for r in await conn.fetch(
        "SELECT id, name, time_zone, lead_time_days, cover_days FROM households ORDER BY id"
    ):
        local = now.astimezone(zone(r["time_zone"]))
        if local.time() >= SEND_AT:
            settings = Settings(r["time_zone"], r["lead_time_days"], r["cover_days"])
            due.append(Due(r["id"], r["name"], settings, local.date()))
    return due


async def recipients(conn: Conn, due: list[Due]) -> dict[UUID, list[tuple[UUID, str, str]]]:
    """(account, address, name) of each member still waiting for today's digest."""
    rows = await conn.fetch(RECIPIENTS, [d.household_id for d in due], [d.today for d in due])
    waiting: dict[UUID, list[tuple[UUID, str, str]]] = {}
    for household_id, user_id, email, name in rows:
        waiting.setdefault(household_id, []).append((user_id, email, name))
    return waiting


async def digest_content(
    conn: Conn, due: Due, now: datetime
) -> tuple[list[Forecast], list[Expiry]]:
    """What a household's digest reports: the forecast as far ahead as its lead time, and
    what expires within 7 days."""
    lead = due.settings.lead_time_days
    supplies = await may_run_out(conn, due.household_id, now, lead)
    reported = [f for f in plan(supplies, now, due.today, due.settings, lead) if worth_a_digest(f)]
    last = due.today + timedelta(days=EXPIRY_DAYS)
    soon = expiring(await expiring_by(conn, due.household_id, last), due.today, EXPIRY_DAYS)
    return reported, soon


async def claim(conn: Conn, due: Due, user_id: UUID, email: str, mail: Mail | None) -> Sent | None:
    """Record the member's digest of the day and queue its mail; None if another run did."""
    row = await conn.fetchrow(
        CLAIM,
        due.household_id,
        user_id,
        due.today,
        mail.items if mail else 0,
        email,
        mail.subject if mail else "",
        mail.text if mail else "",
        mail.html if mail else None,
        OUTBOX_CHANNEL,
    )
    assert row is not None  # a SELECT of aggregates: one row
    if not row["claimed"]:
        return None
    return Sent(due.name, email, due.today, mail, row["outbox_id"])
