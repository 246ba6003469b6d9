"""Amazon Shipping v2's rules, plain Python over the seller's state: rate requests, buying a
rate (purchaseShipment, oneClickShipment, directPurchaseShipment), documents, cancelling,
NDR feedback and claims. Collection forms are collection_forms.py's; access points
access_points.py's.

- A rate request is AMAZON (an order of the seller: the ship-to address is the order's, the
  items are order items by `itemIdentifier`) or EXTERNAL (the request's ship-to, every item
  with a value). Its `requestToken` and `rateId`s are kept in memory (`RateBook`) and valid
  RATE_LIFETIME on the emulator clock (TOKEN_EXPIRED after).
- Each rate offers the label formats PDF, PNG and ZPL at 4x6 inches, 203 or 300 DPI, and,
  where the service signs for deliveries, a required value-added service group (delivery
  confirmation): a purchase must name one of its services, as Amazon insists (models#4759).
- An AMAZON-channel purchase ships the order's items exactly as Merchant Fulfillment's
  createShipment does (emulator/business/fulfillment.py): Amazon's documents do not say so;
  the emulator takes it from Buy Shipping's semantics (fact sheet 3.11). EXTERNAL shipments
  touch no order and are not charged to the seller's Amazon account (Finances).

Refusals are `Refusal`s: Amazon's InvalidRequest with what is wrong in `details` (the words
of the model's examples and of Amazon's sandbox where known, the emulator's otherwise).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jsonschema

from emulator.business import carriers, fulfillment, shipments
from emulator.business.entities import Address, Order
from emulator.business.shipments import LabelShipment
from emulator.business.store import SellerState, StateStore

RATE_LIFETIME = 600.0  # "within 10 minutes of rate creation" (purchaseShipment)
VAS_INVALID = ("The requested value added services are invalid. Please check the value added "
               "services offered in the GetRates response.")  # models#4759
NOT_FOUND = "Shipment not found for specified shipmentId"  # Amazon's sandbox (SW's tests)
TOKEN_NOT_FOUND = "Request not found for specified requestToken"
FORMATS = ("PDF", "PNG", "ZPL")
DPIS = (203, 300)
LAYOUTS = ("DEFAULT", "LEFT", "RIGHT")
WEIGHT_GRAMS = {"GRAM": 1.0, "KILOGRAM": 1000.0, "OUNCE": carriers.GRAMS_PER_OUNCE,
                "POUND": carriers.GRAMS_PER_POUND}
CONFIRMATION_GROUP = "DELIVERY_CONFIRMATION"
CONFIRMATIONS = {"NO_SIGNATURE": "DeliveryConfirmationWithoutSignature",
                 "SIGNATURE": "DeliveryConfirmationWithSignature",
                 "ADULT_SIGNATURE": "DeliveryConfirmationWithAdultSignature"}
# The JSON schema of additional inputs for international rates (getAdditionalInputs);
# Amazon's per carrier is not known.
INPUTS_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
    "title": "Additional inputs for an international shipment",
    "required": ["customsContentType", "nonDeliverableInstructions"],
    "properties": {
        "customsContentType": {"type": "string",
                               "enum": ["MERCHANDISE", "GIFT", "SAMPLE", "DOCUMENTS", "RETURN"]},
        "nonDeliverableInstructions": {"type": "string",
                                       "enum": ["RETURN_TO_SENDER", "ABANDON"]},
        "countryOfOrigin": {"type": "string", "pattern": "^[A-Z]{2}$"},
    },
}

# What oneClickShipment and directPurchaseShipment send an international carrier when the
# request gives no additional inputs (they buy in one call, without getAdditionalInputs).
DEFAULT_INPUTS = {"customsContentType": "MERCHANDISE",
                  "nonDeliverableInstructions": "RETURN_TO_SENDER"}


class Refusal(ValueError):
    def __init__(self, details: str, code: str = "InvalidRequest",
                 message: str = "Request is missing or has invalid parameters",
                 status: int = 400) -> None:
        super().__init__(details)
        self.details = details
        self.code = code
        self.message = message
        self.status = status


# -- addresses and parcels ----------------------------------------------------------------------

def country(code: str) -> str:
    """ISO 3166-1 alpha-2; "UK" (which Amazon's own samples send) is GB."""
    upper = code.upper()
    return "GB" if upper == "UK" else upper


def address(value: Mapping[str, Any]) -> Address:
    extra = " ".join(filter(None, (value.get("addressLine2"), value.get("addressLine3"))))
    return Address(name=value.get("name", ""), line1=value.get("addressLine1", ""),
                   line2=extra or None, city=value.get("city", ""),
                   state=value.get("stateOrRegion", ""), postal_code=value.get("postalCode", ""),
                   country_code=country(value.get("countryCode", "")),
                   phone=value.get("phoneNumber", ""), company=value.get("companyName"))


def address_json(value: Address, email: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": value.name[:50] or "-", "addressLine1": value.line1[:60],
                            "city": value.city, "stateOrRegion": value.state or "-",
                            "countryCode": value.country_code, "postalCode": value.postal_code}
    if value.line2:
        body["addressLine2"] = value.line2[:60]
    if value.company:
        body["companyName"] = value.company
    if value.phone:
        body["phoneNumber"] = value.phone[:20]
    if email:
        body["email"] = email[:64]
    return body


def _place(value: Address) -> carriers.Place:
    return carriers.Place(value.country_code, value.postal_code,
                          (value.line1, value.line2 or ""))


def _grams(weight: Mapping[str, Any]) -> float:
    return float(weight.get("value", 0)) * WEIGHT_GRAMS.get(weight.get("unit", ""), 1.0)


def _sides_cm(dimensions: Mapping[str, Any]) -> tuple[float, float, float]:
    scale = carriers.CM_PER_INCH if dimensions.get("unit") == "INCH" else 1.0
    return tuple(float(dimensions.get(k, 0)) * scale  # type: ignore[return-value]
                 for k in ("length", "width", "height"))


def _minor(value: Mapping[str, Any] | None) -> int:
    if not value:
        return 0
    return round(float(value.get("value", 0)) * (1 if value.get("unit") == "JPY" else 100))


# -- rate requests ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shipment:
    """A shipment to rate or buy, read from a request: where, what, for which channel."""

    channel: str  # AMAZON | EXTERNAL
    order: Order | None
    items: list[tuple[str, int]]  # order items (AMAZON)
    ship_from: Address
    ship_to: Address
    email: str | None
    package: dict[str, Any]  # the one package, as sent
    parcel: carriers.Parcel


@dataclass(frozen=True)
class Rate:
    rate_id: str
    quote: carriers.Quote
    vas: list[tuple[str, str, int]]  # (id, name, cost) of the delivery confirmation group
    vas_required: bool

    @property
    def service(self) -> carriers.Service:
        return self.quote.service


@dataclass
class RateRequest:
    token: str
    seller_id: str
    created: float
    shipment: Shipment
    rates: dict[str, Rate] = field(default_factory=dict)


class RateBook:
    """getRates' answers by requestToken, kept RATE_LIFETIME (and forgotten an hour later)."""

    def __init__(self) -> None:
        self._requests: dict[str, RateRequest] = {}
        self._count = 0
        self.issued = 0  # tokens handed out since the last reset: part of the next token

    def clear(self) -> None:
        self._requests.clear()
        self.issued = 0

    def add(self, request: RateRequest, now: float) -> None:
        self._count += 1
        if self._count % 256 == 0:
            for token in [t for t, r in self._requests.items() if now - r.created > 3600]:
                del self._requests[token]
        self._requests[request.token] = request

    def find(self, token: str, seller_id: str, now: float) -> RateRequest:
        if not token or token == "null":
            raise Refusal("RequestToken cannot be null")
        found = self._requests.get(token)
        if found is None or found.seller_id != seller_id:
            raise Refusal(TOKEN_NOT_FOUND)
        if now - found.created > RATE_LIFETIME:
            # Amazon documents the code only; the message is the emulator's.
            raise Refusal("The requestToken has expired. Call getRates again for new rates.",
                          code="TOKEN_EXPIRED", message="The requestToken has expired.")
        return found


def _hex_id(*parts: object) -> str:
    """An id in the shape of the model's examples: 29 upper-case hexadecimal characters."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:29].upper()


def read_shipment(state: SellerState, body: Mapping[str, Any], now: float,
                  default_package: bool = False) -> Shipment:
    """The shipment a getRates, oneClickShipment or directPurchaseShipment body describes."""
    channel = body["channelDetails"]
    kind = channel.get("channelType")
    packages = body.get("packages") or []
    if len(packages) > 1:
        raise Refusal("At this time, each shipment is limited to a single package.")
    if "shipFrom" not in body:
        raise Refusal("ShipFrom object cannot be null")
    ship_from = address(body["shipFrom"])
    order: Order | None = None
    items: list[tuple[str, int]] = []
    if kind == "AMAZON":
        details = channel.get("amazonOrderDetails")
        if not details or not details.get("orderId"):
            raise Refusal("AmazonOrderDetails object cannot be null")
        order = _order(state, str(details["orderId"]))
        ship_to, email = order.address, order.buyer_email
        if not packages and default_package:
            packages = [_order_package(state, order)]
        if packages:
            items = _order_items(state, order, packages[0].get("items") or [])
    else:
        if "shipTo" not in body:
            raise Refusal("ShipTo object cannot be null")
        ship_to, email = address(body["shipTo"]), body["shipTo"].get("email")
        for package in packages:
            if any("itemValue" not in item for item in package.get("items") or []):
                raise Refusal("ItemValue cannot be null")
    if not packages:
        raise Refusal("Packages cannot be null")
    package = packages[0]
    sides = _sides_cm(package["dimensions"])
    weight = _grams(package["weight"])
    if weight <= 0 or min(sides) <= 0:
        raise Refusal("Provided input is invalid. Please verify.")
    ship_date = None
    if body.get("shipDate"):
        from emulator.families.common import parse_time

        ship_date = max(now, parse_time(body["shipDate"], "shipDate"))
    parcel = carriers.Parcel(_place(ship_from), _place(ship_to), weight, *sides,
                             declared_value=_minor(package.get("insuredValue")),
                             ship_date=ship_date)
    return Shipment(kind, order, items, ship_from, ship_to, email, dict(package), parcel)


def _order(state: SellerState, order_id: str) -> Order:
    order = state.orders.get(order_id)
    if order is None:
        raise Refusal("Order not found for specified orderId")
    if order.fulfillment != "MFN":
        raise Refusal(f"Order {order_id} is fulfilled by Amazon; only merchant-fulfilled "
                      "orders can be shipped.")
    try:
        fulfillment.check_shippable(order)
    except fulfillment.OrderError as error:
        raise Refusal(str(error)) from None
    return order


def _order_package(state: SellerState, order: Order) -> dict[str, Any]:
    """directPurchaseShipment without packages: one box of the order's unshipped units, sized
    and weighed from their catalog items."""
    weight_lb, volume, longest = 0.0, 0.0, 1.0
    items = []
    for item in order.items:
        units = item.quantity - item.shipped
        if units <= 0:
            continue
        product = state.catalog.get(item.asin)
        if product is not None:
            weight_lb += product.weight_lb * units
            volume += product.length_in * product.width_in * product.height_in * units
            longest = max(longest, product.length_in)
        items.append({"itemIdentifier": item.order_item_id, "quantity": units})
    side = max(longest, (volume or 1000.0) ** (1 / 3))
    return {"dimensions": {"length": round(side, 1), "width": round(side, 1),
                           "height": round(max(1.0, volume / side / side), 1), "unit": "INCH"},
            "weight": {"value": round(max(weight_lb, 0.1), 2), "unit": "POUND"},
            "insuredValue": {"value": 0, "unit": order.currency},
            "packageClientReferenceId": order.order_id, "items": items}


def _order_items(state: SellerState, order: Order, items: list[Mapping[str, Any]]
                 ) -> list[tuple[str, int]]:
    # "For each item in the package, the Order Item ID should be sent in the itemIdentifier
    # attribute" (Amazon's purchase tutorial).
    wanted = []
    for item in items:
        identifier = item.get("itemIdentifier")
        if not identifier:
            raise Refusal("ItemIdentifier cannot be null")
        wanted.append((str(identifier), int(item.get("quantity", 0))))
    try:
        return fulfillment.unshipped_units(order, wanted)
    except fulfillment.OrderError as error:
        raise Refusal(str(error)) from None


@lru_cache(maxsize=512)
def confirmations(service: carriers.Service) -> tuple[list[tuple[str, str, int]], bool]:
    """A service's delivery confirmation group: (id, name, cost) of what it offers, and
    whether a purchase must name one (where it offers a signature)."""
    vas = [(vas_id, name, charge) for vas_id, name, charge in (
        ("NO_SIGNATURE", "Delivery confirmation without signature",
         service.experience_charge(CONFIRMATIONS["NO_SIGNATURE"])),
        ("SIGNATURE", "Signature confirmation",
         service.experience_charge(CONFIRMATIONS["SIGNATURE"])),
        ("ADULT_SIGNATURE", "Adult signature confirmation",
         service.experience_charge(CONFIRMATIONS["ADULT_SIGNATURE"])),
    ) if charge is not None]
    return vas, len(vas) > 1 and service.signature is not None


def rate(store: StateStore, state: SellerState, shipment: Shipment, rates: RateBook
         ) -> tuple[RateRequest, list[carriers.Refusal]]:
    """Rates of every offered service (at the delivery experience of its cheapest
    confirmation), kept under a new requestToken; and the ineligible services."""
    now = store.clock.now()
    parcel = shipment.parcel
    found = carriers.quote(store.scenario.shipping, parcel, now, store.randomness,
                           state.seller_id)
    rates.issued += 1
    token = _hex_id("token", store.seed, state.seller_id, now, rates.issued)
    request = RateRequest(token, state.seller_id, now, shipment)
    for quote in found.offers:
        service = quote.service
        rate_id = hashlib.blake2b(f"{token}|{service.id}".encode(),
                                  digest_size=15).hexdigest()[:29].upper()
        vas, required = confirmations(service)
        request.rates[rate_id] = Rate(rate_id, quote, vas, required)
    rates.add(request, now)
    return request, found.refused + found.not_accepted


# -- documents ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DocumentSpec:
    format: str
    dpi: int
    types: tuple[str, ...]


def document_spec(spec: Mapping[str, Any] | None) -> DocumentSpec:
    """A requestedDocumentSpecification checked against what every rate supports (4x6
    inches, PDF/PNG/ZPL, 203 or 300 DPI, LABEL required, no file joining)."""
    if spec is None:  # directPurchaseShipment: "PNG DPI 203 4x6 if no label specification"
        return DocumentSpec("PNG", 203, ("LABEL",))
    size = spec.get("size") or {}
    width, length = float(size.get("width", 0)), float(size.get("length", 0))
    if size.get("unit") == "CENTIMETER":
        width, length = width / carriers.CM_PER_INCH, length / carriers.CM_PER_INCH
    unsupported = "The requested document specification is not supported by the rate."
    if round(width, 1) != 4.0 or round(length, 1) != 6.0:
        raise Refusal(f"{unsupported} Supported size: 4 x 6 INCH.")
    if spec.get("format") not in FORMATS:
        raise Refusal(f"{unsupported} Supported formats: {', '.join(FORMATS)}.")
    dpi = spec.get("dpi") or 203
    if dpi not in DPIS:
        raise Refusal(f"{unsupported} Supported DPIs: 203, 300.")
    if spec.get("pageLayout") not in (None, *LAYOUTS):
        raise Refusal(f"{unsupported} Supported page layouts: {', '.join(LAYOUTS)}.")
    if spec.get("needFileJoining"):
        raise Refusal(f"{unsupported} File joining is not supported.")
    types = tuple(spec.get("requestedDocumentTypes") or ())
    if "LABEL" not in types or any(t != "LABEL" for t in types):
        raise Refusal(f"{unsupported} Supported document types: LABEL (mandatory).")
    return DocumentSpec(spec["format"], dpi, types)


# -- buying -------------------------------------------------------------------------------------

def _vas_experience(rate: Rate, requested: list[str]) -> tuple[str, int]:
    """The delivery experience and charge of the value-added services asked for."""
    offered = {vas_id: cost for vas_id, _, cost in rate.vas}
    if any(vas_id not in offered for vas_id in requested) or len(
            [v for v in requested if v in CONFIRMATIONS]) > 1:
        raise Refusal(VAS_INVALID, code="InvalidInput", message="Invalid input.")
    chosen = next((v for v in requested if v in CONFIRMATIONS), None)
    if chosen is None:
        if rate.vas_required:
            raise Refusal(VAS_INVALID, code="InvalidInput", message="Invalid input.")
        chosen = "NO_SIGNATURE"
    return CONFIRMATIONS[chosen], offered.get(chosen, 0)


def check_inputs(rate: Rate, inputs: Any) -> None:
    if not rate.service.international:
        return
    if not isinstance(inputs, dict):
        raise Refusal("AdditionalInputs cannot be null")
    error = next(iter(jsonschema.Draft4Validator(INPUTS_SCHEMA).iter_errors(inputs)), None)
    if error is not None:
        raise Refusal(f"The additional inputs do not match the schema of getAdditionalInputs: "
                      f"{error.message}")


def buy(store: StateStore, state: SellerState, rate: Rate, shipment: Shipment,
        spec: DocumentSpec, requested_vas: list[str], idempotency_key: str | None
        ) -> LabelShipment:
    """Buys a rate: checks first, then the label and (AMAZON) the order change together."""
    now = store.clock.now()
    experience, vas_cost = _vas_experience(rate, requested_vas)
    quote = rate.quote
    if shipment.order is not None:
        fulfillment.check_shippable(shipment.order)
        fulfillment.unshipped_units(shipment.order, shipment.items)
    number = shipments.draw(store.randomness, state, now, "v2-label")
    service = quote.service
    charges = [(c.kind, c.amount) for c in quote.charges]
    if vas_cost:
        charges.append(("ADULT_SIGNATURE_CONFIRMATION" if "Adult" in experience
                        else "SIGNATURE_CONFIRMATION", vas_cost))
    reference = str(shipment.package.get("packageClientReferenceId") or "")
    label = LabelShipment(
        shipment_id=f"amzn1.sid.{number % 10**14:014d}.100", api="v2",
        channel=shipment.channel, order_id=shipment.order.order_id if shipment.order else None,
        items=list(shipment.items), carrier_id=service.carrier.id, service_id=service.id,
        country=service.country, tracking_id=carriers.tracking_id(service.carrier, number >> 20),
        currency=quote.currency, charges=charges, label_format=spec.format, label_dpi=spec.dpi,
        ship_from=shipment.ship_from, ship_to=shipment.ship_to, weight_g=shipment.parcel.weight_g,
        dimensions_cm=(shipment.parcel.length_cm, shipment.parcel.width_cm,
                       shipment.parcel.height_cm),
        purchased_at=now, ship_date=quote.ship_date, earliest=quote.earliest,
        latest=quote.latest, package_reference_id=reference, idempotency_key=idempotency_key,
        updated=now,
        details={"experience": experience, "rate_id": rate.rate_id,
                 "vas": requested_vas, "email": shipment.email,
                 "seller_display_name": shipment.package.get("sellerDisplayName")})
    if shipment.order is not None:
        fulfillment.ship_items(
            store, state, shipment.order, carrier=service.carrier.name.replace("®", ""),
            tracking_number=label.tracking_id, ship_date=label.ship_date,
            items=shipment.items or None, method=service.name.replace("®", ""),
            package_reference_id=None, why="label purchased")
    store.prepare(state, shipments.KIND, label.shipment_id)
    shipments.add(state, label)
    store.changed(state, shipments.KIND, label.shipment_id, label)
    return label


def by_idempotency_key(state: SellerState, key: str | None) -> LabelShipment | None:
    if not key:
        return None
    return next((s for s in shipments.book(state).values()
                 if s.api == "v2" and s.idempotency_key == key), None)


def find(state: SellerState, shipment_id: str) -> LabelShipment:
    label = shipments.book(state).get(shipment_id)
    if label is None or label.api != "v2":
        raise Refusal(NOT_FOUND)
    return label


def cancel(store: StateStore, state: SellerState, label: LabelShipment) -> None:
    """Cancels a label before the carrier picks the parcel up (Shipping v2 has no rejected
    refund: a parcel picked up cannot be cancelled)."""
    now = store.clock.now()
    if label.cancelled_at is not None:
        raise Refusal("The shipment has already been cancelled.")
    store.prepare(state, shipments.KIND, label.shipment_id)
    view = shipments.tracking(label, store.randomness, now)
    if any(e.code == "PickupDone" for e in view.events):
        raise Refusal("The shipment cannot be cancelled: the carrier has already picked it up.")
    try:
        shipments.cancel(label, store.randomness, now)
    except shipments.CancelRefused as refused:
        raise Refusal(str(refused)) from None
    store.changed(state, shipments.KIND, label.shipment_id, label)


# -- after delivery problems --------------------------------------------------------------------

def by_tracking(state: SellerState, tracking_id: str, carrier_id: str | None = None
                ) -> LabelShipment:
    label = shipments.find_by_tracking(state, tracking_id)
    if label is None or (carrier_id is not None and label.carrier_id != carrier_id):
        raise Refusal("Tracking not found for specified trackingId and carrierId"
                      if carrier_id is not None else
                      "Tracking not found for specified trackingId")
    return label


def submit_ndr(store: StateStore, state: SellerState, tracking_id: str, action: str,
               data: Mapping[str, Any]) -> None:
    """NDR feedback for a parcel whose delivery attempt failed: RESCHEDULE (to
    rescheduleDate), REATTEMPT (with additionalAddressNotes) or RTO (return to origin)."""
    from emulator.families.common import parse_time

    label = by_tracking(state, tracking_id)
    reschedule = None
    if action == "RESCHEDULE":
        if not data.get("rescheduleDate"):
            raise Refusal("RescheduleDate is missing in the request")  # the model's example
        reschedule = parse_time(data["rescheduleDate"], "rescheduleDate")
    if action == "REATTEMPT" and not data.get("additionalAddressNotes"):
        raise Refusal("AdditionalAddressNotes is missing in the request")
    now = store.clock.now()
    if not shipments.attempted_now(label, store.randomness, now):
        raise Refusal("NDR feedback can be given only for a shipment whose delivery attempt "
                      "failed (tracking status DeliveryAttempted).")
    if reschedule is not None and reschedule <= now:
        raise Refusal("RescheduleDate must be in the future.")
    store.prepare(state, shipments.KIND, label.shipment_id)
    label.ndr.append((action, now, reschedule))
    label.updated = now
    store.changed(state, shipments.KIND, label.shipment_id, label)


CLAIM_EXISTS = "Claim already exists for the trackingId"  # the model's example


def create_claim(store: StateStore, state: SellerState, body: Mapping[str, Any]) -> str:
    label = by_tracking(state, str(body["trackingId"]))
    if label.claims:
        raise Refusal(CLAIM_EXISTS, code="InvalidInputException")
    if label.channel == "EXTERNAL" and not body.get("declaredValue"):
        raise Refusal("DeclaredValue cannot be null")
    now = store.clock.now()
    status = shipments.tracking(label, store.randomness, now).status
    reason = body["claimReason"]
    if reason == "DELIVERED_NOT_RECEIVED" and status != "Delivered":
        raise Refusal("A DELIVERED_NOT_RECEIVED claim needs a delivered shipment.")
    if reason == "LOST_IN_TRANSIT" and (status == "Delivered" or now < label.latest):
        raise Refusal("A LOST_IN_TRANSIT claim needs a shipment past its promised delivery "
                      "date and not delivered.")
    claim_id = str(int(_hex_id("claim", store.seed, label.shipment_id), 16) % 10**13).zfill(13)
    store.prepare(state, shipments.KIND, label.shipment_id)
    label.claims.append(claim_id)
    label.updated = now
    store.changed(state, shipments.KIND, label.shipment_id, label)
    return claim_id
