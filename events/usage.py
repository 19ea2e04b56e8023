"""What a stock change used (API.md 13): the stock an item lost through a decrease.

Not use: increases (deliveries, orders applied), and decreases whose reason says the shelf
was recounted (`stocktake`, which POST /items/stocktake records) or a mistake put right
(`correction`), compared without regard to case or surrounding spaces.
"""

STOCKTAKE = "stocktake"
CORRECTION = "correction"
NOT_USE = frozenset({STOCKTAKE, CORRECTION})


def used(delta: int | None, reason: str | None) -> int:
    """The stock a change of `delta` (None: no stock change) used; 0 if it used none."""
    if not delta or delta > 0:
        return 0
    if reason is not None and reason.strip().casefold() in NOT_USE:
        return 0
    return -delta
