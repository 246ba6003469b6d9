"""Shipping's figures: getRates against getOrder on the same emulator (p50 within 2x), buying
1,000 PDF labels one after another (under 10 s) and the size of a label (under 20 KB)."""

from __future__ import annotations

import base64
import gzip
import json
import os
import statistics
import time
from dataclasses import dataclass

import httpx

from bench.core import _access_token
from bench.load import LoadResult, median_of, wrk
from bench.servers import emulator_argv, free_port, serve

TARGETS = {"p50_ratio": 2.0, "labels_s": 10.0, "label_kb": 20.0}
SELLER = "AUJZDE8GXD6NCF"
LABELS = 1000
SHIP_FROM = {"Name": "Acme Goods", "AddressLine1": "300 Turnbull Ave", "Email": "ops@acme.test",
             "City": "Detroit", "StateOrProvinceCode": "MI", "PostalCode": "48123",
             "CountryCode": "US", "Phone": "7132341234"}


@dataclass
class ShippingFigures:
    get_order: LoadResult
    get_rates: LoadResult  # the same parcel again and again (quotes are kept)
    varied_rates: LoadResult  # a parcel of another weight each time (every quote computed)
    labels_seconds: float
    labels_cpu_seconds: float  # the emulator process's CPU time for them (load-independent)
    label_bytes: list[int]

    @property
    def ratio(self) -> float:
        return self.get_rates.p50_ms / self.get_order.p50_ms

    @property
    def varied_ratio(self) -> float:
        return self.varied_rates.p50_ms / self.get_order.p50_ms


def _order(http: httpx.Client, headers: dict[str, str], **spec: object) -> dict[str, object]:
    """A new merchant-fulfilled order (the control plane answers Orders v0's Order), with its
    items as getOrderItems lists them."""
    response = http.post("/_emulator/orders", json={
        "seller_id": SELLER, "status": "Unshipped", "fulfillment": "MFN", **spec})
    response.raise_for_status()
    order_id = response.json()["AmazonOrderId"]
    items = http.get(f"/orders/v0/orders/{order_id}/orderItems", headers=headers)
    items.raise_for_status()
    return {"order_id": order_id, "items": [
        {"order_item_id": i["OrderItemId"], "quantity": i["QuantityOrdered"]}
        for i in items.json()["payload"]["OrderItems"]]}


def _rates_body(order: dict[str, object], weight: str = "2") -> bytes:
    items = [{"itemIdentifier": i["order_item_id"], "quantity": i["quantity"]}
             for i in order["items"]]  # type: ignore[attr-defined]
    return json.dumps({
        "shipFrom": {"name": "Acme", "addressLine1": "300 Turnbull Ave", "city": "Detroit",
                     "stateOrRegion": "MI", "postalCode": "48123", "countryCode": "US"},
        "channelDetails": {"channelType": "AMAZON",
                           "amazonOrderDetails": {"orderId": order["order_id"]}},
        "packages": [{"dimensions": {"length": 10, "width": 8, "height": 4, "unit": "INCH"},
                      "weight": {"value": "@WEIGHT@", "unit": "POUND"},
                      "insuredValue": {"value": 0, "unit": "USD"},
                      "packageClientReferenceId": "P1", "items": items}]}).encode().replace(
        b'"@WEIGHT@"', weight.encode())


def _details(order: dict[str, object]) -> dict[str, object]:
    return {"AmazonOrderId": order["order_id"],
            "ItemList": [{"OrderItemId": i["order_item_id"], "Quantity": i["quantity"]}
                         for i in order["items"]],  # type: ignore[attr-defined]
            "ShipFromAddress": SHIP_FROM,
            "PackageDimensions": {"Length": 10, "Width": 8, "Height": 4, "Unit": "inches"},
            "Weight": {"Value": 20, "Unit": "oz"},
            "ShippingServiceOptions": {"DeliveryExperience":
                                       "DeliveryConfirmationWithoutSignature",
                                       "CarrierWillPickUp": False, "LabelFormat": "PDF"}}


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/PID/stat, clock ticks)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _buy_labels(base_url: str, headers: dict[str, str], pid: int
                ) -> tuple[float, float, list[int]]:
    with httpx.Client(base_url=base_url, timeout=60) as http:
        orders = [_order(http, headers) for _ in range(LABELS)]
        rdt = http.post("/tokens/2021-03-01/restrictedDataToken", headers=headers, json={
            "restrictedResources": [{"method": "POST", "path": "/mfn/v0/shipments"}]}
        ).json()["restrictedDataToken"]
        sizes = []
        cpu = _cpu_seconds(pid)
        started = time.perf_counter()
        for order in orders:
            response = http.post("/mfn/v0/shipments", headers={"x-amz-access-token": rdt},
                                 json={"ShipmentRequestDetails": _details(order),
                                       "ShippingServiceId": "USPS_PTP_PRI"})
            response.raise_for_status()
            contents = response.json()["payload"]["Label"]["FileContents"]["Contents"]
            sizes.append(len(gzip.decompress(base64.b64decode(contents))))
        return time.perf_counter() - started, _cpu_seconds(pid) - cpu, sizes


