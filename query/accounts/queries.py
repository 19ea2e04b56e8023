"""Account reads."""

from uuid import UUID

import asyncpg

from wire.users import UserOut


async def user_by_id(pool: asyncpg.Pool, user_id: UUID) -> UserOut | None:
    row = await pool.fetchrow(
        "SELECT id, email, pending_email, username, name, phone, is_active, is_verified, "
        "is_email_verified, created_at, updated_at, last_login, daily_digest "
        "FROM users WHERE id = $1",
        user_id,
    )
    return UserOut.model_validate(dict(row)) if row else None
