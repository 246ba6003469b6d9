"""Product Fees API v0: fee estimates for a SKU, an ASIN, or a batch of both, from the shared
fee schedule (emulator/business/fees.py), so an estimate agrees with what orders settle.

The referral fee is taken on the sales price the buyer pays: ListingPrice plus Shipping
(Amazon's rule for referral fees). FBA fees come only with IsAmazonFulfilled; the variable
closing fee and the per-item fee (a Professional seller's) are 0.

An estimate that cannot be made (a SKU the seller has not listed in that marketplace, an ASIN
outside the seller's catalog, a currency that is not the marketplace's) is, as on SP-API,
HTTP 200 with Status ClientError and Error {Sender, InvalidParameterValue, "There is an
client-side error. Please verify your inputs."} (models#2849, docs#3034). A marketplace the
seller does not sell in is 400 "Incorrect Marketplace identifier." (the model's example).
"""

from __future__ import annotations

from typing import Any

from emulator.business import fees
from emulator.business.entities import CatalogItem, decimals
from emulator.business.marketplaces import Marketplace
from emulator.business.store import SellerState
from emulator.families import ApiContext, common
from emulator.families.common import money
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply

MODEL = "productFeesV0"
MAX_BATCH = 20  # "up to 20 marketplaceId/SKU or marketplaceId/ASIN pairs" (API reference)
CLIENT_ERROR = {"Type": "Sender", "Code": "InvalidParameterValue",
                "Message": "There is an client-side error. Please verify your inputs.",
                "Detail": []}


class Unestimable(Exception):
    """The estimate cannot be made: the result is a ClientError, not an HTTP error."""


def _required(request: dict[str, Any] | None) -> dict[str, Any]:
    """The FeesEstimateRequest (optional in the model, required by the service: jl#736)."""
    if not request:
        raise InvalidInput("This is an invalid input",
                           details="Missing objects [FeesEstimateRequest] in body parameters.")
    return request


def _market(state: SellerState, request: dict[str, Any]) -> Marketplace:
    market = state.market(str(request.get("MarketplaceId")))
    if market is None:
        raise InvalidInput("Incorrect Marketplace identifier.")
    return market


def _minor(money_value: dict[str, Any] | None, market: Marketplace) -> int:
    if not money_value:
        return 0
    amount = money_value.get("Amount")
    if money_value.get("CurrencyCode") != market.currency or amount is None or amount < 0:
        raise Unestimable()
    return round(amount * 10 ** decimals(market.currency))


def _fee(kind: str, amount: int, currency: str) -> dict[str, Any]:
    return {"FeeType": kind, "FeeAmount": money(amount, currency),
            "FeePromotion": money(0, currency), "TaxAmount": money(0, currency),
            "FinalFee": money(amount, currency)}


class FeeEstimates:
    def __init__(self, context: ApiContext) -> None:
        self.context = context

    def _product(self, state: SellerState, market: Marketplace, id_type: str,
                 id_value: str) -> tuple[CatalogItem, str]:
        """The catalog item and product type the fees depend on."""
        if id_type == "SellerSKU":
            listing = state.listings.get(id_value)
            if listing is None or market.id not in listing.status:
                raise Unestimable()
            item, product_type = state.catalog.get(listing.asin), listing.product_type
        else:
            item = state.catalog.get(id_value)
            product_type = item.product_type if item else ""
        if item is None:
            raise Unestimable()
        return item, product_type

    def _estimate(self, state: SellerState, market: Marketplace, request: dict[str, Any],
                  id_type: str, id_value: str) -> dict[str, Any]:
        item, product_type = self._product(state, market, id_type, id_value)
        price = request["PriceToEstimateFees"]
        sale = _minor(price.get("ListingPrice"), market) + _minor(price.get("Shipping"), market)
        fulfilled = bool(request.get("IsAmazonFulfilled"))
        found = fees.fees_for(item, product_type, sale, market.currency, fulfilled)
        currency = market.currency
        details = [_fee("ReferralFee", found.referral, currency),
                   _fee("VariableClosingFee", found.closing, currency),
                   _fee("PerItemFee", 0, currency)]
        if fulfilled:
            details.append({**_fee("FBAFees", found.fba, currency), "IncludedFeeDetailList": [
                _fee("FBAPerUnitFulfillmentFee", found.fba, currency)]})
        return {"TimeOfFeesEstimation": common.iso(self.context.clock.now()),
                "TotalFeesEstimate": money(found.total, currency), "FeeDetailList": details}

    def result(self, state: SellerState, market: Marketplace, request: dict[str, Any],
               id_type: str, id_value: str) -> dict[str, Any]:
        """One FeesEstimateResult: the request echoed, the estimate or a ClientError."""
        identifier: dict[str, Any] = {
            "MarketplaceId": market.id, "SellerId": state.seller_id, "IdType": id_type,
            "IdValue": id_value, "IsAmazonFulfilled": bool(request.get("IsAmazonFulfilled")),
            "PriceToEstimateFees": request.get("PriceToEstimateFees"),
            "SellerInputIdentifier": request.get("Identifier", "")}
        if "OptionalFulfillmentProgram" in request:
            identifier["OptionalFulfillmentProgram"] = request["OptionalFulfillmentProgram"]
        try:
            estimate = self._estimate(state, market, request, id_type, id_value)
        except Unestimable:
            return {"Status": "ClientError", "FeesEstimateIdentifier": identifier,
                    "Error": dict(CLIENT_ERROR, Detail=[])}
        return {"Status": "Success", "FeesEstimateIdentifier": identifier,
                "FeesEstimate": estimate}

    def _single(self, call: Call, id_type: str, id_value: str) -> Reply:
        state = common.seller_state(self.context.store, call)
        request = _required((call.params or {})["body"].get("FeesEstimateRequest"))
        market = _market(state, request)
        return json_reply(200, {"payload": {
            "FeesEstimateResult": self.result(state, market, request, id_type, id_value)}})

    async def for_sku(self, call: Call) -> Reply:
        return self._single(call, "SellerSKU", (call.params or {})["SellerSKU"])

    async def for_asin(self, call: Call) -> Reply:
        return self._single(call, "ASIN", (call.params or {})["Asin"])

    async def batch(self, call: Call) -> Reply:
        state = common.seller_state(self.context.store, call)
        entries = (call.params or {})["body"]
        if len(entries) > MAX_BATCH:
            raise InvalidInput("This is an invalid input",
                               details=f"At most {MAX_BATCH} fee estimate requests are "
                                       "allowed.")
        requests = [_required(e.get("FeesEstimateRequest")) for e in entries]
        markets = [_market(state, request) for request in requests]
        return json_reply(200, [
            self.result(state, market, request, e["IdType"], e["IdValue"])
            for e, request, market in zip(entries, requests, markets, strict=True)])


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    api = FeeEstimates(context)
    registry.register(f"{MODEL}.getMyFeesEstimateForSKU", api.for_sku)
    registry.register(f"{MODEL}.getMyFeesEstimateForASIN", api.for_asin)
    registry.register(f"{MODEL}.getMyFeesEstimates", api.batch)
    return api
