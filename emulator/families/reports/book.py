"""Reports 2021-06-30: the lifecycle of reports and report schedules, per app and seller, on
the emulator clock. Plain Python; the HTTP side is emulator/families/reports/handlers.py.

A report goes IN_QUEUE -> IN_PROGRESS -> DONE (document made from the seller's state at that
moment), CANCELLED (cancelled while queued, or nothing to report: no document) or FATAL
(invalid report options: an error document). Each step is an action on the scheduler, at a
time drawn per report from `--lifecycle` (instant: none; fast: a few seconds; realistic:
minutes, as Amazon; the lifecycle is `emulator.business.jobs`', shared with feeds).
REPORT_FINISHED is published when a report ends.

Reports belong to the app that requested them and the seller they describe; settlement
reports belong to the seller (Amazon makes them, every app sees them). Schedules create a
report every period, the schedule's id on it. Amazon keeps reports 90 days; so does this book
(and no more than `jobs.MAX_JOBS`; a forgotten report's document goes with it).

In the state file (the book is the record section "reports"): every report, every active
schedule, how far each seller's settlements were made, and the id counters.
"""

from __future__ import annotations

import calendar
import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from emulator.auth.accounts import Seller
from emulator.business import snapshot
from emulator.business.documents import DAY, EncodedDocument, error_document, type_code
from emulator.business.jobs import (
    CANCELLED,
    DONE,
    FATAL,
    IN_QUEUE,
    RETENTION,
    JobBook,
    known_seller,
)
from emulator.business.store import SellerState, StateStore
from emulator.families.reports.generators.base import InvalidOptions, NoData, ReportRequest, encode
from emulator.families.reports.generators.settlement import (
    SETTLEMENT_TYPE,
    closed_periods,
    next_close,
)
from emulator.families.reports.types import FAMILIES, SETTLEMENT_CODES
from emulator.runtime import events
from emulator.runtime.clock import Clock
from emulator.runtime.documents import Document, DocumentStore
from emulator.runtime.rng import Randomness
from emulator.runtime.scheduler import Scheduler

# A dated report (orders) asked without dataStartTime covers the 30 days before its end. The
# model says the default is "now", which would select nothing; Amazon's order reports are
# documented for ranges up to 30 days, so this is what a developer expects.
DEFAULT_RANGE = 30 * DAY
# Clients compute "now" on their own clock; a dataEndTime this far past the emulator's is
# still taken as now.
CLOCK_SKEW = 60.0
_PERIOD = re.compile(r"P(?:(\d+)M|(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?")


class ReportError(ValueError):
    """A request the Reports API refuses (400 InvalidInput), with Amazon's message."""


@dataclass(frozen=True)
class ReportSpec:
    """What createReport or createReportSchedule asks for."""

    report_type: str
    marketplace_ids: tuple[str, ...]
    options: Mapping[str, str] = field(default_factory=dict)
    data_start: float | None = None
    data_end: float | None = None


@dataclass
class Report:
    report_id: str
    report_type: str
    seller: Seller
    app_id: str | None  # None: made by Amazon (settlement), seen by every app
    marketplace_ids: tuple[str, ...]
    options: dict[str, str]
    created: float
    data_start: float
    data_end: float
    schedule_id: str | None = None
    status: str = IN_QUEUE
    started: float | None = None
    ended: float | None = None
    document_id: str | None = None

    @property
    def job_id(self) -> str:
        return self.report_id

    @property
    def seller_id(self) -> str:
        return self.seller.seller_id


@dataclass
class Schedule:
    schedule_id: str
    report_type: str
    seller: Seller
    app_id: str
    marketplace_ids: tuple[str, ...]
    options: dict[str, str]
    period: str
    next_time: float
    active: bool = True


def next_time(period: str, after: float) -> float:
    """`after` plus one ISO 8601 period of the model's enum (P1M: one calendar month)."""
    match = _PERIOD.fullmatch(period)
    if match is None or not any(match.groups()):
        raise ReportError(f"Invalid period {period!r}.")
    months, days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    if months:
        moment = datetime.fromtimestamp(after, UTC)
        month_index = moment.month - 1 + months
        year, month = moment.year + month_index // 12, month_index % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day).timestamp()
    return after + days * DAY + hours * 3600 + minutes * 60


