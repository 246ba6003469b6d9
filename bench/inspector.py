"""The inspector's figures: each page's render time at 100k orders (p50 of sequential GETs,
as a browser loads them, after a load run has filled the journal), and what an open live
tail costs the SP-API path (requests/s with a tail open over requests/s without, the two
measured in turns in the same run)."""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from bench.core import FULL_PIPELINE, ORDERS_GET, _access_token
from bench.load import LoadResult, median_of, wrk
from bench.servers import emulator_argv, free_port, serve

TARGETS = {"page_p50_ms": 50.0, "tail_ratio": 0.95}
SELLER = "AUJZDE8GXD6NCF"
UI = "/_emulator/ui"
GETS = 30  # per page


@dataclass
class InspectorFigures:
    pages: dict[str, list[float]]  # page -> render times, ms
    without_tail: LoadResult
    with_tail: LoadResult
    rows_streamed: int
    # The server's CPU time per SP-API request, microseconds (each run's): less sensitive
    # than throughput to other processes sharing the machine.
    cpu_without: list[float]
    cpu_with: list[float]

    # Each round's pair of runs, next to each other: (req/s without, req/s with the tail).
    pairs: list[tuple[float, float]]

    @property
    def tail_ratio(self) -> float:
        """The median of each round's with/without ratio: a round's two runs are next to
        each other in time, so the machine's drift cancels out of each ratio."""
        return statistics.median(w / wo for wo, w in self.pairs)

    @property
    def cpu_ratio(self) -> float:
        """Requests per CPU second with the tail over without (1.0: it costs nothing), the
        median of each round's."""
        return statistics.median(wo / w for wo, w in zip(self.cpu_without, self.cpu_with,
                                                         strict=True))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(load: Callable[[], LoadResult], pid: int, seconds: float) -> tuple[LoadResult, float]:
    """A load run and the server's CPU microseconds per request during it."""
    before = cpu_seconds(pid)
    result = load()
    used = cpu_seconds(pid) - before
    return result, used / max(result.requests_per_second * seconds, 1) * 1e6


class Tail:
    """A browser's open Requests page: reads the live tail until stopped (reconnecting where
    the stream left off, as EventSource does)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.rows = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> Tail:
        self._thread.start()
        time.sleep(0.5)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _read(self) -> None:
        last = ""
        with httpx.Client(base_url=self.base_url, timeout=None) as client:
            while not self._stop.is_set():
                headers = {"last-event-id": last} if last else {}
                with client.stream("GET", UI + "/requests/stream", headers=headers) as stream:
                    for line in stream.iter_lines():
                        if line.startswith("id: "):
                            last = line[4:]
                        elif line.startswith("data: "):
                            self.rows += line.count("<tr ")
                        if self._stop.is_set():
                            return


def _pages(base_url: str) -> dict[str, str]:
    """The pages to time: every page, and the business pages' deeper views."""
    with httpx.Client(base_url=base_url, timeout=120) as client:
        state = client.get("/_emulator/journal", params={"limit": "1"}).json()
        request_id = state["entries"][-1]["request_id"]
        orders = client.get(UI + "/orders", params={"seller": SELLER}).text
    older = orders.split("before=", 1)[1].split('"', 1)[0]
    order_id = orders.split(f"/orders/{SELLER}/", 1)[1].split('"', 1)[0]
    return {
        "overview": UI, "requests": UI + "/requests",
        "requests, one request": f"{UI}/requests/{request_id}",
        "requests, filtered": UI + "/requests?plane=sp-api&status=200",
        "orders": f"{UI}/orders?seller={SELLER}",
        "orders, page 2": f"{UI}/orders?seller={SELLER}&before={older}",
        "orders, rare filter": f"{UI}/orders?seller={SELLER}&status=Unshipped&fulfillment=AFN",
        "one order": f"{UI}/orders/{SELLER}/{order_id}",
        "listings": f"{UI}/listings?seller={SELLER}",
        "inventory": f"{UI}/inventory?seller={SELLER}",
        "catalog": f"{UI}/catalog?seller={SELLER}",
        "records": f"{UI}/records?seller={SELLER}&kind=fulfillment_order",
        "reports and feeds": UI + "/jobs", "notifications": UI + "/notifications",
        "faults": UI + "/faults", "state": UI + "/state", "cassettes": UI + "/cassettes",
    }


