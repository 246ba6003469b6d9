"""`python -m bench.soak [--minutes M]` (`make soak`): a mixed workload over HTTP against one
emulator process, its resident memory sampled, to show that memory stays flat once the
bounded stores are full.

The emulator runs as test suites run it (open auth, the models' throttling scaled up so that
the load is not refused, a state file, notifications subscribed). Client threads loop over: a
page of getOrders and an order's items, a listing's quantity patched (notifications follow),
a report made and downloaded, a feed document uploaded (256 KB) and a feed created on it, and
now and then a new order on the control plane, a seller of its own (open auth: as per-test
sellers do) and the journal read. Warm-up lasts until the journal, the notification
outbox and the documents are full (each has a bound), then RSS is watched for M minutes: the
run fails (exit 1) if it grew by more than 10 % (and 20 MB) over that time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.core import _access_token
from bench.servers import Server, emulator_argv, free_port, serve

SELLER = "AUJZDE8GXD6NCF"
US = "ATVPDKIKX0DER"
UPLOAD = 256 * 1024
DOCUMENT_BUDGET_MB = 64  # the default of --document-budget
OUTBOX = 10_000  # OUTBOX_CAPACITY
JOURNAL = 10_000  # the default of --journal-size
SUBSCRIPTIONS = {"ORDER_CHANGE": "1.0", "LISTINGS_ITEM_MFN_QUANTITY_CHANGE": "1.0",
                 "LISTINGS_ITEM_STATUS_CHANGE": "1.0",
                 "REPORT_PROCESSING_FINISHED": "2020-09-04",
                 "FEED_PROCESSING_FINISHED": "2020-09-04"}
GROWTH_SHARE, GROWTH_MB = 0.10, 20.0


@dataclass
class Soak:
    server: Server
    headers: dict[str, str]
    skus: list[str]
    app: dict[str, str]
    stop: threading.Event = field(default_factory=threading.Event)
    counts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, what: str, amount: int = 1) -> None:
        with self.lock:
            self.counts[what] += amount

    def failed(self, what: str, response: httpx.Response) -> None:
        with self.lock:
            self.errors[f"{what} {response.status_code}"] += 1


def _setup(server: Server) -> Soak:
    headers = _access_token(server.base_url)
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        state = http.get("/_emulator/state", params={"seller": SELLER}).json()
        listings = state["sellers"][SELLER]["listings"]
        skus = [x["sku"] for x in listings if x["fulfillment"] == "MFN"][:40]
        app = http.get("/_emulator/credentials").json()["apps"][0]
        grantless = httpx.post(f"{server.base_url}/auth/o2/token", data={
            "grant_type": "client_credentials", "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "sellingpartnerapi::notifications"}).json()["access_token"]
        destination = http.post("/notifications/v1/destinations", headers={
            "x-amz-access-token": grantless}, json={
            "name": "soak", "resourceSpecification": {
                "sqs": {"arn": "arn:aws:sqs:us-east-1:123456789012:soak"}}}).json()
        destination_id = destination["payload"]["destinationId"]
        for kind, version in SUBSCRIPTIONS.items():
            http.post(f"/notifications/v1/subscriptions/{kind}", headers=headers,
                      json={"payloadVersion": version, "destinationId": destination_id})
    return Soak(server, headers, skus, app)


def _client(soak: Soak, number: int) -> None:
    base = soak.server.base_url
    with httpx.Client(base_url=base, headers=soak.headers, timeout=60) as http, \
            httpx.Client(base_url=base, timeout=60) as plain:
        turn = 0
        while not soak.stop.is_set():
            turn += 1
            try:
                _turn(soak, http, plain, number, turn)
            except httpx.TransportError as error:
                with soak.lock:
                    soak.errors[type(error).__name__] += 1


def _check(soak: Soak, what: str, response: httpx.Response) -> bool:
    if response.is_success:
        soak.count(what)
        return True
    soak.failed(what, response)
    return False


def _turn(soak: Soak, http: httpx.Client, plain: httpx.Client, number: int, turn: int) -> None:
    """One round of calls: `http` carries the seller's token, `plain` (documents, control
    plane) none."""
    page = http.get("/orders/v0/orders", params={
        "MarketplaceIds": US, "CreatedAfter": "2020-01-01T00:00:00Z", "MaxResultsPerPage": 20})
    if _check(soak, "getOrders", page):
        orders = page.json()["payload"]["Orders"]
        order_id = orders[turn % len(orders)]["AmazonOrderId"]
        _check(soak, "getOrderItems", http.get(f"/orders/v0/orders/{order_id}/orderItems"))
    sku = soak.skus[(number * 7 + turn) % len(soak.skus)]
    _check(soak, "patchListingsItem", http.patch(
        f"/listings/2021-08-01/items/{SELLER}/{sku}", params={"marketplaceIds": US},
        json={"productType": "PRODUCT", "patches": [{
            "op": "replace", "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": turn % 50 + 1}]}]}))
    if turn % 25 == 0:
        # New orders are the clients' data, kept until a reset (README "Memory"): made now
        # and then, so that what grows by design does not hide what must not grow.
        _check(soak, "newOrder", plain.post("/_emulator/orders", json={"seller_id": SELLER}))
    report = http.post("/reports/2021-06-30/reports", json={
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]})
    if _check(soak, "createReport", report):
        found = http.get(f"/reports/2021-06-30/reports/{report.json()['reportId']}").json()
        if found.get("reportDocumentId"):
            info = http.get(f"/reports/2021-06-30/documents/{found['reportDocumentId']}")
            if _check(soak, "getReportDocument", info):
                _check(soak, "download", plain.get(info.json()["url"]))
    document = http.post("/feeds/2021-06-30/documents", json={"contentType": "text/plain"})
    if _check(soak, "createFeedDocument", document):
        created = document.json()
        if _check(soak, "upload", plain.put(created["url"], content=os.urandom(UPLOAD),
                                            headers={"Content-Type": "text/plain"})):
            soak.count("uploaded bytes", UPLOAD)
            _check(soak, "createFeed", http.post("/feeds/2021-06-30/feeds", json={
                "feedType": "POST_PRODUCT_DATA", "marketplaceIds": [US],
                "inputFeedDocumentId": created["feedDocumentId"]}))
    if turn % 25 == 0:
        _check(soak, "journal", plain.get("/_emulator/journal", params={"limit": 100}))
    if turn % 20 == 0:
        _new_seller(soak, plain, f"Atzr|soak-{number}-{turn}")


def _new_seller(soak: Soak, plain: httpx.Client, refresh_token: str) -> None:
    """A seller of its own (open auth), used once: its business is generated, then let go."""
    app = soak.app
    token = plain.post("/auth/o2/token", data={
        "grant_type": "refresh_token", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "refresh_token": refresh_token})
    if _check(soak, "newSeller", token):
        _check(soak, "getOrders", plain.get("/orders/v0/orders", params={
            "MarketplaceIds": US, "CreatedAfter": "2020-01-01T00:00:00Z"},
            headers={"x-amz-access-token": token.json()["access_token"]}))


def _full(soak: Soak) -> bool:
    """Whether the journal, the outbox and the documents have reached their bounds."""
    base = soak.server.base_url
    journal = httpx.get(f"{base}/_emulator/journal", params={"limit": 0}).json()["total"]
    outbox = httpx.get(f"{base}/_emulator/notifications", params={"limit": 0}).json()["total"]
    uploaded = soak.counts["uploaded bytes"] / 2**20
    return journal >= JOURNAL and outbox >= OUTBOX and uploaded >= 1.5 * DOCUMENT_BUDGET_MB


def run(minutes: float, clients: int, max_warmup: float) -> int:
    with tempfile.TemporaryDirectory() as directory:
        state_file = Path(directory) / "soak-state.jsonl"
        port = free_port()
        argv = emulator_argv(port, "--auth", "open", "--throttle", "scale:100000",
                             "--lifecycle", "instant", "--state-file", str(state_file))
        with serve(argv, "/_emulator/health", port) as server:
            soak = _setup(server)
            threads = [threading.Thread(target=_client, args=(soak, n), daemon=True)
                       for n in range(clients)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            samples: list[tuple[float, float]] = []
            while not _full(soak) and time.monotonic() - started < max_warmup:
                time.sleep(2)
                samples.append((time.monotonic() - started, server.rss_mb()))
            warm = time.monotonic() - started
            warm_rss = server.rss_mb()
            watched: list[float] = []
            while time.monotonic() - started < warm + minutes * 60:
                time.sleep(2)
                rss = server.rss_mb()
                watched.append(rss)
                samples.append((time.monotonic() - started, rss))
            soak.stop.set()
            for thread in threads:
                thread.join(timeout=60)
            size = state_file.stat().st_size
    return _report(soak, warm, warm_rss, watched, samples, size, minutes)


def _report(soak: Soak, warm: float, warm_rss: float, watched: list[float],
            samples: list[tuple[float, float]], state_bytes: int, minutes: float) -> int:
    final = statistics.median(watched[-5:])
    growth = final - warm_rss
    ok = growth <= max(GROWTH_SHARE * warm_rss, GROWTH_MB)
    requests = sum(v for k, v in soak.counts.items() if k != "uploaded bytes")
    print(f"soak: {len(soak.counts)} kinds of call, {requests} calls, "
          f"{soak.counts['uploaded bytes'] / 2**20:.0f} MB uploaded, "
          f"{soak.counts['createReport']} reports, {soak.counts['newOrder']} new orders")
    print("  calls: " + ", ".join(f"{k} {v}" for k, v in sorted(soak.counts.items())
                                  if k != "uploaded bytes"))
    if soak.errors:
        print("  not 2xx: " + ", ".join(f"{k} {v}" for k, v in sorted(soak.errors.items())))
    timeline = "  ".join(f"{t:.0f}s {rss:.0f}" for t, rss in samples[:: max(1, len(samples)
                                                                         // 12)])
    print(f"  RSS (MB) over time: {timeline}")
    print(f"  warm-up (journal, outbox and documents full) {warm:.0f} s: RSS {warm_rss:.1f} MB")
    print(f"  then {minutes:g} min: RSS min {min(watched):.1f}, max {max(watched):.1f}, "
          f"final {final:.1f} MB; growth {growth:+.1f} MB ({growth / warm_rss:+.1%})")
    print(f"  state file at the end: {state_bytes / 1e6:.1f} MB")
    print(f"  RSS flat after warm-up (growth <= {GROWTH_SHARE:.0%} or {GROWTH_MB:.0f} MB): "
          f"{'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--minutes", type=float, default=2.0,
                        help="how long RSS is watched after the warm-up (default 2)")
    parser.add_argument("--clients", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--max-warmup", type=float, default=300.0,
                        help="seconds the warm-up may take at most (default 300)")
    args = parser.parse_args()
    return run(args.minutes, args.clients, args.max_warmup)


if __name__ == "__main__":
    raise SystemExit(main())
