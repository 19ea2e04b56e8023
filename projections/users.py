"""The `users` read table: account profiles as the API shows them."""

from events.user import User
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


def logged_in(row: Row | None, e: Envelope) -> Row | None:
    if row is None:
        return None
    return {**row, "last_login": e.event.timestamp, "version": e.event.originator_version}


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
    handlers = {User.Registered: registered, User.LoggedIn: logged_in}  # noqa: RUF012
