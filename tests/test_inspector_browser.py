"""The inspector in a real browser: Debian's Chromium driven by Playwright's Python package.
Open the overview; see an order posted over the control plane appear live on the requests
page; advance the clock from a button and see a report go to DONE; add a fault and see its 503
in the journal; open an order and download its label; restore a snapshot; a script in a
listing title stays text.
Every page is photographed into the test output folder (SPAPI_TEST_OUTPUT, else
test-output/ in the checkout; not committed).

Skipped, with the reason, where Chromium or Playwright is missing (`.ci/run` installs both).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.config import Settings
from emulator.harness.embedded import Running, running
from tests.test_listings import Api, new_listing, seller_client

CHROMIUM = Path(os.environ.get("SPAPI_CHROMIUM") or shutil.which("chromium")
                or "/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("no Chromium (apt-get install chromium; .ci/run installs it)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="no playwright package (pip install -e '.[dev]')")

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = Path(os.environ.get("SPAPI_TEST_OUTPUT") or ROOT / "test-output") / "inspector"
# The README's picture of the overview, refreshed by SPAPI_README_SCREENSHOT=1.
README_SHOT = ROOT / "docs" / "inspector-overview.png"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
UI = "/_emulator/ui"
US = "ATVPDKIKX0DER"
PAGES = {"overview": "", "requests": "/requests", "orders": "/orders", "listings": "/listings",
         "inventory": "/inventory", "catalog": "/catalog", "records": "/records", "jobs": "/jobs",
         "notifications": "/notifications", "faults": "/faults", "state": "/state",
         "cassettes": "/cassettes"}
WAIT = 10_000  # ms


@pytest.fixture(scope="module")
def server(models_dir: Path) -> Iterator[Running]:
    # Realistic lifecycles: a report waits in the queue until the clock is moved.
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=300,
                          lifecycle="realistic")) as found:
        yield found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: Running) -> Iterator[Any]:
    context = browser.new_context(base_url=server.base_url, accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(WAIT)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    yield opened
    context.close()
    assert errors == []  # no script error, and never a dialog (no injected script ran)


def shoot(page: Any, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def seller(server: Running) -> httpx.Client:
    return seller_client(server)


def test_the_overview_opens(page: Any, server: Running) -> None:
    # For the README's picture, traffic over a minute, so the plots have something to show.
    rounds = 6 if os.environ.get("SPAPI_README_SCREENSHOT") else 1
    with seller(server) as client:
        for round_ in range(rounds):
            for _ in range(20 + 15 * round_):
                client.get("/orders/v0/orders", params={
                    "MarketplaceIds": US, "CreatedAfter": "2020-01-01T00:00:00Z"})
            if round_ < rounds - 1:
                time.sleep(10)
    page.goto(UI)
    assert page.locator("h1").inner_text() == "Overview"
    assert page.locator("#clock-now").inner_text().endswith("Z")
    first = server.app.accounts.sellers[0].seller_id
    assert page.locator("table.sellers").get_by_text(first).count() == 1
    assert page.locator("figure.chart svg").count() >= 3
    assert page.locator("svg rect.bar").count() > 10  # orders per day, drawn
    path = shoot(page, "overview")
    if os.environ.get("SPAPI_README_SCREENSHOT"):
        README_SHOT.parent.mkdir(exist_ok=True)
        page.set_viewport_size({"width": 1160, "height": 800})
        page.screenshot(path=str(README_SHOT), full_page=True)
    assert path.stat().st_size > 10_000


def test_an_order_posted_over_the_control_plane_appears_live(page: Any,
                                                             server: Running) -> None:
    page.goto(UI + "/requests")
    page.evaluate("window.loadedOnce = true")  # gone if the page were reloaded
    created = httpx.post(server.base_url + "/_emulator/orders",
                         json={"seller_id": server.app.accounts.sellers[0].seller_id})
    assert created.status_code == 201
    row = page.locator("#rows tr", has_text="/_emulator/orders").first
    row.wait_for()
    assert "201" in row.inner_text() and "control" in row.inner_text()
    assert page.evaluate("window.loadedOnce") is True
    shoot(page, "requests-live")


def test_the_clock_button_moves_a_report_to_done(page: Any, server: Running) -> None:
    with seller(server) as client:
        created = client.post("/reports/2021-06-30/reports", json={
            "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]})
    report_id = created.json()["reportId"]
    page.goto(UI + "/jobs")
    row = page.locator(f'tr[data-job="{report_id}"]')
    # Realistic lifecycles: 10 to 60 s in the queue, minutes of processing.
    assert row.locator("td.status").inner_text() in ("IN_QUEUE", "IN_PROGRESS")
    page.get_by_role("button", name="+1 hour").first.click()
    page.get_by_text("The clock moved forward.").wait_for()
    assert row.locator("td.status").inner_text() == "DONE"
    shoot(page, "jobs")
    row.get_by_role("link", name="document").click()  # a text document opens in the browser
    assert page.locator("body").inner_text().startswith("item-name\t")


def test_a_fault_added_on_the_page_shows_as_a_503_in_the_journal(page: Any,
                                                                  server: Running) -> None:
    page.goto(UI + "/faults")
    page.get_by_label("Operation").fill("getOrderItems")
    page.get_by_label("Answer").select_option("503")
    page.get_by_label("Times").fill("1")
    page.get_by_role("button", name="Add the rule").click()
    page.get_by_text("Fault rule added.").wait_for()
    [rule] = server.app.faults.rules()
    assert page.locator(f'tr[data-rule="{rule.id}"]').count() == 1
    shoot(page, "faults")

    page.goto(UI + "/requests?plane=sp-api")
    with seller(server) as client:
        assert client.get("/orders/v0/orders/TEST_CASE_200/orderItems").status_code == 503
    row = page.locator("#rows tr", has_text="orderItems").first
    row.wait_for()
    assert "503" in row.inner_text() and f"fault {rule.id}" in row.inner_text()
    row.get_by_role("link").click()
    why = page.locator("table.why").inner_text()
    assert f"rule {rule.id}" in why and "ServiceUnavailable" in why
    shoot(page, "request")
    server.app.faults.clear()


def test_an_order_opens_with_its_story(page: Any, server: Running) -> None:
    page.goto(UI + "/orders?status=Shipped&fulfillment=MFN")
    page.locator("table.orders tbody tr a").first.click()
    assert page.locator("h1").inner_text().startswith("Order ")
    for heading in ("Items", "Status timeline", "Shipments", "Financial events"):
        assert page.get_by_role("heading", name=heading).count() == 1
    assert page.locator("ol.timeline li").count() >= 3  # purchased, shipped, last update
    shoot(page, "order")


def test_open_an_order_and_download_its_label(page: Any, server: Running) -> None:
    from tests.conftest import TokenSource
    from tests.test_merchant_fulfillment import Mfn, label_file

    mfn = Mfn(server, TokenSource(server))  # Merchant Fulfillment, as an app buys a label
    order = mfn.new_order()
    details = mfn.details(order)
    shipment = mfn.create(details, mfn.offers(details)[0])["payload"]
    seller_id = server.app.accounts.sellers[0].seller_id
    page.goto(f"{UI}/orders?seller={seller_id}&q={order['order_id']}")
    page.get_by_role("link", name=order["order_id"]).click()
    row = page.locator(f'tr[data-label="{shipment["ShipmentId"]}"]')
    assert shipment["TrackingId"] in row.inner_text()
    with page.expect_download() as download:
        row.get_by_role("link", name="Download the label").click()
    assert download.value.suggested_filename.startswith(shipment["ShipmentId"])
    assert download.value.path().read_bytes() == label_file(shipment)
    shoot(page, "order-with-label")


def test_restore_a_snapshot(page: Any, server: Running, tmp_path: Path) -> None:
    seller_id = server.app.accounts.sellers[0].seller_id
    state = server.app.store.of(server.app.accounts.sellers[0])
    before = len(state.orders)
    page.goto(UI + "/state")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download a snapshot").click()
    saved = tmp_path / "snapshot.json"
    download.value.save_as(saved)
    httpx.post(server.base_url + "/_emulator/orders", json={"seller_id": seller_id})
    assert len(server.app.store.of(server.app.accounts.sellers[0]).orders) == before + 1
    page.get_by_label("Snapshot file").set_input_files(str(saved))
    page.get_by_role("button", name="Restore it").click()
    page.get_by_text("Snapshot restored.").wait_for()
    assert len(server.app.store.of(server.app.accounts.sellers[0]).orders) == before
    assert f"{seller_id} ({before} orders" in page.locator("table.settings").inner_text()
    shoot(page, "state")


def test_a_script_in_a_listing_title_stays_text(page: Any, server: Running) -> None:
    script = "<script>alert(1)</script>"
    with seller(server) as client:
        put = Api(server, client).put("XSS-BROWSER", new_listing(name=script, quantity=1))
    assert put.status_code == 200, put.text
    page.goto(UI + "/listings?q=XSS-BROWSER")
    assert page.locator("td.title").inner_text() == script
    page.goto(UI + "/catalog?q=alert")
    assert script in page.locator("td.title").first.inner_text()
    # The page fixture fails the test if any dialog opened.


def test_every_page_is_photographed(page: Any) -> None:
    for name, path in PAGES.items():
        page.goto(UI + path)
        assert page.locator("h1").count() == 1, name
        shoot(page, f"page-{name}")
    assert len(list(OUTPUT.glob("page-*.png"))) == len(PAGES)


def test_log_in_with_the_control_token(browser: Any, models_dir: Path) -> None:
    """With --control-token: a page opens on the login form, a wrong token is said so, the
    right one comes back to the page asked for; buttons and the live tail work by the cookie,
    which no script can read."""
    token = "browser-login-token"
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                          control_token=token)) as guarded:
        context = browser.new_context(base_url=guarded.base_url)
        opened = context.new_page()
        opened.set_default_timeout(WAIT)
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        try:
            opened.goto(UI + "/jobs")
            assert opened.locator("h1").inner_text() == "Log in"
            assert "/login?next=" in opened.url
            shoot(opened, "login")
            opened.get_by_label("Control token").fill("not-" + token)
            opened.get_by_role("button", name="Log in").click()
            opened.get_by_text("That is not the control token").wait_for()
            opened.get_by_label("Control token").fill(token)
            opened.get_by_role("button", name="Log in").click()
            opened.wait_for_url("**" + UI + "/jobs")
            assert opened.evaluate("document.cookie") == ""  # HttpOnly
            opened.get_by_role("button", name="+1 hour").first.click()
            opened.get_by_text("The clock moved forward.").wait_for()

            opened.goto(UI + "/requests")
            created = httpx.post(guarded.base_url + "/_emulator/orders",
                                 json={"seller_id": guarded.app.accounts.sellers[0].seller_id},
                                 headers={"x-emulator-control-token": token})
            assert created.status_code == 201
            opened.locator("#rows tr", has_text="/_emulator/orders").first.wait_for()
        finally:
            context.close()
        assert errors == []
