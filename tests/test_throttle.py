"""Throttling as SP-API does it: a token bucket per (app, seller, operation) with the rate and
burst of the operation's usage plan, refilled on the emulator clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.config import Settings
from emulator.harness.embedded import Running, running
from emulator.models.spec import ModelSet
from emulator.models.usage_plans import DEFAULT_PLAN, plan_for
from emulator.runtime.throttle import ThrottleMode
from tests.conftest import TokenSource

ORDERS = "/orders/v0/orders"  # getOrders: rate 0.0167/s, burst 20
QUERY = {"MarketplaceIds": "ATVPDKIKX0DER", "CreatedAfter": "TEST_CASE_200"}
QUOTA = {"errors": [{"code": "QuotaExceeded",
                     "message": "You exceeded your quota for the requested resource.",
                     "details": ""}]}


@pytest.fixture(scope="module")
def throttled(models_dir: Path) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir, port=0, throttle="amazon")) as server:
        yield server


def _client(server: Running, seller: int = 0) -> httpx.Client:
    app = server.app
    token = app.tokens.issue_access(app.accounts.apps[0], app.accounts.sellers[seller])
    return httpx.Client(base_url=server.base_url, headers={"x-amz-access-token": token})


def test_usage_plans_parse_from_the_models(models: ModelSet) -> None:
    plans = [plan_for(op) for op in models.operations]
    assert sum(p.parsed for p in plans) == 300
    assert all(p == DEFAULT_PLAN for p in plans if not p.parsed)
    get_orders = plan_for(models.operation("ordersV0.getOrders"))
    assert (get_orders.rate, get_orders.burst) == (0.0167, 20)


def test_burst_then_429_then_refill_on_the_clock(throttled: Running) -> None:
    with _client(throttled, seller=1) as http:
        statuses = [http.get(ORDERS, params=QUERY).status_code for _ in range(21)]
        assert statuses == [200] * 20 + [429]
        refused = http.get(ORDERS, params=QUERY)
        assert refused.status_code == 429 and refused.json() == QUOTA
        assert "Retry-After" not in refused.headers
        assert "x-amzn-RequestId" in refused.headers
        throttled.app.clock.advance(1 / 0.0167)  # one token's worth of time
        assert http.get(ORDERS, params=QUERY).status_code == 200
        assert http.get(ORDERS, params=QUERY).status_code == 429


def _drain(http: httpx.Client) -> None:
    while http.get(ORDERS, params=QUERY).status_code == 200:
        pass


@pytest.mark.parametrize(("path", "body"), [
    ("/_emulator/throttle/reset", {}),  # the buckets alone
    ("/_emulator/reset", {}),
    ("/_emulator/seed", {"seed": 1}),
])
def test_resets_refill_the_buckets(path: str, body: object, throttled: Running) -> None:
    with _client(throttled, seller=4) as http:
        _drain(http)
        assert http.get(ORDERS, params=QUERY).status_code == 429
        response = httpx.post(f"{throttled.base_url}{path}", json=body)
        assert response.status_code in (200, 204), response.text
        statuses = [http.get(ORDERS, params=QUERY).status_code for _ in range(21)]
        assert statuses == [200] * 20 + [429]  # a full burst again, and no more


def test_buckets_are_per_seller_and_per_operation(throttled: Running) -> None:
    with _client(throttled, seller=2) as first, _client(throttled, seller=3) as second:
        while first.get(ORDERS, params=QUERY).status_code == 200:
            pass
        assert second.get(ORDERS, params=QUERY).status_code == 200  # another seller
        other = first.get("/orders/v0/orders/TEST_CASE_200/orderItems")
        assert other.status_code == 200  # another operation


def test_rate_limit_header_on_429_only_where_the_model_declares_it(throttled: Running,
                                                                   models: ModelSet) -> None:
    declared = [op for op in models.operations
                if "x-amzn-RateLimit-Limit" in op.responses.get("429", {}).get("headers", {})]
    assert declared and len(declared) < 50
    assert "x-amzn-RateLimit-Limit" not in models.operation(
        "ordersV0.getOrders").responses["429"].get("headers", {})
    with _client(throttled, seller=4) as http:
        while (response := http.get(ORDERS, params=QUERY)).status_code != 429:
            assert response.headers["x-amzn-RateLimit-Limit"] == "0.0167"
        assert "x-amzn-RateLimit-Limit" not in response.headers


@pytest.mark.parametrize(("mode", "expected"), [
    ("sandbox", (5.0, 15)), ("scale:10", (0.167, 20)), ("amazon", (0.0167, 20))])
def test_modes(models: ModelSet, mode: str, expected: tuple[float, int]) -> None:
    plan = ThrottleMode.parse(mode).plan(models.operation("ordersV0.getOrders"))
    assert (round(plan.rate, 6), plan.burst) == expected


def test_sandbox_mode_throttles_every_operation_alike(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, throttle="sandbox")) as server, \
            _client(server) as http:
        statuses = [http.get(ORDERS, params=QUERY).status_code for _ in range(16)]
        assert statuses == [200] * 15 + [429]
        assert http.get(ORDERS, params=QUERY).headers.get("x-amzn-RateLimit-Limit") is None


def test_off_never_throttles(emulator: Running, tokens: TokenSource) -> None:
    with httpx.Client(base_url=emulator.base_url,
                      headers={"x-amz-access-token": tokens.seller()}) as http:
        assert {http.get(ORDERS, params=QUERY).status_code for _ in range(40)} == {200}


def test_bad_mode_is_refused() -> None:
    for text in ("fast", "scale:0", "scale:x"):
        with pytest.raises(ValueError, match="--throttle"):
            ThrottleMode.parse(text)
