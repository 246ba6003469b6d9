"""Changes are whole or nothing (emulator/business/transactions.py): a request that fails after the
first write of a change that spans records leaves no trace, neither in memory, nor in the
state file, nor on the event bus; the same request without the failure then goes through."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.business.store import StateStore
from emulator.config import Settings
from emulator.families.listings import rules as listing_rules
from emulator.harness.embedded import Running, running
from tests.conftest import TokenSource
from tests.test_listings import BASE, US, Recorder, new_listing

SELLER_INDEX = 0


@pytest.fixture(scope="module")
def state_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("atomic") / "state.jsonl"


@pytest.fixture(scope="module")
def server(models_dir: Path, state_file: Path) -> Iterator[Running]:
    settings = Settings(models_dir=models_dir, port=0, throttle="off", scale=50,
                        state_file=state_file)
    with running(settings) as running_server:
        yield running_server


@pytest.fixture(scope="module")
def sp(server: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30,
                      headers={"x-amz-access-token": TokenSource(server).seller()}) as client:
        yield client


def snapshot(server: Running) -> Any:
    response = httpx.get(f"{server.base_url}/_emulator/state", timeout=60)
    assert response.status_code == 200
    return response.json()


@contextmanager
def failing_after_writes(store: StateStore, writes: int) -> Iterator[list[str]]:
    """`store.changed` raises once it has recorded `writes` changes; yields what it saw."""
    real: Callable[..., None] = store.changed
    seen: list[str] = []

    def changed(state: Any, kind: str, key: str, *args: Any, **kwargs: Any) -> None:
        if len(seen) >= writes:
            raise RuntimeError(f"injected failure before changing {kind} {key}")
        seen.append(f"{kind} {key}")
        real(state, kind, key, *args, **kwargs)

    store.changed = changed  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del store.changed  # type: ignore[attr-defined]


@contextmanager
def unchanged(server: Running, state_file: Path) -> Iterator[None]:
    """The block changes nothing: not the state, not the state file, no event."""
    server.app.store.of(server.app.accounts.sellers[SELLER_INDEX])
    before, on_disk = snapshot(server), state_file.read_bytes()
    with Recorder(server) as events:
        yield
    assert snapshot(server) == before
    assert state_file.read_bytes() == on_disk
    assert events.seen == []


def test_a_new_product_fails_after_its_catalog_item(server: Running, sp: httpx.Client,
                                                    state_file: Path) -> None:
    """putListingsItem of a new product writes a catalog item, then the listing."""
    seller = server.app.accounts.sellers[SELLER_INDEX].seller_id
    url = f"{BASE}/{seller}/ATOMIC-1"
    with unchanged(server, state_file), failing_after_writes(server.app.store, 1) as seen:
        response = sp.put(url, params={"marketplaceIds": US}, json=new_listing())
        assert response.status_code == 500, response.text
        assert response.json()["errors"][0]["code"] == "InternalFailure"
        assert len(seen) == 1 and seen[0].startswith("catalog ")
    assert sp.get(url, params={"marketplaceIds": US}).status_code == 404
    made = sp.put(url, params={"marketplaceIds": US}, json=new_listing())
    assert made.status_code == 200 and made.json()["status"] == "ACCEPTED"
    lines = [json.loads(line) for line in state_file.read_text().splitlines()[1:]]
    # Entity records (the state file also holds the families' sections and snapshot marks).
    assert {(r["kind"], r["key"]) for r in lines if "kind" in r} >= {("listing", "ATOMIC-1")}


def test_an_existing_listing_fails_half_changed(server: Running, sp: httpx.Client,
                                                state_file: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after the listing's fields moved, before anything was recorded: the record
    itself is put back as it was (other objects hold it, so in place)."""
    state = server.app.store.of(server.app.accounts.sellers[SELLER_INDEX])
    listing = next(x for x in state.listings.values()
                   if x.fulfillment == "MFN" and US in x.prices)
    held = listing

    def broken(_: Any) -> None:
        raise RuntimeError("injected failure deriving the status")

    monkeypatch.setattr(listing_rules, "refresh_status", broken)
    body = new_listing(asin=listing.asin, price=1.25, quantity=999, name="Changed")
    with unchanged(server, state_file):
        response = sp.put(f"{BASE}/{state.seller_id}/{listing.sku}",
                          params={"marketplaceIds": US}, json=body)
        assert response.status_code == 500
    assert state.listings[listing.sku] is held
    assert held.quantity != 999 and held.item_name != "Changed"


def test_a_new_order_fails_after_taking_stock(server: Running, state_file: Path) -> None:
    """POST /_emulator/orders writes the listing's (or inventory's) stock, then the order."""
    store = server.app.store
    state = store.of(server.app.accounts.sellers[SELLER_INDEX])
    listing = next(x for x in state.listings.values()
                   if x.fulfillment == "MFN" and x.quantity > 2 and US in x.prices)
    orders = len(state.orders)
    body = {"seller_id": state.seller_id, "items": [{"sku": listing.sku, "quantity": 2}]}
    with unchanged(server, state_file), failing_after_writes(store, 1) as seen:
        response = httpx.post(f"{server.base_url}/_emulator/orders", json=body)
        assert response.status_code == 500
        assert response.json()["errors"][0]["code"] == "InternalFailure"
        assert seen == [f"listing {listing.sku}"]
    assert len(state.orders) == orders == len(state.order_list)
    made = httpx.post(f"{server.base_url}/_emulator/orders", json=body)
    assert made.status_code == 201, made.text
    assert len(state.orders) == orders + 1 and listing.quantity >= 0


def test_a_cancellation_fails_after_releasing_stock(server: Running, state_file: Path) -> None:
    """POST /_emulator/orders/{id}/cancel of an FBA order: its reserved units back first,
    then the order."""
    store = server.app.store
    state = store.of(server.app.accounts.sellers[SELLER_INDEX])
    made = httpx.post(f"{server.base_url}/_emulator/orders", json={
        "seller_id": state.seller_id, "fulfillment": "AFN", "status": "Unshipped"})
    assert made.status_code == 201, made.text
    order = state.orders[made.json()["AmazonOrderId"]]
    cancel = f"{server.base_url}/_emulator/orders/{order.order_id}/cancel"
    with unchanged(server, state_file), failing_after_writes(store, 1) as seen:
        response = httpx.post(cancel, json={"seller_id": state.seller_id})
        assert response.status_code == 500
        assert response.json()["errors"][0]["code"] == "InternalFailure"
    assert seen and seen[0].startswith("inventory ")
    assert order.status == "Unshipped" and order.cancelled_at is None
    assert httpx.post(cancel, json={"seller_id": state.seller_id}).status_code == 200
    assert order.status == "Canceled"
