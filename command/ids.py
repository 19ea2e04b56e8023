"""Path ids: anything that is not a UUID is simply an unknown id (404, never 422 or 500)."""

from uuid import UUID


def parse_id(value: str, not_found: type[Exception]) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise not_found(value) from None
