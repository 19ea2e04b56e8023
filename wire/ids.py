"""Path ids: anything that is not a UUID is simply an unknown id (404, never 422 or 500)."""

from uuid import UUID


def parse_uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None
