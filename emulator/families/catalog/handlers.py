"""Catalog Items API 2022-04-01: searchCatalogItems and getCatalogItem over the seller's
catalog (emulator/business/catalog.py).

Product facts a listing submission changes (item_name, brand, color...) reach the catalog item
of its ASIN, so summaries, attributes and keyword search show them (state/listings.py).

Choices where Amazon's behaviour is not pinned down:
- `vendorDetails` is a vendor's data set: a seller's token gets the other data sets and none.
- Marketplaces of another region than the seller's: 400 InvalidInput "Invalid
  'marketplaceIds' provided." (the Listings API's message; the Catalog's is undocumented).
- Messages for the identifier rules other than the two seen on SP-API ("Missing required
  'identifiers' or 'keywords'.", "Invalid combination of 'identifiers' and 'keywords'
  provided.") are the emulator's own wording.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from emulator.business import catalog
from emulator.business.catalog import DISPLAY_GROUP_NAMES
from emulator.business.entities import CatalogItem, money_float
from emulator.business.generate import price_in
from emulator.business.marketplaces import MARKETPLACES, Marketplace
from emulator.business.store import SellerState
from emulator.families import ApiContext, common
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput, SpApiError
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply

MODEL = "catalogItems_2022-04-01"
PAGE_LISTING = "catalog.search"
IMAGE_SIZE = 1500
VARIANTS = ("MAIN", "PT01", "PT02", "PT03", "PT04", "PT05", "PT06", "PT07", "PT08")
CODE_ONLY_FILTERS = ("brandNames", "classificationIds", "keywordsLocale")


class CatalogNotFound(SpApiError):
    """Amazon's 404 for an unknown ASIN; its body has no `details` (jl#451)."""

    status = 404
    code = "NOT_FOUND"

    def __init__(self, asin: str, markets: list[str]) -> None:
        super().__init__(f"Requested item, {asin}, not found in marketplace(s) "
                         f"{','.join(markets)}.")

    def body(self) -> dict[str, Any]:
        return {"errors": [{"code": self.code, "message": self.message}]}


def _money(minor: int, currency: str) -> dict[str, Any]:
    return {"value": money_float(minor, currency), "currency": currency}


