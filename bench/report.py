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


# The targets, each with this run's figure: printed last, on one screen.
TARGETS: list[tuple[str, str, bool | None]] = []


def target(goal: str, figure: str, met: bool | None) -> None:
    """Record a target's figure; met None: not decidable in this run (no reference here)."""
    TARGETS.append((goal, figure, met))


def summary() -> None:
    if not TARGETS:
        return
    heading("summary: the open issues' targets (25, 26) and this run's figures")
    for goal, figure, met in TARGETS:
        verdict = {True: "met", False: "NOT met", None: "see note"}[met]
        print(f"  {goal:<46} {figure:<26} {verdict}")  # noqa: T201
