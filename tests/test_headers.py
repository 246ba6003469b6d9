"""The headers SP-API puts on its answers, and compact JSON bodies."""

from __future__ import annotations

import re
import uuid

import httpx

SANDBOX_GET = ("/orders/v0/orders", {"MarketplaceIds": "ATVPDKIKX0DER",
                                     "CreatedAfter": "TEST_CASE_200"})


def test_request_ids_on_every_answer(client: httpx.Client) -> None:
    seen = set()
    for response in (client.get(SANDBOX_GET[0], params=SANDBOX_GET[1]),
                     client.get("/orders/v0/orders"), client.get("/nowhere")):
        request_id = response.headers["x-amzn-RequestId"]
        assert uuid.UUID(request_id).version == 4
        assert re.fullmatch(r"[A-Z0-9]{20}", response.headers["x-amz-rid"])
        seen.add(request_id)
    assert len(seen) == 3


def test_rate_limit_header_from_the_usage_plan(client: httpx.Client) -> None:
    ok = client.get(*SANDBOX_GET[:1], params=SANDBOX_GET[1])
    assert ok.headers["x-amzn-RateLimit-Limit"] == "0.0167"  # getOrders: 0.0167/s, burst 20
    bad = client.get("/orders/v0/orders")
    assert bad.status_code == 400 and bad.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    item = client.get("/orders/v0/orders/TEST_CASE_200/orderItems")
    assert item.headers["x-amzn-RateLimit-Limit"] == "0.5"  # getOrderItems: 0.5/s, burst 30
    denied = client.get("/nowhere")
    assert "x-amzn-RateLimit-Limit" not in denied.headers


def test_json_is_compact(client: httpx.Client) -> None:
    response = client.get(SANDBOX_GET[0], params=SANDBOX_GET[1])
    assert response.headers["content-type"] == "application/json"
    assert b": " not in response.content and b"\n" not in response.content
    assert int(response.headers["content-length"]) == len(response.content)
