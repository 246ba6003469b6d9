"""Report documents over HTTP: each generated report type's exact header, rows that agree with
the seller's listings, orders and inventory, the JSON report against Amazon's schema, gzip
above the size threshold, and the charset of each marketplace's flat files.

One emulator of its own: `--lifecycle instant` (a report is done when createReport answers)
and 6,000 orders per seller, enough for an orders report past the gzip threshold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from emulator.business.entities import money_str
from emulator.business.store import SellerState
from emulator.config import Settings
from emulator.harness.embedded import Running, running
from tests.conftest import TokenSource
from tests.test_reports import BASE, CA, JP, MX, US, Reports, iso, reports_of, seller_token

DE = "A1PA6795UKMFR9"
DAY = 86400.0
ALL_LISTINGS = [
    "item-name", "item-description", "listing-id", "seller-sku", "price", "quantity",
    "open-date", "image-url", "item-is-marketplace", "product-id-type", "zshop-shipping-fee",
    "item-note", "item-condition", "zshop-category1", "zshop-browse-path",
    "zshop-storefront-feature", "asin1", "asin2", "asin3", "will-ship-internationally",
    "expedited-shipping", "zshop-boldface", "product-id", "bid-for-featured-placement",
    "add-delete", "pending-quantity", "fulfillment-channel", "merchant-shipping-group", "status",
]
BUSINESS = ["Business Price", "Quantity Price Type", "Quantity Lower Bound 1",
            "Quantity Price 1", "Quantity Lower Bound 2", "Quantity Price 2",
            "Quantity Lower Bound 3", "Quantity Price 3", "Quantity Lower Bound 4",
            "Quantity Price 4", "Quantity Lower Bound 5", "Quantity Price 5"]
PROGRESSIVE = ["Progressive Price Type", "Progressive Lower Bound 1", "Progressive Price 1",
               "Progressive Lower Bound 2", "Progressive Price 2", "Progressive Lower Bound 3",
               "Progressive Price 3"]
ACTIVE_LISTINGS = [*ALL_LISTINGS[:27], *BUSINESS, "merchant-shipping-group", *PROGRESSIVE]
OPEN_LISTINGS = ["sku", "asin", "price", "quantity", *BUSINESS, *PROGRESSIVE]
ALL_ORDERS = [
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date",
    "order-status", "fulfillment-channel", "sales-channel", "order-channel", "url",
    "ship-service-level", "product-name", "sku", "asin", "item-status", "quantity", "currency",
    "item-price", "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price",
    "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order",
    "purchase-order-number", "price-designation",
]
INVENTORY = [
    "sku", "fnsku", "asin", "product-name", "condition", "your-price", "mfn-listing-exists",
    "mfn-fulfillable-quantity", "afn-listing-exists", "afn-warehouse-quantity",
    "afn-fulfillable-quantity", "afn-unsellable-quantity", "afn-reserved-quantity",
    "afn-total-quantity", "per-unit-volume", "afn-inbound-working-quantity",
    "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity",
    "afn-researching-quantity", "afn-reserved-future-supply", "afn-future-supply-buyable",
]
ORDER_SHIPPING = [
    "order-id", "order-item-id", "purchase-date", "payments-date", "buyer-email", "buyer-name",
    "buyer-phone-number", "sku", "product-name", "quantity-purchased", "currency",
    "item-price", "item-tax", "shipping-price", "shipping-tax", "ship-service-level",
    "recipient-name", "ship-address-1", "ship-address-2", "ship-address-3", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "ship-phone-number",
    "delivery-start-date", "delivery-end-date", "delivery-time-zone", "delivery-Instructions",
    "sales-channel",
]
OFFSET_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


@pytest.fixture(scope="module")
def server(models_dir: Path) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", lifecycle="instant",
                          scale=6000)) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def source(server: Running) -> TokenSource:
    return TokenSource(server)


@pytest.fixture
def reports(server: Running, source: TokenSource) -> Iterator[Reports]:
    yield from reports_of(server, source.seller())


def state_of(server: Running, index: int = 0) -> SellerState:
    return server.app.store.of(server.app.accounts.sellers[index])


def parse(text: str) -> tuple[list[str], list[dict[str, str]]]:
    lines = text.split("\n")
    assert lines[-1] == ""  # every line ends in a newline
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:-1]]
    return header, rows


def report_rows(reports: Reports, report_type: str, token: str | None = None,
                **fields: Any) -> tuple[list[str], list[dict[str, str]]]:
    markets = fields.pop("markets", (US,))
    return parse(reports.text(reports.create(report_type, markets, **fields), token))


def test_instant_lifecycle_is_done_when_created(reports: Reports) -> None:
    report = reports.get(reports.create("GET_MERCHANT_LISTINGS_ALL_DATA"))
    assert report["processingStatus"] == "DONE"
    assert report["createdTime"] == report["processingStartTime"] == report[
        "processingEndTime"]


def test_all_listings_are_the_sellers_listings(reports: Reports, server: Running) -> None:
    header, rows = report_rows(reports, "GET_MERCHANT_LISTINGS_ALL_DATA")
    assert header == ALL_LISTINGS
    state = state_of(server)
    listings = {sku: x for sku, x in state.listings.items() if US in x.prices}
    assert {row["seller-sku"] for row in rows} == set(listings)
    for row in rows:
        listing = listings[row["seller-sku"]]
        assert row["item-name"] == listing.item_name
        assert row["listing-id"] == listing.listing_id
        assert row["price"] == money_str(listing.prices[US], "USD")
        assert row["asin1"] == row["product-id"] == listing.asin
        mfn = listing.fulfillment == "MFN"
        assert row["quantity"] == (str(listing.quantity) if mfn else "")
        assert row["fulfillment-channel"] == ("DEFAULT" if mfn else "AMAZON_NA")
        buyable = "BUYABLE" in listing.status[US]
        assert (row["status"] == "Active") == buyable
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d P[SD]T", row["open-date"])
    assert len({row["status"] for row in rows}) > 1  # not every listing is active


def test_active_and_open_listings(reports: Reports, server: Running) -> None:
    state = state_of(server)
    active = {sku for sku, x in state.listings.items() if "BUYABLE" in x.status.get(US, ())}
    header, rows = report_rows(reports, "GET_MERCHANT_LISTINGS_DATA")
    assert header == ACTIVE_LISTINGS
    assert {row["seller-sku"] for row in rows} == active
    header, rows = report_rows(reports, "GET_FLAT_FILE_OPEN_LISTINGS_DATA")
    assert header == OPEN_LISTINGS
    assert {row["sku"] for row in rows} == active
    for row in rows:
        listing = state.listings[row["sku"]]
        assert (row["asin"], row["price"]) == (listing.asin, money_str(listing.prices[US],
                                                                       "USD"))


def test_listings_report_options(reports: Reports) -> None:
    fatal = reports.get(reports.create("GET_MERCHANT_LISTINGS_ALL_DATA",
                                       reportOptions={"custom": "maybe"}))
    assert fatal["processingStatus"] == "FATAL"
    done = reports.get(reports.create("GET_MERCHANT_LISTINGS_ALL_DATA",
                                      reportOptions={"custom": "true"}))
    assert done["processingStatus"] == "DONE"


def test_orders_by_order_date_are_the_orders_in_range(reports: Reports,
                                                      server: Running) -> None:
    state = state_of(server)
    end = state.anchor - 2 * DAY
    start = end - 10 * DAY
    header, rows = report_rows(
        reports, "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL", markets=(US, CA),
        dataStartTime=iso(start), dataEndTime=iso(end))
    assert header == ALL_ORDERS
    expected = {(o.order_id, i.sku): (o, i) for o in state.orders_between(start, end + 1)
                for i in o.items if o.marketplace_id in (US, CA)}
    assert len(rows) == len(expected) > 100
    assert {(r["amazon-order-id"], r["sku"]) for r in rows} == set(expected)
    assert {r["sales-channel"] for r in rows} == {"Amazon.com", "Amazon.ca"}
    for row in rows:
        order, item = expected[(row["amazon-order-id"], row["sku"])]
        assert OFFSET_TIME.fullmatch(row["purchase-date"])
        purchased = datetime.fromisoformat(row["purchase-date"]).timestamp()
        assert purchased == int(order.purchase_date)
        assert start - 1 < purchased <= end
        assert row["merchant-order-id"] == order.seller_order_id
        assert row["asin"] == item.asin
        assert row["quantity"] == str(item.quantity)
        assert row["currency"] == order.currency
        pending = order.status == "Pending"  # no pricing yet, as in the Orders API
        assert row["item-price"] == ("" if pending else money_str(
            item.unit_price * item.quantity, order.currency))
        assert row["item-tax"] == ("" if pending else money_str(item.tax, order.currency))
        assert row["fulfillment-channel"] == {"AFN": "Amazon", "MFN": "Merchant"}[
            order.fulfillment]
        assert row["ship-postal-code"] == order.address.postal_code


def test_orders_report_agrees_with_the_orders_api(reports: Reports, server: Running) -> None:
    state = state_of(server)
    _, rows = report_rows(reports, "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
                          dataStartTime=iso(state.anchor - 5 * DAY))
    for row in rows[:: max(1, len(rows) // 5)]:
        order_id = row["amazon-order-id"]
        order = reports.http.get(f"/orders/v0/orders/{order_id}").json()["payload"]
        assert datetime.fromisoformat(order["PurchaseDate"]) == datetime.fromisoformat(
            row["purchase-date"])
        items = reports.http.get(f"/orders/v0/orders/{order_id}/orderItems").json()
        item = next(i for i in items["payload"]["OrderItems"] if i["SellerSKU"] == row["sku"])
        assert str(item["QuantityOrdered"]) == row["quantity"]
        assert item.get("ItemPrice", {}).get("Amount", "") == row["item-price"]
        assert item["ASIN"] == row["asin"]


def test_orders_by_last_update(reports: Reports, server: Running) -> None:
    state = state_of(server)
    end = state.anchor - DAY
    start = end - 3 * DAY
    header, rows = report_rows(
        reports, "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
        dataStartTime=iso(start), dataEndTime=iso(end))
    assert header == ALL_ORDERS
    expected = {o.order_id for o in state.order_list
                if o.marketplace_id == US and start <= o.last_update <= end}
    assert {r["amazon-order-id"] for r in rows} == expected
    updated = [datetime.fromisoformat(r["last-updated-date"]).timestamp() for r in rows]
    assert updated == sorted(updated)
    # Orders bought before the range but changed in it are there.
    assert any(datetime.fromisoformat(r["purchase-date"]).timestamp() < start for r in rows)


def test_inventory_is_the_fba_inventory(reports: Reports, server: Running) -> None:
    header, rows = report_rows(reports, "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA")
    assert header == INVENTORY
    state = state_of(server)
    assert {row["sku"] for row in rows} == set(state.inventory)
    for row in rows:
        record = state.inventory[row["sku"]]
        assert (row["fnsku"], row["asin"]) == (record.fnsku, record.asin)
        assert int(row["afn-fulfillable-quantity"]) == record.fulfillable
        assert int(row["afn-reserved-quantity"]) == record.reserved
        assert int(row["afn-unsellable-quantity"]) == record.unfulfillable
        assert int(row["afn-inbound-shipped-quantity"]) == record.inbound_shipped
        assert int(row["afn-total-quantity"]) == record.total


def test_order_report_lists_unshipped_merchant_orders(reports: Reports, server: Running,
                                                      source: TokenSource) -> None:
    report = reports.get(reports.create("GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING"))
    document_id = report["reportDocumentId"]
    rdt = source.rdt("GET", f"{BASE}/documents/{document_id}")
    header, rows = parse(reports.text(report["reportId"], rdt))
    assert header == ORDER_SHIPPING
    state = state_of(server)
    start = state.anchor - 40 * DAY
    expected = {o.order_id: o for o in state.orders_between(start, None)
                if o.marketplace_id == US and o.fulfillment == "MFN"
                and o.status in ("Unshipped", "PartiallyShipped")}
    assert {r["order-id"] for r in rows} == set(expected)
    for row in rows:
        order = expected[row["order-id"]]
        assert row["buyer-name"] == order.buyer_name
        assert row["ship-address-1"] == order.address.line1


@pytest.mark.parametrize(("date_granularity", "asin_granularity"), [
    ("DAY", "PARENT"), ("WEEK", "CHILD"), ("MONTH", "SKU")])
def test_sales_and_traffic_report_fits_amazons_schema(reports: Reports, server: Running,
                                                      models_dir: Path, date_granularity: str,
                                                      asin_granularity: str) -> None:
    state = state_of(server)
    first = datetime.fromtimestamp(state.anchor - 40 * DAY, UTC).date()
    last = datetime.fromtimestamp(state.anchor - 2 * DAY, UTC).date()
    report_id = reports.create(
        "GET_SALES_AND_TRAFFIC_REPORT", dataStartTime=first.isoformat(),
        dataEndTime=f"{last.isoformat()}T23:59:59Z",
        reportOptions={"dateGranularity": date_granularity,
                       "asinGranularity": asin_granularity})
    content, content_type = reports.download(report_id)
    assert content_type == "application/json"
    document = json.loads(content)
    schema = json.loads((models_dir / "schemas" / "reports"
                         / "sellerSalesAndTrafficReport.json").read_text())
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = list(validator.iter_errors(document))
    assert not errors, errors[0].message
    spec = document["reportSpecification"]
    assert spec["reportOptions"] == {"dateGranularity": date_granularity,
                                     "asinGranularity": asin_granularity}
    assert (spec["dataStartTime"], spec["dataEndTime"]) == (first.isoformat(),
                                                            last.isoformat())
    begin = datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp()
    units = sum(i.quantity for o in state.orders_between(begin, state.anchor - DAY)
                if o.marketplace_id == US and o.status != "Canceled" for i in o.items)
    by_date = document["salesAndTrafficByDate"]
    assert sum(d["salesByDate"]["unitsOrdered"] for d in by_date) == units
    by_asin = document["salesAndTrafficByAsin"]
    assert sum(a["salesByAsin"]["unitsOrdered"] for a in by_asin) == units
    keys = {"PARENT": {"parentAsin"}, "CHILD": {"parentAsin", "childAsin"},
            "SKU": {"parentAsin", "childAsin", "sku"}}[asin_granularity]
    assert all(keys <= set(a) for a in by_asin)
    dates = [d["date"] for d in by_date]
    assert dates == sorted(dates) and len(dates) == len(set(dates))
    expected_count = {"DAY": (last - first).days + 1}.get(date_granularity)
    if expected_count is not None:
        assert len(dates) == expected_count


def test_large_documents_are_gzip_without_content_encoding(reports: Reports,
                                                           server: Running) -> None:
    state = state_of(server)
    report_id = reports.create("GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
                               (US, CA, MX), dataStartTime=iso(state.anchor - 90 * DAY))
    document_id = reports.get(report_id)["reportDocumentId"]
    info = reports.document(document_id).json()
    assert info["compressionAlgorithm"] == "GZIP"
    raw = httpx.get(info["url"])
    assert raw.status_code == 200
    assert "content-encoding" not in raw.headers
    assert raw.content[:2] == b"\x1f\x8b"  # the raw gzip bytes, for the client to gunzip
    text = reports.text(report_id)
    assert len(text.encode()) > 1024 * 1024
    assert text.count("\n") - 1 == sum(len(o.items) for o in state.order_list
                                       if o.purchase_date >= state.anchor - 90 * DAY)
    small = reports.get(reports.create("GET_MERCHANT_LISTINGS_ALL_DATA"))
    assert "compressionAlgorithm" not in reports.document(small["reportDocumentId"]).json()


@pytest.mark.parametrize(("seller", "market", "charset"), [
    (0, US, "utf8"), (1, DE, "Cp1252"), (2, JP, "cp932")])
def test_flat_file_charset_follows_the_marketplace(server: Running, seller: int, market: str,
                                                   charset: str) -> None:
    state = state_of(server, seller)
    start = state.anchor - 20 * DAY
    for reports in reports_of(server, seller_token(server, seller)):
        report_id = reports.create("GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
                                   (market,), dataStartTime=iso(start))
        content, content_type = reports.download(report_id)
        assert content_type == f"text/plain; charset={charset}"
        text = content.decode(charset)
        header, rows = parse(text)
        assert header == ALL_ORDERS
        cities = {o.address.city for o in state.orders_between(start, None)
                  if o.marketplace_id == market}
        assert {row["ship-city"] for row in rows} == cities
        if seller:  # German and Japanese addresses are not all ASCII
            assert any(not city.isascii() for city in cities)
