"""The reports and feeds page's view: each job with its lifecycle timeline and its documents,
and the documents themselves for download (a report's made on first request, as the API
does)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.business.jobs import CANCELLED, DONE, FATAL, IN_PROGRESS, IN_QUEUE
from emulator.inspector.sources import Sources
from emulator.runtime.clock import iso
from emulator.runtime.documents import Document

LISTED = 200  # most recent jobs of each kind on the page
ENDS = {DONE: "done", CANCELLED: "cancelled", FATAL: "fatal"}


@dataclass(frozen=True)
class JobRow:
    kind: str  # report | feed
    job_id: str
    job_type: str
    status: str
    seller_id: str
    app_id: str | None
    marketplaces: str
    timeline: list[tuple[str, str]]  # (status, emulator time) reached so far
    documents: list[tuple[str, str]]  # (what, document id)
    extra: list[tuple[str, Any]]


def _timeline(job: Any) -> list[tuple[str, str]]:
    steps = [(IN_QUEUE, iso(job.created))]
    if job.started is not None:
        steps.append((IN_PROGRESS, iso(job.started)))
    if job.ended is not None or job.status in ENDS:
        moment = job.ended if job.ended is not None else job.created
        steps.append((job.status, iso(moment)))
    return steps


def rows(sources: Sources, seller_id: str | None) -> tuple[list[JobRow], list[JobRow]]:
    """(reports, feeds) of a seller (or every seller), newest first."""
    reports: list[JobRow] = []
    feeds: list[JobRow] = []
    sources.scheduler.run_due()
    if sources.reports is not None:
        for report in _newest(sources.reports.jobs.values(), seller_id):
            extra: list[tuple[str, Any]] = [
                ("data", f"{iso(report.data_start)[:16]} to {iso(report.data_end)[:16]}")]
            if report.options:
                extra.append(("options", report.options))
            if report.schedule_id:
                extra.append(("schedule", report.schedule_id))
            reports.append(JobRow(
                "report", report.report_id, report.report_type, report.status,
                report.seller_id, report.app_id, ", ".join(report.marketplace_ids),
                _timeline(report),
                [("document", report.document_id)] if report.document_id else [], extra))
    if sources.feeds is not None:
        for feed in _newest(sources.feeds.jobs.values(), seller_id):
            documents = [("input", feed.input_document_id)]
            if feed.result_document_id:
                documents.append(("processing report", feed.result_document_id))
            feeds.append(JobRow(
                "feed", feed.feed_id, feed.feed_type, feed.status, feed.seller_id,
                feed.app_id, ", ".join(feed.marketplace_ids), _timeline(feed), documents,
                [("options", feed.options)] if feed.options else []))
    return reports, feeds


def _newest(jobs: Any, seller_id: str | None) -> list[Any]:
    found = [j for j in list(jobs) if seller_id is None or j.seller_id == seller_id]
    found.sort(key=lambda j: (j.created, j.job_id), reverse=True)
    return found[:LISTED]


def document(sources: Sources, document_id: str) -> Document | None:
    """A report or feed document with its bytes (a settlement report's made now)."""
    found = sources.documents.get(document_id)
    if found is None:
        return None
    if found.content is None and found.kind == "report" and sources.reports is not None:
        # The book makes it on first request; it sees it as the app that owns the report.
        made = sources.reports.document(found.app_id, found.seller_id, document_id)
        return made[1] if made is not None else found
    return found
