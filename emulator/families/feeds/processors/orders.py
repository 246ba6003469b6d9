"""Order feeds: shipping merchant-fulfilled orders without buying a label
(POST_ORDER_FULFILLMENT_DATA in XML, POST_FLAT_FILE_FULFILLMENT_DATA and a flat file sent as
POST_ORDER_FULFILLMENT_DATA) and acknowledging or cancelling them
(POST_ORDER_ACKNOWLEDGEMENT_DATA), with Amazon's XML and flat-file processing reports.

Every record goes through the orders' rules (emulator/families/orders/rules.py), as
confirmShipment does: a fulfillment ships the named items (all unshipped units when it names
none) as one package with its carrier, method and tracking number, or corrects the package
with the same MerchantFulfillmentID; an acknowledgement records the seller's order id, a
Failure (or every item with a CancelReason) cancels the order. A record the rules refuse
changes nothing and is reported.

Choices where Amazon is not pinned down: a record's refusal is reported with code 25 and the
rules' words (Amazon's own is "We are unable to process the XML feed because one or more
items are invalid. Please re-submit the feed." without the reason, models#1183); a record
missing a required element gets 18028 "The data you submitted is incomplete or invalid."
(abuzuhri/Amazon-SP-API-CSharp#700); a flat file without an order-id column gets 90012 as
Fatal with Amazon's words (docs#133). Without MerchantFulfillmentID, a package gets a number
of its own.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from xml.etree import ElementTree

from emulator.business.documents import charset
from emulator.business.entities import ListingIssue, Order
from emulator.families.feeds.processors.base import (
    DONE,
    FATAL,
    FeedInput,
    Outcome,
    Processing,
    Unreadable,
    decode,
    unpack,
)
from emulator.families.feeds.processors.base import xml_child as _child
from emulator.families.feeds.processors.base import xml_local as _local
from emulator.families.feeds.processors.base import xml_text as _text
from emulator.families.feeds.processors.results import (
    UNREADABLE,
    Result,
    Results,
    tsv_report,
    xml_report,
)
from emulator.families.orders import rules

FULFILLMENT_TYPE = "POST_ORDER_FULFILLMENT_DATA"
FLAT_FULFILLMENT_TYPE = "POST_FLAT_FILE_FULFILLMENT_DATA"
ACKNOWLEDGEMENT_TYPE = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
REFUSED = "25"
INCOMPLETE = ("18028", "The data you submitted is incomplete or invalid.")
NO_ORDER_ID = ("90012", "The required order-id field is missing from the file. To correct this "
                        "error, download the template again and use the new copy, or insert the "
                        "required field into your existing file.")


def _issue(code: str, message: str) -> ListingIssue:
    return ListingIssue(code, message, "ERROR")


def _order(env: Processing, amazon_id: str | None, merchant_id: str | None) -> Order:
    if amazon_id:
        return rules.find(env.state, amazon_id)
    found = next((o for o in env.state.order_list if o.seller_order_id == merchant_id), None)
    if found is None:
        raise rules.OrderError(f"Invalid MerchantOrderID '{merchant_id}'.")
    return found


def _package_id(feed: FeedInput, record: int) -> str:
    digest = hashlib.sha256(f"{feed.feed_id}|{record}".encode()).hexdigest()
    return str(int(digest[:12], 16) % 10**9 + 1)


def _ship(env: Processing, order: Order, package: str, carrier: str, method: str | None,
          tracking: str, when: float, items: list[tuple[str, int]]) -> None:
    """One package through confirmShipment's rule (all unshipped units when none named)."""
    units = items or [(i.order_item_id, i.quantity - i.shipped) for i in order.items
                      if i.quantity > i.shipped]
    rules.confirm_shipment(env.store, env.state, order, package_reference_id=package,
                           carrier=carrier, tracking_number=tracking, ship_date=when,
                           items=units, method=method)


def _time(text: str | None) -> float:
    """An ISO 8601 date or date-time (naive: UTC; "2022-05-26 12:00:00" too); ValueError for
    anything else."""
    if not text:
        raise ValueError("no date")
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


# -- XML ------------------------------------------------------------------------------------------

def _envelope(feed: FeedInput, message_type: str) -> ElementTree.Element:
    try:
        root = ElementTree.fromstring(unpack(feed.content, feed.content_type))
    except ElementTree.ParseError as error:
        line, column = error.position
        raise Unreadable(f"XML Parsing Error at Line {line}, Column {column}: "
                         f"{str(error).split(':')[0]}.") from None
    if _local(root.tag) != "AmazonEnvelope":
        raise Unreadable(f"XML Parsing Error: the root element is '{_local(root.tag)}', not "
                         "'AmazonEnvelope'.")
    if _text(root, "MessageType") != message_type:
        raise Unreadable(f"XML Parsing Error: MessageType must be '{message_type}' for "
                         f"{feed.feed_type}.")
    return root


def _messages(root: ElementTree.Element, element: str):  # type: ignore[no-untyped-def]
    for index, message in enumerate(m for m in root if _local(m.tag) == "Message"):
        number = (_text(message, "MessageID") or "").strip()
        yield (int(number) if number.isdigit() else index + 1), _child(message, element)


