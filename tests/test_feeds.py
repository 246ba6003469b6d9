"""Feeds API 2021-06-30 over HTTP: feed documents (upload URLs signed for their Content-Type,
processing reports), createFeed's rules, the lifecycle on the emulator clock, cancelFeed,
FEED_FINISHED, the inventory feeds (XML and flat file) and python-amazon-sp-api's own upload
helper. Every API answer is checked against the model. getFeeds' filters, paging and rules are
getReports' too: tests/test_job_listing.py tests them for both APIs.
"""

from __future__ import annotations

import gzip
import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from emulator.app import EmulatorApp
from emulator.business.store import SellerState
from emulator.config import Settings
from emulator.harness.embedded import Running, running
from emulator.models.schemas import validator_for
from emulator.runtime.events import FEED_FINISHED, Event
from tests.conftest import TokenSource

BASE = "/feeds/2021-06-30"
MODEL = "feeds_2021-06-30"
US, CA, MX, UK = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8", "A1F83G8C2ARO7P"
JSON_TYPE = "application/json; charset=UTF-8"
XML_TYPE = "text/xml; charset=UTF-8"
# Not "text/tab-separated-values; charset=UTF-8": Amazon's static sandbox case for exactly
# that body answers createFeedDocument with its CloudFront stub, ahead of the stateful handler.
TSV_TYPE = "text/tab-separated-values; charset=utf-8"
TERMINAL = {"DONE", "CANCELLED", "FATAL"}
FEED_NOT_FOUND = {"errors": [{"code": "NotFound", "message": "One or more of the provided "
                              "FeedSubmissionIds could not be found.", "details": ""}]}
INVALID_DOCUMENT = {"errors": [{"code": "InvalidInput", "message": "Invalid feedDocumentId",
                                "details": ""}]}


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_valid(app: EmulatorApp, operation_id: str, response: httpx.Response) -> None:
    """The answer's status is declared by the operation and its body fits that status."""
    operation = app.models.operation(f"{MODEL}.{operation_id}")
    declared = operation.responses.get(str(response.status_code))
    assert declared is not None, f"{operation_id}: undeclared {response.status_code}"
    schema = declared.get("schema")
    if schema is None:
        assert response.content == b"", response.text
        return
    errors = list(validator_for(operation.model, schema).iter_errors(response.json()))
    assert not errors, f"{operation_id} {response.status_code}: {errors[0].message}"


