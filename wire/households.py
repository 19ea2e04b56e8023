"""Household shapes (API.md 12), shared by the household routes of both sides."""

from datetime import datetime
from uuid import UUID

from wire import examples
from wire.base import WireModel

FORMER_MEMBER = "Former member"  # an erased account, wherever it is named


class HouseholdSummary(WireModel):
    id: UUID
    name: str
    role: str
    member_count: int
    is_default: bool
    is_current: bool


class HouseholdsOut(WireModel):
    model_config = examples.example(examples.HOUSEHOLDS)

    households: list[HouseholdSummary]


class MemberOut(WireModel):
    user_id: UUID
    name: str
    email: str | None
    role: str
    joined_at: datetime


class Person(WireModel):
    user_id: UUID | None
    name: str


class InvitationOut(WireModel):
    model_config = examples.example(examples.INVITATION)

    id: UUID
    email: str
    role: str
    invited_by: Person
    expires_at: datetime


class HouseholdOut(WireModel):
    model_config = examples.example(examples.HOUSEHOLD)

    id: UUID
    name: str
    time_zone: str
    lead_time_days: int
    cover_days: int
    role: str
    members: list[MemberOut]
    invitations: list[InvitationOut]
    version: int
    created_at: datetime
