"""Settlement reports (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE): one per closed settlement
period and marketplace, made by Amazon on its own every 14 days and never requested.

The periods, events and amounts are the Finances API's (emulator/families/finances/ledger.py): each
financial event group that has closed gets a report whose rows are the group's events, line
by line, and whose total is the group's total. The first row is the summary Amazon puts
first, with only the settlement columns filled.
"""

from __future__ import annotations

import hashlib
import time

from emulator.business.documents import clean, flat_file
from emulator.business.entities import money_str
from emulator.business.store import SellerState
from emulator.families.finances import ledger as finances
from emulator.families.reports.generators.base import (
    ReportFamily,
    ReportOutput,
    ReportRequest,
    markets_of,
)

# Fact sheet section 6 (caponica/AmazonMwsComplete ReportSettlementFlatFile).
HEADER = (
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
    "total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",
    "adjustment-id", "shipment-id", "marketplace-name", "shipment-fee-type",
    "shipment-fee-amount", "order-fee-type", "order-fee-amount", "fulfillment-id",
    "posted-date", "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id",
    "sku", "quantity-purchased", "price-type", "price-amount", "item-related-fee-type",
    "item-related-fee-amount", "misc-fee-amount", "other-fee-amount",
    "other-fee-reason-description", "promotion-id", "promotion-type", "promotion-amount",
    "direct-payment-type", "direct-payment-amount", "other-amount",
)
SETTLEMENT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE"
DEPOSIT_DELAY = 2 * finances.DAY  # Amazon pays out a couple of days after a period closes
_LEDGERS = finances.Ledgers()


def settlement_id(seller_id: str, marketplace_id: str, start: float) -> str:
    """A numeric id like Amazon's (11 digits), fixed by seller, marketplace and period."""
    digest = hashlib.sha256(f"{seller_id}|{marketplace_id}|{start:.0f}".encode()).digest()
    return str(10_000_000_000 + int.from_bytes(digest[:8], "big") % 90_000_000_000)


def _utc(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(timestamp))


def closed_periods(state: SellerState, seed: int, after: float,
                   until: float) -> list[tuple[float, float, str]]:
    """(start, end, marketplace id) of the settlement groups that closed in (after, until]."""
    ledger = _LEDGERS.of(state, until)
    return [(g.start, g.end, g.marketplace.id) for g in ledger.groups(state, seed, until)
            if after < g.end <= until]


def next_close(state: SellerState, now: float) -> float:
    """When the settlement period open at `now` closes."""
    ledger = _LEDGERS.of(state, now)
    return ledger.origin + (ledger.period(now) + 1) * finances.PERIOD


_SETTLEMENT_COLUMNS = HEADER.index("transaction-type")
_LINE_COLUMNS = HEADER.index("price-type")
_AMOUNT_SLOTS = {"price": 0, "fee": 2, "promotion": 8}  # within the columns from price-type


def _amount_tail(kind: str, name: str, amount: str) -> str:
    """The columns from price-type on, with one amount filled: a price, a fee or a
    promotion."""
    slots = [""] * (len(HEADER) - _LINE_COLUMNS)
    slots[_AMOUNT_SLOTS[kind]] = name
    slots[_AMOUNT_SLOTS[kind] + 1] = amount
    return "\t".join(slots)


def _fee_lines(booking: finances.service_fees.FeeBooking, settlement: str,
               lines: list[str]) -> None:
    """A service fee (MCF, inbound): an other-transaction line per fee, its amount in
    other-fee-amount and its type in other-fee-reason-description."""
    other = HEADER.index("other-fee-amount")
    for kind, amount in booking.fees:
        row = [""] * len(HEADER)
        row[0] = settlement
        row[HEADER.index("transaction-type")] = "other-transaction"
        row[HEADER.index("order-id")] = booking.order_id or ""
        row[HEADER.index("fulfillment-id")] = "AFN"
        row[HEADER.index("posted-date")] = time.strftime("%Y-%m-%d",
                                                         time.gmtime(booking.posted))
        row[HEADER.index("sku")] = clean(booking.sku or "")
        row[other] = money_str(amount, booking.currency)
        row[other + 1] = kind
        lines.append("\t".join(row))


