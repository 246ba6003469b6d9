"""Confirmed inbound shipments on their way into Amazon's network, on the emulator clock, with
the seller's FBA stock following them:

    READY_TO_SHIP -> SHIPPED (inboundWorking -> inboundShipped) -> IN_TRANSIT -> DELIVERED
    -> CHECKED_IN (-> inboundReceiving; placement fee booked) -> RECEIVING -> CLOSED
    (-> fulfillable, a seeded few units damaged -> unfulfillable or missing -> researching)

The carrier picks the boxes up a few hours into the ready-to-ship window; small parcels take
three days to arrive, freight five, and a confirmed delivery window moves the arrival into it.
Receiving takes two days, as a busy fulfillment center's does.
"""

from __future__ import annotations

from emulator.business import fba_stock, fees, service_fees
from emulator.business.store import SellerState, StateStore
from emulator.families.fulfillment_inbound.book import InboundBook
from emulator.families.fulfillment_inbound.records import (
    CHECKED_IN,
    CLOSED,
    DELIVERED,
    IN_TRANSIT,
    LTL,
    MOVING,
    RECEIVING,
    SHIPPED,
    SHIPPED_PLAN,
    InboundPlan,
    Shipment,
)

HOUR, DAY = 3600.0, 86400.0
PICKUP = 4 * HOUR  # from the start of the ready-to-ship window to the carrier's pickup
TRANSIT = {"small parcel": 3 * DAY, "freight": 5 * DAY}
DAMAGED_SHARE, MISSING_SHARE = 0.12, 0.06  # of MSKUs with some units damaged / missing
# Booking shape: the fee type of inbound placement in financial events is not documented;
# FBAInboundPlacementServiceFee follows the naming of FBAInboundTransportationFee, which
# Amazon's ServiceFeeEventList shows (models#2330). [assumption]
PLACEMENT_FEE = "FBAInboundPlacementServiceFee"
TRANSPORT_FEE = "FBAInboundTransportationFee"


def mode_of(plan: InboundPlan, shipment: Shipment) -> str | None:
    """The shipping mode of the shipment's confirmed transportation option."""
    found = next((o for o in plan.transport_options if o.option_id == shipment.transport),
                 None)
    return found.mode if found is not None else None


class Shipping:
    def __init__(self, book: InboundBook) -> None:
        self.book = book
        self.store: StateStore = book.store
        book.on_shipment_step = self.step

    def start(self, state: SellerState, plan: InboundPlan, shipment: Shipment,
              when: float) -> None:
        ready = shipment.ready_window[0] if shipment.ready_window is not None else when
        self.book.schedule(state, plan, shipment, SHIPPED, max(when, ready) + PICKUP)

    def step(self, state: SellerState, plan: InboundPlan, shipment: Shipment, step: str,
             when: float) -> None:
        shipment.status = step
        book = self.book
        if step == SHIPPED:
            for msku, quantity in shipment.items:
                fba_stock.inbound_shipped(self.store, state, msku, quantity)
            if all(s.status in MOVING for s in plan.confirmed_shipments()):
                plan.status = SHIPPED_PLAN
            book.schedule(state, plan, shipment, IN_TRANSIT, when + 6 * HOUR)
        elif step == IN_TRANSIT:
            book.schedule(state, plan, shipment, DELIVERED,
                          self._arrival(plan, shipment, when))
        elif step == DELIVERED:
            book.schedule(state, plan, shipment, CHECKED_IN, when + 3 * HOUR)
        elif step == CHECKED_IN:
            for msku, quantity in shipment.items:
                fba_stock.inbound_receiving(self.store, state, msku, quantity)
            self._book_placement(state, plan, shipment, when)
            book.schedule(state, plan, shipment, RECEIVING, when + 12 * HOUR)
        elif step == RECEIVING:
            book.schedule(state, plan, shipment, CLOSED, when + 2 * DAY)
        elif step == CLOSED:
            self._receive(state, plan, shipment)
        book.save(state, plan, when)

    def _arrival(self, plan: InboundPlan, shipment: Shipment, in_transit: float) -> float:
        freight = mode_of(plan, shipment) == LTL
        arrival = in_transit + TRANSIT["freight" if freight else "small parcel"] - 6 * HOUR
        if shipment.window_dates is not None:
            start, end, _ = shipment.window_dates
            arrival = min(max(arrival, start + 10 * HOUR), end)
        return max(arrival, in_transit + HOUR)

    def _receive(self, state: SellerState, plan: InboundPlan, shipment: Shipment) -> None:
        """Receiving ends: most units are sellable; a seeded few MSKUs have some damaged or
        missing units, as real receipts do."""
        rnd = self.book.draw(state, plan, "receipt")
        received = []
        for msku, quantity in shipment.items:
            damaged = missing = 0
            if rnd.random() < DAMAGED_SHARE:
                damaged = max(1, round(quantity * rnd.uniform(0.005, 0.03)))
            if rnd.random() < MISSING_SHARE:
                missing = max(1, round(quantity * rnd.uniform(0.005, 0.02)))
            damaged = min(damaged, quantity)
            missing = min(missing, quantity - damaged)
            sellable = quantity - damaged - missing
            fba_stock.inbound_received(self.store, state, msku, sellable, damaged, missing)
            received.append((msku, sellable, damaged, missing))
        shipment.received = received

    def _book_placement(self, state: SellerState, plan: InboundPlan, shipment: Shipment,
                        when: float) -> None:
        """The inbound placement fee is charged as the shipment is received."""
        option = plan.placement_confirmed()
        market = state.market(plan.marketplace_id) or state.markets[0]
        if option is None or not option.fees:
            return
        total = 0
        for msku, quantity in shipment.items:
            listing = state.listings.get(msku)
            item = state.catalog.get(listing.asin) if listing is not None else None
            total += fees.placement_fee(item, option.split, market.currency) * quantity
        if total:
            service_fees.book(self.store, state, service_fees.FeeBooking(
                fee_id=f"inbound/{shipment.shipment_id}/placement", posted=when,
                marketplace_id=market.id, currency=market.currency,
                reason="FBAInboundPlacement",
                description=f"Inbound placement service fee, shipment "
                            f"{shipment.confirmation_id or shipment.shipment_id}",
                fees=[(PLACEMENT_FEE, -total)]))

    def book_transport(self, state: SellerState, plan: InboundPlan, shipment: Shipment,
                       cost: int, currency: str, when: float, voided: bool = False) -> None:
        """The Amazon-partnered carrier's charge when confirmed, given back when voided in
        time."""
        market = state.market(plan.marketplace_id) or state.markets[0]
        name = shipment.confirmation_id or shipment.shipment_id
        service_fees.book(self.store, state, service_fees.FeeBooking(
            fee_id=f"inbound/{shipment.shipment_id}/transport" + ("/void" if voided else ""),
            posted=when, marketplace_id=market.id, currency=currency,
            reason="FBAInboundTransportation",
            description=(f"Amazon-partnered carrier, shipment {name}"
                         + (" (voided)" if voided else "")),
            fees=[(TRANSPORT_FEE, cost if voided else -cost)]))
