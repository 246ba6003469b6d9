"""The order of answers (README "How a request flows"): sandbox mode, then emulate (a)-(d)."""

from __future__ import annotations

from pathlib import Path

import httpx

from emulator.config import Settings
from emulator.gateway.wire import json_reply
from emulator.harness.embedded import Running, running
from emulator.models.sample_requests import case_request, valid_request
from emulator.models.sandbox import CaseTable
from emulator.models.spec import ModelSet, Operation
from tests.conftest import TokenSource, handler_swapped

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

    with handler_swapped(emulator, "ordersV0.getOrders", handler):
        ok = client.get(ORDERS, params={"MarketplaceIds": "ATVPDKIKX0DER,A2EUQ1WTGCTBG2",
                                        "CreatedAfter": "2024-01-01T00:00:00Z",
                                        "MaxResultsPerPage": "10"})
        invalid = client.get(ORDERS, params={"CreatedAfter": "2024-01-01"})
    assert ok.json() == {"payload": {"Orders": [], "CreatedBefore": "2024-01-02"}}
    assert invalid.status_code == 400  # validation runs before the handler
    # The handler sees typed parameters: lists split, integers as int.
    assert calls == [{"MarketplaceIds": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
                      "CreatedAfter": "2024-01-01T00:00:00Z", "MaxResultsPerPage": 10}]


def test_emulate_c_parameterless_case(client: httpx.Client, models: ModelSet,
                                      emulator: Running, tokens: TokenSource) -> None:
    # An operation without a handler whose 2xx case lists no parameters: any valid request
    # gets that case.
    answered = 0
    for operation in models.operations:
        case = emulator.app.answerer.emulate_cases(operation).parameterless(success_only=True)
        if case is None or operation.uid in emulator.app.handlers or case.status == 204:
            continue
        request = valid_request(operation, seed=3)
        request.headers["x-amz-access-token"] = tokens.for_request(operation, request.url)
        response = client.request(**request.as_httpx())
        assert response.status_code == case.status, operation.uid
        assert response.content == case.body, operation.uid
        answered += 1
    assert answered >= 20


def _synthesized_operation(models: ModelSet, emulator: Running) -> Operation:
    """An operation answered by synthesis: no handler, no static case, a 2xx schema."""
    for operation in models.operations:
        code = operation.success_code()
        if (operation.uid not in emulator.app.handlers and not CaseTable(operation).all
                and code and operation.responses[code].get("schema")
                and operation.method == "GET"):
            return operation
    raise AssertionError("no synthesized operation")


def test_emulate_d_synthesized_is_deterministic(client: httpx.Client, models: ModelSet,
                                                emulator: Running, models_dir: Path) -> None:
    operation = _synthesized_operation(models, emulator)
    request = valid_request(operation, seed=4).as_httpx()
    first, again = client.request(**request), client.request(**request)
    assert first.status_code == 200 and first.content == again.content
    other = valid_request(operation, seed=4)
    other.params.append(("unrelated", "1"))  # another request: the answer is another one
    assert client.request(**other.as_httpx()).content != first.content
    with running(Settings(models_dir=models_dir, port=0, seed=2)) as seeded:
        token = TokenSource(seeded).seller()
        with httpx.Client(base_url=seeded.base_url,
                          headers={"x-amz-access-token": token}) as http:
            assert http.request(**request).content != first.content


def test_sandbox_mode_still_serves_dynamic_sandbox_operations(
        sandbox_client: httpx.Client) -> None:
    response = sandbox_client.get("/fba/inventory/v1/summaries",
                                  params={"granularityType": "Marketplace",
                                          "granularityId": "ATVPDKIKX0DER",
                                          "marketplaceIds": "ATVPDKIKX0DER"})
    assert response.status_code == 200, response.text
