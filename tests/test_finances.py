"""Finances API v0 and v2024-06-19: events derived from the orders, settlement groups whose
totals add up, Amazon's date and paging rules, and the two versions agreeing on every order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.business import fees
from emulator.business.entities import Order
from emulator.business.store import SellerState
from emulator.config import Settings
from emulator.families.common import INVALID_TOKEN
from emulator.families.orders import rules as order_rules
from emulator.harness.embedded import Running, running
from emulator.models.spec import ModelSet
from tests.conftest import TokenSource
from tests.support import iso, valid_body

GROUPS = "/finances/v0/financialEventGroups"
EVENTS = "/finances/v0/financialEvents"
TRANSACTIONS = "/finances/2024-06-19/transactions"
V0 = "financesV0"
US, CA, MX = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8"
DATE_RANGE_INVALID = "Date range is invalid."


@pytest.fixture(scope="module")
def own(models_dir: Path) -> Iterator[Running]:
    """An emulator of this module's own, so the books hold only what these tests put in."""
    with running(Settings(models_dir=models_dir, port=0, throttle="off")) as server:
        yield server


@pytest.fixture
def books(own: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own.base_url, timeout=60,
                      headers={"x-amz-access-token": TokenSource(own).seller()}) as http:
        yield http


def state_of(server: Running) -> SellerState:
    return server.app.store.of(server.app.accounts.sellers[0])


def ago(server: Running, **delta: float) -> str:
    return iso(server.app.clock.now_datetime() - timedelta(**delta))


