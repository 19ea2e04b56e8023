"""PATCH /auth/me: profile changes; a new username is claimed, the old one freed. A new email
needs the current password and stays pending until verified (email_change.py); the name,
username, phone and digest choice need no password: the newer app's profile screen saves
name and username without one (vitaltrack-mobile/app/profile.tsx:108 at 835fad3)."""

from dataclasses import dataclass
from uuid import UUID

from command.accounts import email_change
from command.accounts.handlers import InvalidCredentials, claim_identifiers
from command.accounts.services import AccountServices
from command.accounts.tables import check_password, load_user
from command.results import Saved
from command.retry import retry_on_conflict
from command.uniqueness import release
from command.unit_of_work import UnitOfWork
from events.index import Index, username_key
from events.store import SideWrite
from events.user import User


@dataclass(frozen=True)
class UpdateProfile:
    user_id: UUID
    session_id: UUID
    email: str | None
    username: str | None
    name: str | None
    phone: str | None
    daily_digest: bool | None = None
    current_password: str | None = None


def _moves_email(user: User, email: str | None) -> bool:
    """Whether a PATCH with this email asks for a change (the current address is not one)."""
    return email is not None and email != user.email


def update_profile(uow: UnitOfWork, svc: AccountServices, cmd: UpdateProfile) -> Saved[User]:
    user = load_user(uow, cmd.user_id, InvalidCredentials)
    moving = _moves_email(user, cmd.email)
    if moving:  # checked once, outside the retries of a version clash
        check_password(uow.store, svc, user.id, cmd.current_password)
    return _update(uow, svc, cmd, moving)


@retry_on_conflict
def _update(uow: UnitOfWork, svc: AccountServices, cmd: UpdateProfile, moving: bool) -> Saved[User]:
    user = load_user(uow, cmd.user_id, InvalidCredentials)
    old_username = user.username
    changed = user.update_profile(username=cmd.username, name=cmd.name, phone=cmd.phone)
    if cmd.daily_digest is not None:
        user.choose_daily_digest(cmd.daily_digest)
    indexes: list[Index | None] = [*claim_identifiers(uow, user.id, None, changed.get("username"))]
    if "username" in changed and old_username:
        indexes.append(release(uow, username_key(old_username), user.id))
    writes: list[SideWrite] = []
    if moving and cmd.email is not None:
        writes = email_change.request(uow, svc, user, cmd.email, cmd.session_id)
    return Saved(user, uow.commit(user, *indexes, writes=writes))
