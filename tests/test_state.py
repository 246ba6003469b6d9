"""The seeded state and its control plane: determinism, reset, seed, snapshots, new orders
(the state file's own tests are tests/test_state_file.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.business import scenario as scenarios
from emulator.config import FIXTURES, Settings
from emulator.harness.embedded import Running, running
from tests.support import control_order

SELLER = "AUJZDE8GXD6NCF"  # the first seller of fixtures/accounts.yaml


def _state(server: Running) -> dict[str, object]:
    response = httpx.get(f"{server.base_url}/_emulator/state", params={"seller": SELLER},
                         timeout=60)
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def fixed_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default scenario pinned to one day, so two runs on any day agree byte for byte."""
    path = tmp_path_factory.mktemp("scenarios") / "pinned.yaml"
    text = (FIXTURES / "scenarios" / "default.yaml").read_text()
    path.write_text(text.replace("anchor: today", "anchor: 2026-06-01"))
    return path


@pytest.fixture
def fresh(models_dir: Path, fixed_scenario: Path) -> Iterator[Running]:
    settings = Settings(models_dir=models_dir, port=0, throttle="off",
                        scenario_file=fixed_scenario)
    with running(settings) as server:
        yield server


def test_same_seed_same_business_other_seed_another(models_dir: Path,
                                                      fixed_scenario: Path) -> None:
    def snapshot(seed: int) -> bytes:
        settings = Settings(models_dir=models_dir, port=0, seed=seed,
                            scenario_file=fixed_scenario)
        with running(settings) as server:
            return json.dumps(_state(server), sort_keys=True).encode()

    first = snapshot(7)
    assert first == snapshot(7)
    assert first != snapshot(8)


def test_the_generated_business(fresh: Running) -> None:
    seller = _state(fresh)["sellers"][SELLER]  # type: ignore[index]
    orders, listings = seller["orders"], seller["listings"]
    assert len(orders) == 1000 and len(listings) == 150 and len(seller["catalog"]) == 200
    statuses = {o["status"] for o in orders}
    assert {"Shipped", "Canceled", "Unshipped"} <= statuses
    assert {o["fulfillment"] for o in orders} == {"MFN", "AFN"}
    assert any(o["is_prime"] for o in orders) and any(o["is_business"] for o in orders)
    skus = {x["sku"] for x in listings}
    assert all(item["sku"] in skus for o in orders for item in o["items"])
    asins = {c["asin"] for c in seller["catalog"]}
    assert all(x["asin"] in asins for x in listings)
    afn = {x["sku"] for x in listings if x["fulfillment"] == "AFN"}
    assert {r["sku"] for r in seller["inventory"]} == afn
    dates = [o["purchase_date"] for o in orders]
    assert dates == sorted(dates)
    assert max(dates) <= fresh.app.store.anchor  # the pinned day


def test_new_order_defaults_and_stock(fresh: Running) -> None:
    snapshot = _state(fresh)["sellers"][SELLER]  # type: ignore[index]
    inventory = {r["sku"]: r for r in snapshot["inventory"]}
    sku = next(s for s, r in inventory.items() if r["fulfillable"] >= 2)
    order = control_order(fresh, SELLER, items=[{"sku": sku, "quantity": 2}])
    assert order["status"] == "Pending" and order["items"][0]["quantity"] == 2
    assert order["purchase_date"] == pytest.approx(fresh.app.clock.now(), abs=5)
    after = {r["sku"]: r for r in _state(fresh)["sellers"][SELLER]["inventory"]}  # type: ignore[index]
    assert after[sku]["fulfillable"] == inventory[sku]["fulfillable"] - 2
    assert after[sku]["reserved_customer_order"] == inventory[sku]["reserved_customer_order"] + 2
    # All defaults: a buyable listing, one unit, in the seller's home marketplace.
    default = control_order(fresh, SELLER)
    assert default["marketplace_id"] == "ATVPDKIKX0DER" and len(default["items"]) == 1


