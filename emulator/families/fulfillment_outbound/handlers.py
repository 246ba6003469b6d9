"""Fulfillment Outbound 2020-07-01 over HTTP: each handler reads the validated call, runs what
fell due on the clock, asks the rules and renders Amazon's answer. The create, update, cancel
and status-update operations answer 200 with an empty body, as Amazon does (their responses
carry only `errors`).

Amazon runs this API in its dynamic sandbox, so these handlers answer in `--mode sandbox` too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from emulator.business.store import SellerState
from emulator.families import ApiContext
from emulator.families.common import parse_time, refused, seller_state, token_error
from emulator.families.fulfillment_outbound import preview, render
from emulator.families.fulfillment_outbound.book import McfBook
from emulator.families.fulfillment_outbound.rules import Feature, Rules
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput, NotFound
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply
from emulator.runtime.paging import TokenRejected

MODEL = "fulfillmentOutbound_2020-07-01"
PAGE_SIZE = 50  # listAllFulfillmentOrders and getFeatureInventory (Amazon's size is not stated)
T = TypeVar("T")


def _apply(change: Callable[[], T]) -> T:
    return refused(change)


class Outbound:
    def __init__(self, context: ApiContext, book: McfBook, rules: Rules,
                 features: list[Feature], texts: dict[str, dict[str, str]],
                 reason_codes: list[dict[str, str]]) -> None:
        self.context = context
        self.store = context.store
        self.clock = context.clock
        self.book = book
        self.rules = rules
        self.features = features
        self.texts = texts  # the model's descriptions of enum values, by enum
        self.reason_codes = reason_codes
        self.page_tokens = context.page_tokens

    def _state(self, call: Call) -> SellerState:
        self.context.scheduler.run_due()  # what fell due on the clock happens first
        return seller_state(self.store, call)

    def _done(self) -> Reply:
        self.context.scheduler.run_due()  # --lifecycle instant: validated before the answer
        return json_reply(200, {})

    # -- orders ---------------------------------------------------------------------------

    async def preview(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        found = _apply(lambda: preview.previews(self.rules, state, params["body"],
                                                self.clock.now()))
        return json_reply(200, {"payload": {"fulfillmentPreviews": found}})

    async def delivery_offers(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        offers = _apply(lambda: preview.delivery_offers(state, params["body"],
                                                        self.clock.now()))
        return json_reply(200, {"payload": {"deliveryOffers": offers}})

    async def create(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        _apply(lambda: self.rules.create(state, params["body"], self.clock.now()))
        return self._done()

    async def get(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        order = _apply(lambda: self.book.find(state, params["sellerFulfillmentOrderId"]))
        return json_reply(200, {"payload": render.order_result(order)})

    async def list_orders(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        filters = {"queryStartDate": params.get("queryStartDate")}
        since = (parse_time(params["queryStartDate"], "queryStartDate")
                 if params.get("queryStartDate") else None)
        found = sorted((o for o in self.book.orders(state).values()
                        if since is None or o.updated >= since),
                       key=lambda o: (o.updated, o.order_id))
        if params.get("nextToken"):
            try:
                after = self.page_tokens.read(params["nextToken"], "mcf.orders",
                                              state.seller_id, filters)
            except TokenRejected as error:
                raise token_error(error) from None
            cursor = (after[0], after[1])
            found = [o for o in found if (o.updated, o.order_id) > cursor]
        page = found[:PAGE_SIZE]
        payload: dict[str, Any] = {"fulfillmentOrders": [render.fulfillment_order(o)
                                                         for o in page]}
        if len(found) > PAGE_SIZE:
            payload["nextToken"] = self.page_tokens.issue(
                "mcf.orders", state.seller_id, filters, [page[-1].updated, page[-1].order_id])
        return json_reply(200, {"payload": payload})

    async def update(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        _apply(lambda: self.rules.update(state, params["sellerFulfillmentOrderId"],
                                         params["body"], self.clock.now()))
        return self._done()

    async def cancel(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        _apply(lambda: self.rules.cancel(state, params["sellerFulfillmentOrderId"],
                                         self.clock.now()))
        return self._done()

    async def force_status(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        status = params["body"].get("fulfillmentOrderStatus")
        if status is None:
            raise InvalidInput("fulfillmentOrderStatus is required.",
                               details="Give the status to move the order to.")
        _apply(lambda: self.rules.force(state, params["sellerFulfillmentOrderId"], status,
                                        self.clock.now()))
        return self._done()

    # -- tracking and returns -------------------------------------------------------------

    async def tracking(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        number = int(params["packageNumber"])
        where = self.book.packages(state).get(number)
        order = self.book.orders(state).get(where[0]) if where is not None else None
        if where is None or order is None or order.shipments[where[1]].status != "SHIPPED":
            raise NotFound(f"Package {number} was not found.",
                           details="No shipped package of the seller has this packageNumber.")
        rnd = self.store.randomness.derive("mcf-drop-off", state.seller_id, number)
        return json_reply(200, {"payload": render.tracking(
            order, order.shipments[where[1]], number, self.clock.now(),
            self.texts["CurrentStatus"], self.texts["EventCode"], rnd)})

    async def return_reasons(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        listing = state.listings.get(params["sellerSku"])
        if listing is None or listing.fulfillment != "AFN":
            raise InvalidInput(f"The sellerSku {params['sellerSku']!r} is invalid.",
                               details="It is not a SKU the seller has fulfilled by Amazon.")
        if params.get("marketplaceId"):
            _apply(lambda: preview.check_market(state, params["marketplaceId"]))
        if params.get("sellerFulfillmentOrderId"):
            _apply(lambda: self.book.find(state, params["sellerFulfillmentOrderId"]))
        return json_reply(200, {"payload": {"reasonCodeDetails": self.reason_codes}})

    async def create_return(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        order_id = params["sellerFulfillmentOrderId"]
        result = _apply(lambda: self.rules.create_return(state, order_id,
                                                         params["body"]["items"],
                                                         self.clock.now()))
        order = self.book.orders(state)[order_id]
        reasons = self.texts["InvalidItemReasonCode"]
        return json_reply(200, {"payload": {
            "returnItems": [render.return_item(r) for r in result.returns],
            "invalidReturnItems": [
                {"sellerReturnItemId": entry["sellerReturnItemId"],
                 "sellerFulfillmentOrderItemId": entry["sellerFulfillmentOrderItemId"],
                 "invalidItemReason": {"invalidItemReasonCode": code,
                                       "description": reasons.get(code, code)}}
                for entry, code in result.invalid],
            "returnAuthorizations": [render.authorization(order, a)
                                     for a in result.authorizations],
        }})

    # -- features -------------------------------------------------------------------------

    async def features_of(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        found = _apply(lambda: preview.feature_list(state, self.features,
                                                    params["marketplaceId"]))
        return json_reply(200, {"payload": {"features": found}})

    async def feature_inventory(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        market_id, name = params["marketplaceId"], params["featureName"]
        _apply(lambda: preview.check_market(state, market_id))
        _apply(lambda: preview.check_feature(self.features, name))
        since = (parse_time(params["queryStartDate"], "queryStartDate")
                 if params.get("queryStartDate") else None)
        records = [] if not preview.eligible(name, market_id) else sorted(
            (r for r in state.inventory.values()
             if r.fulfillable > 0 and (since is None or r.updated >= since)),
            key=lambda r: r.sku)
        filters = {"marketplaceId": market_id, "featureName": name,
                   "queryStartDate": params.get("queryStartDate")}
        if params.get("nextToken"):
            try:
                after = str(self.page_tokens.read(params["nextToken"], "mcf.features",
                                                  state.seller_id, filters))
            except TokenRejected as error:
                raise token_error(error) from None
            records = [r for r in records if r.sku > after]
        page = records[:PAGE_SIZE]
        by_asin: dict[str, list[str]] = {}
        for record in state.inventory.values():
            by_asin.setdefault(record.asin, []).append(record.sku)
        payload: dict[str, Any] = {"marketplaceId": market_id, "featureName": name,
                                   "featureSkus": [
            {"sellerSku": r.sku, "fnSku": r.fnsku, "asin": r.asin, "skuCount": r.fulfillable,
             "overlappingSkus": sorted(s for s in by_asin.get(r.asin, []) if s != r.sku)}
            for r in page]}
        if len(records) > PAGE_SIZE:
            payload["nextToken"] = self.page_tokens.issue("mcf.features", state.seller_id,
                                                          filters, page[-1].sku)
        return json_reply(200, {"payload": payload})

    async def feature_sku(self, call: Call) -> Reply:
        params = call.params or {}
        state = self._state(call)
        market_id, name, sku = (params["marketplaceId"], params["featureName"],
                                params["sellerSku"])
        _apply(lambda: preview.check_market(state, market_id))
        _apply(lambda: preview.check_feature(self.features, name))
        listing = state.listings.get(sku)
        record = state.inventory.get(sku)
        payload: dict[str, Any] = {"marketplaceId": market_id, "featureName": name,
                                   "sellerSku": sku}
        if listing is None or listing.fulfillment != "AFN":
            reasons = ["INVALID_SKU"]
        elif not preview.eligible(name, market_id):
            reasons = ["MERCHANT_NOT_ENROLLED"]
        elif record is None or record.fulfillable == 0:
            reasons = ["SKU_NOT_ELIGIBLE"]
        else:
            reasons = []
        if listing is not None and listing.fulfillment == "AFN":
            payload.update({"fnSku": record.fnsku if record is not None else listing.fnsku,
                            "asin": listing.asin,
                            "skuCount": record.fulfillable if record is not None else 0})
        payload["isEligible"] = not reasons
        payload["ineligibleReasons"] = reasons
        return json_reply(200, {"payload": payload})


def _enum_texts(definitions: dict[str, Any], name: str) -> dict[str, str]:
    table = definitions.get(name, {}).get("x-docgen-enum-table-extension") or []
    return {row["value"]: row["description"].rstrip(".") for row in table}


def install(registry: HandlerRegistry, context: ApiContext, book: McfBook, rules: Rules,
            features: list[Feature], reasons: list[dict[str, str]]) -> Outbound:
    definitions = context.models.models[MODEL].document["definitions"]
    texts = {name: _enum_texts(definitions, name)
             for name in ("CurrentStatus", "EventCode", "InvalidItemReasonCode")}
    # Tracking events keep the full stop of Amazon's example ("Delivered.").
    texts["EventCode"] = {k: v + "." for k, v in texts["EventCode"].items()}
    api = Outbound(context, book, rules, features, texts, reasons)
    operations = {
        "getFulfillmentPreview": api.preview, "deliveryOffers": api.delivery_offers,
        "listAllFulfillmentOrders": api.list_orders, "createFulfillmentOrder": api.create,
        "getPackageTrackingDetails": api.tracking, "listReturnReasonCodes": api.return_reasons,
        "createFulfillmentReturn": api.create_return, "getFulfillmentOrder": api.get,
        "updateFulfillmentOrder": api.update, "cancelFulfillmentOrder": api.cancel,
        "submitFulfillmentOrderStatusUpdate": api.force_status, "getFeatures": api.features_of,
        "getFeatureInventory": api.feature_inventory, "getFeatureSKU": api.feature_sku,
    }
    for operation, handler in operations.items():
        registry.register(f"{MODEL}.{operation}", handler)
    return api
