"""Restricted Data Tokens: minted for named resources, honoured only for them, and what
restricted operations answer without one (Orders: no PII; others: 403)."""

from __future__ import annotations

import httpx
import pytest

from emulator.harness.embedded import Running
from tests.conftest import TokenSource

RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"
ORDER = "/orders/v0/orders/902-3159896-1390916"
ORDERS_QUERY = {"MarketplaceIds": "ATVPDKIKX0DER", "CreatedAfter": "2024-01-01"}
ADDRESS_KEYS = {"City", "StateOrRegion", "PostalCode", "CountryCode"}


@pytest.fixture
def order(emulator: Running) -> str:
    """The path of a real shipped order of the default seller."""
    app = emulator.app
    state = app.store.of(app.accounts.sellers[0])
    shipped = next(o for o in reversed(state.order_list) if o.status == "Shipped")
    return f"/orders/v0/orders/{shipped.order_id}"


def _rdt(client: httpx.Client, *resources: dict[str, object]) -> httpx.Response:
    return client.post(RDT_PATH, json={"restrictedResources": list(resources)})


def test_rdt_shape_and_lifetime(client: httpx.Client) -> None:
    response = _rdt(client, {"method": "GET", "path": "/orders/v0/orders/{orderId}/address"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"restrictedDataToken", "expiresIn"}
    assert body["restrictedDataToken"].startswith("Atz.sprdt|")
    assert body["expiresIn"] == 3600


@pytest.mark.parametrize(("resource", "needle"), [
    ({"method": "GET", "path": "/catalog/2022-04-01/items/B0TEST"}, "not a restricted"),
    ({"method": "GET", "path": "/nowhere"}, "not a restricted"),
    ({"method": "GET", "path": ORDER, "dataElements": ["bankAccount"]}, "dataElements"),
    ({"method": "GET", "path": "/mfn/v0/shipments/{shipmentId}",
      "dataElements": ["buyerInfo"]}, "dataElements"),
    ({"method": "GET", "path": "/reports/2021-06-30/documents/{reportDocumentId}"}, "specific"),
])
def test_bad_resources_are_refused(client: httpx.Client, resource: dict[str, object],
                                   needle: str) -> None:
    response = _rdt(client, resource)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "InvalidInput"
    assert needle in error["message"] + error["details"]


def test_model_rules_still_apply(client: httpx.Client) -> None:
    assert _rdt(client, {"method": "PATCH", "path": ORDER}).status_code == 400  # method enum
    assert client.post(RDT_PATH, json={}).status_code == 400  # restrictedResources required


def test_orders_without_rdt_lose_the_pii(client: httpx.Client, order: str) -> None:
    orders = client.get("/orders/v0/orders", params=ORDERS_QUERY).json()["payload"]["Orders"]
    for listed in orders:
        assert set(listed.get("ShippingAddress", {})) <= ADDRESS_KEYS
        assert set(listed.get("BuyerInfo", {})) <= {"BuyerEmail"}
        assert "BuyerTaxInformation" not in listed
    address = client.get(f"{order}/address").json()["payload"]
    assert set(address["ShippingAddress"]) <= ADDRESS_KEYS


def test_rdt_unlocks_what_it_names(emulator: Running, client: httpx.Client) -> None:
    token = _rdt(client, {"method": "GET", "path": "/orders/v0/orders",
                          "dataElements": ["shippingAddress"]}).json()["restrictedDataToken"]
    with httpx.Client(base_url=emulator.base_url, headers={"x-amz-access-token": token}) as rdt:
        orders = rdt.get("/orders/v0/orders", params=ORDERS_QUERY).json()["payload"]["Orders"]
        addresses = [o["ShippingAddress"] for o in orders if "ShippingAddress" in o]
        assert addresses and any(set(a) - ADDRESS_KEYS for a in addresses)  # full address
        assert all(set(o.get("BuyerInfo", {})) <= {"BuyerEmail"} for o in orders)  # not named
        # The RDT opens only its own resource.
        assert rdt.get(f"{ORDER}/orderItems").status_code == 403
        assert rdt.get("/sellers/v1/marketplaceParticipations").status_code == 403


def test_rdt_for_a_specific_path(emulator: Running, client: httpx.Client, order: str) -> None:
    token = _rdt(client, {"method": "GET", "path": f"{order}/address"}).json()[
        "restrictedDataToken"]
    with httpx.Client(base_url=emulator.base_url, headers={"x-amz-access-token": token}) as rdt:
        address = rdt.get(f"{order}/address").json()["payload"]["ShippingAddress"]
        assert set(address) - ADDRESS_KEYS  # getOrderAddress needs no dataElements
        assert rdt.get("/orders/v0/orders/111-1111111-1111111/address").status_code == 403


def test_rdt_expires(emulator: Running, client: httpx.Client, order: str) -> None:
    token = _rdt(client, {"method": "GET", "path": f"{order}/address"}).json()[
        "restrictedDataToken"]
    emulator.app.clock.advance(3600)
    response = httpx.get(f"{emulator.base_url}{order}/address",
                         headers={"x-amz-access-token": token})
    assert response.status_code == 403
    assert response.json()["errors"][0]["details"] == "The access token you provided has expired."


def test_denied_without_rdt_allowed_with_one(emulator: Running, client: httpx.Client,
                                             tokens: TokenSource) -> None:
    path = "/shipping/v1/shipments/abcddcba-00c3-4f6f-a63a-639f76ee9253"
    assert client.get(path).status_code == 403
    with httpx.Client(base_url=emulator.base_url,
                      headers={"x-amz-access-token": tokens.rdt("GET", path)}) as rdt:
        assert rdt.get(path).status_code == 200
    # Merchant Fulfillment's is stateful: with the RDT, an unknown shipment is its 404.
    path = "/mfn/v0/shipments/abcddcba-00c3-4f6f-a63a-639f76ee9253"
    assert client.get(path).status_code == 403
    with httpx.Client(base_url=emulator.base_url,
                      headers={"x-amz-access-token": tokens.rdt("GET", path)}) as rdt:
        assert rdt.get(path).status_code == 404