@dataclass
class Feeds:
    """A client of the Feeds API that checks every answer against the model."""

    http: httpx.Client
    app: EmulatorApp

    def send(self, operation_id: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, BASE + path, **kwargs)
        assert_valid(self.app, operation_id, response)
        return response

    def document(self, content_type: str) -> dict[str, Any]:
        response = self.send("createFeedDocument", "POST", "/documents",
                             json={"contentType": content_type})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def upload(self, content: bytes, content_type: str) -> str:
        """createFeedDocument, then the bytes PUT with a bare client, as clients upload."""
        created = self.document(content_type)
        put = httpx.put(created["url"], content=content, headers={"Content-Type": content_type})
        assert put.status_code == 200, put.text
        return str(created["feedDocumentId"])

    def create(self, feed_type: str, document_id: str, markets: tuple[str, ...] = (US,),
               **fields: Any) -> str:
        response = self.send("createFeed", "POST", "/feeds", json={
            "feedType": feed_type, "marketplaceIds": list(markets),
            "inputFeedDocumentId": document_id, **fields})
        assert response.status_code == 202, response.text
        feed_id = response.json()["feedId"]
        assert feed_id.isdigit()
        return str(feed_id)

    def submit(self, feed_type: str, content: bytes, content_type: str,
               markets: tuple[str, ...] = (US,)) -> str:
        return self.create(feed_type, self.upload(content, content_type), markets)

    def get(self, feed_id: str) -> dict[str, Any]:
        response = self.send("getFeed", "GET", f"/feeds/{feed_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def finish(self, feed_id: str, step: float = 2.0) -> dict[str, Any]:
        """Moves the emulator clock until the feed ends; returns it."""
        for _ in range(200):
            feed = self.get(feed_id)
            if feed["processingStatus"] in TERMINAL:
                return feed
            self.app.clock.advance(step)
        raise AssertionError(f"feed {feed_id} never finished: {feed}")

    def result(self, feed_id: str) -> tuple[dict[str, Any], bytes]:
        """A finished feed and its processing report, downloaded as clients do: the URL with
        a bare client, gunzipped when the document says GZIP."""
        feed = self.finish(feed_id)
        info = self.send("getFeedDocument", "GET", f"/documents/{feed['resultFeedDocumentId']}")
        assert info.status_code == 200, info.text
        raw = httpx.get(info.json()["url"])
        assert raw.status_code == 200
        content = raw.content
        if info.json().get("compressionAlgorithm") == "GZIP":
            content = gzip.decompress(content)
        return feed, content

    def listing(self, **params: Any) -> dict[str, Any]:
        response = self.send("getFeeds", "GET", "/feeds", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())


def seller_token(server: Running, index: int) -> str:
    app = server.app
    return app.tokens.issue_access(app.accounts.apps[0], app.accounts.sellers[index])


def feeds_of(server: Running, token: str) -> Iterator[Feeds]:
    with httpx.Client(base_url=server.base_url, timeout=60,
                      headers={"x-amz-access-token": token}) as http:
        yield Feeds(http, server.app)


@pytest.fixture
def feeds(emulator: Running, tokens: TokenSource) -> Iterator[Feeds]:
    yield from feeds_of(emulator, tokens.seller())


@pytest.fixture(scope="module")
def slow(models_dir: Path) -> Iterator[Running]:
    """An emulator whose feeds take minutes, as Amazon's (`--lifecycle realistic`)."""
    with running(Settings(models_dir=models_dir, port=0, throttle="off",
                          lifecycle="realistic")) as server:
        yield server


@pytest.fixture
def slow_feeds(slow: Running) -> Iterator[Feeds]:
    yield from feeds_of(slow, TokenSource(slow).seller())


@pytest.fixture(scope="module")
def pristine(models_dir: Path) -> Iterator[Running]:
    """An emulator of this module's own, feeds done at once (`--lifecycle instant`): the SKUs
    its tests pick are as generated, whatever the other tests change."""
    with running(Settings(models_dir=models_dir, port=0, throttle="off",
                          lifecycle="instant")) as server:
        yield server


@pytest.fixture
def own_feeds(pristine: Running) -> Iterator[Feeds]:
    yield from feeds_of(pristine, TokenSource(pristine).seller())


@pytest.fixture(scope="module")
def skus(pristine: Running) -> list[str]:
    """The default seller's MFN SKUs listed, priced and stocked in the US, free of issues, as
    generated: each test takes its own slice."""
    state = pristine.app.store.of(pristine.app.accounts.sellers[0])
    return sorted(listing.sku for listing in state.listings.values()
                  if listing.fulfillment == "MFN" and US in listing.status
                  and US in listing.prices and listing.quantity > 0 and not listing.issues)


DELETE_NOTHING = json.dumps({"header": {"sellerId": "", "version": "2.0"}, "messages": [
    {"messageId": 1, "sku": "NO-SUCH-SKU", "operationType": "DELETE"}]}).encode()


# -- upload URLs ----------------------------------------------------------------------------

def test_upload_url_is_signed_for_the_declared_content_type(feeds: Feeds) -> None:
    created = feeds.document(XML_TYPE)
    assert set(created) == {"feedDocumentId", "url"}
    assert created["feedDocumentId"].startswith("amzn1.spdoc.1.4.na.")
    base = str(feeds.http.base_url).rstrip("/")
    assert created["url"].startswith(f"{base}/_documents/")
    assert "X-Amz-SignedHeaders=content-type%3Bhost" in created["url"]
    assert "X-Amz-Expires=300" in created["url"]
    other = httpx.put(created["url"], content=b"<x/>", headers={"Content-Type": "text/plain"})
    assert other.status_code == 403
    assert other.headers["content-type"] == "application/xml"
    assert "<Code>SignatureDoesNotMatch</Code>" in other.text
    same = httpx.put(created["url"], content=b"<x/>", headers={"Content-Type": XML_TYPE})
    assert same.status_code == 200
    assert same.content == b""


def test_upload_url_expires_after_five_minutes(feeds: Feeds) -> None:
    created = feeds.document(XML_TYPE)
    feeds.app.clock.advance(301)
    late = httpx.put(created["url"], content=b"<x/>", headers={"Content-Type": XML_TYPE})
    assert late.status_code == 403
    assert "<Code>AccessDenied</Code><Message>Request has expired</Message>" in late.text
    # Never uploaded, the document cannot make a feed.
    refused = feeds.send("createFeed", "POST", "/feeds", json={
        "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [US],
        "inputFeedDocumentId": created["feedDocumentId"]})
    assert refused.status_code == 400


def test_create_feed_document_needs_a_content_type(feeds: Feeds) -> None:
    response = feeds.send("createFeedDocument", "POST", "/documents", json={"type": "x"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


# -- createFeed's rules ---------------------------------------------------------------------

def _refused(feeds: Feeds, body: dict[str, Any]) -> dict[str, Any]:
    response = feeds.send("createFeed", "POST", "/feeds", json=body)
    assert response.status_code == 400, response.text
    return dict(response.json()["errors"][0])


def test_create_feed_needs_an_uploaded_document_of_this_seller(feeds: Feeds,
                                                              emulator: Running) -> None:
    body = {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [US]}
    unknown = _refused(feeds, {**body, "inputFeedDocumentId": "amzn1.spdoc.1.4.na.nothing.T1.1"})
    assert (unknown["code"], unknown["message"]) == ("InvalidInput", "Invalid request parameters")
    assert "No feed document" in unknown["details"]
    not_uploaded = feeds.document(JSON_TYPE)["feedDocumentId"]
    pending = _refused(feeds, {**body, "inputFeedDocumentId": not_uploaded})
    assert (pending["code"], pending["message"]) == ("InvalidInput", "Invalid request parameters")
    assert "has not been uploaded" in pending["details"]
    for other in feeds_of(emulator, seller_token(emulator, 3)):  # another NA seller
        theirs = other.upload(DELETE_NOTHING, JSON_TYPE)
    assert _refused(feeds, {**body, "inputFeedDocumentId": theirs})["message"] == (
        "Invalid request parameters")
    mine = feeds.upload(DELETE_NOTHING, JSON_TYPE)
    foreign_market = _refused(feeds, {**body, "marketplaceIds": [UK],
                                      "inputFeedDocumentId": mine})
    assert foreign_market["message"] == "Invalid request parameters"
    assert UK in foreign_market["details"]
    for markets in ([], [US] * 26):
        assert _refused(feeds, {**body, "marketplaceIds": markets,
                                "inputFeedDocumentId": mine})["code"] == "InvalidInput"
    assert feeds.create("JSON_LISTINGS_FEED", mine, feedOptions={"any": "option"})


# -- the lifecycle ------------------------------------------------------------------------

def test_realistic_lifecycle_goes_through_in_progress(slow_feeds: Feeds) -> None:
    feed_id = slow_feeds.submit("JSON_LISTINGS_FEED", DELETE_NOTHING, JSON_TYPE)
    queued = slow_feeds.get(feed_id)
    assert queued["processingStatus"] == "IN_QUEUE"
    assert queued["feedType"] == "JSON_LISTINGS_FEED" and queued["marketplaceIds"] == [US]
    assert not {"processingStartTime", "processingEndTime", "resultFeedDocumentId"} & set(queued)
    slow_feeds.app.clock.advance(61)  # at most a minute in the queue
    started = slow_feeds.get(feed_id)
    assert started["processingStatus"] == "IN_PROGRESS"
    assert started["createdTime"] < started["processingStartTime"]
    assert "processingEndTime" not in started and "resultFeedDocumentId" not in started
    slow_feeds.app.clock.advance(181)  # processing: at most three minutes
    done = slow_feeds.get(feed_id)
    assert done["processingStatus"] == "DONE"
    assert done["processingStartTime"] < done["processingEndTime"]
    assert done["resultFeedDocumentId"].startswith("amzn1.spdoc.1.4.na.")


def test_feed_finished_is_published(feeds: Feeds, emulator: Running) -> None:
    seen: list[Event] = []
    emulator.app.events.subscribe(seen.append, FEED_FINISHED)
    try:
        feed_id = feeds.submit("JSON_LISTINGS_FEED", DELETE_NOTHING, JSON_TYPE)
        done = feeds.finish(feed_id)
    finally:
        emulator.app.events.unsubscribe(seen.append)
    mine = [e for e in seen if e.data["feed_id"] == feed_id]
    assert len(mine) == 1
    assert mine[0].data == {"feed_id": feed_id, "feed_type": "JSON_LISTINGS_FEED",
                            "processing_status": "DONE",
                            "result_feed_document_id": done["resultFeedDocumentId"]}
    assert mine[0].app_id == emulator.app.accounts.apps[0].client_id
    assert mine[0].seller_id == emulator.app.accounts.sellers[0].seller_id


def test_cancel_feed_rules(slow_feeds: Feeds) -> None:
    document = slow_feeds.upload(DELETE_NOTHING, JSON_TYPE)
    feed_id = slow_feeds.create("JSON_LISTINGS_FEED", document)
    cancelled = slow_feeds.send("cancelFeed", "DELETE", f"/feeds/{feed_id}")
    assert cancelled.status_code == 200
    assert cancelled.content == b""
    feed = slow_feeds.get(feed_id)
    assert feed["processingStatus"] == "CANCELLED"
    assert "resultFeedDocumentId" not in feed
    slow_feeds.app.clock.advance(600)  # the cancelled feed never starts
    assert slow_feeds.get(feed_id)["processingStatus"] == "CANCELLED"
    again = slow_feeds.send("cancelFeed", "DELETE", f"/feeds/{feed_id}")
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "InvalidInput"
    assert "CANCELLED" in again.json()["errors"][0]["message"]
    running_id = slow_feeds.create("JSON_LISTINGS_FEED", document)
    slow_feeds.app.clock.advance(61)
    assert slow_feeds.get(running_id)["processingStatus"] == "IN_PROGRESS"
    in_progress = slow_feeds.send("cancelFeed", "DELETE", f"/feeds/{running_id}")
    assert in_progress.status_code == 400
    assert "IN_PROGRESS" in in_progress.json()["errors"][0]["message"]
    assert slow_feeds.finish(running_id, step=30)["processingStatus"] == "DONE"
    done = slow_feeds.send("cancelFeed", "DELETE", f"/feeds/{running_id}")
    assert done.status_code == 400
    assert "DONE" in done.json()["errors"][0]["message"]
    missing = slow_feeds.send("cancelFeed", "DELETE", "/feeds/999")
    assert missing.status_code == 404
    assert missing.json() == FEED_NOT_FOUND


def test_unknown_or_foreign_feed_is_404(feeds: Feeds, emulator: Running) -> None:
    missing = feeds.send("getFeed", "GET", "/feeds/12345")
    assert missing.status_code == 404
    assert missing.json() == FEED_NOT_FOUND
    feed_id = feeds.submit("JSON_LISTINGS_FEED", DELETE_NOTHING, JSON_TYPE)
    result = feeds.finish(feed_id)["resultFeedDocumentId"]
    for other in feeds_of(emulator, seller_token(emulator, 3)):
        foreign = other.send("getFeed", "GET", f"/feeds/{feed_id}")
        assert foreign.status_code == 404
        assert foreign.json() == FEED_NOT_FOUND
        assert other.send("cancelFeed", "DELETE", f"/feeds/{feed_id}").status_code == 404
        document = other.send("getFeedDocument", "GET", f"/documents/{result}")
        assert document.status_code == 400
        assert document.json() == INVALID_DOCUMENT


def test_get_feed_document_serves_processing_reports_only(feeds: Feeds) -> None:
    unknown = feeds.send("getFeedDocument", "GET", "/documents/amzn1.spdoc.1.4.na.nothing.T1.1")
    assert unknown.status_code == 400
    assert unknown.json() == INVALID_DOCUMENT
    input_document = feeds.upload(DELETE_NOTHING, JSON_TYPE)
    refused = feeds.send("getFeedDocument", "GET", f"/documents/{input_document}")
    assert refused.json() == INVALID_DOCUMENT
    feed = feeds.finish(feeds.create("JSON_LISTINGS_FEED", input_document))
    info = feeds.send("getFeedDocument", "GET", f"/documents/{feed['resultFeedDocumentId']}",
                      params={"enableContentEncodingUrlHeader": "true"}).json()
    assert info["feedDocumentId"] == feed["resultFeedDocumentId"]
    assert info["compressionAlgorithm"] == "GZIP"
    assert "X-Amz-Expires=300" in info["url"]
    raw = httpx.get(info["url"])
    assert raw.headers["content-type"] == "application/json"
    assert json.loads(gzip.decompress(raw.content))["header"]["feedId"] == feed["feedId"]


# -- feed types -----------------------------------------------------------------------------

def _xml_results(content: bytes) -> tuple[dict[str, int], list[dict[str, str]]]:
    """(ProcessingSummary counts, Results) of an XML processing report."""
    root = ElementTree.fromstring(content)
    assert root.tag == "AmazonEnvelope"
    assert root.findtext("MessageType") == "ProcessingReport"
    report = root.find("Message/ProcessingReport")
    assert report is not None
    assert report.findtext("StatusCode") == "Complete"
    summary = {child.tag: int(child.text or "") for child in report.find("ProcessingSummary")
               or []}
    results = [{child.tag: (child.findtext("SKU") if child.tag == "AdditionalInfo"
                            else child.text or "") for child in result}
               for result in report.findall("Result")]
    return summary, results


def test_unprocessed_feed_type_ends_fatal_with_a_report(feeds: Feeds,
                                                        anonymous: httpx.Client) -> None:
    feed_id = feeds.submit("POST_PRODUCT_DATA", b"<AmazonEnvelope/>", XML_TYPE)
    feed, content = feeds.result(feed_id)
    assert feed["processingStatus"] == "FATAL"
    root = ElementTree.fromstring(content)
    assert root.findtext("Message/ProcessingReport/DocumentTransactionID") == feed_id
    summary, results = _xml_results(content)
    assert summary == {"MessagesProcessed": 0, "MessagesSuccessful": 0,
                       "MessagesWithError": 1, "MessagesWithWarning": 0}
    assert len(results) == 1
    assert results[0]["MessageID"] == "0" and results[0]["ResultCode"] == "Error"
    assert "does not process feeds of type POST_PRODUCT_DATA" in results[0]["ResultDescription"]
    entries = anonymous.get("/_emulator/journal", params={
        "operation": f"{MODEL}.createFeed", "limit": 50}).json()["entries"]
    assert any(e["note"] and "POST_PRODUCT_DATA" in e["note"] and "FATAL" in e["note"]
               for e in entries)


def seller_state(server: Running) -> SellerState:
    return server.app.store.of(server.app.accounts.sellers[0])


def _availability(feeds: Feeds, sku: str) -> list[dict[str, Any]]:
    seller_id = feeds.app.accounts.sellers[0].seller_id
    response = feeds.http.get(f"/listings/2021-08-01/items/{seller_id}/{sku}", params={
        "marketplaceIds": US, "includedData": "fulfillmentAvailability"})
    assert response.status_code == 200, response.text
    return list(response.json()["fulfillmentAvailability"])


def test_inventory_xml_sets_merchant_quantities(own_feeds: Feeds, pristine: Running,
                                                skus: list[str]) -> None:
    feeds, state = own_feeds, seller_state(pristine)
    first, second, third = (state.listings[sku] for sku in skus[0:3])
    before = third.quantity
    messages = "".join(
        f"<Message><MessageID>{number}</MessageID><OperationType>Update</OperationType>"
        f"<Inventory><SKU>{sku}</SKU>{fields}</Inventory></Message>"
        for number, sku, fields in (
            (1, first.sku, "<Quantity>42</Quantity><FulfillmentLatency>3</FulfillmentLatency>"),
            (2, "NO-SUCH-SKU", "<Quantity>1</Quantity>"),
            (3, second.sku, "<Available>false</Available>"),
            (4, third.sku, "<Quantity>many</Quantity>")))
    document = ('<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header>'
                "<DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier>"
                f"</Header><MessageType>Inventory</MessageType>{messages}</AmazonEnvelope>")
    feed, content = feeds.result(feeds.submit("POST_INVENTORY_AVAILABILITY_DATA",
                                              document.encode(), XML_TYPE))
    assert feed["processingStatus"] == "DONE"
    summary, results = _xml_results(content)
    assert summary == {"MessagesProcessed": 4, "MessagesSuccessful": 2,
                       "MessagesWithError": 2, "MessagesWithWarning": 0}
    assert results == [
        {"MessageID": "2", "ResultCode": "Error", "ResultMessageCode": "13013",
         "ResultDescription": "This SKU does not exist in the Amazon catalog. Your inventory "
                              "data was not processed.", "AdditionalInfo": "NO-SUCH-SKU"},
        {"MessageID": "4", "ResultCode": "Error", "ResultMessageCode": "4000001",
         "ResultDescription": "The provided value for 'Fulfillment Availability' is invalid.",
         "AdditionalInfo": third.sku}]
    assert _availability(feeds, first.sku) == [{"fulfillmentChannelCode": "DEFAULT",
                                                "quantity": 42}]
    assert state.listings[first.sku].attributes["fulfillment_availability"] == [
        {"fulfillment_channel_code": "DEFAULT", "quantity": 42, "lead_time_to_ship_max_days": 3}]
    assert state.listings[second.sku].quantity == 0
    assert state.listings[second.sku].status[US] == ["DISCOVERABLE"]  # out of stock
    assert state.listings[third.sku].quantity == before
    assert "NO-SUCH-SKU" not in state.listings


def test_inventory_xml_that_does_not_parse_is_fatal(own_feeds: Feeds) -> None:
    feed, content = own_feeds.result(own_feeds.submit(
        "POST_INVENTORY_AVAILABILITY_DATA", b"<AmazonEnvelope><Message>", XML_TYPE))
    assert feed["processingStatus"] == "FATAL"
    summary, results = _xml_results(content)
    assert summary["MessagesProcessed"] == 0 and summary["MessagesWithError"] == 1
    assert results[0]["MessageID"] == "0" and results[0]["ResultMessageCode"] == "5001"
    assert results[0]["ResultDescription"].startswith("XML Parsing Error at Line 1, Column")


def _tsv_report(content: bytes) -> tuple[list[str], list[list[str]]]:
    """(the summary lines, the error rows) of a flat-file processing report."""
    lines = content.decode("utf-8").split("\n")
    assert lines[0] == "Feed Processing Summary:"
    blank = lines.index("")
    rows = [line.split("\t") for line in lines[blank + 1:] if line]
    if rows:
        assert rows[0] == ["original-record-number", "sku", "error-code", "error-type",
                           "error-message"]
    return lines[1:blank], rows[1:]


def test_inventory_loader_updates_adds_and_deletes_offers(own_feeds: Feeds, pristine: Running,
                                                          skus: list[str]) -> None:
    feeds, state = own_feeds, seller_state(pristine)
    kept, deleted = (state.listings[sku] for sku in skus[3:5])
    listed = {listing.asin for listing in state.listings.values()}
    asin = next(a for a in sorted(state.catalog) if a not in listed)
    new_sku = f"FEED-INV-{time.monotonic_ns()}"
    rows = [["sku", "product-id", "product-id-type", "price", "item-condition", "quantity",
             "add-delete", "handling-time"],
            [kept.sku, "", "", "19.99", "", "5", "a", ""],
            [new_sku, asin, "1", "12.50", "11", "3", "a", "2"],
            [deleted.sku, "", "", "", "", "", "d", ""],
            [kept.sku, "", "", "", "", "many", "a", ""],
            [f"{new_sku}-X", "", "", "9.99", "11", "1", "a", ""]]
    text = "TemplateType=InventoryLoader\tVersion=2014.0415\n" + "\n".join(
        "\t".join(row) for row in rows) + "\n"
    feed, content = feeds.result(feeds.submit("POST_FLAT_FILE_INVLOADER_DATA", text.encode(),
                                              TSV_TYPE))
    assert feed["processingStatus"] == "DONE"
    summary, errors = _tsv_report(content)
    assert summary == ["\tNumber of records processed\t\t5", "\tNumber of records successful\t\t3"]
    assert errors == [
        ["4", kept.sku, "4000001", "Error",
         "The provided value for 'Fulfillment Availability' is invalid."],
        ["5", f"{new_sku}-X", "90220", "Error",
         "'merchant_suggested_asin' is required but not supplied."]]
    assert state.listings[kept.sku].prices[US] == 1999
    assert state.listings[kept.sku].quantity == 5
    created = state.listings[new_sku]
    assert (created.asin, created.prices[US], created.quantity) == (asin, 1250, 3)
    assert created.condition == "new_new" and created.status[US] == ["BUYABLE", "DISCOVERABLE"]
    assert US not in state.listings[deleted.sku].status  # still listed in CA and MX
    assert f"{new_sku}-X" not in state.listings


def test_flat_file_without_a_sku_column_is_fatal(own_feeds: Feeds) -> None:
    feed, content = own_feeds.result(own_feeds.submit(
        "POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA", b"item\tprice\nA\t1\n", TSV_TYPE))
    assert feed["processingStatus"] == "FATAL"
    summary, errors = _tsv_report(content)
    assert summary == ["\tNumber of records processed\t\t0", "\tNumber of records successful\t\t0"]
    assert errors == [["0", "", "5001", "Error",
                       "The file has no header row with a 'sku' column."]]


# -- python-amazon-sp-api -------------------------------------------------------------------

def test_python_amazon_sp_api_uploads_and_reads_the_report(emulator: Running) -> None:
    sp_api = pytest.importorskip(
        "sp_api", reason="python-amazon-sp-api is not installed in this environment "
        "(`pip install python-amazon-sp-api`); its feed helpers cannot be exercised")
    from sp_api.api import Feeds as SpFeeds
    from sp_api.auth import AccessTokenClient
    from sp_api.base import Marketplaces

    class EmulatorLWA(AccessTokenClient):  # clients.md: the LWA URL is class attributes
        scheme, host, path = "http://", emulator.base_url.split("//", 1)[1], "/auth/o2/token"

    # Its access tokens sit in a module-wide cache keyed by refresh token; other tests move the
    # emulator clock past their expiry.
    sp_api.auth.access_token_client.cache.clear()
    app, seller = emulator.app.accounts.apps[0], emulator.app.accounts.sellers[0]
    client = SpFeeds(marketplace=Marketplaces.US, auth_token_client_class=EmulatorLWA,
                     credentials={"refresh_token": emulator.app.accounts.refresh_token_of(
                         seller, app), "lwa_app_id": app.client_id,
                         "lwa_client_secret": app.client_secret})
    client.endpoint = emulator.base_url
    feed_body = {"header": {"sellerId": seller.seller_id, "version": "2.0"}, "messages": [
        {"messageId": 1, "sku": "NO-SUCH-SKU", "operationType": "DELETE"},
        {"messageId": 2, "sku": "NO-SUCH-SKU", "operationType": "PATCH"}]}
    document, created = client.submit_feed(
        "JSON_LISTINGS_FEED", io.BytesIO(json.dumps(feed_body).encode()),
        content_type=JSON_TYPE, marketplaceIds=[US])
    assert document.payload["feedDocumentId"].startswith("amzn1.spdoc.")
    feed_id = created.payload["feedId"]
    for _ in range(20):
        feed = client.get_feed(feed_id).payload
        if feed["processingStatus"] == "DONE":
            break
        emulator.app.clock.advance(2)
    report = json.loads(client.get_feed_result_document(feed["resultFeedDocumentId"]))
    assert report["header"]["feedId"] == feed_id
    assert report["summary"] == {"errors": 1, "warnings": 0, "messagesProcessed": 2,
                                 "messagesAccepted": 1, "messagesInvalid": 1}
