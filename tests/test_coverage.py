"""`GET /_emulator/coverage`: how each operation is answered today, and the README's table
made from it (`make coverage-table` rewrites it; this test says when it is stale)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx

from emulator.gateway.coverage import README_END, README_START, markdown
from emulator.harness.embedded import Running

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_operation_with_how_it_is_answered(anonymous: httpx.Client,
                                                 emulator: Running) -> None:
    report = anonymous.get("/_emulator/coverage").json()
    rows = report["operations"]
    assert report["mode"] == "emulate" and len(rows) == 370
    assert report["summary"] == dict(Counter(row["answer"] for row in rows))
    handlers = emulator.app.handlers
    assert {r["operation"] for r in rows if r["answer"] == "stateful"} == {
        r["operation"] for r in rows if r["operation"] in handlers}
    get_orders = next(r for r in rows if r["operation"] == "ordersV0.getOrders")
    assert get_orders == {"operation": "ordersV0.getOrders", "model": "ordersV0",
                          "method": "GET", "path": "/orders/v0/orders", "answer": "stateful",
                          "static_cases": get_orders["static_cases"]}
    assert get_orders["static_cases"] > 0
    cases = {r["operation"]: r["answer"] for r in rows}
    assert cases["sellers.getMarketplaceParticipations"] == "stateful"
    assert cases["definitionsProductTypes_2020-09-01.searchDefinitionsProductTypes"] == (
        "sandbox-case")
    assert cases["sales.getOrderMetrics"] == "synthesized"


def test_filters(anonymous: httpx.Client) -> None:
    only = anonymous.get("/_emulator/coverage", params={"answer": "stateful",
                                                        "model": "ordersV0"}).json()
    assert {r["operation"] for r in only["operations"]} >= {"ordersV0.getOrders",
                                                            "ordersV0.getOrder"}
    assert {r["answer"] for r in only["operations"]} == {"stateful"}
    assert anonymous.get("/_emulator/coverage", params={"kind": "x"}).status_code == 400


def test_the_readme_table_is_todays_coverage(anonymous: httpx.Client) -> None:
    report = anonymous.get("/_emulator/coverage").json()
    text = README.read_text()
    section = text[text.index(README_START) + len(README_START):text.index(README_END)]
    assert section.strip() == markdown(report).strip(), (
        "README.md's table of answers is stale: run `make coverage-table`")
