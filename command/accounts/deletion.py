"""Account deletion (API.md 3.1): requested in the app, confirmed from the link mailed to the
account's verified address (a GET only previews: mail scanners follow links), or at once with
the password for accounts without a verified address (no deletion link goes to an address
nobody proved is the owner's). A disabled account is deleted only by an operator
(`vitaltrack accounts delete`). Deletion ERASES the household (see `erase`): why erasure and
not crypto-shredding is in docs/account-deletion.md."""

from dataclasses import dataclass
from uuid import UUID

from command.accounts.handlers import verification_mail
from command.accounts.services import AccountServices
from command.accounts.tables import (
    InvalidOneTimeToken,
    check_password,
    load_user,
    token_consumption,
)
from command.results import Done
from command.unit_of_work import UnitOfWork, transaction
from events.erasure import ERASED_CHANNEL, AccountErased
from events.store import SideWrite, Store
from infra.mail import messages
from infra.security.one_time_tokens import Holder

# Every event of the household: its aggregates carry `owner_id` (the User's own events are
# its aggregate's). Matched in the JSON the library stores (owner_id as {"_data_": hex}).
OWNED_ROWS = (
    "(originator_id = %s OR convert_from(state, 'UTF8')::json -> 'owner_id' ->> '_data_' = %s)"
)


@dataclass(frozen=True)
class RequestDeletion:
    user_id: UUID
    password: str | None  # required without a verified email: such accounts go at once


@dataclass(frozen=True)
class Requested:
    mailed: bool  # False: deleted at once
    position: int
    verify_first: bool = False  # the mail verifies the address; deletion is asked again


@dataclass(frozen=True)
class ConfirmDeletion:
    token: str


def request_deletion(uow: UnitOfWork, svc: AccountServices, cmd: RequestDeletion) -> Requested:
    user = load_user(uow, cmd.user_id, InvalidOneTimeToken)
    user.check_is_active()
    if user.email and user.is_email_verified:
        issued = svc.tokens.issue(user.id, user.email, "delete_account")
        mail = messages.deletion_requested(svc.public_base_url, user.id, user.email, issued.token)
        uow.commit(writes=[*issued.writes, mail])
        return Requested(mailed=True, position=0)
    if user.email and cmd.password is None:  # the newer app sends no body (profile.tsx:193)
        uow.commit(writes=verification_mail(svc, user.id, user.email))
        return Requested(mailed=True, position=0, verify_first=True)
    check_password(uow.store, svc, user.id, cmd.password)
    return Requested(mailed=False, position=erase(uow, svc, user.id, via="password"))


def cancel_deletion(uow: UnitOfWork, _svc: AccountServices, user_id: UUID) -> Done:
    """The pending link stops working."""
    uow.commit(writes=[_spend_deletion_tokens(user_id)])
    return Done(0)


def deletion_holder(store: Store, svc: AccountServices, token: str) -> str | None:
    """The account a confirmation link would delete (its email), for the preview page."""
    with transaction(store) as curs:
        holder = svc.tokens.holder(curs, token, "delete_account")
    return holder.email if holder and _deletable(UnitOfWork(store), holder) else None


def confirm_deletion(uow: UnitOfWork, svc: AccountServices, cmd: ConfirmDeletion) -> Done:
    with transaction(uow.store) as curs:
        holder = svc.tokens.holder(curs, cmd.token, "delete_account")
    if holder is None or not _deletable(uow, holder):
        raise InvalidOneTimeToken
    consumed = svc.tokens.consume(cmd.token, "delete_account")
    with token_consumption():
        return Done(erase(uow, svc, holder.user_id, via="email", first=(consumed,)))


def _deletable(uow: UnitOfWork, holder: Holder) -> bool:
    """A link deletes an active account, and only while the address it went to is the
    account's: a link that outlived an email change or a disabling is dead."""
    user = load_user(uow, holder.user_id, InvalidOneTimeToken)
    return user.is_active and user.email == holder.email


def erase(
    uow: UnitOfWork,
    svc: AccountServices,
    user_id: UUID,
    via: str,
    first: tuple[SideWrite, ...] = (),
) -> int:
    """Erase the household in ONE transaction with the AccountErased record: its events and
    snapshots, and every operational row about it; its sessions are revoked (every process
    refuses their tokens at once). The projections drop its read rows when they see the
    record. Other households' events, positions and replays are untouched."""
    user = load_user(uow, user_id, InvalidOneTimeToken)
    owned = (user_id, user_id.hex)
    writes = [
        *first,
        svc.sessions.revoke_all(user_id),
        SideWrite(f"DELETE FROM vitaltrack_snapshots WHERE {OWNED_ROWS}", owned),
        SideWrite(f"DELETE FROM vitaltrack_events WHERE {OWNED_ROWS}", owned),
        *_operational_rows(user_id, [a for a in (user.email, user.pending_email) if a]),
    ]
    writes.append(SideWrite("SELECT pg_notify(%s, %s)", (ERASED_CHANNEL, str(user_id))))
    position = uow.commit(AccountErased(owner_id=user_id, via=via), writes=writes)
    uow.store.forget_cached()  # every process does on the NOTIFY: no stale aggregate (an index!)
    return position


def _operational_rows(user_id: UUID, addresses: list[str]) -> list[SideWrite]:
    """Mail goes by the account it was queued for (every address it ever had), and by its
    addresses (rows queued before the outbox named accounts); rate-limit buckets name it."""
    return [
        _delete(
            "auth_refresh_tokens",
            "session_id IN (SELECT id FROM auth_sessions WHERE user_id = %s)",
            user_id,
        ),
        _delete("auth_credentials", "user_id = %s", user_id),
        _delete("auth_one_time_tokens", "user_id = %s", user_id),
        SideWrite(
            "DELETE FROM email_outbox WHERE account_id = %s OR recipient = ANY(%s)",
            (user_id, addresses),
        ),
        _delete("idempotency_keys", "scope = %s", f"user:{user_id}"),
        _delete("rate_limit_hits", "bucket LIKE %s", f"%:account:{user_id}%"),
        _delete(
            "item_memberships",
            "category_id IN (SELECT id FROM live_categories WHERE owner_id = %s)",
            user_id,
        ),
        _delete("live_categories", "owner_id = %s", user_id),
        _delete("sync_sessions", "owner_id = %s", user_id),
        _delete("sync_operations", "owner_id = %s", user_id),
        _delete("sync_local_ids", "owner_id = %s", user_id),
    ]


def _delete(table: str, where: str, value: object) -> SideWrite:
    return SideWrite(f"DELETE FROM {table} WHERE {where}", (value,))


def _spend_deletion_tokens(user_id: UUID) -> SideWrite:
    return SideWrite(
        "UPDATE auth_one_time_tokens SET used_at = now() "
        "WHERE user_id = %s AND purpose = 'delete_account' AND used_at IS NULL",
        (user_id,),
    )
