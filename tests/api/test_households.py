"""Caregivers share one household (API.md 12): invitations by emailed link, roles, members,
the current household, attribution."""

from typing import Any

import httpx

from infra.database import Database
from infra.settings import Settings
from tests.api.accounts import PASSWORD, Account, register, verify
from tests.api.households import (
    H,
    accept_as_new,
    current,
    invite,
    join_as,
    member,
    sign_in,
)
from tests.api.inventory import category, get, item, stock
from tests.api.released_app import ReleasedApp
from tests.documented import checked_client
from tests.smtp import Mailbox
from tests.waiting import until
from vitaltrack.app import create_app

VIEWERS = "Viewers can read this household's supplies but not change them"


async def test_registration_founds_a_household_of_one(
    client: httpx.AsyncClient, alice: Account
) -> None:
    listed = await client.get(H, headers=alice.headers)
    assert listed.status_code == 200
    assert listed.json()["households"] == [
        {
            "id": alice.user_id,
            "name": "Test User's household",
            "role": "owner",
            "memberCount": 1,
            "isDefault": True,
            "isCurrent": True,
        }
    ]
    home = await current(client, alice)
    assert (home["timeZone"], home["leadTimeDays"], home["coverDays"]) == ("UTC", 3, 30)
    assert [(m["userId"], m["role"]) for m in home["members"]] == [(alice.user_id, "owner")]
    assert (home["version"], home["invitations"]) == (1, [])


async def test_a_nurse_invited_by_mail_creates_her_account_on_the_page_and_sees_the_supplies(
    client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
) -> None:
    meds = await category(client, alice)
    await item(client, alice, meds["id"], name="Saline", quantity=4)
    link = await invite(client, alice, mailbox, "nurse@example.com", "caregiver")
    page = await client.get(link)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Test User&#39;s household" in page.text and "caregiver" in page.text
    assert (
        "<script" not in page.text
        and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    )
    joined = await accept_as_new(client, link)
    assert joined.status_code == 200 and "nurse@example.com" in joined.text
    assert (await client.get(link)).status_code == 400  # single use

    nurse = await sign_in(client, "nurse@example.com")
    names = [i["name"] for i in (await get(client, nurse, "/items"))["items"]]
    assert names == ["Saline"]  # the family's inventory: her session is bound to it
    roles = {m["name"]: m["role"] for m in (await current(client, alice))["members"]}
    assert roles == {"Test User": "owner", "Sam Nurse": "caregiver"}


async def test_an_existing_account_joins_with_its_password(
    client: httpx.AsyncClient, alice: Account, bob: Account, mailbox: Mailbox
) -> None:
    link = await invite(client, alice, mailbox, bob.email, "viewer")
    wrong = await client.post(link, data={"password": "Wr0ngPassword"})
    assert wrong.status_code == 400 and "password" in wrong.text.lower()
    joined = await client.post(link, data={"password": PASSWORD})
    assert joined.status_code == 200
    again = await sign_in(client, bob.email)
    assert (await current(client, again))["id"] == alice.user_id  # the newest is the default
    # the session that was already signed in stays on its own household
    assert (await current(client, bob))["id"] == bob.user_id


async def test_a_viewer_reads_but_cannot_change_anything(
    client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
) -> None:
    meds = await category(client, alice)
    saline = await item(client, alice, meds["id"], name="Saline", quantity=4)
    viewer = await member(client, alice, mailbox, "grandma@example.com", "viewer")
    assert (await get(client, viewer, f"/items/{saline['id']}"))["quantity"] == 4
    refused = await stock(client, viewer, saline["id"], delta=-1)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden" and "Viewers" in refused.json()["detail"]
    made = await client.post("/api/v1/categories", json={"name": "X"}, headers=viewer.headers)
    assert made.status_code == 403
    settings = await client.patch(f"{H}/current", json={"name": "Mine"}, headers=viewer.headers)
    assert settings.status_code == 403 and "viewer" in settings.json()["detail"]


