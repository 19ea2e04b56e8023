"""`vitaltrack seed`: demo households through the command handlers."""

import time
from typing import Annotated

import typer

from events.store import Store
from vitaltrack.cli.common import load_settings, migrated_database
from vitaltrack.progress import progress_reporter


def seed(
    owners: Annotated[int, typer.Option(min=1, help="Households to create.")] = 10,
    events: Annotated[int, typer.Option(min=1, help="Events to write, about.")] = 10_000,
) -> None:
    """Write demo households through the command handlers (for demos and benchmarks).

    Prints each household's account (all share one password) and the events written.

    Example: vitaltrack seed --owners 3 --events 5000
    """
    from command.accounts.services import AccountServices
    from vitaltrack.seed import SEED_PASSWORD, seed_households

    settings = load_settings()
    with migrated_database(settings) as database:
        store = Store(env=database.eventsourcing_env(settings.db_pool_size))
        accounts = AccountServices.from_settings(settings)
        started = time.perf_counter()
        try:
            with progress_reporter("seeding") as report:
                password_hash = accounts.passwords.hash(SEED_PASSWORD)
                seeded = seed_households(store, accounts, password_hash, owners, events, report)
        finally:
            store.close()
    seconds = time.perf_counter() - started
    for email in seeded.emails:
        typer.echo(email)
    typer.echo(
        f"seeded {owners} households with {seeded.events} events in {seconds:.1f} s "
        f"({seeded.events / seconds:,.0f} events/s); the accounts above all sign in "
        f"with the password {SEED_PASSWORD}"
    )
