"""The account emails, queued as outbox rows in the transaction of the fact they announce.

Each row names the account it was queued for and its kind: erasure removes every mail of
the account whatever address it went to, and per-account caps count mails of a kind."""

from urllib.parse import quote
from uuid import UUID

from events.store import SideWrite
from infra.mail import OUTBOX_CHANNEL


def enqueue(account: UUID, kind: str, recipient: str, subject: str, body: str) -> SideWrite:
    return SideWrite(
        "WITH queued AS (INSERT INTO email_outbox (account_id, kind, recipient, subject, body) "
        "VALUES (%s, %s, %s, %s, %s) RETURNING id) SELECT pg_notify(%s, '') FROM queued",
        (account, kind, recipient, subject, body, OUTBOX_CHANNEL),
    )


# Mails of a kind (%s) queued for an account (%s) within a number of seconds (%s).
SENT_RECENTLY = (
    "SELECT count(*) AS sent FROM email_outbox WHERE kind = %s AND account_id = %s "
    "AND created_at > now() - make_interval(secs => %s)"
)


def _link(base_url: str, path: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/auth/{path}{quote(token)}"


def verification(base_url: str, account: UUID, recipient: str, token: str) -> SideWrite:
    link = _link(base_url, "verify-email?token=", token)
    body = (
        "Welcome to VitalTrack.\n\n"
        f"Confirm your email address by opening this link (valid for 24 hours):\n{link}\n\n"
        f"Or enter this code in the app: {token}\n\n"
        "If you did not ask for this, ignore this message.\n"
    )
    return enqueue(account, "verify", recipient, "Verify your VitalTrack email address", body)


def password_reset(base_url: str, account: UUID, recipient: str, token: str) -> SideWrite:
    """The app's reset screen takes its token only from a deep link: the mail links to a page
    where the new password is chosen in a browser (API.md 3, rev. 2)."""
    link = _link(base_url, "reset-password?token=", token)
    body = (
        "Someone asked to reset the password of your VitalTrack account.\n\n"
        f"Choose a new password on this page (valid for 1 hour):\n{link}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n"
    )
    return enqueue(account, "reset", recipient, "Reset your VitalTrack password", body)


def deletion_requested(base_url: str, account: UUID, recipient: str, token: str) -> SideWrite:
    link = _link(base_url, "confirm-delete/", token)
    body = (
        "Someone asked to delete your VitalTrack account and everything in it.\n\n"
        f"To confirm, open this page (valid for 24 hours) and press the button:\n{link}\n\n"
        "If it was not you, ignore this message and change your password: nothing is deleted "
        "unless the button on that page is pressed.\n"
    )
    return enqueue(
        account, "delete", recipient, "Confirm the deletion of your VitalTrack account", body
    )


def password_changed(account: UUID, recipient: str) -> SideWrite:
    body = (
        "The password of your VitalTrack account was just changed, and every device was "
        "signed out.\n\nIf this was not you, reset your password now and contact support.\n"
    )
    return enqueue(account, "notice", recipient, "Your VitalTrack password was changed", body)


def email_change_requested(
    base_url: str, account: UUID, recipient: str, new_address: str, token: str | None
) -> SideWrite:
    """To the address being replaced. Only a verified address gets the undo link: nothing
    proves that an unverified one is the owner's, and the link gives the account back to it."""
    undo = (
        "If it was not you, open this page (valid for 7 days) and press the button: it "
        "cancels the change, or gives this address back to the account if the change is "
        f"done, and signs out every device:\n{_link(base_url, 'undo-email-change?token=', token)}"
        "\n\nThen choose a new password: whoever asked knows yours.\n"
        if token
        else "If it was not you, reset your password now and contact support.\n"
    )
    body = (
        f"Someone asked to change the email address of your VitalTrack account to "
        f"{new_address}. It changes once that address is confirmed; until then this address "
        f"stays the account's.\n\n{undo}"
    )
    return enqueue(account, "notice", recipient, "Your VitalTrack email address is changing", body)


def invitation(
    base_url: str, inviter: UUID, recipient: str, household: str, inviter_name: str, token: str
) -> SideWrite:
    """API.md 12 #5: the link opens a page that signs in or creates the account, and joins."""
    link = f"{base_url.rstrip('/')}/api/v1/households/invitations/{quote(token)}"
    body = (
        f'{inviter_name} invites you to share the supplies of "{household}" on VitalTrack.\n\n'
        f"Open this page to join (valid for 7 days):\n{link}\n\n"
        "If you do not know who sent this, ignore this message.\n"
    )
    return enqueue(inviter, "invitation", recipient, f"Join {household} on VitalTrack", body)
