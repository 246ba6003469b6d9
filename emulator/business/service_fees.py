"""Fees Amazon charges for services outside an order's sale: Multi-Channel Fulfillment
shipments, inbound placement and the partnered carrier. The families that run those services
book them here; the Finances API lists them (as ServiceFeeEvents and service-fee
transactions) beside the events it derives from orders.

A booking is never changed or removed: a fee given back (a partnered carrier voided in time)
is a new booking with the opposite amounts. Amounts are minor units, signed as the seller's
account sees them (a charge is negative).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from emulator.business.records import dataclass_kind
from emulator.business.store import SellerState, StateStore


@dataclass(slots=True)
class FeeBooking:
    fee_id: str  # unique for the seller; fixes the booking's place among same-time events
    posted: float
    marketplace_id: str
    currency: str
    reason: str  # FeeReason, e.g. "MultiChannelFulfillment", "FBAInboundPlacement"
    description: str  # FeeDescription, what the seller reads
    fees: list[tuple[str, int]] = field(default_factory=list)  # (FeeType, signed amount)
    order_id: str | None = None  # AmazonOrderId: the fulfillment order an MCF fee is for
    sku: str | None = None
    fnsku: str | None = None
    asin: str | None = None

    @property
    def total(self) -> int:
        return sum(amount for _, amount in self.fees)


KIND = dataclass_kind("fee_booking", FeeBooking)


def book(store: StateStore, state: SellerState, booking: FeeBooking) -> None:
    """Records a fee; the Finances API shows it from its posting time on. (The families that
    book fees and the Finances family register KIND with the store at install.)"""
    store.prepare(state, KIND.name, booking.fee_id)
    state.table(KIND.name)[booking.fee_id] = booking
    store.changed(state, KIND.name, booking.fee_id, booking)


def bookings(state: SellerState) -> list[FeeBooking]:
    """Every fee booked for the seller (in no particular order)."""
    return list(state.table(KIND.name).values())
