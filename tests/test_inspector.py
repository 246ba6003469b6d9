"""The inspector at /_emulator/ui, over HTTP: every page, what it shows (escaped), its rules
(no SP-API token, form posts only from its own page), the journal's story of a request, the
live tail over Server-Sent Events, and the actions its buttons take. The browser tests are
tests/test_inspector_browser.py."""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.config import Settings
from emulator.families.notifications.delivery import RetryPolicy
from emulator.harness.embedded import Running, running
from tests.conftest import TokenSource
from tests.test_listings import Api, new_listing, seller_client
from tests.test_notification_delivery import aws, free_port, new_queue, start_moto
from tests.test_notifications import notifications_on, wait_for

UI = "/_emulator/ui"
US = "ATVPDKIKX0DER"
ORDERS = "/orders/v0/orders"
SCRIPT = "<script>alert(1)</script>"
PAGES = ("", "/requests", "/orders", "/listings", "/inventory", "/catalog", "/records",
         "/jobs", "/notifications", "/faults", "/state", "/cassettes")


@pytest.fixture(scope="module")
def server(models_dir: Path) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir, port=0, throttle="amazon", scale=200,
                          lifecycle="realistic")) as found:
        yield found


class Page:
    """A browser's view of the inspector: reads pages, and posts their forms as the page
    would (its token, its origin)."""

    def __init__(self, server: Running) -> None:
        self.http = httpx.Client(base_url=server.base_url, timeout=30)
        self.origin = server.base_url

    def get(self, path: str = "", **params: Any) -> httpx.Response:
        response = self.http.get(UI + path, params=params)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response

    def token(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.get("/faults").text)
        assert found
        return found.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None,
             **kwargs: Any) -> httpx.Response:
        headers = {"origin": self.origin, **kwargs.pop("headers", {})}
        return self.http.post(UI + path, data={"csrf": self.token(), **(data or {})},
                              headers=headers, **kwargs)


@pytest.fixture(scope="module")
def page(server: Running) -> Page:
    return Page(server)


@pytest.fixture
def seller(server: Running) -> Iterator[httpx.Client]:
    # A fresh token per test: the tests move this emulator's clock by hours.
    with seller_client(server) as client:
        yield client


