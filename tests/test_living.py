"""The living store: the seeded business goes on after the anchor on the emulator clock, the
same for the same seed, scenario, clock times and client calls, and a restart continues it.

Every emulator here runs on a frozen real clock (only `clock/advance` moves it), so two
emulators given the same calls see exactly the same emulator times.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.business.snapshot import dump
from emulator.business.store import UNCHANGED_SELLERS
from emulator.config import Settings
from emulator.harness.embedded import Running, running
from emulator.runtime import clock as clock_module
from tests.test_notifications import schema_errors

US = "ATVPDKIKX0DER"
SELLER = "AUJZDE8GXD6NCF"
DAY = 86400.0
# A Monday afternoon: the default scenario's anchor ("today") is that day's midnight.
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC).timestamp()
ANCHOR = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
SCOPE = "sellingpartnerapi::notifications"
ARN = "arn:aws:sqs:us-east-1:123456789012:living"


class FrozenTime:
    """Real time standing still: the emulator clock moves only when told to."""

    def __init__(self, at: float) -> None:
        self.at = at

    def time(self) -> float:
        return self.at


@contextmanager
def live(models_dir: Path, at: float = T0, **settings: Any) -> Iterator[Live]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock_module, "time", FrozenTime(at))
        options: dict[str, Any] = {"throttle": "off", "lifecycle": "instant", "live": True,
                                   **settings}
        with running(Settings(models_dir=models_dir, port=0, **options)) as server:
            yield Live(server)


@dataclass
class Live:
    server: Running

    @property
    def app(self) -> Any:
        return self.server.app

    def http(self, token: str | None = None) -> httpx.Client:
        headers = {"x-amz-access-token": token} if token else {}
        return httpx.Client(base_url=self.server.base_url, timeout=60, headers=headers)

    def seller(self) -> httpx.Client:
        app = self.app
        return self.http(app.tokens.issue_access(app.accounts.apps[0], app.accounts.sellers[0]))

    def grantless(self) -> httpx.Client:
        app = self.app
        return self.http(app.tokens.issue_grantless(app.accounts.apps[0], frozenset({SCOPE})))

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        with self.http() as client:
            response = client.request(method, "/_emulator" + path, **kwargs)
        assert response.is_success, response.text
        return response.json() if response.content else None

    def advance(self, **units: float) -> dict[str, Any]:
        return dict(self.control("POST", "/clock/advance", json=units))

    def orders(self, **params: Any) -> list[dict[str, Any]]:
        """Every order getOrders lists (all pages), created since the history's last days."""
        found: list[dict[str, Any]] = []
        query: dict[str, Any] = {"MarketplaceIds": US, "MaxResultsPerPage": 100,
                                 "CreatedAfter": iso(ANCHOR - 2 * DAY), **params}
        with self.seller() as client:
            while True:
                response = client.get("/orders/v0/orders", params=query)
                assert response.status_code == 200, response.text
                payload = response.json()["payload"]
                found += payload["Orders"]
                if not payload.get("NextToken"):
                    return found
                query = {"MarketplaceIds": US, "NextToken": payload["NextToken"]}

    def state(self) -> dict[str, Any]:
        return dict(self.control("GET", "/state", params={"seller": SELLER}))

    def subscribe(self, *types: str) -> None:
        with self.grantless() as client:
            response = client.post("/notifications/v1/destinations", json={
                "name": "living", "resourceSpecification": {"sqs": {"arn": ARN}}})
            assert response.status_code == 200, response.text
            destination = response.json()["payload"]["destinationId"]
        with self.seller() as client:
            for kind in types:
                response = client.post(f"/notifications/v1/subscriptions/{kind}", json={
                    "payloadVersion": "1.0" if kind != "REPORT_PROCESSING_FINISHED"
                    else "2020-09-04", "destinationId": destination})
                assert response.status_code == 200, response.text

    def messages(self, kind: str) -> list[dict[str, Any]]:
        outbox = self.control("GET", "/notifications", params={"type": kind, "limit": 10000})
        return [entry["message"] for entry in outbox["notifications"]]

    def changes(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.control("GET", "/journal/changes",
                                 params={"limit": 10000, **filters})["changes"])


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def records(emulator: Live, since: float | None = ANCHOR) -> dict[str, dict[str, Any]]:
    """The default seller's orders placed since `since` (None: all) as the state holds them
    (what `GET /_emulator/state` shows of them), by id."""
    state = emulator.app.store.of(emulator.app.accounts.sellers[0])
    return {o.order_id: dump(o) for o in state.orders_between(since, None)}


