"""How household commands refuse."""

from collections.abc import Mapping

from command.households.loading import HouseholdNotFound
from command.refusals import Refusal, Shape
from events.household import (
    AlreadyMember,
    HouseholdFull,
    InvitationNotFound,
    NotMember,
    OwnerMustTransfer,
    TooManyOpenInvitations,
)

REFUSALS: Mapping[type[Exception], Refusal] = {
    HouseholdNotFound: Refusal(404, "not_found", "No such household"),
    InvitationNotFound: Refusal(404, "not_found", "No such invitation"),
    NotMember: Refusal(404, "not_found", "No such member"),
    AlreadyMember: Refusal(409, "conflict", "This account is a member of the household already"),
    HouseholdFull: Refusal(409, "conflict", "A household has at most 20 members"),
    TooManyOpenInvitations: Refusal(409, "conflict", "A household has at most 20 open invitations"),
    OwnerMustTransfer: Refusal(409, "conflict", None),
}
SHAPES: Mapping[type, Shape] = {}
FEATURE = (REFUSALS, SHAPES)
