"""The `users` read table: account profiles as the API shows them."""

from uuid import UUID

import asyncpg

from events.user import PROFILE_FIELDS, User
from projections.projection import Envelope, Row, StateTable


def registered(_row: Row | None, e: Envelope) -> Row:
    event = e.event
    return {
        "id": event.originator_id,
        "email": event.email,
        "pending_email": None,
        "username": event.username,
        "name": event.name,
        "phone": event.phone,
        "is_active": True,
        "is_verified": False,
        "is_email_verified": False,
        "last_login": None,
        "daily_digest": True,
        "version": event.originator_version,
        "created_at": event.timestamp,
        "updated_at": event.timestamp,
    }


def changed(row: Row, e: Envelope, **values: object) -> Row:
    return {**row, **values, "version": e.event.originator_version}


def logged_in(row: Row | None, e: Envelope) -> Row | None:
    return row and changed(row, e, last_login=e.event.timestamp)


def version_only(row: Row | None, e: Envelope) -> Row | None:
    return row and changed(row, e)


def profile_updated(row: Row | None, e: Envelope) -> Row | None:
    if row is None:
        return None
    event = e.event
    values = {f: getattr(event, f) for f in PROFILE_FIELDS if getattr(event, f) is not None}
    if event.email is not None:
        values["is_email_verified"] = False
    return changed(row, e, **values, updated_at=event.timestamp)


def email_verified(row: Row | None, e: Envelope) -> Row | None:
    return row and changed(row, e, is_email_verified=True, updated_at=e.event.timestamp)


def email_change_requested(row: Row | None, e: Envelope) -> Row | None:
    return row and changed(row, e, pending_email=e.event.email)


def email_change_cancelled(row: Row | None, e: Envelope) -> Row | None:
    return row and changed(row, e, pending_email=None)


def email_changed(row: Row | None, e: Envelope) -> Row | None:
    event = e.event
    return row and changed(
        row,
        e,
        email=event.email,
        pending_email=None,
        is_email_verified=True,
        updated_at=event.timestamp,
    )


def daily_digest_chosen(row: Row | None, e: Envelope) -> Row | None:
    event = e.event
    return row and changed(row, e, daily_digest=event.daily_digest, updated_at=event.timestamp)


def password_changed(row: Row | None, e: Envelope) -> Row | None:
    return row and changed(row, e, updated_at=e.event.timestamp)


def disabled(row: Row | None, e: Envelope) -> Row | None:
    return row and changed(row, e, is_active=False, updated_at=e.event.timestamp)


def enabled(row: Row | None, e: Envelope) -> Row | None:
    return row and changed(row, e, is_active=True, updated_at=e.event.timestamp)


class UsersProjection(StateTable):
    name = "users"
    table = "users"
    columns = {  # noqa: RUF012
        "id": "uuid",
        "email": "text",
        "pending_email": "text",
        "username": "text",
        "name": "text",
        "phone": "text",
        "is_active": "boolean",
        "is_verified": "boolean",
        "is_email_verified": "boolean",
        "last_login": "timestamptz",
        "daily_digest": "boolean",
        "version": "bigint",
        "created_at": "timestamptz",
        "updated_at": "timestamptz",
    }
    handlers = {  # noqa: RUF012
        User.Registered: registered,
        User.LoggedIn: logged_in,
        User.LoggedOut: version_only,
        User.ProfileUpdated: profile_updated,
        User.EmailVerified: email_verified,
        User.EmailChangeRequested: email_change_requested,
        User.EmailChangeCancelled: email_change_cancelled,
        User.EmailChanged: email_changed,
        User.DailyDigestChosen: daily_digest_chosen,
        User.PasswordChanged: password_changed,
        User.Disabled: disabled,
        User.Enabled: enabled,
    }

    async def forget_accounts(self, conn: asyncpg.Connection, accounts: list[UUID]) -> None:
        await conn.execute("DELETE FROM users WHERE id = ANY($1::uuid[])", accounts)
