"""The `users` read table: account profiles as the API shows them."""

from events.user import PROFILE_FIELDS, User
from projections.projection import Envelope, Row, StateTable


def registered(_row: Row | None, e: Envelope) -> Row:
    event = e.event
    return {
        "id": event.originator_id,
        "email": event.email,
        "username": event.username,
        "name": event.name,
        "phone": event.phone,
        "is_active": True,
        "is_verified": False,
        "is_email_verified": False,
        "last_login": None,
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
        "username": "text",
        "name": "text",
        "phone": "text",
        "is_active": "boolean",
        "is_verified": "boolean",
        "is_email_verified": "boolean",
        "last_login": "timestamptz",
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
        User.PasswordChanged: password_changed,
        User.Disabled: disabled,
        User.Enabled: enabled,
    }
