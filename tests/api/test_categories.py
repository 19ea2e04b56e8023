"""The six category endpoints (API.md 4), owner-scoped, with versions."""

import asyncio
import uuid
from typing import Any, cast

import httpx

from tests.api.accounts import Account

BASE = "/api/v1/categories"


async def create(client: httpx.AsyncClient, who: Account, **body: object) -> dict[str, Any]:
    response = await client.post(BASE, json={"name": "Medication", **body}, headers=who.headers)
    assert response.status_code == 201, response.text
    return cast(dict[str, Any], response.json())


async def test_create_then_list_shows_it_immediately(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(client, alice, description="Daily meds", displayOrder=2, localId="loc-1")
    listed = await client.get(BASE, headers=alice.headers)
    assert listed.status_code == 200
    assert listed.json() == {"categories": [created], "total": 1}
    assert created["version"] == 1
    assert created["localId"] == "loc-1"
    assert created["displayOrder"] == 2


async def test_list_is_ordered_by_display_order_then_name(
    client: httpx.AsyncClient, alice: Account
) -> None:
    for name, order in [("Zinc", 0), ("Airway", 1), ("Bandages", 0)]:
        await create(client, alice, name=name, displayOrder=order)
    names = [
        c["name"] for c in (await client.get(BASE, headers=alice.headers)).json()["categories"]
    ]
    assert names == ["Bandages", "Zinc", "Airway"]


async def test_create_accepts_snake_case_and_sanitises_names(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(
        client, alice, name="  <b>Feeding</b>; tubes ", display_order=4, is_default=True
    )
    assert created["name"] == "Feeding tubes"
    assert created["displayOrder"] == 4
    assert created["isDefault"] is True


async def test_get_and_count(client: httpx.AsyncClient, alice: Account) -> None:
    created = await create(client, alice)
    await create(client, alice, name="Airway")
    got = await client.get(f"{BASE}/{created['id']}", headers=alice.headers)
    count = await client.get(f"{BASE}/count", headers=alice.headers)
    assert got.status_code == 200
    assert got.json() == created
    assert got.headers["etag"] == '"1"'
    assert count.json() == {"count": 2}


async def test_update_changes_only_supplied_fields_and_bumps_version(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(client, alice, description="keep me")
    response = await client.put(
        f"{BASE}/{created['id']}", json={"name": "Meds", "description": None}, headers=alice.headers
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated["name"] == "Meds"
    assert updated["description"] == "keep me"
    assert updated["version"] == 2
    assert (await client.get(f"{BASE}/{created['id']}", headers=alice.headers)).json() == updated


async def test_stale_expected_version_is_a_conflict_carrying_the_current_state(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(client, alice)
    await client.put(f"{BASE}/{created['id']}", json={"name": "Renamed"}, headers=alice.headers)
    stale = await client.put(
        f"{BASE}/{created['id']}",
        json={"name": "Mine", "expectedVersion": 1},
        headers=alice.headers,
    )
    stale_header = await client.put(
        f"{BASE}/{created['id']}",
        json={"name": "Mine"},
        headers={**alice.headers, "If-Match": '"1"'},
    )
    assert stale.status_code == stale_header.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    assert stale.json()["current"]["name"] == "Renamed"
    assert stale.json()["current"]["version"] == 2
    current = (await client.get(f"{BASE}/{created['id']}", headers=alice.headers)).json()
    assert current["name"] == "Renamed"


async def test_matching_precondition_applies(client: httpx.AsyncClient, alice: Account) -> None:
    created = await create(client, alice)
    response = await client.put(
        f"{BASE}/{created['id']}",
        json={"displayOrder": 7},
        headers={**alice.headers, "If-Match": 'W/"1"'},
    )
    assert response.status_code == 200
    assert response.json()["displayOrder"] == 7


async def test_disagreeing_preconditions_are_a_validation_error(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(client, alice)
    response = await client.put(
        f"{BASE}/{created['id']}",
        json={"name": "X", "expectedVersion": 1},
        headers={**alice.headers, "If-Match": '"2"'},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_names_are_unique_per_owner_trimmed_and_case_insensitive(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await create(client, alice, name="Medication")
    clash = await client.post(BASE, json={"name": " medication "}, headers=alice.headers)
    assert clash.status_code == 409
    assert clash.json()["code"] == "conflict"
    await create(client, bob, name="Medication")  # another household may use it


async def test_rename_onto_a_taken_name_conflicts_and_frees_nothing(
    client: httpx.AsyncClient, alice: Account
) -> None:
    first = await create(client, alice, name="Airway")
    second = await create(client, alice, name="Meds")
    clash = await client.put(
        f"{BASE}/{second['id']}", json={"name": "AIRWAY"}, headers=alice.headers
    )
    assert clash.status_code == 409
    assert clash.json()["code"] == "conflict"
    # "Meds" is still held by the second category; renaming the first frees "Airway".
    assert (
        await client.post(BASE, json={"name": "meds"}, headers=alice.headers)
    ).status_code == 409
    await client.put(f"{BASE}/{first['id']}", json={"name": "Breathing"}, headers=alice.headers)
    await create(client, alice, name="Airway")


async def test_case_only_rename_keeps_the_name(client: httpx.AsyncClient, alice: Account) -> None:
    created = await create(client, alice, name="meds")
    response = await client.put(
        f"{BASE}/{created['id']}", json={"name": "Meds"}, headers=alice.headers
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Meds"


async def test_delete_removes_it_and_frees_the_name(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(client, alice)
    response = await client.delete(f"{BASE}/{created['id']}", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Category 'Medication' deleted"}
    gone = await client.get(f"{BASE}/{created['id']}", headers=alice.headers)
    assert gone.status_code == 404
    assert (await client.get(BASE, headers=alice.headers)).json()["total"] == 0
    again = await client.delete(f"{BASE}/{created['id']}", headers=alice.headers)
    assert again.status_code == 404
    await create(client, alice)


async def test_a_default_category_cannot_be_deleted(
    client: httpx.AsyncClient, alice: Account
) -> None:
    default = await create(client, alice, isDefault=True)
    refused = await client.delete(f"{BASE}/{default['id']}", headers=alice.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "conflict")
    assert refused.json()["detail"] == "Default categories cannot be deleted"
    assert (await client.get(f"{BASE}/{default['id']}", headers=alice.headers)).status_code == 200


async def test_delete_honours_expected_version(client: httpx.AsyncClient, alice: Account) -> None:
    created = await create(client, alice)
    await client.put(f"{BASE}/{created['id']}", json={"name": "Renamed"}, headers=alice.headers)
    stale = await client.delete(f"{BASE}/{created['id']}?expectedVersion=1", headers=alice.headers)
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    assert (await client.get(f"{BASE}/{created['id']}", headers=alice.headers)).status_code == 200


async def test_another_owners_category_is_not_found(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    created = await create(client, alice)
    path = f"{BASE}/{created['id']}"
    responses = [
        await client.get(path, headers=bob.headers),
        await client.put(path, json={"name": "Mine"}, headers=bob.headers),
        await client.delete(path, headers=bob.headers),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert all(r.json()["code"] == "not_found" for r in responses)
    assert (await client.get(BASE, headers=bob.headers)).json()["total"] == 0
    assert (await client.get(path, headers=alice.headers)).json()["name"] == "Medication"


async def test_unknown_and_malformed_ids_are_not_found(
    client: httpx.AsyncClient, alice: Account
) -> None:
    for category_id in (str(uuid.uuid4()), "not-a-uuid", alice.user_id):
        for method in ("GET", "PUT", "DELETE"):
            body = {"name": "x"} if method == "PUT" else None
            response = await client.request(
                method, f"{BASE}/{category_id}", json=body, headers=alice.headers
            )
            assert response.status_code == 404, (method, category_id, response.text)


async def test_invalid_bodies_are_rejected_and_change_nothing(
    client: httpx.AsyncClient, alice: Account
) -> None:
    for body in [
        {},
        {"name": ""},
        {"name": "<b></b>"},
        {"name": "x" * 256},
        {"name": "ok", "displayOrder": -1},
        {"name": "ok", "displayOrder": "3"},
        {"name": "ok", "isDefault": "yes"},
        {"name": "ok", "description": "d" * 1001},
        {"name": "ok", "localId": "l" * 37},
        ["name"],
    ]:
        response = await client.post(BASE, json=body, headers=alice.headers)
        assert response.status_code == 422, body
        assert response.json()["code"] == "validation_error"
    malformed = await client.post(
        BASE, content=b'{"name": ', headers={**alice.headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 422
    assert (await client.get(f"{BASE}/count", headers=alice.headers)).json() == {"count": 0}


async def test_endpoints_require_authentication(client: httpx.AsyncClient) -> None:
    for method, path in [("GET", BASE), ("POST", BASE), ("GET", f"{BASE}/count")]:
        response = await client.request(method, path)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


async def test_concurrent_renames_without_preconditions_all_apply_in_some_order(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(client, alice)
    names = [f"Name {i}" for i in range(8)]
    responses = await asyncio.gather(
        *(
            client.put(f"{BASE}/{created['id']}", json={"name": n}, headers=alice.headers)
            for n in names
        )
    )
    assert all(r.status_code == 200 for r in responses)
    final = (await client.get(f"{BASE}/{created['id']}", headers=alice.headers)).json()
    assert final["version"] == 1 + len(names)
    assert final["name"] in names
    # Only the final name is held: every other name is free again.
    for name in names:
        expected = 409 if name == final["name"] else 201
        response = await client.post(BASE, json={"name": name}, headers=alice.headers)
        assert response.status_code == expected, name
