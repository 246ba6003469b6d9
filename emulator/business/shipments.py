"""Shipping labels bought through Buy Shipping (Merchant Fulfillment v0) and Amazon Shipping
(Shipping v2): the records, their refund lifecycle and their tracking, on the emulator clock.

A label's record (`LabelShipment`, store record kind "label") keeps what was bought: the
carrier and service, the charges, the parcel, both addresses, the order items it ships
(Amazon orders) and what the API that bought it echoes back. Everything that moves with time
is computed from it when read, so it is deterministic and needs no timer:

- the refund: a cancelled label is RefundPending until the carrier decides, `refund_days`
  after the request; then RefundApplied, or RefundRejected when the carrier had already
  picked the parcel up when the refund was asked for;
- the tracking events: label created, picked up at the hand-over, through the carrier's
  facilities, out for delivery and delivered within the promised window, with a seeded share
  of failed attempts (then re-delivered, or as the seller's NDR feedback says), undeliverable
  parcels returned to the sender, and late ones.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from emulator.business import carriers
from emulator.business.entities import Address
from emulator.business.records import dataclass_kind
from emulator.business.store import SellerState
from emulator.runtime.rng import Randomness

KIND = "label"
DAY = 86400.0
HOUR = 3600.0
PURCHASED, REFUND_PENDING = "Purchased", "RefundPending"
REFUND_APPLIED, REFUND_REJECTED = "RefundApplied", "RefundRejected"
LABEL_CANCEL_WINDOW_EXPIRED = ("The cancellation window for requesting a label refund has "
                               "expired. Cancellation policies vary by carrier.")
# Shares of parcels whose delivery does not go to plan (seeded per label).
ATTEMPTED_SHARE, UNDELIVERABLE_SHARE, LATE_SHARE = 0.04, 0.015, 0.05


@dataclass(slots=True)
class LabelShipment:
    shipment_id: str
    api: str  # "mfn" (Merchant Fulfillment v0) or "v2" (Shipping v2)
    channel: str  # AMAZON (an Amazon order's items) or EXTERNAL
    order_id: str | None
    items: list[tuple[str, int]]  # (order item id, units) for an Amazon order
    carrier_id: str
    service_id: str
    country: str  # the ship-from country whose services it was bought from
    tracking_id: str
    currency: str
    charges: list[tuple[str, int]]  # (rate item, minor units): what the seller was charged
    label_format: str  # PDF, PNG, ZPL203, ZPL300 (ZPL: the DPI is in the name)
    label_dpi: int
    ship_from: Address
    ship_to: Address
    weight_g: float
    dimensions_cm: tuple[float, float, float]
    purchased_at: float
    ship_date: float  # the carrier takes it
    earliest: float  # the promised delivery window
    latest: float
    package_reference_id: str = ""  # v2's packageClientReferenceId; MFN: the order package's
    cancelled_at: float | None = None
    refund: str | None = None  # the carrier's decision, known at cancel time: applied | rejected
    ndr: list[tuple[str, float, float | None]] = field(default_factory=list)  # action, at, date
    claims: list[str] = field(default_factory=list)  # claim ids
    manifest_id: str | None = None  # the collection form it is on
    idempotency_key: str | None = None
    updated: float = 0.0
    # What the API that bought it echoes back (MFN: ShipmentRequestDetails and options;
    # Shipping v2: the packages and the requested documents), as the request sent it.
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(amount for _, amount in self.charges)

    @property
    def carrier(self) -> carriers.Carrier:
        found = carriers.carrier_by_id(self.carrier_id)
        assert found is not None, self.carrier_id
        return found

    @property
    def service(self) -> carriers.Service:
        found = carriers.service_by_id(self.service_id, self.country)
        assert found is not None, self.service_id
        return found

    def refund_due(self) -> float | None:
        """When the carrier decides the refund of a cancelled label."""
        if self.cancelled_at is None:
            return None
        return self.cancelled_at + self.carrier.refund_days * DAY

    def status(self, now: float) -> str:
        """Merchant Fulfillment's ShipmentStatus at `now`."""
        due = self.refund_due()
        if due is None:
            return PURCHASED
        if now < due:
            return REFUND_PENDING
        return REFUND_APPLIED if self.refund == "applied" else REFUND_REJECTED

    def refunded_at(self) -> float | None:
        """When the postage came back (a refund the carrier applied)."""
        return self.refund_due() if self.refund == "applied" else None