def measure(seconds: float, runs: int) -> ShippingFigures:
    port = free_port()
    with serve(emulator_argv(port, "--throttle", "off"), "/_emulator/health", port) as server:
        headers = _access_token(server.base_url)
        with httpx.Client(base_url=server.base_url, timeout=60) as http:
            order = _order(http, headers)
        order_url = f"{server.base_url}/orders/v0/orders/{order['order_id']}"
        rates_url = f"{server.base_url}/shipping/v2/shipments/rates"
        body, varied = _rates_body(order), _rates_body(order, "@VARY@")
        wrk(order_url, connections=8, seconds=1, headers=headers)  # warm-up
        wrk(rates_url, connections=8, seconds=1, headers=headers, body=body)
        order_runs: list[LoadResult] = []
        rates_runs: list[LoadResult] = []
        varied_runs: list[LoadResult] = []
        for _ in range(runs):  # interleaved, so all see the same machine
            order_runs.append(wrk(order_url, connections=8, seconds=seconds, headers=headers))
            rates_runs.append(wrk(rates_url, connections=8, seconds=seconds, headers=headers,
                                  body=body))
            varied_runs.append(wrk(rates_url, connections=8, seconds=seconds, headers=headers,
                                   body=varied))
        labels_seconds, labels_cpu, sizes = _buy_labels(server.base_url, headers,
                                                        server.process.pid)
    return ShippingFigures(median_of(order_runs), median_of(rates_runs), median_of(varied_runs),
                           labels_seconds, labels_cpu, sizes)


def report(figures: ShippingFigures) -> list[str]:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    largest = max(figures.label_bytes) / 1024
    return [
        "shipping: getRates (an Amazon order, 8 connections) against getOrder; MFN labels",
        f"  getOrder                      {figures.get_order.requests_per_second:9.0f} req/s"
        f"  p50 {figures.get_order.p50_ms:.2f} ms  non-2xx {figures.get_order.non_2xx}",
        f"  getRates                      {figures.get_rates.requests_per_second:9.0f} req/s"
        f"  p50 {figures.get_rates.p50_ms:.2f} ms  non-2xx {figures.get_rates.non_2xx}",
        f"  p50 ratio getRates/getOrder   {figures.ratio:9.2f}      target <= "
        f"{TARGETS['p50_ratio']:.1f}   {verdict(figures.ratio <= TARGETS['p50_ratio'])}",
        f"  getRates, another weight each {figures.varied_rates.requests_per_second:9.0f} req/s"
        f"  p50 {figures.varied_rates.p50_ms:.2f} ms  ratio {figures.varied_ratio:.2f}"
        f"  (no quote kept: for information)",
        f"  {LABELS} PDF labels bought      {figures.labels_seconds:9.2f} s      target < "
        f"{TARGETS['labels_s']:.0f}    {verdict(figures.labels_seconds < TARGETS['labels_s'])}"
        f"  ({figures.labels_seconds / LABELS * 1000:.1f} ms a label; the emulator's CPU "
        f"{figures.labels_cpu_seconds:.2f} s)",
        f"  label size                    {largest:9.1f} KB     target < "
        f"{TARGETS['label_kb']:.0f}    {verdict(largest < TARGETS['label_kb'])}"
        f"  (median {statistics.median(figures.label_bytes) / 1024:.1f} KB, largest shown)",
    ]