async def test_a_viewers_unchanged_logout_push_succeeds_and_a_change_is_refused(
    client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
) -> None:
    """The released app, signed in as an invited viewer: it pulls the family's data at login
    and pushes it all back at logout (API.md 12: as for anyone when nothing changes)."""
    meds = await category(client, alice)
    await item(client, alice, meds["id"], name="Saline", quantity=4)
    await member(client, alice, mailbox, "grandma@example.com", "viewer")
    phone = ReleasedApp(client, "grandma@example.com", PASSWORD)
    await phone.login()
    assert not phone.seeded and [i["name"] for i in phone.items] == ["Saline"]
    await phone.logout()
    assert {r["status"] for r in phone_results(phone)} == {"applied"}

    await phone.login()
    phone.set_stock("Saline", 1)
    await phone.logout()
    refused = [r for r in phone_results(phone) if r["status"] == "rejected"]
    assert [r["error"] for r in refused] == [{"code": "forbidden", "message": VIEWERS}]
    assert (await get(client, alice, "/items"))["items"][0]["quantity"] == 4


def phone_results(phone: ReleasedApp) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = phone.answers[-1]["results"]
    return results


async def test_a_caregivers_changes_sync_both_ways_and_are_attributed(
    client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
) -> None:
    meds = await category(client, alice)
    saline = await item(client, alice, meds["id"], name="Saline", quantity=10)
    nurse = await member(client, alice, mailbox, "nurse@example.com", "caregiver")
    assert (await stock(client, nurse, saline["id"], delta=-3, reason="used")).status_code == 200
    used = (await get(client, alice, "/activity?action=stock_update"))["entries"][0]
    assert used["actor"] == {"userId": nurse.user_id, "name": "Sam Nurse"}
    history = (await get(client, alice, f"/items/{saline['id']}/history"))["entries"]
    assert history[-1]["actor"]["name"] == "Sam Nurse"


async def test_a_removed_member_loses_the_household_at_once(
    client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
) -> None:
    nurse = await member(client, alice, mailbox, "nurse@example.com", "caregiver")
    assert (await client.get("/api/v1/items", headers=nurse.headers)).status_code == 200
    removed = await client.delete(f"{H}/current/members/{nurse.user_id}", headers=alice.headers)
    assert removed.status_code == 200
    gone = await client.get("/api/v1/items", headers=nurse.headers)
    assert gone.status_code == 403 and gone.json()["code"] == "forbidden"
    # sign-out, /auth/me and the list of households keep working
    assert (await client.get("/api/v1/auth/me", headers=nurse.headers)).status_code == 200
    mine = (await client.get(H, headers=nurse.headers)).json()["households"]
    assert [h["id"] for h in mine] == [nurse.user_id]


async def test_ownership_is_transferred_before_the_owner_can_leave(
    client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
) -> None:
    nurse = await member(client, alice, mailbox, "nurse@example.com", "caregiver")
    leave = await client.delete(f"{H}/current/members/{alice.user_id}", headers=alice.headers)
    assert leave.status_code == 409 and leave.json()["code"] == "conflict"
    handed = await client.patch(
        f"{H}/current/members/{nurse.user_id}", json={"role": "owner"}, headers=alice.headers
    )
    assert handed.status_code == 200
    roles = {m["userId"]: m["role"] for m in handed.json()["members"]}
    assert roles == {alice.user_id: "caregiver", nurse.user_id: "owner"}
    # the household Alice founded stays hers: she neither leaves it nor is removed from it
    stays = await client.delete(f"{H}/current/members/{alice.user_id}", headers=alice.headers)
    assert (stays.status_code, stays.json()["detail"]) == (
        409,
        "An account keeps the household it founded",
    )
    kept = await client.delete(f"{H}/current/members/{alice.user_id}", headers=nurse.headers)
    assert kept.status_code == 409
    left = await client.delete(f"{H}/current/members/{nurse.user_id}", headers=nurse.headers)
    assert left.status_code == 409  # the owner now: she transfers it back first
    assert {m["userId"] for m in (await current(client, nurse))["members"]} == set(roles)


