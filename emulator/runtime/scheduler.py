"""Things due at a time on the emulator clock: report and feed lifecycle steps, report
schedules, settlement reports, notification aggregation.

`at(when, action)` queues an action; `run_due()` runs, in time order, every action whose time
has come. It runs on a short tick while the server runs, whenever the clock jumps forward,
and before a read that depends on it, so a client polling after `clock/advance` sees the state
a real wait would have produced. Actions may queue further actions. Each runs in a fresh
context, so an action that falls due during a request is never part of that request's unit of
work (business/transactions.py): a request that fails does not undo what came due meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import itertools
import logging
from collections.abc import Callable

from emulator.runtime.clock import Clock

log = logging.getLogger("emulator.runtime.scheduler")
TICK = 0.1  # seconds of real time between runs while the server is up

Action = Callable[[], None]


class Scheduler:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._queue: list[tuple[float, int, Action]] = []
        self._order = itertools.count()  # ties run in the order they were queued
        self._running = False
        # The due time of the action running now (None between runs): what that action
        # should see as "now", even when it runs late because the clock jumped.
        self.current: float | None = None
        self._task: asyncio.Task[None] | None = None
        clock.listeners.append(self.run_due)
        # Called after a run that ran something (the state file writes what changed).
        self.after_run: list[Callable[[], None]] = []

    def at(self, when: float, action: Action) -> None:
        heapq.heappush(self._queue, (when, next(self._order), action))

    def after(self, seconds: float, action: Action) -> None:
        self.at(self.clock.now() + seconds, action)

    def run_due(self) -> int:
        """Run every due action; returns how many ran. Safe to call at any time."""
        if self._running:  # an action that reads state calls back in: already running
            return 0
        self._running = True
        ran = 0
        try:
            while self._queue and self._queue[0][0] <= self.clock.now():
                when, _, action = heapq.heappop(self._queue)
                self.current = when
                try:
                    contextvars.Context().run(action)
                except Exception:
                    log.exception("scheduled action failed")
                ran += 1
        finally:
            self._running = False
            self.current = None
        if ran:
            for hook in self.after_run:
                try:
                    hook()
                except Exception:
                    log.exception("after-run hook failed")
        return ran

    def clear(self) -> None:
        self._queue.clear()

    def next_due(self) -> float:
        """When the earliest queued action is due (infinity when none is)."""
        return self._queue[0][0] if self._queue else float("inf")

    def __len__(self) -> int:
        return len(self._queue)

    # -- while the server runs ------------------------------------------------------------

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            self.run_due()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._tick())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
