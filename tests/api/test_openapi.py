"""The OpenAPI document is the truth (issue 15): every parameter the server reads, every
header, every answer with its body's schema, an example per resource.

These walk the document; tests/documented.py checks every answer the suite sees against it,
and the schema fuzz does the same with generated input."""

import re
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest

from command.accounts.requests import LoginIn, RegisterIn
from command.categories.requests import CategoryCreate, CategoryUpdate
from command.items.requests import ItemCreate, ItemUpdate, StockChange, StocktakeRequest
from command.orders.requests import OrderCreate, StatusChange, SuggestRequest
from tests.api.accounts import Account
from vitaltrack.health import READS_NOTHING
from wire.activity import ActivityEntry, HistoryEntry
from wire.categories import CategoryOut
from wire.errors import CODES, MODELS, ErrorBody
from wire.items import ItemOut, ItemStats
from wire.orders import OrderOut
from wire.planning import ExpiringOut, ForecastOut, StocktakeOut, SuggestedOrderOut
from wire.sync import PullIn, PullOut, PushIn, PushOut
from wire.users import AuthOut, UserOut

Operation = tuple[str, str, dict[str, Any]]
ERROR_BODIES = {ErrorBody.__name__, *(m.__name__ for m in MODELS.values())}
# API.md 1.6: the limited endpoints, and only those, can answer 429.
RATE_LIMITED = {
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/forgot-password"),
    ("post", "/api/v1/auth/reset-password"),
    ("post", "/api/v1/auth/resend-verification"),
    ("patch", "/api/v1/auth/me"),
    ("post", "/api/v1/auth/change-password"),
    ("delete", "/api/v1/auth/me"),
    ("post", "/api/v1/households/current/invitations"),  # 20 a day per household
    ("post", "/api/v1/households/invitations/{token}"),  # a password guessed: as a sign-in
}
# API.md 1.4: an Idempotency-Key on every state-changing request of a resource, sync and
# the account. Not on login/refresh (a retry signs in again anyway) nor on the emailed-link
# and deletion flows, whose one-time tokens make a retry harmless already.
KEYED = {
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/categories"),
    ("put", "/api/v1/categories/{category_id}"),
    ("delete", "/api/v1/categories/{category_id}"),
    ("post", "/api/v1/items"),
    ("put", "/api/v1/items/{item_id}"),
    ("delete", "/api/v1/items/{item_id}"),
    ("patch", "/api/v1/items/{item_id}/stock"),
    ("post", "/api/v1/items/stocktake"),
    ("post", "/api/v1/orders"),
    ("post", "/api/v1/orders/suggested"),
    ("patch", "/api/v1/orders/{order_ref}/status"),
    ("post", "/api/v1/orders/{order_ref}/apply"),
    ("delete", "/api/v1/orders/{order_ref}"),
    ("post", "/api/v1/sync/push"),
    ("post", "/api/v1/sync/full"),
    ("post", "/api/v1/auth/logout"),
    ("patch", "/api/v1/auth/me"),
    ("post", "/api/v1/auth/change-password"),
    ("patch", "/api/v1/households/current"),
    ("put", "/api/v1/households/default"),
    ("post", "/api/v1/households/current/invitations"),
    ("delete", "/api/v1/households/current/invitations/{invitation_id}"),
    ("post", "/api/v1/households/join"),
    ("patch", "/api/v1/households/current/members/{user_id}"),
    ("delete", "/api/v1/households/current/members/{user_id}"),
}
EXAMPLED = [
    CategoryOut,
    ItemOut,
    ItemStats,
    OrderOut,
    UserOut,
    AuthOut,
    ActivityEntry,
    HistoryEntry,
    PushOut,
    PullOut,
    PushIn,
    PullIn,
    RegisterIn,
    LoginIn,
    CategoryCreate,
    CategoryUpdate,
    ItemCreate,
    ItemUpdate,
    StockChange,
    OrderCreate,
    StatusChange,
    ForecastOut,
    ExpiringOut,
    SuggestedOrderOut,
    StocktakeOut,
    SuggestRequest,
    StocktakeRequest,
]


@pytest.fixture
async def schema(client: httpx.AsyncClient) -> dict[str, Any]:
    return cast(dict[str, Any], (await client.get("/openapi.json")).json())


def operations(schema: dict[str, Any]) -> Iterator[Operation]:
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def codes(operation: dict[str, Any], status: int) -> set[str]:
    answer = operation["responses"].get(str(status), {})
    return set(answer.get("content", {}).get("application/json", {}).get("examples", {}))


def parameters(operation: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == where}


async def test_every_error_answer_has_the_error_body_and_an_example_per_code(
    schema: dict[str, Any],
) -> None:
    assert "HTTPValidationError" not in schema["components"]["schemas"]  # FastAPI's, not ours
    for method, path, operation in operations(schema):
        for status, answer in operation["responses"].items():
            if int(status) < 400 or path.startswith("/health"):
                continue
            if "application/json" not in answer.get("content", {}):
                assert set(answer["content"]) == {"text/html"}  # a page for a browser
                continue
            where = f"{method} {path} {status}"
            for media in ("application/json", "application/problem+json"):
                ref = answer["content"][media]["schema"]["$ref"]
                assert ref.rsplit("/", 1)[-1] in ERROR_BODIES, where
            examples = answer["content"]["application/json"]["examples"]
            assert examples, where
            for code, example in examples.items():
                assert CODES[code][0] == int(status) == example["value"]["status"], where
                assert example["value"]["code"] == code, where
                assert f"`{code}`" in answer["description"], where
                MODELS.get(int(status), ErrorBody).model_validate(example["value"])


