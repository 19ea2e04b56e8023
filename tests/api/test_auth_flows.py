"""The whole account life cycle with mail delivered to a real SMTP server (API.md 3)."""

import re
from urllib.parse import unquote

import httpx

from tests.api.accounts import PASSWORD, Account, code_in, register, verify
from tests.smtp import Mailbox

AUTH = "/api/v1/auth"
NEW_PASSWORD = "N3wPassword"


def link_token_in(body: str) -> str:
    """The token of the page link a mail carries (the reset mail has no code to type)."""
    match = re.search(r"https?://\S+?token=(\S+)", body)
    assert match, body
    return unquote(match[1])


async def login(
    client: httpx.AsyncClient, identifier: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(f"{AUTH}/login", json={"identifier": identifier, "password": password})


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(f"{AUTH}/refresh", json={"refresh_token": token})


async def test_register_verify_login_rotate_detect_reuse_and_logout(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    account = await register(client, "flow@example.com")
    mail = await mailbox.wait_for("flow@example.com", "Verify")
    assert "/api/v1/auth/verify-email?token=" in mail.body
    verified = await client.post(f"{AUTH}/verify-email", json={"token": code_in(mail.body)})
    assert verified.status_code == 200
    assert verified.json() == {"message": "Email verified successfully", "is_verified": True}
    me = await client.get(f"{AUTH}/me", headers=account.headers)
    assert me.json()["isEmailVerified"] is True

    signed_in = await login(client, "flow@example.com")
    assert signed_in.status_code == 200
    first = signed_in.json()["refresh_token"]
    tokens = [first]
    for _ in range(3):
        rotated = await refresh(client, tokens[-1])
        assert rotated.status_code == 200
        assert rotated.json()["user"]["email"] == "flow@example.com"
        tokens.append(rotated.json()["refresh_token"])
    assert len(set(tokens)) == 4
    for old in tokens[1:-1]:
        assert (await refresh(client, old)).status_code == 401  # each old token is dead

    reuse = await refresh(client, first)
    assert reuse.status_code == 401
    assert reuse.json()["code"] == "invalid_token"
    assert (await refresh(client, tokens[-1])).status_code == 401  # the family is revoked

    other = (await login(client, "flow@example.com")).json()
    out = await client.post(
        f"{AUTH}/logout",
        json={"refresh_token": other["refresh_token"]},
        headers={"Authorization": f"Bearer {other['access_token']}"},
    )
    assert out.status_code == 200
    assert out.json() == {"message": "Successfully logged out", "success": True}
    assert (await refresh(client, other["refresh_token"])).status_code == 401
    for not_a_refresh_token in (other["access_token"], "x" * 5000, "", "nope"):
        refused = await refresh(client, not_a_refresh_token)
        assert (refused.status_code, refused.json()["code"]) == (401, "invalid_token")


async def test_verification_links_work_as_json_and_as_a_page(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await register(client, "page@example.com")
    token = code_in((await mailbox.wait_for("page@example.com", "Verify")).body)
    page = await client.get(f"{AUTH}/verify-email", params={"token": token})
    assert page.status_code == 200
    assert "verified" in page.text
    again = await client.get(f"{AUTH}/verify-email/{token}")
    assert again.status_code == 400  # single use
    assert again.json()["code"] == "bad_request"
    bad_page = await client.get(f"{AUTH}/verify-email", params={"token": "nope"})
    assert bad_page.status_code == 400
    assert "text/html" in bad_page.headers["content-type"]


async def test_resend_verification_replaces_the_token(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await register(client, "resend@example.com")
    first = code_in((await mailbox.wait_for("resend@example.com", "Verify")).body)
    resent = await client.post(f"{AUTH}/resend-verification", json={"email": "resend@example.com"})
    assert resent.status_code == 200
    second = code_in((await mailbox.wait_for("resend@example.com", "Verify", count=2)).body)
    assert (await client.post(f"{AUTH}/verify-email", json={"token": first})).status_code == 400
    assert (await client.post(f"{AUTH}/verify-email", json={"token": second})).status_code == 200
    already = await client.post(f"{AUTH}/resend-verification", json={"email": "resend@example.com"})
    assert already.json()["message"] == "Email is already verified."
    unknown = await client.post(f"{AUTH}/resend-verification", json={"email": "who@example.com"})
    assert unknown.status_code == 200
    assert unknown.json()["success"] is True


async def test_forgot_and_reset_password(client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    account = await register(client, "forgot@example.com")
    await verify(client, mailbox, "forgot@example.com")
    asked = await client.post(f"{AUTH}/forgot-password", json={"email": "forgot@example.com"})
    unknown = await client.post(f"{AUTH}/forgot-password", json={"email": "ghost@example.com"})
    assert asked.status_code == unknown.status_code == 200
    assert asked.json() == unknown.json()  # no account enumeration
    token = link_token_in((await mailbox.wait_for("forgot@example.com", "Reset")).body)

    reset = await client.post(
        f"{AUTH}/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert reset.status_code == 200
    assert (await login(client, "forgot@example.com")).status_code == 401
    assert (await login(client, "forgot@example.com", NEW_PASSWORD)).status_code == 200
    assert (await refresh(client, account.refresh_token)).status_code == 401
    await mailbox.wait_for("forgot@example.com", "password was changed")
    reused = await client.post(
        f"{AUTH}/reset-password", json={"token": token, "new_password": "An0therOne"}
    )
    assert reused.status_code == 400
    assert (await login(client, "forgot@example.com", NEW_PASSWORD)).status_code == 200
    assert mailbox.messages_to("ghost@example.com") == []


async def test_change_password_keeps_this_device_and_signs_out_the_others(
    client: httpx.AsyncClient,
) -> None:
    phone = await register(client, "change@example.com")
    tablet = (await login(client, "change@example.com")).json()
    wrong = await client.post(
        f"{AUTH}/change-password",
        json={"current_password": "Wrong1234", "new_password": NEW_PASSWORD},
        headers=phone.headers,
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "bad_request"
    changed = await client.post(
        f"{AUTH}/change-password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=phone.headers,
    )
    assert changed.status_code == 200
    assert (await refresh(client, phone.refresh_token)).status_code == 200
    assert (await refresh(client, tablet["refresh_token"])).status_code == 401
    assert (await login(client, "change@example.com", NEW_PASSWORD)).status_code == 200
    assert (await login(client, "change@example.com")).status_code == 401


async def test_profile_update_and_email_change(
    client: httpx.AsyncClient, mailbox: Mailbox, alice: Account, bob: Account
) -> None:
    patched = await client.patch(
        f"{AUTH}/me", json={"name": "Alice A", "phone": "+44 1234"}, headers=alice.headers
    )
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["phone"]) == ("Alice A", "+44 1234")
    assert patched.json()["email"] == "alice@example.com"

    taken = await client.patch(
        f"{AUTH}/me",
        json={"email": "bob@example.com", "current_password": PASSWORD},
        headers=alice.headers,
    )
    assert taken.status_code == 409
    assert taken.json()["code"] == "conflict"
    renamed = await client.patch(f"{AUTH}/me", json={"username": "alice_a"}, headers=alice.headers)
    assert (renamed.status_code, renamed.json()["username"]) == (200, "alice_a")
    me = (await client.get(f"{AUTH}/me", headers=alice.headers)).json()
    assert me == renamed.json()
    assert (await login(client, "alice_a")).status_code == 200


async def test_logout_with_someone_elses_token_ends_only_the_callers_session(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    response = await client.post(
        f"{AUTH}/logout", json={"refresh_token": bob.refresh_token}, headers=alice.headers
    )
    assert response.status_code == 200
    assert (await refresh(client, bob.refresh_token)).status_code == 200  # bob's lives on
    # "Successfully logged out" is true: alice's own session (her token's sid) has ended
    assert (await client.get(f"{AUTH}/me", headers=alice.headers)).status_code == 401
    assert (await refresh(client, alice.refresh_token)).status_code == 401
    anonymous = await client.post(f"{AUTH}/logout", json={"refresh_token": alice.refresh_token})
    assert anonymous.status_code == 401


async def test_every_auth_endpoint_rejects_bad_input(
    client: httpx.AsyncClient, alice: Account
) -> None:
    cases = [
        ("POST", "login", {"identifier": "x"}),
        ("POST", "login", {"identifier": 5, "password": "x"}),
        ("POST", "refresh", {}),
        ("POST", "refresh", {"refresh_token": ["x"]}),
        ("POST", "logout", {}),
        ("PATCH", "me", {"email": "nope"}),
        ("PATCH", "me", {"username": "No Spaces"}),
        ("PATCH", "me", {"name": "n" * 256}),
        ("PATCH", "me", {"phone": "1" * 51}),
        ("POST", "change-password", {"current_password": PASSWORD, "new_password": "short"}),
        ("POST", "change-password", {"new_password": NEW_PASSWORD}),
        ("POST", "forgot-password", {"email": "not-an-email"}),
        ("POST", "reset-password", {"token": "t", "new_password": "nodigitsHere"}),
        ("POST", "reset-password", {"new_password": NEW_PASSWORD}),
        ("POST", "verify-email", {}),
        ("POST", "resend-verification", {"email": 42}),
    ]
    for method, path, body in cases:
        response = await client.request(method, f"{AUTH}/{path}", json=body, headers=alice.headers)
        assert response.status_code == 422, (path, body, response.text)
        assert response.json()["code"] == "validation_error"
        assert isinstance(response.json()["detail"], list)
    me = (await client.get(f"{AUTH}/me", headers=alice.headers)).json()
    assert (me["email"], me["name"], me["phone"]) == ("alice@example.com", "Test User", None)
    assert (await login(client, "alice@example.com")).status_code == 200


async def test_change_password_with_an_idempotency_key_applies_once(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client, "retry@example.com")
    headers = {**account.headers, "Idempotency-Key": "change-1"}
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    first = await client.post(f"{AUTH}/change-password", json=body, headers=headers)
    retry = await client.post(f"{AUTH}/change-password", json=body, headers=headers)
    assert first.status_code == retry.status_code == 200
    assert (
        retry.json()
        == first.json()
        == {"message": "Password changed successfully", "success": True}
    )
    assert retry.headers["idempotent-replayed"] == "true"  # not re-run: the old password is gone
    assert (await login(client, "retry@example.com", NEW_PASSWORD)).status_code == 200
