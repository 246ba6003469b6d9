"""What a request says that a synthesized answer follows (emulator/models/request_facts.py):
names meet across casings and plurals, date windows, page sizes, records, and the buckets of an
interval at each granularity in the interval's own offset."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.models.request_facts import RequestFacts, base, buckets
from emulator.models.spec import ModelSet


def test_names_meet_across_casing_and_plurals() -> None:
    assert base("MarketplaceIds") == base("marketplaceId") == "marketplaceid"
    assert base("sellerSkus") == base("SellerSKU") == "sellersku"
    assert base("Asins") == base("ASIN") == "asin"
    assert base("address") == "address"  # not a plural


@pytest.mark.parametrize(("granularity", "first_day", "labels"), [
    ("day", "monday", ["2026-03-02T00:00+09:00--2026-03-03T00:00+09:00",
                       "2026-03-03T00:00+09:00--2026-03-04T00:00+09:00"]),
    ("hour", "monday", [f"2026-03-02T{h:02d}:00+09:00--2026-03-02T{h + 1:02d}:00+09:00"
                        for h in range(0, 23)] + [
        "2026-03-02T23:00+09:00--2026-03-03T00:00+09:00"] + [
        f"2026-03-03T{h:02d}:00+09:00--2026-03-03T{h + 1:02d}:00+09:00" for h in range(0, 23)]
        + ["2026-03-03T23:00+09:00--2026-03-04T00:00+09:00"]),
    ("week", "monday", ["2026-03-02T00:00+09:00--2026-03-09T00:00+09:00"]),
    ("week", "sunday", ["2026-03-01T00:00+09:00--2026-03-08T00:00+09:00"]),
    ("month", "monday", ["2026-03-01T00:00+09:00--2026-04-01T00:00+09:00"]),
    ("year", "monday", ["2026-01-01T00:00+09:00--2027-01-01T00:00+09:00"]),
    ("total", "monday", ["2026-03-02T00:00+09:00--2026-03-04T00:00+09:00"]),
])
def test_buckets_of_an_interval(granularity: str, first_day: str, labels: list[str]) -> None:
    found = buckets("2026-03-02T00:00:00+09:00--2026-03-04T00:00:00+09:00", granularity,
                    first_day)
    assert found is not None and [b.label for b in found] == labels
    assert all(b.start < b.end for b in found)


def test_zulu_intervals_stay_zulu_and_bad_ones_give_nothing() -> None:
    found = buckets("2026-01-01T00:00:00Z--2026-01-08T00:00:00Z", "day")
    assert found is not None and len(found) == 7 and found[0].label.endswith("Z")
    assert buckets("2026-01-08T00:00:00Z--2026-01-01T00:00:00Z", "day") is None  # backwards
    assert buckets("last week", "day") is None


def _facts(models: ModelSet, uid: str, params: dict[str, Any]) -> RequestFacts:
    return RequestFacts.of(models.operation(uid), params)


def test_facts_of_a_request(models: ModelSet) -> None:
    facts = _facts(models, "sales.getOrderMetrics", {
        "marketplaceIds": ["ATVPDKIKX0DER"], "granularity": "Day",
        "interval": "2026-01-01T00:00:00Z--2026-01-08T00:00:00Z"})
    assert facts.values["marketplaceid"] == ["ATVPDKIKX0DER"]
    assert facts.buckets is not None and len(facts.buckets) == 7
    assert facts.low is not None and facts.high is not None and facts.high - facts.low == 7 * 86400
    body = {"marketplaceId": "ATVPDKIKX0DER",
            "items": [{"sellerSku": "A-1", "quantity": 2}, {"sellerSku": "B-2", "quantity": 1}],
            "nextToken": "abc"}
    facts = _facts(models, "fulfillmentOutbound_2020-07-01.getFulfillmentPreview",
                   {"body": body})
    assert facts.records == [[{"sellersku": "A-1", "quantity": 2},
                              {"sellersku": "B-2", "quantity": 1}]]
    assert facts.values["sellersku"] == ["A-1", "B-2"]
    assert "nexttoken" not in facts.values  # tokens are answered, never echoed


def test_page_sizes_and_windows(models: ModelSet) -> None:
    facts = _facts(models, "ordersV0.getOrders", {
        "MarketplaceIds": ["ATVPDKIKX0DER"], "MaxResultsPerPage": 5,
        "CreatedAfter": "2026-01-01T00:00:00Z", "CreatedBefore": "2026-01-02T00:00:00Z"})
    assert facts.page_size == 5 and facts.high is not None and facts.low is not None
    assert facts.high - facts.low == 86400
    backwards = _facts(models, "ordersV0.getOrders", {
        "CreatedAfter": "2026-01-02T00:00:00Z", "CreatedBefore": "2026-01-01T00:00:00Z"})
    assert backwards.low is None and backwards.high is None  # contradicts itself: no window