# -- the business goes on ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def week(models_dir: Path) -> Iterator[Live]:
    """An emulator a week past the anchor, subscribed to the notifications that follow."""
    with live(models_dir) as emulator:
        emulator.subscribe("ORDER_CHANGE", "ANY_OFFER_CHANGED",
                           "FBA_INVENTORY_AVAILABILITY_CHANGES")
        emulator.advance(days=7)
        yield emulator


def test_orders_arrive_after_the_anchor_at_the_scenarios_rate(week: Live) -> None:
    placed = [o for o in records(week).values() if o["purchase_date"] >= ANCHOR]
    # The default scenario: 1000 orders over 90 days, about 11 a day, here for 7 days and
    # 15 hours (the frozen clock started at 15:00).
    assert 50 <= len(placed) <= 120
    assert max(o["purchase_date"] for o in placed) <= T0 + 7 * DAY
    listed = {o["AmazonOrderId"] for o in week.orders(CreatedAfter=iso(ANCHOR))}
    # getOrders lists them (up to two minutes before now, as Amazon).
    assert listed == {o["order_id"] for o in placed if o["purchase_date"] < T0 + 7 * DAY - 120
                      and o["marketplace_id"] == US}
    mix = Counter(o["fulfillment"] for o in placed)
    assert mix["AFN"] > 10 and mix["MFN"] > 10


def test_orders_move_as_amazon_moves_them(week: Live) -> None:
    now = T0 + 7 * DAY
    placed = [o for o in records(week).values() if o["purchase_date"] >= ANCHOR]
    for order in placed:
        age = now - order["purchase_date"]
        if order["status"] == "Canceled":
            assert order["cancelled_by"] in ("buyer", "amazon")
            continue
        if age > 6 * 3600:
            assert order["status"] != "Pending", order  # payment clears in minutes
        if order["fulfillment"] == "AFN" and age > DAY + 60:
            # Amazon ships FBA orders within the handling time: by LatestShipDate.
            assert order["status"] == "Shipped", order
        for shipment in order["shipments"]:
            assert shipment["ship_date"] <= order["latest_ship"]
            if shipment["delivered"] is not None:
                assert shipment["delivered"] <= order["latest_delivery"] + 1
        if order["fulfillment"] == "MFN" and order["status"] != "Canceled":
            # Merchant-fulfilled orders wait for the seller (the client): none ships itself.
            assert order["status"] in ("Pending", "Unshipped"), order
    statuses = Counter(o["status"] for o in placed)
    assert statuses["Shipped"] and statuses["Unshipped"]


def test_fba_shipments_take_the_units_and_post_in_finances(week: Live) -> None:
    shipped = next(o for o in records(week).values() if o["purchase_date"] >= ANCHOR
                   and o["fulfillment"] == "AFN" and o["status"] == "Shipped")
    with week.seller() as client:
        response = client.get(f"/finances/v0/orders/{shipped['order_id']}/financialEvents")
    assert response.status_code == 200, response.text
    events = response.json()["payload"]["FinancialEvents"]["ShipmentEventList"]
    assert [epoch(e["PostedDate"]) for e in events] == pytest.approx(
        [s["ship_date"] for s in shipped["shipments"]], abs=1)
    shipped_units = [c for c in week.changes(cause="scenario", kind="inventory")
                     if "shipped to a buyer" in c["what"]]
    assert shipped_units


def test_notifications_come_from_the_scenario(week: Live, models_dir: Path) -> None:
    changes = week.messages("ORDER_CHANGE")
    statuses = Counter(m["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"]
                       for m in changes)
    assert statuses["Pending"] and statuses["Unshipped"] and statuses["Shipped"]
    assert all(ANCHOR < epoch(m["EventTime"]) <= T0 + 7 * DAY for m in changes)
    offers = week.messages("ANY_OFFER_CHANGED")
    assert any(m["Payload"]["AnyOfferChangedNotification"]["OfferChangeTrigger"]
               ["OfferChangeType"] == "External" for m in offers)
    inventory = week.messages("FBA_INVENTORY_AVAILABILITY_CHANGES")
    assert inventory
    for message in (changes[0], changes[-1], offers[0], inventory[0]):
        assert schema_errors(models_dir, message) == []