def call(client: httpx.Client, models: ModelSet, path: str, uid: str, status: int = 200,
         **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    return valid_body(models, uid, response)


def groups(client: httpx.Client, models: ModelSet, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        payload = call(client, models, GROUPS, f"{V0}.listFinancialEventGroups",
                       **params)["payload"]
        found += payload["FinancialEventGroupList"]
        if "NextToken" not in payload:
            return found
        params["NextToken"] = payload["NextToken"]


def events(client: httpx.Client, models: ModelSet, path: str, uid: str,
           **params: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every event of a v0 listing, paged through, as (list name, event), in posting order
    (a page lists its shipments before its refunds)."""
    found: list[tuple[str, dict[str, Any]]] = []
    while True:
        payload = call(client, models, path, uid, **params)["payload"]
        for name, listed in payload["FinancialEvents"].items():
            found += [(name, event) for event in listed]
        if "NextToken" not in payload:
            return sorted(found, key=lambda e: (e[1]["PostedDate"], e[1]["AmazonOrderId"],
                                                e[0] == "RefundEventList"))
        params["NextToken"] = payload["NextToken"]


def order_events(client: httpx.Client, models: ModelSet,
                 order_id: str) -> list[tuple[str, dict[str, Any]]]:
    return events(client, models, f"/finances/v0/orders/{order_id}/financialEvents",
                  f"{V0}.listFinancialEventsByOrderId")


def group_events(client: httpx.Client, models: ModelSet, group_id: str,
                 **params: Any) -> list[tuple[str, dict[str, Any]]]:
    return events(client, models, f"{GROUPS}/{group_id}/financialEvents",
                  f"{V0}.listFinancialEventsByGroupId", **params)


def transactions(client: httpx.Client, models: ModelSet, checked: bool = True,
                 **params: Any) -> list[dict[str, Any]]:
    """Every transaction of a listing, paged through, in posting order. The first page is
    checked against the model unless the caller compares it with one that was (checking a
    500-transaction page takes a second)."""
    found: list[dict[str, Any]] = []
    response = client.get(TRANSACTIONS, params=params)
    assert response.status_code == 200, response.text
    payload = (valid_body(models, "finances_2024-06-19.listTransactions", response) if checked
               else response.json())["payload"]
    while True:
        found += payload["transactions"]
        if "nextToken" not in payload:
            return sorted(found, key=lambda t: (t["postedDate"],
                                                t["relatedIdentifiers"][0]["relatedIdentifierValue"],
                                                t["transactionType"] == "Refund"))
        assert len(payload["transactions"]) == 500
        response = client.get(TRANSACTIONS, params={**params, "nextToken": payload["nextToken"]})
        assert response.status_code == 200, response.text
        payload = response.json()["payload"]


def _money(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Currency of a v0 shipment or refund event: charges, fees, promotions."""
    found = []
    items = event.get("ShipmentItemList") or event.get("ShipmentItemAdjustmentList") or []
    for item in items:
        for key, field in (("ItemChargeList", "ChargeAmount"), ("ItemFeeList", "FeeAmount"),
                           ("PromotionList", "PromotionAmount"),
                           ("ItemChargeAdjustmentList", "ChargeAmount"),
                           ("ItemFeeAdjustmentList", "FeeAmount"),
                           ("PromotionAdjustmentList", "PromotionAmount")):
            found += [entry[field] for entry in item.get(key, [])]
    return found


def net(event: dict[str, Any]) -> float:
    return round(sum(money["CurrencyAmount"] for money in _money(event)), 2)


def currencies(event: dict[str, Any]) -> set[str]:
    return {money["CurrencyCode"] for money in _money(event)}


def charges(event: dict[str, Any], kind: str) -> dict[str, float]:
    """Amount by charge or fee type, summed over the event's items."""
    found: dict[str, float] = {}
    items = event.get("ShipmentItemList") or event.get("ShipmentItemAdjustmentList") or []
    for item in items:
        for entry in item.get(f"Item{kind}List", item.get(f"Item{kind}AdjustmentList", [])):
            name = entry.get("ChargeType") or entry.get("FeeType")
            value = (entry.get("ChargeAmount") or entry.get("FeeAmount"))["CurrencyAmount"]
            found[name] = round(found.get(name, 0) + value, 2)
    return found


def breakdown_sum(parts: list[dict[str, Any]]) -> float:
    return round(sum(p["breakdownAmount"]["currencyAmount"] for p in parts), 2)


def find_order(state: SellerState, test: Any) -> Order:
    return next(o for o in state.order_list if test(o))


def test_groups_add_up_and_cover_every_event(books: httpx.Client, own: Running,
                                             models: ModelSet) -> None:
    state = state_of(own)
    now = own.app.clock.now()
    listed = groups(books, models, MaxResultsPerPage=100)
    assert {g["OriginalTotal"]["CurrencyCode"] for g in listed} == {"USD", "CAD", "MXN"}
    shipments = refunds = 0
    for group in listed:
        start = datetime.fromisoformat(group["FinancialEventGroupStart"]).timestamp()
        if group["ProcessingStatus"] == "Closed":
            end = datetime.fromisoformat(group["FinancialEventGroupEnd"]).timestamp()
            assert end - start == 14 * 86400 and end <= now
            assert group["FundTransferStatus"] == "Succeeded"
            assert group["FundTransferDate"] == group["FinancialEventGroupEnd"]
            assert group["ConvertedTotal"] == group["OriginalTotal"]
        else:
            assert group["ProcessingStatus"] == "Open" and start <= now < start + 14 * 86400
            assert "FinancialEventGroupEnd" not in group and "FundTransferDate" not in group
        found = group_events(books, models, group["FinancialEventGroupId"])
        currency = group["OriginalTotal"]["CurrencyCode"]
        assert {c for _, e in found for c in currencies(e)} <= {currency}
        assert round(sum(net(e) for _, e in found), 2) == group["OriginalTotal"]["CurrencyAmount"]
        shipments += sum(1 for n, _ in found if n == "ShipmentEventList")
        refunds += sum(1 for n, _ in found if n == "RefundEventList")
    assert shipments == sum(len(o.shipments) for o in state.order_list)
    assert refunds == sum(1 for o in state.order_list if o.refunded)
    assert sum(1 for g in listed if g["ProcessingStatus"] == "Open") == len(state.markets)


def test_group_paging_and_dates(books: httpx.Client, own: Running, models: ModelSet) -> None:
    uid = f"{V0}.listFinancialEventGroups"
    everything = groups(books, models, MaxResultsPerPage=100)
    assert groups(books, models, MaxResultsPerPage=3) == everything
    assert len(call(books, models, GROUPS, uid)["payload"]["FinancialEventGroupList"]) == 10
    middle = everything[len(everything) // 2]["FinancialEventGroupStart"]
    later = groups(books, models, MaxResultsPerPage=100, FinancialEventGroupStartedAfter=middle)
    assert later == [g for g in everything if g["FinancialEventGroupStart"] >= middle]
    earlier = groups(books, models, MaxResultsPerPage=100,
                     FinancialEventGroupStartedBefore=middle)
    assert earlier + later == everything
    assert groups(books, models, MaxResultsPerPage=100,
                  FinancialEventGroupStartedAfter=ago(own, days=400),
                  FinancialEventGroupStartedBefore=ago(own, days=200)) == []
    for bad in ({"FinancialEventGroupStartedAfter": ago(own, seconds=60)},
                {"FinancialEventGroupStartedAfter": ago(own, days=2),
                 "FinancialEventGroupStartedBefore": ago(own, days=3)},
                {"FinancialEventGroupStartedBefore": ago(own, seconds=-600)}):
        refused = call(books, models, GROUPS, uid, 400, MaxResultsPerPage=100, **bad)
        assert refused["errors"][0]["message"] == DATE_RANGE_INVALID
    token = call(books, models, GROUPS, uid, MaxResultsPerPage=3)["payload"]["NextToken"]
    moved = call(books, models, GROUPS, uid, 400, MaxResultsPerPage=3, NextToken=token,
                 FinancialEventGroupStartedAfter=middle)
    assert moved["errors"][0]["message"] == INVALID_TOKEN


def test_list_financial_events_date_rules(books: httpx.Client, own: Running,
                                          models: ModelSet) -> None:
    uid = f"{V0}.listFinancialEvents"
    required = call(books, models, EVENTS, uid, 400)
    assert required == {"errors": [{"code": "InvalidInput", "message": DATE_RANGE_INVALID,
                                    "details": "PostedAfter is required."}]}
    for bad, rule in (
            ({"PostedBefore": ago(own, days=1)}, "PostedAfter is required when PostedBefore is "
                                                 "given."),
            ({"PostedAfter": ago(own, seconds=90)}, "PostedAfter must be more than two minutes "
                                                    "before the time of the request."),
            ({"PostedAfter": ago(own, days=2), "PostedBefore": ago(own, seconds=30)},
             "PostedBefore must be more than two minutes before the time of the request."),
            ({"PostedAfter": ago(own, days=2), "PostedBefore": ago(own, days=2)},
             "PostedBefore must be later than PostedAfter.")):
        refused = call(books, models, EVENTS, uid, 400, **bad)
        assert refused["errors"] == [{"code": "InvalidInput", "message": DATE_RANGE_INVALID,
                                      "details": rule}]
    wide = call(books, models, EVENTS, uid, PostedAfter=ago(own, days=200))["payload"]
    lists = models.models[V0].document["definitions"]["FinancialEvents"]["properties"]
    assert wide == {"FinancialEvents": {name: [] for name in lists}}
    month = call(books, models, EVENTS, uid, PostedAfter=ago(own, days=30))["payload"]
    assert set(month["FinancialEvents"]) == set(lists)
    assert month["FinancialEvents"]["ShipmentEventList"]


def test_list_financial_events_pages(books: httpx.Client, own: Running,
                                     models: ModelSet) -> None:
    uid = f"{V0}.listFinancialEvents"
    window = {"PostedAfter": ago(own, days=20), "PostedBefore": ago(own, days=5)}
    whole = events(books, models, EVENTS, uid, MaxResultsPerPage=100, **window)
    paged = events(books, models, EVENTS, uid, MaxResultsPerPage=7, **window)
    assert paged == whole
    posted = [e["PostedDate"] for _, e in whole]
    assert posted == sorted(posted) and window["PostedAfter"] <= posted[0]
    assert posted[-1] < window["PostedBefore"]
    state = state_of(own)
    after = datetime.fromisoformat(window["PostedAfter"]).timestamp()
    before = datetime.fromisoformat(window["PostedBefore"]).timestamp()
    assert sum(1 for n, _ in whole if n == "ShipmentEventList") == sum(
        1 for o in state.order_list for s in o.shipments if after <= s.ship_date < before)
    first = call(books, models, EVENTS, uid, MaxResultsPerPage=7, **window)["payload"]
    other = {**window, "PostedAfter": ago(own, days=21)}
    refused = call(books, models, EVENTS, uid, 400, MaxResultsPerPage=7,
                   NextToken=first["NextToken"], **other)
    assert refused["errors"][0]["message"] == INVALID_TOKEN


def test_a_shipment_event_is_its_order(books: httpx.Client, own: Running,
                                       models: ModelSet) -> None:
    state = state_of(own)
    for fulfillment in ("AFN", "MFN"):
        order = find_order(state, lambda o, f=fulfillment: o.fulfillment == f and not o.refunded
                           and len(o.shipments) == 1 and any(i.promotion_discount
                                                             for i in o.items)
                           and (f == "AFN" or any(i.shipping_price for i in o.items)))
        found = order_events(books, models, order.order_id)
        assert [name for name, _ in found] == ["ShipmentEventList"]
        event = found[0][1]
        assert event["AmazonOrderId"] == order.order_id
        assert event["MarketplaceName"] == order.sales_channel
        assert event["PostedDate"] == iso(datetime.fromtimestamp(order.shipments[0].ship_date,
                                                                 UTC))
        by_item = {i["OrderItemId"]: i for i in event["ShipmentItemList"]}
        assert set(by_item) == {i.order_item_id for i in order.items}
        for item in order.items:
            shipped = by_item[item.order_item_id]
            assert shipped["SellerSKU"] == item.sku
            assert shipped["QuantityShipped"] == item.quantity
            listed = {c["ChargeType"]: c["ChargeAmount"]["CurrencyAmount"]
                      for c in shipped["ItemChargeList"]}
            # Tax-inclusive prices (VAT: every marketplace but the US and Canada) have their
            # tax split out: Principal and ShippingCharge are then net of it.
            inside = order.tax_included
            assert listed == {"Principal": (item.item_price - inside * item.tax) / 100,
                              "Tax": item.tax / 100,
                              "ShippingCharge": (item.shipping_price
                                                 - inside * item.shipping_tax) / 100,
                              "ShippingTax": item.shipping_tax / 100}
            catalog = state.catalog[item.asin]
            unit = fees.fees_for(catalog, catalog.product_type, item.unit_price, order.currency,
                                 fulfillment == "AFN")
            expected = {"Commission": -unit.referral * item.quantity / 100}
            if fulfillment == "AFN":
                expected["FBAPerUnitFulfillmentFee"] = -unit.fba * item.quantity / 100
            assert {f["FeeType"]: f["FeeAmount"]["CurrencyAmount"]
                    for f in shipped["ItemFeeList"]} == expected
            promotions = [p["PromotionAmount"]["CurrencyAmount"]
                          for p in shipped.get("PromotionList", [])]
            assert promotions == ([-item.promotion_discount / 100]
                                  if item.promotion_discount else [])
        assert net(event) == round((order.total - sum(
            fees.fees_for(state.catalog[i.asin], state.catalog[i.asin].product_type,
                          i.unit_price, order.currency, fulfillment == "AFN").total * i.quantity
            for i in order.items)) / 100, 2)


def test_orders_without_shipments_have_no_events(books: httpx.Client, own: Running,
                                                 models: ModelSet) -> None:
    state = state_of(own)
    for status in ("Canceled", "Unshipped"):
        order = find_order(state, lambda o, s=status: o.status == s)
        assert order_events(books, models, order.order_id) == []
    assert order_events(books, models, "111-1111111-1111111") == []


def test_a_refund_shows_in_both_apis(books: httpx.Client, own: Running,
                                     models: ModelSet) -> None:
    state = state_of(own)
    order = find_order(state, lambda o: o.refunded and o.fulfillment == "AFN")
    found = order_events(books, models, order.order_id)
    assert [n for n, _ in found] == ["ShipmentEventList"] * len(order.shipments) + [
        "RefundEventList"]
    sold = [e for n, e in found if n == "ShipmentEventList"]
    refund = found[-1][1]
    assert refund["PostedDate"] >= sold[-1]["PostedDate"]
    given_back = charges(refund, "Charge")
    for kind in ("Principal", "Tax", "ShippingCharge", "ShippingTax"):
        assert given_back[kind] == -round(sum(charges(e, "Charge")[kind] for e in sold), 2)
    refund_fees = charges(refund, "Fee")
    commission = round(sum(charges(e, "Fee")["Commission"] for e in sold), 2)
    assert refund_fees["Commission"] == -commission
    cap = sum(i.shipped for i in order.items) * 5.0
    assert refund_fees["RefundCommission"] == -min(round(-commission * 0.2, 2), cap)
    assert "FBAPerUnitFulfillmentFee" not in refund_fees  # Amazon keeps the FBA fee
    adjustment = refund["ShipmentItemAdjustmentList"][0]
    assert adjustment["OrderAdjustmentItemId"].isdigit()
    listed = transactions(books, models, relatedIdentifierName="ORDER_ID",
                          relatedIdentifierValue=order.order_id)
    assert [(t["transactionType"], t["description"]) for t in listed] == [
        ("Shipment", "Order Payment")] * len(sold) + [("Refund", "Refund Order")]
    assert [t["totalAmount"]["currencyAmount"] for t in listed] == [net(e) for _, e in found]
    assert [t["postedDate"] for t in listed] == [e["PostedDate"] for _, e in found]
    item = listed[-1]["items"][0]
    assert item["relatedIdentifiers"] == [{
        "itemRelatedIdentifierName": "ORDER_ADJUSTMENT_ITEM_ID",
        "itemRelatedIdentifierValue": adjustment["OrderAdjustmentItemId"]}]


def test_transactions_agree_with_financial_events(books: httpx.Client, own: Running,
                                                  models: ModelSet) -> None:
    window = {"PostedAfter": ago(own, days=40), "PostedBefore": ago(own, days=10)}
    v0 = events(books, models, EVENTS, f"{V0}.listFinancialEvents", MaxResultsPerPage=100,
                **window)
    listed = transactions(books, models, postedAfter=window["PostedAfter"],
                          postedBefore=window["PostedBefore"])
    assert len(listed) == len(v0) > 100
    for (name, event), transaction in zip(v0, listed, strict=True):
        assert transaction["relatedIdentifiers"][0] == {
            "relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": event["AmazonOrderId"]}
        assert transaction["transactionType"] == ("Shipment" if name == "ShipmentEventList"
                                                  else "Refund")
        assert transaction["postedDate"] == event["PostedDate"]
        total = transaction["totalAmount"]["currencyAmount"]
        # Charges minus fees (and discounts) of the v0 event: the transaction's total.
        assert total == net(event)
        assert breakdown_sum(transaction["breakdowns"]) == total
        assert round(sum(i["totalAmount"]["currencyAmount"] for i in transaction["items"]),
                     2) == total
        sales = transaction["breakdowns"][0]
        assert sales["breakdownType"] == "Sales"
        assert breakdown_sum(sales["breakdowns"]) == sales["breakdownAmount"]["currencyAmount"]
        fee_kinds = charges(event, "Fee")
        expenses = transaction["breakdowns"][1]["breakdowns"][0]
        assert {b["breakdownType"]: b["breakdownAmount"]["currencyAmount"]
                for b in expenses["breakdowns"]} == fee_kinds


def test_transaction_filters(books: httpx.Client, own: Running, models: ModelSet) -> None:
    uid = "finances_2024-06-19.listTransactions"
    assert call(books, models, TRANSACTIONS, uid, 400) == {"errors": [{
        "code": "InvalidInput", "message": "Start date cannot be null",
        "details": "Start date cannot be null"}]}
    since = ago(own, days=100)
    everything = transactions(books, models, postedAfter=since)
    assert len(everything) > 500  # two pages at least
    ids = [t["transactionId"] for t in everything]
    assert len(set(ids)) == len(ids)
    canada = transactions(books, models, False, postedAfter=since, marketplaceId=CA)
    assert canada == [t for t in everything if t["marketplaceDetails"]["marketplaceId"] == CA]
    assert {t["totalAmount"]["currencyCode"] for t in canada} == {"CAD"}
    # Amazon: to see US merchant-fulfilled orders, leave marketplaceId out.
    us = transactions(books, models, False, postedAfter=since, marketplaceId=US)
    assert us == [t for t in everything if t["marketplaceDetails"]["marketplaceId"] == US
                  and t["items"][0]["contexts"][0]["fulfillmentNetwork"] == "AFN"]
    assert any(t["items"][0]["contexts"][0]["fulfillmentNetwork"] == "MFN"
               and t["marketplaceDetails"]["marketplaceId"] == US for t in everything)
    assert transactions(books, models, postedAfter=since, transactionStatus="DEFERRED") == []
    assert transactions(books, models, False, postedAfter=since,
                        transactionStatus="RELEASED") == everything
    half = call(books, models, TRANSACTIONS, uid, 400, relatedIdentifierName="ORDER_ID")
    assert half == {"errors": [{"code": "InvalidInput", "message": "relatedIdentifierName and "
                                "relatedIdentifierValue go together.",
                                "details": "Give both, or neither."}]}
    other = call(books, models, TRANSACTIONS, uid, 400, relatedIdentifierName="SHIPMENT_ID",
                 relatedIdentifierValue="1")
    assert other["errors"][0]["message"] == "Invalid relatedIdentifierName 'SHIPMENT_ID'."
    first = books.get(TRANSACTIONS, params={"postedAfter": since}).json()["payload"]
    refused = call(books, models, TRANSACTIONS, uid, 400, postedAfter=since, marketplaceId=CA,
                   nextToken=first["nextToken"])
    assert refused["errors"][0]["message"] == INVALID_TOKEN
    assert transactions(books, models, postedAfter=ago(own, days=300),
                        postedBefore=ago(own, days=100)) == []


def test_transactions_of_a_group(books: httpx.Client, own: Running, models: ModelSet) -> None:
    closed = [g for g in groups(books, models, MaxResultsPerPage=100)
              if g["ProcessingStatus"] == "Closed" and g["OriginalTotal"]["CurrencyCode"] == "USD"]
    group = closed[len(closed) // 2]
    listed = transactions(books, models, relatedIdentifierName="FINANCIAL_EVENT_GROUP_ID",
                          relatedIdentifierValue=group["FinancialEventGroupId"])
    assert listed and all(t["relatedIdentifiers"][1]["relatedIdentifierValue"]
                          == group["FinancialEventGroupId"] for t in listed)
    assert round(sum(t["totalAmount"]["currencyAmount"] for t in listed), 2) == \
        group["OriginalTotal"]["CurrencyAmount"]
    assert len(listed) == len(group_events(books, models, group["FinancialEventGroupId"]))
    assert transactions(books, models, relatedIdentifierName="FINANCIAL_EVENT_GROUP_ID",
                        relatedIdentifierValue="NoSuchGroup") == []


def test_group_events_dates_and_unknown_groups(books: httpx.Client, own: Running,
                                               models: ModelSet) -> None:
    uid = f"{V0}.listFinancialEventsByGroupId"
    group = groups(books, models, MaxResultsPerPage=100)[3]
    whole = group_events(books, models, group["FinancialEventGroupId"])
    middle = whole[len(whole) // 2][1]["PostedDate"]
    later = group_events(books, models, group["FinancialEventGroupId"], PostedAfter=middle)
    assert later == [(n, e) for n, e in whole if e["PostedDate"] >= middle]
    assert group_events(books, models, group["FinancialEventGroupId"], MaxResultsPerPage=9,
                        PostedAfter=ago(own, days=150), PostedBefore=middle) == [
        (n, e) for n, e in whole if e["PostedDate"] < middle]
    path = f"{GROUPS}/{group['FinancialEventGroupId']}/financialEvents"
    refused = call(books, models, path, uid, 400, PostedBefore=middle)
    assert refused["errors"][0]["details"] == ("PostedAfter is required when PostedBefore is "
                                               "given.")
    unknown = call(books, models, f"{GROUPS}/NoSuchGroup/financialEvents", uid, 400)
    assert unknown["errors"][0]["message"] == "Bad event group ID provided."


def test_a_new_order_posts_when_it_ships(books: httpx.Client, own: Running,
                                         models: ModelSet) -> None:
    seller = own.app.accounts.sellers[0]
    before = {g["FinancialEventGroupId"]: g for g in groups(books, models, MaxResultsPerPage=100)}
    created = httpx.post(f"{own.base_url}/_emulator/orders", json={
        "seller_id": seller.seller_id, "status": "Shipped", "fulfillment": "AFN",
        "marketplace_id": US})
    assert created.status_code == 201, created.text
    order_id = created.json()["AmazonOrderId"]
    found = order_events(books, models, order_id)
    assert [n for n, _ in found] == ["ShipmentEventList"]
    related = {"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": order_id}
    # Date ranges end two minutes before the request by default: not listed yet.
    assert transactions(books, models, **related) == []
    own.app.clock.advance(180)
    listed = transactions(books, models, **related)
    assert [t["totalAmount"]["currencyAmount"] for t in listed] == [net(found[0][1])]
    group_id = listed[0]["relatedIdentifiers"][1]["relatedIdentifierValue"]
    after = {g["FinancialEventGroupId"]: g for g in groups(books, models, MaxResultsPerPage=100)}
    assert after[group_id]["ProcessingStatus"] == "Open"
    assert round(after[group_id]["OriginalTotal"]["CurrencyAmount"]
                 - before[group_id]["OriginalTotal"]["CurrencyAmount"], 2) == net(found[0][1])
    cancelled = httpx.post(f"{own.base_url}/_emulator/orders", json={
        "seller_id": seller.seller_id, "status": "Canceled"})
    assert order_events(books, models, cancelled.json()["AmazonOrderId"]) == []


def test_partial_shipments_share_the_line(books: httpx.Client, own: Running,
                                          models: ModelSet) -> None:
    state = state_of(own)
    listing = next(x for _, x in sorted(state.listings.items()) if x.fulfillment == "MFN"
                   and x.quantity >= 3 and "BUYABLE" in x.status[US])
    created = httpx.post(f"{own.base_url}/_emulator/orders", json={
        "seller_id": state.seller_id, "status": "Unshipped", "marketplace_id": US,
        "items": [{"sku": listing.sku, "quantity": 3}]})
    assert created.status_code == 201, created.text
    order = state.orders[created.json()["AmazonOrderId"]]
    item = order.items[0]
    for package, units in (("P-1", 1), ("P-2", 2)):
        order_rules.confirm_shipment(own.app.store, state, order, package_reference_id=package,
                                     carrier="UPS", tracking_number=f"1Z{package}",
                                     ship_date=own.app.clock.now(),
                                     items=[(item.order_item_id, units)])
    found = order_events(books, models, order.order_id)
    assert [n for n, _ in found] == ["ShipmentEventList"] * 2
    parts = [charges(e, "Charge") for _, e in found]
    assert [p["Principal"] for p in parts] == [item.unit_price / 100, 2 * item.unit_price / 100]
    for kind, whole in (("Tax", item.tax), ("ShippingCharge", item.shipping_price),
                        ("ShippingTax", item.shipping_tax)):
        assert round(sum(p[kind] for p in parts), 2) == whole / 100
    assert [e["ShipmentItemList"][0]["QuantityShipped"] for _, e in found] == [1, 2]
    own.app.clock.advance(180)
    group_id = transactions(books, models, relatedIdentifierName="ORDER_ID",
                            relatedIdentifierValue=order.order_id)[0]["relatedIdentifiers"][1][
        "relatedIdentifierValue"]
    group = next(g for g in groups(books, models, MaxResultsPerPage=100)
                 if g["FinancialEventGroupId"] == group_id)
    assert round(sum(net(e) for _, e in group_events(books, models, group_id)), 2) == \
        group["OriginalTotal"]["CurrencyAmount"]


def test_yen_amounts_are_whole(emulator: Running, models: ModelSet) -> None:
    app = emulator.app
    japan = app.accounts.seller("A9R0WYOJFLJOOA")
    assert japan is not None
    token = app.tokens.issue_access(app.accounts.apps[0], japan)
    with httpx.Client(base_url=emulator.base_url, timeout=60,
                      headers={"x-amz-access-token": token}) as client:
        listed = transactions(client, models, postedAfter=ago(emulator, days=10))
    jpy = [t for t in listed if t["totalAmount"]["currencyCode"] == "JPY"]
    assert jpy and all(isinstance(t["totalAmount"]["currencyAmount"], int) for t in jpy)


def _answers(models_dir: Path) -> list[Any]:
    with running(Settings(models_dir=models_dir, port=0, throttle="off")) as server:
        headers = {"x-amz-access-token": TokenSource(server).seller()}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client:
            anchor = datetime.fromtimestamp(state_of(server).anchor, UTC)
            listed = client.get(GROUPS, params={"MaxResultsPerPage": 100}).json()
            group = listed["payload"]["FinancialEventGroupList"][4]["FinancialEventGroupId"]
            answers = [listed, client.get(f"{GROUPS}/{group}/financialEvents").json()]
            for path, params in ((TRANSACTIONS, {"postedAfter": iso(anchor - timedelta(10))}),
                                 (EVENTS, {"PostedAfter": iso(anchor - timedelta(10))}),
                                 ("/fba/inventory/v1/summaries", {
                                     "granularityType": "Marketplace", "granularityId": US,
                                     "marketplaceIds": US, "details": "true"})):
                body = client.get(path, params=params).json()
                for container in (body["payload"], body):  # tokens carry their issue time
                    for token in ("nextToken", "NextToken", "pagination"):
                        container.pop(token, None)
                answers.append(body)
            return answers


def test_same_seed_same_books_and_stock(models_dir: Path) -> None:
    assert _answers(models_dir) == _answers(models_dir)
