"""Orders v0 getOrders and Orders 2026-01-01 searchOrders over HTTP: the listing rules both
APIs share (emulator/families/orders/queries.py), tested once for each through a small adapter.
The date windows, their sorting and paging, the filters on status, fulfillment channel and
marketplace, the rules on the dates, the page size, and the page tokens (another page size,
other filters, tampered, expired). What only one API does stays in test_orders_v0.py or
test_orders_2026.py. Every answer is checked against the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.business.entities import Order
from emulator.business.store import SellerState
from emulator.config import Settings
from emulator.harness.embedded import Running, running
from tests.conftest import TokenSource
from tests.test_orders_2026 import INVALID_TOKEN, MX, SEARCH, SEARCH_UID, STATUS
from tests.test_orders_v0 import (
    CA,
    DAY,
    GENERIC,
    GET_ORDERS,
    ORDERS,
    UNDECODABLE,
    US,
    answer,
    epoch,
    refusal,
    seller_state,
    stamp,
)

FULFILLED_BY = {"MFN": "MERCHANT", "AFN": "AMAZON"}
DATES = ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore")


@dataclass(frozen=True)
class Api:
    """What tells one Orders API's listing from the other's."""

    name: str
    uid: str
    path: str
    capitalized: bool  # Orders v0 spells its parameters CreatedAfter, not createdAfter
    statuses: str  # the status filter: v0 statuses or their 2026-01-01 names (STATUS)
    channels: str  # the fulfillment channel filter: MFN/AFN or MERCHANT/AMAZON
    base: dict[str, str]  # sent with every request (v0: the MarketplaceIds it requires)
    default_markets: tuple[str, ...]  # the marketplaces searched when none are named
    unwrap: Callable[[Any], dict[str, Any]]  # the answer's body -> the page
    orders_key: str
    id_field: str
    updated_field: str
    token_parameter: str
    next_token: Callable[[dict[str, Any]], str | None]
    token_alone: bool  # v0: a token needs only itself (and MarketplaceIds), not the filters
    token_changes: tuple[dict[str, str], ...]  # this API's own filters a token refuses
    # The one error of a token refused because of...
    other_filters: dict[str, str]
    malformed: dict[str, str]
    expired: dict[str, str]

    def param(self, name: str) -> str:
        """A shared parameter's name (given as Orders 2026-01-01 spells it) in this API."""
        return name[0].upper() + name[1:] if self.capitalized else name

    def q(self, **params: Any) -> dict[str, Any]:
        return {self.param(name): value for name, value in params.items()}

    def filters(self, statuses: tuple[str, ...] = (), channels: tuple[str, ...] = (),
                markets: tuple[str, ...] = ()) -> dict[str, str]:
        """The query for the given Orders v0 statuses and channels and marketplaces."""
        query: dict[str, str] = {}
        if statuses:
            query[self.statuses] = ",".join(
                s if self.capitalized else STATUS[s] for s in statuses)
        if channels:
            query[self.channels] = ",".join(
                c if self.capitalized else FULFILLED_BY[c] for c in channels)
        if markets:
            query[self.param("marketplaceIds")] = ",".join(markets)
        return query


def _error(message: str, details: str = "") -> dict[str, str]:
    return {"code": "InvalidInput", "message": message, "details": details}


V0 = Api(
    name="v0", uid=GET_ORDERS, path=ORDERS, capitalized=True,
    statuses="OrderStatuses", channels="FulfillmentChannels",
    base={"MarketplaceIds": US}, default_markets=(US,),
    unwrap=lambda body: body["payload"], orders_key="Orders", id_field="AmazonOrderId",
    updated_field="LastUpdateDate", token_parameter="NextToken",
    next_token=lambda page: page.get("NextToken"), token_alone=True,
    token_changes=({"AmazonOrderIds": "111-1111111-1111111"},),
    other_filters=_error(GENERIC, "NextToken belongs to a request with other filters; send "
                                  "it alone or with the filters of the request that returned "
                                  "it."),
    malformed=_error(UNDECODABLE),
    expired=_error(GENERIC, "NextToken has expired; start again without it."),
)
V2026 = Api(
    name="2026-01-01", uid=SEARCH_UID, path=SEARCH, capitalized=False,
    statuses="fulfillmentStatuses", channels="fulfilledBy",
    base={}, default_markets=(US, CA, MX),  # every marketplace of the seller
    unwrap=lambda body: body, orders_key="orders", id_field="orderId",
    updated_field="lastUpdatedTime", token_parameter="paginationToken",
    next_token=lambda page: page.get("pagination", {}).get("nextToken"), token_alone=False,
    token_changes=({"includedData": "BUYER"}, {"marketplaceIds": US}),
    other_filters=_error(INVALID_TOKEN),
    malformed=_error(INVALID_TOKEN, "The token is malformed."),
    expired=_error(INVALID_TOKEN, "The token is expired."),
)


