"""The journal records every SP-API request, readable with filters, in bounded memory."""

from __future__ import annotations

from pathlib import Path

import httpx

from emulator.config import Settings
from emulator.harness.embedded import Running, running
from tests.conftest import TokenSource

ORDERS = "/orders/v0/orders"
QUERY = {"MarketplaceIds": "ATVPDKIKX0DER", "CreatedAfter": "TEST_CASE_200"}


def test_entries_and_filters(emulator: Running, client: httpx.Client,
                             anonymous: httpx.Client) -> None:
    anonymous.delete("/_emulator/journal")
    client.get(ORDERS, params=QUERY)
    client.get("/orders/v0/orders/TEST_CASE_200/orderItems")
    client.get("/nowhere")
    anonymous.get(ORDERS, params=QUERY)
    entries = anonymous.get("/_emulator/journal").json()["entries"]
    assert [(e["operation"], e["status"]) for e in entries] == [
        ("ordersV0.getOrders", 200), ("ordersV0.getOrderItems", 200), (None, 403),
        ("ordersV0.getOrders", 403)]
    first = entries[0]
    seller = emulator.app.accounts.sellers[0].seller_id
    assert first["seller"] == seller and first["app"] == emulator.app.accounts.apps[0].client_id
    assert first["method"] == "GET" and first["path"] == ORDERS
    assert first["latency_ms"] >= 0 and first["throttled"] is False and first["fault"] is None
    assert first["request_id"] and first["time"].endswith("Z")
    assert entries[3]["seller"] is None  # refused before anyone was known

    def ops(**filters: str) -> list[str | None]:
        found = anonymous.get("/_emulator/journal", params=filters).json()["entries"]
        return [e["operation"] for e in found]

    assert ops(operation="getOrders") == ["ordersV0.getOrders"] * 2
    assert ops(operation="ordersV0.getOrderItems") == ["ordersV0.getOrderItems"]
    assert ops(status="403") == [None, "ordersV0.getOrders"]
    assert ops(seller=seller, limit="1") == ["ordersV0.getOrderItems"]
    assert ops(since="2999-01-01T00:00:00Z") == []
    assert [e["source"] for e in entries] == ["sandbox-case", "sandbox-case", "gateway",
                                              "gateway"]
    assert ops(source="gateway") == [None, "ordersV0.getOrders"]


def test_total_counts_what_the_filters_match(client: httpx.Client,
                                             anonymous: httpx.Client) -> None:
    anonymous.delete("/_emulator/journal")
    for _ in range(3):
        client.get(ORDERS, params=QUERY)
    client.get("/nowhere")
    body = anonymous.get("/_emulator/journal", params={"status": "403", "limit": "0"}).json()
    assert body["entries"] == [] and body["total"] == 1
    body = anonymous.get("/_emulator/journal", params={"operation": "getOrders",
                                                       "limit": "2"}).json()
    assert len(body["entries"]) == 2 and body["total"] == 3
    assert body["recorded"] >= 4  # every request since the start, whatever the filters


def test_no_secrets_in_the_journal(emulator: Running, client: httpx.Client,
                                   anonymous: httpx.Client, tokens: TokenSource) -> None:
    client.get(ORDERS, params=QUERY)
    text = anonymous.get("/_emulator/journal").text
    assert tokens.seller() not in text and "Atza|" not in text
    assert emulator.app.accounts.apps[0].client_secret not in text


def test_bad_filters(anonymous: httpx.Client) -> None:
    for params in ({"status": "ok"}, {"limit": "-1"}, {"colour": "red"}, {"since": "then"},
                   {"throttled": "maybe"}, {"source": "somewhere"}):
        response = anonymous.get("/_emulator/journal", params=params)
        assert response.status_code == 400, params


def test_memory_is_bounded(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, throttle="off",
                          journal_size=5)) as server:
        token = TokenSource(server).seller()
        with httpx.Client(base_url=server.base_url,
                          headers={"x-amz-access-token": token}) as http:
            for _ in range(12):
                http.get(ORDERS, params=QUERY)
        body = httpx.get(f"{server.base_url}/_emulator/journal").json()
        assert len(body["entries"]) == 5 and body["capacity"] == 5
        assert body["total"] == 5 and body["recorded"] == 12  # kept and matching; seen
