"""`vitaltrack accounts disable|enable|delete`."""

from typing import Annotated

import typer

from events.store import Store
from vitaltrack.cli.common import fail, load_settings, migrated_database

accounts_cli = typer.Typer(no_args_is_help=True, help="Disable, enable or delete an account.")


def _set_active(identifier: str, active: bool, reason: str) -> None:
    from command.accounts.services import AccountServices
    from command.accounts.status import SetActive, UnknownAccount, set_active
    from command.unit_of_work import UnitOfWork
    from wire.bounds import bad_text

    if not reason.strip() or len(reason) > 200 or bad_text(reason):
        typer.echo("error: --reason must be 1-200 characters of text", err=True)
        raise typer.Exit(2)
    settings = load_settings()
    services = AccountServices.from_settings(settings)
    with migrated_database(settings) as database:
        store = Store(env=database.eventsourcing_env(2))
        try:
            done = set_active(UnitOfWork(store), services, SetActive(identifier, active, reason))
        except UnknownAccount:
            fail(f"no account has the email address or username {identifier!r}")
        finally:
            store.close()
    state = "enabled" if active else "disabled"
    if not done.changed:
        typer.echo(f"{identifier} was already {state}")
    elif active:
        typer.echo(f"{identifier} is enabled: it can sign in again")
    else:
        typer.echo(f"{identifier} is disabled: its sessions have ended, it cannot sign in")


@accounts_cli.command("disable")
def accounts_disable(
    identifier: Annotated[str, typer.Argument(help="The account's email address or username.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
) -> None:
    """End every session of an account and refuse its sign-ins (403 account_disabled).
    Its household's data is kept.

    Example: vitaltrack accounts disable asha@example.com --reason "phone stolen"
    """
    _set_active(identifier, False, reason)


@accounts_cli.command("enable")
def accounts_enable(
    identifier: Annotated[str, typer.Argument(help="The account's email address or username.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
) -> None:
    """Let a disabled account sign in again.

    Example: vitaltrack accounts enable asha@example.com --reason "new phone"
    """
    _set_active(identifier, True, reason)


@accounts_cli.command("delete")
def accounts_delete(
    identifier: Annotated[str, typer.Argument(help="The account's email address or username.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
) -> None:
    """Erase an account and its household, as a confirmed DELETE /auth/me does. The only way
    to delete a disabled account (its own deletion links no longer work).

    Example: vitaltrack accounts delete asha@example.com --yes
    """
    from command.accounts.services import AccountServices
    from command.accounts.status import DeleteByOperator, UnknownAccount, delete_by_operator
    from command.unit_of_work import UnitOfWork

    if not yes:
        typer.echo("error: deleting erases the household for good; add --yes", err=True)
        raise typer.Exit(2)
    settings = load_settings()
    services = AccountServices.from_settings(settings)
    with migrated_database(settings) as database:
        store = Store(env=database.eventsourcing_env(2))
        try:
            delete_by_operator(UnitOfWork(store), services, DeleteByOperator(identifier))
        except UnknownAccount:
            fail(f"no account has the email address or username {identifier!r}")
        finally:
            store.close()
    typer.echo(f"{identifier} is deleted: its household is erased")
