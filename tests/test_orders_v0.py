"""Orders API v0 over the seller's state: getOrders with its own filters, Amazon's rules on
invalid requests and its NextToken; the per-order reads with and without an RDT; confirmShipment
and updateShipmentStatus changing orders. Every answer is checked against the model.

The listing rules getOrders shares with Orders 2026-01-01 searchOrders (date windows, sorting
and paging, the status, channel and marketplace filters, the date rules, the page size, page
tokens refused or expired) are tested for both APIs in test_order_filters.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.business.entities import Order, money_str
from emulator.business.store import SellerState
from emulator.config import Settings
from emulator.harness.embedded import Running, running
from emulator.models.schemas import validator_for
from emulator.runtime import events
from emulator.runtime.events import Event
from tests.conftest import TokenSource
from tests.support import control_order

ORDERS = "/orders/v0/orders"
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
DAY = 86400.0
GENERIC = "The input you have submitted is not valid. Please check your input and try again."
UNDECODABLE = ("We could not decode your NextToken. Possible reasons include: a transmission "
               "error, improper quoting or a truncation problem.")
GET_ORDERS = "ordersV0.getOrders"


def stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def answer(server: Running, uid: str, response: httpx.Response, status: int = 200) -> Any:
    """The body of an answer, after checking its status and that the body validates against
    the schema the operation's model declares for that status."""
    assert response.status_code == status, response.text
    if status == 204:
        assert response.content == b""
        return None
    operation = server.app.models.operation(uid)
    body = response.json()
    schema = operation.responses[str(status)]["schema"]
    errors = list(validator_for(operation.model, schema).iter_errors(body))
    assert not errors, f"{uid} {status}: {errors[0].message} at {list(errors[0].absolute_path)}"
    return body


def refusal(server: Running, uid: str, response: httpx.Response, status: int = 400
            ) -> dict[str, Any]:
    """The one error of an error answer."""
    body = answer(server, uid, response, status)
    assert len(body["errors"]) == 1
    return body["errors"][0]  # type: ignore[no-any-return]


def seller_state(server: Running) -> SellerState:
    return server.app.store.of(server.app.accounts.sellers[0])


def get_orders(server: Running, client: httpx.Client, **params: Any) -> dict[str, Any]:
    params.setdefault("MarketplaceIds", US)
    body = answer(server, GET_ORDERS, client.get(ORDERS, params=params))
    return body["payload"]  # type: ignore[no-any-return]