class ReportBook(JobBook[Report]):
    kind = "report"
    error = ReportError
    job_type = Report

    def __init__(self, store: StateStore, documents: DocumentStore, scheduler: Scheduler,
                 clock: Clock, randomness: Randomness, lifecycle: str,
                 known: Callable[[str], bool]) -> None:
        super().__init__(store, scheduler, clock, randomness, lifecycle)
        self.documents = documents
        self.known = known  # whether Amazon knows a report type
        self._by_document: dict[str, Report] = {}
        self._schedules: dict[str, Schedule] = {}
        self._settled: dict[str, float] = {}  # seller id -> settlements made up to
        self._settle_due: dict[str, float] = {}  # seller id -> its open period's close
        # Schedule ids grow like report ids, from their own start on the same seeded stream.
        self._next_schedule = 50_000_000_000 + self.id_stream.randrange(10**9) * 10

    def clear(self) -> None:
        """Forget every report, schedule and settlement (the state was reset)."""
        super().clear()
        for schedule in self._schedules.values():
            schedule.active = False
        self._by_document.clear()
        self._schedules.clear()
        self._settled.clear()
        self._settle_due.clear()

    def forgotten(self, report: Report) -> None:
        if report.document_id is not None:
            self._by_document.pop(report.document_id, None)
            self.documents.remove(report.document_id)

    # -- requests -------------------------------------------------------------------------

    def check(self, seller: Seller, spec: ReportSpec, now: float) -> None:
        """Refuse what createReport and createReportSchedule refuse, with Amazon's message."""
        code = SETTLEMENT_CODES.get(spec.report_type)
        if code is not None:
            raise ReportError(f"Request for report type {code} is not allowed at this time")
        if not self.known(spec.report_type):
            # Amazon's message for an unknown type (seen on getReports, models#1926).
            raise ReportError(f"Invalid Report Type {spec.report_type}")
        foreign = [m for m in spec.marketplace_ids if m not in seller.marketplace_ids]
        if foreign:
            raise ReportError(f"Invalid marketplaceIds: the seller does not sell in "
                              f"{', '.join(foreign)}.")
        start, end = spec.data_start, spec.data_end
        for name, value in (("dataStartTime", start), ("dataEndTime", end)):
            if value is not None and value > now + CLOCK_SKEW:
                raise ReportError(f"{name} cannot be in the future.")
        if start is not None and end is not None and start > end:
            raise ReportError("dataStartTime is after dataEndTime")

    def create(self, app_id: str | None, seller: Seller, spec: ReportSpec,
               when: float | None = None, schedule_id: str | None = None) -> Report:
        """A new report, queued at `when` (default now); its lifecycle runs on the clock."""
        created = self.clock.now() if when is None else when
        start, end = self._range(spec, created)
        return self.queue(Report(self.new_id(), spec.report_type, seller, app_id,
                                 spec.marketplace_ids, dict(spec.options), created, start, end,
                                 schedule_id))

    def _range(self, spec: ReportSpec, created: float) -> tuple[float, float]:
        family = FAMILIES.get(spec.report_type)
        end = min(spec.data_end, created) if spec.data_end is not None else created
        if spec.data_start is not None:
            return min(spec.data_start, end), end
        dated = family is None or family.dated
        return (end - DEFAULT_RANGE if dated else end), end

    def realistic_processing(self, report: Report, rnd: random.Random) -> float:
        family = FAMILIES.get(report.report_type)
        weight = family.weight if family is not None else 1.0
        return rnd.uniform(30, 120) * weight

    # -- lifecycle ------------------------------------------------------------------------

    def process(self, report: Report, when: float) -> str:
        """Makes the document from the seller's state now."""
        status, encoded = self._generate(report)
        if encoded is not None:
            report.document_id = self._store_document(report, encoded, when)
        return status

    def _generate(self, report: Report) -> tuple[str, EncodedDocument | None]:
        """The report's outcome and document, from the seller's state now."""
        family = FAMILIES.get(report.report_type)
        if family is None:
            return CANCELLED, None
        request = ReportRequest(report.report_type, report.marketplace_ids, report.data_start,
                                report.data_end, report.options, self.randomness)
        try:
            return DONE, encode(family.generate(self._state(report), request))
        except NoData:
            return CANCELLED, None  # nothing to report: no document (Amazon)
        except InvalidOptions as error:
            return FATAL, error_document(str(error))

    def _state(self, report: Report) -> SellerState:
        return self.store.of(report.seller)

    def _store_document(self, report: Report, encoded: EncodedDocument | None,
                        when: float) -> str:
        """Keeps a report's document; without `encoded`, it is made on first request."""
        market = self._state(report).market(report.marketplace_ids[0])
        region = market.region if market is not None else report.seller.region
        document_id = self.documents.new_id(region, type_code(report.report_type))
        self.documents.add(Document(
            document_id=document_id, kind="report", app_id=report.app_id or "",
            seller_id=report.seller_id, created=when, content_type="",
            report_type=report.report_type,
        ))
        self._by_document[document_id] = report
        if encoded is not None:
            self._fill(document_id, encoded)
        return document_id

    def _fill(self, document_id: str, encoded: EncodedDocument) -> None:
        document = self.documents.get(document_id)
        assert document is not None
        document.content, document.content_type = encoded.content, encoded.content_type
        document.compression = encoded.compression
        self.documents.changed(document)

    def publish(self, report: Report, when: float) -> None:
        self.store.events.publish(events.Event(
            events.REPORT_FINISHED, report.seller_id, when,
            {"report_id": report.report_id, "report_type": report.report_type,
             "processing_status": report.status, "report_document_id": report.document_id},
            report.app_id,
        ))

    # -- reading --------------------------------------------------------------------------

    def reports(self, app_id: str, seller_id: str) -> list[Report]:
        """The reports an app sees for a seller, newest first (the order getReports lists)."""
        return self.listed(app_id, seller_id)

    def document(self, app_id: str, seller_id: str,
                 document_id: str) -> tuple[Report, Document] | None:
        report = self._by_document.get(document_id)
        document = self.documents.get(document_id)
        if report is None or document is None or not self.visible(report, app_id, seller_id):
            return None
        if document.content is None:  # a settlement report's, made on first request
            _, encoded = self._generate(report)
            self._fill(document_id, encoded or error_document("No data."))
        return report, document

    # -- schedules ------------------------------------------------------------------------

    def schedule(self, app_id: str, seller: Seller, spec: ReportSpec, period: str,
                 first: float | None) -> Schedule:
        """createReportSchedule. A schedule of the same report type and marketplaces is
        replaced (the model's description). Without nextReportCreationTime, the first report
        comes one period from now."""
        now = self.clock.now()
        for old in self.schedules(app_id, seller.seller_id, (spec.report_type,)):
            if set(old.marketplace_ids) == set(spec.marketplace_ids):
                self.cancel_schedule(old)
        when = max(first, now) if first is not None else next_time(period, now)
        self._next_schedule += 1 + self.randomness.stream.randrange(7)
        self.touch("ids")
        schedule = Schedule(str(self._next_schedule), spec.report_type, seller, app_id,
                            spec.marketplace_ids, dict(spec.options), period, when)
        self._schedules[schedule.schedule_id] = schedule
        self.touch(f"schedule/{schedule.schedule_id}")
        self._arm_schedule(schedule)
        return schedule

    def _arm_schedule(self, schedule: Schedule) -> None:
        when = schedule.next_time
        self.scheduler.at(when, lambda: self._run(schedule, when))

    def _run(self, schedule: Schedule, when: float) -> None:
        if not schedule.active or schedule.next_time != when:
            return
        following = next_time(schedule.period, when)
        # A scheduled report covers the period that just ended (as long as the next one).
        spec = ReportSpec(schedule.report_type, schedule.marketplace_ids, schedule.options,
                          when - (following - when), when)
        self.create(schedule.app_id, schedule.seller, spec, when, schedule.schedule_id)
        schedule.next_time = following
        self.touch(f"schedule/{schedule.schedule_id}")
        self._arm_schedule(schedule)

    def schedules(self, app_id: str, seller_id: str,
                  report_types: Iterable[str]) -> list[Schedule]:
        wanted = set(report_types)
        return [s for s in self._schedules.values()
                if s.active and s.app_id == app_id and s.seller.seller_id == seller_id
                and s.report_type in wanted]

    def find_schedule(self, app_id: str, seller_id: str, schedule_id: str) -> Schedule | None:
        schedule = self._schedules.get(schedule_id)
        if (schedule is None or not schedule.active or schedule.app_id != app_id
                or schedule.seller.seller_id != seller_id):
            return None
        return schedule

    def cancel_schedule(self, schedule: Schedule) -> None:
        schedule.active = False  # its next run, already on the scheduler, does nothing
        self._schedules.pop(schedule.schedule_id, None)
        self.touch(f"schedule/{schedule.schedule_id}")

    # -- settlement -----------------------------------------------------------------------

    def settle(self, seller: Seller, now: float | None = None) -> None:
        """Amazon's settlement reports: one for each settlement period that closed in the
        last 90 days (made when the seller's reports are first looked at), then one at each
        period's close, on the clock. Between two closes this is a dictionary lookup. `now`:
        the moment to settle at (a close the living store reached; a scheduled close that runs
        after a clock jump), else the clock's."""
        seller_id = seller.seller_id
        if now is None:
            now = self.scheduler.current or self.clock.now()
        due = self._settle_due.get(seller_id)
        if due is not None and now < due:
            return
        state = self.store.of(seller)
        since = self._settled.get(seller_id, now - RETENTION)
        for start, end, market_id in closed_periods(state, self.store.seed, since, now):
            self._settlement_report(seller, ReportSpec(SETTLEMENT_TYPE, (market_id,), {},
                                                       start, end))
        self._settled[seller_id] = now
        self.touch(f"settled/{seller_id}")
        self._settle_due[seller_id] = close = next_close(state, now)
        # Come back at the close even if nobody asks: REPORT_FINISHED is published then.
        self.scheduler.at(close, lambda: self.settle(seller))

    def _settlement_report(self, seller: Seller, spec: ReportSpec) -> None:
        """A settlement report, DONE as its period closes. A closed period never changes, so
        its document is made when first asked for: the same bytes as at the close, without
        making every past period's document when a seller with 100k orders is first seen."""
        end = spec.data_end
        assert end is not None
        report = self.create(None, seller, spec, end)
        report.status, report.started, report.ended = DONE, end, end
        report.document_id = self._store_document(report, None, end)
        self.publish(report, end)

    # -- the state file -------------------------------------------------------------------

    def record(self, key: str) -> Any | None:
        kind, _, name = key.partition("/")
        if kind == "schedule":
            schedule = self._schedules.get(name)
            return snapshot.dump(schedule) if schedule is not None else None
        if kind == "settled":
            return self._settled.get(name)
        return super().record(key)

    def records(self) -> Iterable[tuple[str, Any]]:
        yield from super().records()
        for schedule in list(self._schedules.values()):
            yield f"schedule/{schedule.schedule_id}", snapshot.dump(schedule)
        for seller_id, until in list(self._settled.items()):
            yield f"settled/{seller_id}", until

    def load(self, key: str, value: Any | None) -> None:
        kind, _, name = key.partition("/")
        if kind == "schedule":
            if value is None:
                self._schedules.pop(name, None)
                return
            schedule = snapshot.load(Schedule, value, key)
            if schedule.schedule_id != name:
                raise ValueError(f"its id is {schedule.schedule_id!r}")
            schedule.seller = known_seller(self.store.accounts, schedule.seller)
            self._schedules[name] = schedule
        elif kind == "settled":
            if value is None:
                self._settled.pop(name, None)
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError("expected a time")
            else:
                self._settled[name] = float(value)
        else:
            super().load(key, value)

    def counters(self) -> dict[str, int]:
        return {**super().counters(), "next_schedule": self._next_schedule}

    def load_counters(self, value: Any) -> None:
        super().load_counters(value)
        if not isinstance(value.get("next_schedule"), int):
            raise ValueError('expected {"next": N, "next_schedule": N}')
        self._next_schedule = value["next_schedule"]

    def resume(self) -> None:
        self._by_document = {r.document_id: r for r in self.jobs.values()
                             if r.document_id is not None}
        super().resume()
        for schedule in self._schedules.values():
            self._arm_schedule(schedule)
