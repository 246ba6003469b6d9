"""Product Fees API v0 over HTTP: estimates for a SKU, an ASIN and a batch, from the shared fee
schedule; ClientError results for estimates that cannot be made; Amazon's 400s."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.business import fees
from emulator.business.entities import Listing
from emulator.harness.embedded import Running
from tests.test_listings import CA, US, Api, checked

MODEL = "productFeesV0"
BASE = "/products/fees/v0"


class Fees(Api):
    def estimate(self, operation: str, url: str, body: Any) -> httpx.Response:
        return checked(self.server, self.client, f"{MODEL}.{operation}", "POST", url, json=body)

    def for_sku(self, sku: str, request: dict[str, Any]) -> httpx.Response:
        return self.estimate("getMyFeesEstimateForSKU", f"{BASE}/listings/{sku}/feesEstimate",
                             {"FeesEstimateRequest": request})

    def for_asin(self, asin: str, request: dict[str, Any]) -> httpx.Response:
        return self.estimate("getMyFeesEstimateForASIN", f"{BASE}/items/{asin}/feesEstimate",
                             {"FeesEstimateRequest": request})


@pytest.fixture
def api(emulator: Running, client: httpx.Client) -> Fees:
    return Fees(emulator, client)


def request(amount: float, shipping: float | None = None, fba: bool = False,
            market: str = US, currency: str = "USD", identifier: str = "req-1") -> dict[str, Any]:
    price: dict[str, Any] = {"ListingPrice": {"CurrencyCode": currency, "Amount": amount}}
    if shipping is not None:
        price["Shipping"] = {"CurrencyCode": currency, "Amount": shipping}
    return {"MarketplaceId": market, "IsAmazonFulfilled": fba, "PriceToEstimateFees": price,
            "Identifier": identifier}


def a_listing(api: Fees) -> Listing:
    return next(x for x in api.state.listings.values() if US in x.status)


def fee_types(result: dict[str, Any]) -> dict[str, float]:
    return {d["FeeType"]: d["FinalFee"]["Amount"]
            for d in result["FeesEstimate"]["FeeDetailList"]}


def test_sku_estimate_follows_the_fee_schedule(api: Fees) -> None:
    listing = a_listing(api)
    item = api.state.catalog[listing.asin]
    result = api.for_sku(listing.sku, request(40.0, 5.0, fba=True)).json()["payload"][
        "FeesEstimateResult"]
    expected = fees.fees_for(item, listing.product_type, 4500, "USD", True)
    assert result["Status"] == "Success" and "Error" not in result
    assert result["FeesEstimateIdentifier"] == {
        "MarketplaceId": US, "SellerId": api.seller_id, "IdType": "SellerSKU",
        "IdValue": listing.sku, "IsAmazonFulfilled": True,
        "PriceToEstimateFees": request(40.0, 5.0)["PriceToEstimateFees"],
        "SellerInputIdentifier": "req-1"}
    assert fee_types(result) == {"ReferralFee": expected.referral / 100,
                                 "VariableClosingFee": 0.0, "PerItemFee": 0.0,
                                 "FBAFees": expected.fba / 100}
    assert result["FeesEstimate"]["TotalFeesEstimate"] == {"CurrencyCode": "USD",
                                                           "Amount": expected.total / 100}
    fba = next(d for d in result["FeesEstimate"]["FeeDetailList"] if d["FeeType"] == "FBAFees")
    assert fba["IncludedFeeDetailList"][0]["FeeType"] == "FBAPerUnitFulfillmentFee"


def test_merchant_fulfilled_estimates_have_no_fba_fees(api: Fees) -> None:
    listing = a_listing(api)
    result = api.for_sku(listing.sku, request(10.0)).json()["payload"]["FeesEstimateResult"]
    assert "FBAFees" not in fee_types(result)
    minimum = fees.referral_fee(100, listing.product_type, "USD")  # $1 sells at the minimum
    cheap = api.for_sku(listing.sku, request(1.0)).json()["payload"]["FeesEstimateResult"]
    assert fee_types(cheap)["ReferralFee"] == minimum / 100 == 0.3


def test_asin_estimate(api: Fees) -> None:
    item = next(iter(api.state.catalog.values()))
    result = api.for_asin(item.asin, request(25.0, fba=True)).json()["payload"][
        "FeesEstimateResult"]
    expected = fees.fees_for(item, item.product_type, 2500, "USD", True)
    assert result["FeesEstimateIdentifier"]["IdType"] == "ASIN"
    assert result["FeesEstimate"]["TotalFeesEstimate"]["Amount"] == expected.total / 100


def test_estimate_in_another_currency(api: Fees) -> None:
    listing = next(x for x in api.state.listings.values() if CA in x.status)
    result = api.for_sku(listing.sku, request(50.0, market=CA, currency="CAD")).json()[
        "payload"]["FeesEstimateResult"]
    assert result["FeesEstimate"]["TotalFeesEstimate"]["CurrencyCode"] == "CAD"


CLIENT_ERROR = {"Type": "Sender", "Code": "InvalidParameterValue",
                "Message": "There is an client-side error. Please verify your inputs.",
                "Detail": []}


def test_unknown_sku_is_a_client_error(api: Fees) -> None:
    response = api.for_sku("NO-SUCH-SKU", request(10.0))
    assert response.status_code == 200
    result = response.json()["payload"]["FeesEstimateResult"]
    assert result["Status"] == "ClientError" and result["Error"] == CLIENT_ERROR
    assert "FeesEstimate" not in result
    assert result["FeesEstimateIdentifier"]["IdValue"] == "NO-SUCH-SKU"


def test_currency_of_another_marketplace_is_a_client_error(api: Fees) -> None:
    listing = a_listing(api)
    result = api.for_sku(listing.sku, request(10.0, currency="CAD")).json()["payload"][
        "FeesEstimateResult"]
    assert result["Status"] == "ClientError"


def test_marketplace_the_seller_does_not_sell_in_is_400(api: Fees) -> None:
    response = api.for_sku(a_listing(api).sku, request(10.0, market="A1F83G8C2ARO7P",
                                                       currency="GBP"))
    assert response.status_code == 400
    assert response.json() == {"errors": [{"code": "InvalidInput",
                                           "message": "Incorrect Marketplace identifier.",
                                           "details": ""}]}


def test_batch_mixes_successes_and_client_errors(api: Fees) -> None:
    listing = a_listing(api)
    body = [{"IdType": "SellerSKU", "IdValue": listing.sku,
             "FeesEstimateRequest": request(20.0, identifier="one")},
            {"IdType": "ASIN", "IdValue": listing.asin,
             "FeesEstimateRequest": request(20.0, fba=True, identifier="two")},
            {"IdType": "ASIN", "IdValue": "B0UNKNOWN0",
             "FeesEstimateRequest": request(20.0, identifier="three")}]
    results = api.estimate("getMyFeesEstimates", f"{BASE}/feesEstimate", body).json()
    assert [r["Status"] for r in results] == ["Success", "Success", "ClientError"]
    assert [r["FeesEstimateIdentifier"]["SellerInputIdentifier"] for r in results] == [
        "one", "two", "three"]
    single = api.for_sku(listing.sku, request(20.0, identifier="one")).json()["payload"][
        "FeesEstimateResult"]
    assert results[0]["FeesEstimate"]["TotalFeesEstimate"] == single["FeesEstimate"][
        "TotalFeesEstimate"]


def test_batch_limits(api: Fees) -> None:
    listing = a_listing(api)
    entry = {"IdType": "SellerSKU", "IdValue": listing.sku, "FeesEstimateRequest": request(5.0)}
    response = api.estimate("getMyFeesEstimates", f"{BASE}/feesEstimate", [entry] * 21)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"
    wrong = {**entry, "FeesEstimateRequest": request(5.0, market="A1F83G8C2ARO7P")}
    response = api.estimate("getMyFeesEstimates", f"{BASE}/feesEstimate", [entry, wrong])
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Incorrect Marketplace identifier."
