"""Households set up through the command side's own code, where no endpoint exists yet
(settings, members): what `PATCH /households/current` and an accepted invitation record."""

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool

from command.households.loading import load_household
from command.households.tables import household_written
from command.unit_of_work import UnitOfWork
from events import clock
from events.household import Invitation
from tests.api.accounts import Account


async def set_household(app: Any, household_id: str, **settings: Any) -> None:
    """Change the household's settings (time_zone, lead_time_days, cover_days)."""

    def change() -> int:
        uow = UnitOfWork(app.state.store)
        household = load_household(uow, uuid.UUID(household_id))
        household.change_settings(replace(household.settings, **settings))
        return uow.commit(household, writes=household_written(household))

    await app.state.watermark.wait_for(await run_in_threadpool(change))


async def join_as(app: Any, household_id: str, member: Account, role: str) -> dict[str, str]:
    """`member` joins the household with `role`; the headers that act on it."""

    def join() -> int:
        uow = UnitOfWork(app.state.store)
        household = load_household(uow, uuid.UUID(household_id))
        now = clock.now()
        invited = Invitation(
            uuid.uuid4(), member.email, role, household.owner(), now + timedelta(days=7)
        )
        household.invite(invited, now)
        household.join(uuid.UUID(member.user_id), invited.id)
        return uow.commit(household, writes=household_written(household))

    await app.state.watermark.wait_for(await run_in_threadpool(join))
    return {**member.headers, "X-Household-Id": household_id}
