"""The living store: plays each seller's scenario events in time order, interleaved with what
clients do, whenever the seller is touched (a request, a control-plane call) or the scheduler
reaches its next event (so notifications come while nobody asks, and `clock/advance` plays
everything in between).

Per seller it keeps a heap of what is due: the moves of the orders' plans (`plan`), the
calendar of each day (`calendar`, expanded a day at a time), inbound lots. Order plans come
from the event bus: any order created or shipped, by whoever, gets its plan then; the plan of
an order made after the anchor is drawn from the seed per order, so a restart that rebuilds
the heap from the orders draws the same. The position (`LivingPosition`: up to when
everything happened, competitors' moves, lots on their way) is a small record kept with the
seller's records in the state file and snapshots.
"""

from __future__ import annotations

import heapq
import math
import threading
import weakref
from dataclasses import dataclass, field

from emulator.business.entities import InboundLot, LivingPosition, Order
from emulator.business.living import calendar, happenings, plan
from emulator.business.living.calendar import Entry
from emulator.business.living.rhythm import Rhythm
from emulator.business.store import SellerState, StateStore
from emulator.runtime import events
from emulator.runtime.clock import Clock
from emulator.runtime.events import Event
from emulator.runtime.scheduler import Scheduler

INFINITY = math.inf


@dataclass
class _Run:
    """One seller's living store."""

    seller: happenings.Seller
    rhythm: Rhythm
    asins: list[str]  # what competitors may reprice: the ASINs of the generated offers
    heap: list[Entry] = field(default_factory=list)
    day: int = 0  # the next day whose calendar is not in the heap yet
    shipped: set[str] = field(default_factory=set)  # orders whose after-shipping plan is in
    scheduled: float = INFINITY  # the earliest scheduler entry queued for this seller

    @property
    def state(self) -> SellerState:
        return self.seller.state

    @property
    def position(self) -> LivingPosition:
        assert self.state.position is not None
        return self.state.position

    def next_time(self) -> float:
        upcoming = self.heap[0][0] if self.heap else INFINITY
        return min(upcoming, calendar.day_start(self.state.anchor, self.day))


