"""Finances API v0 (financial event groups and events) and v2024-06-19 (transactions), both
read from the same events, which state/finances.py derives from the orders: a v0 shipment
event and the transaction of the same shipment always carry the same money.

Amazon's date rules, for both versions: dates must be more than two minutes before the
request; PostedBefore (default: two minutes ago) must be later than PostedAfter; a range of
more than 180 days answers nothing. Unlike Amazon, events are posted at once (Amazon says
orders of the last 48 hours may be missing).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from emulator.business import service_fees
from emulator.business.entities import decimals
from emulator.business.store import SellerState, StateStore
from emulator.families import ApiContext
from emulator.families.common import iso, parse_time, seller_state, token_error
from emulator.families.finances import ledger as finances
from emulator.families.finances.ledger import (
    POSTAGE,
    POSTAGE_REFUND,
    REFUND,
    SERVICE_FEE,
    SHIPMENT,
    Event,
    Group,
    Key,
    Ledger,
    Line,
    Ref,
)
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply
from emulator.runtime.clock import Clock
from emulator.runtime.paging import PageTokens, TokenRejected

DAY = 86400.0
MAX_RANGE = 180 * DAY
SETTLE_DELAY = 120.0
TRANSACTIONS_PAGE = 500  # Amazon's use case guide: "up to 500 transactions at a time"
US = "ATVPDKIKX0DER"
DATE_RANGE_INVALID = "Date range is invalid."  # the message of Amazon's sandbox case
START_DATE_NULL = "Start date cannot be null"  # listTransactions' sandbox case
BAD_GROUP = "Bad event group ID provided."  # listFinancialEventsByGroupId's sandbox case
RELATED_NAMES = ("ORDER_ID", "FINANCIAL_EVENT_GROUP_ID")


@dataclass(frozen=True)
class Window:
    """A request's posted-date range, after Amazon's rules."""

    after: float | None
    before: float
    empty: bool  # further apart than 180 days: Amazon answers an empty page


@dataclass(frozen=True)
class Page:
    """Where a listing of events starts and what bounds it, from the request or its token."""

    cursor: Key | None
    before: float


def amount(minor: int, currency: str) -> float | int:
    """CurrencyAmount, a JSON number: 12.34, or 1234 for yen."""
    return minor if decimals(currency) == 0 else round(minor / 100, 2)


def _date(params: dict[str, Any], name: str) -> float | None:
    value = params.get(name)
    return None if value is None else parse_time(value, name)


def window(params: dict[str, Any], after_name: str, before_name: str, now: float,
           before_needs_after: bool = True) -> Window:
    after, before = _date(params, after_name), _date(params, before_name)
    latest = now - SETTLE_DELAY

    def invalid(rule: str) -> InvalidInput:
        return InvalidInput(DATE_RANGE_INVALID, details=rule)

    if before is not None and after is None and before_needs_after:
        raise invalid(f"{after_name} is required when {before_name} is given.")
    for name, value in ((after_name, after), (before_name, before)):
        if value is not None and value > latest:
            raise invalid(f"{name} must be more than two minutes before the time of the "
                          "request.")
    before = latest if before is None else before
    if after is not None and before <= after:
        raise invalid(f"{before_name} must be later than {after_name}.")
    return Window(after, before, after is not None and before - after > MAX_RANGE)


def _within(group: Group, bounds: Window, before: float) -> Window:
    """A date range narrowed to a group's period."""
    return Window(max(group.start, bounds.after or group.start), min(group.end, before),
                  bounds.empty)


def _filters(params: dict[str, Any], *paging: str) -> dict[str, Any]:
    """What a page token is bound to: every parameter but the paging ones."""
    return {k: v for k, v in sorted(params.items()) if k not in paging}


