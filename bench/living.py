"""The living store's figures: advancing the clock 30 days for the default scenario's seller
(~11 orders a day) and for a 100k-orders-a-year seller, a request after 30 idle days, and
getOrders with the living store on against off, measured in the same run."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.core import _access_token, _interleaved
from bench.load import LoadResult
from bench.servers import emulator_argv, free_port, serve

TARGETS = {"default_30d_s": 1.0, "large_30d_s": 10.0, "get_orders_ratio": 1.1}
DAY = 86400.0
LARGE_SCALE = round(100_000 * 90 / 365)  # orders over the history's 90 days: 100k a year


@dataclass
class LivingFigures:
    default_30d: list[float]
    default_events: int
    large_30d: list[float]
    large_events: int
    idle_request: list[float]
    off: LoadResult
    on: LoadResult

    @property
    def ratio(self) -> float:
        """How much slower getOrders is with the living store on (1.0: not at all)."""
        return self.off.requests_per_second / self.on.requests_per_second


def _app(scale: int | None) -> object:
    from emulator.app import create_app
    from emulator.config import Settings
    from emulator.models import source

    return create_app(Settings(models_dir=source.locate(), live=True, scale=scale))


def _advance(scale: int | None, runs: int, idle: bool = False) -> tuple[list[float], int]:
    """Seconds to play 30 days for the first seller (generated and caught up first): by
    `clock/advance` (the scheduler plays every event), or, `idle`, by the first request after
    the clock moved on without anyone looking."""
    times, played = [], 0
    for _ in range(runs):
        app = _app(scale)
        seller = app.accounts.sellers[0]  # type: ignore[attr-defined]
        store, clock, living = app.store, app.clock, app.living  # type: ignore[attr-defined]
        store.of(seller)
        before = living.played
        started = time.perf_counter()
        if idle:
            clock.offset += 30 * DAY  # the clock moved; nobody looked
            store.of(seller)
        else:
            clock.advance(30 * DAY)
        times.append(time.perf_counter() - started)
        played = living.played - before
    return times, played


def _orders_path() -> str:
    created_after = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f"/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter={created_after}"
            "&MaxResultsPerPage=100")


def measure(seconds: float, runs: int) -> LivingFigures:
    default, default_events = _advance(None, runs)
    large, large_events = _advance(LARGE_SCALE, max(1, runs - 1))
    idle, _ = _advance(None, runs, idle=True)
    ports = [free_port(), free_port()]
    extra = ("--throttle", "off")
    with serve(emulator_argv(ports[0], "--live", "off", *extra), "/_emulator/health",
               ports[0]) as off, \
            serve(emulator_argv(ports[1], "--live", "on", *extra), "/_emulator/health",
                  ports[1]) as on:
        path = _orders_path()
        still, living = _interleaved([(off.base_url + path, _access_token(off.base_url)),
                                      (on.base_url + path, _access_token(on.base_url))],
                                     seconds, runs)
    return LivingFigures(default, default_events, large, large_events, idle, still, living)


def report(figures: LivingFigures) -> list[str]:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    default = statistics.median(figures.default_30d)
    large = statistics.median(figures.large_30d)
    idle = statistics.median(figures.idle_request)
    return [
        "living: the business after the anchor (one seller)",
        f"  advance 30 days, ~11 orders/day   {default:7.3f} s   target <= "
        f"{TARGETS['default_30d_s']:.1f}   {verdict(default <= TARGETS['default_30d_s'])}"
        f"  ({figures.default_events} events; runs: "
        f"{', '.join(f'{s:.3f}' for s in figures.default_30d)})",
        f"  advance 30 days, 100k orders/year {large:7.3f} s   target <= "
        f"{TARGETS['large_30d_s']:.1f}   {verdict(large <= TARGETS['large_30d_s'])}"
        f"  ({figures.large_events} events; runs: "
        f"{', '.join(f'{s:.2f}' for s in figures.large_30d)})",
        f"  first request after 30 idle days  {idle:7.3f} s   (the same events, played then)",
        f"  getOrders page, --live off        {figures.off.requests_per_second:7.0f} req/s"
        f"  p50 {figures.off.p50_ms:.2f} ms  non-2xx {figures.off.non_2xx}",
        f"  getOrders page, --live on         {figures.on.requests_per_second:7.0f} req/s"
        f"  p50 {figures.on.p50_ms:.2f} ms  non-2xx {figures.on.non_2xx}",
        f"  ratio off/on                      {figures.ratio:7.2f}     target <= "
        f"{TARGETS['get_orders_ratio']:.1f}   "
        f"{verdict(figures.ratio <= TARGETS['get_orders_ratio'])}",
    ]
