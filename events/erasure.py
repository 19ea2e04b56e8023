"""The AccountErased aggregate: the record that a household was deleted at its owner's
request. It carries no personal data (an id and counts), and it is what the projections
follow to drop the household's read rows; the household's own events are erased with it."""

from uuid import UUID

from eventsourcing.domain import Aggregate

# NOTIFYed with the erasure: every process drops its cached aggregates (they may be the
# household's, e.g. the index holding its email, which must be free again).
ERASED_CHANNEL = "vitaltrack_erased"


class AccountErased(Aggregate):
    class Recorded(Aggregate.Created):
        owner_id: UUID  # the deleted account's id, meaningless once its data is gone
        via: str  # "email" (the mailed link), "password" (no verified email) or "operator"

    def __init__(self, owner_id: UUID, via: str):
        self.owner_id = owner_id
        self.via = via
