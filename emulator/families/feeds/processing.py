"""Feed processors: the registry of feed type -> processor, and what a feed of a type the
emulator does not process ends with.

Processors live one module per family (json_listings, inventory); each is a plain function
`(FeedInput, Processing) -> Outcome` over the seller's state (see base.py). The lifecycle
(queue, processing time, result document, FEED_FINISHED) is emulator/families/feeds/book.py's.
"""

from __future__ import annotations

import logging

from emulator.families.feeds.processors import inventory, json_listings, orders
from emulator.families.feeds.processors.base import (
    FATAL,
    FeedInput,
    Outcome,
    Processing,
    Processor,
)
from emulator.families.feeds.processors.results import (
    NOT_EMULATED,
    Results,
    tsv_report,
    xml_report,
)

log = logging.getLogger("emulator.families.feeds.processing")

PROCESSORS: dict[str, Processor] = {
    json_listings.FEED_TYPE: json_listings.process,
    inventory.XML_TYPE: inventory.process_xml,
    inventory.INVLOADER_TYPE: inventory.process_tsv,
    inventory.PRICE_QUANTITY_TYPE: inventory.process_tsv,
    orders.FULFILLMENT_TYPE: orders.process_fulfillment,
    orders.FLAT_FULFILLMENT_TYPE: orders.process_flat_fulfillment,
    orders.ACKNOWLEDGEMENT_TYPE: orders.process_acknowledgement,
}
INTERNAL_ERROR = ("5002", "An internal error occurred. Please resubmit your data.")


def is_processed(feed_type: str) -> bool:
    return feed_type in PROCESSORS


def _failed(feed: FeedInput, code: str, message: str) -> Outcome:
    """FATAL, with a processing report in the shape the feed type's family uses: JSON for
    JSON feeds, a flat file for POST_FLAT_FILE_ types, XML for the rest."""
    if feed.feed_type.startswith("JSON_"):
        return json_listings.failed(feed, code, message)
    results = Results().whole(code, message)
    if feed.feed_type.startswith("POST_FLAT_FILE_"):
        return Outcome(FATAL, tsv_report(results))
    return Outcome(FATAL, xml_report(feed.seller_id, feed.feed_id, results))


def process(feed: FeedInput, env: Processing) -> Outcome:
    """The feed's outcome and processing report, its changes applied."""
    processor = PROCESSORS.get(feed.feed_type)
    if processor is None:
        return _failed(feed, NOT_EMULATED, f"The emulator does not process feeds of type "
                       f"{feed.feed_type}; nothing was changed. Processed types: "
                       f"{', '.join(sorted(PROCESSORS))}.")
    try:
        return processor(feed, env)
    except Exception:
        # A processor bug must not leave the feed IN_PROGRESS forever: Amazon's answer to
        # its own failures is 5002 "An internal error occurred".
        log.exception("processing feed %s (%s) failed", feed.feed_id, feed.feed_type)
        return _failed(feed, *INTERNAL_ERROR)
