"""How household commands refuse."""

from collections.abc import Mapping

from command.households.loading import HouseholdNotFound
from command.refusals import Refusal, Shape
from events.household import (
    AlreadyMember,
    FounderStays,
    Household,
    HouseholdFull,
    InvitationNotFound,
    NotMember,
    OwnerMustTransfer,
    TooManyHouseholds,
    TooManyOpenInvitations,
)

REFUSALS: Mapping[type[Exception], Refusal] = {
    HouseholdNotFound: Refusal(404, "not_found", "No such household"),
    InvitationNotFound: Refusal(404, "not_found", "No such invitation"),
    NotMember: Refusal(404, "not_found", "No such member"),
    AlreadyMember: Refusal(409, "conflict", "This account is a member of the household already"),
    HouseholdFull: Refusal(409, "conflict", "A household has at most 20 members"),
    TooManyOpenInvitations: Refusal(409, "conflict", "A household has at most 20 open invitations"),
    TooManyHouseholds: Refusal(409, "conflict", "An account belongs to at most 20 households"),
    FounderStays: Refusal(409, "conflict", "An account keeps the household it founded"),
    OwnerMustTransfer: Refusal(409, "conflict", None),
}


def household_out(household: Household) -> dict[str, object]:
    """A household's settings and version, for the `current` of a version conflict."""
    s = household.settings
    return {
        "id": str(household.owner_id),
        "name": s.name,
        "timeZone": s.time_zone,
        "leadTimeDays": s.lead_time_days,
        "coverDays": s.cover_days,
        "version": household.version,
    }


SHAPES: Mapping[type, Shape] = {Household: household_out}
FEATURE = (REFUSALS, SHAPES)