def test_competitors_reprice(models_dir: Path) -> None:
    def competitors(client: httpx.Client, asin: str) -> dict[str, float]:
        response = client.get(f"/products/pricing/v0/items/{asin}/offers",
                              params={"MarketplaceId": US, "ItemCondition": "New"})
        assert response.status_code == 200, response.text
        return {o["SellerId"]: o["ListingPrice"]["Amount"]
                for o in response.json()["payload"]["Offers"] if not o["MyOffer"]}

    with live(models_dir) as emulator:
        state = emulator.app.store.of(emulator.app.accounts.sellers[0])
        asins = sorted({x.asin for x in state.listings.values()})
        with emulator.seller() as client:
            before = {asin: competitors(client, asin) for asin in asins}
        emulator.advance(days=3)
        since = emulator.changes(kind="offers", since=iso(T0 + 1))  # during the advance
        moved = {c["key"] for c in since}
        assert moved and {c["what"] for c in since} == {"competitors repriced"}
        repriced = [a for a in asins if a in moved and before[a]]
        assert repriced
        with emulator.seller() as client:
            for asin in asins:
                after = competitors(client, asin)
                assert set(after) == set(before[asin])  # the same competitors
                assert (after != before[asin]) == (asin in repriced), asin


def test_the_change_journal_names_each_cause(week: Live) -> None:
    with week.http() as client:
        created = client.post("/_emulator/orders", json={"seller_id": SELLER})
    assert created.status_code == 201
    causes = Counter(c["cause"] for c in week.changes(seller=SELLER))
    assert causes["scenario"] > 100 and causes["control"] >= 2
    order_id = created.json()["AmazonOrderId"]
    assert [c["cause"] for c in week.changes(key=order_id)] == ["control"]
    with week.http() as client:
        assert client.get("/_emulator/journal/changes", params={"cause": "robot"}
                          ).status_code == 400
        assert client.delete("/_emulator/journal").status_code == 204  # requests and changes
    assert week.changes() == []


def test_late_merchant_orders_are_cancelled_by_amazon(models_dir: Path) -> None:
    with live(models_dir) as emulator:
        emulator.advance(hours=9)  # past midnight: the day's first orders are in
        placed = [o for o in records(emulator).values() if o["purchase_date"] >= ANCHOR]
        mfn = [o for o in placed if o["fulfillment"] == "MFN" and o["status"] == "Unshipped"
               and o["marketplace_id"] == US]
        assert len(mfn) >= 2
        kept, dropped = mfn[0], mfn[1]
        item = kept["items"][0]
        with emulator.seller() as client:
            response = client.post(f"/orders/v0/orders/{kept['order_id']}/shipmentConfirmation",
                                   json={"marketplaceId": US, "packageDetail": {
                                       "packageReferenceId": "1", "carrierCode": "UPS",
                                       "trackingNumber": "1Z999", "shipDate": iso(T0 + 9 * 3600),
                                       "orderItems": [{"orderItemId": item["order_item_id"],
                                                       "quantity": item["quantity"]}]}})
        assert response.status_code == 204, response.text
        emulator.advance(days=14)
        now = records(emulator)
        assert now[kept["order_id"]]["status"] == "Shipped"
        assert now[dropped["order_id"]]["status"] == "Canceled"
        assert now[dropped["order_id"]]["cancelled_by"] == "amazon"
        notes = [c["what"] for c in emulator.changes(key=dropped["order_id"])]
        assert "late: not shipped by LatestShipDate" in notes
        assert any(n.startswith("cancelled by Amazon") for n in notes)
        # The seller's shipment was delivered in its window.
        assert now[kept["order_id"]]["shipments"][0]["delivered"] is not None


