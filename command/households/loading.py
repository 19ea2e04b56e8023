"""Loading a household's aggregate; a household from before revision 3 (the account's own,
with its row from migration 0017) is founded on its first change, as its row describes it."""

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from command.households.tables import settings_row
from command.unit_of_work import UnitOfWork
from events.household import Household


class HouseholdNotFound(Exception):
    """No such household."""


def load_household(uow: UnitOfWork, household_id: UUID) -> Household:
    try:
        household: Household = uow.get(Household.create_id(household_id))
        return household
    except AggregateNotFoundError:
        pass
    found = settings_row(uow.store, household_id)
    if found is None:
        raise HouseholdNotFound(household_id)
    settings, _version = found
    return Household(owner_id=household_id, founder_id=household_id, settings=settings)