def all_pages(server: Running, client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every page of a getOrders listing, following NextToken as clients do (the token and the
    MarketplaceIds the model requires, nothing else)."""
    pages = [get_orders(server, client, **params)]
    while "NextToken" in pages[-1]:
        assert len(pages) < 200, "the listing does not end"
        pages.append(get_orders(server, client, NextToken=pages[-1]["NextToken"],
                                MarketplaceIds=params.get("MarketplaceIds", US)))
    return pages


def ids(pages: list[dict[str, Any]]) -> list[str]:
    return [o["AmazonOrderId"] for page in pages for o in page["Orders"]]


def new_order(anonymous: httpx.Client, server: Running, **spec: Any) -> dict[str, Any]:
    return control_order(server, **spec)


def stocked_mfn_sku(state: SellerState, units: int) -> str:
    return next(x.sku for x in state.listings.values()
                if x.fulfillment == "MFN" and x.quantity >= units)


@pytest.fixture
def state(emulator: Running) -> SellerState:
    return seller_state(emulator)


@pytest.fixture(scope="module")
def private(models_dir: Path) -> Iterator[Running]:
    """An emulator of this module's own, for the test that changes orders' purchase dates."""
    with running(Settings(models_dir=models_dir, port=0, throttle="off")) as server:
        yield server


# -- getOrders: its page size and its own filters


def test_max_results_per_page_defaults_to_100(emulator: Running, client: httpx.Client,
                                              state: SellerState) -> None:
    payload = get_orders(emulator, client, CreatedAfter=stamp(state.anchor - 90 * DAY),
                         CreatedBefore=stamp(state.anchor))
    assert len(payload["Orders"]) == 100 and payload["NextToken"]


def _window(state: SellerState) -> tuple[float, float]:
    return state.anchor - 90 * DAY, state.anchor


def _email(state: SellerState) -> str:
    return state.order_list[-7].buyer_email


def _seller_order_id(state: SellerState) -> str:
    return next(o.seller_order_id for o in state.order_list[100:] if o.marketplace_id == US)


Case = Callable[[SellerState], tuple[dict[str, Any], Callable[[Order], bool]]]
FILTERS: dict[str, Case] = {
    "PaymentMethods Other": lambda s: ({"PaymentMethods": "Other"},
                                       lambda o: o.payment_method == "Other"),
    "PaymentMethods COD,CVS": lambda s: ({"PaymentMethods": "COD,CVS"},
                                         lambda o: o.payment_method in ("COD", "CVS")),
    "BuyerEmail": lambda s: ({"BuyerEmail": _email(s)}, lambda o: o.buyer_email == _email(s)),
    "SellerOrderId": lambda s: ({"SellerOrderId": _seller_order_id(s)},
                                lambda o: o.seller_order_id == _seller_order_id(s)),
    "EasyShipShipmentStatuses": lambda s: ({"EasyShipShipmentStatuses": "Delivered"},
                                           lambda o: o.easy_ship_status == "Delivered"),
    "ElectronicInvoiceStatuses": lambda s: ({"ElectronicInvoiceStatuses": "Accepted"},
                                            lambda o: o.electronic_invoice_status == "Accepted"),
    "IsISPU": lambda s: ({"IsISPU": "false"}, lambda o: not o.is_ispu),
    "StoreChainStoreId": lambda s: ({"StoreChainStoreId": "STORE-0001"},
                                    lambda o: o.store_chain_store_id == "STORE-0001"),
    "ActualFulfillmentSupplySourceId": lambda s: (
        {"ActualFulfillmentSupplySourceId": "source-1"}, lambda o: False),
    "EarliestDeliveryDate": lambda s: (
        {"EarliestDeliveryDateAfter": stamp(s.anchor - 60 * DAY),
         "EarliestDeliveryDateBefore": stamp(s.anchor - 50 * DAY)},
        lambda o: o.fulfillment == "MFN"
        and s.anchor - 60 * DAY <= o.earliest_delivery <= s.anchor - 50 * DAY),
    "LatestDeliveryDate": lambda s: (
        {"LatestDeliveryDateAfter": stamp(s.anchor - 30 * DAY)},
        lambda o: o.fulfillment == "MFN" and o.latest_delivery >= s.anchor - 30 * DAY),
    "LatestDeliveryDateBefore": lambda s: (
        {"LatestDeliveryDateBefore": stamp(s.anchor - 80 * DAY)},
        lambda o: o.fulfillment == "MFN" and o.latest_delivery <= s.anchor - 80 * DAY),
}


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter(name: str, emulator: Running, client: httpx.Client,
                     state: SellerState) -> None:
    after, before = _window(state)
    params, wanted = FILTERS[name](state)
    markets = params.get("MarketplaceIds", US).split(",")
    expected = [o.order_id for o in state.order_list if after <= o.purchase_date <= before
                and o.marketplace_id in markets and wanted(o)]
    pages = all_pages(emulator, client, CreatedAfter=stamp(after), CreatedBefore=stamp(before),
                      **params)
    assert ids(pages) == expected


def test_filters_that_find_orders_find_some(state: SellerState) -> None:
    # The filter cases above are only worth their salt where the data has matches (those
    # Orders 2026-01-01 shares are in test_order_filters.py, which checks so for each case).
    found = {name: sum(1 for o in state.order_list if FILTERS[name](state)[1](o))
             for name in ("BuyerEmail", "SellerOrderId", "EarliestDeliveryDate",
                          "LatestDeliveryDateBefore")}
    assert all(found.values()), found


def test_amazon_order_ids_need_no_dates(emulator: Running, client: httpx.Client,
                                        state: SellerState) -> None:
    us = [o for o in state.order_list if o.marketplace_id == US]
    ca = next(o for o in state.order_list if o.marketplace_id == CA)
    named = [us[500].order_id, us[3].order_id, ca.order_id, "999-9999999-9999999"]
    payload = get_orders(emulator, client, AmazonOrderIds=",".join(named))
    assert [o["AmazonOrderId"] for o in payload["Orders"]] == [us[3].order_id, us[500].order_id]
    assert "CreatedBefore" not in payload and "NextToken" not in payload


# -- getOrders: what Amazon refuses


Params = Callable[[float, float], dict[str, str]]  # (now, anchor) -> query
REFUSED: list[tuple[Params, str]] = [
    (lambda now, a: {"CreatedAfter": stamp(a - DAY), "SellerOrderId": "S-1",
                     "OrderStatuses": "Shipped", "BuyerEmail": "x@marketplace.amazon.com"},
     "If SellerOrderId is specified, then OrderStatuses, BuyerEmail cannot be specified."),
    (lambda now, a: {"LastUpdatedAfter": stamp(a - DAY), "SellerOrderId": "S-1"},
     "If SellerOrderId is specified, then LastUpdatedAfter cannot be specified."),
    (lambda now, a: {"CreatedAfter": stamp(a - DAY), "EarliestDeliveryDateAfter": stamp(a),
                     "EarliestDeliveryDateBefore": stamp(a - DAY)},
     "EarliestDeliveryDateBefore must be equal to or after EarliestDeliveryDateAfter."),
]


@pytest.mark.parametrize(("params", "details"), REFUSED)
def test_invalid_combinations(params: Params, details: str, emulator: Running,
                              client: httpx.Client, state: SellerState) -> None:
    query = params(emulator.app.clock.now(), state.anchor)
    error = refusal(emulator, GET_ORDERS, client.get(ORDERS, params={"MarketplaceIds": US,
                                                                     **query}))
    assert error == {"code": "InvalidInput", "message": GENERIC, "details": details}


def _validation(value: str, field: str, constraint: str) -> str:
    return (f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: {constraint}")


def _enum(values: str) -> str:
    return f"Member must satisfy constraint: [Member must satisfy enum value set: [{values}]]"


MODEL_ERRORS: list[tuple[dict[str, str], str]] = [
    ({"OrderStatuses": "Shipped,Lost"}, _validation("[Lost, Shipped]", "orderStatus", _enum(
        "Pending, Unshipped, PartiallyShipped, Shipped, Canceled, Unfulfillable, "
        "InvoiceUnconfirmed, PendingAvailability"))),
    ({"FulfillmentChannels": "FBA"}, _validation("[FBA]", "fulfillmentChannel",
                                                 _enum("MFN, AFN"))),
    ({"PaymentMethods": "Card"}, _validation("[Card]", "paymentMethod",
                                             _enum("COD, CVS, Other"))),
    ({"ElectronicInvoiceStatuses": "Done"}, _validation(
        "[Done]", "electronicInvoiceStatus",
        _enum("NotRequired, NotFound, Processing, Errored, Accepted"))),
    ({"EasyShipShipmentStatuses": "Gone"}, _validation(
        "[Gone]", "easyShipShipmentStatus", _enum(
            "PendingSchedule, PendingPickUp, PendingDropOff, LabelCanceled, PickedUp, "
            "DroppedOff, AtOriginFC, AtDestinationFC, Delivered, RejectedByBuyer, "
            "Undeliverable, ReturningToSeller, ReturnedToSeller, Lost, OutForDelivery, "
            "Damaged"))),
]


@pytest.mark.parametrize(("params", "message"), MODEL_ERRORS)
def test_values_outside_the_model(params: dict[str, str], message: str, emulator: Running,
                                  client: httpx.Client, state: SellerState) -> None:
    response = client.get(ORDERS, params={"MarketplaceIds": US,
                                          "CreatedAfter": stamp(state.anchor - DAY), **params})
    assert refusal(emulator, GET_ORDERS, response) == {
        "code": "InvalidInput", "message": message, "details": ""}


def test_dates_must_be_iso_8601(emulator: Running, client: httpx.Client) -> None:
    for name, value in (("CreatedAfter", "yesterday"), ("LastUpdatedAfter", "2024-13-01"),
                        ("EarliestDeliveryDateBefore", "soon")):
        params = {"MarketplaceIds": US, name: value}
        if name.startswith("Earliest"):
            params["CreatedAfter"] = "2024-01-01"
        assert refusal(emulator, GET_ORDERS, client.get(ORDERS, params=params)) == {
            "code": "InvalidInput", "message": "timestamp must follow ISO8601",
            "details": f"Invalid date-time field(s) [{name}]."}


def test_at_most_50_amazon_order_ids_and_marketplaces(emulator: Running,
                                                      client: httpx.Client) -> None:
    many = ",".join(f"111-0000000-{n:07d}" for n in range(51))
    error = refusal(emulator, GET_ORDERS, client.get(ORDERS, params={
        "MarketplaceIds": US, "AmazonOrderIds": many}))
    assert error["code"] == "InvalidInput"
    assert error["message"].startswith("Invalid query parameter 'AmazonOrderIds'")
    assert error["message"].endswith("is too long.")
    fifty = ",".join(f"111-0000000-{n:07d}" for n in range(50))
    assert get_orders(emulator, client, AmazonOrderIds=fifty)["Orders"] == []
    error = refusal(emulator, GET_ORDERS, client.get(ORDERS, params={"CreatedAfter": "2024-01-01"}))
    assert error["message"] == "Missing required query parameter 'MarketplaceIds'."


# -- NextToken


def _first_page(server: Running, client: httpx.Client, state: SellerState) -> dict[str, Any]:
    return get_orders(server, client, CreatedAfter=stamp(state.anchor - 30 * DAY),
                      CreatedBefore=stamp(state.anchor - 20 * DAY), MaxResultsPerPage=5)


def test_next_token_with_or_without_the_filters(emulator: Running, client: httpx.Client,
                                                state: SellerState) -> None:
    first = _first_page(emulator, client, state)
    token = first["NextToken"]
    alone = get_orders(emulator, client, NextToken=token)
    again = get_orders(emulator, client, NextToken=token,
                       CreatedAfter=stamp(state.anchor - 30 * DAY), MaxResultsPerPage=5)
    # A token can be used again, with the filters repeated or not. The next tokens are
    # compared by where they lead: each carries the second it was issued in (signed), and
    # the two calls may straddle a second.
    assert alone["Orders"] == again["Orders"]
    assert len(alone["Orders"]) == 5
    assert (get_orders(emulator, client, NextToken=alone["NextToken"])["Orders"]
            == get_orders(emulator, client, NextToken=again["NextToken"])["Orders"])


def test_a_token_of_another_operation_is_refused(emulator: Running, client: httpx.Client,
                                                 state: SellerState) -> None:
    # A token of another operation (getOrderItems) decodes but does not belong here.
    sku = stocked_mfn_sku(state, 40)
    big = _order_with_lines(emulator, sku, 31)
    items_token = client.get(f"{ORDERS}/{big}/orderItems").json()["payload"]["NextToken"]
    response = client.get(ORDERS, params={"MarketplaceIds": US, "NextToken": items_token})
    assert refusal(emulator, GET_ORDERS, response)["details"] == (
        "NextToken was issued for another operation, order or seller.")


def test_orders_placed_at_the_same_moment_page_without_gaps(private: Running) -> None:
    # Orders sharing a purchase time straddle page boundaries: the token must resume inside
    # the tie, neither repeating nor skipping any of them.
    state = seller_state(private)
    tied = state.order_list[200:212]
    moment = tied[0].purchase_date
    for index, order in enumerate(tied, start=200):
        order.purchase_date = moment
        state.order_times[index] = moment
    expected = [o.order_id for o in state.order_list
                if moment - DAY <= o.purchase_date <= moment + DAY and o.marketplace_id == US]
    with httpx.Client(base_url=private.base_url,
                      headers={"x-amz-access-token": TokenSource(private).seller()}) as client:
        pages = all_pages(private, client, CreatedAfter=stamp(moment - DAY),
                          CreatedBefore=stamp(moment + DAY), MaxResultsPerPage=3)
    assert ids(pages) == expected


# -- one order, its items, and PII


def _order_with_lines(server: Running, sku: str, lines: int) -> str:
    order = control_order(server, status="Unshipped", items=[{"sku": sku, "quantity": 1}] * lines)
    return order["order_id"]  # type: ignore[no-any-return]


def test_get_order_agrees_with_get_orders(emulator: Running, client: httpx.Client,
                                          state: SellerState) -> None:
    listed = get_orders(emulator, client, CreatedAfter=stamp(state.anchor - 5 * DAY),
                        CreatedBefore=stamp(state.anchor), MaxResultsPerPage=30)["Orders"]
    for order in listed:
        one = answer(emulator, "ordersV0.getOrder",
                     client.get(f"{ORDERS}/{order['AmazonOrderId']}"))["payload"]
        assert one == order


def test_order_fields_follow_the_state(emulator: Running, client: httpx.Client,
                                       state: SellerState) -> None:
    mfn = next(o for o in reversed(state.order_list)
               if o.fulfillment == "MFN" and o.status == "Shipped" and o.marketplace_id == US)
    afn = next(o for o in reversed(state.order_list) if o.fulfillment == "AFN")
    payload = answer(emulator, "ordersV0.getOrder", client.get(f"{ORDERS}/{mfn.order_id}")
                     )["payload"]
    assert payload["OrderTotal"] == {"CurrencyCode": "USD",
                                     "Amount": money_str(mfn.total, "USD")}
    assert payload["NumberOfItemsShipped"] == sum(i.quantity for i in mfn.items)
    assert payload["NumberOfItemsUnshipped"] == 0
    assert payload["PurchaseDate"] == stamp(mfn.purchase_date)
    assert payload["LastUpdateDate"] == stamp(mfn.last_update)
    assert payload["LatestShipDate"] == stamp(mfn.latest_ship)
    assert payload["SalesChannel"] == "Amazon.com" and payload["FulfillmentChannel"] == "MFN"
    assert payload["ShipmentServiceLevelCategory"] == mfn.ship_category
    afn_payload = answer(emulator, "ordersV0.getOrder",
                         client.get(f"{ORDERS}/{afn.order_id}"))["payload"]
    assert "EarliestDeliveryDate" not in afn_payload and "LatestShipDate" not in afn_payload


def test_pii_needs_a_restricted_data_token(emulator: Running, client: httpx.Client,
                                           tokens: TokenSource, state: SellerState) -> None:
    order = next(o for o in reversed(state.order_list)
                 if o.status == "Shipped" and o.marketplace_id == US)
    coarse = {"City", "StateOrRegion", "PostalCode", "CountryCode"}
    listed = get_orders(emulator, client, AmazonOrderIds=order.order_id)["Orders"][0]
    assert listed["BuyerInfo"] == {"BuyerEmail": order.buyer_email}
    assert set(listed["ShippingAddress"]) == coarse
    address = answer(emulator, "ordersV0.getOrderAddress",
                     client.get(f"{ORDERS}/{order.order_id}/address"))["payload"]
    assert set(address["ShippingAddress"]) == coarse
    buyer = answer(emulator, "ordersV0.getOrderBuyerInfo",
                   client.get(f"{ORDERS}/{order.order_id}/buyerInfo"))["payload"]
    assert buyer == {"AmazonOrderId": order.order_id, "BuyerEmail": order.buyer_email}

    rdt = tokens.rdt("GET", ORDERS, ("buyerInfo", "shippingAddress"))
    full = answer(emulator, GET_ORDERS, client.get(ORDERS, params={
        "MarketplaceIds": US, "AmazonOrderIds": order.order_id},
        headers={"x-amz-access-token": rdt}))["payload"]["Orders"][0]
    assert full["BuyerInfo"]["BuyerName"] == order.buyer_name
    assert full["ShippingAddress"]["Name"] == order.address.name
    assert full["ShippingAddress"]["AddressLine1"] == order.address.line1
    rdt = tokens.rdt("GET", f"{ORDERS}/{order.order_id}/address")
    address = answer(emulator, "ordersV0.getOrderAddress", client.get(
        f"{ORDERS}/{order.order_id}/address", headers={"x-amz-access-token": rdt}))["payload"]
    assert address["ShippingAddress"]["Phone"] == order.address.phone
    rdt = tokens.rdt("GET", f"{ORDERS}/{order.order_id}/buyerInfo")
    buyer = answer(emulator, "ordersV0.getOrderBuyerInfo", client.get(
        f"{ORDERS}/{order.order_id}/buyerInfo", headers={"x-amz-access-token": rdt}))["payload"]
    assert buyer["BuyerName"] == order.buyer_name


def test_pending_orders_have_no_address_and_no_prices(emulator: Running, client: httpx.Client,
                                                      anonymous: httpx.Client) -> None:
    order = new_order(anonymous, emulator, status="Pending")
    payload = answer(emulator, "ordersV0.getOrder",
                     client.get(f"{ORDERS}/{order['order_id']}"))["payload"]
    assert payload["OrderStatus"] == "Pending" and "ShippingAddress" not in payload
    items = answer(emulator, "ordersV0.getOrderItems",
                   client.get(f"{ORDERS}/{order['order_id']}/orderItems"))["payload"]
    assert all("ItemPrice" not in i and "IsGift" not in i for i in items["OrderItems"])


def test_order_items_follow_the_state(emulator: Running, client: httpx.Client,
                                      state: SellerState) -> None:
    order = next(o for o in reversed(state.order_list)
                 if len(o.items) > 1 and o.status == "Shipped" and o.marketplace_id == US)
    payload = answer(emulator, "ordersV0.getOrderItems",
                     client.get(f"{ORDERS}/{order.order_id}/orderItems"))["payload"]
    assert payload["AmazonOrderId"] == order.order_id and "NextToken" not in payload
    for item, line in zip(order.items, payload["OrderItems"], strict=True):
        assert (line["OrderItemId"], line["ASIN"], line["SellerSKU"], line["QuantityOrdered"],
                line["QuantityShipped"]) == (item.order_item_id, item.asin, item.sku,
                                             item.quantity, item.shipped)
        assert line["ItemPrice"] == {"CurrencyCode": "USD",
                                     "Amount": money_str(item.unit_price * item.quantity, "USD")}
        assert line["ItemTax"]["Amount"] == money_str(item.tax, "USD")
        assert line["PromotionDiscount"]["Amount"] == money_str(item.promotion_discount, "USD")
        assert line["IsGift"] in ("true", "false")


def test_order_items_page_with_next_token(emulator: Running, client: httpx.Client,
                                          state: SellerState) -> None:
    order_id = _order_with_lines(emulator, stocked_mfn_sku(state, 40), 33)
    entity = state.orders[order_id]
    for uid, path in (("ordersV0.getOrderItems", "orderItems"),
                      ("ordersV0.getOrderItemsBuyerInfo", "orderItems/buyerInfo")):
        first = answer(emulator, uid, client.get(f"{ORDERS}/{order_id}/{path}"))["payload"]
        assert len(first["OrderItems"]) == 30
        rest = answer(emulator, uid, client.get(f"{ORDERS}/{order_id}/{path}", params={
            "NextToken": first["NextToken"]}))["payload"]
        assert len(rest["OrderItems"]) == 3 and "NextToken" not in rest
        listed = [i["OrderItemId"] for i in first["OrderItems"] + rest["OrderItems"]]
        assert listed == [i.order_item_id for i in entity.items]
    # The token of one operation is not the other's.
    token = client.get(f"{ORDERS}/{order_id}/orderItems").json()["payload"]["NextToken"]
    response = client.get(f"{ORDERS}/{order_id}/orderItems/buyerInfo",
                          params={"NextToken": token})
    assert refusal(emulator, "ordersV0.getOrderItemsBuyerInfo", response)["message"] == GENERIC


UNKNOWN = "902-0000000-0000000"
PER_ORDER = [
    ("ordersV0.getOrder", "GET", ""), ("ordersV0.getOrderItems", "GET", "/orderItems"),
    ("ordersV0.getOrderAddress", "GET", "/address"),
    ("ordersV0.getOrderBuyerInfo", "GET", "/buyerInfo"),
    ("ordersV0.getOrderItemsBuyerInfo", "GET", "/orderItems/buyerInfo"),
    ("ordersV0.confirmShipment", "POST", "/shipmentConfirmation"),
    ("ordersV0.updateShipmentStatus", "POST", "/shipment"),
]


def _body(uid: str, marketplace: str = US, item: str = "1", quantity: int = 1,
          reference: str = "1", **package: Any) -> dict[str, Any]:
    if uid.endswith("updateShipmentStatus"):
        return {"marketplaceId": marketplace, "shipmentStatus": package.get("status",
                                                                            "ReadyForPickup")}
    return {"marketplaceId": marketplace, "packageDetail": {
        "packageReferenceId": reference, "carrierCode": "UPS", "trackingNumber": "1Z0001",
        "shipDate": package.get("shipDate", "2024-01-01T00:00:00Z"),
        "orderItems": [{"orderItemId": item, "quantity": quantity}],
        **{k: v for k, v in package.items() if k != "shipDate"}}}


@pytest.mark.parametrize(("uid", "method", "suffix"), PER_ORDER)
def test_unknown_orders_are_404(uid: str, method: str, suffix: str, emulator: Running,
                                client: httpx.Client) -> None:
    body = _body(uid) if method == "POST" else None
    response = client.request(method, f"{ORDERS}/{UNKNOWN}{suffix}", json=body)
    assert refusal(emulator, uid, response, 404) == {
        "code": "NotFound", "message": f"Invalid orderId '{UNKNOWN}'.", "details": ""}


# -- confirmShipment

CONFIRM = "ordersV0.confirmShipment"


def _confirm(client: httpx.Client, order_id: str, body: dict[str, Any]) -> httpx.Response:
    return client.post(f"{ORDERS}/{order_id}/shipmentConfirmation", json=body)


def test_confirm_shipment_ships_an_unshipped_mfn_order(
        emulator: Running, client: httpx.Client, anonymous: httpx.Client) -> None:
    order = new_order(anonymous, emulator, status="Unshipped", fulfillment="MFN")
    order_id, line = order["order_id"], order["items"][0]
    before = answer(emulator, "ordersV0.getOrder", client.get(f"{ORDERS}/{order_id}"))["payload"]
    assert before["OrderStatus"] == "Unshipped"
    assert before["NumberOfItemsUnshipped"] == line["quantity"]
    emulator.app.clock.advance(30)
    confirmed_at = emulator.app.clock.now()
    body = _body(CONFIRM, item=line["order_item_id"], quantity=line["quantity"], reference="7",
                 shipDate=stamp(confirmed_at), shippingMethod="Ground")
    published: list[Event] = []
    record = published.append  # one bound method, so that unsubscribe finds it
    emulator.app.events.subscribe(record, events.ORDER_CHANGED)
    try:
        answer(emulator, CONFIRM, _confirm(client, order_id, body), 204)
    finally:
        emulator.app.events.unsubscribe(record)
    assert [(e.data["order_id"], e.data["status"]) for e in published] == [(order_id, "Shipped")]
    after = answer(emulator, "ordersV0.getOrder", client.get(f"{ORDERS}/{order_id}"))["payload"]
    assert after["OrderStatus"] == "Shipped"
    assert after["NumberOfItemsShipped"] == line["quantity"]
    assert after["NumberOfItemsUnshipped"] == 0
    assert epoch(after["LastUpdateDate"]) == pytest.approx(confirmed_at, abs=2)
    assert epoch(after["LastUpdateDate"]) > epoch(before["LastUpdateDate"])
    items = answer(emulator, "ordersV0.getOrderItems",
                   client.get(f"{ORDERS}/{order_id}/orderItems"))["payload"]["OrderItems"]
    assert items[0]["QuantityShipped"] == line["quantity"]
    shipment = emulator.app.store.of(emulator.app.accounts.sellers[0]).orders[order_id].shipments
    assert [(s.package_reference_id, s.carrier, s.tracking_number, s.ship_method)
            for s in shipment] == [("7", "UPS", "1Z0001", "Ground")]
    # The same package again corrects it; a new package for a shipped order is refused.
    corrected = _body(CONFIRM, item=line["order_item_id"], quantity=line["quantity"],
                      reference="7", trackingNumber="1Z0002")
    answer(emulator, CONFIRM, _confirm(client, order_id, corrected), 204)
    assert shipment[0].tracking_number == "1Z0002"
    another = _body(CONFIRM, item=line["order_item_id"], reference="8")
    assert refusal(emulator, CONFIRM, _confirm(client, order_id, another))["message"] == (
        "Failed to create package due to not finding a matching package or order already "
        "fulfilled.")
    # Visible to getOrders by last update once two minutes have passed.
    emulator.app.clock.advance(150)
    updated = get_orders(emulator, client, LastUpdatedAfter=stamp(confirmed_at - 1))
    assert order_id in ids([updated])


def test_confirm_part_of_an_order(emulator: Running, client: httpx.Client,
                                  anonymous: httpx.Client, state: SellerState) -> None:
    sku = stocked_mfn_sku(state, 3)
    order = new_order(anonymous, emulator, status="Unshipped",
                      items=[{"sku": sku, "quantity": 3}])
    item = order["items"][0]["order_item_id"]
    answer(emulator, CONFIRM, _confirm(client, order["order_id"],
                                       _body(CONFIRM, item=item, quantity=2)), 204)
    payload = answer(emulator, "ordersV0.getOrder",
                     client.get(f"{ORDERS}/{order['order_id']}"))["payload"]
    assert (payload["OrderStatus"], payload["NumberOfItemsShipped"],
            payload["NumberOfItemsUnshipped"]) == ("PartiallyShipped", 2, 1)
    error = refusal(emulator, CONFIRM, _confirm(client, order["order_id"], _body(
        CONFIRM, item=item, quantity=2, reference="2")))
    assert error["message"] == f"Quantity 2 exceeds the 1 unshipped units of order item {item}."


def test_confirm_shipment_refusals(emulator: Running, client: httpx.Client,
                                   anonymous: httpx.Client, state: SellerState) -> None:
    unshipped = new_order(anonymous, emulator, status="Unshipped", fulfillment="MFN")
    order_id, item = unshipped["order_id"], unshipped["items"][0]["order_item_id"]
    pending = new_order(anonymous, emulator, status="Pending", fulfillment="MFN")
    afn = new_order(anonymous, emulator, status="Unshipped", fulfillment="AFN")
    cases: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        (order_id, _body(CONFIRM, item=item, reference="abc"),
         {"message": "PackageReferenceId: is invalid, must be a positive numeric value.",
          "details": ""}),
        (order_id, _body(CONFIRM, item=item, marketplace=CA),
         {"message": "Marketplace ID is not defined", "details": "1001"}),
        (order_id, _body(CONFIRM, item="nope"),
         {"message": "Invalid orderItemId 'nope' for this order.", "details": ""}),
        (order_id, _body(CONFIRM, item=item, quantity=0),
         {"message": f"Quantity 0 of order item {item} must be at least 1.", "details": ""}),
        (order_id, _body(CONFIRM, item=item, carrierCode="Other"),
         {"message": GENERIC, "details": 'carrierName is required when carrierCode is "Other".'}),
        (pending["order_id"], _body(CONFIRM, item=pending["items"][0]["order_item_id"]),
         {"message": "The order is Pending; only Unshipped or PartiallyShipped orders can be "
                     "confirmed.", "details": ""}),
        (afn["order_id"], _body(CONFIRM, item=afn["items"][0]["order_item_id"]),
         {"message": "Only merchant-fulfilled orders can be confirmed by the seller.",
          "details": ""}),
    ]
    for target, body, expected in cases:
        assert refusal(emulator, CONFIRM, _confirm(client, target, body)) == {
            "code": "InvalidInput", **expected}
    # Nothing was shipped by the refused requests.
    assert state.orders[order_id].status == "Unshipped" and not state.orders[order_id].shipments
    # The model decides the body's shape.
    error = refusal(emulator, CONFIRM, _confirm(client, order_id, {"marketplaceId": US}))
    assert "packageDetail" in error["message"]


# -- updateShipmentStatus (in-store pickup)

PICKUP = "ordersV0.updateShipmentStatus"


def _pickup(client: httpx.Client, order_id: str, status: str,
            marketplace: str = US) -> httpx.Response:
    return client.post(f"{ORDERS}/{order_id}/shipment",
                       json={"marketplaceId": marketplace, "shipmentStatus": status})


def test_in_store_pickup_lifecycle(emulator: Running, client: httpx.Client,
                                   anonymous: httpx.Client) -> None:
    created = emulator.app.clock.now()
    picked = new_order(anonymous, emulator, status="Unshipped", is_ispu=True)
    refused = new_order(anonymous, emulator, status="Unshipped", is_ispu=True)
    order_id = picked["order_id"]
    first = answer(emulator, "ordersV0.getOrder", client.get(f"{ORDERS}/{order_id}"))["payload"]
    assert first["IsISPU"] is True and first["FulfillmentChannel"] == "MFN"
    emulator.app.clock.advance(10)
    answer(emulator, PICKUP, _pickup(client, order_id, "ReadyForPickup"), 204)
    ready = answer(emulator, "ordersV0.getOrder", client.get(f"{ORDERS}/{order_id}"))["payload"]
    assert ready["OrderStatus"] == "Unshipped"
    assert epoch(ready["LastUpdateDate"]) > epoch(first["LastUpdateDate"])
    answer(emulator, PICKUP, _pickup(client, order_id, "PickedUp"), 204)
    done = answer(emulator, "ordersV0.getOrder", client.get(f"{ORDERS}/{order_id}"))["payload"]
    assert done["OrderStatus"] == "Shipped" and done["NumberOfItemsUnshipped"] == 0
    answer(emulator, PICKUP, _pickup(client, refused["order_id"], "RefusedPickup"), 204)
    canceled = answer(emulator, "ordersV0.getOrder",
                      client.get(f"{ORDERS}/{refused['order_id']}"))["payload"]
    assert canceled["OrderStatus"] == "Canceled"
    # The IsISPU and StoreChainStoreId filters find them once they are two minutes old.
    emulator.app.clock.advance(150)
    ispu = all_pages(emulator, client, CreatedAfter=stamp(created - 1), IsISPU="true")
    assert set(ids(ispu)) == {order_id, refused["order_id"]}
    store = emulator.app.store.of(emulator.app.accounts.sellers[0]).orders[order_id]
    by_store = all_pages(emulator, client, CreatedAfter=stamp(created - 1),
                         StoreChainStoreId=store.store_chain_store_id)
    assert order_id in ids(by_store)
    items = answer(emulator, "ordersV0.getOrderItems",
                   client.get(f"{ORDERS}/{order_id}/orderItems"))["payload"]["OrderItems"]
    assert items[0]["StoreChainStoreId"] == store.store_chain_store_id


def test_shipment_status_refusals(emulator: Running, client: httpx.Client,
                                  anonymous: httpx.Client) -> None:
    plain = new_order(anonymous, emulator, status="Unshipped", fulfillment="MFN")
    shipped = new_order(anonymous, emulator, status="Shipped", is_ispu=True)
    assert refusal(emulator, PICKUP, _pickup(client, plain["order_id"], "PickedUp")) == {
        "code": "InvalidInput", "details": "",
        "message": f"Order {plain['order_id']} is not an in-store pickup order; shipment "
                   "status updates apply to in-store pickup orders only."}
    assert refusal(emulator, PICKUP, _pickup(client, shipped["order_id"], "ReadyForPickup")
                   )["message"] == ("The order is Shipped; only Unshipped or PartiallyShipped "
                                    "in-store pickup orders can change their shipment status.")
    assert refusal(emulator, PICKUP, _pickup(client, shipped["order_id"], "PickedUp", CA)) == {
        "code": "InvalidInput", "message": "Marketplace ID is not defined", "details": "1001"}
    error = refusal(emulator, PICKUP, _pickup(client, plain["order_id"], "Delivered"))
    assert "shipmentStatus" in error["message"]


def test_control_plane_in_store_pickup_spec(anonymous: httpx.Client, emulator: Running) -> None:
    seller = emulator.app.accounts.sellers[0].seller_id
    for spec in ({"is_ispu": "yes"}, {"is_ispu": True, "fulfillment": "AFN"}):
        response = anonymous.post("/_emulator/orders", json={"seller_id": seller, **spec})
        assert response.status_code == 400, response.text


# -- scale


def test_a_page_of_100k_orders_pages(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=100_000)
                 ) as server:
        state = seller_state(server)  # generating 100k orders takes seconds: not timed
        assert len(state.orders) == 100_000
        with httpx.Client(base_url=server.base_url,
                          headers={"x-amz-access-token": TokenSource(server).seller()}) as client:
            start = stamp(state.anchor - 90 * DAY)
            requests: list[dict[str, Any]] = [
                {"CreatedAfter": start}, {"LastUpdatedAfter": start},
                {"CreatedAfter": start, "OrderStatuses": "Unshipped", "FulfillmentChannels": "MFN"},
                {"CreatedAfter": stamp(state.anchor - 45 * DAY), "MaxResultsPerPage": 100},
            ]
            # What a page costs at 100k orders is bench/state.py's ratio (never timed here).
            for params in requests:
                payload = get_orders(server, client, **params)
                next_page = get_orders(server, client, NextToken=payload["NextToken"])
                assert len(payload["Orders"]) == 100 and next_page["Orders"], params
