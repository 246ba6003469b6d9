"""Reports API 2021-06-30 over HTTP: the report lifecycle on the emulator clock, cancelReport,
schedules, settlement reports, and report documents' access rules (presigned URLs, restricted
types). Every answer is checked against the model. getReports' filters, paging and rules are
getFeeds' too: tests/test_job_listing.py tests them for both APIs.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.app import EmulatorApp
from emulator.config import Settings
from emulator.families.finances import ledger as finances
from emulator.harness.embedded import Running, running
from emulator.models.schemas import validator_for
from emulator.runtime.events import REPORT_FINISHED, Event
from tests.conftest import TokenSource

BASE = "/reports/2021-06-30"
MODEL = "reports_2021-06-30"
US, CA, MX = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8"
UK, JP = "A1F83G8C2ARO7P", "A1VC38T7YXB528"
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE"
TERMINAL = {"DONE", "CANCELLED", "FATAL"}
NOT_FOUND = {"errors": [{"code": "NotFound", "message": "One or more of the provided "
                         "ReportRequestIds could not be found.", "details": ""}]}


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
class Reports:
    """A client of the Reports API that checks every answer against the model."""

    http: httpx.Client
    app: EmulatorApp

    def send(self, operation_id: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, BASE + path, **kwargs)
        assert_valid(self.app, operation_id, response)
        return response

    def create(self, report_type: str, markets: tuple[str, ...] = (US,),
               **fields: Any) -> str:
        response = self.send("createReport", "POST", "/reports", json={
            "reportType": report_type, "marketplaceIds": list(markets), **fields})
        assert response.status_code == 202, response.text
        report_id = response.json()["reportId"]
        assert report_id.isdigit()
        return str(report_id)

    def get(self, report_id: str) -> dict[str, Any]:
        response = self.send("getReport", "GET", f"/reports/{report_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def finish(self, report_id: str, step: float = 10.0) -> dict[str, Any]:
        """Moves the emulator clock until the report ends; returns it."""
        for _ in range(60):
            report = self.get(report_id)
            if report["processingStatus"] in TERMINAL:
                return report
            self.app.clock.advance(step)
        raise AssertionError(f"report {report_id} never finished: {report}")

    def document(self, document_id: str, token: str | None = None) -> httpx.Response:
        headers = {"x-amz-access-token": token} if token else {}
        return self.send("getReportDocument", "GET", f"/documents/{document_id}",
                         headers=headers)

    def download(self, report_id: str, token: str | None = None) -> tuple[bytes, str]:
        """A finished report's document as a client gets it: getReportDocument, then the URL
        with a bare HTTP client (no token), gunzipped when compressed. Returns the bytes
        and the Content-Type the storage sent."""
        report = self.finish(report_id)
        assert report["processingStatus"] in ("DONE", "FATAL"), report
        info = self.document(report["reportDocumentId"], token)
        assert info.status_code == 200, info.text
        raw = httpx.get(info.json()["url"])
        assert raw.status_code == 200
        content = raw.content
        if info.json().get("compressionAlgorithm") == "GZIP":
            content = gzip.decompress(content)
        return content, raw.headers["content-type"]

    def text(self, report_id: str, token: str | None = None) -> str:
        content, content_type = self.download(report_id, token)
        match = re.search(r"charset=([\w-]+)", content_type)
        return content.decode(match.group(1) if match else "utf-8")

    def listing(self, **params: Any) -> dict[str, Any]:
        response = self.send("getReports", "GET", "/reports", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())


def seller_token(server: Running, index: int) -> str:
    app = server.app
    return app.tokens.issue_access(app.accounts.apps[0], app.accounts.sellers[index])


def reports_of(server: Running, token: str) -> Iterator[Reports]:
    with httpx.Client(base_url=server.base_url, timeout=60,
                      headers={"x-amz-access-token": token}) as http:
        yield Reports(http, server.app)


@pytest.fixture
def reports(emulator: Running, tokens: TokenSource) -> Iterator[Reports]:
    yield from reports_of(emulator, tokens.seller())


@pytest.fixture(scope="module")
def slow(models_dir: Path) -> Iterator[Running]:
    """An emulator whose reports take minutes, as Amazon's (`--lifecycle realistic`)."""
    with running(Settings(models_dir=models_dir, port=0, throttle="off",
                          lifecycle="realistic")) as server:
        yield server


@pytest.fixture
def slow_reports(slow: Running) -> Iterator[Reports]:
    yield from reports_of(slow, TokenSource(slow).seller())


# -- the lifecycle --------------------------------------------------------------------------