async def test_retries_of_a_join_a_hand_over_and_a_leave_get_their_first_answers(
    client: httpx.AsyncClient, alice: Account, bob: Account, mailbox: Mailbox
) -> None:
    """Each took away what it needed (the token, the owner's role, the membership): with the
    same Idempotency-Key, the retry of a lost answer replays it, not 400 or 403."""
    link = await invite(client, alice, mailbox, bob.email, "caregiver")
    token = link.rsplit("/", 1)[1]
    keyed = {**bob.headers, "Idempotency-Key": "join-1"}
    first = await client.post(f"{H}/join", json={"token": token}, headers=keyed)
    assert first.status_code == 200, first.text
    again = await client.post(f"{H}/join", json={"token": token}, headers=keyed)
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"

    hand = {**alice.headers, "Idempotency-Key": "hand-1"}
    path = f"{H}/current/members/{bob.user_id}"
    handed = await client.patch(path, json={"role": "owner"}, headers=hand)
    assert handed.status_code == 200, handed.text
    assert (await client.patch(path, json={"role": "owner"}, headers=hand)).json() == handed.json()
    unkeyed = await client.patch(path, json={"role": "owner"}, headers=alice.headers)
    assert unkeyed.status_code == 403  # a new request: Alice is a caregiver now

    giving_back = await client.patch(
        f"{H}/current/members/{alice.user_id}",
        json={"role": "owner"},
        headers={**bob.headers, "X-Household-Id": alice.user_id},
    )
    assert giving_back.status_code == 200
    leave = {**bob.headers, "X-Household-Id": alice.user_id, "Idempotency-Key": "l1"}
    gone = await client.delete(f"{H}/current/members/{bob.user_id}", headers=leave)
    assert (gone.status_code, gone.json()["message"]) == (200, "You left the household")
    again = await client.delete(f"{H}/current/members/{bob.user_id}", headers=leave)
    assert (again.status_code, again.json()) == (200, gone.json())
    assert [m["userId"] for m in (await current(client, alice))["members"]] == [alice.user_id]


async def test_an_account_belongs_to_at_most_twenty_households(
    client: httpx.AsyncClient, bob: Account, mailbox: Mailbox
) -> None:
    for n in range(19):  # and its own
        owner = await register(client, f"owner{n}@example.com")
        await join_as(client, owner, mailbox, bob, "viewer")
    last = await register(client, "owner19@example.com")
    link = await invite(client, last, mailbox, bob.email, "viewer")
    refused = await client.post(
        f"{H}/join", json={"token": link.rsplit("/", 1)[1]}, headers=bob.headers
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "conflict")
    assert "20 households" in refused.json()["detail"]
    page = await client.post(link, data={"password": PASSWORD})
    assert page.status_code == 400 and "20 households" in page.text
    assert len((await client.get(H, headers=bob.headers)).json()["households"]) == 20


async def test_a_malformed_household_header_is_ignored_where_no_household_is_acted_on(
    client: httpx.AsyncClient, alice: Account
) -> None:
    odd = {**alice.headers, "X-Household-Id": "not-a-uuid"}
    assert (await client.get("/api/v1/auth/me", headers=odd)).status_code == 200
    assert (await client.get(H, headers=odd)).status_code == 200
    foreign = await client.get("/api/v1/items", headers=odd)
    assert (foreign.status_code, foreign.json()["code"]) == (404, "not_found")


async def test_x_household_id_chooses_among_the_callers_households(
    client: httpx.AsyncClient, alice: Account, bob: Account, mailbox: Mailbox
) -> None:
    link = await invite(client, alice, mailbox, bob.email, "caregiver")
    assert (await client.post(link, data={"password": PASSWORD})).status_code == 200
    theirs = await current(client, bob, **{"X-Household-Id": alice.user_id})
    assert theirs["id"] == alice.user_id and theirs["role"] == "caregiver"
    outsider = await register(client, "eve@example.com")
    foreign = await client.get(
        "/api/v1/items", headers={**outsider.headers, "X-Household-Id": alice.user_id}
    )
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"


async def test_settings_change_with_their_version_and_only_by_the_owner(
    client: httpx.AsyncClient, alice: Account
) -> None:
    body = {"name": "Home", "timeZone": "Europe/Berlin", "leadTimeDays": 5, "expectedVersion": 1}
    changed = await client.patch(f"{H}/current", json=body, headers=alice.headers)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["version"]) == ("Home", 2)
    stale = await client.patch(f"{H}/current", json=body, headers=alice.headers)
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    for bad in ({"timeZone": "Mars/Olympus"}, {"coverDays": 0}, {"name": ""}):
        refused = await client.patch(f"{H}/current", json=bad, headers=alice.headers)
        assert refused.status_code == 422, bad


