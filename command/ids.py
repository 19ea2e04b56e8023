"""Path ids on the write side: a malformed id is an unknown aggregate."""

from uuid import UUID

from wire.ids import parse_uuid


def parse_id(value: str, not_found: type[Exception]) -> UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise not_found(value)
    return parsed