def text_of(response: httpx.Response) -> str:
    """The page's text as a reader sees it: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", response.text))


def test_every_page_is_html_with_the_security_headers(page: Page) -> None:
    for path in PAGES:
        response = page.get(path)
        assert response.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert "<script src=\"/_emulator/ui/static/vendor/htmx.min.js\"" in response.text
    for asset in ("/static/inspector.css", "/static/vendor/htmx.min.js",
                  "/static/vendor/sse.min.js"):
        assert page.http.get(UI + asset).status_code == 200
    missing = page.http.get(UI + "/nowhere")
    assert missing.status_code == 404 and "No such page" in missing.text


def test_it_refuses_sp_api_tokens(server: Running, page: Page) -> None:
    token = TokenSource(server).seller()
    for path in ("", "/requests", "/state/snapshot.json"):
        refused = page.http.get(UI + path, headers={"x-amz-access-token": token})
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["code"] == "Unauthorized"


def test_it_answers_only_to_the_names_it_is_reached_by(page: Page) -> None:
    for host in ("127.0.0.1:9", "localhost:8000", "[::1]:8000", "10.1.2.3"):
        assert page.http.get(UI, headers={"host": host}).status_code == 200, host
    # A page of another site whose name was made to point here (DNS rebinding) gets nothing.
    rebound = page.http.get(UI + "/state", headers={"host": "evil.example:8000"})
    assert rebound.status_code == 403 and "csrf" not in rebound.text


def test_a_listing_title_is_shown_as_text_never_as_markup(server: Running, page: Page,
                                                           seller: httpx.Client) -> None:
    api = Api(server, seller)
    put = api.put("XSS-1", new_listing(name=SCRIPT, quantity=2))
    assert put.status_code == 200, put.text
    for path, params in (("/listings", {"q": "XSS-1"}), (f"/listings/{api.seller_id}/XSS-1", {}),
                         ("/catalog", {"q": "alert"})):
        response = page.get(path, **params)
        assert SCRIPT not in response.text
        assert html.escape(SCRIPT, quote=False) in response.text
        assert SCRIPT in text_of(response)


def test_a_form_post_needs_the_page_token_and_the_page_origin(server: Running,
                                                                page: Page) -> None:
    before = server.app.clock.offset
    advance = UI + "/clock/advance"
    no_token = page.http.post(advance, data={"seconds": "60"}, headers={"origin": page.origin})
    wrong_token = page.http.post(advance, data={"seconds": "60", "csrf": "guess"},
                                 headers={"origin": page.origin})
    foreign = page.http.post(advance, data={"seconds": "60", "csrf": page.token()},
                             headers={"origin": "http://evil.example"})
    foreign_referer = page.http.post(advance, data={"seconds": "60", "csrf": page.token()},
                                     headers={"referer": "http://evil.example/page"})
    for refused in (no_token, wrong_token, foreign, foreign_referer):
        assert refused.status_code == 403, refused.text
        assert "Refused" in refused.text
    assert server.app.clock.offset == before
    assert page.http.get(advance).status_code == 405  # actions are POSTs only

    done = page.post("/clock/advance", {"seconds": "60", "back": UI + "/jobs"})
    assert done.status_code == 303
    assert done.headers["location"] == UI + "/jobs?done=advanced"
    assert server.app.clock.offset == before + 60
    # Only the inspector's own pages are places to go back to.
    elsewhere = page.post("/clock/advance", {"seconds": "0", "back": "https://evil.example/"})
    assert elsewhere.headers["location"] == UI + "?done=advanced"


def test_the_overview_shows_settings_clock_sellers_and_plots(server: Running, page: Page,
                                                              seller: httpx.Client) -> None:
    seller.get(ORDERS, params={"MarketplaceIds": US, "CreatedAfter": "2020-01-01T00:00:00Z"})
    response = page.get()
    text = text_of(response)
    state = server.app.store.of(server.app.accounts.sellers[0])
    for expected in ("mode emulate", "throttle amazon", "lifecycle realistic",
                     f"{len(state.orders)} orders", "Emulator clock", "+1 hour",
                     "orders per day", "latency p50 and p99", "requests per second"):
        assert expected in " ".join(text.split()), expected
    assert response.text.count("<svg") >= 3
    assert 'hx-trigger="every 3s"' in response.text  # the live part refreshes itself


def test_the_traffic_plot_counts_real_seconds_across_clock_jumps(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=10)) as own:
        page = Page(own)
        with seller_client(own) as client:
            for _ in range(7):
                client.get("/sellers/v1/marketplaceParticipations")

        def seen() -> str:
            found = re.search(r"(\d+) SP-API requests in the last 5 minutes",
                              " ".join(text_of(page.get()).split()))
            assert found
            return found.group(1)

        assert seen() == "7"
        page.post("/clock/advance", {"seconds": "86400"})  # a day later, a second later
        assert seen() == "7"


def test_the_requests_page_tells_why_each_answer_was_given(server: Running, page: Page,
                                                            seller: httpx.Client) -> None:
    ok = seller.get(ORDERS, params={"MarketplaceIds": US,
                                    "CreatedAfter": "2020-01-01T00:00:00Z"})
    request_id = ok.headers["x-amzn-RequestId"]
    story = text_of(page.get(f"/requests/{request_id}"))
    assert "seller token accepted" in story
    assert re.search(r"\d+\.\d\d of 20 tokens left after this request; refills 0\.0167", story)
    assert '"AmazonOrderId"' in story  # the response body, kept
    assert "the stateful handler, over the seller's state" in story

    case = seller.get(ORDERS, params={"MarketplaceIds": US, "CreatedAfter": "TEST_CASE_200"})
    story = " ".join(text_of(page.get(f"/requests/{case.headers['x-amzn-RequestId']}")).split())
    assert re.search(r"Amazon's static sandbox case #\d+ of the model's", story)
    assert case.headers["x-amzn-RequestId"] in page.get("/requests", source="sandbox-case").text
    assert "MarketplaceIds=ATVPDKIKX0DER" in story  # and the query

    refused = httpx.get(server.base_url + ORDERS, params={"MarketplaceIds": US})
    story = text_of(page.get(f"/requests/{refused.headers['x-amzn-RequestId']}"))
    assert "refused: Access token is missing in the request header." in story

    listed = text_of(page.get("/requests", status="403", plane="sp-api"))
    assert ORDERS in listed and "Unauthorized" in listed
    assert ok.headers["x-amzn-RequestId"] not in page.get("/requests", status="403").text
    bad = page.http.get(UI + "/requests", params={"throttled": "perhaps"})
    assert bad.status_code == 400 and "throttled" in bad.text


def test_tokens_in_kept_bodies_are_masked(server: Running, page: Page,
                                          seller: httpx.Client) -> None:
    rdt = seller.post("/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": [
        {"method": "GET", "path": "/orders/v0/orders", "dataElements": ["buyerInfo"]}]})
    assert rdt.status_code == 200
    token = rdt.json()["restrictedDataToken"]
    shown = page.get(f"/requests/{rdt.headers['x-amzn-RequestId']}").text
    assert token not in shown and token[len("Atz.sprdt|"):] not in shown
    assert "Atz.sprdt|…" in shown


def test_the_journal_records_every_plane_and_its_json_keeps_to_sp_api(
        server: Running, page: Page, seller: httpx.Client) -> None:
    seller.get("/sellers/v1/marketplaceParticipations")
    created = httpx.post(server.base_url + "/_emulator/orders",
                         json={"seller_id": server.app.accounts.sellers[0].seller_id})
    assert created.status_code == 201
    rows = page.get("/requests", plane="control").text
    assert "/_emulator/orders" in rows and ">201<" in rows
    entries = httpx.get(server.base_url + "/_emulator/journal",
                        params={"limit": "1000"}).json()["entries"]
    assert entries and {e["plane"] for e in entries} == {"sp-api"}
    assert all("bucket" in e and "auth" in e and "error" in e for e in entries)
    control = httpx.get(server.base_url + "/_emulator/journal", params={
        "plane": "control", "limit": "5"}).json()["entries"]
    assert control[-1]["path"] == "/_emulator/orders" and control[-1]["status"] == 201
    everything = httpx.get(server.base_url + "/_emulator/journal", params={"plane": "all"})
    assert {e["plane"] for e in everything.json()["entries"]} >= {"sp-api", "control"}
    assert httpx.get(server.base_url + "/_emulator/journal",
                     params={"plane": "ftp"}).status_code == 400


def test_the_live_tail_streams_new_requests_as_rows(server: Running, page: Page) -> None:
    seen: list[str] = []
    start = server.app.journal.recorded

    def listen() -> None:
        with page.http.stream("GET", UI + "/requests/stream",
                              params={"after": start, "plane": "control"}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            for line in stream.iter_lines():
                seen.append(line)
                if "/_emulator/orders" in line:
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    time.sleep(0.3)
    httpx.post(server.base_url + "/_emulator/orders",
               json={"seller_id": server.app.accounts.sellers[0].seller_id})
    listener.join(timeout=10)
    assert not listener.is_alive(), seen
    assert "event: row" in seen
    row = next(line for line in seen if "/_emulator/orders" in line)
    assert row.startswith("data: ")
    # Filtered: an SP-API request of the same moment is not in a control-plane tail.
    assert not any(ORDERS in line for line in seen)


def test_orders_are_paged_and_an_order_tells_its_story(server: Running, page: Page) -> None:
    state = server.app.store.of(server.app.accounts.sellers[0])
    first = page.get("/orders")
    newest = state.order_list[-50:]
    assert all(o.order_id in first.text for o in newest)
    assert state.order_list[-51].order_id not in first.text
    older = re.search(r'href="(/_emulator/ui/orders\?[^"]*before=[^"]+)"', first.text)
    assert older
    second = page.http.get(html.unescape(older.group(1))).text
    assert state.order_list[-51].order_id in second and newest[0].order_id not in second

    shipped = page.get("/orders", status="Shipped", fulfillment="AFN").text
    listed = re.findall(r"/orders/[A-Z0-9]+/(\d{3}-\d{7}-\d{7})", shipped)
    assert listed and all(state.orders[i].status == "Shipped" and
                          state.orders[i].fulfillment == "AFN" for i in listed)

    order = state.orders[listed[0]]
    story = " ".join(text_of(page.get(f"/orders/{state.seller_id}/{order.order_id}")).split())
    assert order.items[0].sku in story and order.address.city in story
    assert "purchased" in story and "shipment 1" in story
    assert "Shipment posted" in story  # its financial event
    assert order.shipments[0].tracking_number in story


def test_an_orders_label_is_listed_and_downloads(server: Running, page: Page) -> None:
    from tests.test_merchant_fulfillment import Mfn, label_file

    mfn = Mfn(server, TokenSource(server))
    order = mfn.new_order()
    details = mfn.details(order)
    shipment = mfn.create(details, mfn.offers(details)[0])["payload"]
    seller_id = server.app.accounts.sellers[0].seller_id
    shown = " ".join(text_of(page.get(f"/orders/{seller_id}/{order['order_id']}")).split())
    assert shipment["ShipmentId"] in shown and shipment["TrackingId"] in shown
    assert "PostageBilling" in shown  # its postage in the financial events
    label = page.http.get(f"{UI}/labels/{seller_id}/{shipment['ShipmentId']}")
    assert label.status_code == 200 and label.content == label_file(shipment)
    assert "attachment" in label.headers["content-disposition"]
    assert page.http.get(f"{UI}/labels/{seller_id}/nope").status_code == 404


def test_listings_inventory_and_catalog_pages(server: Running, page: Page) -> None:
    state = server.app.store.of(server.app.accounts.sellers[0])
    fba = next(x for x in state.listings.values() if x.fulfillment == "AFN")
    assert fba.sku in page.get("/listings", q=fba.sku).text
    detail = text_of(page.get(f"/listings/{state.seller_id}/{fba.sku}"))
    assert f"fulfillable {state.inventory[fba.sku].fulfillable}" in " ".join(detail.split())
    assert fba.sku in page.get("/inventory").text
    item = next(iter(state.catalog.values()))
    assert item.asin in page.get("/catalog", q=item.asin).text


def test_the_families_own_records_are_listed_by_kind(server: Running, page: Page) -> None:
    from tests.fba_support import Fba
    from tests.test_fulfillment_outbound import create

    fba = Fba(server)
    create(fba, "MCF-INSPECTED-1", [(fba.skus(1)[0], 1)])
    seller_id = server.app.accounts.sellers[0].seller_id
    kinds = " ".join(text_of(page.get("/records", seller=seller_id)).split())
    assert "fulfillment_order 1" in kinds and "inbound_plan 0" in kinds
    shown = page.get("/records", seller=seller_id, kind="fulfillment_order").text
    assert "MCF-INSPECTED-1" in shown and "&#34;displayable_comment&#34;" in shown


def test_a_report_moves_on_the_clock_and_its_document_downloads(
        server: Running, page: Page, seller: httpx.Client) -> None:
    created = seller.post("/reports/2021-06-30/reports", json={
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]})
    report_id = created.json()["reportId"]
    row = re.compile(rf'data-job="{report_id}">.*?</tr>', re.S)
    queued = row.search(page.get("/jobs").text)
    assert queued and ("IN_QUEUE" in queued.group(0) or "IN_PROGRESS" in queued.group(0))
    assert "<strong>DONE</strong>" not in queued.group(0)
    page.post("/clock/advance", {"seconds": "3600"})
    done = row.search(page.get("/jobs").text)
    assert done and "<strong>DONE</strong>" in done.group(0)
    link = re.search(r'href="(/_emulator/ui/documents/[^"]+)"', done.group(0))
    assert link
    document = page.http.get(html.unescape(link.group(1)))
    assert document.status_code == 200
    assert document.text.startswith("item-name\t")
    # Shown as text, never as a page or a script of the inspector's origin.
    assert document.headers["content-type"].startswith("text/plain")
    assert document.headers["x-content-type-options"] == "nosniff"


def test_an_uploaded_html_document_is_shown_as_text(page: Page, seller: httpx.Client) -> None:
    created = seller.post("/feeds/2021-06-30/documents",
                          json={"contentType": "text/html; charset=UTF-8"})
    assert created.status_code == 201, created.text
    uploaded = httpx.put(created.json()["url"], content=SCRIPT.encode(),
                         headers={"content-type": "text/html; charset=UTF-8"})
    assert uploaded.status_code == 200, uploaded.text
    shown = page.http.get(f"{UI}/documents/{created.json()['feedDocumentId']}")
    assert shown.status_code == 200 and shown.text == SCRIPT
    assert shown.headers["content-type"] == "text/plain; charset=utf-8"


def test_faults_are_added_listed_and_removed_from_the_page(server: Running, page: Page,
                                                            seller: httpx.Client) -> None:
    invalid = page.post("/faults", {"operation": "getOrders", "status": "418"})
    assert invalid.status_code == 400 and "Invalid fault rule" in invalid.text
    added = page.post("/faults", {"operation": "getOrderItems", "status": "503",
                                  "probability": "1", "times": "1"})
    assert added.status_code == 303
    [rule] = server.app.faults.rules()
    assert (rule.operation, rule.status, rule.times) == ("getOrderItems", "503", 1)
    hit = seller.get(f"{ORDERS}/TEST_CASE_200/orderItems")
    assert hit.status_code == 503
    story = text_of(page.get(f"/requests/{hit.headers['x-amzn-RequestId']}"))
    assert f"rule {rule.id}" in story and "ServiceUnavailable" in story
    assert rule.id in page.get("/faults").text
    page.post(f"/faults/{rule.id}/delete")
    assert server.app.faults.rules() == []


def test_state_reset_reseed_snapshot_and_restore(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=20)) as own:
        page = Page(own)
        seller_id = own.app.accounts.sellers[0].seller_id
        httpx.post(own.base_url + "/_emulator/orders", json={"seller_id": seller_id})
        snapshot = page.http.get(UI + "/state/snapshot.json")
        assert snapshot.status_code == 200
        assert "attachment" in snapshot.headers["content-disposition"]
        assert len(snapshot.json()["sellers"][seller_id]["orders"]) == 21

        assert page.post("/state/reset").status_code == 303
        assert list(own.app.store.generated()) == []
        refused = page.post("/state/restore", files={
            "snapshot": ("broken.json", b'{"version": 1, "seed": "x"}', "application/json")})
        assert refused.status_code == 400 and "nothing restored" in refused.text
        restored = page.post("/state/restore", files={
            "snapshot": ("snapshot.json", snapshot.content, "application/json")})
        assert restored.status_code == 303, restored.text
        assert len(own.app.store.of(own.app.accounts.sellers[0]).orders) == 21

        assert page.post("/state/reseed", {"seed": "not a number"}).status_code == 400
        assert page.post("/state/reseed", {"seed": "5"}).status_code == 303
        assert own.app.store.seed == 5


def test_a_failed_notification_is_sent_again_from_the_retry_button(models_dir: Path) -> None:
    port = free_port()  # the SQS endpoint is down when the message is made
    url = f"http://127.0.0.1:{port}"
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                          sqs_endpoint=url)) as own:
        own.app.families["notifications"].deliverer.policy = RetryPolicy(
            attempts=1, first_delay=0.05)
        api = notifications_on(own)
        arn = "arn:aws:sqs:us-east-1:123456789012:retried"
        destination_id = api.sqs_destination(arn)
        api.subscribed("ORDER_CHANGE", destination_id)
        api.new_order()
        entry = wait_for(lambda: [e for e in api.outbox(destination=destination_id)
                                  if e["status"] == "failed"])[0]
        page = Page(own)
        shown = page.get("/notifications", status="failed").text
        assert entry["notification_id"] in shown and ">Retry<" in shown
        moto = start_moto(port)
        try:
            new_queue(aws("sqs", url), "retried")
            retried = page.post(f"/notifications/{entry['notification_id']}/retry")
            assert retried.headers["location"].endswith("done=retried")
            done = wait_for(lambda: [e for e in api.outbox(destination=destination_id)
                                     if e["status"] == "delivered"])
            assert done[0]["deliveries"][0]["attempts"] == 1
        finally:
            api.grantless.close()
            moto.stop()


def test_the_cassettes_page_shows_each_interaction_and_the_verdict(page: Page) -> None:
    shown = " ".join(text_of(page.get("/cassettes")).split())
    assert "test_report_lifecycle_to_a_document.yaml" in shown
    assert re.search(r"\d+ interactions checked: no drift", shown)
    assert "agrees with the models" in shown
    assert "Atza|" not in shown.replace("Atza|…", "")


def test_a_drifted_cassette_is_shown_as_drift(models_dir: Path, tmp_path: Path) -> None:
    cassette = {"interactions": [{
        "request": {"method": "GET", "uri": "http://127.0.0.1/orders/v0/orders/1",
                    "body": None, "headers": {}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {},
                     "body": {"string": json.dumps({"payload": {"AmazonOrderId": 5}})}}}]}
    (tmp_path / "drifted.yaml").write_text(json.dumps(cassette))
    with running(Settings(models_dir=models_dir, port=0, cassettes_dir=tmp_path)) as own:
        shown = " ".join(text_of(Page(own).get("/cassettes")).split())
    assert "1 interactions checked: 1 drift(s)" in shown
    assert "ordersV0.getOrder: body at payload: 'PurchaseDate' is a required property" in shown