@dataclass
class Listing:
    """One API's order listing on one emulator, for one seller's client."""

    api: Api
    server: Running
    client: httpx.Client

    def get(self, **params: Any) -> httpx.Response:
        return self.client.get(self.api.path, params={**self.api.base, **params})

    def page(self, **params: Any) -> dict[str, Any]:
        return self.api.unwrap(answer(self.server, self.api.uid, self.get(**params)))

    def refusal(self, **params: Any) -> dict[str, Any]:
        return refusal(self.server, self.api.uid, self.get(**params))

    def resume(self, params: dict[str, Any], token: str, **extra: Any) -> dict[str, Any]:
        """The parameters of the next page, as clients send them: the token with the
        request's parameters (Orders 2026-01-01) or with only MarketplaceIds (Orders v0)."""
        marketplaces = self.api.param("marketplaceIds")
        sent = ({k: v for k, v in params.items() if k == marketplaces} if self.api.token_alone
                else params)
        return {**sent, **extra, self.api.token_parameter: token}

    def all_pages(self, **params: Any) -> list[dict[str, Any]]:
        """Every page, following the page tokens as clients do."""
        pages = [self.page(**params)]
        while (token := self.api.next_token(pages[-1])) is not None:
            assert len(pages) < 200, "the listing does not end"
            pages.append(self.page(**self.resume(params, token)))
        return pages

    def orders(self, page: dict[str, Any]) -> list[dict[str, Any]]:
        return list(page[self.api.orders_key])

    def ids(self, pages: list[dict[str, Any]]) -> list[str]:
        return [o[self.api.id_field] for page in pages for o in self.orders(page)]


@pytest.fixture(params=[V0, V2026], ids=lambda api: api.name)
def api(request: pytest.FixtureRequest) -> Api:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def listing(api: Api, emulator: Running, client: httpx.Client) -> Listing:
    return Listing(api, emulator, client)


@pytest.fixture
def state(emulator: Running) -> SellerState:
    return seller_state(emulator)


@pytest.fixture(scope="module")
def private(models_dir: Path) -> Iterator[Running]:
    """An emulator of this module's own, for the tests that move the clock a day ahead."""
    with running(Settings(models_dir=models_dir, port=0, throttle="off")) as server:
        yield server


# -- windows, sorting, paging


def test_created_window_pages_to_the_end_oldest_first(listing: Listing,
                                                      state: SellerState) -> None:
    api = listing.api
    after, before = state.anchor - 40 * DAY, state.anchor - 30 * DAY
    expected = [o.order_id for o in state.order_list
                if after <= o.purchase_date <= before and o.marketplace_id in api.default_markets]
    assert len(expected) > 20
    # Without marketplaces named, Orders 2026-01-01 lists every marketplace of the seller.
    assert {state.orders[i].marketplace_id for i in expected} == set(api.default_markets)
    pages = listing.all_pages(**api.q(createdAfter=stamp(after), createdBefore=stamp(before),
                                      maxResultsPerPage=7))
    assert listing.ids(pages) == expected  # no duplicates, no gaps, purchase date ascending
    assert len(pages) == math.ceil(len(expected) / 7)
    assert all(len(listing.orders(p)) == 7 for p in pages[:-1])
    assert api.next_token(pages[-1]) is None
    assert pages[0][api.param("createdBefore")] == stamp(before)
    assert api.param("lastUpdatedBefore") not in pages[0]


def test_last_updated_window_sorts_by_last_update(listing: Listing, state: SellerState) -> None:
    api = listing.api
    after, before = state.anchor - 20 * DAY, state.anchor - 12 * DAY
    chosen = [o for o in state.order_list
              if after <= o.last_update <= before and o.marketplace_id in api.default_markets]
    expected = [o.order_id for o in sorted(chosen, key=lambda o: o.last_update)]
    pages = listing.all_pages(**api.q(lastUpdatedAfter=stamp(after),
                                      lastUpdatedBefore=stamp(before), maxResultsPerPage=25))
    assert listing.ids(pages) == expected and len(expected) > 50
    updates = [o[api.updated_field] for p in pages for o in listing.orders(p)]
    assert updates == sorted(updates)
    assert pages[0][api.param("lastUpdatedBefore")] == stamp(before)
    assert api.param("createdBefore") not in pages[0]