def _event_lines(state: SellerState, ref: finances.Ref, settlement: str,
                 lines: list[str]) -> None:
    """Appends an event's lines: one per amount, Amazon's layout."""
    if ref.fee is not None:
        _fee_lines(ref.fee, settlement, lines)
        return
    event = finances.event(state, ref)
    order, currency = event.order, event.order.currency
    if event.postage:
        _postage_lines(event, settlement, lines)
        return
    refund = event.kind == finances.REFUND
    head = "\t".join((
        settlement, "", "", "", "", "", "Refund" if refund else "Order", order.order_id,
        order.seller_order_id, f"{order.order_id[-7:]}R" if refund else "",
        "" if refund else order.shipments[event.index].package_reference_id,
        order.sales_channel, "", "", "", "", order.fulfillment,
        time.strftime("%Y-%m-%d", time.gmtime(event.posted))))
    for line in event.lines:
        item = "\t".join((head, line.item.order_item_id, "", "", clean(line.item.sku),
                          str(line.quantity)))
        amounts = (
            ("price", "Principal", line.principal), ("price", "Tax", line.tax),
            ("price", "Shipping", line.shipping), ("price", "ShippingTax", line.shipping_tax),
            ("fee", "Commission", line.commission),
            ("fee", "FBAPerUnitFulfillmentFee", line.fba_fee),
            ("fee", "RefundCommission", line.refund_commission),
            ("promotion", "Principal", line.promotion))
        for kind, name, amount in amounts:
            if amount or (name == "Principal" and kind == "price"):
                lines.append(f"{item}\t{_amount_tail(kind, name, money_str(amount, currency))}")


def _postage_lines(event: finances.Event, settlement: str, lines: list[str]) -> None:
    """A label's postage (or refund): an other-transaction per charge, its adjustment type as
    the other fee's reason (the emulator's reading of where Buy Shipping postage goes in this
    layout)."""
    order, currency = event.order, event.order.currency
    head = "\t".join((
        settlement, "", "", "", "", "", "other-transaction", order.order_id,
        order.seller_order_id, "", event.label.shipment_id if event.label else "",
        order.sales_channel, "", "", "", "", order.fulfillment,
        time.strftime("%Y-%m-%d", time.gmtime(event.posted)), "", "", "", "", ""))
    for kind, amount in event.postage:
        slots = [""] * (len(HEADER) - _LINE_COLUMNS)
        slots[_OTHER_FEE], slots[_OTHER_FEE + 1] = money_str(amount, currency), kind
        tail = "\t".join(slots)
        lines.append(f"{head}\t{tail}")


_OTHER_FEE = HEADER.index("other-fee-amount") - _LINE_COLUMNS


def settlement(state: SellerState, request: ReportRequest) -> ReportOutput:
    """The report of the group of the requested marketplace whose period is the request's
    range (the report book asks for closed groups only). Its total is the sum of its events,
    as the group's total in the Finances API."""
    market = markets_of(state, request)[0]
    # The period closed at request.end: the ledger as of then has every event it will have.
    ledger = _LEDGERS.of(state, request.end)
    group = finances.Group("", market, ledger.period(request.start), request.start,
                           request.end)
    settlement = settlement_id(state.seller_id, market.id, request.start)
    lines: list[str] = []
    for ref in ledger.group_refs(group, request.end):
        _event_lines(state, ref, settlement, lines)
    total = ledger.total(state, group, request.end)
    summary = [""] * len(HEADER)
    summary[:_SETTLEMENT_COLUMNS] = (
        settlement, _utc(request.start), _utc(request.end), _utc(request.end + DEPOSIT_DELAY),
        money_str(total, market.currency), market.currency)
    return ReportOutput(flat_file(HEADER, ["\t".join(summary), *lines]), "tsv", market)


FAMILIES = {SETTLEMENT_TYPE: ReportFamily(settlement, True, 3.0)}
