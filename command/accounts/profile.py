"""PATCH /auth/me: profile changes; a new email or username is claimed, the old one freed."""

from dataclasses import dataclass
from uuid import UUID

from command.accounts.handlers import InvalidCredentials, claim_identifiers, verification_mail
from command.accounts.services import AccountServices
from command.accounts.tables import load_user
from command.results import Saved
from command.retry import retry_on_conflict
from command.uniqueness import release
from command.unit_of_work import UnitOfWork
from events.index import Index, email_key, username_key
from events.user import User


@dataclass(frozen=True)
class UpdateProfile:
    user_id: UUID
    email: str | None
    username: str | None
    name: str | None
    phone: str | None


@retry_on_conflict
def update_profile(uow: UnitOfWork, svc: AccountServices, cmd: UpdateProfile) -> Saved[User]:
    user = load_user(uow, cmd.user_id, InvalidCredentials)
    old_email, old_username = user.email, user.username
    changed = user.update_profile(
        email=cmd.email, username=cmd.username, name=cmd.name, phone=cmd.phone
    )
    if not changed:
        return Saved(user, 0)
    indexes: list[Index | None] = [
        *claim_identifiers(uow, user.id, changed.get("email"), changed.get("username"))
    ]
    if "email" in changed and old_email:
        indexes.append(release(uow, email_key(old_email), user.id))
    if "username" in changed and old_username:
        indexes.append(release(uow, username_key(old_username), user.id))
    writes = verification_mail(svc, user.id, changed["email"]) if "email" in changed else []
    return Saved(user, uow.commit(user, *indexes, writes=writes))