def _fulfillment_message(env: Processing, feed: FeedInput, record: int,
                         body: ElementTree.Element) -> tuple[str, list[ListingIssue]]:
    amazon_id, merchant_id = _text(body, "AmazonOrderID"), _text(body, "MerchantOrderID")
    data = _child(body, "FulfillmentData")
    if not (amazon_id or merchant_id) or data is None or not _text(data, "ShipperTrackingNumber"):
        return amazon_id or "", [_issue(*INCOMPLETE)]
    try:
        when = _time(_text(body, "FulfillmentDate"))
    except ValueError:
        return amazon_id or "", [_issue(*INCOMPLETE)]
    carrier = _text(data, "CarrierName") or _text(data, "CarrierCode") or ""
    items = []
    for item in (c for c in body if _local(c.tag) == "Item"):
        code, quantity = _text(item, "AmazonOrderItemCode"), _text(item, "Quantity") or "1"
        if not code or not quantity.isdigit():
            return amazon_id or "", [_issue(*INCOMPLETE)]
        items.append((code, int(quantity)))
    try:
        order = _order(env, amazon_id, merchant_id)
        _ship(env, order, _text(body, "MerchantFulfillmentID") or _package_id(feed, record),
              carrier, _text(data, "ShippingMethod"), _text(data, "ShipperTrackingNumber") or "",
              when, items)
    except rules.OrderError as error:
        return amazon_id or "", [_issue(REFUSED, str(error))]
    return order.order_id, []


def _acknowledgement_message(env: Processing, body: ElementTree.Element
                             ) -> tuple[str, list[ListingIssue]]:
    amazon_id = _text(body, "AmazonOrderID")
    status = _text(body, "StatusCode")
    if not amazon_id or status not in ("Success", "Failure"):
        return amazon_id or "", [_issue(*INCOMPLETE)]
    items = [(_text(i, "AmazonOrderItemCode") or "", _text(i, "CancelReason"))
             for i in body if _local(i.tag) == "Item"]
    try:
        order = rules.find(env.state, amazon_id)
        cancelled = [code for code, reason in items if reason]
        if status == "Failure":
            rules.cancel_by_seller(env.store, env.state, order, None)
        elif cancelled:
            rules.cancel_by_seller(env.store, env.state, order, cancelled)
        else:
            rules.acknowledge(env.store, env.state, order, _text(body, "MerchantOrderID"))
    except rules.OrderError as error:
        return amazon_id, [_issue(REFUSED, str(error))]
    return amazon_id, []


def _process_xml(feed: FeedInput, env: Processing, message_type: str) -> Outcome:
    results = Results()
    try:
        root = _envelope(feed, message_type)
    except Unreadable as error:
        return Outcome(FATAL, xml_report(feed.seller_id, feed.feed_id,
                                         results.whole(UNREADABLE, str(error))))
    element = "OrderFulfillment" if message_type == "OrderFulfillment" else (
        "OrderAcknowledgement")
    for record, body in _messages(root, element):
        if body is None:
            order_id, issues = "", [_issue(*INCOMPLETE)]
        elif element == "OrderFulfillment":
            order_id, issues = _fulfillment_message(env, feed, record, body)
        else:
            order_id, issues = _acknowledgement_message(env, body)
        results.record(record, "", issues, order_id=order_id)
    return Outcome(DONE, xml_report(feed.seller_id, feed.feed_id, results))


# -- flat file ------------------------------------------------------------------------------------

def _rows(text: str) -> list[dict[str, str]] | None:
    lines = [line for line in text.splitlines() if line.strip()]
    for index, line in enumerate(lines):
        names = [c.strip().lower().replace("_", "-") for c in line.split("\t")]
        if "order-id" in names:
            return [dict(zip(names, (c.strip() for c in row.split("\t")), strict=False))
                    for row in lines[index + 1:]]
    return None


def _process_flat(feed: FeedInput, env: Processing) -> Outcome:
    results = Results()
    try:
        rows = _rows(decode(feed, charset(env.market(feed))))
    except Unreadable as error:
        return Outcome(FATAL, tsv_report(results.whole(UNREADABLE, str(error)), orders=True))
    if rows is None:
        results.results.append(Result(0, "", ListingIssue(*NO_ORDER_ID, "FATAL")))
        return Outcome(DONE, tsv_report(results, orders=True))
    # Rows of one order with one tracking number are one package.
    packages: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = {}
    for number, row in enumerate(rows, start=1):
        packages.setdefault((row.get("order-id", ""), row.get("tracking-number", "")),
                            []).append((number, row))
    for (order_id, tracking), numbered in packages.items():
        first_number, first = numbered[0]
        issues: list[ListingIssue] = []
        items = [(row.get("order-item-id", ""), row.get("quantity", "")) for _, row in numbered]
        if not order_id or not tracking or not first.get("ship-date") or any(
                code and not quantity.isdigit() for code, quantity in items):
            issues = [_issue(*INCOMPLETE)]
        else:
            try:
                order = rules.find(env.state, order_id)
                _ship(env, order, _package_id(feed, first_number),
                      first.get("carrier-name") or first.get("carrier-code") or "",
                      first.get("ship-method") or None, tracking, _time(first["ship-date"]),
                      [(code, int(quantity)) for code, quantity in items if code])
            except rules.OrderError as error:
                issues = [_issue(REFUSED, str(error))]
            except ValueError:
                issues = [_issue(*INCOMPLETE)]
        for number, row in numbered:
            results.record(number, "", issues, order_id=order_id,
                           order_item_id=row.get("order-item-id", ""))
    return Outcome(DONE, tsv_report(results, orders=True))


def process_fulfillment(feed: FeedInput, env: Processing) -> Outcome:
    """XML OrderFulfillment messages, or the flat file (Amazon takes either under this type)."""
    if unpack(feed.content, feed.content_type).lstrip()[:1] == b"<":
        return _process_xml(feed, env, "OrderFulfillment")
    return _process_flat(feed, env)


def process_flat_fulfillment(feed: FeedInput, env: Processing) -> Outcome:
    return _process_flat(feed, env)


def process_acknowledgement(feed: FeedInput, env: Processing) -> Outcome:
    return _process_xml(feed, env, "OrderAcknowledgement")