@pytest.mark.parametrize(("window", "ago"), [("created", 600), ("lastUpdated", 3600)])
def test_without_before_the_listing_stops_two_minutes_ago(listing: Listing, window: str,
                                                          ago: float) -> None:
    api = listing.api
    now = listing.server.app.clock.now()
    page = listing.page(**api.q(**{f"{window}After": stamp(now - ago)}, maxResultsPerPage=1))
    assert epoch(page[api.param(f"{window}Before")]) == pytest.approx(now - 120, abs=3)


# -- filters


Filter = tuple[dict[str, tuple[str, ...]], Callable[[Order], bool]]
FILTERS: dict[str, Filter] = {
    "statuses Unshipped,Canceled": ({"statuses": ("Unshipped", "Canceled")},
                                    lambda o: o.status in ("Unshipped", "Canceled")),
    "channel AFN": ({"channels": ("AFN",)}, lambda o: o.fulfillment == "AFN"),
    "channel MFN": ({"channels": ("MFN",)}, lambda o: o.fulfillment == "MFN"),
    "channel AFN and US": ({"channels": ("AFN",), "markets": (US,)},
                           lambda o: o.fulfillment == "AFN" and o.marketplace_id == US),
    "shipped by the merchant": ({"statuses": ("Shipped",), "channels": ("MFN",)},
                                lambda o: o.status == "Shipped" and o.fulfillment == "MFN"),
    "marketplaces CA,US": ({"markets": (CA, US)}, lambda o: o.marketplace_id in (CA, US)),
    "marketplaces CA,MX": ({"markets": (CA, MX)}, lambda o: o.marketplace_id in (CA, MX)),
}


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter(name: str, listing: Listing, state: SellerState) -> None:
    api = listing.api
    given, wanted = FILTERS[name]
    markets = given.get("markets") or api.default_markets
    after, before = state.anchor - 90 * DAY, state.anchor
    expected = [o.order_id for o in state.order_list if after <= o.purchase_date <= before
                and o.marketplace_id in markets and wanted(o)]
    assert expected  # a filter case is only worth its salt where the data has matches
    pages = listing.all_pages(**api.q(createdAfter=stamp(after), createdBefore=stamp(before)),
                              **api.filters(**given))
    assert listing.ids(pages) == expected


# -- what both APIs refuse

COMBINED = ("{createdAfter} and {createdBefore} cannot be combined with {lastUpdatedAfter} or "
            "{lastUpdatedBefore}.")
Params = Callable[[float, float], dict[str, str]]  # (now, anchor) -> query, 2026 names
REFUSED: list[tuple[Params, str]] = [
    (lambda now, a: {}, "Exactly one of {createdAfter} or {lastUpdatedAfter} is required."),
    (lambda now, a: {"createdAfter": stamp(a - DAY), "lastUpdatedAfter": stamp(a - DAY)},
     COMBINED),
    (lambda now, a: {"createdAfter": stamp(a - DAY), "lastUpdatedBefore": stamp(a)}, COMBINED),
    (lambda now, a: {"lastUpdatedAfter": stamp(a - DAY), "createdBefore": stamp(a)}, COMBINED),
    (lambda now, a: {"createdBefore": stamp(a)},
     "{createdBefore} can only be given with {createdAfter}."),
    (lambda now, a: {"lastUpdatedBefore": stamp(a)},
     "{lastUpdatedBefore} can only be given with {lastUpdatedAfter}."),
    (lambda now, a: {"createdAfter": stamp(a - DAY), "createdBefore": stamp(a - 2 * DAY)},
     "{createdBefore} must be equal to or after {createdAfter}."),
    (lambda now, a: {"createdAfter": stamp(a - DAY), "createdBefore": stamp(a - 3 * DAY)},
     "{createdBefore} must be equal to or after {createdAfter}."),
    (lambda now, a: {"lastUpdatedAfter": stamp(a - DAY), "lastUpdatedBefore": stamp(a - 2 * DAY)},
     "{lastUpdatedBefore} must be equal to or after {lastUpdatedAfter}."),
    (lambda now, a: {"createdAfter": stamp(a - DAY), "createdBefore": stamp(now - 60)},
     "{createdBefore} must be at least two minutes before the time of the request."),
    (lambda now, a: {"lastUpdatedAfter": stamp(a - DAY), "lastUpdatedBefore": stamp(now - 10)},
     "{lastUpdatedBefore} must be at least two minutes before the time of the request."),
    (lambda now, a: {"lastUpdatedAfter": stamp(now - 30)},
     "{lastUpdatedAfter} must be at least two minutes before the time of the request."),
    (lambda now, a: {"createdAfter": stamp(now - 60)},
     "{createdAfter} must be at least two minutes before the time of the request."),
    (lambda now, a: {"createdAfter": stamp(now + DAY)},
     "{createdAfter} must be at least two minutes before the time of the request."),
]


