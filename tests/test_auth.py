"""Every SP-API operation needs x-amz-access-token; refusals are Amazon's exact 403 bodies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.auth.stage import NOTIFICATIONS_SCOPE, ROTATION_SCOPE
from emulator.config import Settings
from emulator.harness.embedded import Running, running
from tests.conftest import TokenSource

ORDERS = "/orders/v0/orders"
SANDBOX_ORDERS = {"MarketplaceIds": "ATVPDKIKX0DER", "CreatedAfter": "TEST_CASE_200"}
DESTINATIONS = "/notifications/v1/destinations"


def _denied(response: httpx.Response, details: str) -> None:
    assert response.status_code == 403
    assert response.json() == {"errors": [{
        "code": "Unauthorized", "message": "Access to requested resource is denied.",
        "details": details}]}
    assert "x-amzn-RateLimit-Limit" not in response.headers


def test_missing_token(anonymous: httpx.Client) -> None:
    _denied(anonymous.get(ORDERS, params=SANDBOX_ORDERS),
            "Access token is missing in the request header.")


@pytest.mark.parametrize("token", ["Atza|never-issued", "garbage", "Atzr|a-refresh-token"])
def test_unknown_or_malformed_token(anonymous: httpx.Client, token: str) -> None:
    _denied(anonymous.get(ORDERS, params=SANDBOX_ORDERS,
                          headers={"x-amz-access-token": token}),
            "The access token you provided is revoked, malformed or invalid.")


def test_expired_token(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, throttle="off",
                          token_ttl=60)) as server:
        token = TokenSource(server).seller()
        with httpx.Client(base_url=server.base_url,
                          headers={"x-amz-access-token": token}) as http:
            assert http.get(ORDERS, params=SANDBOX_ORDERS).status_code == 200
            server.app.clock.advance(59)
            assert http.get(ORDERS, params=SANDBOX_ORDERS).status_code == 200
            server.app.clock.advance(1)
            _denied(http.get(ORDERS, params=SANDBOX_ORDERS),
                    "The access token you provided has expired.")


def test_grantless_operations_take_only_grantless_tokens(anonymous: httpx.Client,
                                                        tokens: TokenSource) -> None:
    grantless = {"x-amz-access-token": tokens.grantless(NOTIFICATIONS_SCOPE)}
    seller = {"x-amz-access-token": tokens.seller()}
    assert anonymous.get(DESTINATIONS, headers=grantless).status_code == 200
    _denied(anonymous.get(DESTINATIONS, headers=seller), "")
    # ... and seller operations refuse grantless tokens.
    _denied(anonymous.get(ORDERS, params=SANDBOX_ORDERS, headers=grantless), "")


def test_grantless_scope_must_fit(anonymous: httpx.Client, tokens: TokenSource) -> None:
    rotation = {"x-amz-access-token": tokens.grantless(ROTATION_SCOPE)}
    _denied(anonymous.get(DESTINATIONS, headers=rotation), "")
    response = anonymous.post("/applications/2023-11-30/clientSecret", headers=rotation)
    assert response.status_code in (204, 400), response.text  # Amazon's own cases decide
    notifications = {"x-amz-access-token": tokens.grantless(NOTIFICATIONS_SCOPE)}
    _denied(anonymous.post("/applications/2023-11-30/clientSecret", headers=notifications), "")


def test_sigv4_authorization_is_accepted_and_ignored(client: httpx.Client) -> None:
    response = client.get(ORDERS, params=SANDBOX_ORDERS, headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/execute-api/"
                         "aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
        "X-Amz-Security-Token": "FQoGZXIvYXdzE", "x-amz-date": "20261126T120000Z"})
    assert response.status_code == 200


def test_the_token_decides_the_seller(emulator: Running, anonymous: httpx.Client) -> None:
    app = emulator.app
    first, second = app.accounts.sellers[0], app.accounts.sellers[1]
    for seller in (first, second):
        token = app.tokens.issue_access(app.accounts.apps[0], seller)
        anonymous.get(ORDERS, params=SANDBOX_ORDERS, headers={"x-amz-access-token": token})
    recent = [e.seller for e in app.journal.query(operation="getOrders", limit=2)]
    assert recent == [first.seller_id, second.seller_id]


@pytest.fixture(scope="module")
def no_auth(models_dir: Path) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir, port=0, auth="none", throttle="off")) as server:
        yield server


def test_auth_none_needs_no_token(no_auth: Running) -> None:
    response = httpx.get(no_auth.base_url + ORDERS, params=SANDBOX_ORDERS)
    assert response.status_code == 200
    entry = no_auth.app.journal.query(limit=1)[0]
    assert entry.seller == no_auth.app.accounts.sellers[0].seller_id
