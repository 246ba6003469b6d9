"""Listings Items API 2021-08-01: get, put, patch, delete and search the seller's listings.

State rules live in emulator/families/listings/rules.py; this module checks the request's seller and
marketplaces, renders listings in the API's shapes and answers submissions as Amazon does:
HTTP 200 with `status` ACCEPTED, INVALID (issues, nothing changed) or, with
`mode=VALIDATION_PREVIEW`, VALID/INVALID and nothing changed.

Choices where Amazon's behaviour is not pinned down:
- A path `sellerId` that is not the caller's gets 400 InvalidInput "Invalid 'sellerId'
  provided.", a marketplace the seller does not sell in "Invalid 'marketplaceIds' provided."
  (both seen on SP-API, the second with code InvalidInput; Amazon sometimes answers a wrong
  sellerId with the marketplace message). Other refusals (a nested patch path, identifiers
  without identifiersType) are InvalidInput in the emulator's own words.
- getListingsItem answers for the first marketplace asked for only, as SP-API does
  (models#3008); searchListingsItems answers for every marketplace asked for.
- deleteListingsItem of a SKU that is not listed there answers ACCEPTED (the model declares no
  404) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.business.entities import Listing, ListingIssue, money_str
from emulator.business.store import SellerState
from emulator.families import ApiContext, common
from emulator.families.listings import rules
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput, SpApiError
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply

MODEL = "listingsItems_2021-08-01"
PAGE_LISTING = "listings.search"
IMAGE_SIZE = 1500  # generated images are _SL1500_


class ListingNotFound(SpApiError):
    """404 body seen on SP-API: `SKU '<sku>' not found in marketplace <id>` (amz#176, with the
    161-byte body of models#4283)."""

    status = 404
    code = "NOT_FOUND"

    def __init__(self, sku: str, marketplace_id: str) -> None:
        super().__init__(f"SKU '{sku}' not found in marketplace {marketplace_id}")


def conditions_of(context: ApiContext) -> frozenset[str]:
    """condition_type values, as the model lists them for summaries."""
    model = context.models.models[MODEL]
    summary = model.document["definitions"]["ItemSummaryByMarketplace"]
    return frozenset(summary["properties"]["conditionType"]["enum"])


# -- rendering ------------------------------------------------------------------------------

def _summary(state: SellerState, listing: Listing, market: str) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "marketplaceId": market, "asin": listing.asin, "productType": listing.product_type,
        "conditionType": listing.condition, "status": list(listing.status.get(market, [])),
    }
    if listing.fnsku:
        summary["fnSku"] = listing.fnsku
    summary["itemName"] = listing.item_name
    summary["createdDate"] = common.iso(listing.created)
    summary["lastUpdatedDate"] = common.iso(listing.updated)
    item = state.catalog.get(listing.asin)
    if item is not None and item.images:
        summary["mainImage"] = {"link": item.images[0], "height": IMAGE_SIZE,
                                "width": IMAGE_SIZE}
    return summary


def _offers(state: SellerState, listing: Listing, markets: list[str]) -> list[dict[str, Any]]:
    offers = []
    for market_id in markets:
        market = state.market(market_id)
        if market is None or market_id not in listing.prices:
            continue
        offers.append({"marketplaceId": market_id, "offerType": "B2C", "price": {
            "currencyCode": market.currency,
            "amount": money_str(listing.prices[market_id], market.currency)},
            "audience": {"value": "ALL", "displayName": "Sell on Amazon"}})
    return offers


def _availability(state: SellerState, listing: Listing) -> list[dict[str, Any]]:
    if listing.fulfillment == "AFN":
        record = state.inventory.get(listing.sku)
        channel = f"AMAZON_{state.markets[0].region.upper()}"
        return [{"fulfillmentChannelCode": channel,
                 "quantity": record.fulfillable if record else 0}]
    return [{"fulfillmentChannelCode": "DEFAULT", "quantity": listing.quantity}]