class Finances:
    def __init__(self, store: StateStore, page_tokens: PageTokens, clock: Clock,
                 event_lists: Sequence[str]) -> None:
        self.store = store
        self.page_tokens = page_tokens
        self.clock = clock
        self.event_lists = tuple(event_lists)
        self.ledgers = finances.Ledgers()

    # -- shared ----------------------------------------------------------------------------

    def _page(self, token: str | None, listing: str, state: SellerState,
              filters: dict[str, Any], before: float) -> Page:
        if token is None:
            return Page(None, before)
        try:
            position = self.page_tokens.read(token, listing, state.seller_id, filters)
        except TokenRejected as error:
            raise token_error(error) from None
        return Page(tuple(position["c"]), position["b"])  # type: ignore[arg-type]

    def _next(self, listing: str, state: SellerState, filters: dict[str, Any],
              last: Ref, page: Page) -> str:
        return self.page_tokens.issue(listing, state.seller_id, filters,
                                      {"c": list(last.key), "b": page.before})

    def _group(self, state: SellerState, ledger: Ledger, group_id: str,
               now: float) -> Group | None:
        return next((g for g in ledger.groups(state, self.store.seed, now)
                     if g.group_id == group_id), None)

    def _order_refs(self, state: SellerState, order_id: str, now: float) -> list[Ref]:
        """An order's events; none for an order without any or not of this seller."""
        order = state.orders.get(order_id)
        return self.ledgers.of(state, now).refs_of(order) if order is not None else []

    def _group_ids(self, state: SellerState) -> Callable[[Ref], str]:
        seed = self.store.seed
        cache: dict[tuple[int, str], str] = {}

        def of(ref: Ref) -> str:
            key = (ref.period, ref.marketplace_id)
            if key not in cache:
                cache[key] = finances.group_id(seed, state.seller_id, key[1], key[0])
            return cache[key]

        return of

    # -- v0: groups ------------------------------------------------------------------------

    async def event_groups(self, call: Call) -> Reply:
        params = call.params or {}
        state = seller_state(self.store, call)
        now = self.clock.now()
        checked = window(params, "FinancialEventGroupStartedAfter",
                         "FinancialEventGroupStartedBefore", now, before_needs_after=False)
        before = checked.before if "FinancialEventGroupStartedBefore" in params else None
        # Amazon: "If FinancialEventGroupStartedAfter and FinancialEventGroupStartedBefore
        # are more than 180 days apart, no financial event groups are returned."
        too_wide = checked.empty and before is not None
        ledger = self.ledgers.of(state, now)
        groups = [] if too_wide else [
            g for g in ledger.groups(state, self.store.seed, now)
            if (checked.after is None or g.start >= checked.after)
            and (before is None or g.start < before)]
        filters = _filters(params, "NextToken", "MaxResultsPerPage")
        start = 0
        if "NextToken" in params:
            try:
                start = int(self.page_tokens.read(params["NextToken"], "financesV0.groups",
                                                  state.seller_id, filters))
            except TokenRejected as error:
                raise token_error(error) from None
        size = params["MaxResultsPerPage"]
        payload: dict[str, Any] = {"FinancialEventGroupList": [
            _group_json(state, ledger, g, now) for g in groups[start:start + size]]}
        if start + size < len(groups):
            payload["NextToken"] = self.page_tokens.issue("financesV0.groups", state.seller_id,
                                                          filters, start + size)
        return json_reply(200, {"payload": payload})

    # -- v0: events ------------------------------------------------------------------------

    async def events(self, call: Call) -> Reply:
        params = call.params or {}
        state = seller_state(self.store, call)
        now = self.clock.now()
        checked = window(params, "PostedAfter", "PostedBefore", now)
        if checked.after is None:
            raise InvalidInput(DATE_RANGE_INVALID, details="PostedAfter is required.")
        ledger = self.ledgers.of(state, now)
        return self._events_page(params, state, "financesV0.events", ledger.refs, ledger.keys,
                                 checked, lambda ref: True)

    async def events_by_group(self, call: Call) -> Reply:
        params = call.params or {}
        state = seller_state(self.store, call)
        now = self.clock.now()
        checked = window(params, "PostedAfter", "PostedBefore", now)
        ledger = self.ledgers.of(state, now)
        group = self._group(state, ledger, params["eventGroupId"], now)
        if group is None:
            raise InvalidInput(BAD_GROUP, details=f"No financial event group "
                               f"{params['eventGroupId']!r} for this seller.")
        # Without PostedBefore, the whole group so far: its events then add up to its total.
        before = checked.before if "PostedBefore" in params else now
        market = group.marketplace.id
        return self._events_page(params, state, "financesV0.groupEvents", ledger.refs,
                                 ledger.keys, _within(group, checked, before),
                                 lambda ref: ref.marketplace_id == market)

    async def events_by_order(self, call: Call) -> Reply:
        params = call.params or {}
        state = seller_state(self.store, call)
        now = self.clock.now()
        refs = self._order_refs(state, params["orderId"], now)
        return self._events_page(params, state, "financesV0.orderEvents", refs,
                                 [r.key for r in refs], Window(None, now, False),
                                 lambda ref: True)

    def _events_page(self, params: dict[str, Any], state: SellerState, listing: str,
                     refs: Sequence[Ref], keys: Sequence[Key], bounds: Window,
                     keep: Callable[[Ref], bool]) -> Reply:
        filters = _filters(params, "NextToken", "MaxResultsPerPage")
        page = self._page(params.get("NextToken"), listing, state, filters, bounds.before)
        picked, more = ([], False) if bounds.empty else finances.select(
            refs, keys, bounds.after, page.before, page.cursor, keep,
            params["MaxResultsPerPage"])
        lists: dict[str, list[Any]] = {name: [] for name in self.event_lists}
        for ref in picked:
            if ref.fee is not None:
                lists["ServiceFeeEventList"].append(_service_fee_event(ref.fee))
                continue
            event = finances.event(state, ref)
            if event.kind == SHIPMENT:
                lists["ShipmentEventList"].append(_shipment_event(event))
            elif event.kind == REFUND:
                lists["RefundEventList"].append(_refund_event(event))
            else:
                lists["AdjustmentEventList"].extend(_postage_events(event))
        payload: dict[str, Any] = {"FinancialEvents": lists}
        if more:
            payload["NextToken"] = self._next(listing, state, filters, picked[-1], page)
        return json_reply(200, {"payload": payload})

    # -- v2024-06-19: transactions ---------------------------------------------------------

    async def transactions(self, call: Call) -> Reply:
        params = call.params or {}
        state = seller_state(self.store, call)
        now = self.clock.now()
        related = _related(params)
        if related is None and "postedAfter" not in params:
            raise InvalidInput(START_DATE_NULL, details=START_DATE_NULL)
        bounds = window(params, "postedAfter", "postedBefore", now, before_needs_after=False)
        ledger = self.ledgers.of(state, now)
        refs: Sequence[Ref] = ledger.refs
        keeps = [_marketplace_filter(params.get("marketplaceId")),
                 _status_filter(params.get("transactionStatus"))]
        if related is not None and related[0] == "ORDER_ID":
            refs = self._order_refs(state, related[1], now)
        elif related is not None:  # FINANCIAL_EVENT_GROUP_ID: the group's period and market
            group = self._group(state, ledger, related[1], now)
            if group is None:
                bounds = Window(bounds.after, bounds.before, empty=True)
            else:
                bounds = _within(group, bounds, bounds.before)
                market = group.marketplace.id
                keeps.append(lambda ref: ref.marketplace_id == market)
        keys = ledger.keys if refs is ledger.refs else [r.key for r in refs]
        filters = _filters(params, "nextToken")
        page = self._page(params.get("nextToken"), "finances.transactions", state, filters,
                          bounds.before)
        picked, more = ([], False) if bounds.empty else finances.select(
            refs, keys, bounds.after, page.before, page.cursor,
            lambda ref: all(keep(ref) for keep in keeps), TRANSACTIONS_PAGE)
        group_of = self._group_ids(state)
        seed = self.store.seed
        payload: dict[str, Any] = {"transactions": [
            _fee_transaction(state, ref.fee, group_of(ref),
                             finances.transaction_id(seed, state.seller_id, ref.key))
            if ref.fee is not None else
            _transaction(state, finances.event(state, ref), group_of(ref),
                         finances.transaction_id(seed, state.seller_id, ref.key))
            for ref in picked]}
        if more:
            payload["nextToken"] = self._next("finances.transactions", state, filters,
                                              picked[-1], page)
        return json_reply(200, {"payload": payload})


