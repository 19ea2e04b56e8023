"""Request bodies of the category commands (API.md 2.2 and 4)."""

from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from command.preconditions import ExpectedVersion
from wire import examples
from wire.base import WireModel
from wire.sanitize import clean_text

MAX_INT = 2**31 - 1  # display_order is an integer column (API.md 1.7)
Name = Annotated[str, BeforeValidator(clean_text), StringConstraints(min_length=1, max_length=255)]
Description = Annotated[str, BeforeValidator(clean_text), StringConstraints(max_length=1000)]


class CategoryCreate(WireModel):
    model_config = examples.example(examples.CATEGORY_CREATE, strict=True)

    name: Name
    description: Description | None = None
    display_order: int = Field(0, ge=0, le=MAX_INT)
    is_default: bool = False
    local_id: str | None = Field(None, max_length=36)


class CategoryUpdate(WireModel):
    """Partial update: a field absent or null is left as it is."""

    model_config = examples.example(examples.CATEGORY_UPDATE, strict=True)

    name: Name | None = None
    description: Description | None = None
    display_order: int | None = Field(None, ge=0, le=MAX_INT)
    is_default: bool | None = None
    expected_version: ExpectedVersion = None