async def test_each_operation_documents_the_errors_it_can_answer(
    schema: dict[str, Any],
) -> None:
    for method, path, operation in operations(schema):
        where = f"{method} {path}"
        if path not in READS_NOTHING:  # bounds check every other URL
            assert {"validation_error"} <= codes(operation, 422), where
        assert "internal_error" in codes(operation, 500), where
        if operation.get("security"):
            assert {"not_authenticated", "invalid_token"} <= codes(operation, 401), where
            assert "unavailable" in codes(operation, 503), where
        if method in ("post", "put", "patch", "delete"):
            assert "payload_too_large" in codes(operation, 413), where
        else:
            assert "413" not in operation["responses"], where
        if "If-Match" in parameters(operation, "header"):
            assert "version_conflict" in codes(operation, 409), where
        if "Idempotency-Key" in parameters(operation, "header"):
            assert "idempotency_in_progress" in codes(operation, 409), where
            assert "idempotency_key_reused" in codes(operation, 422), where
        if path.startswith("/api/v1/") and "{" in path:
            assert (
                codes(operation, 404)
                or codes(operation, 400)
                or "400" in str(operation["responses"])
            ), where
        assert ("429" in operation["responses"]) == ((method, path) in RATE_LIMITED), where


async def test_the_idempotency_key_is_declared_where_it_is_honoured(
    schema: dict[str, Any], client: httpx.AsyncClient, alice: Account
) -> None:
    declared = {
        (method, path)
        for method, path, operation in operations(schema)
        if "Idempotency-Key" in parameters(operation, "header")
    }
    assert declared == KEYED
    # Read there: a malformed key is refused on each of them, before anything runs.
    for method, path in sorted(KEYED):
        url = path.replace("{category_id}", "x").replace("{item_id}", "x")
        url = url.replace("{order_ref}", "x").replace("{invitation_id}", "x")
        url = url.replace("{user_id}", "x")
        headers = {**alice.headers, "Idempotency-Key": "tab\tkey"}
        answer = await client.request(method, url, json={}, headers=headers)
        assert answer.status_code == 422, (method, path, answer.text)
        assert ["header", "Idempotency-Key"] in [e["loc"] for e in answer.json()["errors"]], path


async def test_every_documented_query_parameter_is_read_by_the_server(
    schema: dict[str, Any], client: httpx.AsyncClient, alice: Account
) -> None:
    """A value the parameter's schema refuses answers 422 naming it: the name is real."""
    checked = 0
    for method, path, operation in operations(schema):
        if method != "get" or not path.startswith("/api/v1/") or "{" in path:
            continue
        for name, parameter in parameters(operation, "query").items():
            spec = str(parameter["schema"])
            if "maxLength" in spec and "format" not in spec:
                bad = "x" * 1000
            elif any(word in spec for word in ("integer", "boolean", "enum", "format")):
                bad = "nope"
            else:
                continue  # any text will do
            answer = await client.get(path, params={name: bad}, headers=alice.headers)
            assert answer.status_code == 422, (path, name, bad, answer.text)
            assert name in {str(p) for p in answer.json()["errors"][0]["loc"]}, (path, name)
            checked += 1
    assert checked >= 20  # items, orders, activity and activities each document theirs


async def test_list_parameters_keep_their_other_spellings_documented(
    schema: dict[str, Any],
) -> None:
    items = parameters(schema["paths"]["/api/v1/items"]["get"], "query")
    assert {"page", "pageSize", "skip", "limit", "categoryId", "lowStockOnly", "search"} <= set(
        items
    )
    assert "page_size" in items["pageSize"]["description"]
    assert items["pageSize"]["schema"]["maximum"] == 100
    expected = {  # API.md 1.3, 5.2, 7.1, 7.3
        "/api/v1/orders": {"page", "pageSize", "skip", "limit", "status"},
        "/api/v1/activity": {"page", "pageSize", "entityType", "entityId", "action", "since"},
        "/api/v1/activities": {"limit", "offset"},
        "/api/v1/items/{item_id}/history": {"page", "pageSize"},
    }
    for path, names in expected.items():
        assert names <= set(parameters(schema["paths"][path]["get"], "query")), path


@pytest.mark.parametrize("model", EXAMPLED, ids=lambda m: m.__name__)
async def test_each_resource_has_an_example_that_fits_it(
    schema: dict[str, Any], model: Any
) -> None:
    [example] = model.model_json_schema()["examples"]
    model.model_validate(example)  # an example that drifted from its model fails here
    # FastAPI writes the document without nulls, examples included.
    assert schema["components"]["schemas"][model.__name__]["examples"] == [without_nulls(example)]


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


async def test_resources_carrying_a_version_document_the_etag(schema: dict[str, Any]) -> None:
    for path in ("/api/v1/items/{item_id}", "/api/v1/categories/{category_id}"):
        assert "ETag" in schema["paths"][path]["get"]["responses"]["200"]["headers"]
    assert "ETag" in schema["paths"]["/api/v1/items"]["post"]["responses"]["201"]["headers"]


async def test_every_operation_is_reached_by_its_own_paths(app: Any) -> None:
    """Routers are included busiest first (vitaltrack/app.py): no route may shadow another,
    so a request on each documented operation's own path is routed to that operation."""
    operations = [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 34

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(_message: Any) -> None:
        pass

    for method, path in operations:
        concrete = re.sub(r"\{[^}]+\}", "0b9e6c1e-5a3f-4c9e-8f1a-2d6e7c8b9a0f", path)
        scope: dict[str, Any] = {
            "type": "http",
            "method": method,
            "path": concrete,
            "raw_path": concrete.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [],
            "http_version": "1.1",
            "scheme": "http",
            "server": ("test", 80),
            "client": ("127.0.0.1", 1),
        }
        await app(scope, receive, send)
        assert scope["route"].path == path, f"{method} {concrete} reached {scope['route'].path}"
