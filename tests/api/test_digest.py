"""The daily digest (API.md 13): from 08:00 in the household's time zone, one mail per verified
member who wants it, once per member, household and local day, whatever runs it how often."""

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from infra.clock import FixedClock
from infra.database import Database
from infra.settings import Settings
from tests.api.accounts import Account, register, verify
from tests.api.households import join_as, set_household
from tests.api.inventory import category, item, stock
from tests.documented import checked_client
from tests.smtp import Mailbox
from tests.waiting import until
from vitaltrack.app import create_app
from vitaltrack.services import services_in

EARLY = datetime(2026, 12, 7, 7, 59, tzinfo=UTC)
EIGHT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
SUBJECT = "to see to today"
SUBJECT_OF_ONE = "Test User's household: 1 supply to see to today"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(EARLY)


async def shelf(client: httpx.AsyncClient, who: Account) -> None:
    """Something of each kind the digest reports, and of each kind it does not."""
    meds = await category(client, who)
    await item(client, who, meds["id"], name="Needles", quantity=0)
    saline = await item(client, who, meds["id"], name="Saline", quantity=20)
    assert (await stock(client, who, saline["id"], delta=-14)).status_code == 200
    oxygen = {"quantity": 1, "minimumStock": 3, "isCritical": True}
    await item(client, who, meds["id"], name="Oxygen tubes & caps", **oxygen)
    await item(client, who, meds["id"], name="Masks", quantity=1, minimumStock=3)
    await item(client, who, meds["id"], name="Insulin", quantity=5, expiryDate="2026-12-10")
    await item(client, who, meds["id"], name="Gauze", quantity=5, expiryDate="2026-12-20")


async def digests(mailbox: Mailbox, *members: Account) -> list[list[str]]:
    return [
        [m.subject for m in mailbox.messages_to(a.email) if SUBJECT in m.subject] for a in members
    ]


async def test_at_eight_each_verified_member_who_wants_it_gets_one_digest(
    client: httpx.AsyncClient, app: Any, mailbox: Mailbox, clock: FixedClock
) -> None:
    alice = await register(client, "alice@example.com")
    await verify(client, mailbox, alice.email)
    await shelf(client, alice)
    members = {}
    for name, role, verified, wants in [
        ("bob", "caregiver", True, True),
        ("carol", "viewer", True, True),
        ("dave", "caregiver", True, False),
        ("erin", "caregiver", False, True),
    ]:
        account = await register(client, f"{name}@example.com")
        if verified:
            await verify(client, mailbox, account.email)
        if not wants:
            off = await client.patch(
                "/api/v1/auth/me", json={"dailyDigest": False}, headers=account.headers
            )
            assert off.status_code == 200
        await join_as(client, alice, mailbox, account, role)
        members[name] = account

    assert await services_in(app).digest.run() == []  # 07:59
    clock.at = EIGHT
    sent = await services_in(app).digest.run()
    assert sorted(s.recipient for s in sent if s.mail is not None) == [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
    ]
    mail = await mailbox.wait_for("bob@example.com", SUBJECT)
    assert mail.subject == "Test User's household: 4 supplies to see to today"
    for shown in (
        "Needles: none left",
        "Saline: 6 pieces left",
        "Oxygen tubes & caps",
        "Insulin: expires",
    ):
        assert shown in mail.body
    assert "Masks" not in mail.body and "Gauze" not in mail.body
    assert (
        mail.html is not None and "Oxygen tubes &amp; caps" in mail.html and "<img" not in mail.html
    )
    for later in (EIGHT, EIGHT + timedelta(hours=15, minutes=59)):
        clock.at = later
        assert await services_in(app).digest.run() == []
    for member in ("alice", "carol"):
        await mailbox.wait_for(f"{member}@example.com", SUBJECT)
    everyone = [alice, *members.values()]
    assert await digests(mailbox, *everyone) == [[mail.subject]] * 3 + [[], []]