def issue_body(issue: ListingIssue, markets: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"code": issue.code, "message": issue.message,
                            "severity": issue.severity}
    if issue.attribute_names:
        body["attributeNames"] = list(issue.attribute_names)
    body["categories"] = list(issue.categories)
    if markets:
        body["marketplaceIds"] = list(markets)
    return body


def _relationships(state: SellerState, listing: Listing, markets: list[str],
                   family: dict[str, list[str]]) -> list[dict[str, Any]]:
    item = state.catalog.get(listing.asin)
    found = []
    if item is not None and item.parent_asin in family:
        found.append({"type": "VARIATION", "parentSkus": family[item.parent_asin]})
    children = [sku for asin, skus in family.items()
                if (child := state.catalog.get(asin)) is not None
                and child.parent_asin == listing.asin for sku in skus]
    if children:
        found.append({"type": "VARIATION", "childSkus": children})
    return [{"marketplaceId": m, "relationships": found} for m in markets]


class Renderer:
    """A listing as the Item of the API, with the data sets asked for."""

    def __init__(self, state: SellerState, included: list[str]) -> None:
        self.state = state
        self.included = included
        self._family: dict[str, list[str]] | None = None

    def family(self) -> dict[str, list[str]]:
        if self._family is None:
            self._family = rules.variation_family(self.state)
        return self._family

    def item(self, listing: Listing, markets: list[str]) -> dict[str, Any]:
        state = self.state
        sections: dict[str, Callable[[], Any]] = {
            "summaries": lambda: [_summary(state, listing, m) for m in markets],
            "attributes": lambda: listing.attributes,
            "issues": lambda: [issue_body(i, markets) for i in listing.issues],
            "offers": lambda: _offers(state, listing, markets),
            "fulfillmentAvailability": lambda: _availability(state, listing),
            "relationships": lambda: _relationships(state, listing, markets, self.family()),
            "productTypes": lambda: [{"marketplaceId": m, "productType": listing.product_type}
                                     for m in markets],
        }
        body: dict[str, Any] = {"sku": listing.sku}
        # In the API's order whatever the order asked; `procurement` is a vendor's data set:
        # a seller's listings have none.
        for name, render in sections.items():
            if name in self.included:
                body[name] = render()
        return body


# -- handlers -------------------------------------------------------------------------------