def test_settlement_periods_close_with_their_report(models_dir: Path) -> None:
    with live(models_dir) as emulator:
        emulator.subscribe("REPORT_PROCESSING_FINISHED")
        emulator.advance(days=7)  # the period open at the anchor closes a week after it
        with emulator.seller() as client:
            response = client.get("/reports/2021-06-30/reports", params={
                "reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "pageSize": 100})
        assert response.status_code == 200, response.text
        ends = {r["dataEndTime"] for r in response.json()["reports"]}
        assert "2026-03-09T00:00:00+00:00" in ends
        finished = [m for m in emulator.messages("REPORT_PROCESSING_FINISHED")
                    if m["eventTime"].startswith("2026-03-09T00:00:00")]
        assert finished
        closes = [c for c in emulator.changes(kind="settlement")]
        assert [c["time"] for c in closes] == ["2026-03-09T00:00:00.000Z"]


def test_fba_stock_is_replenished_over_days(models_dir: Path) -> None:
    with live(models_dir) as emulator:
        emulator.state()  # the seller exists from now: its business goes on from the anchor
        emulator.advance(days=20)
        stages = Counter(c["what"] for c in emulator.changes(kind="inventory",
                                                              cause="scenario"))
        # Shipments to Amazon made at the morning review move on over the days after.
        assert any(what.startswith("restock: ") for what in stages)
        assert stages["inbound working"] and stages["inbound shipped"]
        assert stages["inbound receiving"] and stages["inbound received"]


# -- the same calls at the same times: the same business ----------------------------------


def _script(emulator: Live) -> dict[str, Any]:
    """A client's run: subscribe, let a day pass in steps, ship an order, a report, more."""
    emulator.subscribe("ORDER_CHANGE")
    for _ in range(4):
        emulator.advance(hours=6)
        emulator.orders()
    shippable = sorted(o["order_id"] for o in records(emulator).values()
                       if o["fulfillment"] == "MFN" and o["status"] == "Unshipped")
    emulator.control("POST", f"/orders/{shippable[0]}/ship",
                     json={"seller_id": SELLER, "tracking_number": "1Z42"})
    emulator.advance(days=2)
    with emulator.seller() as client:
        created = client.post("/reports/2021-06-30/reports", json={
            "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
            "marketplaceIds": [US], "dataStartTime": iso(ANCHOR)})
        report_id = created.json()["reportId"]
        report = client.get(f"/reports/2021-06-30/reports/{report_id}").json()
        document = client.get(
            f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
    content = httpx.get(document["url"]).content
    if document.get("compressionAlgorithm") == "GZIP":
        content = gzip.decompress(content)
    messages = [(m["NotificationMetadata"]["NotificationId"], m["EventTime"], m["Payload"])
                for m in emulator.messages("ORDER_CHANGE")]
    return {"orders": emulator.orders(), "report": content, "messages": messages,
            "state": {k: v for k, v in emulator.state()["sellers"][SELLER].items()}}


def test_the_same_calls_at_the_same_times_give_the_same_business(models_dir: Path) -> None:
    with live(models_dir) as first:
        one = _script(first)
    with live(models_dir) as second:
        two = _script(second)
    assert len(one["orders"]) > 50 and len(one["messages"]) > 20
    assert one["orders"] == two["orders"]
    assert one["report"] == two["report"]
    assert one["messages"] == two["messages"]
    assert one["state"] == two["state"]


def test_how_often_the_store_is_looked_at_changes_nothing(models_dir: Path) -> None:
    with live(models_dir) as stepwise:
        for _ in range(6):
            stepwise.advance(hours=12)
            stepwise.orders()
        one = stepwise.state()["sellers"][SELLER]
    with live(models_dir) as at_once:
        at_once.advance(days=3)
        two = at_once.state()["sellers"][SELLER]
    assert one == two


def test_a_restart_continues_where_it_was(models_dir: Path, tmp_path: Path) -> None:
    state_file = tmp_path / "state.jsonl"
    with live(models_dir, state_file=state_file) as before:
        before.advance(days=2)
        before.control("POST", "/orders", json={"seller_id": SELLER, "status": "Unshipped"})
        paused = before.state()["sellers"][SELLER]
    # The new process starts at the same real moment: the state file keeps the clock's offset,
    # so the emulator's time goes on from where the first process left it.
    with live(models_dir, state_file=state_file) as after:
        assert after.state()["sellers"][SELLER] == paused
        after.advance(days=3)
        continued = after.state()["sellers"][SELLER]
    with live(models_dir) as reference, live(models_dir) as restored:
        reference.advance(days=2)
        reference.control("POST", "/orders", json={"seller_id": SELLER, "status": "Unshipped"})
        reference.advance(days=3)
        snapshot = reference.state()
        assert snapshot["sellers"][SELLER] == continued
        # A snapshot restored elsewhere (at the same clock time) continues the same way.
        restored.advance(days=5)
        restored.control("PUT", "/state", json=snapshot)
        reference.advance(hours=12)
        restored.advance(hours=6)
        restored.advance(hours=6)
        assert restored.state() == reference.state()


# -- rhythm -----------------------------------------------------------------------------------


def _local_hours(moments: list[float], offset_hours: float = -6) -> Counter[int]:
    return Counter(datetime.fromtimestamp(m + offset_hours * 3600, UTC).hour for m in moments)


def test_orders_come_more_in_the_evening_and_on_monday(models_dir: Path) -> None:
    with live(models_dir) as emulator:
        emulator.state()
        emulator.advance(days=28)
        orders = records(emulator, None).values()
    history = [o["purchase_date"] for o in orders if o["purchase_date"] < ANCHOR]
    future = [o["purchase_date"] for o in orders if o["purchase_date"] >= ANCHOR]
    for moments in (history, future):
        hours = _local_hours(moments)
        evening = sum(hours[h] for h in (19, 20, 21))
        night = sum(hours[h] for h in (2, 3, 4))
        assert evening > 4 * night, hours
    days = Counter(datetime.fromtimestamp(m - 6 * 3600, UTC).weekday() for m in history)
    assert days[0] > days[5], days  # Monday busier than Saturday


# -- control ----------------------------------------------------------------------------------


def test_clock_advance_takes_seconds_hours_or_days(models_dir: Path) -> None:
    with live(models_dir) as emulator:
        emulator.orders()  # the seller exists: its events play as the clock moves
        moved = emulator.advance(hours=1.5)
        assert moved["offset_seconds"] == 5400
        assert moved["scenario_events"] >= 0
        assert emulator.advance(days=1, seconds=60)["offset_seconds"] == 5400 + DAY + 60
        with emulator.http() as client:
            for bad in ('{}', '{"weeks": 1}', '{"hours": -1}', '{"days": "1"}',
                        '{"days": 1e400}', '{"seconds": true}', '[1]'):
                response = client.post("/_emulator/clock/advance", content=bad,
                                       headers={"content-type": "application/json"})
                assert response.status_code == 400, bad


def test_live_off_stands_still(models_dir: Path) -> None:
    with live(models_dir, live=False) as emulator:
        before = emulator.state()["sellers"][SELLER]
        emulator.advance(days=5)
        assert emulator.state()["sellers"][SELLER] == before


# -- sellers let go -----------------------------------------------------------------------------


def _other_sellers(emulator: Live, count: int) -> None:
    """`count` sellers of their own (open auth: one per refresh token), each looked at once."""
    app = emulator.app.accounts.apps[0]
    with emulator.http() as client:
        for number in range(count):
            token = client.post("/auth/o2/token", data={
                "grant_type": "refresh_token", "client_id": app.client_id,
                "client_secret": app.client_secret, "refresh_token": f"Atzr|other-{number}"})
            assert token.status_code == 200, token.text
            answer = client.get("/orders/v0/orders", params={
                "MarketplaceIds": US, "CreatedAfter": iso(ANCHOR)},
                headers={"x-amz-access-token": token.json()["access_token"]})
            assert answer.status_code == 200, answer.text


def _generated(emulator: Live) -> set[str]:
    return {state.seller_id for state in emulator.app.store.generated()}


def test_a_seller_let_go_comes_back_the_same_and_plays_nothing_twice(models_dir: Path) -> None:
    """Sellers only the scenario changed are let go past a few (memory stays bounded while
    open auth makes a seller per refresh token) and generated again on next use: the same
    orders, played silently up to where they stood (nothing journaled twice), then on as if
    they had never gone."""
    with live(models_dir, auth="open") as emulator:
        emulator.advance(days=2)
        before = emulator.orders()
        journaled = emulator.changes(seller=SELLER)
        assert len(before) > 20 and journaled
        _other_sellers(emulator, UNCHANGED_SELLERS + 1)
        assert SELLER not in _generated(emulator)
        assert emulator.orders() == before
        assert emulator.changes(seller=SELLER) == journaled
        emulator.advance(days=1)
        after = emulator.orders()
        assert emulator.changes(seller=SELLER)[len(journaled):]  # the day after: played aloud
    with live(models_dir, auth="open") as kept:
        kept.advance(days=2)
        kept.orders()
        kept.advance(days=1)
        assert kept.orders() == after


def test_a_subscribed_seller_is_never_let_go(models_dir: Path) -> None:
    """Its scenario's notifications must come on time, not when it is next looked at."""
    with live(models_dir, auth="open") as emulator:
        emulator.subscribe("ORDER_CHANGE")
        emulator.orders()
        _other_sellers(emulator, UNCHANGED_SELLERS + 1)
        assert SELLER in _generated(emulator)
