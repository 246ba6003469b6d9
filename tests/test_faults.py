"""Fault injection: rules by operation or path, per seller, with probability, SP-API's failure
bodies and added latency; from the control plane or a file; seeded, so a run repeats."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.config import Settings
from emulator.harness.embedded import Running, running
from emulator.runtime.faults import FaultRuleError, Faults
from emulator.runtime.rng import Randomness
from tests.conftest import TokenSource

ORDERS = "/orders/v0/orders"
QUERY = {"MarketplaceIds": "ATVPDKIKX0DER", "CreatedAfter": "TEST_CASE_200"}


@pytest.fixture
def faults(anonymous: httpx.Client) -> Iterator[httpx.Client]:
    yield anonymous
    anonymous.delete("/_emulator/faults")


def test_statuses_and_bodies(faults: httpx.Client, client: httpx.Client) -> None:
    expected = {
        "500": {"code": "InternalFailure",
                "message": "We encountered an internal error. Please try again."},
        "503": {"code": "ServiceUnavailable",
                "message": "Service is temporarily unavailable. Please try again."},
        "429": {"code": "QuotaExceeded",
                "message": "You exceeded your quota for the requested resource."},
    }
    for status, error in expected.items():
        rule = faults.post("/_emulator/faults", json={"operation": "getOrders", "status": status})
        assert rule.status_code == 201, rule.text
        response = client.get(ORDERS, params=QUERY)
        assert response.status_code == int(status)
        assert response.json() == {"errors": [{**error, "details": ""}]}
        faults.delete(f"/_emulator/faults/{rule.json()['id']}")
    faults.post("/_emulator/faults", json={"path": "/orders/v0/*", "status": "503-html"})
    page = client.get(ORDERS, params=QUERY)
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert b"Website Temporarily Unavailable" in page.content


def test_latency_and_matching(faults: httpx.Client, client: httpx.Client,
                              emulator: Running) -> None:
    faults.post("/_emulator/faults", json={"operation": "ordersV0.getOrders", "latency_ms": 300})
    started = time.perf_counter()
    assert client.get(ORDERS, params=QUERY).status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    client.get("/orders/v0/orders/TEST_CASE_200/orderItems")  # another operation
    assert time.perf_counter() - started < 0.3
    entry = emulator.app.journal.query(operation="getOrders", limit=1)[0]
    assert entry.fault is not None


def test_per_seller_and_times(faults: httpx.Client, emulator: Running) -> None:
    app = emulator.app
    other = app.accounts.sellers[1]
    faults.post("/_emulator/faults", json={"operation": "getOrders", "status": "500",
                                           "seller": other.seller_id, "times": 2})
    mine = httpx.Client(base_url=emulator.base_url, headers={
        "x-amz-access-token": TokenSource(emulator).seller()})
    theirs = httpx.Client(base_url=emulator.base_url, headers={
        "x-amz-access-token": app.tokens.issue_access(app.accounts.apps[0], other)})
    assert mine.get(ORDERS, params=QUERY).status_code == 200
    assert [theirs.get(ORDERS, params=QUERY).status_code for _ in range(3)] == [500, 500, 200]
    listed = faults.get("/_emulator/faults").json()["faults"]
    assert listed[0]["fired"] == 2


def test_probability_is_seeded(models_dir: Path) -> None:
    def run() -> list[int]:
        with running(Settings(models_dir=models_dir, port=0, throttle="off")) as server:
            httpx.post(f"{server.base_url}/_emulator/faults",
                       json={"operation": "getOrders", "status": "503", "probability": 0.5})
            token = TokenSource(server).seller()
            with httpx.Client(base_url=server.base_url,
                              headers={"x-amz-access-token": token}) as http:
                return [http.get(ORDERS, params=QUERY).status_code for _ in range(30)]

    first = run()
    assert first == run()
    assert 5 < first.count(503) < 25


def test_rules_from_a_file(models_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text("faults:\n  - {id: slow-orders, operation: getOrders, status: '500'}\n")
    settings = Settings(models_dir=models_dir, port=0, throttle="off", faults_file=path)
    with running(settings) as server:
        listed = httpx.get(f"{server.base_url}/_emulator/faults").json()["faults"]
        assert [r["id"] for r in listed] == ["slow-orders"]
        token = TokenSource(server).seller()
        response = httpx.get(server.base_url + ORDERS, params=QUERY,
                             headers={"x-amz-access-token": token})
        assert response.status_code == 500


@pytest.mark.parametrize("rule", [
    {"status": "500"},  # neither operation nor path
    {"operation": "getOrders"},  # neither status nor latency
    {"operation": "getOrders", "status": "418"},
    {"operation": "getOrders", "status": "500", "probability": 2},
    {"operation": "getOrders", "latency_ms": -1},
    {"operation": "getOrders", "status": "500", "colour": "red"},
    ["not", "an", "object"],
])
def test_bad_rules_are_refused_whole(faults: httpx.Client, rule: object) -> None:
    response = faults.post("/_emulator/faults", json=rule)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"
    assert faults.get("/_emulator/faults").json()["faults"] == []


def test_deleting_an_unknown_rule_is_404(faults: httpx.Client) -> None:
    assert faults.delete("/_emulator/faults/nope").status_code == 404


def test_duplicate_ids_are_refused() -> None:
    faults = Faults(Randomness(1))
    faults.add({"id": "x", "operation": "getOrders", "status": "500"})
    with pytest.raises(FaultRuleError, match="exists"):
        faults.add({"id": "x", "operation": "getOrders", "status": "503"})
