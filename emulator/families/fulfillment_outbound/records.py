"""The records of Multi-Channel Fulfillment: a fulfillment order with its items, shipments,
packages, returns and return authorizations, as plain dataclasses (times in epoch seconds on
the emulator clock). They live in the seller's state under KIND and are snapshotted and
persisted through it (`emulator.business.records`); `rules.py` changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The seller's fulfillment orders, by sellerFulfillmentOrderId.
KIND_NAME = "fulfillment_order"

# FulfillmentOrderStatus (the model's enum, its casing).
NEW, RECEIVED, PLANNING, PROCESSING = "New", "Received", "Planning", "Processing"
COMPLETE, PARTIAL, CANCELLED = "Complete", "CompletePartialled", "Cancelled"
UNFULFILLABLE, INVALID = "Unfulfillable", "Invalid"
TERMINAL = frozenset({COMPLETE, PARTIAL, CANCELLED, UNFULFILLABLE, INVALID})
CANCELLABLE = frozenset({NEW, RECEIVED, PLANNING})
# FulfillmentShipment.fulfillmentShipmentStatus.
PENDING, SHIPPED = "PENDING", "SHIPPED"
CANCELLED_BY_SELLER, CANCELLED_BY_FULFILLER = "CANCELLED_BY_SELLER", "CANCELLED_BY_FULFILLER"


@dataclass(slots=True)
class OrderItem:
    sku: str
    item_id: str  # sellerFulfillmentOrderItemId
    quantity: int
    fnsku: str
    gift_message: str | None = None
    comment: str | None = None  # displayableComment
    declared_value: dict[str, Any] | None = None  # Money as the seller gave it
    unit_price: dict[str, Any] | None = None
    unit_tax: dict[str, Any] | None = None
    reserved: int = 0  # units held in FBA stock for this item, not shipped yet
    shipped: int = 0
    cancelled: int = 0
    unfulfillable: int = 0

    @property
    def open(self) -> int:
        """Units neither shipped, cancelled nor unfulfillable."""
        return self.quantity - self.shipped - self.cancelled - self.unfulfillable

    @property
    def waiting(self) -> int:
        """Open units without reserved stock (a FillAll order waiting for stock)."""
        return self.open - self.reserved


@dataclass(slots=True)
class Package:
    number: int  # packageNumber, unique for the seller
    carrier: str
    tracking_number: str
    outcome: str  # what the carrier will do: on_time | delayed | attempted | failed


@dataclass(slots=True)
class Shipment:
    shipment_id: str  # amazonShipmentId
    center: str  # fulfillmentCenterId
    status: str
    # (sku, sellerFulfillmentOrderItemId, quantity, package number)
    items: list[tuple[str, str, int, int]]
    packages: list[Package]
    ship_date: float  # estimated while pending, actual once shipped
    arrival: float  # estimated arrival


@dataclass(slots=True)
class ReturnItem:
    return_item_id: str  # sellerReturnItemId
    item_id: str  # sellerFulfillmentOrderItemId
    sku: str
    shipment_id: str
    reason: str  # the seller's returnReasonCode
    authorization_id: str
    center: str
    status: str  # New | Processed
    changed: float
    due: float  # when the fulfillment center receives it
    comment: str | None = None
    amazon_reason: str | None = None
    condition: str | None = None  # returnReceivedCondition, once processed


@dataclass(slots=True)
class Authorization:
    authorization_id: str  # returnAuthorizationId
    center: str
    amazon_rma_id: str


@dataclass(slots=True)
class FulfillmentOrder:
    order_id: str  # sellerFulfillmentOrderId
    marketplace_id: str
    displayable_id: str
    displayable_date: str  # as the seller gave it
    displayable_comment: str
    speed: str  # shippingSpeedCategory
    address: dict[str, Any]  # destinationAddress as the seller gave it
    action: str  # Ship | Hold
    policy: str  # FillOrKill | FillAll | FillAllAvailable
    status: str
    received: float  # receivedDate
    status_updated: float
    updated: float  # any change (listAllFulfillmentOrders' queryStartDate)
    items: list[OrderItem]
    shipments: list[Shipment] = field(default_factory=list)
    returns: list[ReturnItem] = field(default_factory=list)
    authorizations: list[Authorization] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    features: list[dict[str, Any]] = field(default_factory=list)
    delivery_window: dict[str, Any] | None = None
    delivery_preferences: dict[str, Any] | None = None
    cod: dict[str, Any] | None = None
    payment: list[dict[str, Any]] | None = None
    ship_from_country: str | None = None
    step: str | None = None  # the lifecycle step due next (rules.STEPS), None when none is
    due: float | None = None  # when it is due
    deadline: float | None = None  # FillAll's 24 hours, Hold's 14 days
    sequence: int = 0  # ids drawn for this order so far (shipments, packages, returns)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL
