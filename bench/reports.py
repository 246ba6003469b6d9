"""The reports' figures: a 100k-row orders report generated end to end, and what polling a
report costs with few and with many reports on record (it must not grow with their number)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from bench.core import _access_token
from bench.servers import emulator_argv, free_port, serve

TARGETS = {"report_100k_s": 2.0, "poll_ratio": 1.5}
ORDERS_REPORT = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"


@dataclass
class ReportFigures:
    generation_seconds: list[float]
    rows: int
    poll_few_ms: float
    poll_many_ms: float

    @property
    def poll_ratio(self) -> float:
        return self.poll_many_ms / self.poll_few_ms


def _create(http: httpx.Client, report_type: str, days: int) -> str:
    start = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = http.post("/reports/2021-06-30/reports", json={
        "reportType": report_type, "marketplaceIds": ["ATVPDKIKX0DER"], "dataStartTime": start})
    response.raise_for_status()
    return str(response.json()["reportId"])


def _poll_ms(http: httpx.Client, report_id: str, times: int = 300) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        http.get(f"/reports/2021-06-30/reports/{report_id}").raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(seconds: float, runs: int) -> ReportFigures:
    port = free_port()
    argv = emulator_argv(port, "--scale", "100000", "--lifecycle", "instant", "--throttle", "off")
    with serve(argv, "/_emulator/health", port, timeout=120) as server:
        headers = _access_token(server.base_url)
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as http:
            # The seller's 100k orders are generated on first use: not part of the report.
            _create(http, "GET_MERCHANT_LISTINGS_ALL_DATA", 1)
            times, rows = [], 0
            for _ in range(max(2, runs)):
                started = time.perf_counter()
                report_id = _create(http, ORDERS_REPORT, 90)  # instant: DONE before the 202
                report = http.get(f"/reports/2021-06-30/reports/{report_id}").json()
                times.append(time.perf_counter() - started)
                document = http.get(
                    f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
            content = httpx.get(document["url"], timeout=120).content
            if document.get("compressionAlgorithm") == "GZIP":
                import gzip

                content = gzip.decompress(content)
            rows = content.count(b"\n") - 1
            few = _create(http, "GET_MERCHANT_LISTINGS_ALL_DATA", 1)
            poll_few = _poll_ms(http, few)
            for _ in range(1000):
                _create(http, "GET_V2_SELLER_PERFORMANCE_REPORT", 1)  # cheap: no generator
            poll_many = _poll_ms(http, few)
    return ReportFigures(times, rows, poll_few, poll_many)


def report(figures: ReportFigures) -> list[str]:
    generation = statistics.median(figures.generation_seconds)

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    return [
        f"reports: {ORDERS_REPORT} over 90 days of 100k orders",
        f"  createReport to document ({figures.rows} rows) {generation:6.2f} s      target <= "
        f"{TARGETS['report_100k_s']:.1f}   {verdict(generation <= TARGETS['report_100k_s'])}"
        f"  (runs: {', '.join(f'{s:.2f}' for s in figures.generation_seconds)})",
        f"  getReport, 2 reports on record   {figures.poll_few_ms:6.2f} ms",
        f"  getReport, 1000 reports on record {figures.poll_many_ms:5.2f} ms",
        f"  ratio many/few                    {figures.poll_ratio:5.2f}      target <= "
        f"{TARGETS['poll_ratio']:.1f}   {verdict(figures.poll_ratio <= TARGETS['poll_ratio'])}",
    ]
