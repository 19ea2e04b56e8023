"""python -m bench [NAME ...]: run the named benchmarks (default: all) on a fresh database."""

import asyncio
import sys
import tempfile
from pathlib import Path

import migrations
from bench import commands, forecast, http, lag, rebuild, soak, sync
from bench.report import summary
from devkit.postgres import postgres_server, scratch_database

BENCHMARKS = {
    "http": http.run,
    "commands": commands.run,
    "sync": sync.run,
    "rebuild": rebuild.run,
    "lag": lag.run,
    "forecast": forecast.run,
}
ON_REQUEST = {"soak": soak.run}  # ten minutes: only when named


def main() -> None:
    names = sys.argv[1:] or list(BENCHMARKS)
    chosen = {**BENCHMARKS, **ON_REQUEST}
    with (
        tempfile.TemporaryDirectory(prefix="vt-bench-", dir="/tmp") as tmp,
        postgres_server(Path(tmp)) as server,
    ):
        for name in names:
            with scratch_database(server) as database:
                migrations.upgrade(database)
                asyncio.run(chosen[name](database, Path(tmp)))
    summary()


if __name__ == "__main__":
    main()
