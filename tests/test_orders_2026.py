"""Orders API 2026-01-01 over the same orders as Orders v0: searchOrders' own rules and
paginationToken, getOrder with includedData, and both APIs agreeing on every order, new orders
and confirmed shipments included. Every answer is checked against the model.

The listing rules searchOrders shares with Orders v0 getOrders (date windows, sorting and
paging, the status, channel and marketplace filters, the date rules, the page size, page tokens
refused or expired) are tested for both APIs in test_order_filters.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.business.entities import money_str
from emulator.business.store import SellerState
from emulator.harness.embedded import Running
from tests.test_orders_v0 import (
    CA,
    DAY,
    ORDERS,
    US,
    all_pages,
    answer,
    epoch,
    get_orders,
    ids,
    new_order,
    refusal,
    seller_state,
    stamp,
)

SEARCH = "/orders/2026-01-01/orders"
SEARCH_UID = "orders_2026-01-01.searchOrders"
GET_UID = "orders_2026-01-01.getOrder"
MX = "A1AM78C64UM0Y8"
INVALID_TOKEN = ("The paginationToken you have submitted is not valid. All parameters must "
                 "match the original request except maxResultsPerPage.")
ALL_DATA = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES"
STATUS = {"Pending": "PENDING", "Unshipped": "UNSHIPPED", "PartiallyShipped": "PARTIALLY_SHIPPED",
          "Shipped": "SHIPPED", "Canceled": "CANCELLED"}


def search(server: Running, client: httpx.Client, **params: Any) -> dict[str, Any]:
    return answer(server, SEARCH_UID, client.get(SEARCH, params=params))  # type: ignore[no-any-return]


def search_all(server: Running, client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every page, sending the same parameters with each paginationToken, as Amazon wants."""
    pages = [search(server, client, **params)]
    while "pagination" in pages[-1]:
        assert len(pages) < 200, "the listing does not end"
        pages.append(search(server, client, **params,
                            paginationToken=pages[-1]["pagination"]["nextToken"]))
    return pages


def order_ids(pages: list[dict[str, Any]]) -> list[str]:
    return [o["orderId"] for page in pages for o in page["orders"]]


def get_order(server: Running, client: httpx.Client, order_id: str,
              included: str | None = None) -> dict[str, Any]:
    params = {"includedData": included} if included else {}
    return answer(server, GET_UID, client.get(f"{SEARCH}/{order_id}", params=params)  # type: ignore[no-any-return]
                  )["order"]


@pytest.fixture
def state(emulator: Running) -> SellerState:
    return seller_state(emulator)


# -- searchOrders


def test_values_outside_the_model(emulator: Running, client: httpx.Client,
                                  state: SellerState) -> None:
    start = stamp(state.anchor - DAY)
    for params in ({"fulfillmentStatuses": "LOST"}, {"fulfilledBy": "PARTNER"},
                   {"includedData": "EVERYTHING"}):
        error = refusal(emulator, SEARCH_UID, client.get(SEARCH, params={
            "createdAfter": start, **params}))
        name = next(iter(params))
        assert error["message"].startswith(f"Invalid query parameter '{name}'"), error
    error = refusal(emulator, SEARCH_UID, client.get(SEARCH, params={"createdAfter": "soon"}))
    assert error["message"] == "Invalid query parameter 'createdAfter': 'soon' is not a " \
                               "'date-time'."