def test_create_poll_download(reports: Reports, tokens: TokenSource) -> None:
    report_id = reports.create("GET_MERCHANT_LISTINGS_ALL_DATA")
    first = reports.get(report_id)
    assert first["reportType"] == "GET_MERCHANT_LISTINGS_ALL_DATA"
    assert first["marketplaceIds"] == [US]
    done = reports.finish(report_id, step=2)
    assert done["processingStatus"] == "DONE"
    assert done["createdTime"] <= done["processingStartTime"] <= done["processingEndTime"]
    assert done["reportDocumentId"].startswith("amzn1.spdoc.1.4.na.")
    info = reports.document(done["reportDocumentId"]).json()
    assert set(info) == {"reportDocumentId", "url"}  # small: not compressed
    assert info["url"].startswith(reports.http.base_url.__str__().rstrip("/") + "/_documents/")
    assert "X-Amz-Expires=300" in info["url"]
    raw = httpx.get(info["url"])  # a bare client, as SP-API clients download
    assert raw.status_code == 200
    assert raw.content.startswith(b"item-name\titem-description\tlisting-id\t")


def test_realistic_lifecycle_goes_through_in_progress(slow_reports: Reports) -> None:
    report_id = slow_reports.create("GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA")
    assert slow_reports.get(report_id)["processingStatus"] == "IN_QUEUE"
    slow_reports.app.clock.advance(61)  # at most a minute in the queue
    started = slow_reports.get(report_id)
    assert started["processingStatus"] == "IN_PROGRESS"
    assert started["createdTime"] < started["processingStartTime"]
    assert "processingEndTime" not in started and "reportDocumentId" not in started
    slow_reports.app.clock.advance(121)  # processing: at most two minutes for this type
    done = slow_reports.get(report_id)
    assert done["processingStatus"] == "DONE"
    assert done["processingStartTime"] < done["processingEndTime"]


def test_report_finished_is_published(reports: Reports, emulator: Running) -> None:
    seen: list[Event] = []
    emulator.app.events.subscribe(seen.append, REPORT_FINISHED)
    try:
        report_id = reports.create("GET_MERCHANT_LISTINGS_DATA")
        done = reports.finish(report_id, step=2)
    finally:
        emulator.app.events.unsubscribe(seen.append)
    mine = [e for e in seen if e.data["report_id"] == report_id]
    assert len(mine) == 1
    assert mine[0].data == {"report_id": report_id, "report_type": "GET_MERCHANT_LISTINGS_DATA",
                            "processing_status": "DONE",
                            "report_document_id": done["reportDocumentId"]}
    assert mine[0].app_id == emulator.app.accounts.apps[0].client_id
    assert mine[0].seller_id == emulator.app.accounts.sellers[0].seller_id


def test_no_data_cancels_without_document(reports: Reports) -> None:
    report_id = reports.create("GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
                               dataStartTime="2020-01-01T00:00:00Z",
                               dataEndTime="2020-01-02T00:00:00Z")
    report = reports.finish(report_id)
    assert report["processingStatus"] == "CANCELLED"
    assert "reportDocumentId" not in report
    assert report["dataStartTime"] == "2020-01-01T00:00:00+00:00"
    assert report["dataEndTime"] == "2020-01-02T00:00:00+00:00"


def test_type_without_generator_cancels_with_a_journal_note(reports: Reports,
                                                            anonymous: httpx.Client) -> None:
    report_id = reports.create("GET_FBA_STORAGE_FEE_CHARGES_DATA")
    assert reports.finish(report_id)["processingStatus"] == "CANCELLED"
    entries = anonymous.get("/_emulator/journal", params={
        "operation": f"{MODEL}.createReport", "limit": 50}).json()["entries"]
    notes = [e["note"] for e in entries if e["note"]]
    assert any("GET_FBA_STORAGE_FEE_CHARGES_DATA" in note and "CANCELLED" in note
               for note in notes)


def test_invalid_options_end_fatal_with_an_error_document(reports: Reports) -> None:
    report_id = reports.create("GET_SALES_AND_TRAFFIC_REPORT",
                               reportOptions={"dateGranularity": "YEAR"})
    report = reports.finish(report_id)
    assert report["processingStatus"] == "FATAL"
    content, content_type = reports.download(report_id)
    assert content_type == "application/json"
    details = httpx.Response(200, content=content).json()
    assert set(details) == {"errorDetails"}
    assert "dateGranularity" in details["errorDetails"] and "YEAR" in details["errorDetails"]


# -- createReport's rules -------------------------------------------------------------------

@pytest.mark.parametrize(("report_type", "code"), [
    ("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", 1117),
    ("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", 1118),
])
def test_settlement_reports_cannot_be_requested(reports: Reports, report_type: str,
                                                code: int) -> None:
    expected = {"errors": [{"code": "InvalidInput", "message": f"Request for report type "
                            f"{code} is not allowed at this time", "details": ""}]}
    response = reports.send("createReport", "POST", "/reports", json={
        "reportType": report_type, "marketplaceIds": [US]})
    assert response.status_code == 400
    assert response.json() == expected
    scheduled = reports.send("createReportSchedule", "POST", "/schedules", json={
        "reportType": report_type, "marketplaceIds": [US], "period": "P14D"})
    assert scheduled.status_code == 400
    assert scheduled.json() == expected


def test_get_reports_refuses_an_unknown_report_type(reports: Reports) -> None:
    response = reports.send("getReports", "GET", "/reports",
                            params={"reportTypes": "GET_MERCHANT_LISTINGS_DATA,GET_NO_SUCH_DATA"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Invalid Report Type GET_NO_SUCH_DATA"


@pytest.mark.parametrize(("body", "message"), [
    ({"reportType": "NOT_A_REPORT_TYPE"}, "Invalid Report Type NOT_A_REPORT_TYPE"),
    # A misspelt type (LISTING for LISTINGS) is refused, not accepted and CANCELLED.
    ({"reportType": "GET_MERCHANT_LISTING_ALL_DATA"},
     "Invalid Report Type GET_MERCHANT_LISTING_ALL_DATA"),
    ({"marketplaceIds": [UK]}, "Invalid marketplaceIds"),
    ({"dataStartTime": "2024-02-01T00:00:00Z", "dataEndTime": "2024-01-01T00:00:00Z"},
     "dataStartTime is after dataEndTime"),
    ({"dataEndTime": "2099-01-01T00:00:00Z"}, "dataEndTime cannot be in the future."),
    ({"dataStartTime": "2099-01-01T00:00:00Z"}, "dataStartTime cannot be in the future."),
    ({"dataStartTime": "yesterday"}, ""),
    ({"marketplaceIds": []}, ""),
])
def test_create_report_refusals(reports: Reports, body: dict[str, Any], message: str) -> None:
    request = {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US], **body}
    response = reports.send("createReport", "POST", "/reports", json=request)
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["code"] == "InvalidInput"
    assert error["message"].startswith(message)


def test_model_named_report_types_are_accepted(reports: Reports) -> None:
    # Not GET_..., but named by Amazon's model (sandbox) and report schemas.
    for report_type in ("FEE_DISCOUNTS_REPORT", "MARKETPLACE_ASIN_PAGE_VIEW_METRICS"):
        reports.create(report_type)


# -- reading reports ------------------------------------------------------------------------

def test_unknown_or_foreign_report_is_404(reports: Reports, emulator: Running) -> None:
    missing = reports.send("getReport", "GET", "/reports/12345")
    assert missing.status_code == 404
    assert missing.json() == NOT_FOUND
    report_id = reports.create("GET_MERCHANT_LISTINGS_ALL_DATA")
    for other in reports_of(emulator, seller_token(emulator, 3)):  # another NA seller
        foreign = other.send("getReport", "GET", f"/reports/{report_id}")
        assert foreign.status_code == 404
        assert foreign.json() == NOT_FOUND
        cancel = other.send("cancelReport", "DELETE", f"/reports/{report_id}")
        assert cancel.status_code == 404


# -- cancelReport -------------------------------------------------------------------------

def test_cancel_report_rules(slow_reports: Reports) -> None:
    report_id = slow_reports.create("GET_MERCHANT_LISTINGS_ALL_DATA")
    cancelled = slow_reports.send("cancelReport", "DELETE", f"/reports/{report_id}")
    assert cancelled.status_code == 200
    assert cancelled.content == b""
    report = slow_reports.get(report_id)
    assert report["processingStatus"] == "CANCELLED"
    assert "reportDocumentId" not in report
    slow_reports.app.clock.advance(600)  # the cancelled report never starts
    assert slow_reports.get(report_id)["processingStatus"] == "CANCELLED"
    again = slow_reports.send("cancelReport", "DELETE", f"/reports/{report_id}")
    assert again.status_code == 400
    assert "CANCELLED" in again.json()["errors"][0]["message"]
    # Amazon cancels only queued reports (the model: "Only reports with
    # processingStatus=IN_QUEUE can be cancelled").
    running_id = slow_reports.create("GET_MERCHANT_LISTINGS_ALL_DATA")
    slow_reports.app.clock.advance(61)
    assert slow_reports.get(running_id)["processingStatus"] == "IN_PROGRESS"
    in_progress = slow_reports.send("cancelReport", "DELETE", f"/reports/{running_id}")
    assert in_progress.status_code == 400
    assert slow_reports.finish(running_id)["processingStatus"] == "DONE"
    done = slow_reports.send("cancelReport", "DELETE", f"/reports/{running_id}")
    assert done.status_code == 400
    assert "DONE" in done.json()["errors"][0]["message"]
    missing = slow_reports.send("cancelReport", "DELETE", "/reports/999")
    assert missing.status_code == 404
    assert missing.json() == NOT_FOUND


# -- schedules ----------------------------------------------------------------------------

def test_schedules_create_reports_on_the_clock(slow_reports: Reports) -> None:
    reports = slow_reports
    report_type = "GET_MERCHANT_LISTINGS_DATA"
    first = reports.app.clock.now() + 60
    created = reports.send("createReportSchedule", "POST", "/schedules", json={
        "reportType": report_type, "marketplaceIds": [US], "period": "PT15M",
        "nextReportCreationTime": iso(first)})
    assert created.status_code == 201, created.text
    schedule_id = created.json()["reportScheduleId"]
    listed = reports.send("getReportSchedules", "GET", "/schedules",
                          params={"reportTypes": report_type}).json()["reportSchedules"]
    assert [s["reportScheduleId"] for s in listed] == [schedule_id]
    one = reports.send("getReportSchedule", "GET", f"/schedules/{schedule_id}").json()
    assert one == {"reportScheduleId": schedule_id, "reportType": report_type,
                   "marketplaceIds": [US], "period": "PT15M",
                   "nextReportCreationTime": iso(first).replace("Z", "+00:00")}

    def scheduled() -> list[dict[str, Any]]:
        found = reports.listing(reportTypes=report_type, pageSize=100)["reports"]
        return [r for r in found if r.get("reportScheduleId") == schedule_id]

    assert scheduled() == []
    reports.app.clock.advance(61)
    assert len(scheduled()) == 1
    reports.app.clock.advance(15 * 60)
    made = scheduled()
    assert len(made) == 2
    # Each report covers the period before its creation.
    newest = made[0]
    start = datetime.fromisoformat(newest["dataStartTime"])
    end = datetime.fromisoformat(newest["dataEndTime"])
    assert (end - start).total_seconds() == 15 * 60
    assert newest["createdTime"] == newest["dataEndTime"]
    cancel = reports.send("cancelReportSchedule", "DELETE", f"/schedules/{schedule_id}")
    assert cancel.status_code == 200 and cancel.content == b""
    gone = reports.send("getReportSchedule", "GET", f"/schedules/{schedule_id}")
    assert gone.status_code == 404
    reports.app.clock.advance(30 * 60)
    assert len(scheduled()) == 2


def test_a_schedule_replaces_the_same_type_and_marketplaces(reports: Reports) -> None:
    body = {"reportType": "GET_FLAT_FILE_OPEN_LISTINGS_DATA", "marketplaceIds": [US, CA],
            "period": "P1D"}
    first = reports.send("createReportSchedule", "POST", "/schedules", json=body)
    second = reports.send("createReportSchedule", "POST", "/schedules", json={
        **body, "marketplaceIds": [CA, US], "period": "P7D"})
    other = reports.send("createReportSchedule", "POST", "/schedules", json={
        **body, "marketplaceIds": [MX]})
    ids = [r.json()["reportScheduleId"] for r in (first, second, other)]
    listed = reports.send("getReportSchedules", "GET", "/schedules", params={
        "reportTypes": "GET_FLAT_FILE_OPEN_LISTINGS_DATA"}).json()["reportSchedules"]
    assert {s["reportScheduleId"] for s in listed} == set(ids[1:])
    replaced = next(s for s in listed if s["reportScheduleId"] == ids[1])
    assert replaced["period"] == "P7D"
    now = reports.app.clock.now()
    next_time = datetime.fromisoformat(replaced["nextReportCreationTime"]).timestamp()
    assert now + 7 * 86400 - 5 < next_time <= now + 7 * 86400
    for schedule_id in ids[1:]:
        reports.send("cancelReportSchedule", "DELETE", f"/schedules/{schedule_id}")
    assert reports.send("getReportSchedule", "GET", f"/schedules/{ids[0]}").status_code == 404
    bad = reports.send("createReportSchedule", "POST", "/schedules", json={
        **body, "period": "P2W"})
    assert bad.status_code == 400


# -- settlement reports -------------------------------------------------------------------

def _settlements(reports: Reports) -> list[dict[str, Any]]:
    return list(reports.listing(reportTypes=SETTLEMENT, pageSize=100)["reports"])


def test_settlement_reports_are_listed_every_14_days(reports: Reports,
                                                    emulator: Running) -> None:
    found = _settlements(reports)
    assert found, "closed settlement periods of the last 90 days have reports"
    for report in found:
        assert report["processingStatus"] == "DONE"
        start = datetime.fromisoformat(report["dataStartTime"])
        end = datetime.fromisoformat(report["dataEndTime"])
        assert (end - start).days == 14
        assert report["createdTime"] == report["dataEndTime"]
        assert len(report["marketplaceIds"]) == 1
    report = found[0]
    text = reports.text(report["reportId"])
    lines = [line.split("\t") for line in text.splitlines()]
    header, summary, rows = lines[0], lines[1], lines[2:]
    assert len(header) == 36
    amount_columns = [header.index(c) for c in ("price-amount", "item-related-fee-amount",
                                                "promotion-amount")]
    total = sum(float(row[i]) for row in rows for i in amount_columns if row[i])
    assert float(summary[4]) == pytest.approx(total, abs=0.01)
    assert all(value == "" for value in summary[6:])
    # The total is the Finances API's for that settlement period (financial event group).
    state = emulator.app.store.of(emulator.app.accounts.sellers[0])
    ledger = finances.Ledger(state, emulator.app.clock.now())
    market = state.market(report["marketplaceIds"][0])
    assert market is not None
    begin = datetime.fromisoformat(report["dataStartTime"]).timestamp()
    group = finances.Group("", market, ledger.period(begin), begin, begin + finances.PERIOD)
    assert summary[4] == f"{ledger.total(state, group, group.end) / 100:.2f}"


def test_settlement_reports_appear_as_the_clock_advances(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, throttle="off")) as server:
        source = TokenSource(server)
        for reports in reports_of(server, source.seller()):
            before = _settlements(reports)
            server.app.clock.advance(15 * 86400)  # past the close of the open period
            reports.http.headers["x-amz-access-token"] = source.seller()  # a fresh one
            after = _settlements(reports)
            new = [r for r in after if r["reportId"] not in {b["reportId"] for b in before}]
            assert new
            assert {tuple(r["marketplaceIds"]) for r in new} <= {(US,), (CA,), (MX,)}
            assert all(r["processingStatus"] == "DONE" for r in new)


# -- documents ----------------------------------------------------------------------------

def test_unknown_or_foreign_document_is_refused(reports: Reports, emulator: Running) -> None:
    missing = reports.document("amzn1.spdoc.1.4.na.nothing.T1.1")
    assert missing.status_code == 400
    report = reports.finish(reports.create("GET_MERCHANT_LISTINGS_ALL_DATA"), step=2)
    for other in reports_of(emulator, seller_token(emulator, 3)):
        assert other.document(report["reportDocumentId"]).status_code == 400


def test_expired_url_is_s3s_403(reports: Reports) -> None:
    report = reports.finish(reports.create("GET_MERCHANT_LISTINGS_ALL_DATA"), step=2)
    url = reports.document(report["reportDocumentId"]).json()["url"]
    reports.app.clock.advance(301)
    expired = httpx.get(url)
    assert expired.status_code == 403
    assert expired.headers["content-type"] == "application/xml"
    assert "<Code>AccessDenied</Code><Message>Request has expired</Message>" in expired.text


def test_restricted_document_needs_an_rdt(reports: Reports, tokens: TokenSource) -> None:
    report_id = reports.create("GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING")
    report = reports.finish(report_id, step=2)
    assert report["processingStatus"] == "DONE", report
    document_id = report["reportDocumentId"]
    refused = reports.document(document_id)
    assert refused.status_code == 403
    assert refused.json() == {"errors": [{"code": "Unauthorized", "message":
                                          "Access to the resource is forbidden",
                                          "details": ""}]}
    rdt = tokens.rdt("GET", f"{BASE}/documents/{document_id}")
    allowed = reports.document(document_id, token=rdt)
    assert allowed.status_code == 200
    assert httpx.get(allowed.json()["url"]).status_code == 200
    # An RDT names one document: another one is refused.
    other = reports.finish(reports.create("GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING"), step=2)
    assert reports.document(other["reportDocumentId"], token=rdt).status_code == 403
