"""Running the `vitaltrack` command as an operator does, against a test database."""

import os
import subprocess
import sys

from infra.database import Database

VITALTRACK = [sys.executable, "-m", "vitaltrack.cli"]


def vitaltrack(
    database: Database | None, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    variables = {**os.environ, "LOG_LEVEL": "WARNING", **env}
    if database is not None:
        variables["DATABASE_URL"] = database.asyncpg_dsn
    return subprocess.run(
        [*VITALTRACK, *args],
        env=variables,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