# The label records' kind: the families that buy labels register it with the store at install
# (snapshots, the state file).
RECORDS = dataclass_kind(KIND, LabelShipment)


def book(state: SellerState) -> dict[str, LabelShipment]:
    """The seller's labels by shipment id."""
    return state.table(KIND)


def find_by_tracking(state: SellerState, tracking_id: str) -> LabelShipment | None:
    return next((s for s in book(state).values() if s.tracking_id == tracking_id), None)


def of_order(state: SellerState, order_id: str) -> list[LabelShipment]:
    """An order's labels, oldest first."""
    labels = book(state)
    return [labels[i] for i in _index(state, labels).get(order_id, ())]


def add(state: SellerState, label: LabelShipment) -> None:
    """Files a new label (the caller records the change in the store)."""
    labels = book(state)
    index = _index(state, labels)
    labels[label.shipment_id] = label
    if label.order_id is not None:
        index.setdefault(label.order_id, []).append(label.shipment_id)
    _ORDER_INDEX[id(state)] = (weakref.ref(state), len(labels), index)


# Per seller state (by id, checked through a weak reference): its labels by order id, good
# while the label count stands (labels are only added, here; a state file replay or a restore
# fills the book itself and the index is made again).
_ORDER_INDEX: dict[int, tuple[weakref.ref[SellerState], int, dict[str, list[str]]]] = {}


def _index(state: SellerState, labels: dict[str, LabelShipment]) -> dict[str, list[str]]:
    found = _ORDER_INDEX.get(id(state))
    if found is not None and found[0]() is state and found[1] == len(labels):
        return found[2]
    by_order: dict[str, list[str]] = {}
    for label in labels.values():
        if label.order_id is not None:
            by_order.setdefault(label.order_id, []).append(label.shipment_id)
    _ORDER_INDEX[id(state)] = (weakref.ref(state), len(labels), by_order)
    return by_order


# -- ids ---------------------------------------------------------------------------------------

def draw(randomness: Randomness, state: SellerState, now: float, purpose: str) -> int:
    """A seeded number for a new label's ids: the same seed, seller, label count and time
    give the same ids."""
    return randomness.derive(purpose, state.seller_id, len(book(state)), f"{now:.3f}"
                             ).getrandbits(128)


def uuid_from(number: int) -> str:
    text = f"{number:032x}"[-32:]
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-a{text[17:20]}-{text[20:32]}"


# -- cancelling --------------------------------------------------------------------------------