@pytest.mark.parametrize(("params", "details"), REFUSED)
def test_invalid_combinations(params: Params, details: str, listing: Listing,
                              state: SellerState) -> None:
    api = listing.api
    query = api.q(**params(listing.server.app.clock.now(), state.anchor))
    assert listing.refusal(**query) == _error(
        GENERIC, details.format(**{name: api.param(name) for name in DATES}))


BR = "A2Q3Y263D00KWC"  # in the seller's region (NA), but the seller does not sell there


@pytest.mark.parametrize(("markets", "details"), [
    ("A1ZZZZZZZZZZZZ", "Invalid {marketplaceIds}: 'A1ZZZZZZZZZZZZ' is not a marketplace id."),
    (f"{US},{BR}", f"Invalid {{marketplaceIds}}: the seller does not sell in {BR} (Brazil)."),
])
def test_marketplaces_the_seller_does_not_sell_in(markets: str, details: str, listing: Listing,
                                                  state: SellerState) -> None:
    api = listing.api
    query = api.q(createdAfter=stamp(state.anchor - DAY), marketplaceIds=markets)
    assert listing.refusal(**query) == _error(
        GENERIC, details.format(marketplaceIds=api.param("marketplaceIds")))


@pytest.mark.parametrize(("value", "constraint"), [
    ("0", "Member must have value greater than or equal to 1"),
    ("101", "Member must have value less than or equal to 100"),
])
def test_max_results_per_page_bounds(value: str, constraint: str, listing: Listing,
                                     state: SellerState) -> None:
    query = listing.api.q(createdAfter=stamp(state.anchor - DAY), maxResultsPerPage=value)
    assert listing.refusal(**query) == _error(
        f"1 validation error detected: Value '{value}' at 'maxResultsPerPage' failed to "
        f"satisfy constraint: {constraint}")


# -- page tokens


def _first_page(api: Api, state: SellerState) -> dict[str, Any]:
    """The parameters of a listing of several pages of 5."""
    return api.q(createdAfter=stamp(state.anchor - 30 * DAY),
                 createdBefore=stamp(state.anchor - 20 * DAY), maxResultsPerPage=5)


def _token(listing: Listing, page: dict[str, Any]) -> str:
    token = listing.api.next_token(page)
    assert token is not None, page
    return token


def test_token_with_another_page_size(listing: Listing, state: SellerState) -> None:
    params = _first_page(listing.api, state)
    first = listing.page(**params)
    token = _token(listing, first)
    five = listing.page(**listing.resume(params, token))
    assert len(listing.orders(five)) == 5
    assert not set(listing.ids([first])) & set(listing.ids([five]))
    eight = listing.page(**listing.resume(params, token, **listing.api.q(maxResultsPerPage=8)))
    assert listing.ids([eight])[:5] == listing.ids([five]) and len(listing.orders(eight)) == 8


def test_token_for_other_filters_is_refused(listing: Listing, state: SellerState) -> None:
    api = listing.api
    params = _first_page(api, state)
    token = _token(listing, listing.page(**params))
    changes = [api.q(createdAfter=stamp(state.anchor - 31 * DAY)),
               api.filters(statuses=("Shipped",)), api.filters(channels=("AFN",)),
               *api.token_changes]
    for change in changes:
        assert listing.refusal(**listing.resume(params, token, **change)) == api.other_filters


def test_tampered_tokens_are_refused(listing: Listing, state: SellerState) -> None:
    params = _first_page(listing.api, state)
    token = _token(listing, listing.page(**params))
    middle = len(token) // 2

    def flipped(one: str, other: str) -> str:
        return token[:middle] + (one if token[middle] != one else other) + token[middle + 1:]

    for bad in (flipped("A", "B"), flipped("x", "y"), token[:-6], token[:20], "not a token",
                "bm90IHNpZ25lZCBhdCBhbGw=", "###"):
        assert listing.refusal(**listing.resume(params, bad)) == listing.api.malformed, bad


def test_tokens_expire_after_a_day(api: Api, private: Running) -> None:
    state = seller_state(private)
    params = _first_page(api, state)
    with httpx.Client(base_url=private.base_url,
                      headers={"x-amz-access-token": TokenSource(private).seller()}) as client:
        listing = Listing(api, private, client)
        token = _token(listing, listing.page(**params))
        assert listing.orders(listing.page(**listing.resume(params, token)))
    private.app.clock.advance(24 * 3600 + 60)
    with httpx.Client(base_url=private.base_url,
                      headers={"x-amz-access-token": TokenSource(private).seller()}) as client:
        listing = Listing(api, private, client)
        assert listing.refusal(**listing.resume(params, token)) == api.expired
