"""The scenario's own events of one day after the anchor, each drawn from the seed for that
seller and day: orders arriving (with the rhythm), competitors repricing one of the seller's
ASINs, the morning's restock review, and the close of a 14-day settlement period.

Events are heap entries `(time, rank, key, kind, payload)`: time first, then a fixed rank and
a key unique to the event, so the order of equal times never depends on when an event was
pushed (a restart rebuilds the heap in another order).
"""

from __future__ import annotations

import math
from typing import Any

from emulator.business.living.rhythm import DAY, HOUR, Rhythm, poisson
from emulator.business.scenario import SellerShape
from emulator.runtime.rng import Randomness

Entry = tuple[float, int, str, str, Any]

# Ranks: at equal times, orders move before new ones come, and so on.
ORDER, ARRIVAL, OFFERS, RESTOCK, INBOUND, SETTLEMENT = range(6)
# The finances ledger's grid (families/finances/ledger.py): 14-day periods, the one open at
# the anchor began a week before it.
SETTLEMENT_PERIOD = 14 * DAY
SETTLEMENT_LEAD = 7 * DAY
RESTOCK_HOUR = 9  # UTC: the daily restock review


def day_start(anchor: float, day: int) -> float:
    return anchor + day * DAY


def day_of(anchor: float, moment: float) -> int:
    return math.floor((moment - anchor) / DAY)


def day_events(randomness: Randomness, seller_id: str, shape: SellerShape, rhythm: Rhythm,
               asins: list[str], anchor: float, day: int) -> list[Entry]:
    """Every calendar event of day `day` (0: the anchor's day)."""
    start = day_start(anchor, day)
    found: list[Entry] = []
    if shape.daily_rate > 0:
        times = rhythm.day(randomness.derive("living", "arrivals", seller_id, day), start,
                           shape.daily_rate)
        found += [(t, ARRIVAL, f"{day:05d}/{n:05d}", "arrival", None)
                  for n, t in enumerate(times)]
    if asins and shape.offer_changes_per_day > 0:
        rnd = randomness.derive("living", "offers", seller_id, day)
        for n in range(poisson(rnd, shape.offer_changes_per_day)):
            found.append((start + rnd.random() * DAY, OFFERS, f"{day:05d}/{n:04d}", "offers",
                          rnd.choice(asins)))
    found.append((start + RESTOCK_HOUR * HOUR, RESTOCK, f"{day:05d}", "restock", day))
    first_close = anchor - SETTLEMENT_LEAD + SETTLEMENT_PERIOD
    period = math.ceil((start - first_close) / SETTLEMENT_PERIOD)
    close = first_close + period * SETTLEMENT_PERIOD
    if start <= close < start + DAY:
        found.append((close, SETTLEMENT, f"{period:05d}", "settlement", close))
    return found
