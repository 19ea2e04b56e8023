"""Email addresses on the wire: trimmed and lower-cased, then validated."""

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, EmailStr


def lower_trim(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


Email = Annotated[EmailStr, BeforeValidator(lower_trim), AfterValidator(str.lower)]