def _time_pages(base_url: str) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    with httpx.Client(base_url=base_url, timeout=120) as client:
        for name, path in _pages(base_url).items():
            client.get(path).raise_for_status()  # templates compiled, caches warm
            found = []
            for _ in range(GETS):
                started = time.perf_counter()
                client.get(path).raise_for_status()
                found.append((time.perf_counter() - started) * 1000)
            timings[name] = found
    return timings


def measure(seconds: float, runs: int) -> InspectorFigures:
    port = free_port()
    with serve(emulator_argv(port, "--scale", "100000", *FULL_PIPELINE), "/_emulator/health",
               port, timeout=120) as emulator:
        base = emulator.base_url
        httpx.post(f"{base}/_emulator/orders", json={"seller_id": SELLER},
                   timeout=120).raise_for_status()  # generates the seller's 100k orders
        headers = _access_token(base)
        url = base + ORDERS_GET
        wrk(url, connections=32, seconds=min(2.0, seconds), headers=headers)  # warm-up
        pid = emulator.process.pid

        def load() -> LoadResult:
            return wrk(url, connections=32, seconds=seconds, headers=headers)

        without: list[tuple[LoadResult, float]] = []
        with_tail: list[tuple[LoadResult, float]] = []
        rows = 0
        for run in range(runs):
            # In turns, each first every other round: the machine's drift falls on both alike.
            for tail_open in ((False, True) if run % 2 == 0 else (True, False)):
                if not tail_open:
                    without.append(_run(load, pid, seconds))
                    continue
                with Tail(base) as tail:
                    with_tail.append(_run(load, pid, seconds))
                rows += tail.rows
        pages = _time_pages(base)  # the journal is full now: the worst case for its pages
    return InspectorFigures(pages, median_of([r for r, _ in without]),
                            median_of([r for r, _ in with_tail]), rows,
                            [c for _, c in without], [c for _, c in with_tail],
                            [(a.requests_per_second, b.requests_per_second)
                             for (a, _), (b, _) in zip(without, with_tail, strict=True)])


def report(figures: InspectorFigures) -> list[str]:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    lines = ["inspector: pages at 100k orders (p50 of 30 GETs, journal full), live tail cost"]
    for name, times in figures.pages.items():
        p50 = statistics.median(times)
        lines.append(f"  {name:<28}{p50:7.1f} ms p50  max {max(times):6.1f} ms"
                     f"   target <= {TARGETS['page_p50_ms']:.0f}  "
                     f"{verdict(p50 <= TARGETS['page_p50_ms'])}")
    lines += [
        f"  SP-API GET, no tail open      {figures.without_tail.requests_per_second:9.0f} req/s"
        f"  p50 {figures.without_tail.p50_ms:.2f} ms",
        f"  SP-API GET, live tail open    {figures.with_tail.requests_per_second:9.0f} req/s"
        f"  p50 {figures.with_tail.p50_ms:.2f} ms  ({figures.rows_streamed} rows streamed)",
        f"  ratio tail/no tail (req/s)    {figures.tail_ratio:9.3f}      target >= "
        f"{TARGETS['tail_ratio']:.2f}  {verdict(figures.tail_ratio >= TARGETS['tail_ratio'])}"
        f"  (rounds: {', '.join(f'{w / wo:.2f}' for wo, w in figures.pairs)})",
        f"  server CPU per request        {statistics.median(figures.cpu_without):7.1f} us "
        f"without, {statistics.median(figures.cpu_with):.1f} us with the tail",
        f"  ratio tail/no tail (req/CPU s){figures.cpu_ratio:9.3f}      target >= "
        f"{TARGETS['tail_ratio']:.2f}  {verdict(figures.cpu_ratio >= TARGETS['tail_ratio'])}",
    ]
    return lines
