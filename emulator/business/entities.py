"""The records of a seller's business. Plain data (slots dataclasses), no behaviour: the
family modules (orders.py, listings.py, ...) hold the rules, the apis/ modules the JSON.

Money is kept in minor units (cents; yen have none) as int, times as epoch seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ZERO_DECIMAL_CURRENCIES = frozenset({"JPY"})


def decimals(currency: str) -> int:
    return 0 if currency in ZERO_DECIMAL_CURRENCIES else 2


def money_str(minor: int, currency: str) -> str:
    """Minor units as SP-API's decimal string ("12.34"; "1234" for yen)."""
    places = decimals(currency)
    if places == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"


def money_float(minor: int, currency: str) -> float:
    return minor / (10 ** decimals(currency))


@dataclass(slots=True)
class Address:
    name: str
    line1: str
    line2: str | None
    city: str
    state: str
    postal_code: str
    country_code: str
    phone: str
    address_type: str = "Residential"  # or Commercial
    company: str | None = None


@dataclass(slots=True)
class CatalogItem:
    asin: str
    title: str
    brand: str
    manufacturer: str
    product_type: str
    display_group: str  # websiteDisplayGroup, e.g. "home_display_on_website"
    classification_id: str  # browse node
    classification_path: str  # "Home & Kitchen > Bedding > Sheets"
    sales_rank: int
    color: str | None
    size: str | None
    model_number: str
    upc: str
    ean: str
    images: list[str]
    length_in: float
    width_in: float
    height_in: float
    weight_lb: float
    list_price: int  # minor units in the seller's home currency
    bullet_points: list[str]
    description: str
    release_date: str  # YYYY-MM-DD
    parent_asin: str | None = None


@dataclass(slots=True)
class ListingIssue:
    code: str
    message: str
    severity: str  # ERROR | WARNING | INFO
    attribute_names: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Listing:
    sku: str
    asin: str
    product_type: str
    condition: str  # Listings condition_type, e.g. new_new
    item_name: str
    prices: dict[str, int]  # marketplace id -> minor units in that marketplace's currency
    quantity: int  # merchant-fulfilled quantity available (0 for FBA listings)
    fulfillment: str  # MFN | AFN
    status: dict[str, list[str]]  # marketplace id -> ["BUYABLE", "DISCOVERABLE"] or []
    issues: list[ListingIssue]
    created: float
    updated: float
    listing_id: str  # the merchant listing id of flat-file reports
    fnsku: str | None = None
    # Attributes as SP-API's Listings Items API sees them (product-type attributes); the
    # generated ones are a minimal, valid set, replaced by what puts and patches send.
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Inventory:
    """FBA inventory of one SKU in the seller's fulfillment network (per region)."""

    sku: str
    asin: str
    fnsku: str
    condition: str  # NewItem, UsedLikeNew...
    fulfillable: int
    inbound_working: int
    inbound_shipped: int
    inbound_receiving: int
    reserved_customer_order: int
    reserved_transshipment: int
    reserved_fc_processing: int
    unfulfillable: int
    researching: int
    updated: float

    @property
    def reserved(self) -> int:
        return (self.reserved_customer_order + self.reserved_transshipment
                + self.reserved_fc_processing)

    @property
    def total(self) -> int:
        return (self.fulfillable + self.reserved + self.unfulfillable + self.researching
                + self.inbound_working + self.inbound_shipped + self.inbound_receiving)


@dataclass(slots=True)
class OrderItem:
    order_item_id: str
    asin: str
    sku: str
    title: str
    quantity: int
    shipped: int
    unit_price: int  # minor units, per unit
    tax: int  # for the whole line
    shipping_price: int
    shipping_tax: int
    promotion_discount: int
    condition: str = "New"
    condition_subtype: str = "New"
    is_gift: bool = False
    gift_message: str | None = None
    customized: bool = False

    @property
    def item_price(self) -> int:
        """The line's price (SP-API's ItemPrice is unit price times quantity)."""
        return self.unit_price * self.quantity


