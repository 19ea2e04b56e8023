"""Responses rendered straight from rows, in the shapes of the response models.

The hot reads (lists, one resource, a bootstrap pull) skip pydantic's validation and
FastAPI's encoder: the rows come from our own read tables, and orjson writes the same JSON
pydantic would (camelCase keys from the models, ISO dates, UTC times with Z). The models
stay the documentation and the contract; tests compare both spellings.
"""

from collections.abc import Mapping
from typing import Any

import asyncpg
import orjson
from pydantic import BaseModel


def shape(model: type[BaseModel]) -> list[tuple[str, str]]:
    """(row key, wire key) for every field of a response model."""
    return [(name, field.alias or name) for name, field in model.model_fields.items()]


def rendered(
    fields: list[tuple[str, str]], row: Mapping[str, Any] | asyncpg.Record
) -> dict[str, Any]:
    return {wire: row[key] for key, wire in fields}


def to_json(value: Any) -> bytes:
    """JSON as the API writes it (pydantic's JSON mode): ISO dates, UTC datetimes with Z."""
    return orjson.dumps(value, default=str, option=orjson.OPT_UTC_Z)
