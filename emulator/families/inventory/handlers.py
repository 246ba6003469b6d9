"""FBA Inventory API v1: getInventorySummaries over the seller's FBA records, and the
sandbox-only createInventoryItem, addInventory and deleteInventoryItem, which change them.

Amazon runs this API in its dynamic sandbox, so these handlers answer in `--mode sandbox` too
(answer.py sends dynamic-sandbox operations the emulate way).
"""

from __future__ import annotations

import hashlib
import json
from calendar import monthrange
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from emulator.business.entities import Inventory
from emulator.business.store import SellerState, StateStore
from emulator.families import ApiContext
from emulator.families.common import iso, parse_time, seller_state, token_error
from emulator.families.inventory import rules as inventory
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput, NotFound, SpApiError
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply
from emulator.runtime.paging import PageTokens, TokenRejected

PAGE_SIZE = 50  # Amazon answers at most 50 summaries a page
TOKEN_LIFETIME = 30.0  # the model: "The string token will expire 30 seconds after being created."
HISTORY_MONTHS = 18  # startDateTime may be at most 18 months before the call
INVALID_REQUEST = "Invalid request, please check your input."


class FbaInventory:
    def __init__(self, store: StateStore, page_tokens: PageTokens) -> None:
        self.store = store
        self.page_tokens = page_tokens
        self.idempotency = inventory.IdempotencyTokens()

    async def summaries(self, call: Call) -> Reply:
        params = call.params or {}
        state = seller_state(self.store, call)
        marketplace_id = params["marketplaceIds"][0]
        _check_granularity(state, params["granularityId"], marketplace_id)
        since = self._since(params.get("startDateTime"))
        # Amazon's precedence: startDateTime, else sellerSkus, else sellerSku.
        skus = params.get("sellerSkus") or ([params["sellerSku"]] if "sellerSku" in params
                                            else None)
        filters = {name: params.get(name) for name in (
            "granularityId", "marketplaceIds", "startDateTime", "sellerSkus", "sellerSku")}
        found = inventory.records(state, since, skus)
        after = self._cursor(params.get("nextToken"), state, filters)
        if after is not None:
            found = [r for r in found if r.sku > after]
        page = found[:PAGE_SIZE]
        body: dict[str, Any] = {"payload": {
            "granularity": {"granularityType": params["granularityType"],
                            "granularityId": params["granularityId"]},
            "inventorySummaries": [_summary(state, r, params["details"]) for r in page],
        }}
        if len(found) > PAGE_SIZE:
            token = self.page_tokens.issue("fbaInventory.summaries", state.seller_id, filters,
                                           page[-1].sku)
            body["pagination"] = {"nextToken": token}
        return json_reply(200, body)

    def _since(self, text: str | None) -> float | None:
        if text is None:
            return None
        since = parse_time(text, "startDateTime")
        if since < _months_before(self.store.clock.now(), HISTORY_MONTHS):
            raise InvalidInput(f"Query startDateTime cannot be earlier than {HISTORY_MONTHS} "
                               "months.", details=f"startDateTime {text} is more than "
                               f"{HISTORY_MONTHS} months before now.")
        return since

    def _cursor(self, token: str | None, state: SellerState,
                filters: dict[str, Any]) -> str | None:
        if token is None:
            return None
        try:
            return str(self.page_tokens.read(token, "fbaInventory.summaries", state.seller_id,
                                             filters))
        except TokenRejected as error:
            raise token_error(error) from None

    async def create_item(self, call: Call) -> Reply:
        body = (call.params or {})["createInventoryItemRequestBody"]
        state = seller_state(self.store, call)
        _apply(lambda: inventory.create_item(self.store, state, body["sellerSku"],
                                             body["marketplaceId"], body["productName"]))
        return json_reply(200, {})

    async def add(self, call: Call) -> Reply:
        params = call.params or {}
        body = params["addInventoryRequestBody"]
        state = seller_state(self.store, call)
        seen = self.idempotency.seen(state)
        token = params["x-amzn-idempotency-token"]
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        if token in seen:
            if seen[token] != digest:
                raise InvalidInput("The idempotency token was already used with a different "
                                   "request.", details=f"x-amzn-idempotency-token {token!r}")
            return json_reply(200, {})  # a retry: the units were added the first time
        additions = [inventory.Addition(i["sellerSku"], i["marketplaceId"], i["quantity"])
                     for i in body.get("inventoryItems") or []]
        _apply(lambda: inventory.add_units(self.store, state, additions))
        self.idempotency.remember(state, token, digest)
        return json_reply(200, {})

    async def delete_item(self, call: Call) -> Reply:
        params = call.params or {}
        state = seller_state(self.store, call)
        _apply(lambda: inventory.delete_item(self.store, state, params["sellerSku"],
                                             params["marketplaceId"]))
        return json_reply(200, {})