def _related(params: dict[str, Any]) -> tuple[str, str] | None:
    name, value = params.get("relatedIdentifierName"), params.get("relatedIdentifierValue")
    if name is None and value is None:
        return None
    if name is None or value is None:
        raise InvalidInput("relatedIdentifierName and relatedIdentifierValue go together.",
                           details="Give both, or neither.")
    if name not in RELATED_NAMES:
        raise InvalidInput(f"Invalid relatedIdentifierName '{name}'.",
                           details="Only ORDER_ID and FINANCIAL_EVENT_GROUP_ID can filter "
                           "transactions.")
    return name, value


def _marketplace_filter(marketplace_id: str | None) -> Callable[[Ref], bool]:
    if marketplace_id is None:
        return lambda ref: True
    # Amazon's note on listTransactions: "If you want to retrieve MFN orders in the US store,
    # do not supply the marketplaceId parameter" -- with it, they are not returned.
    return lambda ref: ref.marketplace_id == marketplace_id and not (
        marketplace_id == US and ref.order is not None and ref.order.fulfillment == "MFN")


def _status_filter(status: str | None) -> Callable[[Ref], bool]:
    # Events are released as they post (the emulator defers none), so only RELEASED matches.
    released = status is None or status.upper() == "RELEASED"
    return lambda ref: released


