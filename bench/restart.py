"""The state file's figures: restart (process start to the first getOrders of the seller the
changes belong to) with a history of 0, 1k, 10k and 100k changes to the same records, and the
file's size. Restart time must not grow with the history: compaction keeps the file about
the size of what changed, not of how often it changed.

The history is made in-process through the store (as the families change records), written
in batches, and left without a clean shutdown (as after a kill): the worst case for restart.
"""

from __future__ import annotations

import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.servers import emulator_argv, free_port, serve

HISTORIES = (0, 1_000, 10_000, 100_000)
TARGETS = {"restart_ratio": 1.5}  # restart after 100k changes / after none
ORDERS = ("/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2020-01-01T00:00:00Z"
          "&MaxResultsPerPage=100")


@dataclass
class RestartFigures:
    seconds: dict[int, list[float]]  # history -> restart times
    sizes: dict[int, int]  # history -> state file bytes

    def median(self, history: int) -> float:
        return statistics.median(self.seconds[history])


def make_history(state_file: Path, changes: int) -> None:
    """`changes` changes to the default seller's listings, inventory and recent orders."""
    from emulator.app import create_app
    from emulator.config import Settings
    from emulator.models import source

    app = create_app(Settings(models_dir=source.locate(), port=0, state_file=state_file,
                              auth="none"))
    store = app.store
    state = store.of(app.accounts.sellers[0])
    listings = list(state.listings.values())
    inventory = list(state.inventory.values())
    orders = state.order_list[-300:]
    for change in range(changes):
        which = change % 3
        if which == 0:
            listing = listings[change % len(listings)]
            listing.quantity = change % 97
            store.changed(state, "listing", listing.sku, listing)
        elif which == 1:
            record = inventory[change % len(inventory)]
            record.fulfillable = change % 89
            store.changed(state, "inventory", record.sku, record)
        else:
            order = orders[change % len(orders)]
            order.last_update += 1
            store.changed(state, "order", order.order_id, order)
        if change % 50 == 49:
            store.flush()
    store.flush()  # no close(): left as a killed process leaves it


def measure(seconds: float, runs: int) -> RestartFigures:
    times: dict[int, list[float]] = {}
    sizes: dict[int, int] = {}
    with tempfile.TemporaryDirectory() as directory:
        for history in HISTORIES:
            state_file = Path(directory) / f"state-{history}.jsonl"
            make_history(state_file, history)
            sizes[history] = state_file.stat().st_size
        for _ in range(max(runs, 3)):
            for history in HISTORIES:  # in turns: the machine's drift spreads over all
                port = free_port()
                state_file = Path(directory) / f"state-{history}.jsonl"
                argv = emulator_argv(port, "--auth", "none", "--state-file", str(state_file))
                with serve(argv, ORDERS, port) as server:
                    times.setdefault(history, []).append(server.first_ok_seconds)
    return RestartFigures(times, sizes)


def report(figures: RestartFigures) -> list[str]:
    base = figures.median(HISTORIES[0])
    ratio = figures.median(HISTORIES[-1]) / base

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    lines = ["restart: process start to the first getOrders, by history of changes"]
    for history in HISTORIES:
        runs = ", ".join(f"{s:.2f}" for s in figures.seconds[history])
        lines.append(f"  {history:>7} changes  state file {figures.sizes[history] / 1e6:7.2f} MB"
                     f"  restart {figures.median(history):5.2f} s  (runs: {runs})")
    lines.append(f"  ratio 100k changes / none    {ratio:9.2f}      target <= "
                 f"{TARGETS['restart_ratio']:.1f}   {verdict(ratio <= TARGETS['restart_ratio'])}")
    return lines
