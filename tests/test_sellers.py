"""Sellers API v1: the seller's marketplaces and account, derived from the account record and
the seed; what vendors get."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from emulator.auth.accounts import Seller
from emulator.config import Settings
from emulator.harness.embedded import Running, running
from emulator.models.spec import ModelSet
from tests.support import valid_body

PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"
ACCOUNT = "/sellers/v1/account"


def _get(server: Running, seller: Seller, path: str) -> httpx.Response:
    app = server.app
    token = app.tokens.issue_access(app.accounts.apps[0], seller)
    return httpx.get(server.base_url + path, headers={"x-amz-access-token": token})


def _seller(server: Running, seller_id: str) -> Seller:
    seller = server.app.accounts.seller(seller_id)
    assert seller is not None
    return seller


def test_marketplace_participations(client: httpx.Client, models: ModelSet) -> None:
    response = client.get(PARTICIPATIONS)
    assert response.status_code == 200
    body = valid_body(models, "sellers.getMarketplaceParticipations", response)
    participation = {"isParticipating": True, "hasSuspendedListings": False}
    assert body == {"payload": [
        {"marketplace": {"id": "ATVPDKIKX0DER", "countryCode": "US", "name": "Amazon.com",
                         "defaultCurrencyCode": "USD", "defaultLanguageCode": "en_US",
                         "domainName": "www.amazon.com"},
         "storeName": "Northwind Outfitters", "participation": participation},
        {"marketplace": {"id": "A2EUQ1WTGCTBG2", "countryCode": "CA", "name": "Amazon.ca",
                         "defaultCurrencyCode": "CAD", "defaultLanguageCode": "en_CA",
                         "domainName": "www.amazon.ca"},
         "storeName": "Northwind Outfitters", "participation": participation},
        {"marketplace": {"id": "A1AM78C64UM0Y8", "countryCode": "MX", "name": "Amazon.com.mx",
                         "defaultCurrencyCode": "MXN", "defaultLanguageCode": "es_MX",
                         "domainName": "www.amazon.com.mx"},
         "storeName": "Northwind Outfitters", "participation": participation},
    ]}


def test_eu_and_fe_sellers(emulator: Running, models: ModelSet) -> None:
    eu = _get(emulator, _seller(emulator, "A75V2SEH60KVJ5"), PARTICIPATIONS)
    body = valid_body(models, "sellers.getMarketplaceParticipations", eu)
    assert [(p["marketplace"]["id"], p["marketplace"]["defaultCurrencyCode"],
             p["marketplace"]["domainName"]) for p in body["payload"]] == [
        ("A1F83G8C2ARO7P", "GBP", "www.amazon.co.uk"), ("A1PA6795UKMFR9", "EUR", "www.amazon.de"),
        ("A13V1IB3VIYZZH", "EUR", "www.amazon.fr"), ("APJ6JRA9NG5V4", "EUR", "www.amazon.it"),
        ("A1RKKUPIHCS9HS", "EUR", "www.amazon.es")]
    japan = _get(emulator, _seller(emulator, "A9R0WYOJFLJOOA"), ACCOUNT)
    account = valid_body(models, "sellers.getAccount", japan)["payload"]
    assert account["business"]["registeredBusinessAddress"]["countryCode"] == "JP"
    # Japanese businesses have their names in Japanese script too.
    assert account["business"]["nonLatinName"] and account["primaryContact"]["nonLatinName"]
    assert account["primaryContact"]["name"].isascii()


def test_account(client: httpx.Client, emulator: Running, models: ModelSet) -> None:
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    account = valid_body(models, "sellers.getAccount", response)["payload"]
    assert account["sellingPlan"] == "PROFESSIONAL"
    assert account["marketplaceParticipationList"] == client.get(PARTICIPATIONS).json()["payload"]
    business = account["business"]
    assert business["name"].startswith("Northwind Outfitters")
    assert business["registeredBusinessAddress"]["countryCode"] == "US"
    assert account["primaryContact"]["address"]["countryCode"] == "US"
    if account["businessType"] == "SOLE_PROPRIETORSHIP":
        assert "companyRegistrationNumber" not in business
    else:
        assert business["companyRegistrationNumber"].isdigit()
    assert client.get(ACCOUNT).json() == response.json()


def test_vendors_sell_in_no_marketplace(emulator: Running, models: ModelSet) -> None:
    vendor = next(s for s in emulator.app.accounts.sellers if s.account_type == "vendor")
    response = _get(emulator, vendor, PARTICIPATIONS)
    assert response.status_code == 200
    body = valid_body(models, "sellers.getMarketplaceParticipations", response)
    assert [p["marketplace"]["id"] for p in body["payload"]] == list(vendor.marketplace_ids)
    assert {p["storeName"] for p in body["payload"]} == {""}
    assert all(p["participation"] == {"isParticipating": False, "hasSuspendedListings": False}
               for p in body["payload"])
    refused = _get(emulator, vendor, ACCOUNT)
    assert refused.status_code == 403
    assert refused.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    errors = valid_body(models, "sellers.getAccount", refused)["errors"]
    assert errors[0]["code"] == "Unauthorized"
    assert errors[0]["message"] == "Access to requested resource is denied."


def _accounts(models_dir: Path, seed: int) -> list[Any]:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", seed=seed)) as server:
        return [_get(server, s, ACCOUNT).json() for s in server.app.accounts.sellers
                if s.account_type == "seller"]


def test_the_seed_decides_the_business(models_dir: Path) -> None:
    first = _accounts(models_dir, seed=1)
    assert first == _accounts(models_dir, seed=1)
    other = _accounts(models_dir, seed=2)
    assert [a["payload"]["business"]["registeredBusinessAddress"] for a in other] != \
        [a["payload"]["business"]["registeredBusinessAddress"] for a in first]
