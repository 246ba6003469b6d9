"""Feeds API 2021-06-30: feed documents (upload URLs, processing reports) and feeds, from the
feed book (emulator/families/feeds/book.py). Handlers translate between HTTP and the book; every
handler first runs what fell due on the scheduler, so a poll after `clock/advance` sees the
status a real wait would have produced.

Amazon's answers, where issues show them:
- createFeed with an input document that is unknown, another seller's or never uploaded:
  400 InvalidInput "Invalid request parameters" (models#1832, models#1559; Amazon's details
  are empty, the emulator's say what is wrong). A marketplace the seller does not sell in gets
  the same answer (the emulator's choice).
- getFeed/cancelFeed of a feed Amazon does not have for this seller: 404 NotFound "One or more
  of the provided FeedSubmissionIds could not be found." (models#2500).
- getFeedDocument of anything but this app's processing report for this seller (an unknown
  id, an input document): 400 InvalidInput "Invalid feedDocumentId" (jlevers#36).
- cancelFeed of a feed no longer IN_QUEUE: 400 InvalidInput naming its status (the model says
  only queued feeds can be cancelled; Amazon's wording is not known).
- getFeeds: nextToken must come alone (as getReports); `enableContentEncodingUrlHeader` of
  getFeedDocument is accepted and not acted on: the document URLs never send
  Content-Encoding (emulator/gateway/s3.py), so clients gunzip GZIP documents themselves.
"""

from __future__ import annotations

from typing import Any

from emulator.business.documents import iso_offset
from emulator.business.entities import Listing
from emulator.business.store import SellerState
from emulator.families import ApiContext, common
from emulator.families.feeds.book import Feed, FeedBook, FeedError, FeedSpec
from emulator.families.feeds.processing import is_processed
from emulator.families.job_listing import JobListing
from emulator.families.listings import rules as listings
from emulator.families.listings.handlers import Renderer, conditions_of
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput, NotFound
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply

MODEL = "feeds_2021-06-30"
# getFeeds' filters, in the order Amazon names them when refusing them next to a nextToken:
# the model's order, reversed (as getReports, models#2414).
LISTING = JobListing(
    "feeds", "feedTypes",
    ("createdUntil", "createdSince", "processingStatuses", "pageSize", "marketplaceIds",
     "feedTypes"),
    type_of=lambda feed: feed.feed_type, id_of=lambda feed: feed.feed_id)
INVALID_PARAMETERS = "Invalid request parameters"
INVALID_DOCUMENT = "Invalid feedDocumentId"


class FeedNotFound(NotFound):
    default_message = "One or more of the provided FeedSubmissionIds could not be found."


def feed_json(feed: Feed) -> dict[str, Any]:
    """A Feed as SP-API writes it, keys in Amazon's order."""
    body: dict[str, Any] = {"feedId": feed.feed_id, "feedType": feed.feed_type,
                            "marketplaceIds": list(feed.marketplace_ids),
                            "createdTime": iso_offset(feed.created),
                            "processingStatus": feed.status}
    if feed.started is not None:
        body["processingStartTime"] = iso_offset(feed.started)
    if feed.ended is not None:
        body["processingEndTime"] = iso_offset(feed.ended)
    if feed.result_document_id is not None:
        body["resultFeedDocumentId"] = feed.result_document_id
    return body


def render_items(state: SellerState, found: list[Listing], included: list[str],
                 market: str) -> list[dict[str, Any]]:
    """Listings as getListingsItem answers them for one marketplace (processing reports)."""
    renderer = Renderer(state, included)
    return [renderer.item(listing, [market]) for listing in found]


class FeedsApi:
    def __init__(self, context: ApiContext) -> None:
        self.context = context
        self.book = FeedBook(
            context.store, context.documents, context.scheduler, context.clock,
            context.store.randomness, context.settings.lifecycle,
            listings.Rules(conditions_of(context)),
            context.settings.models_dir / "schemas" / "feeds", render_items,
        )
        context.store.reset_listeners.append(self.book.clear)

    def _ready(self, call: Call) -> tuple[str, str]:
        """Run the clock's due work; returns the caller's (app id, seller id)."""
        common.seller_state(self.context.store, call)  # refuses a token without a seller
        self.context.scheduler.run_due()
        return call.principal.app_id, call.principal.seller.seller_id

    def _feed(self, call: Call) -> Feed:
        app_id, seller_id = self._ready(call)
        feed = self.book.find(app_id, seller_id, call.path_params["feedId"])
        if feed is None:
            raise FeedNotFound()
        return feed

    # -- documents ------------------------------------------------------------------------

    async def create_document(self, call: Call) -> Reply:
        app_id, _ = self._ready(call)
        content_type = (call.params or {})["body"]["contentType"]
        document = self.book.input_document(app_id, call.principal.seller, content_type)
        return json_reply(201, {"feedDocumentId": document.document_id,
                                "url": self.context.documents.url(document, "PUT")})

    async def get_document(self, call: Call) -> Reply:
        app_id, seller_id = self._ready(call)
        document_id = call.path_params["feedDocumentId"]
        document = self.book.result_document(app_id, seller_id, document_id)
        if document is None:
            raise InvalidInput(INVALID_DOCUMENT)
        body: dict[str, Any] = {"feedDocumentId": document_id,
                                "url": self.context.documents.url(document, "GET")}
        if document.compression is not None:
            body["compressionAlgorithm"] = document.compression
        return json_reply(200, body)

    # -- feeds ----------------------------------------------------------------------------

    async def create_feed(self, call: Call) -> Reply:
        app_id, _ = self._ready(call)
        body = (call.params or {})["body"]
        spec = FeedSpec(body["feedType"], tuple(body["marketplaceIds"]),
                        body["inputFeedDocumentId"], dict(body.get("feedOptions") or {}))
        try:
            self.book.check(app_id, call.principal.seller, spec)
        except FeedError as error:
            raise InvalidInput(INVALID_PARAMETERS, details=str(error)) from None
        feed = self.book.create(app_id, call.principal.seller, spec)
        if not is_processed(spec.feed_type):
            call.note = (f"{spec.feed_type}: the emulator does not process this feed type; "
                         "the feed will end FATAL")
        self.context.scheduler.run_due()  # --lifecycle instant: done before the answer
        return json_reply(202, {"feedId": feed.feed_id})

    async def get_feed(self, call: Call) -> Reply:
        return json_reply(200, feed_json(self._feed(call)))

    async def cancel_feed(self, call: Call) -> Reply:
        feed = self._feed(call)
        try:
            self.book.cancel(feed)
        except FeedError as error:
            raise InvalidInput(str(error)) from None
        return Reply(200, b"", None)

    async def get_feeds(self, call: Call) -> Reply:
        app_id, seller_id = self._ready(call)
        page, token = LISTING.page(self.context, call, app_id, seller_id,
                                   self.book.feeds(app_id, seller_id))
        body: dict[str, Any] = {"feeds": [feed_json(f) for f in page]}
        if token is not None:
            body["nextToken"] = token
        return json_reply(200, body)


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    api = FeedsApi(context)
    for operation, handler in (
        ("createFeedDocument", api.create_document), ("getFeedDocument", api.get_document),
        ("createFeed", api.create_feed), ("getFeed", api.get_feed),
        ("cancelFeed", api.cancel_feed), ("getFeeds", api.get_feeds),
    ):
        registry.register(f"{MODEL}.{operation}", handler)
    return api
