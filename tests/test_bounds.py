"""Memory that grows with traffic has a bound (see README, "Memory"): documents and uploads
by bytes and age, reports and feeds by age and count, throttling buckets by use, sellers
nobody changed by count, per-seller caches by their seller's life. `make soak` shows the
whole emulator flat under a long mixed load; these tests pin each bound down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.business import jobs, store
from emulator.config import Settings
from emulator.harness.embedded import Running, running
from emulator.models.spec import ModelSet
from emulator.runtime.clock import Clock
from emulator.runtime.documents import Document, DocumentStore
from emulator.runtime.rng import Randomness
from emulator.runtime.throttle import SWEEP_EVERY, ThrottleMode, Throttler
from tests.conftest import TokenSource

US = "ATVPDKIKX0DER"
REPORTS, FEEDS = "/reports/2021-06-30", "/feeds/2021-06-30"


@pytest.fixture(scope="module")
def server(models_dir: Path) -> Iterator[Running]:
    settings = Settings(models_dir=models_dir, port=0, throttle="off", lifecycle="instant",
                        auth="open", document_budget_mb=1)
    with running(settings) as running_server:
        yield running_server


@pytest.fixture
def http(server: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30,
                      headers={"x-amz-access-token": TokenSource(server).seller()}) as client:
        yield client


def _upload(http: httpx.Client, size: int) -> str:
    created = http.post(f"{FEEDS}/documents", json={"contentType": "text/plain"}).json()
    assert httpx.put(created["url"], content=b"x" * size,
                     headers={"Content-Type": "text/plain"}).status_code == 200
    return str(created["feedDocumentId"])


def test_documents_stay_within_their_budget(server: Running, http: httpx.Client) -> None:
    documents = server.app.documents
    ids = [_upload(http, 300 * 1024) for _ in range(10)]  # 3 MB into a 1 MB budget
    assert documents.bytes <= 1024 * 1024
    assert documents.get(ids[-1]) is not None  # the newest stays
    assert documents.get(ids[0]) is None  # the oldest went first
    # A document that went is gone for its client too: createFeed refuses it.
    refused = http.post(f"{FEEDS}/feeds", json={"feedType": "POST_PRODUCT_DATA",
                                                "marketplaceIds": [US],
                                                "inputFeedDocumentId": ids[0]})
    assert refused.status_code == 400


def test_documents_go_after_90_days() -> None:
    clock = Clock()
    documents = DocumentStore(clock, Randomness(1), "http://127.0.0.1:1")
    old = documents.add(Document("old", "report", "app", "seller", clock.now(), "text/plain",
                                 b"old"))
    clock.advance(91 * 86400)
    documents.add(Document("new", "report", "app", "seller", clock.now(), "text/plain", b"new"))
    assert documents.get(old.document_id) is None and documents.get("new") is not None
    assert documents.bytes == 3


def test_reports_are_kept_90_days_and_at_most_max_jobs(server: Running, http: httpx.Client,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "MAX_JOBS", 5)
    made = [http.post(f"{REPORTS}/reports", json={
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]}).json()["reportId"]
        for _ in range(8)]
    book = server.app.families["reports"].book  # type: ignore[attr-defined]
    assert len(book.jobs) <= 5
    assert http.get(f"{REPORTS}/reports/{made[0]}").status_code == 404
    newest = http.get(f"{REPORTS}/reports/{made[-1]}").json()
    assert newest["processingStatus"] == "DONE"
    # A forgotten report's document went with it.
    assert all(server.app.documents.get(r.document_id) is not None
               for r in book.jobs.values() if r.document_id is not None)
    monkeypatch.setattr(jobs, "MAX_JOBS", 10_000)
    httpx.post(f"{server.base_url}/_emulator/clock/advance", json={"seconds": 91 * 86400})
    book.prune()
    assert made[-1] not in book.jobs


def test_refilled_buckets_are_forgotten(models: ModelSet) -> None:
    clock = Clock()
    throttler = Throttler(clock, ThrottleMode.parse("amazon"))
    operation = models.operation("ordersV0.getOrders")
    for seller in range(SWEEP_EVERY):
        assert throttler.take("app", f"seller-{seller}", operation)
    assert len(throttler) == SWEEP_EVERY
    clock.advance(3600)  # every bucket has refilled: as good as new
    for seller in range(SWEEP_EVERY):
        assert throttler.take("app", f"other-{seller}", operation)
    # The sweep that came with the new buckets forgot the old ones.
    assert len(throttler) <= SWEEP_EVERY
    # A bucket still refilling is kept: it still throttles.
    plan = throttler.plan(operation)
    for _ in range(plan.burst):
        throttler.take("app", "busy", operation)
    assert not throttler.take("app", "busy", operation)
    throttler.sweep()
    assert not throttler.take("app", "busy", operation)


def test_sellers_nobody_changed_are_let_go(server: Running,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Open auth makes a seller per refresh token: those a client only read are the seed's,
    made again identically when used again, so only a few stay in memory."""
    app = server.app.accounts.apps[0]
    monkeypatch.setattr(store, "UNCHANGED_SELLERS", 3)
    first_orders = None
    for number in range(6):
        token = server.app.tokens.issue_access(
            app, server.app.accounts.derive_seller(f"Atzr|bounds-{number}"))
        answer = httpx.get(f"{server.base_url}/orders/v0/orders", params={
            "MarketplaceIds": US, "CreatedAfter": "2020-01-01T00:00:00Z"},
            headers={"x-amz-access-token": token})
        assert answer.status_code == 200
        if number == 0:
            first_orders = answer.json()["payload"]["Orders"]
    kept = [s for s in server.app.store.generated() if s.regenerable]
    assert len(kept) <= 3
    # The first seller, let go of, answers exactly as before when it comes back.
    token = server.app.tokens.issue_access(
        app, server.app.accounts.derive_seller("Atzr|bounds-0"))
    again = httpx.get(f"{server.base_url}/orders/v0/orders", params={
        "MarketplaceIds": US, "CreatedAfter": "2020-01-01T00:00:00Z"},
        headers={"x-amz-access-token": token}).json()["payload"]["Orders"]
    assert again == first_orders
    # A seller with changes is never let go of.
    seller = server.app.accounts.derive_seller("Atzr|bounds-changed")
    assert httpx.post(f"{server.base_url}/_emulator/orders",
                      json={"seller_id": seller.seller_id}).status_code == 201
    for number in range(6, 12):
        server.app.store.of(server.app.accounts.derive_seller(f"Atzr|bounds-{number}"))
    assert any(s.seller_id == seller.seller_id for s in server.app.store.generated())
