"""When orders come: more in the evening than at night, more on Monday than on Saturday, and
on the scenario's peak days. The weights are the scenario's (`hourly_weights`,
`weekday_weights`, `peaks`), read in the local time of the seller's home marketplace.

The same rhythm spreads the history's orders over its days and draws the living store's
arrivals of each day after the anchor.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from emulator.business.scenario import SellerShape

HOUR = 3600.0
DAY = 86400.0
# Hours from UTC of each marketplace country's main time zone (standard time; the emulator
# ignores daylight saving: it moves the evening peak by an hour at most).
UTC_OFFSETS = {"US": -6, "CA": -5, "MX": -6, "BR": -3, "GB": 0, "IE": 0, "DE": 1, "FR": 1,
               "IT": 1, "ES": 1, "NL": 1, "BE": 1, "SE": 1, "PL": 1, "TR": 3, "AE": 4, "SA": 3,
               "EG": 2, "IN": 5.5, "ZA": 2, "SG": 8, "AU": 10, "JP": 9}


class Rhythm:
    """The weight of every hour, for one seller (its shape and home country)."""

    def __init__(self, shape: SellerShape, country: str) -> None:
        self.hourly = shape.hourly_weights
        self.weekday = shape.weekday_weights
        self.offset = UTC_OFFSETS.get(country, 0) * HOUR
        self.peaks: dict[date, float] = {}
        for peak in shape.peaks:
            first = date.fromisoformat(peak.date)
            for n in range(peak.days):
                self.peaks[first + timedelta(days=n)] = peak.factor
        # An average day's weight: what `rate` orders a day are spread over.
        self.mean_day = sum(self.hourly) * sum(self.weekday) / 7

    def hour_weight(self, start: float) -> float:
        """The weight of the UTC hour starting at `start`."""
        local = datetime.fromtimestamp(start + self.offset, UTC)
        weight = self.hourly[local.hour] * self.weekday[local.weekday()]
        return weight * self.peaks.get(local.date(), 1.0) if self.peaks else weight

    def hours(self, start: float, count: int) -> list[float]:
        """The weights of `count` consecutive UTC hours from `start` (an hour boundary)."""
        return [self.hour_weight(start + n * HOUR) for n in range(count)]

    def spread(self, rnd: random.Random, start: float, days: int, count: int) -> list[float]:
        """`count` moments over the `days` from `start`, following the rhythm, sorted."""
        if count <= 0:
            return []
        cumulative = list(accumulate(self.hours(start, days * 24)))
        if cumulative[-1] <= 0:
            return []
        slots = rnd.choices(range(len(cumulative)), cum_weights=cumulative, k=count)
        return sorted(start + (slot + rnd.random()) * HOUR for slot in slots)

    def day(self, rnd: random.Random, start: float, rate: float) -> list[float]:
        """The moments orders arrive in the UTC day from `start`, at `rate` orders on an
        average day: a Poisson count around the day's weight, placed hour by hour."""
        weights = self.hours(start, 24)
        expected = rate * sum(weights) / self.mean_day if self.mean_day else 0.0
        count = poisson(rnd, expected)
        if count == 0:
            return []
        cumulative = list(accumulate(weights))
        return sorted(start + (bisect_right(cumulative, rnd.random() * cumulative[-1])
                               + rnd.random()) * HOUR for _ in range(count))


def poisson(rnd: random.Random, mean: float) -> int:
    """A Poisson draw: exact for small means, the normal approximation for large ones."""
    if mean <= 0:
        return 0
    if mean > 60:
        return max(0, round(rnd.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rnd.random()
    while product > limit:
        count += 1
        product *= rnd.random()
    return count
