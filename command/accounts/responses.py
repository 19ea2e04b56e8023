"""Responses of account commands, built from the saved aggregate."""

from command.accounts.handlers import SignedIn
from events.user import User
from infra.security.tokens import KeyRing
from wire.users import AuthOut, UserOut


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        pending_email=user.pending_email,
        username=user.username,
        name=user.name,
        phone=user.phone,
        is_active=user.is_active,
        is_verified=user.is_verified,
        is_email_verified=user.is_email_verified,
        created_at=user.created_on,
        updated_at=user.updated_at,
        last_login=user.last_login,
        daily_digest=user.daily_digest,
    )


def auth_out(signed_in: SignedIn, keyring: KeyRing) -> AuthOut:
    session = signed_in.session
    access = keyring.issue(signed_in.user.id, session.session_id, session.household_id)
    return AuthOut(
        access_token=access.token,
        refresh_token=signed_in.session.refresh_token,
        expires_in=access.expires_in,
        user=user_out(signed_in.user),
    )
