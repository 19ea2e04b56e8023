"""Contract details a client trips on (API.md 1.4, 1.5, 1.7, 9): a version no resource has
is a conflict, validation errors always carry their list, lengths are counted in
characters, the document's bounds are integers the server accepts, every schema has an
example, HEAD is served wherever GET is, and an expired token says so."""

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from infra.settings import Settings
from tests.api.accounts import Account
from tests.api.inventory import category, get, item
from tests.api.test_security import forge, signing_key
from vitaltrack.openapi import EXAMPLES

INTEGRAL_FLOAT = re.compile(r'"(maximum|minimum|exclusiveMaximum|exclusiveMinimum)":\s*-?\d+\.0\b')


async def test_a_version_no_resource_has_is_a_version_conflict(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    saline = await item(client, alice, meds["id"])
    for method, path, body in (
        ("PUT", f"/api/v1/items/{saline['id']}", {"version": 0}),
        ("PUT", f"/api/v1/categories/{meds['id']}", {"expectedVersion": 0}),
        ("DELETE", f"/api/v1/items/{saline['id']}?expectedVersion=0", None),
    ):
        answer = await client.request(method, path, json=body, headers=alice.headers)
        assert answer.status_code == 409, (method, path, answer.text)
        assert (answer.json()["code"], answer.json()["server_version"]) == ("version_conflict", 1)


async def test_a_stock_change_out_of_range_is_a_validation_error_with_its_list(
    client: httpx.AsyncClient, alice: Account
) -> None:
    saline = await item(client, alice, (await category(client, alice))["id"], quantity=15)
    path = f"/api/v1/items/{saline['id']}/stock"
    answer = await client.patch(path, json={"delta": 999999}, headers=alice.headers)
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "validation_error"
    assert [e["msg"] for e in body["detail"]] == ["Quantity cannot exceed 999999"]
    assert body["errors"] == body["detail"]
    assert (await get(client, alice, f"/items/{saline['id']}"))["quantity"] == 15


async def test_length_errors_are_counted_in_characters(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    long = "x" * 256
    signing_up = {"email": "l@example.com", "password": "Passw0rdOK", "name": long}
    for path, body, headers in (
        ("/api/v1/categories", {"name": long}, alice.headers),
        ("/api/v1/items", {"categoryId": meds["id"], "name": long}, alice.headers),
        ("/api/v1/auth/register", signing_up, {}),
    ):
        answer = await client.post(path, json=body, headers=headers)
        assert answer.status_code == 422, (path, answer.text)
        (error,) = answer.json()["detail"]
        assert error["msg"] == "String should have at most 255 characters", path
    empty = await client.post("/api/v1/categories", json={"name": " "}, headers=alice.headers)
    assert empty.json()["detail"][0]["msg"] == "String should have at least 1 character"


async def test_the_documented_bounds_are_integers_and_the_largest_version_is_accepted(
    client: httpx.AsyncClient, alice: Account
) -> None:
    text = (await client.get("/openapi.json")).text
    assert not INTEGRAL_FLOAT.findall(text)
    update = json.loads(text)["components"]["schemas"]["ItemUpdate"]
    (bounded,) = [s for s in update["properties"]["expectedVersion"]["anyOf"] if "maximum" in s]
    largest = bounded["maximum"]
    assert isinstance(largest, int) and float(largest) == largest  # exact in a double
    saline = await item(client, alice, (await category(client, alice))["id"])
    path = f"/api/v1/items/{saline['id']}"
    answer = await client.put(path, json={"expectedVersion": largest}, headers=alice.headers)
    assert (answer.status_code, answer.json()["code"]) == (409, "version_conflict")


async def test_what_reads_no_input_documents_no_422_and_never_answers_it(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("/", "/live"):
        assert "422" not in paths[path]["get"]["responses"], path
        answer = await client.get(path, params={"probe": "\x00"})
        assert answer.status_code == 200, path


async def test_every_schema_has_an_example_that_fits_it(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    assert [name for name, schema in schemas.items() if not schema.get("examples")] == []
    for model, example in EXAMPLES.items():  # the others are checked in test_openapi
        model.model_validate_json(json.dumps(example))


async def test_head_is_answered_wherever_get_is(client: httpx.AsyncClient, alice: Account) -> None:
    meds = await category(client, alice)
    saline = await item(client, alice, meds["id"])
    ids = {"category_id": meds["id"], "item_id": saline["id"], "order_ref": "x", "token": "x"}
    paths = (await client.get("/openapi.json")).json()["paths"]
    gets = [path for path, operations in paths.items() if "get" in operations]
    for path in gets:
        url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
        got = await client.get(url, headers=alice.headers)
        head = await client.head(url, headers=alice.headers)
        assert head.status_code == got.status_code, (path, head.status_code)
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.content == b"", path
    assert len(gets) > 20
    metrics = (await client.get("/metrics")).text  # logged and counted as HEAD, by route
    assert 'method="HEAD",route="/api/v1/items/{item_id}",status="200"' in metrics


async def test_an_expired_access_token_says_it_expired(
    client: httpx.AsyncClient, alice: Account, settings: Settings
) -> None:
    key = signing_key(settings)
    expired = forge(key, sub=alice.user_id, exp=datetime.now(UTC) - timedelta(seconds=5))
    forged = forge(key, sub=alice.user_id, type="refresh")
    answers: dict[str, Any] = {}
    for name, token in (("expired", expired), ("forged", forged)):
        answer = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert (answer.status_code, answer.json()["code"]) == (401, "invalid_token"), name
        answers[name] = answer.json()["detail"]
    assert "expired" in answers["expired"]
    assert "expired" not in answers["forged"]
