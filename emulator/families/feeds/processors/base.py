"""What every feed processor shares: the feed it processes, what it may touch, the outcome it
returns, reading the uploaded bytes, and submitting listings changes through the Listings
Items rules (emulator/families/listings/rules.py), so a feed and the API make the same changes,
issues and events.

A processor is a plain function `(FeedInput, Processing) -> Outcome`, run when the feed leaves
IN_PROGRESS. It never raises for a bad document: a document it cannot read at all ends FATAL
with a processing report saying why; bad records are reported and skipped.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from xml.etree import ElementTree

from emulator.business.documents import EncodedDocument
from emulator.business.entities import Listing, ListingIssue
from emulator.business.marketplaces import Marketplace
from emulator.business.store import SellerState, StateStore
from emulator.families.listings import rules

DONE, FATAL = "DONE", "FATAL"
Status = Literal["DONE", "FATAL"]
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)
_GZIP_MAGIC = b"\x1f\x8b"
# What a feed document may unpack to: the uploads themselves stop at s3.MAX_UPLOAD, the same
# 100 MB (the exact limit Amazon applies to unpacked feeds is not documented).
MAX_UNPACKED = 100 * 1024 * 1024


@dataclass(frozen=True)
class FeedInput:
    """One feed as its processor sees it: what createFeed asked for and the uploaded bytes
    with the Content-Type they were declared (and signed) with."""

    feed_id: str
    feed_type: str
    seller_id: str
    marketplace_ids: tuple[str, ...]
    options: dict[str, str]
    content: bytes
    content_type: str


# Listings as the Listings Items API's Items with the data sets asked for, in a marketplace
# (the JSON processing report's `items`); the API layer owns that shape and provides it.
Render = Callable[[SellerState, list[Listing], list[str], str], list[dict[str, Any]]]


@dataclass(frozen=True)
class Processing:
    """What a processor may use: the store (every change goes through store.changed), the
    seller's state, the Listings Items rules and Amazon's feed schemas."""

    store: StateStore
    state: SellerState
    rules: rules.Rules
    schemas_dir: Path  # <models>/schemas/feeds
    render: Render

    def market(self, feed: FeedInput) -> Marketplace:
        """The marketplace a feed's records apply to: its first, as putListingsItem applies to
        the first of its marketplaceIds (createFeed checked it is the seller's)."""
        found = self.state.market(feed.marketplace_ids[0])
        return found if found is not None else self.state.markets[0]


@dataclass(frozen=True)
class Outcome:
    status: Status
    document: EncodedDocument


Processor = Callable[[FeedInput, Processing], Outcome]


class Unreadable(ValueError):
    """The uploaded bytes are not text in the declared charset (or broken gzip)."""


def unpack(content: bytes, content_type: str) -> bytes:
    """The document's bytes, gunzipped when the Content-Type says gzip or the bytes start with
    gzip's magic number (clients compress large feeds without always saying so)."""
    if "gzip" in content_type.lower() or content.startswith(_GZIP_MAGIC):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(content)) as file:
                raw = file.read(MAX_UNPACKED + 1)
        except (OSError, EOFError, zlib.error) as error:
            raise Unreadable(f"the document is not valid gzip: {error}") from None
        if len(raw) > MAX_UNPACKED:
            # A few kilobytes of gzip can stand for gigabytes: never unpack past the limit.
            raise Unreadable(f"the document unpacks to more than {MAX_UNPACKED >> 20} MB")
        return raw
    return content


def charset_of(content_type: str, default: str = "utf-8") -> str:
    """The Python codec the Content-Type's charset names (Cp1252, UTF-8, Shift_JIS...), else
    `default`; an unknown charset falls back to the default too."""
    match = _CHARSET.search(content_type)
    if match is None:
        return default
    try:
        return codecs.lookup(match.group(1)).name
    except LookupError:
        return default


def decode(feed: FeedInput, default_charset: str = "utf-8") -> str:
    """The uploaded document as text: gunzipped, decoded with its declared charset (a UTF-8
    byte order mark is dropped)."""
    raw = unpack(feed.content, feed.content_type)
    name = charset_of(feed.content_type, default_charset)
    if name == "utf-8":
        name = "utf-8-sig"
    try:
        return raw.decode(name)
    except UnicodeDecodeError as error:
        raise Unreadable(f"the document is not valid {name}: {error}") from None


# -- XML documents ---------------------------------------------------------------------------

def xml_local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def xml_child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    return next((c for c in element if xml_local(c.tag) == name), None)


def xml_text(element: ElementTree.Element, name: str) -> str | None:
    found = xml_child(element, name)
    return found.text.strip() if found is not None and found.text else None


# -- listings submissions -------------------------------------------------------------------

@dataclass
class Applied:
    """What one record did to the listings: its issues (errors mean nothing changed)."""

    issues: list[ListingIssue] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not any(issue.severity == "ERROR" for issue in self.issues)


def submit(env: Processing, submission: rules.Submission) -> Applied:
    """Commit a submission the rules found valid (as putListingsItem and patchListingsItem do),
    or report its issues and change nothing."""
    if submission.valid:
        with env.store.transaction():  # each message whole, or not at all
            rules.commit_seeded(env.store, env.state, submission)
    return Applied(list(submission.issues))


def patch(env: Processing, sku: str, market: str, patches: list[dict[str, object]],
          product_type: str | None = None) -> Applied:
    """patchListingsItem's rules for one SKU; a patch the API refuses outright (400) becomes
    a BAD_REQUEST issue, the code a Listings submission refused by the service carries in a
    feed's report (models#2851)."""
    existing = env.state.listings.get(sku)
    kind = product_type or (existing.product_type if existing else "PRODUCT")
    try:
        submission = rules.patch(env.state, env.rules, sku, market, kind, patches)
    except rules.PatchError as error:
        return Applied([bad_request(str(error))])
    return submit(env, submission)


def bad_request(message: str) -> ListingIssue:
    return ListingIssue("BAD_REQUEST", message, "ERROR")


def issue(code: str, message: str, attribute: str | None = None) -> ListingIssue:
    """An error of the emulator's feed checks, in the Listings issue shape."""
    return ListingIssue(code, message, "ERROR", [attribute] if attribute else [])
