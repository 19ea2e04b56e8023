"""Request bodies of the household commands (API.md 12)."""

import zoneinfo
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from command.preconditions import ExpectedVersion
from wire import examples
from wire.base import WireModel
from wire.emails import Email
from wire.sanitize import clean_text


def _iana(value: str) -> str:
    """An IANA time zone name this server knows (its clock computes "today" in it)."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"Unknown time zone '{value}' (an IANA name such as Europe/Berlin)"
        ) from None
    return value


Name = Annotated[str, BeforeValidator(clean_text), StringConstraints(min_length=1, max_length=100)]
TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_iana)]


class HouseholdPatch(WireModel):
    model_config = examples.example(examples.HOUSEHOLD_PATCH, strict=True)

    name: Name | None = None
    time_zone: TimeZone | None = None
    lead_time_days: int | None = Field(None, ge=0, le=365)
    cover_days: int | None = Field(None, ge=1, le=365)
    expected_version: ExpectedVersion = None


class InviteIn(WireModel):
    model_config = examples.example(examples.INVITE, strict=True)

    email: Email
    role: Literal["caregiver", "viewer"]


class RoleIn(WireModel):
    model_config = examples.example(examples.ROLE_CHANGE, strict=True)

    role: Literal["owner", "caregiver", "viewer"]


class DefaultIn(WireModel):
    model_config = examples.example(examples.DEFAULT_HOUSEHOLD, strict=True)

    household_id: UUID


class JoinIn(WireModel):
    model_config = examples.example(examples.JOIN, strict=True)

    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
