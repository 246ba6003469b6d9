"""The overview page's view: the emulator's settings, its clock, each seller's business in
figures, orders per day, and the request rate and latency of the last minutes."""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from emulator.auth.accounts import Seller
from emulator.business.jobs import IN_PROGRESS, IN_QUEUE
from emulator.business.store import SellerState
from emulator.inspector import plots
from emulator.inspector.metrics import STEP, WINDOW, RealTime, traffic
from emulator.inspector.sources import Sources
from emulator.runtime.clock import iso

DAY = 86400.0
PLOTTED_DAYS = 90
LISTED_SELLERS = 50  # open auth makes a seller per refresh token: the table stops here
# The clock's buttons: (label, seconds).
ADVANCES = (("+5 min", 300), ("+1 hour", 3600), ("+1 day", 86400))


@dataclass(frozen=True)
class SellerSummary:
    seller: Seller
    generated: bool
    orders: int = 0
    by_status: tuple[tuple[str, int], ...] = ()
    listings: int = 0
    fba_units: int = 0
    open_reports: int = 0
    open_feeds: int = 0
    chart: plots.Chart | None = None


class StatusCounts:
    """Orders by status per seller, counted again only when the seller's state changed."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[int, int, tuple[tuple[str, int], ...]]] = {}

    def of(self, state: SellerState) -> tuple[tuple[str, int], ...]:
        key = (id(state), state.version)
        kept = self._kept.get(state.seller_id)
        if kept is None or kept[:2] != key:
            counts = Counter(order.status for order in state.order_list)
            kept = (*key, tuple(sorted(counts.items())))
            self._kept[state.seller_id] = kept
        return kept[2]


def settings_rows(sources: Sources) -> list[tuple[str, Any]]:
    settings = sources.settings
    summary = sources.models.summary()
    store = sources.store
    return [
        ("mode", settings.mode), ("auth", settings.auth), ("throttle", settings.throttle),
        ("lifecycle", settings.lifecycle), ("seed", store.seed),
        ("scenario", f"{store.scenario.name} (anchor {store.scenario.anchor})"),
        ("orders per seller (--scale)", settings.scale if settings.scale is not None
         else "the scenario's"),
        ("models", f"{summary['apis']} models, {summary['operations']} operations"),
        ("bound to", f"{settings.host}:{settings.port}"), ("public URL", settings.base_url),
        ("token lifetime", f"{settings.token_ttl} s"),
        ("journal", f"last {settings.journal_size} requests, bodies of the last "
                    f"{sources.journal.bodies_kept}"),
        ("state file", settings.state_file or "none"),
        ("cassettes", settings.cassettes_dir),
        ("notifications", ", ".join(f"{name} {value}" for name, value in (
            ("SQS", settings.sqs_endpoint), ("EventBridge", settings.eventbridge_endpoint),
            ("webhook", settings.webhook_url)) if value) or "recorded only"),
    ]


def orders_per_day(state: SellerState, now: float, days: int = PLOTTED_DAYS) -> plots.Chart:
    """Orders purchased each UTC day of the last `days`, today included (live)."""
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0,
                                                     microsecond=0).timestamp()
    starts = [today - (days - 1 - i) * DAY for i in range(days)]
    times = state.order_times  # sorted: a day's orders are two bisections apart
    edges = [bisect.bisect_left(times, start) for start in (*starts, today + DAY)]
    values = [float(high - low) for low, high in itertools.pairwise(edges)]
    labels = [datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%d") for start in starts]
    titles = [f"{label}: {int(value)} orders" for label, value in zip(labels, values, strict=True)]
    marks = [(i, labels[i][5:]) for i in range(0, days, max(days // 6, 1))]
    return plots.bar_chart(f"orders per day, {state.seller_id} (last {days} days, live)",
                           "orders", values, titles, marks)


def seller_summaries(sources: Sources, counts: StatusCounts) -> tuple[list[SellerSummary], int]:
    """Every generated seller, then the accounts' sellers not used yet; and how many sellers
    there are in all (the list stops at LISTED_SELLERS)."""
    generated = sources.generated()
    sellers = [s for s in sources.accounts.sellers if s.seller_id in generated]
    sellers += [s for s in sources.accounts.sellers
                if s.seller_id not in generated and not s.derived]
    now = sources.clock.now()
    jobs = Counter()
    for book in (sources.reports, sources.feeds):
        if book is None:
            continue
        for job in list(book.jobs.values()):
            if job.status in (IN_QUEUE, IN_PROGRESS):
                jobs[(book.kind, job.seller_id)] += 1
    found = []
    for seller in sellers[:LISTED_SELLERS]:
        state = generated.get(seller.seller_id)
        if state is None:
            found.append(SellerSummary(seller, False))
            continue
        found.append(SellerSummary(
            seller, True, len(state.orders), counts.of(state), len(state.listings),
            sum(r.fulfillable for r in state.inventory.values()),
            jobs[("report", seller.seller_id)], jobs[("feed", seller.seller_id)],
            orders_per_day(state, now)))
    return found, len(sellers)


def traffic_charts(sources: Sources, real: RealTime) -> tuple[plots.Chart, plots.Chart, int]:
    """Requests per second and p50/p99 latency of SP-API requests over the last minutes."""
    seen = traffic(sources.journal, real)
    count = len(seen.bins)
    marks = [(i, f"-{int(-b.start // 60)}m" if b.start % 60 == 0 else "")
             for i, b in enumerate(seen.bins) if (-b.start) % 60 == 0]
    rate = plots.bar_chart(
        f"requests per second (SP-API, last {int(WINDOW // 60)} minutes, {int(STEP)} s bins)",
        "req/s", [b.per_second for b in seen.bins],
        [f"{b.per_second:.1f} req/s from {int(-b.start)} s ago" for b in seen.bins], marks)
    latency = plots.line_chart(
        "latency p50 and p99 (ms)", "ms",
        [("p50", "p50", [b.p50_ms for b in seen.bins]),
         ("p99", "p99", [b.p99_ms for b in seen.bins])], marks, count)
    return rate, latency, seen.total


def clock_view(sources: Sources) -> dict[str, Any]:
    clock = sources.clock
    return {"now": iso(clock.now()), "offset": clock.offset, "advances": ADVANCES,
            "pending": len(sources.scheduler)}
