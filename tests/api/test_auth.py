"""Register, log in and read the profile, as the mobile app does (API.md 3)."""

import asyncio

import httpx
import jwt

from tests.api.accounts import PASSWORD, register


async def test_register_answers_tokens_and_the_new_user(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={
            "email": " Ann@Example.COM ",
            "username": "Ann_1",
            "password": PASSWORD,
            "name": "Ann",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 1800
    assert body["user"]["email"] == "ann@example.com"
    assert body["user"]["username"] == "ann_1"
    assert body["user"]["isActive"] is True
    assert body["user"]["isEmailVerified"] is False
    assert body["user"]["lastLogin"] is None


async def test_login_by_email_or_username_then_me(client: httpx.AsyncClient) -> None:
    await register(client, "carer@example.com", username="carer")
    for identifier in ("carer@example.com", "  CARER  "):
        response = await client.post(
            "/api/v1/auth/login", json={"identifier": identifier, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.json()["email"] == "carer@example.com"
        assert me.json()["lastLogin"] is not None


async def test_access_token_is_rs256_with_kid_sid_and_published_key(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    header = jwt.get_unverified_header(account.access_token)
    jwks = (await client.get("/.well-known/jwks.json")).json()
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    public = jwt.PyJWK(key).key
    claims = jwt.decode(account.access_token, public, algorithms=["RS256"])
    assert header["alg"] == "RS256"
    assert claims["sub"] == account.user_id
    assert claims["type"] == "access"
    assert {"sid", "iat", "exp", "jti"} <= set(claims)


async def test_wrong_password_and_unknown_user_get_the_same_401(client: httpx.AsyncClient) -> None:
    await register(client, "known@example.com")
    wrong = await client.post(
        "/api/v1/auth/login", json={"identifier": "known@example.com", "password": "Wrong1234"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"identifier": "nobody@example.com", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "invalid_credentials"
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_duplicate_email_or_username_is_a_conflict(client: httpx.AsyncClient) -> None:
    await register(client, "taken@example.com", username="taken")
    again = await client.post(
        "/api/v1/auth/register",
        json={"email": "TAKEN@example.com", "password": PASSWORD, "name": "X"},
    )
    same_username = await client.post(
        "/api/v1/auth/register",
        json={"email": "other@example.com", "username": "taken", "password": PASSWORD, "name": "X"},
    )
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert same_username.status_code == 409
    # The failed registration claimed nothing: its email is still free.
    assert (await register(client, "other@example.com")).email == "other@example.com"


async def test_racing_registrations_of_one_email_let_exactly_one_win(
    client: httpx.AsyncClient,
) -> None:
    body = {"email": "race@example.com", "password": PASSWORD, "name": "Racer"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/auth/register", json=body) for _ in range(6))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409, 409]
    login = await client.post(
        "/api/v1/auth/login", json={"identifier": "race@example.com", "password": PASSWORD}
    )
    winner = next(r for r in responses if r.status_code == 201).json()["user"]["id"]
    assert login.json()["user"]["id"] == winner


async def test_register_rejects_bad_input_and_creates_nothing(client: httpx.AsyncClient) -> None:
    bad_bodies = [
        {"password": PASSWORD, "name": "No identifier"},
        {"email": "not-an-email", "password": PASSWORD, "name": "X"},
        {"email": "weak@example.com", "password": "alllowercase1", "name": "X"},
        {"email": "short@example.com", "password": "Ab1", "name": "X"},
        {"username": "bad name!", "password": PASSWORD, "name": "X"},
        {"email": "noname@example.com", "password": PASSWORD},
        {"email": "typed@example.com", "password": 12345678, "name": "X"},
        {"email": "long@example.com", "password": PASSWORD, "name": "x" * 256},
    ]
    for body in bad_bodies:
        response = await client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 422, body
        problem = response.json()
        assert problem["code"] == "validation_error"
        assert response.headers["content-type"].startswith("application/json")
        assert all({"loc", "msg", "type"} <= set(e) for e in problem["detail"])
    login = await client.post(
        "/api/v1/auth/login", json={"identifier": "weak@example.com", "password": "alllowercase1"}
    )
    assert login.status_code == 401


async def test_register_accepts_full_name_as_the_mobile_type_spells_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "fn@example.com", "password": PASSWORD, "full_name": "Full Name"},
    )
    assert response.status_code == 201
    assert response.json()["user"]["name"] == "Full Name"


async def test_me_needs_a_valid_bearer_token(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/auth/me")
    garbage = await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert missing.status_code == 401
    assert missing.json()["code"] == "not_authenticated"
    assert missing.headers["www-authenticate"] == "Bearer"
    assert garbage.status_code == 401
    assert garbage.json()["code"] == "invalid_token"


async def test_a_token_signed_with_hs256_using_the_public_key_is_rejected(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    claims = jwt.decode(account.access_token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(account.access_token)["kid"]
    jwks = (await client.get("/.well-known/jwks.json")).json()
    public_jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    forged = jwt.encode(claims, public_jwk["n"], algorithm="HS256", headers={"kid": kid})
    unsigned = jwt.encode(claims, "", algorithm="none", headers={"kid": kid})
    for token in (forged, unsigned):
        response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"
