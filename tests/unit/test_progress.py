"""Progress of long commands off a terminal: a line per tenth, never above 100%."""

import io
import logging

import pytest

from vitaltrack.progress import progress_reporter


def test_an_estimate_that_ran_short_never_reads_above_100_percent(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stderr", io.StringIO())  # not a terminal: log lines
    with caplog.at_level(logging.INFO, "vitaltrack"), progress_reporter("seeding") as report:
        report(10_000, 19_998)
        report(20_003, 19_998)  # seeding writes whole steps, so a little more than asked
    assert caplog.messages == [
        "seeding 50% (10000 of 19998 events)",
        "seeding 100% (20003 of 20003 events)",
    ]
