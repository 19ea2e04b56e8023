"""Progress for long CLI jobs: a bar with rate and ETA on a terminal, a line per 10% otherwise."""

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

logger = logging.getLogger("vitaltrack")


@contextlib.contextmanager
def progress_reporter(label: str = "replaying") -> Iterator[Callable[[int, int], None]]:
    if sys.stderr.isatty():
        columns = (
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} events/s"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task("events", total=None, rate="-")

            def update(done: int, total: int) -> None:
                total = max(total, done)  # an estimate that ran short: never past 100%
                elapsed = bar.tasks[0].elapsed or 0
                rate = f"{done / elapsed:,.0f}" if elapsed else "-"
                bar.update(task, completed=done, total=total, rate=rate)

            yield update
        return

    reported = [0]

    def log_tenths(done: int, total: int) -> None:
        total = max(total, done, 1)  # an estimate that ran short: never past 100%
        tenth = done * 10 // total
        if tenth > reported[0]:
            reported[0] = tenth
            logger.info("%s %d%% (%d of %d events)", label, tenth * 10, done, total)

    yield log_tenths
