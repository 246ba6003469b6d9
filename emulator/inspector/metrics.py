"""Requests per second and latency percentiles over the last minutes, from the journal.

The journal stamps requests with the emulator clock, which jumps forward when a test advances
it; rates are about real seconds. `RealTime` keeps the clock's jumps (rare) and turns the
real-time bins into emulator time, so nothing is added to the request path.
"""

from __future__ import annotations

import bisect
import math
import time
from dataclasses import dataclass

from emulator.runtime.clock import Clock
from emulator.runtime.journal import Journal

WINDOW = 300.0  # seconds of history on the overview
STEP = 10.0  # seconds per bin


class RealTime:
    """Emulator-clock moments of real times, from the clock's jumps (rare)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        # (real time of a jump, the offset from then on), in time order.
        self._reals: list[float] = [-math.inf]
        self._offsets: list[float] = [clock.offset]
        clock.listeners.append(self._jumped)

    def _jumped(self) -> None:
        if self.clock.offset != self._offsets[-1]:
            self._reals.append(time.time())
            self._offsets.append(self.clock.offset)

    def emulator(self, real: float) -> float:
        """The emulator-clock time it was at real time `real`."""
        index = bisect.bisect_right(self._reals, real) - 1
        return real + self._offsets[max(index, 0)]


@dataclass(frozen=True)
class Bin:
    start: float  # seconds before now (negative), real time
    count: int
    p50_ms: float | None
    p99_ms: float | None

    @property
    def per_second(self) -> float:
        return self.count / STEP


@dataclass(frozen=True)
class Traffic:
    bins: list[Bin]
    total: int  # requests in the window

    @property
    def peak_rate(self) -> float:
        return max((b.per_second for b in self.bins), default=0.0)


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values."""
    rank = max(0, math.ceil(share * len(ordered)) - 1)
    return ordered[rank]


def traffic(journal: Journal, real: RealTime, *, window: float = WINDOW,
            step: float = STEP, plane: str | None = "sp-api") -> Traffic:
    """The last `window` real seconds of requests, in bins of `step` seconds, oldest first.

    The bins' edges are turned into emulator time once (the clock only moves forward, so a
    request recorded between two edges' emulator times was made between them); the journal
    is then walked from its newest record back to the window's start, without a conversion
    per record."""
    now = time.time()
    count = int(window // step)
    edges = [real.emulator(now - (count - i) * step) for i in range(count + 1)]
    latencies: list[list[float]] = [[] for _ in range(count)]
    index = count - 1
    for fields in journal.entries(newest_first=True):
        moment = fields[0]
        while index >= 0 and moment < edges[index]:
            index -= 1
        if index < 0:
            break
        if plane is None or fields[16] == plane:
            latencies[index].append(fields[8] * 1000)
    bins = []
    for index, values in enumerate(latencies):
        values.sort()
        bins.append(Bin(-(count - index) * step, len(values),
                        percentile(values, 0.5) if values else None,
                        percentile(values, 0.99) if values else None))
    return Traffic(bins, sum(b.count for b in bins))
