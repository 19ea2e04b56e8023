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


def password_reset(recipient: str, token: str) -> SideWrite:
    body = (
        "Someone asked to reset the password of your VitalTrack account.\n\n"
        f"Enter this code in the app to choose a new password (valid for 1 hour):\n{token}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n"
    )
    return enqueue(recipient, "Reset your VitalTrack password", body)


def password_changed(recipient: str) -> SideWrite:
    body = (
        "The password of your VitalTrack account was just changed, and every device was "
        "signed out.\n\nIf this was not you, reset your password now and contact support.\n"
    )
    return enqueue(recipient, "Your VitalTrack password was changed", body)
