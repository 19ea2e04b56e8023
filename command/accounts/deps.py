"""The account handlers' services, as a dependency."""

from typing import Annotated

from fastapi import Depends, Request

from command.accounts.services import AccountServices


async def _accounts(request: Request) -> AccountServices:
    accounts: AccountServices = request.app.state.accounts
    return accounts


AccountsDep = Annotated[AccountServices, Depends(_accounts)]
