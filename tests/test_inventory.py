"""FBA Inventory API v1: summaries over the seller's FBA stock, Amazon's filter and paging
rules, the sandbox-only operations that change the stock, and orders taking stock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.config import Settings
from emulator.families.common import INVALID_TOKEN
from emulator.harness.embedded import Running, running
from emulator.models.spec import ModelSet
from emulator.runtime import events
from tests.conftest import TokenSource
from tests.support import iso, valid_body

SUMMARIES = "/fba/inventory/v1/summaries"
US, CA, DE = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1PA6795UKMFR9"


def now_of(server: Running) -> datetime:
    return server.app.clock.now_datetime()


@pytest.fixture(scope="module")
def own(models_dir: Path) -> Iterator[Running]:
    """An emulator of this module's own: its stock changes only as these tests change it."""
    with running(Settings(models_dir=models_dir, port=0, throttle="off")) as server:
        yield server


@pytest.fixture
def own_client(own: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own.base_url, timeout=30,
                      headers={"x-amz-access-token": TokenSource(own).seller()}) as http:
        yield http


def summaries(client: httpx.Client, models: ModelSet, status: int = 200,
              marketplace: str = US, **params: Any) -> Any:
    query = {"granularityType": "Marketplace", "granularityId": marketplace,
             "marketplaceIds": marketplace, **params}
    response = client.get(SUMMARIES, params=query)
    assert response.status_code == status, response.text
    return valid_body(models, "fbaInventory.getInventorySummaries", response)


