"""PATCH /auth/me: profile changes; a new email or username is claimed, the old one freed."""

from dataclasses import dataclass
from uuid import UUID

from command.accounts.handlers import InvalidCredentials, claim_identifiers, verification_mail
from command.accounts.services import AccountServices
from command.accounts.tables import load_user
from command.results import Saved
from command.retry import retry_on_conflict
from command.uniqueness import release
from events.index import Index, email_key, username_key
from events.store import Store
from events.user import User


@dataclass(frozen=True)
class UpdateProfile:
    user_id: UUID
    email: str | None
    username: str | None
    name: str | None
    phone: str | None


@retry_on_conflict
def update_profile(store: Store, svc: AccountServices, cmd: UpdateProfile) -> Saved[User]:
    user = load_user(store, cmd.user_id, InvalidCredentials)
    old_email, old_username = user.email, user.username
    changed = user.update_profile(
        email=cmd.email, username=cmd.username, name=cmd.name, phone=cmd.phone
    )
    if not changed:
        return Saved(user, 0)
    indexes: list[Index | None] = [
        *claim_identifiers(store, user.id, changed.get("email"), changed.get("username"))
    ]
    if "email" in changed and old_email:
        indexes.append(release(store, email_key(old_email), user.id))
    if "username" in changed and old_username:
        indexes.append(release(store, username_key(old_username), user.id))
    writes = verification_mail(svc, user.id, changed["email"]) if "email" in changed else []
    return Saved.of(user, store.save(user, *indexes, side_writes=writes))
