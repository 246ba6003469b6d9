"""The records of Send to Amazon: an inbound plan with its items, packing options and groups,
boxes, placement options, shipments (with their transportation and delivery window options),
and the asynchronous operations that change them. Plain dataclasses, times in epoch seconds
on the emulator clock, money in minor units; kept in the seller's state under PLAN_KIND and
OPERATION_KIND (`emulator.business.records`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PLAN_KIND = "inbound_plan"
OPERATION_KIND = "inbound_operation"

# InboundPlan.status
ACTIVE, VOIDED, SHIPPED_PLAN, ERRORED = "ACTIVE", "VOIDED", "SHIPPED", "ERRORED"
# Option statuses
OFFERED, ACCEPTED, EXPIRED = "OFFERED", "ACCEPTED", "EXPIRED"
# Shipment.status, in the order a shipment goes through them after confirmation.
UNCONFIRMED, WORKING, READY_TO_SHIP = "UNCONFIRMED", "WORKING", "READY_TO_SHIP"
SHIPPED, IN_TRANSIT, DELIVERED = "SHIPPED", "IN_TRANSIT", "DELIVERED"
CHECKED_IN, RECEIVING, CLOSED, CANCELLED = "CHECKED_IN", "RECEIVING", "CLOSED", "CANCELLED"
MOVING = (SHIPPED, IN_TRANSIT, DELIVERED, CHECKED_IN, RECEIVING, CLOSED)
# Operation statuses
IN_PROGRESS, SUCCESS, FAILED = "IN_PROGRESS", "SUCCESS", "FAILED"
PARTNERED, OWN_CARRIER = "AMAZON_PARTNERED_CARRIER", "USE_YOUR_OWN_CARRIER"
SMALL_PARCEL, LTL = "GROUND_SMALL_PARCEL", "FREIGHT_LTL"


@dataclass(slots=True)
class PlanItem:
    msku: str
    asin: str
    fnsku: str
    label_owner: str
    prep_owner: str
    quantity: int
    expiration: str | None = None
    lot: str | None = None


@dataclass(slots=True)
class Incentive:
    """A fee or discount of an option (the model's Incentive)."""

    type: str  # FEE | DISCOUNT
    target: str  # 'Placement Services', 'Fulfillment Fee Discount'
    description: str
    amount: int
    currency: str


@dataclass(slots=True)
class PackingGroup:
    group_id: str
    items: list[tuple[str, int]]  # (msku, quantity)


@dataclass(slots=True)
class PackingOption:
    option_id: str
    status: str
    group_ids: list[str]
    expiration: float


@dataclass(slots=True)
class Box:
    package_id: str  # pk…, the model's 38-character packageId
    source: str  # contentInformationSource
    dimensions: tuple[float, float, float]  # length, width, height
    dimension_unit: str  # IN | CM
    weight: float
    weight_unit: str  # LB | KG
    # (msku, quantity, labelOwner, prepOwner, expiration, manufacturingLotCode)
    items: list[tuple[str, int, str, str, str | None, str | None]]
    group_id: str | None = None  # the packing group it was packed for (carton-known flow)
    shipment_id: str | None = None  # its shipment, once placed
    box_id: str | None = None  # FBA…U000001, once the shipment is confirmed

    @property
    def weight_lb(self) -> float:
        return self.weight * 2.20462 if self.weight_unit == "KG" else self.weight


@dataclass(slots=True)
class Pallet:
    package_id: str
    quantity: int
    dimensions: tuple[float, float, float] | None = None
    dimension_unit: str | None = None
    weight: float | None = None
    weight_unit: str | None = None
    stackability: str | None = None


@dataclass(slots=True)
class PlacementOption:
    option_id: str
    status: str
    shipment_ids: list[str]
    expiration: float
    split: str  # MINIMAL | PARTIAL | AMAZON_OPTIMIZED (fees.placement_fee's tiers)
    fees: list[Incentive] = field(default_factory=list)
    discounts: list[Incentive] = field(default_factory=list)


@dataclass(slots=True)
class TransportOption:
    option_id: str
    shipment_id: str
    placement_option_id: str
    mode: str  # shippingMode
    solution: str  # shippingSolution
    carrier_name: str
    carrier_code: str
    expiration: float
    preconditions: list[str]
    cost: int | None = None  # the partnered carrier's quote
    currency: str | None = None
    appointment: tuple[float, float] | None = None


@dataclass(slots=True)
class WindowOption:
    option_id: str
    start: float
    end: float
    valid_until: float
    availability: str


@dataclass(slots=True)
class Shipment:
    shipment_id: str
    placement_option_id: str
    warehouse_id: str
    status: str
    items: list[tuple[str, int]]  # (msku, quantity)
    source_address: dict[str, Any]
    name: str = ""
    box_ids: list[str] = field(default_factory=list)  # package ids of its boxes
    confirmation_id: str | None = None  # FBA…, once transportation is confirmed
    ready_window: tuple[float, float, float] | None = None  # start, end, editableUntil
    contact: dict[str, Any] | None = None
    freight: dict[str, Any] | None = None
    pallets: list[Pallet] = field(default_factory=list)
    window_options: list[WindowOption] = field(default_factory=list)
    window: str | None = None  # the confirmed deliveryWindowOptionId
    window_dates: tuple[float, float, float] | None = None  # start, end, editableUntil
    transport: str | None = None  # the confirmed transportationOptionId
    voidable_until: float | None = None  # the partnered carrier's void window
    # Tracking the seller gave: box id -> tracking id (small parcel), or the freight bill and
    # bill of lading (LTL).
    spd_tracking: dict[str, str] = field(default_factory=dict)
    freight_bills: list[str] = field(default_factory=list)
    bill_of_lading: str | None = None
    # (msku, sellable, damaged, missing) as the fulfillment center received them.
    received: list[tuple[str, int, int, int]] = field(default_factory=list)
    step: str | None = None  # the lifecycle status due next
    due: float | None = None


@dataclass(slots=True)
class InboundPlan:
    plan_id: str
    name: str
    status: str
    created: float
    updated: float
    marketplace_id: str
    source_address: dict[str, Any]
    items: list[PlanItem]
    ready: bool = False  # createInboundPlan succeeded: the plan can be worked on
    groups: list[PackingGroup] = field(default_factory=list)
    packing_options: list[PackingOption] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    placement_options: list[PlacementOption] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    transport_options: list[TransportOption] = field(default_factory=list)
    transport_confirmed: bool = False
    sequence: int = 0  # ids drawn for this plan so far

    def packing_confirmed(self) -> PackingOption | None:
        return next((o for o in self.packing_options if o.status == ACCEPTED), None)

    def placement_confirmed(self) -> PlacementOption | None:
        return next((o for o in self.placement_options if o.status == ACCEPTED), None)

    def shipment(self, shipment_id: str) -> Shipment | None:
        return next((s for s in self.shipments if s.shipment_id == shipment_id), None)

    def confirmed_shipments(self) -> list[Shipment]:
        placement = self.placement_confirmed()
        if placement is None:
            return []
        return [s for s in self.shipments if s.shipment_id in placement.shipment_ids]


@dataclass(slots=True)
class Operation:
    operation_id: str
    name: str  # the operation's id, e.g. createInboundPlan (what Amazon reports)
    status: str
    created: float
    due: float  # when it ends
    plan_id: str | None = None
    args: dict[str, Any] = field(default_factory=dict)  # what it does when it ends
    # (code, message, details, severity)
    problems: list[tuple[str, str, str, str]] = field(default_factory=list)
