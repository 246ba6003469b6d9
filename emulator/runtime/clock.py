"""The emulator clock: real time plus an offset that only moves forward.

Token expiry, throttling buckets and (later) report and feed lifecycles read this clock, so a
test can jump an hour ahead with `POST /_emulator/clock/advance` instead of waiting.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

# How far ahead of real time the emulator clock may run: a century covers any test (token
# lifetimes, 90-day retention, settlement periods, years of history) and keeps every date the
# emulator writes a four-digit year that datetime and Amazon's date-time formats can hold.
MAX_OFFSET = 100 * 365.25 * 86400


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0
        # Called after every jump forward (the scheduler runs what fell due at once).
        self.listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        """Seconds since the epoch, on the emulator clock."""
        return time.time() + self.offset

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def advance(self, seconds: float) -> None:
        """Jump forward; ValueError (and no change) for a jump that is not a finite number of
        seconds >= 0 or would take the clock past MAX_OFFSET."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("the emulator clock only moves forward, by a finite number of "
                             "seconds")
        if self.offset + seconds > MAX_OFFSET:
            raise ValueError(f"the emulator clock runs at most {MAX_OFFSET:.0f} seconds "
                             f"(100 years) ahead of real time; it is {self.offset:.0f} ahead")
        self.offset += seconds
        for listener in self.listeners:
            listener()


def iso(timestamp: float) -> str:
    """An ISO 8601 UTC timestamp with milliseconds, as SP-API writes them."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    # %Y does not pad years before 1000.
    return (f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S.")
            + f"{moment.microsecond // 1000:03d}Z")
