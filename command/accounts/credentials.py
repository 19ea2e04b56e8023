"""Password hashes: operational rows next to the event store, never in events."""

from uuid import UUID

from events.store import SideWrite, Store


def password_hash_of(store: Store, user_id: UUID) -> str | None:
    datastore = store.recorder.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute("SELECT password_hash FROM auth_credentials WHERE user_id = %s", (user_id,))
        row = curs.fetchone()
    return row["password_hash"] if row else None


def set_password_hash(user_id: UUID, password_hash: str) -> SideWrite:
    return SideWrite(
        "INSERT INTO auth_credentials (user_id, password_hash) VALUES (%s, %s) "
        "ON CONFLICT (user_id) DO UPDATE "
        "SET password_hash = EXCLUDED.password_hash, updated_at = now()",
        (user_id, password_hash),
    )
