"""Every operation of every model routes on one port, by raw path, whatever the Host header."""

from __future__ import annotations

import httpx
import pytest

from emulator.gateway.router import Router
from emulator.models.spec import ModelSet
from tests.conftest import handler_swapped

ACCESS_DENIED = {
    "errors": [
        {"code": "Unauthorized", "message": "Access to requested resource is denied.",
         "details": ""}
    ]
}


def test_every_operation_has_a_route(models: ModelSet) -> None:
    router = Router(models.operations)
    assert router.count == 370
    for operation in models.operations:
        path = "/".join("x" if s.startswith("{") else s for s in operation.path.split("/"))
        match = router.match(operation.method, path)
        assert match is not None and match.operation is operation, operation.uid


def test_operation_ids_repeated_across_models_are_kept_apart(models: ModelSet) -> None:
    uids = [op.uid for op in models.operations]
    assert len(uids) == len(set(uids))
    get_orders = [op for op in models.operations if op.operation_id == "getOrder"]
    assert len(get_orders) == 5
    router = Router(models.operations)
    for operation in get_orders:
        path = "/".join("A1" if s.startswith("{") else s for s in operation.path.split("/"))
        assert router.match("GET", path).operation is operation  # type: ignore[union-attr]


def test_percent_encoded_slash_stays_inside_a_sku(client: httpx.Client,
                                                   emulator: object) -> None:
    seen: list[dict[str, str]] = []

    async def spy(call):  # type: ignore[no-untyped-def]
        seen.append(call.path_params)
        return None

    with handler_swapped(emulator, "listingsItems_2021-08-01.getListingsItem", spy):  # type: ignore[arg-type]
        response = client.get(
            "/listings/2021-08-01/items/A3SELLER/SKU%2FBLUE%20XL",
            params={"marketplaceIds": "ATVPDKIKX0DER"},
        )
    assert response.status_code == 200, response.text
    assert seen == [{"sellerId": "A3SELLER", "sku": "SKU/BLUE XL"}]


def test_greedy_uploads_resource_spans_slashes(client: httpx.Client) -> None:
    response = client.post(
        "/uploads/2020-11-01/uploadDestinations/aplus/2020-11-01/contentDocuments",
        params={"marketplaceIds": "ATVPDKIKX0DER", "contentMD5": "rOT9zgzAz7e0/ttjWQYRHg=="},
    )
    assert response.status_code == 201, response.text
    assert "uploadDestinationId" in response.json()["payload"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/orders/v0/nothing-here"),
        ("GET", "/"),
        ("PATCH", "/orders/v0/orders"),  # a known path with a method it does not have
        ("GET", "/orders/v0/orders/123/orderItems/extra"),
    ],
)
def test_unknown_path_or_method_is_amazons_403(client: httpx.Client, method: str,
                                                path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 403
    assert response.json() == ACCESS_DENIED
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert "x-amzn-RateLimit-Limit" not in response.headers


def test_host_header_is_ignored(client: httpx.Client) -> None:
    for host in ("27.0.0.1:8000", "sellingpartnerapi-na.amazon.com", "api.amazon.com"):
        response = client.get(
            "/orders/v0/orders",
            params={"MarketplaceIds": "ATVPDKIKX0DER", "CreatedAfter": "TEST_CASE_200"},
            headers={"Host": host},
        )
        assert response.status_code == 200
        assert response.json()["payload"]["Orders"]


def test_unknown_query_parameters_and_body_fields_are_tolerated(client: httpx.Client) -> None:
    # python-amazon-sp-api adds four marketplace aliases to every GET and extra body fields.
    response = client.get(
        "/sellers/v1/marketplaceParticipations",
        params={"MarketplaceId": "ATVPDKIKX0DER", "marketplace_ids": "ATVPDKIKX0DER",
                "marketplaceIds": "ATVPDKIKX0DER"},
    )
    assert response.status_code == 200, response.text
    response = client.post(
        "/feeds/2021-06-30/documents",
        json={"contentType": "text/xml; charset=UTF-8", "marketplaceIds": ["ATVPDKIKX0DER"],
              "path": "/feeds/2021-06-30/documents"},
    )
    assert response.status_code == 201, response.text
