import httpx
import pytest

from tests.api.accounts import Account, register


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    return await register(client, "alice@example.com")


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Account:
    return await register(client, "bob@example.com")