def test_included_data_decides_what_an_order_shows(emulator: Running, client: httpx.Client,
                                                   state: SellerState) -> None:
    order = next(o for o in reversed(state.order_list)  # a generated order, days old
                 if o.status == "Shipped" and o.fulfillment == "MFN"
                 and o.purchase_date < state.anchor)
    window = {"createdAfter": stamp(order.purchase_date - 1),
              "createdBefore": stamp(order.purchase_date + 1)}
    basic = next(o for o in search(emulator, client, **window)["orders"]
                 if o["orderId"] == order.order_id)
    assert set(basic) == {"orderId", "orderAliases", "createdTime", "lastUpdatedTime",
                          "programs", "salesChannel", "orderItems"}
    assert {key for item in basic["orderItems"] for key in item} == {
        "orderItemId", "quantityOrdered", "product"}
    for dataset, keys, item_keys in (("BUYER", {"buyer"}, set()),
                                     ("RECIPIENT", {"recipient"}, set()),
                                     ("PROCEEDS", {"proceeds"}, {"proceeds"}),
                                     ("FULFILLMENT", {"fulfillment"}, {"fulfillment"}),
                                     ("PACKAGES", {"packages"}, set())):
        found = get_order(emulator, client, order.order_id, dataset)
        assert set(found) == set(basic) | keys, dataset
        assert {k for item in found["orderItems"] for k in item} == {
            "orderItemId", "quantityOrdered", "product"} | item_keys, dataset
    full = get_order(emulator, client, order.order_id, ALL_DATA)
    assert full["buyer"]["buyerName"] == order.buyer_name
    assert full["buyer"]["buyerEmail"] == order.buyer_email  # a merchant-fulfilled order
    assert full["recipient"]["deliveryAddress"]["addressLine1"] == order.address.line1
    assert full["proceeds"]["grandTotal"] == {"amount": money_str(order.total, order.currency),
                                              "currencyCode": order.currency}
    assert full["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert full["fulfillment"]["fulfilledBy"] == "MERCHANT"
    assert [p["trackingNumber"] for p in full["packages"]] == [
        s.tracking_number for s in order.shipments]


def test_get_order_agrees_with_search_orders(emulator: Running, client: httpx.Client,
                                             state: SellerState) -> None:
    listed = search(emulator, client, createdAfter=stamp(state.anchor - 6 * DAY),
                    createdBefore=stamp(state.anchor), includedData=ALL_DATA,
                    maxResultsPerPage=25)["orders"]
    for order in listed:
        assert get_order(emulator, client, order["orderId"], ALL_DATA) == order


def test_unknown_order_is_404(emulator: Running, client: httpx.Client) -> None:
    response = client.get(f"{SEARCH}/902-0000000-0000001")
    assert refusal(emulator, GET_UID, response, 404) == {
        "code": "NotFound", "message": "Invalid orderId '902-0000000-0000001'.", "details": ""}


# -- paginationToken


def _window(state: SellerState) -> dict[str, str]:
    return {"createdAfter": stamp(state.anchor - 30 * DAY),
            "createdBefore": stamp(state.anchor - 25 * DAY), "maxResultsPerPage": "5"}


def test_token_needs_the_original_parameters(emulator: Running, client: httpx.Client,
                                             state: SellerState) -> None:
    # With other parameters, see test_order_filters.py; unlike Orders v0, the token alone is
    # not enough either.
    params = _window(state)
    token = search(emulator, client, **params)["pagination"]["nextToken"]
    alone = client.get(SEARCH, params={"paginationToken": token})
    assert refusal(emulator, SEARCH_UID, alone)["message"] == INVALID_TOKEN
    # A token of Orders v0 is not one of this API.
    v0_token = get_orders(emulator, client, CreatedAfter=params["createdAfter"],
                          MaxResultsPerPage=1)["NextToken"]
    response = client.get(SEARCH, params={**params, "paginationToken": v0_token})
    assert refusal(emulator, SEARCH_UID, response)["message"] == INVALID_TOKEN


# -- both APIs, one business


def _agree(v0: dict[str, Any], new: dict[str, Any]) -> None:
    """One order as Orders v0 and as Orders 2026-01-01 (with every dataset) show it."""
    assert new["orderId"] == v0["AmazonOrderId"]
    assert new["createdTime"] == v0["PurchaseDate"]
    assert new["lastUpdatedTime"] == v0["LastUpdateDate"]
    assert new["salesChannel"]["marketplaceId"] == v0["MarketplaceId"]
    assert new["salesChannel"]["marketplaceName"] == v0["SalesChannel"]
    assert new["fulfillment"]["fulfillmentStatus"] == STATUS[v0["OrderStatus"]]
    assert new["fulfillment"]["fulfilledBy"] == {"MFN": "MERCHANT", "AFN": "AMAZON"}[
        v0["FulfillmentChannel"]]
    assert new["orderAliases"] == [{"aliasId": v0["SellerOrderId"],
                                    "aliasType": "SELLER_ORDER_ID"}]
    assert ("PRIME" in new["programs"]) == v0["IsPrime"]
    shipped = sum(i["fulfillment"]["quantityFulfilled"] for i in new["orderItems"])
    unshipped = sum(i["fulfillment"]["quantityUnfulfilled"] for i in new["orderItems"])
    assert (shipped, unshipped) == (v0["NumberOfItemsShipped"], v0["NumberOfItemsUnshipped"])
    if "OrderTotal" in v0 and v0["OrderStatus"] != "Pending":
        assert new["proceeds"]["grandTotal"] == {"amount": v0["OrderTotal"]["Amount"],
                                                 "currencyCode": v0["OrderTotal"]["CurrencyCode"]}


def test_both_apis_list_the_same_orders_alike(emulator: Running, client: httpx.Client,
                                              state: SellerState) -> None:
    after, before = stamp(state.anchor - 12 * DAY), stamp(state.anchor)
    old = [o for p in all_pages(emulator, client, CreatedAfter=after, CreatedBefore=before,
                                MarketplaceIds=f"{US},{CA},{MX}") for o in p["Orders"]]
    new = [o for p in search_all(emulator, client, createdAfter=after, createdBefore=before,
                                 includedData=ALL_DATA) for o in p["orders"]]
    assert [o["AmazonOrderId"] for o in old] == [o["orderId"] for o in new]
    assert {o["OrderStatus"] for o in old} >= {"Shipped", "Unshipped", "Canceled"}
    for v0, v2026 in zip(old, new, strict=True):
        _agree(v0, v2026)


def test_a_new_order_shows_in_both_apis(emulator: Running, client: httpx.Client,
                                        anonymous: httpx.Client) -> None:
    created = emulator.app.clock.now()
    order_id = new_order(anonymous, emulator, status="Unshipped")["order_id"]
    # getOrder finds it at once; the listings show orders two minutes after the fact.
    v0 = answer(emulator, "ordersV0.getOrder", client.get(f"{ORDERS}/{order_id}"))["payload"]
    _agree(v0, get_order(emulator, client, order_id, ALL_DATA))
    window = stamp(created - 300)
    assert order_id not in ids([get_orders(emulator, client, CreatedAfter=window)])
    assert order_id not in order_ids([search(emulator, client, createdAfter=window)])
    emulator.app.clock.advance(125)
    assert order_id in ids(all_pages(emulator, client, CreatedAfter=window))
    assert order_id in order_ids(search_all(emulator, client, createdAfter=window))


def test_a_confirmed_shipment_shows_in_both_apis(emulator: Running, client: httpx.Client,
                                                 anonymous: httpx.Client) -> None:
    order = new_order(anonymous, emulator, status="Unshipped", fulfillment="MFN")
    order_id, line = order["order_id"], order["items"][0]
    before = get_order(emulator, client, order_id, "FULFILLMENT,PACKAGES")
    assert before["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED" and "packages" not in before
    emulator.app.clock.advance(20)
    confirmed_at = emulator.app.clock.now()
    response = client.post(f"{ORDERS}/{order_id}/shipmentConfirmation", json={
        "marketplaceId": US, "packageDetail": {
            "packageReferenceId": "3", "carrierCode": "USPS", "trackingNumber": "9400100",
            "shipDate": stamp(confirmed_at), "shippingMethod": "Priority Mail",
            "orderItems": [{"orderItemId": line["order_item_id"],
                            "quantity": line["quantity"]}]}})
    answer(emulator, "ordersV0.confirmShipment", response, 204)
    after = get_order(emulator, client, order_id, ALL_DATA)
    assert after["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert epoch(after["lastUpdatedTime"]) == pytest.approx(confirmed_at, abs=2)
    assert after["packages"] == [{
        "packageReferenceId": "3", "createdTime": stamp(confirmed_at),
        "packageStatus": {"status": "SHIPPED"}, "carrier": "USPS",
        "shipTime": stamp(confirmed_at), "shippingService": "Priority Mail",
        "trackingNumber": "9400100",
        "packageItems": [{"orderItemId": line["order_item_id"], "quantity": line["quantity"]}]}]
    _agree(answer(emulator, "ordersV0.getOrder", client.get(f"{ORDERS}/{order_id}"))["payload"],
           after)
    emulator.app.clock.advance(125)
    updated = search_all(emulator, client, lastUpdatedAfter=stamp(confirmed_at - 1),
                         fulfillmentStatuses="SHIPPED")
    assert order_id in order_ids(updated)


def test_a_marketplace_of_another_region_is_403(emulator: Running, client: httpx.Client) -> None:
    # Amazon's answer on this API to a marketplace of another region (models#5126); Orders v0
    # answers 400 InvalidInput (test_order_filters.py).
    response = client.get(SEARCH, params={"createdAfter": "2026-01-01T00:00:00Z",
                                          "marketplaceIds": "A1PA6795UKMFR9"})
    assert refusal(emulator, SEARCH_UID, response, 403) == {
        "code": "Unauthorized", "message": "Access to requested resource is denied.",
        "details": "The marketplaces you provided are not valid for region."}
    v0 = client.get(ORDERS, params={"CreatedAfter": "2026-01-01T00:00:00Z",
                                    "MarketplaceIds": "A1PA6795UKMFR9"})
    assert v0.status_code == 400 and "does not sell in A1PA6795UKMFR9" in v0.text

