"""The account handlers' services, as a dependency."""

from typing import Annotated, Protocol

from fastapi import Depends, Request

from command.accounts.services import AccountServices
from infra.deps import services_of


class WithAccounts(Protocol):
    """What the account routes take from the app's services (vitaltrack/services.py)."""

    accounts: AccountServices


async def _accounts(request: Request) -> AccountServices:
    services: WithAccounts = services_of(request.app)
    return services.accounts


AccountsDep = Annotated[AccountServices, Depends(_accounts)]
