"""Changing an account's email address (API.md 3 #6, rev. 3).

PATCH /auth/me with a new `email` and the current password makes it *pending*: a link goes
to the new address, and a notice to the old one with a link that undoes the change. The
old address stays the account's (sign-in, reset and deletion mail) until the new one's link
is followed; then the account switches, its other sessions end and its pending reset and
deletion links die. The address is claimed only at the switch: a pending request holds no
address that its owner could not then register.

The undo link (7 days, mailed only to a verified address) cancels a pending change, or after
the switch gives the old address back; either way every session ends and every other
pending link dies, so a thief who knew the password keeps nothing but the password, which
the owner then resets through the address that is theirs again."""

from dataclasses import dataclass
from uuid import UUID

from command.accounts.handlers import claim_identifiers
from command.accounts.services import AccountServices
from command.accounts.tables import InvalidOneTimeToken, load_user, token_consumption
from command.retry import retry_on_conflict
from command.uniqueness import holder, release
from command.unit_of_work import UnitOfWork, transaction
from events.index import Index, email_key
from events.store import SideWrite, Store
from events.user import EmailTaken, User
from infra.mail import messages


@dataclass(frozen=True)
class UndoEmailChange:
    token: str


@dataclass(frozen=True)
class Undone:
    email: str  # the account's address now
    restored: bool  # True: the switch had happened and was reversed
    position: int


def request(
    uow: UnitOfWork, svc: AccountServices, user: User, new_email: str, session_id: UUID
) -> list[SideWrite]:
    """Record the request on `user` (saved by the caller); the rows of its two mails."""
    if holder(uow, email_key(new_email)) not in (None, user.id):
        raise EmailTaken(user.id)
    old, old_verified = user.email, user.is_email_verified
    user.request_email_change(new_email, session_id)
    issued = svc.tokens.issue(user.id, new_email, "verify_email")
    base = svc.public_base_url
    writes = [*issued.writes, messages.verification(base, user.id, new_email, issued.token)]
    if old is not None:
        undo = svc.tokens.issue(user.id, old, "undo_email_change") if old_verified else None
        writes += undo.writes if undo else ()
        token = undo.token if undo else None
        writes.append(messages.email_change_requested(base, user.id, old, new_email, token))
    return writes


def switch(
    uow: UnitOfWork, svc: AccountServices, user: User, new_email: str
) -> tuple[list[Index | None], list[SideWrite]]:
    """The pending address is verified: it becomes the account's (saved by the caller)."""
    keep = user.pending_session
    indexes = _move(uow, user, new_email, via="verified")
    writes = [
        svc.sessions.revoke_all(user.id, keep=keep),
        svc.tokens.void(user.id, "reset_password", "delete_account"),
    ]
    return indexes, writes


def undo_holder(store: Store, svc: AccountServices, token: str) -> str | None:
    """The address an undo link gives back, for its preview page."""
    with transaction(store) as curs:
        found = svc.tokens.holder(curs, token, "undo_email_change")
    return found.email if found else None


@retry_on_conflict
def undo(uow: UnitOfWork, svc: AccountServices, cmd: UndoEmailChange) -> Undone:
    with transaction(uow.store) as curs:
        found = svc.tokens.holder(curs, cmd.token, "undo_email_change")
    if found is None:
        raise InvalidOneTimeToken
    user = load_user(uow, found.user_id, InvalidOneTimeToken)
    restored = user.email != found.email
    user.cancel_email_change()
    indexes = _move(uow, user, found.email, via="undo") if restored else []
    writes = [
        svc.tokens.consume(cmd.token, "undo_email_change"),
        svc.tokens.void(
            user.id, "verify_email", "reset_password", "delete_account", "undo_email_change"
        ),
        svc.sessions.revoke_all(user.id),
    ]
    with token_consumption():
        position = uow.commit(user, *indexes, writes=writes)
    return Undone(found.email, restored, position)


def _move(uow: UnitOfWork, user: User, email: str, via: str) -> list[Index | None]:
    """Claim `email` for the account and free its current address."""
    old = user.email
    indexes: list[Index | None] = [*claim_identifiers(uow, user.id, email, None)]
    if old is not None:
        indexes.append(release(uow, email_key(old), user.id))
    user.change_email(email, via=via)
    return indexes
