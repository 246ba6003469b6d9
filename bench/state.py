"""The seeded state's figures: seeding 100k orders, a getOrders page at 1k and at 100k orders
(the ratio shows whether a page's cost grows with the business), memory per 100k orders."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from bench.core import _access_token
from bench.load import LoadResult, median_of, wrk
from bench.servers import emulator_argv, free_port, serve

TARGETS = {"seed_100k_s": 2.0, "memory_100k_mb": 80.0, "page_ratio": 1.5}
SELLER = "AUJZDE8GXD6NCF"


@dataclass
class StateFigures:
    seed_seconds: list[float]
    rss_before_mb: float
    rss_after_mb: float
    small: LoadResult
    large: LoadResult

    @property
    def ratio(self) -> float:
        """How much slower a page is at 100k orders than at 1k (1.0: not at all)."""
        return self.small.requests_per_second / self.large.requests_per_second


def _orders_path() -> str:
    created_after = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f"/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter={created_after}"
            "&MaxResultsPerPage=100")


def _load(base_url: str, seconds: float, runs: int) -> LoadResult:
    headers = _access_token(base_url)
    url = base_url + _orders_path()
    wrk(url, connections=8, seconds=min(2.0, seconds), headers=headers)
    return median_of([wrk(url, connections=8, seconds=seconds, headers=headers)
                      for _ in range(runs)])


def measure(seconds: float, runs: int) -> StateFigures:
    # The business still (--live off): seeding is generation alone, not also the hours of
    # today the living store would play on first use (bench/living.py measures those).
    extra = ("--throttle", "off", "--live", "off")
    port = free_port()
    with serve(emulator_argv(port, *extra), "/_emulator/health", port) as small:
        _seed_generation_only(small.base_url)
        small_load = _load(small.base_url, seconds, runs)
    seed_times = []
    rss_before = rss_after = 0.0
    for _ in range(2):
        port = free_port()
        with serve(emulator_argv(port, "--scale", "100000", *extra), "/_emulator/health",
                   port) as large:
            rss_before = large.rss_mb()
            seed_times.append(_seed_generation_only(large.base_url))
            rss_after = large.rss_mb()
            if len(seed_times) == 2:
                large_load = _load(large.base_url, seconds, runs)
    return StateFigures(seed_times, rss_before, rss_after, small_load, large_load)


def _seed_generation_only(base_url: str) -> float:
    # Generating happens on the seller's first use; asking for one order's state keeps the
    # answer small, so the time measured is the generation's, not a 100k-order snapshot's.
    started = time.perf_counter()
    response = httpx.post(f"{base_url}/_emulator/orders", json={"seller_id": SELLER},
                          timeout=120)
    response.raise_for_status()
    return time.perf_counter() - started


def report(figures: StateFigures) -> list[str]:
    seed = statistics.median(figures.seed_seconds)
    memory = figures.rss_after_mb - figures.rss_before_mb

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    return [
        "state: the default seller, getOrders pages of 100 over the last 30 days",
        f"  seed 100k orders              {seed:9.2f} s      target <= "
        f"{TARGETS['seed_100k_s']:.1f}   {verdict(seed <= TARGETS['seed_100k_s'])}"
        f"  (runs: {', '.join(f'{s:.2f}' for s in figures.seed_seconds)})",
        f"  memory for 100k orders        {memory:9.1f} MB     target <= "
        f"{TARGETS['memory_100k_mb']:.0f}    {verdict(memory <= TARGETS['memory_100k_mb'])}"
        f"  (RSS {figures.rss_before_mb:.0f} -> {figures.rss_after_mb:.0f} MB)",
        f"  getOrders page, 1k orders     {figures.small.requests_per_second:9.0f} req/s"
        f"  p50 {figures.small.p50_ms:.2f} ms  non-2xx {figures.small.non_2xx}",
        f"  getOrders page, 100k orders   {figures.large.requests_per_second:9.0f} req/s"
        f"  p50 {figures.large.p50_ms:.2f} ms  non-2xx {figures.large.non_2xx}",
        f"  ratio 1k/100k                 {figures.ratio:9.2f}      target <= "
        f"{TARGETS['page_ratio']:.1f}   {verdict(figures.ratio <= TARGETS['page_ratio'])}",
    ]
