"""GET_SALES_AND_TRAFFIC_REPORT: the Business Reports' sales and traffic, as JSON valid against
Amazon's schema (schemas/reports/sellerSalesAndTrafficReport.json).

Sales come from the seller's orders in the first requested marketplace (cancelled orders do
not count; business orders also count in the B2B twins). Traffic is not something the
emulator's state holds: sessions and page views are drawn from the seeded randomness per day
(or per ASIN), in proportion to the units sold, so the same seed gives the same report.
Dates are UTC days; weeks start on Sunday, as in Seller Central.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from emulator.business.documents import DAY, as_json
from emulator.business.entities import Order, money_float
from emulator.business.marketplaces import Marketplace
from emulator.business.store import SellerState
from emulator.families.reports.generators.base import (
    ReportFamily,
    ReportOutput,
    ReportRequest,
    choice,
    markets_of,
)

DATE_GRANULARITIES = ("DAY", "WEEK", "MONTH")
ASIN_GRANULARITIES = ("PARENT", "CHILD", "SKU")
SHIPPING_LOOKBACK = 30 * DAY  # orders shipped in the range may have been bought before it


@dataclass
class Sales:
    """Sums in minor units; `b2b` the same for business orders."""

    sales: int = 0
    units: int = 0
    items: int = 0
    refunded: int = 0
    shipped_sales: int = 0
    shipped_units: int = 0
    shipped_orders: int = 0
    b2b: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add_order(self, order: Order) -> None:
        for item in order.items:
            self.sales += item.item_price
            self.units += item.quantity
            self.items += 1
            if order.refunded:
                self.refunded += item.quantity
            if order.is_business:
                self.b2b["sales"] += item.item_price
                self.b2b["units"] += item.quantity
                self.b2b["items"] += 1


def _day(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, UTC).date()


def _bucket(day: date, granularity: str) -> date:
    if granularity == "WEEK":
        return day - timedelta(days=(day.weekday() + 1) % 7)  # back to Sunday
    if granularity == "MONTH":
        return day.replace(day=1)
    return day


def _buckets(first: date, last: date, granularity: str) -> list[date]:
    found: list[date] = []
    day = first
    while day <= last:
        key = _bucket(day, granularity)
        if not found or found[-1] != key:
            found.append(key)
        day += timedelta(days=1)
    return found


def _money(minor: float, market: Marketplace) -> dict[str, Any]:
    return {"amount": round(money_float(round(minor), market.currency), 2),
            "currencyCode": market.currency}


def _ratio(part: float, whole: float, scale: float = 1.0) -> float:
    return round(part / whole * scale, 2) if whole else 0.0


def _sales_by_date(sales: Sales, market: Marketplace) -> dict[str, Any]:
    b2b = sales.b2b
    return {
        "orderedProductSales": _money(sales.sales, market),
        "orderedProductSalesB2B": _money(b2b["sales"], market),
        "unitsOrdered": sales.units, "unitsOrderedB2B": b2b["units"],
        "totalOrderItems": sales.items, "totalOrderItemsB2B": b2b["items"],
        "averageSalesPerOrderItem": _money(_ratio(sales.sales, sales.items), market),
        "averageSalesPerOrderItemB2B": _money(_ratio(b2b["sales"], b2b["items"]), market),
        "averageUnitsPerOrderItem": _ratio(sales.units, sales.items),
        "averageUnitsPerOrderItemB2B": _ratio(b2b["units"], b2b["items"]),
        "averageSellingPrice": _money(_ratio(sales.sales, sales.units), market),
        "averageSellingPriceB2B": _money(_ratio(b2b["sales"], b2b["units"]), market),
        "unitsRefunded": sales.refunded,
        "refundRate": _ratio(sales.refunded, sales.units, 100),
        "claimsGranted": 0, "claimsAmount": _money(0, market),
        "shippedProductSales": _money(sales.shipped_sales, market),
        "unitsShipped": sales.shipped_units, "ordersShipped": sales.shipped_orders,
    }


@dataclass(frozen=True)
class Visits:
    """Sessions and page views, browser and mobile app, all and business buyers."""

    browser_sessions: int
    app_sessions: int
    browser_views: int
    app_views: int
    b2b_share: float

    @classmethod
    def draw(cls, rnd: random.Random, units: int) -> Visits:
        sessions = max(round(units * rnd.uniform(6, 14)), rnd.randint(5, 40))
        browser = round(sessions * rnd.uniform(0.45, 0.7))
        views_per_session = rnd.uniform(1.2, 1.8)
        return cls(browser, sessions - browser, round(browser * views_per_session),
                   round((sessions - browser) * views_per_session), rnd.uniform(0.03, 0.12))

    @property
    def sessions(self) -> int:
        return self.browser_sessions + self.app_sessions

    @property
    def views(self) -> int:
        return self.browser_views + self.app_views

    def counts(self) -> dict[str, int]:
        values = {"browserPageViews": self.browser_views, "mobileAppPageViews": self.app_views,
                  "pageViews": self.views, "browserSessions": self.browser_sessions,
                  "mobileAppSessions": self.app_sessions, "sessions": self.sessions}
        result: dict[str, int] = {}
        for name, value in values.items():
            result[name] = value
            result[name + "B2B"] = round(value * self.b2b_share)
        return result


def _traffic_by_date(visits: Visits, sales: Sales, rnd: random.Random) -> dict[str, Any]:
    feedback = rnd.randint(0, max(1, sales.units // 10))
    negative = rnd.randint(0, feedback // 5) if feedback else 0
    b2b_sessions = round(visits.sessions * visits.b2b_share)
    buy_box = round(rnd.uniform(85, 100), 2)
    return {
        **visits.counts(),
        "buyBoxPercentage": buy_box, "buyBoxPercentageB2B": buy_box,
        "orderItemSessionPercentage": _ratio(sales.items, visits.sessions, 100),
        "orderItemSessionPercentageB2B": _ratio(sales.b2b["items"], b2b_sessions, 100),
        "unitSessionPercentage": _ratio(sales.units, visits.sessions, 100),
        "unitSessionPercentageB2B": _ratio(sales.b2b["units"], b2b_sessions, 100),
        "averageOfferCount": rnd.randint(1, 6), "averageParentItems": rnd.randint(20, 200),
        "feedbackReceived": feedback, "negativeFeedbackReceived": negative,
        "receivedNegativeFeedbackRate": _ratio(negative, feedback, 100),
    }


def _traffic_by_asin(visits: Visits, all_sessions: int, all_views: int, units: int,
                     rnd: random.Random) -> dict[str, Any]:
    counts = visits.counts()
    share = {
        "browserSessionPercentage": _ratio(visits.browser_sessions, all_sessions, 100),
        "mobileAppSessionPercentage": _ratio(visits.app_sessions, all_sessions, 100),
        "sessionPercentage": _ratio(visits.sessions, all_sessions, 100),
        "browserPageViewsPercentage": _ratio(visits.browser_views, all_views, 100),
        "mobileAppPageViewsPercentage": _ratio(visits.app_views, all_views, 100),
        "pageViewsPercentage": _ratio(visits.views, all_views, 100),
    }
    buy_box = round(rnd.uniform(85, 100), 2)
    result: dict[str, Any] = {**counts, "buyBoxPercentage": buy_box,
                              "buyBoxPercentageB2B": buy_box,
                              "unitSessionPercentage": _ratio(units, visits.sessions, 100),
                              "unitSessionPercentageB2B": 0.0}
    for name, value in share.items():
        result[name] = value
        result[name + "B2B"] = value
    return result


def _rnd(request: ReportRequest, state: SellerState, *parts: object) -> random.Random:
    if request.randomness is None:  # pragma: no cover - the report book always passes it
        return random.Random(repr((state.seller_id, *parts)))
    return request.randomness.derive("sales-and-traffic", state.seller_id, *parts)


def _window(state: SellerState, market: Marketplace, first: date,
            last: date) -> tuple[list[Order], list[Order]]:
    """Orders bought in the range, and orders that may have shipped in it."""
    start = datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp()
    end = datetime(last.year, last.month, last.day, tzinfo=UTC).timestamp() + DAY
    bought = [o for o in state.orders_between(start, end)
              if o.marketplace_id == market.id and o.status != "Canceled"]
    shipping = [o for o in state.orders_between(start - SHIPPING_LOOKBACK, end)
                if o.marketplace_id == market.id and o.shipments]
    return bought, shipping


def _add_shipments(by_date: dict[date, Sales], orders: Iterable[Order], granularity: str,
                   first: date, last: date) -> None:
    for order in orders:
        prices = {i.order_item_id: i.unit_price for i in order.items}
        for shipment in order.shipments:
            day = _day(shipment.ship_date)
            if not first <= day <= last:
                continue
            sales = by_date[_bucket(day, granularity)]
            sales.shipped_orders += 1
            for item_id, quantity in shipment.items:
                sales.shipped_units += quantity
                sales.shipped_sales += prices.get(item_id, 0) * quantity


def _asin_key(state: SellerState, asin: str, sku: str, granularity: str) -> tuple[str, ...]:
    item = state.catalog.get(asin)
    parent = (item.parent_asin if item and item.parent_asin else asin)
    if granularity == "PARENT":
        return (parent,)
    if granularity == "CHILD":
        return (parent, asin)
    return (parent, asin, sku)


def _by_asin(state: SellerState, request: ReportRequest, orders: list[Order],
             granularity: str, market: Marketplace) -> list[dict[str, Any]]:
    sales: dict[tuple[str, ...], Sales] = defaultdict(Sales)
    for order in orders:
        for item in order.items:
            entry = sales[_asin_key(state, item.asin, item.sku, granularity)]
            entry.sales += item.item_price
            entry.units += item.quantity
            entry.items += 1
            if order.is_business:
                entry.b2b["sales"] += item.item_price
                entry.b2b["units"] += item.quantity
                entry.b2b["items"] += 1
    visits = {key: Visits.draw(_rnd(request, state, market.id, *key), value.units)
              for key, value in sales.items()}
    all_sessions = sum(v.sessions for v in visits.values())
    all_views = sum(v.views for v in visits.values())
    rows = []
    for key in sorted(sales):
        entry = sales[key]
        row: dict[str, Any] = {"parentAsin": key[0]}
        if len(key) > 1:
            row["childAsin"] = key[1]
        if len(key) > 2:
            row["sku"] = key[2]
        row["salesByAsin"] = {
            "unitsOrdered": entry.units, "unitsOrderedB2B": entry.b2b["units"],
            "orderedProductSales": _money(entry.sales, market),
            "orderedProductSalesB2B": _money(entry.b2b["sales"], market),
            "totalOrderItems": entry.items, "totalOrderItemsB2B": entry.b2b["items"],
        }
        row["trafficByAsin"] = _traffic_by_asin(
            visits[key], all_sessions, all_views, entry.units,
            _rnd(request, state, "asin-box", market.id, *key))
        rows.append(row)
    return rows


def sales_and_traffic(state: SellerState, request: ReportRequest) -> ReportOutput:
    date_granularity = choice(request.options, "dateGranularity", DATE_GRANULARITIES, "DAY")
    asin_granularity = choice(request.options, "asinGranularity", ASIN_GRANULARITIES,
                              "PARENT")
    market = markets_of(state, request)[0]
    first, last = _day(request.start), _day(request.end)
    bought, shipping = _window(state, market, first, last)
    by_date: dict[date, Sales] = defaultdict(Sales)
    for order in bought:
        by_date[_bucket(_day(order.purchase_date), date_granularity)].add_order(order)
    _add_shipments(by_date, shipping, date_granularity, first, last)
    dates = []
    for key in _buckets(first, last, date_granularity):
        sales = by_date[key]
        rnd = _rnd(request, state, market.id, key.isoformat())
        visits = Visits.draw(rnd, sales.units)
        dates.append({"date": key.isoformat(), "salesByDate": _sales_by_date(sales, market),
                      "trafficByDate": _traffic_by_date(visits, sales, rnd)})
    document = {
        "reportSpecification": {
            "reportType": request.report_type,
            "reportOptions": {"dateGranularity": date_granularity,
                              "asinGranularity": asin_granularity},
            "dataStartTime": first.isoformat(), "dataEndTime": last.isoformat(),
            "marketplaceIds": [market.id],
        },
        "salesAndTrafficByDate": dates,
        "salesAndTrafficByAsin": _by_asin(state, request, bought, asin_granularity, market),
    }
    return ReportOutput(as_json(document), "json", market)


FAMILIES = {"GET_SALES_AND_TRAFFIC_REPORT": ReportFamily(sales_and_traffic, True, 2.0)}
