"""Amazon Shipping v2 over HTTP: reads the validated call, asks the rules (rules.py,
collection_forms.py, access_points.py), renders Amazon's shapes.

Amazon names the documents differently per operation, and so does the emulator:
purchaseShipment and oneClickShipment answer `packageDocumentDetails` (a list),
directPurchaseShipment `packageDocumentDetailList` (a list), getShipmentDocuments
`packageDocumentDetail` (one). Documents are base64 of the file, without gzip (unlike Merchant
Fulfillment). Successes are wrapped in `payload` except createClaim and the collection-form
and carrier operations, whose models have no wrapper; submitNdrFeedback answers 204.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from emulator.business import carriers, shipments
from emulator.business.entities import decimals
from emulator.business.fulfillment import OrderError
from emulator.business.shipments import LabelShipment
from emulator.business.store import StateStore
from emulator.families import ApiContext
from emulator.families.common import iso, parse_time, seller_state
from emulator.families.shipping import access_points, collection_forms, rules
from emulator.families.shipping.rules import Rate, RateBook, Refusal, Shipment
from emulator.gateway.call import Call
from emulator.gateway.errors import CodedError, InvalidRequest, SpApiError
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import JSON, Reply, compact, json_reply
from emulator.runtime.clock import Clock

MODEL = "shippingV2"
IDEMPOTENCY = "x-amzn-IdempotencyKey"
INELIGIBILITY_CODES = frozenset({
    "NO_COVERAGE", "PICKUP_SLOT_RESTRICTION", "UNSUPPORTED_VAS", "VAS_COMBINATION_RESTRICTION",
    "SIZE_RESTRICTIONS", "WEIGHT_RESTRICTIONS", "LATE_DELIVERY", "PROGRAM_CONSTRAINTS",
    "TERMS_AND_CONDITIONS_NOT_ACCEPTED", "UNKNOWN"})
HOUR = 3600.0


def _error(refusal: Refusal) -> SpApiError:
    if refusal.code == "InvalidRequest" and refusal.message == InvalidRequest.default_message:
        return InvalidRequest(details=refusal.details)
    return CodedError(refusal.code, refusal.message, refusal.details, refusal.status)


@contextmanager
def _ruled(store: StateStore) -> Iterator[None]:
    """Runs the rules: their refusals (and the order rule's) are the API's errors, and what
    they changed reaches the state file before the client hears back."""
    try:
        yield
    except Refusal as refusal:
        raise _error(refusal) from None
    except OrderError as error:
        raise InvalidRequest(details=str(error)) from None
    finally:
        store.flush()


def currency(minor: int, unit: str) -> dict[str, Any]:
    return {"value": minor / (10 ** decimals(unit)), "unit": unit}


def _window(start: float, end: float) -> dict[str, str]:
    return {"start": _iso(start), "end": _iso(end)}


@lru_cache(maxsize=4096)
def _iso(moment: float) -> str:
    return iso(moment)


def _promise(ship_date: float, earliest: float, latest: float) -> dict[str, Any]:
    return {"deliveryWindow": _window(earliest, latest),
            "pickupWindow": _window(ship_date, ship_date + 4 * HOUR)}


def _benefits(latest: float, promised: float | None) -> dict[str, Any]:
    # Claims protection when the label delivers by the order's promise (EXTERNAL shipments
    # have none); the reason code of an excluded benefit is the emulator's.
    if promised is None or latest <= promised:
        return {"includedBenefits": ["CLAIMS_PROTECTED"], "excludedBenefits": []}
    return {"includedBenefits": [], "excludedBenefits": [
        {"benefit": "CLAIMS_PROTECTED", "reasonCodes": ["LATE_DELIVERY_RISK"]}]}


# What every rate supports (rules.document_spec enforces it); one list, shared by every rate.
DOCUMENT_SPECS = [{"format": fmt, "size": {"width": 4, "length": 6, "unit": "INCH"},
                   "printOptions": [{"supportedDPIs": list(rules.DPIS),
                                     "supportedPageLayouts": list(rules.LAYOUTS),
                                     "supportedFileJoiningOptions": [False],
                                     "supportedDocumentDetails": [{"name": "LABEL",
                                                                   "isMandatory": True}]}]}
                  for fmt in rules.FORMATS]


@lru_cache(maxsize=512)
def _service_members(service: carriers.Service) -> str:
    """A rate's JSON members that depend on its service only, encoded once: carrier, service,
    the documents it prints, its delivery confirmations, whether it needs inputs."""
    vas, required = rules.confirmations(service)
    members: dict[str, Any] = {
        "carrierId": service.carrier.id, "carrierName": service.carrier.name,
        "serviceId": service.id, "serviceName": service.name,
        "supportedDocumentSpecifications": DOCUMENT_SPECS,
        "requiresAdditionalInputs": service.international, "paymentType": "PAY_THROUGH_AMAZON"}
    if vas:
        members["availableValueAddedServiceGroups"] = [{
            "groupId": rules.CONFIRMATION_GROUP, "groupDescription": "Delivery confirmation",
            "isRequired": required,
            "valueAddedServices": [{"id": vas_id, "name": name,
                                    "cost": currency(cost, service.currency)}
                                   for vas_id, name, cost in vas]}]
    return compact(members).decode()[1:-1]


def rate_text(rate: Rate, shipment: Shipment) -> str:
    """One rate's JSON: its id, its quote's members, its service's members."""
    promised = shipment.order.latest_delivery if shipment.order else None
    return (f'{{"rateId":"{rate.rate_id}",{_quote_members(rate.quote, promised)},'
            f"{_service_members(rate.service)}}}")


@lru_cache(maxsize=2048)
def _quote_members(quote: carriers.Quote, promised: float | None) -> str:
    """A quote's JSON members (quotes are kept and reused by the carriers module)."""
    service, unit = quote.service, quote.currency
    weight = ({"unit": "POUND", "value": round(quote.billed_g / carriers.GRAMS_PER_POUND, 2)}
              if service.imperial else
              {"unit": "KILOGRAM", "value": round(quote.billed_g / 1000, 2)})
    return compact({
        "billedWeight": weight, "totalCharge": currency(quote.total, unit),
        "promise": _promise(quote.ship_date, quote.earliest, quote.latest),
        "rateItemList": [{"rateItemID": c.kind, "rateItemType": "MANDATORY",
                          "rateItemCharge": currency(c.amount, unit),
                          "rateItemNameLocalization": _item_name(c.kind)}
                         for c in quote.charges],
        "benefits": _benefits(quote.latest, promised),
    }).decode()[1:-1]


@lru_cache(maxsize=64)
def _item_name(kind: str) -> str:
    return kind.replace("_", " ").title()


def _documents(label: LabelShipment, fmt: str | None = None,
               dpi: int | None = None) -> dict[str, Any]:
    data = shipments.label_file(label, fmt, dpi)
    return {"packageClientReferenceId": label.package_reference_id,
            "packageDocuments": [{"type": "LABEL", "format": fmt or label.label_format,
                                  "contents": base64.b64encode(data).decode()}],
            "trackingId": label.tracking_id}


class ShippingV2:
    def __init__(self, context: ApiContext) -> None:
        self.store: StateStore = context.store
        self.clock: Clock = context.clock
        self.rates = RateBook()
        context.store.reset_listeners.append(self.rates.clear)

    # -- rates and purchases -----------------------------------------------------------------

    async def get_rates(self, call: Call) -> Reply:
        body = (call.params or {})["body"]
        state = seller_state(self.store, call)
        with _ruled(self.store):
            shipment = rules.read_shipment(state, body, self.clock.now())
            request, refused = rules.rate(self.store, state, shipment, self.rates)
        ineligible = [{
            "serviceId": r.service.id, "serviceName": r.service.name,
            "carrierName": r.service.carrier.name, "carrierId": r.service.carrier.id,
            "ineligibilityReasons": [{
                "code": r.code if r.code in INELIGIBILITY_CODES else "NO_COVERAGE",
                "message": r.message}]} for r in refused]
        # Rates are written from pre-encoded pieces (rate_text): a dozen rates are most of
        # getRates' time otherwise.
        rates = ",".join(rate_text(r, shipment) for r in request.rates.values())
        text = (f'{{"payload":{{"requestToken":"{request.token}","rates":[{rates}],'
                f'"ineligibleRates":{compact(ineligible).decode()}}}}}')
        return Reply(200, text.encode(), JSON)

    def _purchased(self, label: LabelShipment, state: Any) -> dict[str, Any]:
        order = state.orders.get(label.order_id) if label.order_id else None
        return {"shipmentId": label.shipment_id, "packageDocumentDetails": [_documents(label)],
                "promise": _promise(label.ship_date, label.earliest, label.latest),
                "benefits": _benefits(label.latest, order.latest_delivery if order else None)}

    async def purchase_shipment(self, call: Call) -> Reply:
        params = call.params or {}
        body = params["body"]
        state = seller_state(self.store, call)
        key = params.get(IDEMPOTENCY)
        again = rules.by_idempotency_key(state, key)
        if again is not None:
            return json_reply(200, {"payload": self._purchased(again, state)})
        with _ruled(self.store):
            request = self.rates.find(body.get("requestToken", ""), state.seller_id,
                                      self.clock.now())
            rate = request.rates.get(body.get("rateId", ""))
            if rate is None:
                raise Refusal("Rate not found for specified rateId")
            spec = rules.document_spec(body["requestedDocumentSpecification"])
            rules.check_inputs(rate, body.get("additionalInputs"))
            requested = [v["id"] for v in body.get("requestedValueAddedServices") or []]
            label = rules.buy(self.store, state, rate, request.shipment, spec, requested, key)
        return json_reply(200, {"payload": self._purchased(label, state)})

    async def one_click_shipment(self, call: Call) -> Reply:
        body = (call.params or {})["body"]
        state = seller_state(self.store, call)
        wanted = list((body.get("serviceSelection") or {}).get("serviceId") or [])
        requested = [v["id"] for v in body.get("valueAddedServicesDetails") or []]
        with _ruled(self.store):
            shipment = rules.read_shipment(state, body, self.clock.now())
            spec = rules.document_spec(body["labelSpecifications"])
            request, _ = rules.rate(self.store, state, shipment, self.rates)
            chosen = next((r for service_id in wanted for r in request.rates.values()
                           if r.service.id == service_id), None)
            if chosen is None:
                raise Refusal("No eligible rate for the selected serviceIds: "
                              f"{', '.join(wanted) or 'none'}")
            rules.check_inputs(chosen, body.get("additionalInputs") or (
                rules.DEFAULT_INPUTS if chosen.service.international else None))
            label = rules.buy(self.store, state, chosen, shipment, spec, requested, None)
        service = chosen.service
        payload = {**self._purchased(label, state),
                   "carrier": {"id": service.carrier.id, "name": service.carrier.name},
                   "service": {"id": service.id, "name": service.name},
                   "totalCharge": currency(label.total, label.currency)}
        payload.pop("benefits")
        return json_reply(200, {"payload": payload})

    async def direct_purchase(self, call: Call) -> Reply:
        params = call.params or {}
        body = params["body"]
        state = seller_state(self.store, call)
        key = params.get(IDEMPOTENCY)
        label = rules.by_idempotency_key(state, key)
        if label is None:
            with _ruled(self.store):
                spec = rules.document_spec(body.get("labelSpecifications"))
                shipment = rules.read_shipment(state, body, self.clock.now(),
                                               default_package=True)
                request, _ = rules.rate(self.store, state, shipment, self.rates)
                # "the best fit service offering": the cheapest domestic rate that needs no
                # additional inputs, else the cheapest.
                candidates = sorted(request.rates.values(), key=lambda r: (
                    r.service.international, r.quote.total, r.service.id))
                if not candidates:
                    raise Refusal("No eligible shipping service offering for the shipment.")
                best = candidates[0]
                rules.check_inputs(best, rules.DEFAULT_INPUTS)
                vas = ["NO_SIGNATURE"] if best.vas else []
                label = rules.buy(self.store, state, best, shipment, spec, vas, key)
        return json_reply(200, {"payload": {"shipmentId": label.shipment_id,
                                            "packageDocumentDetailList": [_documents(label)]}})

    async def additional_inputs(self, call: Call) -> Reply:
        params = call.params or {}
        state = seller_state(self.store, call)
        with _ruled(self.store):
            request = self.rates.find(params.get("requestToken", ""), state.seller_id,
                                      self.clock.now())
            rate = request.rates.get(params.get("rateId", ""))
            if rate is None:
                raise Refusal("Rate not found for specified rateId")
        return json_reply(200, {"payload": dict(rules.INPUTS_SCHEMA)
                                if rate.service.international else {}})

    # -- after the purchase ------------------------------------------------------------------

    async def shipment_documents(self, call: Call) -> Reply:
        params = call.params or {}
        state = seller_state(self.store, call)
        with _ruled(self.store):
            label = rules.find(state, params["shipmentId"])
            if params["packageClientReferenceId"] != label.package_reference_id:
                raise Refusal("Package not found for specified packageClientReferenceId")
            if label.cancelled_at is not None:
                raise Refusal("The shipment has been cancelled; its documents are void.")
            fmt = params.get("format") or label.label_format
            dpi = int(params.get("dpi") or label.label_dpi)
            if fmt not in rules.FORMATS or dpi not in rules.DPIS:
                raise Refusal("The requested document format or dpi is not supported: "
                              f"formats {', '.join(rules.FORMATS)}, dpi 203 or 300.")
        order = state.orders.get(label.order_id) if label.order_id else None
        return json_reply(200, {"payload": {
            "shipmentId": label.shipment_id, "packageDocumentDetail": _documents(label, fmt, dpi),
            "benefits": _benefits(label.latest, order.latest_delivery if order else None)}})

    async def cancel_shipment(self, call: Call) -> Reply:
        state = seller_state(self.store, call)
        with _ruled(self.store):
            label = rules.find(state, call.path_params["shipmentId"])
            rules.cancel(self.store, state, label)
        return json_reply(200, {"payload": {}})

    async def tracking(self, call: Call) -> Reply:
        params = call.params or {}
        state = seller_state(self.store, call)
        with _ruled(self.store):
            label = rules.by_tracking(state, params["trackingId"], params["carrierId"])
        view = shipments.tracking(label, self.store.randomness, self.clock.now())
        returned = any(e.leg == "RETURNS" for e in view.events)
        return json_reply(200, {"payload": {
            "trackingId": label.tracking_id,
            # The model's example says "null" when there is no other leg.
            "alternateLegTrackingId": f"{label.tracking_id}R" if returned else "null",
            "eventHistory": [{"eventCode": e.code, "eventTime": iso(e.time),
                              "location": {"stateOrRegion": e.place.state,
                                           "city": e.place.city,
                                           "countryCode": e.place.country_code,
                                           "postalCode": e.place.postal_code},
                              "shipmentType": e.leg} for e in view.events],
            "promisedDeliveryDate": iso(view.promised),
            "summary": {"status": view.status,
                        "trackingDetailCodes": {"forward": view.forward_codes,
                                                "returns": view.return_codes}},
        }})

    async def get_access_points(self, call: Call) -> Reply:
        params = call.params or {}
        kinds = params["accessPointTypes"]
        found = access_points.access_points(self.store.seed, rules.country(params["countryCode"]),
                                            params["postalCode"], kinds)
        return json_reply(200, {"payload": {"accessPointsMap": found}})

    async def ndr_feedback(self, call: Call) -> Reply:
        body = (call.params or {})["body"]
        state = seller_state(self.store, call)
        with _ruled(self.store):
            rules.submit_ndr(self.store, state, body["trackingId"], body["ndrAction"],
                             body.get("ndrRequestData") or {})
        return Reply(204, b"", None)

    async def create_claim(self, call: Call) -> Reply:
        body = (call.params or {})["body"]
        state = seller_state(self.store, call)
        with _ruled(self.store):
            claim_id = rules.create_claim(self.store, state, body)
        return json_reply(201, {"claimId": claim_id})

    # -- collection forms ----------------------------------------------------------------------

    async def unmanifested(self, call: Call) -> Reply:
        state = seller_state(self.store, call)
        by_carrier: dict[str, dict[tuple[str, str, str], LabelShipment]] = {}
        for label in collection_forms.unmanifested(state):
            by_carrier.setdefault(label.carrier_id, {}).setdefault(
                collection_forms._place_key(label.ship_from), label)
        found = []
        for carrier_id, places in by_carrier.items():
            locations = []
            for label in places.values():
                location: dict[str, Any] = {"address": rules.address_json(label.ship_from)}
                last = collection_forms.last_form(state, carrier_id, label.ship_from)
                if last is not None:
                    location["lastManifestDate"] = iso(last.created)
                locations.append(location)
            first = next(iter(places.values()))
            found.append({"carrierId": carrier_id, "carrierName": first.carrier.name,
                          "unmanifestedShipmentLocationList": locations})
        return json_reply(200, {"unmanifestedCarrierInformationList": found})

    async def generate_form(self, call: Call) -> Reply:
        params = call.params or {}
        body = params["body"]
        state = seller_state(self.store, call)
        ship_from = rules.address(body["shipFromAddress"]) if body.get("shipFromAddress") else None
        with _ruled(self.store):
            form = collection_forms.generate(self.store, state, body["carrierId"], ship_from,
                                             params.get(IDEMPOTENCY))
        return json_reply(200, {"collectionsFormDocument": _form_document(state, form)})

    async def form_history(self, call: Call) -> Reply:
        body = (call.params or {}).get("body") or {}
        state = seller_state(self.store, call)
        dates = body.get("dateRange") or {}
        start = parse_time(dates["startDate"], "startDate") if dates.get("startDate") else None
        end = parse_time(dates["endDate"], "endDate") if dates.get("endDate") else None
        ship_from = rules.address(body["shipFromAddress"]) if body.get("shipFromAddress") else None
        records = sorted(collection_forms.forms(state).values(), key=lambda f: -f.created)
        picked = [f for f in records
                  if (not body.get("carrierId") or f.carrier_id == body["carrierId"])
                  and (ship_from is None or collection_forms._place_key(f.ship_from)
                       == collection_forms._place_key(ship_from))
                  and (start is None or f.created >= start) and (end is None or f.created <= end)]
        limit = body.get("maxResults")
        if isinstance(limit, int) and limit > 0:
            picked = picked[:limit]
        return json_reply(200, {
            "collectionFormsHistoryRecordList": [{
                "carrierName": f.carrier_name, "creationDate": iso(f.created),
                "generationStatus": "Completed", "collectionFormId": f.form_id,
                "shipFromAddress": rules.address_json(f.ship_from)} for f in picked],
            "lastRefreshedDate": iso(self.clock.now())})

    async def get_form(self, call: Call) -> Reply:
        state = seller_state(self.store, call)
        form = collection_forms.forms(state).get(call.path_params["collectionFormId"])
        if form is None:
            raise InvalidRequest(details="Collection form not found for specified "
                                         "collectionFormId")
        return json_reply(200, {"collectionsFormDocument": _form_document(state, form)})


def _form_document(state: Any, form: collection_forms.CollectionForm) -> dict[str, Any]:
    return {"base64EncodedContent": base64.b64encode(
        collection_forms.document(state, form)).decode(), "documentFormat": "application/pdf"}


def install(registry: HandlerRegistry, context: ApiContext) -> ShippingV2:
    api = ShippingV2(context)
    for operation, handler in (
        ("getRates", api.get_rates), ("purchaseShipment", api.purchase_shipment),
        ("oneClickShipment", api.one_click_shipment),
        ("directPurchaseShipment", api.direct_purchase),
        ("getAdditionalInputs", api.additional_inputs),
        ("getShipmentDocuments", api.shipment_documents),
        ("cancelShipment", api.cancel_shipment), ("getTracking", api.tracking),
        ("getAccessPoints", api.get_access_points), ("submitNdrFeedback", api.ndr_feedback),
        ("createClaim", api.create_claim), ("getUnmanifestedShipments", api.unmanifested),
        ("generateCollectionForm", api.generate_form),
        ("getCollectionFormHistory", api.form_history), ("getCollectionForm", api.get_form),
    ):
        registry.register(f"{MODEL}.{operation}", handler)
    return api
