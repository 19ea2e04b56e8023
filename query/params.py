"""Query-string models that accept both spellings of a name (API.md 1.1, 1.3, 5.2)."""

from dataclasses import dataclass
from typing import Any, TypeVar, cast

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

M = TypeVar("M", bound=BaseModel)
MAX_OFFSET = 10**9  # page x pageSize beyond this is an empty page, not an error (API.md 1.7)


def either(*names: str) -> Any:
    return AliasChoices(*names)


class Paging(BaseModel):
    """`page`/`pageSize` (alias `page_size`), or `skip`/`limit`, which win when present."""

    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=100, validation_alias=either("pageSize", "page_size"))
    skip: int | None = Field(None, ge=0, le=MAX_OFFSET)
    limit: int | None = Field(None, ge=1, le=100)


@dataclass(frozen=True)
class Window:
    offset: int  # at most MAX_OFFSET + 1: past the last row of any table here
    limit: int
    page: int

    @classmethod
    def of(cls, paging: Paging) -> "Window":
        if paging.skip is not None or paging.limit is not None:
            limit = paging.limit or paging.page_size
            offset = paging.skip or 0
            return cls(offset, limit, offset // limit + 1)
        offset = min((paging.page - 1) * paging.page_size, MAX_OFFSET + 1)
        # Past a billion rows every page is empty; the page echoed is capped there too.
        return cls(offset, paging.page_size, min(paging.page, MAX_OFFSET + 1))

    @classmethod
    def at(cls, offset: int, limit: int) -> "Window":
        return cls(offset, limit, offset // limit + 1)

    def has_more(self, total: int) -> bool:
        return self.offset + self.limit < total

    def wire_envelope(self, total: int) -> dict[str, Any]:
        """The same, in wire spelling, for answers rendered straight from rows."""
        return {
            "total": total,
            "page": self.page,
            "pageSize": self.limit,
            "hasMore": self.has_more(total),
        }

    def envelope(self, total: int) -> dict[str, Any]:
        """The paging members every list answer carries (API.md 1.3)."""
        return {
            "total": total,
            "page": self.page,
            "page_size": self.limit,
            "has_more": self.has_more(total),
        }


def query_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """The model's fields as OpenAPI query parameters (`openapi_extra`): parse_query reads
    the query string itself, to accept every spelling, so FastAPI cannot see them."""
    schema = model.model_json_schema(mode="validation")
    parameters = []
    for name, field in model.model_fields.items():
        alias = cast(AliasChoices | None, field.validation_alias)  # aliases here come from either()
        choices = alias.choices if alias else [name]
        wire, *others = [str(c) for c in choices]
        spec = dict(schema["properties"][wire])
        spec.pop("title", None)
        about = spec.pop("description", None) or field.description or ""
        if others:
            about = f"{about} Also spelled {', '.join(others)}.".strip()
        parameter = {"name": wire, "in": "query", "required": False, "schema": spec}
        if about:
            parameter["description"] = about
        parameters.append(parameter)
    return {"parameters": parameters}


def parse_query(request: Request, model: type[M]) -> M:
    """Validate the query string; errors answer 422 like any other validation error."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        errors = [{**e, "loc": ("query", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None
