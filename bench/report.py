"""Printing benchmark figures in one consistent format."""

import statistics


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def line(label: str, value: str) -> None:
    print(f"  {label:<52} {value}")  # noqa: T201 - a benchmark's output is its figures


def latencies(label: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    line(
        label,
        f"p50 {percentile(ms, 50):7.2f} ms  p99 {percentile(ms, 99):7.2f} ms  "
        f"mean {statistics.fmean(ms):7.2f} ms",
    )


def heading(text: str) -> None:
    print(f"\n{text}")  # noqa: T201
