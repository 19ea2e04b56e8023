"""Responses rendered straight from rows, in the shapes of the response models.

The hot reads (lists, one resource, a bootstrap pull) skip pydantic's validation and
FastAPI's encoder: the rows come from our own read tables, and orjson writes the same JSON
pydantic would (camelCase keys from the models, ISO dates, UTC times with Z). The hottest
list (the item page) has PostgreSQL build the same values (`sql_object`), so its bytes pass
through untouched. The models stay the documentation and the contract; tests compare the
spellings (tests/integration/test_rendering.py).
"""

from collections.abc import Mapping
from datetime import datetime
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


def sql_object(model: type[BaseModel]) -> str:
    """A SQL expression building, from a row, the JSON object `to_json(rendered(shape(model),
    row))` writes: the same keys in the same order and the same values (whitespace aside).
    The model's datetime fields are the ones spelled as orjson spells them."""
    stamps = {name for name, f in model.model_fields.items() if f.annotation is datetime}
    pairs = (f"'{wire}', {_utc(key) if key in stamps else key}" for key, wire in shape(model))
    return f"json_build_object({', '.join(pairs)})"


def _utc(column: str) -> str:
    """A timestamptz as orjson writes it with OPT_UTC_Z: microseconds only when nonzero."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', {utc}) "
        f"= {utc} THEN '' ELSE to_char({utc}, '.US') END || 'Z'"
    )