# -- v0 JSON -------------------------------------------------------------------------------


def _money(minor: int, currency: str) -> dict[str, Any]:
    return {"CurrencyCode": currency, "CurrencyAmount": amount(minor, currency)}


def _digits(*parts: object, count: int) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return str(int(digest, 16))[:count]


def _group_json(state: SellerState, ledger: Ledger, group: Group,
                now: float) -> dict[str, Any]:
    currency = group.marketplace.currency
    total = _money(ledger.total(state, group, now), currency)
    closed = group.closed(now)
    body: dict[str, Any] = {"FinancialEventGroupId": group.group_id,
                            "ProcessingStatus": "Closed" if closed else "Open"}
    if closed:
        body["FundTransferStatus"] = "Succeeded"
    body["OriginalTotal"] = total  # an open group's: its current balance
    if closed:
        # Closed at the period's end and paid out at once to the seller's bank account.
        body.update({"ConvertedTotal": total, "FundTransferDate": iso(group.end),
                     "TraceId": _digits(group.group_id, count=14),
                     "AccountTail": _digits(state.seller_id, count=3)})
    body["BeginningBalance"] = _money(0, currency)  # every closed period was paid out in full
    body["FinancialEventGroupStart"] = iso(group.start)
    if closed:
        body["FinancialEventGroupEnd"] = iso(group.end)
    return body


def _adjustment_item_id(line: Line) -> str:
    return _digits("adjustment", line.item.order_item_id, count=14)


def _v0_item(event: Event, line: Line) -> dict[str, Any]:
    currency = event.order.currency
    charges = [{"ChargeType": kind, "ChargeAmount": _money(minor, currency)} for kind, minor in (
        ("Principal", line.principal), ("Tax", line.tax), ("ShippingCharge", line.shipping),
        ("ShippingTax", line.shipping_tax))]
    fees = [{"FeeType": kind, "FeeAmount": _money(minor, currency)} for kind, minor in (
        ("FBAPerUnitFulfillmentFee", line.fba_fee), ("Commission", line.commission),
        ("RefundCommission", line.refund_commission)) if minor or kind == "Commission"]
    promotions = [{"PromotionType": "PromotionMetaDataDefinitionValue",
                   "PromotionId": "PROMO-" + _digits("promotion", line.item.order_item_id,
                                                     count=10),
                   "PromotionAmount": _money(line.promotion, currency)}] if line.promotion else []
    item: dict[str, Any] = {"SellerSKU": line.item.sku, "OrderItemId": line.item.order_item_id}
    if event.kind == REFUND:
        item.update({"OrderAdjustmentItemId": _adjustment_item_id(line),
                     "QuantityShipped": line.quantity, "ItemChargeAdjustmentList": charges,
                     "ItemFeeAdjustmentList": fees})
        if promotions:
            item["PromotionAdjustmentList"] = promotions
    else:
        item.update({"QuantityShipped": line.quantity, "ItemChargeList": charges,
                     "ItemFeeList": fees})
        if promotions:
            item["PromotionList"] = promotions
    return item


def _event_head(event: Event) -> dict[str, Any]:
    order = event.order
    return {"AmazonOrderId": order.order_id, "SellerOrderId": order.seller_order_id,
            "MarketplaceName": order.sales_channel, "PostedDate": iso(event.posted)}


def _shipment_event(event: Event) -> dict[str, Any]:
    return {**_event_head(event),
            "ShipmentItemList": [_v0_item(event, line) for line in event.lines]}


def _refund_event(event: Event) -> dict[str, Any]:
    return {**_event_head(event),
            "ShipmentItemAdjustmentList": [_v0_item(event, line) for line in event.lines]}


def _service_fee_event(booking: service_fees.FeeBooking) -> dict[str, Any]:
    """A fee booked outside an order's sale (MCF, inbound). ServiceFeeEvent has no date:
    Amazon's own carry none either (models#1660); the emulator lists them by posting time."""
    body: dict[str, Any] = {}
    if booking.order_id is not None:
        body["AmazonOrderId"] = booking.order_id
    body["FeeReason"] = booking.reason
    body["FeeList"] = [{"FeeType": kind, "FeeAmount": _money(minor, booking.currency)}
                       for kind, minor in booking.fees]
    for name, value in (("SellerSKU", booking.sku), ("FnSKU", booking.fnsku),
                        ("ASIN", booking.asin)):
        if value is not None:
            body[name] = value
    body["FeeDescription"] = booking.description
    return body


