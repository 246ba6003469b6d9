"""SP-API's error envelope and response headers, where the gateway (not a model) decides them:
a missing or bad token, a path no operation has, a request the sandbox cannot match; and the
headers every answer carries."""

from __future__ import annotations

import pytest

from contracts import harness
from contracts.assertions import assert_envelope, assert_request_id
from contracts.harness import COULD_NOT_MATCH, UNMATCHED_GET_ORDERS, Api, load_models
from emulator.models.sample_requests import ModelRequest, case_request
from emulator.models.sandbox import CaseTable

pytestmark = pytest.mark.sandbox_verified

GET_ORDERS = load_models().operation(harness.GET_ORDERS)
DENIED = "Access to requested resource is denied."


def _get_orders_case(status: int, index: int = 0) -> ModelRequest:
    cases = [c for c in CaseTable(GET_ORDERS).all if c.status == status]
    return case_request(GET_ORDERS, cases[index])


def test_missing_token_is_refused_with_the_envelope(sandbox_api: Api) -> None:
    response = sandbox_api.send(_get_orders_case(200), token=None)
    assert response.status_code == 403
    assert assert_envelope(response) == [{
        "code": "Unauthorized", "message": DENIED,
        "details": "Access token is missing in the request header."}]
    assert_request_id(response)


def test_malformed_token_is_refused_with_the_envelope(sandbox_api: Api) -> None:
    response = sandbox_api.send(_get_orders_case(200), token="Atza|not-a-token")
    assert response.status_code == 403
    assert assert_envelope(response) == [{
        "code": "Unauthorized", "message": DENIED,
        "details": "The access token you provided is revoked, malformed or invalid."}]


def test_unknown_path_is_access_denied(sandbox_api: Api) -> None:
    response = sandbox_api.request("GET", "/orders/v0/no-such-resource",
                                   headers={"x-amz-access-token": sandbox_api.seller_token()})
    assert response.status_code == 403
    assert assert_envelope(response)[0]["code"] == "Unauthorized"
    assert response.headers.get("x-amzn-ErrorType") == "AccessDeniedException"


def test_unmatched_sandbox_request_could_not_match(sandbox_api: Api) -> None:
    response = sandbox_api.send(UNMATCHED_GET_ORDERS, operation=GET_ORDERS)
    assert response.status_code == 400
    assert assert_envelope(response) == [{"code": "InvalidInput",
                                          "message": COULD_NOT_MATCH, "details": ""}]


@pytest.mark.parametrize("status", [200, 400])
def test_answers_carry_request_id_and_rate_limit(sandbox_api: Api, status: int) -> None:
    response = sandbox_api.send(_get_orders_case(status), operation=GET_ORDERS)
    assert response.status_code == status
    assert_request_id(response)
    assert response.headers["content-type"].startswith("application/json")
    # Amazon: best effort on 2xx, 400 and 404; the value is the operation's rate.
    assert float(response.headers["x-amzn-RateLimit-Limit"]) > 0
