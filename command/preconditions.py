"""Optimistic-concurrency preconditions: `expectedVersion` in the body or `If-Match`."""

from typing import Annotated, Any

from fastapi import Header, Query
from pydantic import AliasChoices, Field

from wire.problems import Problem

# Versions live in bigint columns, but a JSON client reads numbers as doubles: the largest
# integer a double holds exactly is the bound the document states and the server accepts.
MAX_VERSION = 2**53 - 1
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The version this change expects, e.g. "3" (quotes optional, W/ ignored); '
        "another version answers 409 version_conflict",
    ),
]
ExpectedVersionQuery = Annotated[
    int | None,
    Query(alias="expectedVersion", ge=0, le=MAX_VERSION, description="The same as If-Match"),
]
# In a body: `expectedVersion` (either spelling), or `version` as the newer app sends it
# (API.md 1.4 rev. 2).
ExpectedVersion = Annotated[
    int | None,
    Field(
        validation_alias=AliasChoices("expectedVersion", "expected_version", "version"),
        ge=0,  # 0 is a version no resource has: 409 version_conflict, like any stale one
        le=MAX_VERSION,
    ),
]


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
