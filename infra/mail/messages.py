"""The account emails, queued as outbox rows in the transaction of the fact they announce."""

from urllib.parse import quote

from events.store import SideWrite

OUTBOX_CHANNEL = "vitaltrack_outbox"


def enqueue(recipient: str, subject: str, body: str) -> SideWrite:
    return SideWrite(
        "WITH queued AS (INSERT INTO email_outbox (recipient, subject, body) "
        "VALUES (%s, %s, %s) RETURNING id) SELECT pg_notify(%s, '') FROM queued",
        (recipient, subject, body, OUTBOX_CHANNEL),
    )


def verification(base_url: str, recipient: str, token: str) -> SideWrite:
    link = f"{base_url.rstrip('/')}/api/v1/auth/verify-email?token={quote(token)}"
    body = (
        "Welcome to VitalTrack.\n\n"
        f"Confirm your email address by opening this link (valid for 24 hours):\n{link}\n\n"
        f"Or enter this code in the app: {token}\n\n"
        "If you did not create an account, ignore this message.\n"
    )
    return enqueue(recipient, "Verify your VitalTrack email address", body)


def password_reset(base_url: str, recipient: str, token: str) -> SideWrite:
    """The app's reset screen takes its token only from a deep link: the mail links to a page
    where the new password is chosen in a browser (API.md 3, rev. 2)."""
    link = f"{base_url.rstrip('/')}/api/v1/auth/reset-password?token={quote(token)}"
    body = (
        "Someone asked to reset the password of your VitalTrack account.\n\n"
        f"Choose a new password on this page (valid for 1 hour):\n{link}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n"
    )
    return enqueue(recipient, "Reset your VitalTrack password", body)


def deletion_requested(base_url: str, recipient: str, token: str) -> SideWrite:
    link = f"{base_url.rstrip('/')}/api/v1/auth/confirm-delete/{quote(token)}"
    body = (
        "Someone asked to delete your VitalTrack account and everything in it.\n\n"
        f"To confirm, open this page (valid for 24 hours) and press the button:\n{link}\n\n"
        "If it was not you, ignore this message and change your password: nothing is deleted "
        "unless the button on that page is pressed.\n"
    )
    return enqueue(recipient, "Confirm the deletion of your VitalTrack account", body)


def password_changed(recipient: str) -> SideWrite:
    body = (
        "The password of your VitalTrack account was just changed, and every device was "
        "signed out.\n\nIf this was not you, reset your password now and contact support.\n"
    )
    return enqueue(recipient, "Your VitalTrack password was changed", body)