def _postage_events(event: Event) -> list[dict[str, Any]]:
    """Buy Shipping postage as Amazon books it: an AdjustmentEvent per charge, without items
    or order id (sellers match them to labels by time and amount)."""
    currency = event.order.currency
    return [{"AdjustmentType": kind, "PostedDate": iso(event.posted),
             "AdjustmentAmount": _money(amount, currency)} for kind, amount in event.postage]


# -- v2024-06-19 JSON ----------------------------------------------------------------------


def _breakdown(kind: str, minor: int, currency: str,
               parts: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    return {"breakdownType": kind,
            "breakdownAmount": {"currencyCode": currency,
                                "currencyAmount": amount(minor, currency)},
            "breakdowns": list(parts)}


def _sales(lines: Sequence[Line], currency: str) -> list[dict[str, Any]]:
    """Sales components of some lines: tax, product charges, shipping, promotions."""
    tax = sum(line.tax for line in lines)
    shipping_tax = sum(line.shipping_tax for line in lines)
    principal = sum(line.principal for line in lines)
    shipping = sum(line.shipping for line in lines)
    promotion = sum(line.promotion for line in lines)
    parts = [
        _breakdown("Tax", tax + shipping_tax, currency, [
            _breakdown("OurPriceTax", tax, currency),
            _breakdown("ShippingTax", shipping_tax, currency)]),
        _breakdown("ProductCharges", principal, currency, [
            _breakdown("OurPricePrincipal", principal, currency)]),
        _breakdown("Shipping", shipping, currency, [
            _breakdown("ShippingPrincipal", shipping, currency)]),
    ]
    if promotion:
        parts.append(_breakdown("Promotions", promotion, currency, [
            _breakdown("OurPricePromotion", promotion, currency)]))
    return parts


def _amazon_fees(lines: Sequence[Line], currency: str) -> dict[str, Any]:
    parts = [_breakdown(kind, minor, currency) for kind, minor in (
        ("FBAPerUnitFulfillmentFee", sum(line.fba_fee for line in lines)),
        ("Commission", sum(line.commission for line in lines)),
        ("RefundCommission", sum(line.refund_commission for line in lines)),
    ) if minor or kind == "Commission"]
    return _breakdown("AmazonFees", sum(line.fees for line in lines), currency, parts)


def _transaction_item(event: Event, line: Line) -> dict[str, Any]:
    currency = event.order.currency
    item: dict[str, Any] = {"description": line.item.title,
                            "totalAmount": {"currencyCode": currency,
                                            "currencyAmount": amount(line.net, currency)}}
    if event.kind == REFUND:
        item["relatedIdentifiers"] = [{"itemRelatedIdentifierName": "ORDER_ADJUSTMENT_ITEM_ID",
                                       "itemRelatedIdentifierValue": _adjustment_item_id(line)}]
    item["breakdowns"] = [*_sales([line], currency), _amazon_fees([line], currency)]
    item["contexts"] = [{"contextType": "ProductContext", "asin": line.item.asin,
                         "sku": line.item.sku, "quantityShipped": line.quantity,
                         "fulfillmentNetwork": event.order.fulfillment}]
    return item


def _postage_transaction(state: SellerState, event: Event, group_id: str,
                         transaction_id: str) -> dict[str, Any]:
    """A label's postage (or its refund) as one transaction. Amazon's shape for Buy Shipping
    postage in 2024-06-19 is not documented: the emulator takes v0's AdjustmentEvent types
    into an "Adjustment" transaction, the charges as its breakdowns, and names the order and
    the shipment in relatedIdentifiers."""
    order, currency = event.order, event.order.currency
    label = event.label
    related = [{"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": order.order_id}]
    if label is not None:
        related.append({"relatedIdentifierName": "SHIPMENT_ID",
                        "relatedIdentifierValue": label.shipment_id})
    related.append({"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID",
                    "relatedIdentifierValue": group_id})
    return {
        "sellingPartnerMetadata": {"sellingPartnerId": state.seller_id,
                                   "accountType": "Standard Orders",
                                   "marketplaceId": order.marketplace_id},
        "relatedIdentifiers": related,
        "transactionType": "Adjustment",
        "transactionId": transaction_id,
        "transactionStatus": "RELEASED",
        "description": event.kind,
        "postedDate": iso(event.posted),
        "totalAmount": {"currencyCode": currency,
                        "currencyAmount": amount(event.total, currency)},
        "marketplaceDetails": {"marketplaceId": order.marketplace_id,
                               "marketplaceName": order.sales_channel},
        "items": [],
        "breakdowns": [_breakdown(kind, minor, currency) for kind, minor in event.postage],
    }


def _transaction(state: SellerState, event: Event, group_id: str,
                 transaction_id: str) -> dict[str, Any]:
    if event.kind in (POSTAGE, POSTAGE_REFUND):
        return _postage_transaction(state, event, group_id, transaction_id)
    order = event.order
    currency = order.currency
    lines = event.lines
    sales = sum(line.charges + line.promotion for line in lines)
    expenses = sum(line.fees for line in lines)
    return {
        "sellingPartnerMetadata": {"sellingPartnerId": state.seller_id,
                                   "accountType": "Standard Orders",
                                   "marketplaceId": order.marketplace_id},
        "relatedIdentifiers": [
            {"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": order.order_id},
            {"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID",
             "relatedIdentifierValue": group_id}],
        "transactionType": event.kind,
        "transactionId": transaction_id,
        "transactionStatus": "RELEASED",
        "description": "Order Payment" if event.kind == SHIPMENT else "Refund Order",
        "postedDate": iso(event.posted),
        "totalAmount": {"currencyCode": currency,
                        "currencyAmount": amount(event.total, currency)},
        "marketplaceDetails": {"marketplaceId": order.marketplace_id,
                               "marketplaceName": order.sales_channel},
        "items": [_transaction_item(event, line) for line in lines],
        "breakdowns": [
            _breakdown("Sales", sales, currency, _sales(lines, currency)),
            _breakdown("Expenses", expenses, currency, [_amazon_fees(lines, currency)]),
        ],
    }


def _fee_transaction(state: SellerState, booking: service_fees.FeeBooking, group_id: str,
                     transaction_id: str) -> dict[str, Any]:
    """A service fee as a transaction: its fees as Expenses. The transaction type and the
    breakdown names for these fees are not documented by Amazon. [assumption]"""
    currency = booking.currency
    market = state.market(booking.marketplace_id)
    related = [{"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID",
                "relatedIdentifierValue": group_id}]
    if booking.order_id is not None:
        related.insert(0, {"relatedIdentifierName": "ORDER_ID",
                           "relatedIdentifierValue": booking.order_id})
    fees = [_breakdown(kind, minor, currency) for kind, minor in booking.fees]
    body: dict[str, Any] = {
        "sellingPartnerMetadata": {"sellingPartnerId": state.seller_id,
                                   "accountType": "Standard Orders",
                                   "marketplaceId": booking.marketplace_id},
        "relatedIdentifiers": related, "transactionType": SERVICE_FEE,
        "transactionId": transaction_id, "transactionStatus": "RELEASED",
        "description": booking.description, "postedDate": iso(booking.posted),
        "totalAmount": {"currencyCode": currency,
                        "currencyAmount": amount(booking.total, currency)},
        "marketplaceDetails": {"marketplaceId": booking.marketplace_id,
                               "marketplaceName": market.channel if market is not None
                               else booking.marketplace_id},
        "breakdowns": [_breakdown("Expenses", booking.total, currency, [
            _breakdown("AmazonFees", booking.total, currency, fees)])],
    }
    if booking.sku is not None:
        body["contexts"] = [{"contextType": "ProductContext", "asin": booking.asin or "",
                             "sku": booking.sku, "fulfillmentNetwork": "AFN"}]
    return body


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    model = context.models.models["financesV0"]
    # Amazon answers every event list of the model, empty ones as []; read from the model.
    event_lists = list(model.document["definitions"]["FinancialEvents"]["properties"])
    context.store.register(service_fees.KIND)  # fees booked by the FBA families
    api = Finances(context.store, context.page_tokens, context.clock, event_lists)
    registry.register("financesV0.listFinancialEventGroups", api.event_groups)
    registry.register("financesV0.listFinancialEvents", api.events)
    registry.register("financesV0.listFinancialEventsByGroupId", api.events_by_group)
    registry.register("financesV0.listFinancialEventsByOrderId", api.events_by_order)
    registry.register("finances_2024-06-19.listTransactions", api.transactions)
    return api
