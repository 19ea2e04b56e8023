"""The AccountErased aggregate: the record that an account was erased at its request, and
with it each household it was the last member of. It carries no personal data (ids), and it
is what the projections follow to drop the read rows of what went; the erased events go
with it (command/accounts/erasure.py)."""

from uuid import UUID

from eventsourcing.domain import Aggregate

from events.attribution import Attributed

# NOTIFYed with the erasure: every process drops its cached aggregates (they may be the
# household's, e.g. the index holding its email, which must be free again).
ERASED_CHANNEL = "vitaltrack_erased"


class AccountErased(Aggregate):
    class Recorded(Attributed, Aggregate.Created):
        owner_id: UUID  # an erased account's id, or the id of a household erased with it
        via: str  # "email" (the mailed link), "password" (no verified email) or "operator"
        # Before households (rev. 3) both held: an account's erasure erased its household.
        household_erased: bool = True  # the household of this id went whole
        account_erased: bool = True  # the account of this id went

    def __init__(
        self,
        owner_id: UUID,
        via: str,
        household_erased: bool = True,
        account_erased: bool = True,
    ):
        self.owner_id = owner_id
        self.via = via
        self.household_erased = household_erased
        self.account_erased = account_erased
