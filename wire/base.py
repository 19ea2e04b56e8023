"""camelCase on the wire, snake_case in Python; input accepts both spellings."""

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """Base for every request and response body of the mobile API."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        from_attributes=True,
    )


class MessageOut(WireModel):
    message: str
    success: bool = True
