"""Feeds 2021-06-30: input documents, and the lifecycle of feeds per app and seller on the
emulator clock. Plain Python; the HTTP side is handlers.py, the processing of each feed type
processors/.

createFeedDocument makes an input document whose presigned upload URL is signed for its
Content-Type (emulator/gateway/s3.py serves the PUT). createFeed takes an uploaded document of the
same app and seller. A feed goes IN_QUEUE -> IN_PROGRESS -> DONE (processed: its changes
applied, a processing report made) or FATAL (the document could not be processed at all, or
its type is not emulated: a processing report says why), or CANCELLED (cancelled while
queued: no report). Each step is an action on the scheduler, at a time drawn per feed from
`--lifecycle` (the lifecycle is `emulator.business.jobs`', shared with reports). The document
is read when processing starts, as Amazon reads it from S3. FEED_FINISHED is published when
a feed ends. Feeds are kept 90 days (and no more than `jobs.MAX_JOBS`); a forgotten feed's
documents go with it. In the state file the book is the record section "feeds".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from emulator.auth.accounts import Seller
from emulator.business.documents import EncodedDocument, type_code
from emulator.business.jobs import IN_QUEUE, JobBook
from emulator.business.store import StateStore
from emulator.families.feeds.processing import process
from emulator.families.feeds.processors.base import FeedInput, Processing, Render
from emulator.families.listings import rules as listings
from emulator.runtime import events
from emulator.runtime.clock import Clock
from emulator.runtime.documents import Document, DocumentStore
from emulator.runtime.rng import Randomness
from emulator.runtime.scheduler import Scheduler

INPUT_TYPE_CODE = type_code("FEED_INPUT")


class FeedError(ValueError):
    """A request the Feeds API refuses (400 InvalidInput); the text says why."""


@dataclass(frozen=True)
class FeedSpec:
    """What createFeed asks for."""

    feed_type: str
    marketplace_ids: tuple[str, ...]
    input_document_id: str
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class Feed:
    feed_id: str
    feed_type: str
    seller: Seller
    app_id: str
    marketplace_ids: tuple[str, ...]
    options: dict[str, str]
    input_document_id: str
    created: float
    status: str = IN_QUEUE
    started: float | None = None
    ended: float | None = None
    result_document_id: str | None = None

    @property
    def job_id(self) -> str:
        return self.feed_id

    @property
    def seller_id(self) -> str:
        return self.seller.seller_id


class FeedBook(JobBook[Feed]):
    kind = "feed"
    error = FeedError
    job_type = Feed

    def __init__(self, store: StateStore, documents: DocumentStore, scheduler: Scheduler,
                 clock: Clock, randomness: Randomness, lifecycle: str,
                 rules: listings.Rules, schemas_dir: Path,
                 render: Render) -> None:
        super().__init__(store, scheduler, clock, randomness, lifecycle)
        self.documents = documents
        self.rules = rules
        self.schemas_dir = schemas_dir  # <models>/schemas/feeds
        self.render = render  # listings as the Listings Items API shows them (see Processing)
        self._by_document: dict[str, Feed] = {}  # result document id -> its feed

    def clear(self) -> None:
        super().clear()
        self._by_document.clear()

    def forgotten(self, feed: Feed) -> None:
        for document_id in (feed.input_document_id, feed.result_document_id):
            if document_id is not None:
                self._by_document.pop(document_id, None)
                self.documents.remove(document_id)

    def resume(self) -> None:
        self._by_document = {f.result_document_id: f for f in self.jobs.values()
                             if f.result_document_id is not None}
        super().resume()

    # -- documents ------------------------------------------------------------------------

    def input_document(self, app_id: str, seller: Seller, content_type: str) -> Document:
        """createFeedDocument: a document to upload to, for this Content-Type only."""
        return self.documents.add(Document(
            document_id=self.documents.new_id(seller.region, INPUT_TYPE_CODE),
            kind="feed-input", app_id=app_id, seller_id=seller.seller_id,
            created=self.clock.now(), content_type=content_type))

    def result_document(self, app_id: str, seller_id: str, document_id: str) -> Document | None:
        """A processing report this app may read for this seller, or None."""
        feed = self._by_document.get(document_id)
        if feed is None or not self.visible(feed, app_id, seller_id):
            return None
        return self.documents.get(document_id)

    # -- requests -------------------------------------------------------------------------

    def check(self, app_id: str, seller: Seller, spec: FeedSpec) -> None:
        """Refuse what createFeed refuses: a marketplace the seller does not sell in, or an
        input document that is unknown, another app's or seller's, or not uploaded."""
        foreign = [m for m in spec.marketplace_ids if m not in seller.marketplace_ids]
        if foreign:
            raise FeedError(f"The seller does not sell in marketplace(s) {', '.join(foreign)}.")
        document = self.documents.get(spec.input_document_id)
        if (document is None or document.kind != "feed-input" or document.app_id != app_id
                or document.seller_id != seller.seller_id):
            raise FeedError(f"No feed document {spec.input_document_id!r} was created by this "
                            "application for this seller (createFeedDocument).")
        if document.content is None:
            raise FeedError(f"The feed document {spec.input_document_id!r} has not been "
                            "uploaded: PUT its contents to the URL createFeedDocument "
                            "returned before calling createFeed.")

    def create(self, app_id: str, seller: Seller, spec: FeedSpec) -> Feed:
        """A new feed, queued now; its lifecycle runs on the clock."""
        return self.queue(Feed(self.new_id(), spec.feed_type, seller, app_id,
                               spec.marketplace_ids, dict(spec.options),
                               spec.input_document_id, self.clock.now()))

    # -- lifecycle ------------------------------------------------------------------------

    def process(self, feed: Feed, when: float) -> str:
        """Reads the uploaded document now (as Amazon reads it from S3), applies it and keeps
        its processing report."""
        document = self.documents.get(feed.input_document_id)
        content = document.content if document is not None else None
        outcome = process(
            FeedInput(feed.feed_id, feed.feed_type, feed.seller_id, feed.marketplace_ids,
                      feed.options, content or b"",
                      document.content_type if document is not None else ""),
            Processing(self.store, self.store.of(feed.seller), self.rules, self.schemas_dir,
                       self.render))
        # Changes made outside a request reach the state file now, not at the next request.
        self.store.flush()
        feed.result_document_id = self._store_result(feed, outcome.document, when)
        return outcome.status

    def _store_result(self, feed: Feed, encoded: EncodedDocument, when: float) -> str:
        document_id = self.documents.new_id(feed.seller.region, type_code(feed.feed_type))
        self.documents.add(Document(
            document_id=document_id, kind="feed-result", app_id=feed.app_id,
            seller_id=feed.seller_id, created=when, content_type=encoded.content_type,
            content=encoded.content, compression=encoded.compression))
        self._by_document[document_id] = feed
        return document_id

    def publish(self, feed: Feed, when: float) -> None:
        self.store.events.publish(events.Event(
            events.FEED_FINISHED, feed.seller_id, when,
            {"feed_id": feed.feed_id, "feed_type": feed.feed_type,
             "processing_status": feed.status,
             "result_feed_document_id": feed.result_document_id},
            feed.app_id,
        ))

    def feeds(self, app_id: str, seller_id: str) -> list[Feed]:
        """The feeds an app sees for a seller, newest first (the order getFeeds lists)."""
        return self.listed(app_id, seller_id)
