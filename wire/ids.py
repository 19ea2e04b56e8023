"""Ids from paths and bodies: anything that is not a UUID is simply an unknown id (404 on a
path, never 422 or 500), on the write side and the read side alike."""

from uuid import UUID

from wire.problems import Problem


def parse_uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def path_id(value: str, what: str) -> UUID:
    """A path's resource id; a malformed one answers as an unknown `what` would."""
    parsed = parse_uuid(value)
    if parsed is None:
        raise Problem(404, "not_found", f"{what} not found")
    return parsed
