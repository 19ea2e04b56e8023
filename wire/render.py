"""Responses rendered straight from rows, in the shapes of the response models.

The hot reads (lists, one resource, a bootstrap pull) skip pydantic's validation and
FastAPI's encoder: the rows come from our own read tables, and orjson writes the same JSON
pydantic would (camelCase keys from the models, ISO dates, UTC times with Z). The longest
lists (the item page; a pull's categories, items and events) have PostgreSQL build the same
values (`sql_array`), so their bytes pass through untouched. The models stay the
documentation and the contract; tests compare the spellings (tests/integration/test_rendering.py).
"""

from collections.abc import Mapping, Sequence
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


def sql_array(model: type[BaseModel], source: str, order: Sequence[str], *also: str) -> str:
    """A query for the JSON array (as text) `to_json([rendered(shape(model), row) ...])`
    writes for the rows of `source` (what follows FROM: a table, its conditions, perhaps
    ORDER BY and LIMIT), in the order of the row keys `order`: the same keys in the same
    order and the same values. PostgreSQL turns each row of wire-named columns into its
    object, in about half the time `json_build_object` over the same values takes. The row
    keys `also` come back too, each as an array in the same order (NULL for no rows)."""
    wire = dict(shape(model))
    by = ", ".join(f'r."{wire[key]}"' for key in order)
    arrays = "".join(f', array_agg(r."{wire[key]}" ORDER BY {by})' for key in also)
    return (
        f"SELECT coalesce(json_agg(r ORDER BY {by}), '[]')::text{arrays} "
        f"FROM (SELECT {_columns(model)} FROM {source}) r"
    )


def _columns(model: type[BaseModel]) -> str:
    """The model's fields as wire-named columns; datetimes spelled as orjson spells them."""
    stamps = {name for name, f in model.model_fields.items() if f.annotation is datetime}
    return ", ".join(
        f'{sql_utc(key) if key in stamps else key} AS "{wire}"' for key, wire in shape(model)
    )


def sql_utc(column: str, offset: str = "Z") -> str:
    """A timestamptz as text the way Python writes a UTC time: orjson with OPT_UTC_Z (offset
    "Z"), or `datetime.isoformat()` (offset "+00:00"); microseconds only when nonzero."""
    text = f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"{offset}\"')"
    return f"replace({text}, '.000000{offset}', '{offset}')"
