"""What every client's test checks, in one place: the expected answers read from the emulator's
own state for the test's seller, and the journal that shows what a client really sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from emulator.business.entities import Order
from emulator.business.store import SellerState
from emulator.harness.embedded import Running

NODE_DIR = Path(__file__).resolve().parent / "node"  # package.json and the JS scenarios
SNIPPETS = Path(__file__).resolve().parent / "snippets"  # the README's code, run as it is
US = "ATVPDKIKX0DER"
DAY = 86400.0
PAGE_SIZE = 10  # getOrders MaxResultsPerPage: small, so the window spans several pages
REPORT_TYPE = "GET_MERCHANT_LISTINGS_ALL_DATA"
# The burst test's operation: Catalog Items 2022-04-01 getCatalogItem has Amazon's smallest
# plan (rate 2/s, burst 2): the third call in a row is refused, and half a second refills it.
CATALOG_ITEM = "catalogItems_2022-04-01.getCatalogItem"
NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"


def stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class OrderWindow:
    """A CreatedAfter/CreatedBefore window with a few pages of the seller's orders."""

    created_after: str
    created_before: str
    order_ids: list[str]  # oldest first, as getOrders pages them
    orders: list[Order]

    @property
    def page_count(self) -> int:
        return -(-len(self.order_ids) // PAGE_SIZE)

    def addressed_order(self) -> Order:
        """An order whose address Amazon shows (not Pending or Canceled)."""
        return next(o for o in self.orders if o.status in ("Shipped", "Unshipped"))


def order_window(state: SellerState) -> OrderWindow:
    after, before = state.anchor - 41 * DAY, state.anchor - 37 * DAY
    # getOrders' window is inclusive at both ends (tests/test_order_filters.py pins it).
    orders = [o for o in state.order_list
              if after <= o.purchase_date <= before and o.marketplace_id == US]
    window = OrderWindow(stamp(after), stamp(before), [o.order_id for o in orders], orders)
    assert window.page_count >= 3, "the default scenario gives a seller ~11 orders a day"
    return window


def listing_skus(state: SellerState) -> set[str]:
    """The SKUs GET_MERCHANT_LISTINGS_ALL_DATA lists for the US marketplace."""
    return {sku for sku, listing in state.listings.items() if US in listing.prices}


def statuses(server: Running, seller_id: str | None, operation: str) -> list[int]:
    """The statuses the emulator answered `operation` with for this seller, oldest first."""
    entries = server.app.journal.query(operation=operation, seller=seller_id, limit=1000)
    return [e.status for e in entries]


def assert_recovered_from_throttling(server: Running, seller_id: str) -> None:
    """The burst ran into 429 and the client's own retry turned the call after it into a 200
    (the journal shows that retry: a refused attempt, then the answer)."""
    seen = statuses(server, seller_id, CATALOG_ITEM)
    assert seen[:3] == [200, 200, 429], seen
    assert seen[-1] == 200, seen
    assert seen.count(429) >= 2, f"the client did not retry a throttled call: {seen}"


# -- feeds -----------------------------------------------------------------------------------

FEED_TYPE = "JSON_LISTINGS_FEED"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
FEED_PRICE = 12.34  # what the feed sets the listing's US price to


def feed_sku(state: SellerState) -> str:
    """A listing whose US price the feed changes (to one it does not have yet)."""
    return next(sku for sku, listing in state.listings.items()
                if listing.prices.get(US) not in (None, round(FEED_PRICE * 100)))


def listings_feed(seller_id: str, sku: str) -> dict[str, Any]:
    """A JSON_LISTINGS_FEED document with one message: a new US price for `sku`."""
    offer = {"marketplace_id": US, "currency": "USD",
             "our_price": [{"schedule": [{"value_with_tax": FEED_PRICE}]}]}
    return {"header": {"sellerId": seller_id, "version": "2.0"}, "messages": [
        {"messageId": 1, "sku": sku, "operationType": "PATCH", "productType": "PRODUCT",
         "patches": [{"op": "replace", "path": "/attributes/purchasable_offer",
                      "value": [offer]}]}]}


def assert_feed_applied(state: SellerState, sku: str, feed_id: str,
                        report: dict[str, Any]) -> None:
    """The processing report the client read says the message was accepted, and it was."""
    assert report["header"]["feedId"] == feed_id
    assert report["issues"] == []
    assert report["summary"]["messagesProcessed"] == report["summary"]["messagesAccepted"] == 1
    assert state.listings[sku].prices[US] == round(FEED_PRICE * 100)