def all_summaries(client: httpx.Client, models: ModelSet, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    token = None
    while True:
        body = summaries(client, models, **params, **({"nextToken": token} if token else {}))
        found += body["payload"]["inventorySummaries"]
        token = body.get("pagination", {}).get("nextToken")
        if token is None:
            return found
        assert len(body["payload"]["inventorySummaries"]) == 50


def summary_of(client: httpx.Client, models: ModelSet, sku: str) -> dict[str, Any] | None:
    found = summaries(client, models, sellerSku=sku, details="true")["payload"]
    return found["inventorySummaries"][0] if found["inventorySummaries"] else None


def test_summaries_page_through_every_record(own_client: httpx.Client, own: Running,
                                             models: ModelSet) -> None:
    state = own.app.store.of(own.app.accounts.sellers[0])
    found = all_summaries(own_client, models)
    assert [s["sellerSku"] for s in found] == sorted(state.inventory)
    first = summaries(own_client, models)
    assert first["payload"]["granularity"] == {"granularityType": "Marketplace",
                                               "granularityId": US}
    assert "inventoryDetails" not in first["payload"]["inventorySummaries"][0]
    record = state.inventory[found[0]["sellerSku"]]
    listing = state.listings[record.sku]
    assert found[0] == {
        "asin": record.asin, "fnSku": record.fnsku, "sellerSku": record.sku,
        "condition": "NewItem", "productName": listing.item_name,
        "lastUpdatedTime": iso(datetime.fromtimestamp(record.updated, UTC)),
        "totalQuantity": record.total,
    }
    # The stock is pooled per region: Canada sees the same records.
    assert all_summaries(own_client, models, marketplace=CA) == found


def test_details(own_client: httpx.Client, own: Running, models: ModelSet) -> None:
    state = own.app.store.of(own.app.accounts.sellers[0])
    record = next(r for r in state.inventory.values() if r.unfulfillable and r.reserved)
    summary = summary_of(own_client, models, record.sku)
    assert summary is not None
    details = summary["inventoryDetails"]
    assert details["fulfillableQuantity"] == record.fulfillable
    assert details["inboundWorkingQuantity"] == record.inbound_working
    assert details["inboundShippedQuantity"] == record.inbound_shipped
    assert details["inboundReceivingQuantity"] == record.inbound_receiving
    assert details["reservedQuantity"] == {
        "totalReservedQuantity": record.reserved,
        "pendingCustomerOrderQuantity": record.reserved_customer_order,
        "pendingTransshipmentQuantity": record.reserved_transshipment,
        "fcProcessingQuantity": record.reserved_fc_processing}
    assert details["unfulfillableQuantity"]["totalUnfulfillableQuantity"] == record.unfulfillable
    assert details["researchingQuantity"]["totalResearchingQuantity"] == record.researching
    parts = (details["fulfillableQuantity"] + details["inboundWorkingQuantity"]
             + details["inboundShippedQuantity"] + details["inboundReceivingQuantity"]
             + details["reservedQuantity"]["totalReservedQuantity"]
             + details["unfulfillableQuantity"]["totalUnfulfillableQuantity"]
             + details["researchingQuantity"]["totalResearchingQuantity"])
    assert summary["totalQuantity"] == parts


def test_sku_filters_and_their_precedence(own_client: httpx.Client, own: Running,
                                          models: ModelSet) -> None:
    skus = sorted(own.app.store.of(own.app.accounts.sellers[0]).inventory)
    picked = summaries(own_client, models, sellerSkus=",".join([skus[5], skus[1], "NOPE"]))
    assert [s["sellerSku"] for s in picked["payload"]["inventorySummaries"]] == [skus[1],
                                                                                skus[5]]
    one = summaries(own_client, models, sellerSku=skus[3])
    assert [s["sellerSku"] for s in one["payload"]["inventorySummaries"]] == [skus[3]]
    # sellerSkus wins over sellerSku; startDateTime wins over both.
    both = summaries(own_client, models, sellerSkus=skus[0], sellerSku=skus[3])
    assert [s["sellerSku"] for s in both["payload"]["inventorySummaries"]] == [skus[0]]
    future = iso(now_of(own) + timedelta(days=1))
    assert summaries(own_client, models, startDateTime=future,
                     sellerSkus=skus[0])["payload"]["inventorySummaries"] == []
    too_many = ",".join(f"SKU-{i}" for i in range(51))
    refused = summaries(own_client, models, 400, sellerSkus=too_many)
    assert refused["errors"][0]["code"] == "InvalidInput"


def test_start_date_time(own_client: httpx.Client, own: Running, models: ModelSet) -> None:
    state = own.app.store.of(own.app.accounts.sellers[0])
    newest = sorted(state.inventory.values(), key=lambda r: r.updated)[-3:]
    since = datetime.fromtimestamp(newest[0].updated, UTC)
    changed = all_summaries(own_client, models, startDateTime=iso(since))
    expected = {r.sku for r in state.inventory.values() if r.updated > int(since.timestamp())}
    assert {s["sellerSku"] for s in changed} == expected
    old = now_of(own) - timedelta(days=18 * 31)
    refused = summaries(own_client, models, 400, startDateTime=iso(old))
    assert refused["errors"][0]["message"] == "Query startDateTime cannot be earlier than 18 " \
                                              "months."
    assert summaries(own_client, models, startDateTime=iso(now_of(own) - timedelta(days=500)))
    bad = summaries(own_client, models, 400, startDateTime="yesterday")
    assert bad["errors"][0]["code"] == "InvalidInput"


def test_marketplace_rules(own_client: httpx.Client, models: ModelSet) -> None:
    mismatch = own_client.get(SUMMARIES, params={
        "granularityType": "Marketplace", "granularityId": CA, "marketplaceIds": US})
    body = valid_body(models, "fbaInventory.getInventorySummaries", mismatch)
    assert mismatch.status_code == 400
    assert body["errors"][0]["message"] == "Invalid request, please check your input."
    foreign = summaries(own_client, models, 400, marketplace=DE)
    assert foreign["errors"][0]["message"] == "Invalid request, please check your input."
    two = own_client.get(SUMMARIES, params={"granularityType": "Marketplace",
                                            "granularityId": US,
                                            "marketplaceIds": f"{US},{CA}"})
    assert two.status_code == 400
    assert summaries(own_client, models, 400, granularityType="Store")["errors"]


def test_next_token_is_bound_to_the_filters_and_expires(own_client: httpx.Client, own: Running,
                                                        models: ModelSet) -> None:
    token = summaries(own_client, models)["pagination"]["nextToken"]
    since = iso(now_of(own) - timedelta(days=30))
    mismatch = summaries(own_client, models, 400, startDateTime=since, nextToken=token)
    assert mismatch["errors"] == [{"code": "InvalidInput", "message": INVALID_TOKEN,
                                   "details": ""}]
    assert summaries(own_client, models, nextToken=token)["payload"]["inventorySummaries"]
    own.app.clock.advance(31)  # "The string token will expire 30 seconds after being created."
    expired = summaries(own_client, models, 400, nextToken=token)
    assert expired["errors"][0]["details"] == "The token is expired."


def test_an_order_takes_stock(own_client: httpx.Client, own: Running, models: ModelSet) -> None:
    seller = own.app.accounts.sellers[0]
    state = own.app.store.of(seller)
    sku = next(r.sku for r in sorted(state.inventory.values(), key=lambda r: r.sku)
               if r.fulfillable >= 5 and state.listings[r.sku].status[US][:1] == ["BUYABLE"])
    before = summary_of(own_client, models, sku)
    assert before is not None
    moment = now_of(own)
    created = httpx.post(f"{own.base_url}/_emulator/orders", json={
        "seller_id": seller.seller_id, "items": [{"sku": sku, "quantity": 2}]})
    assert created.status_code == 201, created.text
    after = summary_of(own_client, models, sku)
    assert after is not None
    was, now = before["inventoryDetails"], after["inventoryDetails"]
    assert now["fulfillableQuantity"] == was["fulfillableQuantity"] - 2
    assert now["reservedQuantity"]["pendingCustomerOrderQuantity"] == \
        was["reservedQuantity"]["pendingCustomerOrderQuantity"] + 2
    assert now["reservedQuantity"]["totalReservedQuantity"] == \
        was["reservedQuantity"]["totalReservedQuantity"] + 2
    assert after["totalQuantity"] == before["totalQuantity"]
    changed = all_summaries(own_client, models, startDateTime=iso(moment - timedelta(seconds=1)))
    assert sku in {s["sellerSku"] for s in changed}


def _create(client: httpx.Client, models: ModelSet, sku: str, status: int = 200,
            marketplace: str = US, name: str = "Sandbox Widget") -> Any:
    response = client.post("/fba/inventory/v1/items", json={
        "sellerSku": sku, "marketplaceId": marketplace, "productName": name})
    assert response.status_code == status, response.text
    return valid_body(models, "fbaInventory.createInventoryItem", response)


def _add(client: httpx.Client, models: ModelSet, token: str, items: list[dict[str, Any]],
         status: int = 200) -> Any:
    response = client.post("/fba/inventory/v1/items/inventory",
                           json={"inventoryItems": items},
                           headers={"x-amzn-idempotency-token": token})
    assert response.status_code == status, response.text
    return valid_body(models, "fbaInventory.addInventory", response)


def _delete(client: httpx.Client, models: ModelSet, sku: str, status: int = 200,
            marketplace: str = US) -> Any:
    response = client.delete(f"/fba/inventory/v1/items/{sku}",
                             params={"marketplaceId": marketplace})
    assert response.status_code == status, response.text
    return valid_body(models, "fbaInventory.deleteInventoryItem", response)


def test_sandbox_item_lifecycle(client: httpx.Client, emulator: Running,
                                models: ModelSet) -> None:
    seen: list[events.Event] = []
    emulator.app.events.subscribe(seen.append, events.INVENTORY_CHANGED)
    try:
        assert _create(client, models, "SBX-LIFE-1", name="Sandbox Lantern") == {}
        created = summary_of(client, models, "SBX-LIFE-1")
        assert created is not None and created["productName"] == "Sandbox Lantern"
        assert created["totalQuantity"] == 0 and created["fnSku"].startswith("X00")
        assert created["asin"].startswith("B0") and len(created["asin"]) == 10
        item = {"sellerSku": "SBX-LIFE-1", "marketplaceId": US, "quantity": 7}
        assert _add(client, models, "token-life-1", [item]) == {}
        # The same idempotency token again is a retry: nothing is added twice.
        assert _add(client, models, "token-life-1", [item]) == {}
        added = summary_of(client, models, "SBX-LIFE-1")
        assert added is not None
        assert added["inventoryDetails"]["fulfillableQuantity"] == 7
        assert added["totalQuantity"] == 7
        reused = _add(client, models, "token-life-1", [{**item, "quantity": 3}], 400)
        assert reused["errors"][0]["message"] == ("The idempotency token was already used with "
                                                  "a different request.")
        assert _delete(client, models, "SBX-LIFE-1") == {}
        assert summary_of(client, models, "SBX-LIFE-1") is None
        gone = _delete(client, models, "SBX-LIFE-1", 404)
        assert gone["errors"][0]["code"] == "NotFound"
    finally:
        emulator.app.events.unsubscribe(seen.append)
    mine = [e for e in seen if e.data["sku"] == "SBX-LIFE-1"]
    assert [e.data["change"] for e in mine] == ["created", "added", "deleted"]
    assert [e.data["fulfillable"] for e in mine] == [0, 7, 0]
    assert {e.seller_id for e in mine} == {emulator.app.accounts.sellers[0].seller_id}


def test_sandbox_refusals(client: httpx.Client, emulator: Running, models: ModelSet) -> None:
    _create(client, models, "SBX-REFUSE-1")
    again = _create(client, models, "SBX-REFUSE-1", 400)
    assert again["errors"][0]["message"] == ("An inventory item with sellerSku 'SBX-REFUSE-1' "
                                             "already exists.")
    elsewhere = _create(client, models, "SBX-REFUSE-2", 400, marketplace=DE)
    assert elsewhere["errors"][0]["message"] == "Invalid request, please check your input."
    state = emulator.app.store.of(emulator.app.accounts.sellers[0])
    merchant_sku = next(sku for sku, x in sorted(state.listings.items())
                        if x.fulfillment == "MFN")
    merchant = _create(client, models, merchant_sku, 400)
    assert merchant["errors"][0]["message"] == (f"The SKU '{merchant_sku}' is fulfilled by "
                                                "the merchant.")
    unknown = _add(client, models, "token-refuse-1", [
        {"sellerSku": "SBX-REFUSE-1", "marketplaceId": US, "quantity": 1},
        {"sellerSku": "SBX-NEVER", "marketplaceId": US, "quantity": 1}], 404)
    assert unknown["errors"][0]["code"] == "NotFound"
    zero = _add(client, models, "token-refuse-2",
                [{"sellerSku": "SBX-REFUSE-1", "marketplaceId": US, "quantity": 0}], 400)
    assert zero["errors"][0]["code"] == "InvalidInput"
    assert _add(client, models, "token-refuse-3", [], 400)["errors"]
    # All or nothing: the refused requests added no unit.
    untouched = summary_of(client, models, "SBX-REFUSE-1")
    assert untouched is not None and untouched["totalQuantity"] == 0
    missing_token = client.post("/fba/inventory/v1/items/inventory", json={"inventoryItems": [
        {"sellerSku": "SBX-REFUSE-1", "marketplaceId": US, "quantity": 1}]})
    assert missing_token.status_code == 400
    assert _delete(client, models, "SBX-REFUSE-1", 400, marketplace=DE)["errors"]


def test_a_sandbox_item_can_be_ordered(client: httpx.Client, emulator: Running,
                                       models: ModelSet) -> None:
    seller = emulator.app.accounts.sellers[0]
    _create(client, models, "SBX-ORDER-1", name="Orderable Widget")
    _add(client, models, "token-order-1",
         [{"sellerSku": "SBX-ORDER-1", "marketplaceId": US, "quantity": 4}])
    created = httpx.post(f"{emulator.base_url}/_emulator/orders", json={
        "seller_id": seller.seller_id, "items": [{"sku": "SBX-ORDER-1", "quantity": 3}]})
    assert created.status_code == 201, created.text
    assert created.json()["FulfillmentChannel"] == "AFN"
    summary = summary_of(client, models, "SBX-ORDER-1")
    assert summary is not None
    assert summary["inventoryDetails"]["fulfillableQuantity"] == 1
    assert summary["inventoryDetails"]["reservedQuantity"]["pendingCustomerOrderQuantity"] == 3
    too_many = httpx.post(f"{emulator.base_url}/_emulator/orders", json={
        "seller_id": seller.seller_id, "items": [{"sku": "SBX-ORDER-1", "quantity": 2}]})
    assert too_many.status_code == 400


def test_sandbox_mode_runs_the_dynamic_sandbox(sandbox_client: httpx.Client,
                                               models: ModelSet) -> None:
    # Amazon runs FBA Inventory in its dynamic sandbox: the sandbox changes state too.
    _create(sandbox_client, models, "SBX-DYN-1")
    _add(sandbox_client, models, "token-dyn-1",
         [{"sellerSku": "SBX-DYN-1", "marketplaceId": US, "quantity": 2}])
    summary = summary_of(sandbox_client, models, "SBX-DYN-1")
    assert summary is not None and summary["totalQuantity"] == 2
