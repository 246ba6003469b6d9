"""Fulfillment by Amazon's figures, over HTTP against a served emulator: a Send to Amazon plan
of 200 SKUs from creation to every shipment CLOSED (the clock advanced), and 1,000
Multi-Channel Fulfillment orders created and completed. Each is also given in plain SP-API
calls' worth (getInventorySummaries measured in the same run), the baseline."""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.core import _access_token
from bench.servers import emulator_argv, free_port, serve

TARGETS = {"inbound_200_s": 2.0, "mcf_1000_s": 10.0}
US = "ATVPDKIKX0DER"
INBOUND = "/inbound/fba/2024-03-20"
OUTBOUND = "/fba/outbound/2020-07-01"
SKUS, ORDERS = 200, 1000
# A seller with enough FBA SKUs for a 200-SKU plan (the default scenario has ~70).
SCENARIO = """name: fba-bench
anchor: today
sellers:
  "*":
    catalog_items: 600
    listings: 500
    fba_share: 0.6
    orders: 200
    days: 30
"""
SOURCE = {"name": "Bench Warehouse", "addressLine1": "400 Dock St", "city": "Seattle",
          "stateOrProvinceCode": "WA", "postalCode": "98101", "countryCode": "US",
          "phoneNumber": "2065550100"}
ADDRESS = {"name": "Jane Doe", "addressLine1": "1 Main St", "city": "Seattle",
           "stateOrRegion": "WA", "postalCode": "98101", "countryCode": "US"}


@dataclass
class FbaFigures:
    inbound_seconds: list[float]
    inbound_calls: int
    mcf_seconds: list[float]
    baseline_ms: float


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text[:500]
    return response.json() if response.content else None


def _operation(http: httpx.Client, response: httpx.Response) -> Any:
    body = _ok(response, 202)
    status = _ok(http.get(f"{INBOUND}/operations/{body['operationId']}"))
    assert status["operationStatus"] == "SUCCESS", status
    return body


def _advance(base_url: str, seconds: float) -> None:
    _ok(httpx.post(f"{base_url}/_emulator/clock/advance", json={"seconds": seconds}))


