"""Path ids on the read side: a malformed id is an unknown id."""

from uuid import UUID

from vitaltrack.problems import Problem


def parse_id_or_404(value: str, what: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise Problem(404, "not_found", f"{what} not found") from None
