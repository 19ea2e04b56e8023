"""Running the `vitaltrack` command as an operator does, against a test database."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from infra.database import Database

VITALTRACK = [sys.executable, "-m", "vitaltrack.cli"]
T = TypeVar("T")


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


def each(
    commands: Iterable[T], run: Callable[[T], subprocess.CompletedProcess[str]]
) -> list[tuple[T, subprocess.CompletedProcess[str]]]:
    """Run independent commands side by side (each one mostly starts Python), in order."""
    listed = list(commands)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(zip(listed, pool.map(run, listed), strict=True))