class CancelRefused(ValueError):
    """A label that cannot be cancelled: `code` is Amazon's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def cancel(label: LabelShipment, randomness: Randomness, now: float) -> None:
    """Asks the carrier for a refund: the label becomes RefundPending. The carrier refuses it
    (RefundRejected) when it has already picked the parcel up; a request past the carrier's
    window is refused at once (LabelCancelWindowExpired)."""
    if label.cancelled_at is not None:
        raise CancelRefused("InvalidInput", "The shipment has already been cancelled.")
    if now > label.purchased_at + label.carrier.cancel_window_days * DAY:
        raise CancelRefused("LabelCancelWindowExpired", LABEL_CANCEL_WINDOW_EXPIRED)
    picked_up = any(e.code == "PickupDone" for e in tracking(label, randomness, now).events)
    label.cancelled_at = now
    label.refund = "rejected" if picked_up else "applied"
    label.updated = now


# -- tracking ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrackingEvent:
    code: str  # Shipping v2 EventCode
    time: float
    place: Address
    leg: str = "FORWARD"  # FORWARD | RETURNS


@dataclass(frozen=True)
class Tracking:
    status: str  # Shipping v2 Status
    events: list[TrackingEvent]
    promised: float  # the latest promised delivery
    forward_codes: list[str]  # trackingDetailCodes
    return_codes: list[str]


_STATUS = {"ReadyForReceive": "PreTransit", "PickupDone": "InTransit",
           "ArrivedAtCarrierFacility": "InTransit", "Departed": "InTransit",
           "OutForDelivery": "OutForDelivery", "Delivered": "Delivered",
           "DeliveryAttempted": "DeliveryAttempted", "Undeliverable": "Undeliverable",
           "ReturnInitiated": "Undeliverable", "PickupCancelled": "PickupCancelled",
           "Lost": "Lost", "Rejected": "Rejected", "AvailableForPickup": "AwaitingCustomerPickup"}


def _day_at(moment: float, hour: float) -> float:
    day = datetime.fromtimestamp(moment, UTC).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() + hour * HOUR


def _next_business(moment: float, hour: float) -> float:
    return _day_at(carriers.at_hour(carriers.add_business_days(moment, 1), 0), hour)


def _plan(label: LabelShipment, randomness: Randomness) -> tuple[list[TrackingEvent], str]:
    """Every event the parcel will have if nothing intervenes, and how it ends:
    delivered, attempted (then delivered the next business day) or undeliverable."""
    rnd = randomness.derive("tracking", label.shipment_id)
    origin, destination = label.ship_from, label.ship_to
    events = [TrackingEvent("ReadyForReceive", label.purchased_at, origin)]
    pickup = max(label.ship_date + rnd.uniform(0.2, 1.5) * HOUR, label.purchased_at + 60)
    events += [TrackingEvent("PickupDone", pickup, origin),
               TrackingEvent("ArrivedAtCarrierFacility", pickup + rnd.uniform(2, 5) * HOUR,
                             origin),
               TrackingEvent("Departed", pickup + rnd.uniform(6, 9) * HOUR, origin)]
    roll = rnd.random()
    span = max(0.0, label.latest - label.earliest)
    arrival = label.earliest + (span * rnd.random() if span > DAY else 0.0)
    if roll > 1 - LATE_SHARE:
        arrival = _next_business(label.latest, 8)
    out = max(_day_at(arrival, 8) + rnd.uniform(0, 2) * HOUR, events[-1].time + 2 * HOUR)
    events += [TrackingEvent("ArrivedAtCarrierFacility", out - rnd.uniform(2, 4) * HOUR,
                             destination),
               TrackingEvent("OutForDelivery", out, destination)]
    arrive = out + rnd.uniform(1, 7) * HOUR
    if roll < ATTEMPTED_SHARE:
        events.append(TrackingEvent("DeliveryAttempted", arrive, destination))
        return events, "attempted"
    if roll < ATTEMPTED_SHARE + UNDELIVERABLE_SHARE:
        events.append(TrackingEvent("Undeliverable", arrive, destination))
        return events, "undeliverable"
    events.append(TrackingEvent("Delivered", arrive, destination))
    return events, "delivered"


def _return_leg(label: LabelShipment, start: float) -> list[TrackingEvent]:
    back = carriers.add_business_days(start, label.service.days[1] + 1)
    home = carriers.at_hour(back, 14)
    return [TrackingEvent("ReturnInitiated", start + HOUR, label.ship_to, "RETURNS"),
            TrackingEvent("ArrivedAtCarrierFacility", start + 6 * HOUR, label.ship_to,
                          "RETURNS"),
            TrackingEvent("OutForDelivery", home - 5 * HOUR, label.ship_from, "RETURNS"),
            TrackingEvent("Delivered", home, label.ship_from, "RETURNS")]


def _redelivery(label: LabelShipment, after: float) -> list[TrackingEvent]:
    out = _next_business(after, 8.5)
    return [TrackingEvent("OutForDelivery", out, label.ship_to),
            TrackingEvent("Delivered", out + 3 * HOUR, label.ship_to)]


def _after_attempt(label: LabelShipment, attempt: float) -> list[TrackingEvent]:
    """What follows a failed attempt: the seller's NDR feedback given before the next
    attempt decides (RESCHEDULE to a date, REATTEMPT, RTO), else the carrier tries again
    the next business day."""
    retry = _next_business(attempt, 8.5)
    feedback = next(((action, at, date) for action, at, date in label.ndr
                     if attempt <= at < retry), None)
    if feedback is None:
        return _redelivery(label, attempt)
    action, at, date = feedback
    if action == "RTO":
        return _return_leg(label, at)
    if action == "RESCHEDULE" and date is not None:
        out = _day_at(max(date, retry), 9)
        return [TrackingEvent("RecipientRequestedAlternateDeliveryTiming", at, label.ship_to),
                TrackingEvent("OutForDelivery", out, label.ship_to),
                TrackingEvent("Delivered", out + 3 * HOUR, label.ship_to)]
    return _redelivery(label, at)


def tracking(label: LabelShipment, randomness: Randomness, now: float) -> Tracking:
    """The parcel's tracking as of `now`."""
    events, ending = _plan(label, randomness)
    if ending == "attempted":
        events += _after_attempt(label, events[-1].time)
    elif ending == "undeliverable":
        events += _return_leg(label, events[-1].time)
    if label.cancelled_at is not None and label.refund == "applied":
        events = [e for e in events if e.time <= label.cancelled_at]
        events.append(TrackingEvent("PickupCancelled", label.cancelled_at, label.ship_from))
    seen = [e for e in events if e.time <= now]
    last = seen[-1].code if seen else "ReadyForReceive"
    status = _STATUS.get(last, "InTransit")
    if any(e.code == "Undeliverable" for e in seen):
        status = "Undeliverable" if not (seen[-1].leg == "RETURNS"
                                         and last == "Delivered") else "Delivered"
    forward: list[str] = []
    returns: list[str] = []
    if any(e.code == "DeliveryAttempted" for e in seen):
        forward.append("CustomerUnavailable")
    if status == "Delivered" and seen[-1].leg == "FORWARD":
        signed = label.details.get("experience") in ("DeliveryConfirmationWithSignature",
                                                     "DeliveryConfirmationWithAdultSignature")
        forward.append("Signed" if signed else "DeliveredToPorch")
    if any(e.code == "Undeliverable" for e in seen):
        forward.append("Undeliverable")
        returns.append("Undeliverable")
    return Tracking(status, seen, label.latest, forward, returns)