class ListingsItems:
    def __init__(self, context: ApiContext) -> None:
        self.context = context
        self.store = context.store
        self.rules = rules.Rules(conditions_of(context))

    def _state(self, call: Call) -> tuple[SellerState, list[str], dict[str, Any]]:
        """The caller's state, the marketplaces asked for (both checked) and the parameters."""
        params = call.params or {}
        state = common.seller_state(self.store, call)
        if params.get("sellerId") != state.seller_id:
            raise InvalidInput("Invalid 'sellerId' provided.")
        markets = list(params.get("marketplaceIds") or [])
        if not markets or any(state.market(m) is None for m in markets):
            raise InvalidInput("Invalid 'marketplaceIds' provided.")
        return state, markets, params

    async def get(self, call: Call) -> Reply:
        state, markets, params = self._state(call)
        sku, market = params["sku"], markets[0]
        listing = state.listings.get(sku)
        if listing is None or market not in listing.status:
            raise ListingNotFound(sku, market)
        renderer = Renderer(state, params.get("includedData") or ["summaries"])
        return json_reply(200, renderer.item(listing, [market]))

    async def put(self, call: Call) -> Reply:
        state, markets, params = self._state(call)
        body = params["body"]
        submission = rules.put(state, self.rules, params["sku"], markets[0], body["productType"],
                               body.get("requirements") or "LISTING", body["attributes"])
        return self._answer(call, state, submission)

    async def patch(self, call: Call) -> Reply:
        state, markets, params = self._state(call)
        body = params["body"]
        try:
            submission = rules.patch(state, self.rules, params["sku"], markets[0],
                                     body["productType"], body["patches"])
        except rules.PatchError as error:
            raise InvalidInput(str(error)) from None
        return self._answer(call, state, submission)

    def _answer(self, call: Call, state: SellerState, submission: rules.Submission) -> Reply:
        """Commit a valid submission (unless previewed) and answer it."""
        params = call.params or {}
        preview = params.get("mode") == "VALIDATION_PREVIEW"
        if submission.valid and not preview:
            rules.commit_seeded(self.store, state, submission)
        status = ("VALID" if preview else "ACCEPTED") if submission.valid else "INVALID"
        market = submission.marketplace_id
        body: dict[str, Any] = {"sku": submission.sku, "status": status,
                                "submissionId": self._submission_id(call)}
        included = params.get("includedData") or ["issues"]
        if "issues" in included:
            body["issues"] = [issue_body(i, [market]) for i in submission.issues]
        if "identifiers" in included:
            body["identifiers"] = [{"marketplaceId": market, "asin": submission.asin}] if (
                submission.valid and submission.asin) else []
        return json_reply(200, body)

    def _submission_id(self, call: Call) -> str:
        # 32 hex digits like Amazon's; the request id is seeded and unique per request.
        return call.request_id.replace("-", "")

    async def delete(self, call: Call) -> Reply:
        state, markets, params = self._state(call)
        sku = params["sku"]
        rules.delete(self.store, state, sku, markets[0])
        return json_reply(200, {"sku": sku, "status": "ACCEPTED",
                                "submissionId": self._submission_id(call), "issues": []})

    async def search(self, call: Call) -> Reply:
        state, markets, params = self._state(call)
        found = rules.search(state, self._query(params, markets))
        page, pagination = common.token_page(self.context.page_tokens, params, PAGE_LISTING,
                                             state.seller_id, found)
        renderer = Renderer(state, params.get("includedData") or ["summaries"])
        body: dict[str, Any] = {"numberOfResults": len(found)}
        if pagination:
            body["pagination"] = pagination
        body["items"] = [renderer.item(listing, [m for m in markets if m in listing.status])
                         for listing in page]
        return json_reply(200, body)

    def _query(self, params: dict[str, Any], markets: list[str]) -> rules.Query:
        identifiers = params.get("identifiers")
        kind = params.get("identifiersType")
        if bool(identifiers) != bool(kind):
            raise InvalidInput("'identifiers' and 'identifiersType' must be provided together.")
        exclusive = [n for n in ("identifiers", "variationParentSku", "packageHierarchySku")
                     if params.get(n)]
        if len(exclusive) > 1:
            raise InvalidInput(f"'{exclusive[0]}' cannot be used with '{exclusive[1]}'.")

        def time(name: str) -> float | None:
            return common.parse_time(params[name], name) if params.get(name) else None

        return rules.Query(
            marketplace_ids=tuple(markets), identifiers=tuple(identifiers or ()),
            identifiers_type=kind, variation_parent_sku=params.get("variationParentSku"),
            package_hierarchy_sku=params.get("packageHierarchySku"),
            created_after=time("createdAfter"), created_before=time("createdBefore"),
            updated_after=time("lastUpdatedAfter"), updated_before=time("lastUpdatedBefore"),
            severities=frozenset(params.get("withIssueSeverity") or ()),
            with_status=frozenset(params.get("withStatus") or ()),
            without_status=frozenset(params.get("withoutStatus") or ()),
            sort_by=params.get("sortBy") or "lastUpdatedDate",
            descending=(params.get("sortOrder") or "DESC") == "DESC")


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    api = ListingsItems(context)
    for operation, handler in (("getListingsItem", api.get), ("putListingsItem", api.put),
                               ("patchListingsItem", api.patch),
                               ("deleteListingsItem", api.delete),
                               ("searchListingsItems", api.search)):
        registry.register(f"{MODEL}.{operation}", handler)
    return api
