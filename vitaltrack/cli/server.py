"""`vitaltrack serve` and `vitaltrack migrate`: the two commands that may create a database."""

import errno
import os
import signal
import socket
from typing import Annotated, Any

import typer

import migrations
from infra.database import open_database
from infra.security.tokens import KeyRing
from infra.settings import Settings
from vitaltrack.cli.common import exit_on_signal, fail, load_settings

UVICORN_STARTUP_FAILURE = 3  # uvicorn's exit code when it cannot start; ours means "differences"


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    projections: Annotated[
        bool, typer.Option(help="Run the projection runner in this process (off for replicas).")
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="API processes on this port (one per core is a good start). They share the "
            "database; one at a time runs the projections.",
        ),
    ] = 1,
) -> None:
    """Migrate the database, run the projections in-process, and serve the API.

    Example: vitaltrack serve --host 0.0.0.0 --port 8000 --workers 2
    """
    from vitaltrack.app import PROJECTIONS_ENV, create_app

    settings = load_settings()
    check_can_listen(host, port)  # before migrating: a busy port changes nothing
    # uvicorn re-raises SIGTERM once it has shut down; turn it into SystemExit so the
    # embedded database below is stopped on the way out instead of being left running.
    signal.signal(signal.SIGTERM, exit_on_signal)
    with open_database(settings, create=True) as database:
        migrations.upgrade(database)
        if workers == 1:
            target: Any = create_app(settings, database, run_projections=projections)
        else:  # worker processes build their own app, on this database (embedded or not)
            KeyRing.from_settings(settings)  # a bad key fails here once; a missing one is made
            os.environ["DATABASE_URL"] = database.asyncpg_dsn
            os.environ[PROJECTIONS_ENV] = "1" if projections else "0"
            target = "vitaltrack.app:from_environment"
        try:
            _run_uvicorn(target, settings, host, port, workers)
        except SystemExit as exc:
            if exc.code != UVICORN_STARTUP_FAILURE:
                raise
            fail("the server could not start (the log above says why)")


def _run_uvicorn(target: Any, settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    from vitaltrack.framing import PROTOCOL

    uvicorn.run(
        target,
        factory=workers > 1,
        workers=workers if workers > 1 else None,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        proxy_headers=settings.forwarded_allow_ips is not None,
        access_log=False,  # ours is structured (vitaltrack.access)
        log_config=None,  # uvicorn's loggers go through the handler set up above
        forwarded_allow_ips=settings.forwarded_allow_ips or "",
        http=PROTOCOL,  # malformed HTTP answered with the JSON error body
    )


def migrate() -> None:
    """Upgrade the database schema to the latest revision (creating the embedded database
    in the data folder when DATABASE_URL is unset and there is none yet).

    Example: vitaltrack migrate   (the database of DATABASE_URL, else the embedded one)
    """
    with open_database(load_settings(), create=True) as database:
        migrations.upgrade(database)
    typer.echo("database is up to date")


def check_can_listen(host: str, port: int) -> None:
    """Bind the address as uvicorn will (same family, SO_REUSEADDR), then let it go."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"port {port} on {host} is in use (another server?); choose another --port")
            fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}); check --host and --port")