class LivingStore:
    def __init__(self, store: StateStore, scheduler: Scheduler, clock: Clock) -> None:
        self.store = store
        self.scheduler = scheduler
        self.clock = clock
        self.played = 0  # scenario events played since start
        self._runs: dict[str, _Run] = {}
        self._busy: set[str] = set()
        # The server plays on its event loop; tests and tools may touch a seller from another
        # thread: one play at a time (re-entrant: a play's events read the seller back).
        self._lock = threading.RLock()
        self._era = 0  # a reset starts a new era: scheduler entries of the old one do nothing
        store.living = self
        store.reset_listeners.append(self.reset)
        # Order plans follow from the orders' events, replayed ones too (store.py, _let_go).
        store.events.subscribe(self._on_order, events.ORDER_CREATED, events.ORDER_CHANGED,
                               replays=True)

    def reset(self) -> None:
        self._era += 1
        self._runs.clear()

    def detach(self, seller_id: str) -> None:
        """Stop playing a seller the store let go (its queued scheduler entries then do
        nothing); attach() starts it again from its position when it is generated anew."""
        self._runs.pop(seller_id, None)

    # -- a seller joins ---------------------------------------------------------------------

    def attach(self, state: SellerState) -> None:
        """Start (or continue from `state.position`) a seller's living store: the heap holds
        every event after the position, as if it had never stopped."""
        store = self.store
        shape = store.scenario.shape(state.seller_id)
        if not shape.listings or not state.maker.listings:
            return  # a vendor, or a seller with nothing to sell: nothing ever happens
        fresh = state.position is None
        if state.position is None:
            state.position = LivingPosition(until=state.anchor)
        until = state.position.until
        run = _Run(happenings.Seller(store, state, shape),
                   Rhythm(shape, state.markets[0].country),
                   sorted({x.asin for x in state.maker.listings}))
        self._runs[state.seller_id] = run
        anchor = state.anchor
        for when, order_id, move in state.maker.pending:
            order = state.orders.get(order_id)
            if order is None:
                continue
            if move == plan.SHIP and order.fulfillment == "MFN" and \
                    shape.mfn_shipped_by == "client":
                # The history's merchant shipped it; after the anchor the client does.
                self._resume(run, order, self._waiting(run, order), until)
            else:
                self._resume(run, order, [(when, move)], until)
        for order in state.order_list:
            if order.purchase_date >= anchor:
                self._resume(run, order, self._before(run, order), until)
            if order.status == "Shipped" and order.shipments[-1].ship_date > anchor:
                run.shipped.add(order.order_id)
                self._resume(run, order, self._after(run, order), until)
        if fresh:
            state.position.inbound = self._history_inbound(run)
        for lot in state.position.inbound:
            self._push(run, (lot.times[0], calendar.INBOUND, lot.key, "inbound", lot))
        run.day = calendar.day_of(anchor, until)
        self._expand(run, after=until)
        state.next_due = run.next_time()
        self._schedule(run)

    def _before(self, run: _Run, order: Order) -> list[plan.Step]:
        seller = run.seller
        return plan.before_shipping(order, seller.shape, seller.derive("plan", order.order_id),
                                    seller.shape.mfn_shipped_by == "scenario")

    def _waiting(self, run: _Run, order: Order) -> list[plan.Step]:
        """The moves of a history order whose merchant never shipped it before the anchor:
        late, then perhaps cancelled by Amazon."""
        steps = plan.before_shipping(order, run.seller.shape,
                                     run.seller.derive("plan", order.order_id), False)
        return [s for s in steps if s[1] in (plan.LATE, plan.AUTO_CANCEL)]

    def _after(self, run: _Run, order: Order) -> list[plan.Step]:
        seller = run.seller
        return plan.after_shipping(order, seller.shape, seller.derive("shipped", order.order_id),
                                   order.shipments[-1].ship_date)

    def _history_inbound(self, run: _Run) -> list[InboundLot]:
        """The inbound units the generated inventory shows arrive over the days after the
        anchor, each quantity a stage further on its way."""
        state, shape = run.state, run.seller.shape
        total = max(shape.restock_days, 0.1) * plan.DAY
        lots = []
        for sku in sorted(state.inventory):
            record = state.inventory[sku]
            for stage, quantity in enumerate((record.inbound_working, record.inbound_shipped,
                                              record.inbound_receiving)):
                if quantity <= 0:
                    continue
                rnd = run.seller.derive("inbound", sku, stage)
                moment = state.anchor
                times = []
                for _ in range(3 - stage):
                    moment += rnd.uniform(0.1, 0.45) * total
                    times.append(moment)
                lots.append(InboundLot(f"history/{sku}/{stage}", sku, quantity, stage, times))
        return lots

    # -- the heap -------------------------------------------------------------------------------

    def _push(self, run: _Run, entry: Entry) -> None:
        heapq.heappush(run.heap, entry)

    def _push_steps(self, run: _Run, order_id: str, steps: list[plan.Step]) -> None:
        for when, move in steps:
            heapq.heappush(run.heap, (when, calendar.ORDER, order_id, "order", move))

    def _resume(self, run: _Run, order: Order, steps: list[plan.Step], until: float) -> None:
        """The steps of a plan still to come after `until`. A step due by then that still
        applies never ran (it was planned at `until` itself, after the position was kept):
        it runs at `until`."""
        shape = run.seller.shape
        for when, move in steps:
            if when > until:
                self._push_steps(run, order.order_id, [(when, move)])
            elif move != plan.LATE and happenings.applies(order, move, shape):
                self._push_steps(run, order.order_id, [(until, move)])

    def _expand(self, run: _Run, after: float = -INFINITY) -> None:
        """Put the next day's calendar in the heap (its events after `after`)."""
        state, seller = run.state, run.seller
        for entry in calendar.day_events(self.store.randomness, state.seller_id, seller.shape,
                                         run.rhythm, run.asins, state.anchor, run.day):
            if entry[0] > after:
                heapq.heappush(run.heap, entry)
        run.day += 1

    # -- playing --------------------------------------------------------------------------------

    def catch_up(self, state: SellerState) -> None:
        """Play what fell due for this seller. Outside the scheduler, the scheduler runs first
        (everything due, every seller and lifecycle, in time order); inside one of its
        actions, the seller plays up to that action's time."""
        run = self._runs.get(state.seller_id)
        if run is None or run.state is not state or state.seller_id in self._busy:
            return
        if self.scheduler.current is None:
            self.scheduler.run_due()
            self._play(run, self.clock.now())
        else:
            self._play(run, self.scheduler.current)

    def _play(self, run: _Run, until: float, yielding: bool = False) -> None:
        """Play the seller's events up to `until`, in time order. `yielding` (from the
        scheduler): stop before an event later than the scheduler's next action, which must
        see the state as it was then."""
        with self._lock:
            self._play_locked(run, until, yielding)

    def _play_locked(self, run: _Run, until: float, yielding: bool) -> None:
        state, store = run.state, self.store
        seller_id = state.seller_id
        if seller_id in self._busy or self._runs.get(seller_id) is not run:
            return
        self._busy.add(seller_id)
        played = 0
        try:
            while True:
                upcoming = run.heap[0][0] if run.heap else INFINITY
                day = calendar.day_start(state.anchor, run.day)
                following = min(upcoming, day)
                if following > until:
                    break
                if yielding and following > self.scheduler.next_due():
                    until = self.scheduler.next_due()  # everything up to then has happened
                    break
                if day <= upcoming:
                    self._expand(run)
                    continue
                entry = heapq.heappop(run.heap)
                with store.acting("scenario", entry[0]):
                    self._happen(run, entry)
                played += 1
            position = run.position
            if played or until > position.until:
                position.until = max(position.until, until)
                with store.acting("scenario", position.until):  # the scenario's, not a client's
                    store.keep(state, "living", "position", position)
        finally:
            self._busy.discard(seller_id)
        self.played += played
        state.next_due = run.next_time()
        self._schedule(run)

    def _happen(self, run: _Run, entry: Entry) -> None:
        _, _, key, kind, payload = entry
        seller = run.seller
        if kind == "order":
            happenings.move_order(seller, key, payload)
        elif kind == "arrival":
            happenings.arrive(seller, key)
        elif kind == "offers":
            happenings.reprice(seller, run.position.offer_moves, payload)
        elif kind == "restock":
            for lot in happenings.review_stock(seller, payload):
                run.position.inbound.append(lot)
                self._push(run, (lot.times[0], calendar.INBOUND, lot.key, "inbound", lot))
        elif kind == "inbound":
            happenings.advance_lot(seller, payload)
            if payload.times:
                self._push(run, (payload.times[0], calendar.INBOUND, payload.key, "inbound",
                                 payload))
            else:
                run.position.inbound.remove(payload)
        elif kind == "settlement":
            happenings.close_settlement(seller, payload)

    # -- orders made or moved by anyone ---------------------------------------------------------

    def _on_order(self, event: Event) -> None:
        """A new order gets its plan; an order that shipped in full, its plan from shipment
        on. Whoever made the change (the scenario, a client, the control plane)."""
        run = self._runs.get(event.seller_id)
        order = run.state.orders.get(event.data.get("order_id", "")) if run else None
        if run is None or order is None:
            return
        if event.type == events.ORDER_CREATED:
            self._push_steps(run, order.order_id, self._clamped(self._before(run, order),
                                                                 event.time))
        if order.status == "Shipped" and order.order_id not in run.shipped and \
                order.shipments[-1].ship_date > run.state.anchor:
            # (An order shipped before the anchor has its plan from the history.)
            run.shipped.add(order.order_id)
            self._push_steps(run, order.order_id, self._clamped(self._after(run, order),
                                                                event.time))
        if event.seller_id not in self._busy:
            run.state.next_due = run.next_time()
            self._schedule(run)

    @staticmethod
    def _clamped(steps: list[plan.Step], now: float) -> list[plan.Step]:
        """A plan made now never reaches into the past (a shipment confirmed with an earlier
        ship date delivers no earlier than now)."""
        return [(max(when, now), move) for when, move in steps]

    # -- the scheduler --------------------------------------------------------------------------

    def _schedule(self, run: _Run) -> None:
        due = run.state.next_due
        if due >= run.scheduled:
            return
        run.scheduled = due
        era = self._era
        # The entry holds the run weakly: a seller the store let go (detach) is not kept
        # in memory by its entries, which may lie days ahead.
        held = weakref.ref(run)
        self.scheduler.at(due, lambda: self._tick(held, era, due))

    def _tick(self, held: weakref.ref[_Run], era: int, due: float) -> None:
        run = held()
        if run is None or era != self._era or self._runs.get(run.state.seller_id) is not run:
            return
        if run.scheduled == due:
            run.scheduled = INFINITY
        self._play(run, self.clock.now(), yielding=True)
        self._schedule(run)