def _inbound_plan(http: httpx.Client, base_url: str, skus: list[str]) -> int:
    """One plan of `skus` from creation to CLOSED; returns the calls it took."""
    calls = 0

    def op(method: str, path: str, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 2
        return _operation(http, http.request(method, INBOUND + path, **kwargs))

    def get(path: str, **params: Any) -> Any:
        nonlocal calls
        calls += 1
        return _ok(http.get(INBOUND + path, params=params))

    plan = op("POST", "/inboundPlans", json={
        "destinationMarketplaces": [US], "sourceAddress": SOURCE,
        "items": [{"msku": s, "quantity": 10, "labelOwner": "SELLER", "prepOwner": "SELLER"}
                  for s in skus]})["inboundPlanId"]
    op("POST", f"/inboundPlans/{plan}/packingOptions")
    option = get(f"/inboundPlans/{plan}/packingOptions")["packingOptions"][0]
    op("POST", f"/inboundPlans/{plan}/packingOptions/{option['packingOptionId']}/confirmation")
    groupings = []
    for group in option["packingGroups"]:
        items: list[dict[str, Any]] = []
        token = None
        while True:
            page = get(f"/inboundPlans/{plan}/packingGroups/{group}/items", pageSize=100,
                       **({"paginationToken": token} if token else {}))
            items += page["items"]
            token = page.get("pagination", {}).get("nextToken")
            if not token:
                break
        groupings.append({"packingGroupId": group, "boxes": [
            {"contentInformationSource": "BOX_CONTENT_PROVIDED", "quantity": 1,
             "dimensions": {"length": 18, "width": 12, "height": 10, "unitOfMeasurement": "IN"},
             "weight": {"unit": "LB", "value": 20},
             "items": [{"msku": i["msku"], "quantity": i["quantity"], "labelOwner": "SELLER",
                        "prepOwner": "SELLER"}]} for i in items]})
    op("POST", f"/inboundPlans/{plan}/packingInformation", json={"packageGroupings": groupings})
    op("POST", f"/inboundPlans/{plan}/placementOptions", json={})
    placement = max(get(f"/inboundPlans/{plan}/placementOptions")["placementOptions"],
                    key=lambda o: len(o["shipmentIds"]))
    start = _ok(httpx.get(f"{base_url}/_emulator/clock"))["now"]
    op("POST", f"/inboundPlans/{plan}/transportationOptions", json={
        "placementOptionId": placement["placementOptionId"],
        "shipmentTransportationConfigurations": [
            {"shipmentId": s, "readyToShipWindow": {"start": start}}
            for s in placement["shipmentIds"]]})
    options = get(f"/inboundPlans/{plan}/transportationOptions", pageSize=20,
                  placementOptionId=placement["placementOptionId"])["transportationOptions"]
    op("POST", f"/inboundPlans/{plan}/placementOptions/{placement['placementOptionId']}/"
       "confirmation")
    op("POST", f"/inboundPlans/{plan}/transportationOptions/confirmation", json={
        "transportationSelections": [
            {"shipmentId": t["shipmentId"], "transportationOptionId": t["transportationOptionId"]}
            for t in options if t["shippingSolution"] == "AMAZON_PARTNERED_CARRIER"]})
    _advance(base_url, 10 * 86400)
    for shipment in placement["shipmentIds"]:
        assert get(f"/inboundPlans/{plan}/shipments/{shipment}")["status"] == "CLOSED"
    return calls


def _mcf_orders(http: httpx.Client, base_url: str, skus: list[str], run: int) -> None:
    for n in range(ORDERS):
        order_id = f"BENCH-{run}-{n}"
        _ok(http.post(f"{OUTBOUND}/fulfillmentOrders", json={
            "sellerFulfillmentOrderId": order_id, "displayableOrderId": order_id,
            "displayableOrderDate": "2024-05-01T12:00:00Z", "displayableOrderComment": "bench",
            "shippingSpeedCategory": "Standard", "destinationAddress": ADDRESS,
            "items": [{"sellerSku": skus[n % len(skus)], "quantity": 1,
                       "sellerFulfillmentOrderItemId": "1"}]}))
    _advance(base_url, 86400)
    done, token = 0, None
    while True:
        page = _ok(http.get(f"{OUTBOUND}/fulfillmentOrders",
                            params={"nextToken": token} if token else {}))["payload"]
        done += sum(o["fulfillmentOrderStatus"] == "Complete" for o in page["fulfillmentOrders"]
                    if o["sellerFulfillmentOrderId"].startswith(f"BENCH-{run}-"))
        token = page.get("nextToken")
        if not token:
            break
    assert done == ORDERS, done


def measure(seconds: float, runs: int) -> FbaFigures:
    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder) / "fba.yaml"
        scenario.write_text(SCENARIO)
        port = free_port()
        argv = emulator_argv(port, "--scenario", str(scenario), "--lifecycle", "instant",
                             "--throttle", "off", "--token-ttl", str(10 * 365 * 86400))
        with serve(argv, "/_emulator/health", port, timeout=120) as server:
            headers = _access_token(server.base_url)
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as http:
                summaries = {"granularityType": "Marketplace", "granularityId": US,
                             "marketplaceIds": US, "details": "true"}
                records = _ok(http.get("/fba/inventory/v1/summaries", params=summaries))
                samples = []
                for _ in range(200):
                    started = time.perf_counter()
                    _ok(http.get("/fba/inventory/v1/summaries", params=summaries))
                    samples.append((time.perf_counter() - started) * 1000)
                skus = _all_skus(http, records)
                assert len(skus) >= SKUS, len(skus)
                stocked = [s for s, units in skus.items() if units >= 50]
                inbound_times, calls = [], 0
                for run in range(max(1, runs)):
                    chosen = sorted(skus)[run * 7 % 50:][:SKUS]
                    started = time.perf_counter()
                    calls = _inbound_plan(http, server.base_url, chosen)
                    inbound_times.append(time.perf_counter() - started)
                mcf_times = []
                for run in range(max(1, min(runs, 2))):
                    started = time.perf_counter()
                    _mcf_orders(http, server.base_url, stocked, run)
                    mcf_times.append(time.perf_counter() - started)
    return FbaFigures(inbound_times, calls, mcf_times, statistics.median(samples))


def _all_skus(http: httpx.Client, first: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    page = first
    while True:
        for summary in page["payload"]["inventorySummaries"]:
            found[summary["sellerSku"]] = summary["inventoryDetails"]["fulfillableQuantity"]
        token = page.get("pagination", {}).get("nextToken")
        if not token:
            return found
        page = _ok(http.get("/fba/inventory/v1/summaries", params={
            "granularityType": "Marketplace", "granularityId": US, "marketplaceIds": US,
            "details": "true", "nextToken": token}))


def report(figures: FbaFigures) -> list[str]:
    inbound = statistics.median(figures.inbound_seconds)
    mcf = statistics.median(figures.mcf_seconds)
    baseline = figures.baseline_ms / 1000

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    return [
        f"fba: Send to Amazon and Multi-Channel Fulfillment (baseline: getInventorySummaries "
        f"{figures.baseline_ms:.2f} ms)",
        f"  inbound plan of {SKUS} SKUs to CLOSED {inbound:6.2f} s      target <= "
        f"{TARGETS['inbound_200_s']:.1f}   {verdict(inbound <= TARGETS['inbound_200_s'])}"
        f"  ({figures.inbound_calls} calls, {inbound / baseline:.0f} baseline calls; runs: "
        f"{', '.join(f'{s:.2f}' for s in figures.inbound_seconds)})",
        f"  {ORDERS} MCF orders created + completed {mcf:6.2f} s  target <= "
        f"{TARGETS['mcf_1000_s']:.1f}   {verdict(mcf <= TARGETS['mcf_1000_s'])}"
        f"  ({mcf / ORDERS * 1000:.2f} ms an order = {mcf / ORDERS / baseline:.1f} baseline "
        f"calls; runs: {', '.join(f'{s:.2f}' for s in figures.mcf_seconds)})",
    ]
