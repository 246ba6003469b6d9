"""The emulator clock: real time plus an offset that only moves forward.

Token expiry, throttling buckets and (later) report and feed lifecycles read this clock, so a
test can jump an hour ahead with `POST /_emulator/clock/advance` instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime


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
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        self.offset += seconds
        for listener in self.listeners:
            listener()


def iso(timestamp: float) -> str:
    """An ISO 8601 UTC timestamp with milliseconds, as SP-API writes them."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