async def test_nothing_to_report_sends_no_mail_that_day(
    client: httpx.AsyncClient, app: Any, mailbox: Mailbox, clock: FixedClock
) -> None:
    alice = await register(client, "alice@example.com")
    await verify(client, mailbox, alice.email)
    meds = await category(client, alice)
    fine = await item(client, alice, meds["id"], quantity=10)
    clock.at = EIGHT
    (considered,) = await services_in(app).digest.run()
    assert (considered.recipient, considered.mail, considered.outbox_id) == (
        alice.email,
        None,
        None,
    )
    await stock(client, alice, fine["id"], delta=-10)  # out at noon: tomorrow's digest says so
    clock.at = EIGHT + timedelta(hours=4)
    assert await services_in(app).digest.run() == []
    clock.at = EIGHT + timedelta(days=1)
    (tomorrow,) = await services_in(app).digest.run()
    assert tomorrow.mail is not None and "Saline: none left" in tomorrow.mail.text
    await mailbox.wait_for(alice.email, SUBJECT)
    assert await digests(mailbox, alice) == [[SUBJECT_OF_ONE]]


async def test_eight_is_eight_in_the_households_time_zone(
    client: httpx.AsyncClient, app: Any, mailbox: Mailbox, clock: FixedClock
) -> None:
    alice = await register(client, "alice@example.com")
    await verify(client, mailbox, alice.email)
    await set_household(client, alice, timeZone="America/New_York")
    meds = await category(client, alice)
    await item(client, alice, meds["id"], quantity=0)
    clock.at = datetime(2026, 12, 7, 12, 59, 59, tzinfo=UTC)  # 07:59:59 in New York
    assert await services_in(app).digest.run() == []
    clock.at = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # 08:00 there
    (sent,) = await services_in(app).digest.run()
    assert str(sent.today) == "2026-12-07"
    clock.at = datetime(2026, 12, 8, 4, 59, tzinfo=UTC)  # 23:59 on the 7th there: done today
    assert await services_in(app).digest.run() == []
    clock.at = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)
    (next_day,) = await services_in(app).digest.run()
    assert str(next_day.today) == "2026-12-08"


@contextlib.asynccontextmanager
async def running(settings: Settings, database: Database, clock: FixedClock) -> AsyncIterator[Any]:
    """An API process of its own (its digest task ticking every few milliseconds)."""
    process = create_app(settings, database, clock=clock)
    async with process.router.lifespan_context(process):
        yield process


async def test_two_processes_and_a_restart_send_each_digest_once(
    settings: Settings, database: Database, mailbox: Mailbox, clock: FixedClock
) -> None:
    ticking = settings.model_copy(update={"digest_enabled": True, "digest_interval_seconds": 0.02})

    async def ticked(process: Any, times: int) -> None:
        start = services_in(process).digest.ticks
        await until(lambda: services_in(process).digest.ticks >= start + times)

    async with running(ticking, database, clock) as first, checked_client(first) as client:
        alice = await register(client, "alice@example.com")
        bob = await register(client, "bob@example.com")
        for account in (alice, bob):
            await verify(client, mailbox, account.email)
        await join_as(client, alice, mailbox, bob, "caregiver")
        meds = await category(client, alice)
        await item(client, alice, meds["id"], quantity=0)
        async with running(ticking, database, clock) as second:
            await ticked(second, 2)  # 07:59: nothing due
            clock.at = EIGHT
            await mailbox.wait_for(alice.email, SUBJECT)
            await mailbox.wait_for(bob.email, SUBJECT)
            await ticked(second, 3)
        async with running(ticking, database, clock) as restarted:  # the same day, later
            for moment in (EIGHT + timedelta(hours=15), EIGHT + timedelta(minutes=30)):  # back
                clock.at = moment
                await ticked(first, 3)
                await ticked(restarted, 3)
            assert await queued(database) == {alice.email: 1, bob.email: 1}
            assert await digests(mailbox, alice, bob) == [[SUBJECT_OF_ONE]] * 2
            clock.at = EIGHT + timedelta(days=1)
            await mailbox.wait_for(alice.email, SUBJECT, count=2)
            await mailbox.wait_for(bob.email, SUBJECT, count=2)
            await ticked(first, 3)
            await ticked(restarted, 3)
    assert await queued(database) == {alice.email: 2, bob.email: 2}
    assert [len(d) for d in await digests(mailbox, alice, bob)] == [2, 2]


async def queued(database: Database) -> dict[str, int]:
    """Digest mails queued, by recipient: what the outbox holds, delivered or not."""
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        rows = await conn.fetch(
            "SELECT recipient, count(*) FROM email_outbox WHERE kind = 'digest' GROUP BY 1"
        )
    finally:
        await conn.close()
    return {r["recipient"]: r["count"] for r in rows}
