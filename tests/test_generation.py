"""The generated business looks real over HTTP: addresses whose city, state and postal code
agree (a US city with its own state and ZIP, a Japanese prefecture and postcode), and prices
that include VAT or consumption tax where Amazon shows them so, the tax split out in the
orders' and the financial events' tax fields."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from faker.providers.address.en_US import Provider as UsAddresses

from emulator.business.generate import TAX_RATE
from emulator.business.places import US_CITIES
from emulator.harness.embedded import Running

US, GB, DE, JP = "ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A1VC38T7YXB528"
COUNTRY = {US: "US", GB: "GB", DE: "DE", JP: "JP"}
SELLER_OF = {US: 0, GB: 1, DE: 1, JP: 2}  # sellers of fixtures/accounts.yaml


def _client(server: Running, index: int) -> httpx.Client:
    app = server.app
    token = app.tokens.issue_access(app.accounts.apps[0], app.accounts.sellers[index])
    return httpx.Client(base_url=server.base_url, timeout=60,
                        headers={"x-amz-access-token": token})


def _orders(server: Running, marketplace: str, statuses: str) -> list[dict[str, Any]]:
    with _client(server, SELLER_OF[marketplace]) as http:
        response = http.get("/orders/v0/orders", params={
            "MarketplaceIds": marketplace, "CreatedAfter": "2020-01-01T00:00:00Z",
            "OrderStatuses": statuses, "MaxResultsPerPage": 100})
        assert response.status_code == 200, response.text
        return list(response.json()["payload"]["Orders"])


def _minor(money: dict[str, str]) -> int:
    places = 0 if money["CurrencyCode"] == "JPY" else 2
    return int(Decimal(money["Amount"]) * 10**places)


# Real ZIP prefixes Faker's per-state ranges leave out (its CT range ends at 06389, NE at
# 68118, OK at 73199, and TX starts at 75503).
OUTSIDE_FAKER = {("New Haven", "CT"), ("Lincoln", "NE"), ("Tulsa", "OK"), ("Dallas", "TX")}


def test_every_us_city_has_a_zip_prefix_of_its_state() -> None:
    assert len({state for _, state, _ in US_CITIES}) == 51  # every state and DC
    ranges = UsAddresses.states_postcode
    outside = set()
    for city, state, prefix in US_CITIES:
        low, high = ranges[state]
        if not (low <= prefix * 100 + 99 and prefix * 100 <= high):
            outside.add((city, state))
    assert outside == OUTSIDE_FAKER


def test_us_city_state_and_zip_agree(emulator: Running) -> None:
    prefixes = {(city, state): prefix for city, state, prefix in US_CITIES}
    checked = 0
    for order in _orders(emulator, US, "Shipped,Unshipped"):
        address = order.get("ShippingAddress")
        if address is None:
            continue
        city, state, postal = address["City"], address["StateOrRegion"], address["PostalCode"]
        assert (city, state) in prefixes, address
        assert re.fullmatch(r"\d{5}", postal) and int(postal) // 100 == prefixes[city, state]
        checked += 1
    assert checked >= 50


def test_japanese_addresses_read_as_japanese(emulator: Running) -> None:
    addresses = [o["ShippingAddress"] for o in _orders(emulator, JP, "Shipped,Unshipped")
                 if "ShippingAddress" in o]
    assert len(addresses) >= 20
    for address in addresses:
        assert address["CountryCode"] == "JP"
        assert re.fullmatch(r"\d{3}-\d{4}", address["PostalCode"]), address
        assert address["StateOrRegion"][-1] in "都道府県", address  # a prefecture


@pytest.mark.parametrize("marketplace", [US, GB, DE, JP])
def test_prices_include_the_tax_where_amazon_shows_them_so(marketplace: str,
                                                          emulator: Running) -> None:
    rate = TAX_RATE[COUNTRY[marketplace]]
    included = marketplace != US  # the US adds sales tax at checkout; VAT is in the price
    orders = _orders(emulator, marketplace, "Shipped")[:15]
    assert orders
    with _client(emulator, SELLER_OF[marketplace]) as http:
        for order in orders:
            order_id = order["AmazonOrderId"]
            items = http.get(f"/orders/v0/orders/{order_id}/orderItems").json()
            paid = 0
            for item in items["payload"]["OrderItems"]:
                price, tax = _minor(item["ItemPrice"]), _minor(item["ItemTax"])
                shipping, shipping_tax = _minor(item["ShippingPrice"]), _minor(
                    item["ShippingTax"])
                expected = price * rate / (1 + rate) if included else price * rate
                assert tax == round(expected), (order_id, item)
                paid += price + shipping - _minor(item["PromotionDiscount"])
                if not included:
                    paid += tax + shipping_tax
            assert _minor(order["OrderTotal"]) == paid, order_id
            _check_financial_events(http, order_id, paid, included)


def _check_financial_events(http: httpx.Client, order_id: str, paid: int,
                            included: bool) -> None:
    """The order's shipment event charges what the buyer paid, with the tax in `Tax`."""
    response = http.get(f"/finances/v0/orders/{order_id}/financialEvents")
    assert response.status_code == 200, response.text
    events = response.json()["payload"]["FinancialEvents"]["ShipmentEventList"]
    charged = promoted = 0
    for event in events:
        for item in event["ShipmentItemList"]:
            charges = {c["ChargeType"]: _minor({"CurrencyCode": c["ChargeAmount"][
                "CurrencyCode"], "Amount": str(c["ChargeAmount"]["CurrencyAmount"])})
                for c in item["ItemChargeList"]}
            charged += sum(charges.values())
            promoted += sum(_minor({"CurrencyCode": p["PromotionAmount"]["CurrencyCode"],
                                    "Amount": str(p["PromotionAmount"]["CurrencyAmount"])})
                            for p in item.get("PromotionList", []))
            if included:
                assert charges["Principal"] > 0 and charges["Tax"] > 0
    assert charged + promoted == paid, order_id
