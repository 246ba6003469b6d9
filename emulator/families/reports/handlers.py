"""Reports API 2021-06-30: reports, report schedules and report documents, from the report book
(emulator/families/reports/book.py). Handlers translate between HTTP and the book.

Every handler first runs what fell due on the scheduler (a poll after `clock/advance` sees the
status a real wait would have produced) and brings the seller's settlement reports up to date.
"""

from __future__ import annotations

from typing import Any

from emulator.business.documents import iso_offset
from emulator.families import ApiContext, common
from emulator.families.job_listing import JobListing
from emulator.families.reports.book import Report, ReportBook, ReportError, ReportSpec, Schedule
from emulator.families.reports.types import FAMILIES, RESTRICTED_TYPES, is_known
from emulator.gateway.call import Call
from emulator.gateway.errors import AccessDenied, InvalidInput, NotFound
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply
from emulator.runtime import events
from emulator.runtime.events import Event

MODEL = "reports_2021-06-30"
# getReports' filters, in the order Amazon names them when refusing them next to a nextToken
# ("createdUntil;createdSince;pageSize;marketplaceIds;processingStatuses;reportTypes;",
# models#2414): the model's order, reversed.
LISTING = JobListing(
    "reports", "reportTypes",
    ("createdUntil", "createdSince", "pageSize", "marketplaceIds", "processingStatuses",
     "reportTypes"),
    type_of=lambda report: report.report_type, id_of=lambda report: report.report_id)
# Amazon's 404 for a report it does not have for this seller (docs#2276, a reportId from
# createReport looked up too early).
REPORT_NOT_FOUND = "One or more of the provided ReportRequestIds could not be found."
# The restricted-report refusal (docs#375).
FORBIDDEN = "Access to the resource is forbidden"


class ReportNotFound(NotFound):
    default_message = REPORT_NOT_FOUND


def report_json(report: Report) -> dict[str, Any]:
    """A Report as SP-API writes it, keys in Amazon's order."""
    body: dict[str, Any] = {
        "marketplaceIds": list(report.marketplace_ids), "reportId": report.report_id,
        "reportType": report.report_type, "dataStartTime": iso_offset(report.data_start),
        "dataEndTime": iso_offset(report.data_end),
    }
    if report.schedule_id is not None:
        body["reportScheduleId"] = report.schedule_id
    body["createdTime"] = iso_offset(report.created)
    body["processingStatus"] = report.status
    if report.started is not None:
        body["processingStartTime"] = iso_offset(report.started)
    if report.ended is not None:
        body["processingEndTime"] = iso_offset(report.ended)
    if report.document_id is not None:
        body["reportDocumentId"] = report.document_id
    return body


def schedule_json(schedule: Schedule) -> dict[str, Any]:
    body: dict[str, Any] = {"reportScheduleId": schedule.schedule_id,
                            "reportType": schedule.report_type,
                            "marketplaceIds": list(schedule.marketplace_ids)}
    if schedule.options:
        body["reportOptions"] = dict(schedule.options)
    body["period"] = schedule.period
    body["nextReportCreationTime"] = iso_offset(schedule.next_time)
    return body


def _optional_time(value: Any, name: str) -> float | None:
    return None if value is None else common.parse_time(str(value), name)