class ItemView:
    """One catalog item in one marketplace, data set by data set."""

    def __init__(self, state: SellerState, item: CatalogItem, market: Marketplace,
                 children: list[str]) -> None:
        self.state = state
        self.item = item
        self.market = market
        self.children = children

    def _tagged(self, value: Any, language: bool = True) -> list[dict[str, Any]]:
        entry = {"value": value}
        if language:
            entry["language_tag"] = self.market.language
        entry["marketplace_id"] = self.market.id
        return [entry]

    def attributes(self) -> dict[str, Any]:
        item, market = self.item, self.market
        found: dict[str, Any] = {
            "item_name": self._tagged(item.title), "brand": self._tagged(item.brand),
            "manufacturer": self._tagged(item.manufacturer),
            "model_number": self._tagged(item.model_number, language=False),
            "bullet_point": [e for text in item.bullet_points for e in self._tagged(text)],
            "product_description": self._tagged(item.description),
        }
        if item.color:
            found["color"] = self._tagged(item.color)
        if item.size:
            found["size"] = self._tagged(item.size)
        if item.list_price > 0:
            price = price_in(item.list_price, market)
            found["list_price"] = [{**_money(price, market.currency),
                                    "marketplace_id": market.id}]
        found["item_dimensions"] = [{
            "length": {"value": item.length_in, "unit": "inches"},
            "width": {"value": item.width_in, "unit": "inches"},
            "height": {"value": item.height_in, "unit": "inches"}, "marketplace_id": market.id}]
        found["item_weight"] = [{"value": item.weight_lb, "unit": "pounds",
                                 "marketplace_id": market.id}]
        found["externally_assigned_product_identifier"] = [
            {"type": "upc", "value": item.upc, "marketplace_id": market.id},
            {"type": "ean", "value": item.ean, "marketplace_id": market.id}]
        return found

    def classifications(self) -> dict[str, Any]:
        nodes = catalog.classification(self.item)
        chain: dict[str, Any] | None = None
        for node in reversed(nodes):  # root first, so each node wraps its parent
            current: dict[str, Any] = {"displayName": node.name, "classificationId": node.node_id}
            if chain is not None:
                current["parent"] = chain
            chain = current
        return {"marketplaceId": self.market.id, "classifications": [chain] if chain else []}

    def dimensions(self) -> dict[str, Any]:
        item = self.item

        def box(extra: float, weight: float) -> dict[str, Any]:
            return {"height": {"unit": "inches", "value": round(item.height_in + extra, 2)},
                    "length": {"unit": "inches", "value": round(item.length_in + extra, 2)},
                    "weight": {"unit": "pounds", "value": round(weight, 2)},
                    "width": {"unit": "inches", "value": round(item.width_in + extra, 2)}}

        return {"marketplaceId": self.market.id, "item": box(0, item.weight_lb),
                "package": box(0.5, item.weight_lb * 1.1)}

    def identifiers(self) -> dict[str, Any]:
        item = self.item
        return {"marketplaceId": self.market.id, "identifiers": [
            {"identifier": item.ean, "identifierType": "EAN"},
            {"identifier": catalog.gtin(item), "identifierType": "GTIN"},
            {"identifier": item.upc, "identifierType": "UPC"}]}

    def images(self) -> dict[str, Any]:
        return {"marketplaceId": self.market.id, "images": [
            {"variant": variant, "link": link, "height": IMAGE_SIZE, "width": IMAGE_SIZE}
            for variant, link in zip(VARIANTS, self.item.images, strict=False)]}

    def product_types(self) -> dict[str, Any]:
        return {"marketplaceId": self.market.id, "productType": self.item.product_type}

    def relationships(self) -> dict[str, Any]:
        found: list[dict[str, Any]] = []
        if self.item.parent_asin:
            found.append({"type": "VARIATION", "parentAsins": [self.item.parent_asin]})
        if self.children:
            found.append({"type": "VARIATION", "childAsins": list(self.children)})
        return {"marketplaceId": self.market.id, "relationships": found}

    def _bestsellers(self, *path: str) -> str:
        host = "www." + self.market.channel.lower()
        return "/".join((f"https://{host}/gp/bestsellers", *path))

    def sales_ranks(self) -> dict[str, Any]:
        item = self.item
        leaf = catalog.classification(item)[0]
        group = DISPLAY_GROUP_NAMES.get(item.display_group, "Everything Else")
        slug = item.display_group.removesuffix("_display_on_website")
        return {"marketplaceId": self.market.id, "classificationRanks": [
            {"classificationId": leaf.node_id, "title": leaf.name,
             "link": self._bestsellers(slug, leaf.node_id), "rank": catalog.category_rank(item)}],
            "displayGroupRanks": [{"websiteDisplayGroup": item.display_group, "title": group,
                                   "link": self._bestsellers(slug), "rank": item.sales_rank}]}

    def summaries(self) -> dict[str, Any]:
        item = self.item
        leaf = catalog.classification(item)[0]
        summary: dict[str, Any] = {
            "marketplaceId": self.market.id, "adultProduct": False, "autographed": False,
            "brand": item.brand, "browseClassification": {
                "displayName": leaf.name, "classificationId": leaf.node_id}}
        if item.color:
            summary["color"] = item.color
        summary.update({
            "itemClassification": "VARIATION_PARENT" if self.children else "BASE_PRODUCT",
            "itemName": item.title, "manufacturer": item.manufacturer, "memorabilia": False,
            "modelNumber": item.model_number, "packageQuantity": 1,
            "partNumber": item.model_number, "releaseDate": item.release_date})
        if item.size:
            summary["size"] = item.size
        summary.update({"tradeInEligible": False, "websiteDisplayGroup": item.display_group,
                        "websiteDisplayGroupName": DISPLAY_GROUP_NAMES.get(
                            item.display_group, "Everything Else")})
        return summary

    def vendor_details(self) -> dict[str, Any]:
        item = self.item
        nodes = catalog.classification(item)
        code = "".join(c for c in item.brand.upper() if c.isalnum())[:5]
        return {"marketplaceId": self.market.id, "brandCode": code, "manufacturerCode": code,
                "manufacturerCodeParent": code,
                "productCategory": {"displayName": nodes[-1].name, "value": nodes[-1].node_id},
                "productGroup": DISPLAY_GROUP_NAMES.get(item.display_group, "Everything Else"),
                "productSubcategory": {"displayName": nodes[0].name, "value": nodes[0].node_id},
                "replenishmentCategory": "BASIC_REPLENISHMENT"}


