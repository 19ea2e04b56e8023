"""Answers of the read side rendered straight from rows (wire/render.py)."""

from typing import Any

from fastapi.responses import Response

from wire.render import to_json


class RawJSON(Response):
    """A body already rendered as the response model would be."""

    media_type = "application/json"


def json_response(value: Any, headers: dict[str, str] | None = None) -> RawJSON:
    return RawJSON(to_json(value), headers=headers)
