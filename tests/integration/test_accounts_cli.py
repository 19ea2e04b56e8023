"""`vitaltrack accounts disable|enable|delete`: an operator closes an account (a stolen phone,
a carer who left) and opens it again, the household's data kept throughout; or erases it."""

import asyncio

import httpx

from infra.database import Database
from tests.api.accounts import PASSWORD, register, verify
from tests.api.inventory import category
from tests.integration.commandline import vitaltrack
from tests.smtp import Mailbox

AUTH = "/api/v1/auth"


async def test_a_disabled_account_is_signed_out_everywhere_and_cannot_sign_in(
    client: httpx.AsyncClient, database: Database
) -> None:
    asha = await register(client, "asha@example.com")
    await category(client, asha, "Airway")

    done = vitaltrack(database, "accounts", "disable", "ASHA@example.com", "--reason", "stolen")
    assert done.returncode == 0, done.stderr
    assert "disabled" in done.stdout
    for _ in range(50):  # the revocation reaches this process by NOTIFY
        if (await client.get("/api/v1/categories", headers=asha.headers)).status_code == 401:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the disabled account's token still works")
    login = await client.post(
        f"{AUTH}/login", json={"identifier": "asha@example.com", "password": PASSWORD}
    )
    assert (login.status_code, login.json()["code"]) == (403, "account_disabled")
    refresh = await client.post(f"{AUTH}/refresh", json={"refresh_token": asha.refresh_token})
    assert refresh.status_code == 401

    again = vitaltrack(database, "accounts", "disable", "asha@example.com", "--reason", "x")
    assert (again.returncode, again.stdout.strip()) == (0, "asha@example.com was already disabled")

    done = vitaltrack(database, "accounts", "enable", "asha@example.com", "--reason", "new phone")
    assert done.returncode == 0, done.stderr
    login = await client.post(
        f"{AUTH}/login", json={"identifier": "asha@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    kept = (await client.get("/api/v1/categories", headers=headers)).json()["categories"]
    assert "Airway" in [c["name"] for c in kept]  # the household's data stayed
    history = await client.get("/api/v1/activity?entityType=user", headers=headers)
    actions = [e["action"] for e in history.json()["entries"]]
    assert "user_disabled" in actions and "user_enabled" in actions
    me = await client.get(f"{AUTH}/me", headers=headers)
    assert me.json()["isActive"] is True


def test_unknown_accounts_and_bad_reasons_are_one_line_errors(database: Database) -> None:
    unknown = vitaltrack(database, "accounts", "disable", "nobody@example.com", "--reason", "x")
    assert unknown.returncode == 1
    assert (
        unknown.stderr.strip().startswith("error: no account") and unknown.stderr.count("\n") == 1
    )
    blank = vitaltrack(database, "accounts", "disable", "nobody@example.com", "--reason", " ")
    assert blank.returncode == 2 and "--reason" in blank.stderr


async def test_a_disabled_account_is_deleted_only_by_an_operator(
    client: httpx.AsyncClient, database: Database, mailbox: Mailbox
) -> None:
    asha = await register(client, "asha@example.com")
    await verify(client, mailbox, "asha@example.com")
    await client.post(f"{AUTH}/forgot-password", json={"email": "asha@example.com"})
    reset = (await mailbox.wait_for("asha@example.com", "Reset")).body.split("token=")[1].split()
    assert (await client.delete(f"{AUTH}/me", headers=asha.headers)).status_code == 202
    deletion = (await mailbox.wait_for("asha@example.com", "deletion")).body
    link = "/api/v1/" + deletion.split("/api/v1/")[1].split()[0]

    disabled = vitaltrack(database, "accounts", "disable", "asha@example.com", "--reason", "x")
    assert disabled.returncode == 0, disabled.stderr
    assert (await client.post(link)).status_code == 400  # its links died with it
    new = {"token": reset[0], "new_password": "N3wPassword"}
    assert (await client.post(f"{AUTH}/reset-password", json=new)).status_code == 400

    unconfirmed = vitaltrack(database, "accounts", "delete", "asha@example.com")
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    deleted = vitaltrack(database, "accounts", "delete", "asha@example.com", "--yes")
    assert deleted.returncode == 0, deleted.stderr
    await register(client, "asha@example.com")  # erased: the address is free again
