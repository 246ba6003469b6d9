"""The order of answers (README "How a request flows"): sandbox mode, then emulate (a)-(d)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from emulator.config import Settings
from emulator.embedded import Running, running
from emulator.model_requests import case_request
from emulator.sandbox import CaseTable
from emulator.spec import ModelSet
from emulator.wire import json_reply
from tests.conftest import TokenSource

COULD_NOT_MATCH = {
    "errors": [{"code": "InvalidInput", "message": "Could not match input arguments",
                "details": ""}]
}
ORDERS = "/orders/v0/orders"


def test_sandbox_mode_unmatched_is_amazons_400(sandbox_client: httpx.Client) -> None:
    response = sandbox_client.get(ORDERS, params={"MarketplaceIds": "ATVPDKIKX0DER",
                                                  "CreatedAfter": "2024-01-01"})
    assert response.status_code == 400
    assert response.json() == COULD_NOT_MATCH


def test_matching_happens_before_validation(models: ModelSet, sandbox_client: httpx.Client,
                                            client: httpx.Client) -> None:
    # Some of Amazon's cases omit a required parameter: they must match all the same.
    for operation in models.operations:
        required = {p["name"] for p in operation.parameters
                    if p.get("required") and p["in"] in ("query", "header")}
        for case in CaseTable(operation).with_parameters:
            if required - {name for name, _ in case.matchers}:
                break
        else:
            continue
        break
    request = case_request(operation, case)
    for http in (sandbox_client, client):
        response = http.request(**request.as_httpx())  # the clients carry seller tokens
        assert response.status_code == case.status, (operation.uid, response.text)


def test_emulate_a_static_case_with_parameters_wins(client: httpx.Client) -> None:
    response = client.get(ORDERS, params={"MarketplaceIds": "ATVPDKIKX0DER",
                                          "CreatedAfter": "TEST_CASE_200"})
    assert response.status_code == 200
    assert response.json()["payload"]["Orders"][0]["AmazonOrderId"] == "902-1845936-5435065"


def test_emulate_b_stateful_handler_after_validation(client: httpx.Client,
                                                      emulator: Running) -> None:
    calls = []

    async def handler(call):  # type: ignore[no-untyped-def]
        calls.append(call.params)
        return json_reply(200, {"payload": {"Orders": [], "CreatedBefore": "2024-01-02"}})

    emulator.app.handlers.register("ordersV0.getOrders", handler)
    try:
        ok = client.get(ORDERS, params={"MarketplaceIds": "ATVPDKIKX0DER,A2EUQ1WTGCTBG2",
                                        "CreatedAfter": "2024-01-01T00:00:00Z",
                                        "MaxResultsPerPage": "10"})
        invalid = client.get(ORDERS, params={"CreatedAfter": "2024-01-01"})
    finally:
        emulator.app.handlers.unregister("ordersV0.getOrders")
    assert ok.json() == {"payload": {"Orders": [], "CreatedBefore": "2024-01-02"}}
    assert invalid.status_code == 400  # validation runs before the handler
    # The handler sees typed parameters: lists split, integers as int.
    assert calls == [{"MarketplaceIds": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
                      "CreatedAfter": "2024-01-01T00:00:00Z", "MaxResultsPerPage": 10}]


def test_emulate_c_parameterless_case_then_d_synthesized(client: httpx.Client) -> None:
    # deleteListingsItem's 200 case lists no parameters: any valid request gets it.
    response = client.delete("/listings/2021-08-01/items/SELLER1/ANY-SKU",
                             params={"marketplaceIds": "ATVPDKIKX0DER"})
    assert response.status_code == 200
    assert response.json()["status"] == "ACCEPTED"


def test_emulate_d_synthesized_is_deterministic(client: httpx.Client, models_dir: Path) -> None:
    params = {"MarketplaceIds": "ATVPDKIKX0DER", "CreatedAfter": "2024-01-01"}
    first, again = client.get(ORDERS, params=params), client.get(ORDERS, params=params)
    assert first.status_code == 200 and first.content == again.content
    other = client.get(ORDERS, params={**params, "CreatedAfter": "2024-02-01"})
    assert other.content != first.content
    with running(Settings(models_dir=models_dir, port=0, seed=2)) as seeded:
        token = TokenSource(seeded).seller()
        with httpx.Client(base_url=seeded.base_url,
                          headers={"x-amz-access-token": token}) as http:
            assert http.get(ORDERS, params=params).content != first.content
    orders = json.loads(first.content)["payload"]["Orders"]
    assert orders and all("AmazonOrderId" in order for order in orders)


def test_sandbox_mode_still_serves_dynamic_sandbox_operations(
        sandbox_client: httpx.Client) -> None:
    response = sandbox_client.get("/fba/inventory/v1/summaries",
                                  params={"granularityType": "Marketplace",
                                          "granularityId": "ATVPDKIKX0DER",
                                          "marketplaceIds": "ATVPDKIKX0DER"})
    assert response.status_code == 200, response.text