def _apply(change: Callable[[], object]) -> None:
    """Run a state change, turning the rules' refusal into SP-API's error."""
    try:
        change()
    except inventory.InventoryError as error:
        kind: type[SpApiError] = NotFound if error.status == 404 else InvalidInput
        raise kind(str(error), details=error.details) from None


def _check_granularity(state: SellerState, granularity_id: str, marketplace_id: str) -> None:
    # Amazon aggregates by marketplace only; the granularity names the one marketplace asked
    # for. A mismatch is refused rather than guessed at (Amazon does not document it).
    if granularity_id != marketplace_id:
        raise InvalidInput(INVALID_REQUEST, details=f"granularityId {granularity_id!r} must be "
                           f"the marketplace of marketplaceIds ({marketplace_id!r}).")
    try:
        inventory.check_marketplace(state, marketplace_id)
    except inventory.InventoryError as error:
        raise InvalidInput(str(error), details=error.details) from None


def _months_before(timestamp: float, months: int) -> float:
    moment = datetime.fromtimestamp(timestamp, UTC)
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day).timestamp()


def _summary(state: SellerState, record: Inventory, details: bool) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "asin": record.asin, "fnSku": record.fnsku, "sellerSku": record.sku,
        "condition": record.condition, "lastUpdatedTime": iso(record.updated),
        "productName": inventory.product_name(state, record), "totalQuantity": record.total,
    }
    if details:
        summary["inventoryDetails"] = _details(record)
    return summary


def _details(record: Inventory) -> dict[str, Any]:
    # The records keep one unfulfillable and one researching count; the breakdowns put them
    # in the commonest disposition (customer damaged) and duration (short term).
    return {
        "fulfillableQuantity": record.fulfillable,
        "inboundWorkingQuantity": record.inbound_working,
        "inboundShippedQuantity": record.inbound_shipped,
        "inboundReceivingQuantity": record.inbound_receiving,
        "reservedQuantity": {
            "totalReservedQuantity": record.reserved,
            "pendingCustomerOrderQuantity": record.reserved_customer_order,
            "pendingTransshipmentQuantity": record.reserved_transshipment,
            "fcProcessingQuantity": record.reserved_fc_processing,
        },
        "researchingQuantity": {
            "totalResearchingQuantity": record.researching,
            "researchingQuantityBreakdown": [
                {"name": "researchingQuantityInShortTerm", "quantity": record.researching},
                {"name": "researchingQuantityInMidTerm", "quantity": 0},
                {"name": "researchingQuantityInLongTerm", "quantity": 0},
            ],
        },
        "unfulfillableQuantity": {
            "totalUnfulfillableQuantity": record.unfulfillable,
            "customerDamagedQuantity": record.unfulfillable,
            "warehouseDamagedQuantity": 0, "distributorDamagedQuantity": 0,
            "carrierDamagedQuantity": 0, "defectiveQuantity": 0, "expiredQuantity": 0,
        },
    }


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    tokens = PageTokens(context.clock, context.store.randomness, lifetime=TOKEN_LIFETIME)
    api = FbaInventory(context.store, tokens)
    registry.register("fbaInventory.getInventorySummaries", api.summaries)
    registry.register("fbaInventory.createInventoryItem", api.create_item)
    registry.register("fbaInventory.addInventory", api.add)
    registry.register("fbaInventory.deleteInventoryItem", api.delete_item)
    return api