async def test_a_new_invitation_replaces_the_open_one_and_a_revoked_link_dies(
    client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
) -> None:
    first = await invite(client, alice, mailbox, "nurse@example.com", "viewer")
    made = await client.post(
        f"{H}/current/invitations",
        json={"email": "nurse@example.com", "role": "caregiver"},
        headers=alice.headers,
    )
    assert made.status_code == 201
    assert (await client.get(first)).status_code == 400
    open_ones = (await current(client, alice))["invitations"]
    assert [(i["email"], i["role"]) for i in open_ones] == [("nurse@example.com", "caregiver")]
    revoked = await client.delete(
        f"{H}/current/invitations/{made.json()['id']}", headers=alice.headers
    )
    assert revoked.status_code == 200
    assert (await current(client, alice))["invitations"] == []


async def test_the_owner_of_a_shared_household_must_transfer_before_deleting_the_account(
    client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
) -> None:
    await member(client, alice, mailbox, "nurse@example.com", "caregiver")
    refused = await client.request(
        "DELETE", "/api/v1/auth/me", json={"password": PASSWORD}, headers=alice.headers
    )
    assert refused.status_code == 409, refused.text
    assert "ownership" in refused.json()["detail"]


async def test_a_verified_owner_of_a_shared_household_is_refused_before_any_link_is_mailed(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    alice = await register(client, "ann@example.com")
    await verify(client, mailbox, alice.email)
    await member(client, alice, mailbox, "nurse@example.com", "caregiver")
    refused = await client.delete("/api/v1/auth/me", headers=alice.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "conflict")
    assert "Test User's household" in refused.json()["detail"]
    assert [m.subject for m in mailbox.messages_to(alice.email) if "elete" in m.subject] == []


async def test_an_erased_former_owners_invitations_name_a_former_member(
    client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
) -> None:
    nurse = await member(client, alice, mailbox, "nurse@example.com", "caregiver")
    await invite(client, alice, mailbox, "grandma@example.com", "viewer")
    handed = await client.patch(
        f"{H}/current/members/{nurse.user_id}", json={"role": "owner"}, headers=alice.headers
    )
    assert handed.status_code == 200
    gone = await client.request(
        "DELETE", "/api/v1/auth/me", json={"password": PASSWORD}, headers=alice.headers
    )
    assert gone.status_code == 200, gone.text
    (invitation,) = (await current(client, nurse))["invitations"]
    assert invitation["invitedBy"] == {"userId": None, "name": "Former member"}


async def test_a_removal_reaches_every_api_process(
    client: httpx.AsyncClient,
    alice: Account,
    mailbox: Mailbox,
    settings: Settings,
    database: Database,
) -> None:
    """Each process caches roles; the membership row's NOTIFY drops them everywhere, so the
    nurse's next request on another process is refused (no cache expiry needed)."""
    nurse = await member(client, alice, mailbox, "nurse@example.com", "caregiver")
    other = create_app(settings, database)
    async with other.router.lifespan_context(other), checked_client(other) as second:
        assert (await second.get("/api/v1/items", headers=nurse.headers)).status_code == 200
        removed = await client.delete(f"{H}/current/members/{nurse.user_id}", headers=alice.headers)
        assert removed.status_code == 200

        async def refused() -> bool:
            answer = await second.get("/api/v1/items", headers=nurse.headers)
            return answer.status_code == 403

        await until(refused, timeout=5)


async def test_an_erased_members_changes_stay_as_a_former_members(
    client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
) -> None:
    meds = await category(client, alice)
    saline = await item(client, alice, meds["id"], name="Saline", quantity=10)
    nurse = await member(client, alice, mailbox, "nurse@example.com", "caregiver")
    assert (await stock(client, nurse, saline["id"], delta=-3)).status_code == 200
    gone = await client.request(
        "DELETE", "/api/v1/auth/me", json={"password": PASSWORD}, headers=nurse.headers
    )
    assert gone.status_code == 200, gone.text
    assert (await get(client, alice, f"/items/{saline['id']}"))["quantity"] == 7
    entry = (await get(client, alice, "/activity?action=stock_update"))["entries"][0]
    assert entry["actor"] == {"userId": None, "name": "Former member"}
    assert [m["userId"] for m in (await current(client, alice))["members"]] == [alice.user_id]