@pytest.mark.parametrize(("body", "status"), [
    ({}, 400), ({"seller_id": "ANOBODY"}, 404), ({"seller_id": SELLER, "colour": "red"}, 400),
    ({"seller_id": SELLER, "items": [{"sku": "NO-SUCH-SKU"}]}, 400),
    ({"seller_id": SELLER, "items": [{"sku": "x", "quantity": 0}]}, 400),
    ({"seller_id": SELLER, "marketplace_id": "A1PA6795UKMFR9"}, 400),
    ({"seller_id": SELLER, "status": "Lost"}, 400),
])
def test_bad_order_specs(fresh: Running, body: dict[str, object], status: int) -> None:
    response = httpx.post(f"{fresh.base_url}/_emulator/orders", json=body)
    assert response.status_code == status, response.text
    assert "errors" in response.json()


def test_reset_and_seed(fresh: Running) -> None:
    base = fresh.base_url
    before = _state(fresh)
    httpx.post(f"{base}/_emulator/orders", json={"seller_id": SELLER})
    assert _state(fresh) != before
    assert httpx.post(f"{base}/_emulator/reset", json={}).status_code == 200
    assert _state(fresh) == before
    reseeded = httpx.post(f"{base}/_emulator/seed", json={"seed": 99})
    assert reseeded.status_code == 200 and reseeded.json()["seed"] == 99
    assert _state(fresh)["sellers"] != before["sellers"]
    assert httpx.post(f"{base}/_emulator/seed", json={"seed": 1, "scenario": "pinned"}
                      ).status_code == 200
    for bad in ({"seed": "x"}, {"scenario": "../../etc/passwd"}, {"scenario": "nope"}, []):
        assert httpx.post(f"{base}/_emulator/seed", json=bad).status_code == 400


def test_snapshot_restore_round_trip_and_refusal(fresh: Running) -> None:
    base = fresh.base_url
    httpx.post(f"{base}/_emulator/orders", json={"seller_id": SELLER, "status": "Unshipped"})
    snapshot = _state(fresh)
    httpx.post(f"{base}/_emulator/reset", json={})
    assert _state(fresh) != snapshot
    assert httpx.put(f"{base}/_emulator/state", json=snapshot, timeout=60).status_code == 200
    assert _state(fresh) == snapshot
    # A bad snapshot is refused whole: nothing half-applied.
    broken = json.loads(json.dumps(snapshot))
    broken["sellers"][SELLER]["orders"][-1]["items"][0]["quantity"] = "two"
    response = httpx.put(f"{base}/_emulator/state", json=broken, timeout=60)
    assert response.status_code == 400
    assert "quantity" in response.json()["errors"][0]["message"]
    assert _state(fresh) == snapshot
    for bad in ({"version": 99}, {"version": 1, "seed": 1, "sellers": {"ANOBODY": {}}}, [1]):
        assert httpx.put(f"{base}/_emulator/state", json=bad).status_code == 400
    assert _state(fresh) == snapshot


def test_scenario_files_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sellers:\n  '*': {orders: -1}\n")
    with pytest.raises(scenarios.ScenarioError, match="orders"):
        scenarios.load(bad)
    bad.write_text("sellers:\n  '*': {listings: 500, catalog_items: 10}\n")
    with pytest.raises(scenarios.ScenarioError, match="listings"):
        scenarios.load(bad)
    assert scenarios.load(FIXTURES / "scenarios" / "default.yaml", scale=5).shape(SELLER
                                                                                  ).orders == 5


def test_reset_forgets_reports_and_documents(models_dir: Path, fixed_scenario: Path) -> None:
    settings = Settings(models_dir=models_dir, port=0, throttle="off", lifecycle="instant",
                        scenario_file=fixed_scenario)
    with running(settings) as server:
        from tests.conftest import TokenSource

        http = httpx.Client(base_url=server.base_url,
                            headers={"x-amz-access-token": TokenSource(server).seller()})
        created = http.post("/reports/2021-06-30/reports", json={
            "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": ["ATVPDKIKX0DER"]})
        report_id = created.json()["reportId"]
        report = http.get(f"/reports/2021-06-30/reports/{report_id}").json()
        assert report["processingStatus"] == "DONE"
        document = http.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
        assert httpx.get(document["url"]).status_code == 200
        assert httpx.post(f"{server.base_url}/_emulator/reset", json={}).status_code == 200
        assert http.get(f"/reports/2021-06-30/reports/{report_id}").status_code == 404
        assert httpx.get(document["url"]).status_code == 403
