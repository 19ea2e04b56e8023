"""Optimistic-concurrency preconditions: `expectedVersion` in the body or `If-Match`."""

from typing import Annotated, Any

from fastapi import Header, Query

from vitaltrack.problems import Problem

IfMatch = Annotated[str | None, Header()]
ExpectedVersionQuery = Annotated[int | None, Query(alias="expectedVersion", ge=1)]


class VersionConflict(Exception):
    """The client edited a version that is no longer current; carries the current aggregate."""

    def __init__(self, current: Any):
        super().__init__(f"current version is {current.version}")
        self.current = current


def check_version(aggregate: Any, expected: int | None) -> None:
    if expected is not None and aggregate.version != expected:
        raise VersionConflict(aggregate)


def expected_version(in_body: int | None, if_match: str | None) -> int | None:
    """The precondition the client set, if any; both spellings must agree."""
    from_header = _parse_if_match(if_match) if if_match is not None else None
    if in_body is not None and from_header is not None and in_body != from_header:
        raise _invalid("expectedVersion and If-Match disagree")
    return in_body if in_body is not None else from_header


def _parse_if_match(value: str) -> int:
    tag = value.strip().removeprefix("W/").strip().strip('"')
    if not tag.isdigit():
        raise _invalid('If-Match must be a version number, e.g. "3"')
    return int(tag)


def _invalid(message: str) -> Problem:
    errors = [{"loc": ["header", "if-match"], "msg": message, "type": "value_error"}]
    return Problem(422, "validation_error", errors, errors=errors)