class ReportsApi:
    def __init__(self, context: ApiContext) -> None:
        self.context = context
        self.book = ReportBook(
            context.store, context.documents, context.scheduler, context.clock,
            context.store.randomness, context.settings.lifecycle,
            lambda report_type: is_known(report_type, context.settings.models_dir),
        )
        context.store.reset_listeners.append(self.book.clear)
        # The living store closes settlement periods on its own: their reports come then.
        context.events.subscribe(self._settlement_closed, events.SETTLEMENT_CLOSED)

    def _settlement_closed(self, event: Event) -> None:
        seller = self.context.accounts.seller(event.seller_id)
        if seller is not None:
            self.book.settle(seller, now=event.time)

    def _ready(self, call: Call) -> tuple[str, str]:
        """Bring the clock's due work and the seller's settlements up to date; returns the
        caller's (app id, seller id)."""
        common.seller_state(self.context.store, call)  # refuses a token without a seller
        principal = call.principal
        self.context.scheduler.run_due()
        self.book.settle(principal.seller)
        return principal.app_id, principal.seller.seller_id

    def _spec(self, body: dict[str, Any], dated: bool) -> ReportSpec:
        return ReportSpec(
            report_type=body["reportType"], marketplace_ids=tuple(body["marketplaceIds"]),
            options=dict(body.get("reportOptions") or {}),
            data_start=_optional_time(body.get("dataStartTime"), "dataStartTime")
            if dated else None,
            data_end=_optional_time(body.get("dataEndTime"), "dataEndTime") if dated else None,
        )

    def _checked(self, call: Call, spec: ReportSpec) -> None:
        try:
            self.book.check(call.principal.seller, spec, self.context.clock.now())
        except ReportError as error:
            raise InvalidInput(str(error)) from None

    def _report(self, call: Call) -> Report:
        app_id, seller_id = self._ready(call)
        report = self.book.find(app_id, seller_id, call.path_params["reportId"])
        if report is None:
            raise ReportNotFound()
        return report

    # -- reports --------------------------------------------------------------------------

    async def create_report(self, call: Call) -> Reply:
        app_id, _ = self._ready(call)
        spec = self._spec((call.params or {})["body"], dated=True)
        self._checked(call, spec)
        report = self.book.create(app_id, call.principal.seller, spec)
        if spec.report_type not in FAMILIES:
            call.note = (f"{spec.report_type}: the emulator makes no document of this type; "
                         "the report will end CANCELLED")
        self.context.scheduler.run_due()  # --lifecycle instant: done before the answer
        return json_reply(202, {"reportId": report.report_id})

    async def get_report(self, call: Call) -> Reply:
        return json_reply(200, report_json(self._report(call)))

    async def cancel_report(self, call: Call) -> Reply:
        report = self._report(call)
        try:
            self.book.cancel(report)
        except ReportError as error:
            raise InvalidInput(str(error)) from None
        return Reply(200, b"", None)

    async def get_reports(self, call: Call) -> Reply:
        app_id, seller_id = self._ready(call)
        for report_type in (call.params or {}).get("reportTypes") or ():
            if not self.book.known(report_type):  # Amazon's 400 (models#1926)
                raise InvalidInput(f"Invalid Report Type {report_type}")
        page, token = LISTING.page(self.context, call, app_id, seller_id,
                                   self.book.reports(app_id, seller_id))
        body: dict[str, Any] = {"reports": [report_json(r) for r in page]}
        if token is not None:
            body["nextToken"] = token
        return json_reply(200, body)

    # -- schedules ------------------------------------------------------------------------

    async def create_schedule(self, call: Call) -> Reply:
        app_id, _ = self._ready(call)
        body = (call.params or {})["body"]
        spec = self._spec(body, dated=False)
        self._checked(call, spec)
        first = _optional_time(body.get("nextReportCreationTime"), "nextReportCreationTime")
        schedule = self.book.schedule(app_id, call.principal.seller, spec, body["period"],
                                      first)
        return json_reply(201, {"reportScheduleId": schedule.schedule_id})

    async def get_schedules(self, call: Call) -> Reply:
        app_id, seller_id = self._ready(call)
        types = (call.params or {}).get("reportTypes") or ()
        found = self.book.schedules(app_id, seller_id, types)
        return json_reply(200, {"reportSchedules": [schedule_json(s) for s in found]})

    def _schedule(self, call: Call) -> Schedule:
        app_id, seller_id = self._ready(call)
        schedule_id = call.path_params["reportScheduleId"]
        schedule = self.book.find_schedule(app_id, seller_id, schedule_id)
        if schedule is None:
            raise NotFound(f"Report schedule {schedule_id} was not found.")
        return schedule

    async def get_schedule(self, call: Call) -> Reply:
        return json_reply(200, schedule_json(self._schedule(call)))

    async def cancel_schedule(self, call: Call) -> Reply:
        self.book.cancel_schedule(self._schedule(call))
        return Reply(200, b"", None)

    # -- documents ------------------------------------------------------------------------

    async def get_document(self, call: Call) -> Reply:
        app_id, seller_id = self._ready(call)
        document_id = call.path_params["reportDocumentId"]
        found = self.book.document(app_id, seller_id, document_id)
        if found is None:
            # What Amazon answers an id it does not know (jl#671: 400, "Invalid Report
            # Document ID"); a 404 would be as plausible.
            raise InvalidInput("Invalid Report Document ID")
        report, document = found
        if report.report_type in RESTRICTED_TYPES and call.principal.kind != "rdt":
            raise AccessDenied(message=FORBIDDEN)
        body: dict[str, Any] = {"reportDocumentId": document_id,
                                "url": self.context.documents.url(document, "GET")}
        if document.compression is not None:
            body["compressionAlgorithm"] = document.compression
        return json_reply(200, body)


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    api = ReportsApi(context)
    for operation, handler in (
        ("createReport", api.create_report), ("getReport", api.get_report),
        ("cancelReport", api.cancel_report), ("getReports", api.get_reports),
        ("createReportSchedule", api.create_schedule),
        ("getReportSchedules", api.get_schedules), ("getReportSchedule", api.get_schedule),
        ("cancelReportSchedule", api.cancel_schedule),
        ("getReportDocument", api.get_document),
    ):
        registry.register(f"{MODEL}.{operation}", handler)
    return api
