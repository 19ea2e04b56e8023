"""Request bodies of the account commands (API.md 3)."""

import re
from typing import Annotated

from pydantic import (
    AfterValidator,
    AliasChoices,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from wire import examples
from wire.base import WireModel
from wire.emails import Email, lower_trim
from wire.sanitize import clean_text

_USERNAME = re.compile(r"^[a-z0-9_]+$")


def _password_strength(value: str) -> str:
    if not (re.search(r"[A-Z]", value) and re.search(r"[a-z]", value) and re.search(r"\d", value)):
        raise ValueError(
            "Password must contain an uppercase letter, a lowercase letter and a digit"
        )
    return value


def _username_rule(value: str) -> str:
    if not _USERNAME.match(value):
        raise ValueError("Username may contain only lowercase letters, digits and underscores")
    return value


Password = Annotated[str, Field(min_length=8, max_length=128), AfterValidator(_password_strength)]
Username = Annotated[
    str,
    BeforeValidator(lower_trim),
    StringConstraints(min_length=3, max_length=50),
    AfterValidator(_username_rule),
]
DisplayName = Annotated[
    str, BeforeValidator(clean_text), StringConstraints(min_length=1, max_length=255)
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
CurrentPassword = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class RegisterIn(WireModel):
    model_config = examples.example(examples.REGISTER, strict=True)

    email: Email | None = None
    username: Username | None = None
    password: Password
    # The mobile client's type says full_name; the reference requires name. Accept both.
    name: DisplayName = Field(validation_alias=AliasChoices("name", "full_name", "fullName"))
    phone: Phone | None = None

    @model_validator(mode="after")
    def _needs_an_identifier(self) -> "RegisterIn":
        if self.email is None and self.username is None:
            raise ValueError("Either email or username is required")
        return self


class LoginIn(WireModel):
    model_config = examples.example(examples.LOGIN, strict=True)

    identifier: Annotated[
        str, BeforeValidator(lower_trim), StringConstraints(min_length=1, max_length=255)
    ]
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class RefreshIn(WireModel):
    """Token and password fields are snake_case on the wire (camelCase also accepted)."""

    model_config = ConfigDict(strict=True)

    # Any string: what is not a live refresh token (an access JWT, something over-long) is
    # answered 401 invalid_token, as API.md 3 asks, not 422. The body limit bounds it.
    refresh_token: str


class LogoutIn(RefreshIn):
    pass


class ProfileIn(WireModel):
    model_config = ConfigDict(strict=True)

    email: Email | None = None
    username: Username | None = None
    name: DisplayName | None = None
    phone: Phone | None = None
    daily_digest: bool | None = None  # rev. 3 (API.md 13)
    # rev. 3: needed when `email` names a new address (checked there, 400 when wrong)
    current_password: CurrentPassword | None = None


class ChangePasswordIn(WireModel):
    model_config = ConfigDict(strict=True)

    current_password: CurrentPassword
    new_password: Password


class EmailIn(WireModel):
    model_config = ConfigDict(strict=True)

    email: Email


class ResetPasswordIn(WireModel):
    model_config = ConfigDict(strict=True)

    token: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    new_password: Password


class TokenIn(WireModel):
    model_config = ConfigDict(strict=True)

    token: Annotated[str, StringConstraints(min_length=1, max_length=512)]
