"""Buy Shipping's rules (Merchant Fulfillment v0), plain Python over the seller's state: what
a shipment request is, which offers it gets, buying one, cancelling it, and the inputs an
international shipment needs.

- A request names a merchant-fulfilled order of the seller that is waiting to ship, some of
  its items (at most their unshipped units, plus units of cancelled labels, which Amazon lets
  the seller buy again while their refund is pending), the package and the ship-from address.
  The ship-to address is the order's: Amazon always ships to the buyer's address.
- Offers come from the business core's carriers (emulator/business/carriers.py) and carry an
  opaque, signed ShippingServiceOfferId bound to the seller, the order, the service and the
  request's details, valid OFFER_LIFETIME on the emulator clock. A stale, tampered, foreign
  or other-request offer id gets Amazon's "The shipping offering Id has expired..." answer.
- Buying records the label (emulator/business/shipments.py) and ships the order's units
  through the one shipping rule (emulator/business/fulfillment.py): the order moves to Shipped
  or PartiallyShipped and ORDER_CHANGE fires. The postage shows in Finances
  (emulator/families/finances) from the label's charges.

Refusals are `Refusal`s carrying Amazon's code and words where they are known (MWS-era codes
still used by the service: ShipmentAlreadyExists, LabelFormatNotSupported,
ShipmentRequestDetailsTooRestrictive...); where Amazon's wording is not known the message is
the emulator's, said so beside it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.business import carriers, fulfillment, shipments
from emulator.business.entities import Address, Order
from emulator.business.shipments import LabelShipment
from emulator.business.store import SellerState, StateStore
from emulator.runtime.rng import Randomness

OFFER_LIFETIME = 600.0  # Amazon's is undocumented and short (models#2512): 10 minutes here
OFFER_EXPIRED = ("The shipping offering Id has expired.  Please make another "
                 "GetEligibleShippingServices call to get a new id.")  # two spaces: Amazon's
ALREADY_SHIPPED = ("One or more items specified in a call to the CreateShipment operation have "
                   "already shipped. Specify only unshipped items. A ShipmentId is returned in "
                   "the Message element of the error message for each specified item that has "
                   "already shipped.")  # MWS ShipmentAlreadyExists
# MWS ShipmentRequestDetailsTooRestrictive; the end of Amazon's sentence is not known.
TOO_RESTRICTIVE = ("The specified ShipmentRequestDetails and ShippingServiceId values are so "
                   "restrictive that no shipping service offer is available.")
FORMAT_NOT_SUPPORTED = "The requested LabelFormat does not match the available formats."
BAD_SHIP_FROM = "Invalid Ship From Address when calling GetAdditionalSellerInputs"  # sandbox
SHIPMENT_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                         r"[0-9a-fA-F]{12}")
# "StateOrProvinceCode ... is a required field in Canada, US, and UK marketplaces".
STATE_REQUIRED = frozenset({"US", "CA", "GB"})
LABEL_FORMATS = {"PDF": ("PDF", 203), "PNG": ("PNG", 203), "ZPL203": ("ZPL", 203),
                 "ZPL300": ("ZPL", 300)}
# Additional inputs of international shipments (field names as MWS's Merchant Fulfillment
# documentation showed them; Amazon's current list per carrier is not known).
NON_DELIVERABLE = "NON_DELIVERABLE_INSTRUCTIONS"
NON_DELIVERABLE_VALUES = ("RETURN_TO_SENDER", "ABANDON")
COUNTRY_OF_ORIGIN = "COUNTRY_OF_ORIGIN"


class Refusal(ValueError):
    """A request the rules refuse: `code` and `message` as the API answers them; `problems`
    (value, path, constraint) when it breaks Amazon's server-side constraints."""

    def __init__(self, message: str, code: str = "InvalidInput", details: str = "",
                 problems: list[tuple[Any, str, str]] | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details
        self.problems = problems or []
        self.status = status


def constraints(problems: list[tuple[Any, str, str]]) -> Refusal:
    return Refusal("", problems=problems)


# -- the request --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    """A ShipmentRequestDetails the rules accepted."""

    order: Order
    items: list[tuple[str, int]]
    ship_from: Address
    parcel: carriers.Parcel
    experience: str
    carrier_only: str | None  # a carrier's predefined package: only its services
    label_format: str  # PDF, PNG, ZPL203, ZPL300 or ShippingServiceDefault
    digest: str  # what offer ids are bound to
    details: dict[str, Any]  # as sent


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def check_ship_from(address: Mapping[str, Any], path: str) -> list[tuple[Any, str, str]]:
    """Amazon's server-side constraints on a ship-from address the model does not state."""
    problems: list[tuple[Any, str, str]] = []
    country = address.get("CountryCode", "")
    if len(country) > 2:
        problems.append((country, f"{path}.countryCode",
                         "Member must have length less than or equal to 2"))
    elif country in STATE_REQUIRED and not address.get("StateOrProvinceCode"):
        problems.append((None, f"{path}.stateOrProvinceCode", "Member must not be null"))
    return problems


def ship_from_address(address: Mapping[str, Any]) -> Address:
    return Address(
        name=address.get("Name", ""), line1=address.get("AddressLine1", ""),
        line2=" ".join(filter(None, (address.get("AddressLine2"), address.get("AddressLine3"))))
        or None, city=address.get("City", ""), state=address.get("StateOrProvinceCode", ""),
        postal_code=address.get("PostalCode", ""),
        country_code=address.get("CountryCode", "").upper(), phone=address.get("Phone", ""),
        address_type="Commercial")


def _dimensions(details: Mapping[str, Any], predefined: Mapping[str, tuple[float, float, float]]
                ) -> tuple[tuple[float, float, float], str | None, list[tuple[Any, str, str]]]:
    """The package's sides in cm, the carrier its predefined package belongs to, problems."""
    dims = details.get("PackageDimensions") or {}
    path = "shipmentRequestDetails.packageDimensions"
    token = dims.get("PredefinedPackageDimensions")
    if token:
        sides = predefined.get(token, (30.0, 20.0, 10.0))
        return sides, token.split("_", 1)[0].upper(), []
    problems = [(None, f"{path}.{name[0].lower()}{name[1:]}", "Member must not be null")
                for name in ("Length", "Width", "Height", "Unit") if dims.get(name) is None]
    problems += [(dims[name], f"{path}.{name[0].lower()}{name[1:]}",
                  "Member must have value greater than 0")
                 for name in ("Length", "Width", "Height")
                 if dims.get(name) is not None and _number(dims[name]) <= 0]
    if problems:
        return (0.0, 0.0, 0.0), None, problems
    scale = carriers.CM_PER_INCH if dims.get("Unit") == "inches" else 1.0
    return (_number(dims["Length"]) * scale, _number(dims["Width"]) * scale,
            _number(dims["Height"]) * scale), None, []


def _weight_g(details: Mapping[str, Any]) -> tuple[float, list[tuple[Any, str, str]]]:
    weight = details.get("Weight") or {}
    value = _number(weight.get("Value"))
    if value <= 0:
        return 0.0, [(weight.get("Value"), "shipmentRequestDetails.weight.value",
                      "Member must have value greater than 0")]
    return value * (carriers.GRAMS_PER_OUNCE if weight.get("Unit") == "oz" else 1.0), []


def _digest(parts: Mapping[str, Any]) -> str:
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def read_request(state: SellerState, details: Mapping[str, Any], now: float,
                 predefined: Mapping[str, tuple[float, float, float]],
                 parse_time: Any, experience_override: str | None = None) -> Request:
    """The request's order, items and parcel, after Amazon's server-side constraints (Coral
    problems) and the order's own checks."""
    ship_from = details.get("ShipFromAddress") or {}
    problems = check_ship_from(ship_from, "shipmentRequestDetails.shipFromAddress")
    items = [(str(i.get("OrderItemId", "")), i.get("Quantity", 0))
             for i in details.get("ItemList") or []]
    for index, (_, quantity) in enumerate(items):
        if quantity < 1:
            problems.append((quantity, f"shipmentRequestDetails.itemList.{index + 1}.member."
                             "quantity", "Member must have value greater than or equal to 1"))
    if not items:
        problems.append(("[]", "shipmentRequestDetails.itemList",
                         "Member must have length greater than or equal to 1"))
    sides, carrier_only, dimension_problems = _dimensions(details, predefined)
    weight, weight_problems = _weight_g(details)
    problems += dimension_problems + weight_problems
    if problems:
        raise constraints(problems)
    order = _order(state, str(details.get("AmazonOrderId", "")))
    wanted = _check_items(state, order, items)
    options = details.get("ShippingServiceOptions") or {}
    experience = experience_override or options.get("DeliveryExperience",
                                                     "DeliveryConfirmationWithoutSignature")
    declared = options.get("DeclaredValue") or {}
    declared_minor = round(_number(declared.get("Amount")) * (
        1 if order.currency == "JPY" else 100))
    pickup = bool(options.get("CarrierWillPickUp")) or (
        options.get("CarrierWillPickUpOption") == "CarrierWillPickUp")
    ship_date = parse_time(details["ShipDate"], "ShipDate") if details.get("ShipDate") else None
    arrive_by = (parse_time(details["MustArriveByDate"], "MustArriveByDate")
                 if details.get("MustArriveByDate") else None)
    address = order.address
    parcel = carriers.Parcel(
        ship_from=carriers.Place(ship_from.get("CountryCode", "").upper(),
                                 ship_from.get("PostalCode", ""),
                                 (ship_from.get("AddressLine1", ""),)),
        ship_to=carriers.Place(address.country_code, address.postal_code,
                               (address.line1, address.line2 or "")),
        weight_g=weight, length_cm=sides[0], width_cm=sides[1], height_cm=sides[2],
        experience=experience, declared_value=declared_minor, pickup=pickup,
        ship_date=max(ship_date, now) if ship_date is not None else None,
        arrive_by=arrive_by)
    digest = _digest({
        "order": order.order_id, "items": sorted(wanted.items()), "weight": round(weight, 1),
        "sides": [round(s, 1) for s in sides], "from": dict(ship_from), "experience": experience,
        "declared": declared_minor, "pickup": pickup, "ship_date": details.get("ShipDate")})
    return Request(order, sorted(wanted.items()), ship_from_address(ship_from), parcel,
                   experience, carrier_only, options.get("LabelFormat") or
                   "ShippingServiceDefault", digest, dict(details))


def _order(state: SellerState, order_id: str) -> Order:
    order = state.orders.get(order_id)
    if order is None:
        # Amazon's words are not known; the emulator's.
        raise Refusal(f"The AmazonOrderId {order_id} does not exist or does not belong to the "
                      "seller.")
    if order.fulfillment != "MFN":
        raise Refusal(f"The AmazonOrderId {order_id} is fulfilled by Amazon; Buy Shipping ships "
                      "merchant-fulfilled orders only.")
    return order


def rebuyable(state: SellerState, order: Order) -> dict[str, int]:
    """Units of the order's cancelled labels not bought again: Amazon lets the seller create a
    new shipment for them (the order stays Shipped)."""
    units: dict[str, int] = {}
    for label in shipments.of_order(state, order.order_id):
        if label.cancelled_at is not None and not label.details.get("replaced_by"):
            for item_id, quantity in label.items:
                units[item_id] = units.get(item_id, 0) + quantity
    return units


def _check_items(state: SellerState, order: Order, items: list[tuple[str, int]]
                 ) -> dict[str, int]:
    again = rebuyable(state, order)
    if order.status not in fulfillment.SHIPPABLE and not (order.status == "Shipped" and again):
        if order.status == "Shipped":
            raise Refusal(ALREADY_SHIPPED, code="ShipmentAlreadyExists",
                          details=", ".join(s.shipment_id for s in
                                            shipments.of_order(state, order.order_id)))
        raise Refusal(f"The AmazonOrderId {order.order_id} is {order.status}; only Unshipped or "
                      "PartiallyShipped orders can be shipped.")
    by_id = {i.order_item_id: i for i in order.items}
    wanted: dict[str, int] = {}
    for item_id, quantity in items:
        if item_id not in by_id:
            raise Refusal(f"Invalid OrderItemId {item_id} for AmazonOrderId {order.order_id}.")
        wanted[item_id] = wanted.get(item_id, 0) + quantity
    for item_id, quantity in wanted.items():
        item = by_id[item_id]
        left = item.quantity - item.shipped + again.get(item_id, 0)
        if left == 0:
            labels = [s.shipment_id for s in shipments.of_order(state, order.order_id)
                      if any(i == item_id for i, _ in s.items)]
            raise Refusal(ALREADY_SHIPPED, code="ShipmentAlreadyExists",
                          details=", ".join(labels))
        if quantity > left:
            raise Refusal(f"Quantity {quantity} exceeds the {left} unshipped units of "
                          f"OrderItemId {item_id}.")
    return wanted


# -- offers -------------------------------------------------------------------------------------

def offers(store: StateStore, state: SellerState, request: Request) -> carriers.Quotes:
    found = carriers.quote(store.scenario.shipping, request.parcel, store.clock.now(),
                           store.randomness, state.seller_id)
    if request.carrier_only is None:
        return found
    return carriers.Quotes([q for q in found.offers
                            if q.service.carrier.id.startswith(request.carrier_only)],
                           [r for r in found.refused
                            if r.service.carrier.id.startswith(request.carrier_only)],
                           found.terms_not_accepted, found.unavailable)


class OfferIds:
    """ShippingServiceOfferIds: base64 of a signed record (seller, order, service, request
    digest, issue time), the key fixed by the seed so ids survive a restart."""

    def __init__(self, randomness: Randomness) -> None:
        self._key = randomness.derive("mfn-offer-ids").randbytes(32)

    def issue(self, seller_id: str, request: Request, quote: carriers.Quote,
              now: float) -> str:
        record = {"s": seller_id, "o": request.order.order_id, "i": quote.service.id,
                  "d": request.digest, "a": quote.total, "t": round(now, 3)}
        payload = json.dumps(record, separators=(",", ":")).encode()
        signature = hmac.new(self._key, payload, hashlib.sha256).digest()
        return base64.b64encode(signature + payload).decode()

    def check(self, offer_id: str, seller_id: str, request: Request, service_id: str,
              now: float) -> None:
        """Refuses (OFFER_EXPIRED) an offer id not issued for this very request and service
        in the last OFFER_LIFETIME seconds."""
        try:
            raw = base64.b64decode(offer_id, validate=True)
            signature, payload = raw[:32], raw[32:]
            record = json.loads(payload)
        except (binascii.Error, ValueError):
            raise Refusal(OFFER_EXPIRED) from None
        expected = hmac.new(self._key, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected) or not isinstance(record, dict) or (
                record.get("s"), record.get("o"), record.get("i"), record.get("d")) != (
                seller_id, request.order.order_id, service_id, request.digest) or not (
                0 <= now - float(record.get("t", 0)) <= OFFER_LIFETIME):
            raise Refusal(OFFER_EXPIRED)


# -- buying -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Purchase:
    """What createShipment asks for besides the request."""

    service_id: str
    offer_id: str | None
    shipment_inputs: list[dict[str, Any]]
    item_inputs: dict[str, list[dict[str, Any]]]  # by order item id
    packing_slip: bool
    hazmat: str | None


def label_format(request: Request, carrier: carriers.Carrier) -> str:
    """The label's format: the one asked for, or the carrier's (ShippingServiceDefault)."""
    asked = request.label_format
    if asked == "ShippingServiceDefault":
        return carrier.label_format
    if asked not in carrier.formats:
        raise Refusal(FORMAT_NOT_SUPPORTED, code="LabelFormatNotSupported")
    return asked


def _input_value(entry: Mapping[str, Any]) -> Any:
    value = entry.get("AdditionalSellerInput") or {}
    return value.get("ValueAsString")


def check_inputs(request: Request, purchase: Purchase) -> None:
    """An international shipment needs its additional seller inputs."""
    given = {e.get("AdditionalInputFieldName"): _input_value(e) for e in purchase.shipment_inputs}
    if given.get(NON_DELIVERABLE) not in NON_DELIVERABLE_VALUES:
        raise Refusal(f"The additional seller input {NON_DELIVERABLE} is required for this "
                      f"shipping service, one of {', '.join(NON_DELIVERABLE_VALUES)}; "
                      "GetAdditionalSellerInputs lists the inputs a service needs.")
    for item_id, _ in request.items:
        origin = {e.get("AdditionalInputFieldName"): _input_value(e)
                  for e in purchase.item_inputs.get(item_id, [])}.get(COUNTRY_OF_ORIGIN)
        if not isinstance(origin, str) or not re.fullmatch(r"[A-Z]{2}", origin):
            raise Refusal(f"The additional seller input {COUNTRY_OF_ORIGIN} (a two-letter "
                          f"country code) is required for OrderItemId {item_id}.")


def buy(store: StateStore, state: SellerState, ids: OfferIds, request: Request,
        purchase: Purchase, custom_text: str | None) -> LabelShipment:
    """Buys the label: every check first, then the label and the order change together."""
    now = store.clock.now()
    if purchase.offer_id:
        ids.check(purchase.offer_id, state.seller_id, request, purchase.service_id, now)
    found = offers(store, state, request)
    quote = next((q for q in found.offers if q.service.id == purchase.service_id), None)
    if quote is None:
        raise Refusal(TOO_RESTRICTIVE, code="ShipmentRequestDetailsTooRestrictive")
    service = quote.service
    if service.international:
        check_inputs(request, purchase)
    chosen = label_format(request, service.carrier)
    fmt, dpi = LABEL_FORMATS[chosen]
    fresh, reused = _split(state, request)
    if fresh:  # the one shipping rule's own checks, before anything changes
        fulfillment.check_shippable(request.order)
        fulfillment.unshipped_units(request.order, fresh)
    number = shipments.draw(store.randomness, state, now, "mfn-label")
    label = LabelShipment(
        shipment_id=shipments.uuid_from(number), api="mfn", channel="AMAZON",
        order_id=request.order.order_id, items=list(request.items),
        carrier_id=service.carrier.id, service_id=service.id, country=service.country,
        tracking_id=carriers.tracking_id(service.carrier, number >> 16),
        currency=quote.currency, charges=[(c.kind, c.amount) for c in quote.charges],
        label_format=fmt, label_dpi=dpi, ship_from=request.ship_from,
        ship_to=request.order.address, weight_g=request.parcel.weight_g,
        dimensions_cm=(request.parcel.length_cm, request.parcel.width_cm,
                       request.parcel.height_cm),
        purchased_at=now, ship_date=quote.ship_date, earliest=quote.earliest,
        latest=quote.latest, updated=now,
        details={"request": request.details, "offer_id": purchase.offer_id or ids.issue(
                     state.seller_id, request, quote, now),
                 "experience": request.experience, "label_format": chosen,
                 "pickup": request.parcel.pickup, "custom_text": custom_text,
                 "packing_slip": purchase.packing_slip, "hazmat": purchase.hazmat})
    store.prepare(state, shipments.KIND, label.shipment_id)
    _ship(store, state, request, label, fresh, reused)
    shipments.add(state, label)
    store.changed(state, shipments.KIND, label.shipment_id, label)
    return label


def _split(state: SellerState, request: Request) -> tuple[list[tuple[str, int]],
                                                          list[tuple[str, int]]]:
    """The units a label ships for the first time, and those it buys again (of cancelled
    labels): units of cancelled labels first, as the seller re-buys a label it cancelled."""
    again = rebuyable(state, request.order)
    fresh: list[tuple[str, int]] = []
    reused: list[tuple[str, int]] = []
    for item_id, quantity in request.items:
        take = min(quantity, again.get(item_id, 0))
        if take:
            reused.append((item_id, take))
        if quantity - take:
            fresh.append((item_id, quantity - take))
    return fresh, reused


def _ship(store: StateStore, state: SellerState, request: Request, label: LabelShipment,
          fresh: list[tuple[str, int]], reused: list[tuple[str, int]]) -> None:
    order = request.order
    store.prepare(state, "order", order.order_id)
    carrier = label.carrier.name.replace("®", "")
    method = label.service.name.replace("®", "")
    if fresh:
        package = fulfillment.ship_items(
            store, state, order, carrier=carrier, tracking_number=label.tracking_id,
            ship_date=label.ship_date, items=fresh, method=method, why="label purchased")
        label.package_reference_id = package.package_reference_id
    if reused:
        # The replaced labels' package now travels with this label's carrier and tracking.
        for old in shipments.of_order(state, order.order_id):
            if old.cancelled_at is not None and not old.details.get("replaced_by"):
                store.prepare(state, shipments.KIND, old.shipment_id)
                old.details["replaced_by"] = label.shipment_id
                store.changed(state, shipments.KIND, old.shipment_id, old)
                package = next((p for p in order.shipments
                                if p.package_reference_id == old.package_reference_id), None)
                if package is not None:
                    package.carrier, package.tracking_number = carrier, label.tracking_id
                    package.ship_method = method
                    label.package_reference_id = label.package_reference_id or (
                        package.package_reference_id)
        order.last_update = store.clock.now()
        fulfillment.order_changed(store, state, order, "label purchased again")


def cancel(store: StateStore, state: SellerState, label: LabelShipment) -> None:
    store.prepare(state, shipments.KIND, label.shipment_id)
    try:
        shipments.cancel(label, store.randomness, store.clock.now())
    except shipments.CancelRefused as refused:
        raise Refusal(str(refused), code=refused.code) from None
    store.changed(state, shipments.KIND, label.shipment_id, label)


def find_label(state: SellerState, shipment_id: str) -> LabelShipment | None:
    label = shipments.book(state).get(shipment_id)
    return label if label is not None and label.api == "mfn" else None


def needs_inputs(state: SellerState, service_id: str, ship_from_country: str,
                 order_id: str) -> bool:
    """Whether a shipment of the order with the service is international (and needs the
    additional inputs)."""
    order = state.orders.get(order_id)
    service = carriers.service_by_id(service_id, ship_from_country)
    if order is None or service is None:
        raise Refusal(f"Invalid ShippingServiceId {service_id} for a shipment from "
                      f"{ship_from_country}." if order is not None else
                      f"The AmazonOrderId {order_id} does not exist or does not belong to "
                      "the seller.")
    return service.international or order.address.country_code != ship_from_country
