"""Path ids on the read side: a malformed id is an unknown row."""

from uuid import UUID

from wire.ids import parse_uuid
from wire.problems import Problem


def parse_id_or_404(value: str, what: str) -> UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise Problem(404, "not_found", f"{what} not found")
    return parsed