class Renderer:
    """Catalog items as the API's Item, with the data sets asked for, per marketplace."""

    def __init__(self, state: SellerState, markets: list[Marketplace], included: list[str],
                 vendor: bool) -> None:
        self.state = state
        self.markets = markets
        self.included = set(included)
        if not vendor:
            self.included.discard("vendorDetails")
        self._children: dict[str, list[str]] | None = None

    def item(self, item: CatalogItem) -> dict[str, Any]:
        if self._children is None:
            self._children = catalog.children(self.state) if (
                self.included & {"relationships", "summaries"}) else {}
        views = [ItemView(self.state, item, m, self._children.get(item.asin, []))
                 for m in self.markets]
        sections: dict[str, Callable[[ItemView], Any]] = {
            "attributes": ItemView.attributes, "classifications": ItemView.classifications,
            "dimensions": ItemView.dimensions, "identifiers": ItemView.identifiers,
            "images": ItemView.images, "productTypes": ItemView.product_types,
            "relationships": ItemView.relationships, "salesRanks": ItemView.sales_ranks,
            "summaries": ItemView.summaries, "vendorDetails": ItemView.vendor_details,
        }
        body: dict[str, Any] = {"asin": item.asin}
        for name, render in sections.items():
            if name not in self.included:
                continue
            if name == "attributes":
                # One attributes object for the item: values carry their marketplace_id.
                merged: dict[str, list[Any]] = {}
                for view in views:
                    for key, values in view.attributes().items():
                        merged.setdefault(key, []).extend(values)
                body[name] = merged
            else:
                body[name] = [render(view) for view in views]
        return body


def refinements(items: list[CatalogItem]) -> dict[str, Any]:
    brands = Counter(item.brand for item in items)
    leaves = Counter((catalog.classification(item)[0]) for item in items)
    return {
        "brands": [{"numberOfResults": n, "brandName": b} for b, n in brands.most_common()],
        "classifications": [{"numberOfResults": n, "displayName": node.name,
                             "classificationId": node.node_id}
                            for node, n in leaves.most_common()],
    }


class CatalogItems:
    def __init__(self, context: ApiContext) -> None:
        self.context = context

    def _setup(self, call: Call) -> tuple[SellerState, list[Marketplace], Renderer]:
        params = call.params or {}
        state = common.seller_state(self.context.store, call)
        region = state.markets[0].region
        markets = [MARKETPLACES.get(m) for m in params.get("marketplaceIds") or []]
        if not markets or any(m is None or m.region != region for m in markets):
            raise InvalidInput("Invalid 'marketplaceIds' provided.")
        found = [m for m in markets if m is not None]
        vendor = state.seller.account_type == "vendor"
        return state, found, Renderer(state, found, params.get("includedData") or ["summaries"],
                                      vendor)

    async def get(self, call: Call) -> Reply:
        state, markets, renderer = self._setup(call)
        asin = (call.params or {})["asin"]
        item = state.catalog.get(asin)
        if item is None:
            raise CatalogNotFound(asin, [m.id for m in markets])
        return json_reply(200, renderer.item(item))

    def _found(self, state: SellerState, params: dict[str, Any]) -> list[CatalogItem]:
        keywords, identifiers = params.get("keywords"), params.get("identifiers")
        if keywords and identifiers:
            raise InvalidInput("Invalid combination of 'identifiers' and 'keywords' provided.")
        if not keywords and not identifiers:
            raise InvalidInput("Missing required 'identifiers' or 'keywords'.")
        if keywords:
            return catalog.search(state, keywords, params.get("brandNames") or (),
                                  params.get("classificationIds") or ())
        kind = params.get("identifiersType")
        if not kind:
            raise InvalidInput("'identifiersType' is required when 'identifiers' is provided.")
        used = [name for name in CODE_ONLY_FILTERS if params.get(name)]
        if used:
            raise InvalidInput(f"'{used[0]}' cannot be used with 'identifiers'.")
        if kind == "SKU":
            seller_id = params.get("sellerId")
            if not seller_id:
                raise InvalidInput("'sellerId' is required when 'identifiersType' is SKU.")
            if seller_id != state.seller_id:
                raise InvalidInput("Invalid 'sellerId' provided.")
        return catalog.lookup(state, kind, identifiers)

    async def search(self, call: Call) -> Reply:
        state, _markets, renderer = self._setup(call)
        params = call.params or {}
        found = self._found(state, params)
        page, pagination = common.token_page(self.context.page_tokens, params, PAGE_LISTING,
                                             state.seller_id, found)
        body: dict[str, Any] = {"numberOfResults": len(found)}
        if pagination:
            body["pagination"] = pagination
        body["refinements"] = refinements(found)
        body["items"] = [renderer.item(item) for item in page]
        return json_reply(200, body)


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    api = CatalogItems(context)
    registry.register(f"{MODEL}.searchCatalogItems", api.search)
    registry.register(f"{MODEL}.getCatalogItem", api.get)
    return api
