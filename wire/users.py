"""User and token shapes (API.md 2.1 and 3)."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from wire import examples
from wire.base import WireModel


class UserOut(WireModel):
    model_config = examples.example(examples.USER)

    id: UUID
    email: str | None
    # rev. 3: a new address waiting for its verification link (`email` is still the account's)
    pending_email: str | None = None
    username: str | None
    name: str
    phone: str | None
    is_active: bool
    is_verified: bool
    is_email_verified: bool
    created_at: datetime
    updated_at: datetime
    last_login: datetime | None
    daily_digest: bool = True  # rev. 3 (API.md 13)


class AuthOut(BaseModel):
    """Token fields stay snake_case: the mobile client reads exactly these names."""

    model_config = examples.example(examples.AUTH)

    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserOut
