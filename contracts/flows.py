"""Multi-step flows a client runs, shared by the live tests and the recorded ones (the same
steps, once against the target and once from a cassette)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from contracts.assertions import assert_matches_model
from contracts.harness import Api, load_models
from emulator.models.sample_requests import ModelRequest

MARKETPLACE_US = "ATVPDKIKX0DER"
REPORTS = "/reports/2021-06-30"
CLOCK_STEP = 3  # seconds of emulator clock per poll: reports take a few in --lifecycle fast
MAX_POLLS = 20


def call(api: Api, uid: str, request: ModelRequest, token: str | None = "auto") -> Any:
    """One operation, its answer checked against the model; returns the body."""
    operation = load_models().operation(uid)
    response = api.send(request, operation=operation, token=token)
    assert_matches_model(operation, response)
    return response.json() if response.content else None


@dataclass
class ReportRun:
    statuses: list[str]  # processingStatus at each poll
    document: dict[str, Any]  # getReportDocument's answer
    download: httpx.Response  # GET of the document URL


def report_lifecycle(api: Api, report_type: str) -> ReportRun:
    """createReport, then getReport until DONE (moving the emulator's clock between polls),
    then getReportDocument and the download of its presigned URL."""
    created = call(api, "reports_2021-06-30.createReport", ModelRequest(
        "POST", f"{REPORTS}/reports", headers={"content-type": "application/json"},
        content=f'{{"reportType":"{report_type}","marketplaceIds":["{MARKETPLACE_US}"]}}'
        .encode()))
    report_id = created["reportId"]
    statuses: list[str] = []
    report: dict[str, Any] = {}
    for _ in range(MAX_POLLS):
        report = call(api, "reports_2021-06-30.getReport",
                      ModelRequest("GET", f"{REPORTS}/reports/{report_id}"))
        statuses.append(report["processingStatus"])
        if report["processingStatus"] in ("DONE", "CANCELLED", "FATAL"):
            break
        advanced = api.control("POST", "/_emulator/clock/advance",
                               json={"seconds": CLOCK_STEP})
        assert advanced.status_code == 200, advanced.text
    document = call(api, "reports_2021-06-30.getReportDocument", ModelRequest(
        "GET", f"{REPORTS}/documents/{report['reportDocumentId']}"))
    # Documents are fetched without SP-API headers, as every client does.
    download = api.http.get(document["url"], headers={"user-agent": "python-httpx"})
    return ReportRun(statuses, document, download)