@dataclass(slots=True)
class Shipment:
    """A package the seller confirmed (confirmShipment) or Amazon shipped (FBA)."""

    package_reference_id: str
    carrier: str
    tracking_number: str
    ship_date: float
    ship_method: str
    # (order item id, quantity). Tuples, here and in Order, where a list would be replaced
    # whole rather than changed: 100k orders' lists cost 14 MB more than their tuples.
    items: tuple[tuple[str, int], ...]
    delivered: float | None = None  # when the carrier delivered it


@dataclass(slots=True)
class ReturnedItem:
    """Units a buyer sent back after delivery (one line of the FBA customer returns report
    for an FBA order)."""

    order_item_id: str
    sku: str
    quantity: int
    returned: float  # when the return was received
    reason: str  # Amazon's return reason code, e.g. UNWANTED_ITEM
    disposition: str  # FBA: SELLABLE, CUSTOMER_DAMAGED, DEFECTIVE...; MFN: ""
    status: str  # "Unit returned to inventory" (FBA) or "Returned to seller" (MFN)
    license_plate: str  # FBA: the returned unit's license plate number (LPN)
    fulfillment_center: str  # FBA: the fulfillment center that received it


@dataclass(slots=True)
class Order:
    order_id: str
    seller_order_id: str
    marketplace_id: str
    purchase_date: float
    last_update: float
    status: str  # Orders v0 OrderStatus
    fulfillment: str  # MFN | AFN
    sales_channel: str
    ship_service_level: str
    ship_category: str  # ShipmentServiceLevelCategory: Standard, Expedited, ...
    is_prime: bool
    is_business: bool
    is_premium: bool
    is_ispu: bool
    payment_method: str  # COD | CVS | Other
    buyer_email: str
    buyer_name: str
    address: Address
    items: tuple[OrderItem, ...]
    currency: str
    earliest_ship: float
    latest_ship: float
    earliest_delivery: float
    latest_delivery: float
    purchase_order_number: str | None = None
    easy_ship_status: str | None = None
    electronic_invoice_status: str | None = None
    store_chain_store_id: str | None = None
    order_type: str = "StandardOrder"
    shipments: tuple[Shipment, ...] = ()  # a new shipment makes a new tuple
    refunded: bool = False  # a refund was issued after shipping
    cancelled_at: float | None = None
    # Prices include the tax (VAT, consumption tax: everywhere but the US and Canada); the
    # items' tax fields then say how much of the price is tax.
    tax_included: bool = False
    refunded_at: float | None = None  # when the refund was issued (None: before it was kept)
    cancelled_by: str | None = None  # buyer | seller | amazon, for a Canceled order
    # Units the buyer sent back (None until the first return: most orders have none, and
    # 100k orders would carry 100k empty lists).
    returns: list[ReturnedItem] | None = None

    def line_total(self, item: OrderItem) -> int:
        """What the buyer pays for one line: price, shipping, less promotions, plus the taxes
        unless the prices include them."""
        paid = item.item_price + item.shipping_price - item.promotion_discount
        return paid if self.tax_included else paid + item.tax + item.shipping_tax

    @property
    def total(self) -> int:
        return sum(self.line_total(i) for i in self.items)

    @property
    def units_shipped(self) -> int:
        return sum(i.shipped for i in self.items)

    @property
    def units_unshipped(self) -> int:
        return sum(i.quantity - i.shipped for i in self.items)


@dataclass(slots=True)
class InboundLot:
    """Units on their way into Amazon's network that the living store moves on: from
    `stage` (0 working, 1 shipped, 2 receiving) to the next at each of `times`, fulfillable
    after the last."""

    key: str  # unique and fixed by the seed: orders the lots' moves at equal times
    sku: str
    quantity: int
    stage: int
    times: list[float]


@dataclass(slots=True)
class LivingPosition:
    """Where the living store stands for one seller: every scenario event up to `until` has
    happened. With the records it changed, a restart continues from here."""

    until: float
    # ASIN -> how many times competitors repriced it (the offers of a move are a function of
    # the seed, the ASIN and this count).
    offer_moves: dict[str, int] = field(default_factory=dict)
    inbound: list[InboundLot] = field(default_factory=list)