def planned_ending(label: LabelShipment, randomness: Randomness) -> str:
    """How the parcel's first delivery goes, seeded per label: delivered, attempted (a failed
    attempt: NDR feedback applies) or undeliverable (returned to the sender)."""
    return _plan(label, randomness)[1]


def attempted_now(label: LabelShipment, randomness: Randomness, now: float) -> bool:
    """Whether the parcel's last event is a failed delivery attempt (NDR feedback is for
    those)."""
    view = tracking(label, randomness, now)
    return view.status == "DeliveryAttempted"


# -- the label file ----------------------------------------------------------------------------

def address_lines(address: Address) -> list[str]:
    place = " ".join(p for p in (address.state, address.postal_code) if p)
    lines = [address.name, address.company or "", address.line1, address.line2 or "",
             f"{address.city}, {place}" if place else address.city, address.country_code]
    return [line for line in lines if line]


def label_file(label: LabelShipment, format: str | None = None, dpi: int | None = None) -> bytes:
    """The label's file in its format (or another one), re-rendered from the record: the
    same label always gives the same bytes."""
    service = label.service
    fields = [("Service", service.name)]
    if label.order_id:
        fields.append(("Order", label.order_id))
    weight = (f"{label.weight_g / carriers.GRAMS_PER_POUND:.2f} lb" if service.imperial
              else f"{label.weight_g / 1000:.2f} kg")
    fields += [("Weight", weight),
               ("Ship date", datetime.fromtimestamp(label.ship_date, UTC).strftime("%Y-%m-%d"))]
    if label.package_reference_id:
        fields.append(("Ref", label.package_reference_id))
    custom = label.details.get("custom_text")
    if custom:
        fields.append(("Note", str(custom)))
    # The label files (reportlab, Pillow) are imported with the first label made, not at start.
    from emulator.business import labels

    content = labels.LabelContent(
        title=service.name, ship_from=address_lines(label.ship_from),
        ship_to=address_lines(label.ship_to), barcode=label.tracking_id, fields=fields)
    return labels.render(content, labels.LabelSpec(format or label.label_format,  # type: ignore[arg-type]
                                                   dpi=dpi or label.label_dpi))
