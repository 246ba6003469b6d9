"""getReports and getFeeds over HTTP: one set of listing rules for both APIs, as the emulator
has one implementation of them (emulator/families/job_listing.py). Each test runs once per API
through a small adapter (how to create a job of a type, the list operation, its parameter and
answer names); every answer is checked against that API's model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
import pytest

from emulator.app import EmulatorApp
from emulator.harness.embedded import Running
from tests.conftest import TokenSource
from tests.test_feeds import XML_TYPE, Feeds, feeds_of
from tests.test_reports import CA, MX, US, Reports, iso, reports_of, seller_token


@dataclass
class Jobs:
    """One API's jobs (reports or feeds) as the listing tests see them."""

    client: Reports | Feeds
    operation: str  # the list operation: "getReports", "getFeeds"
    path: str  # its path under the API's base: "/reports", "/feeds"
    types: str  # the types parameter: "reportTypes", "feedTypes"
    key: str  # the answer's list key: "reports", "feeds"
    id_field: str  # "reportId", "feedId"
    # Job types only one test uses, by the test's name: real report types no test makes
    # (Amazon refuses unknown ones); any made-up name for feeds (it ends FATAL).
    spare_types: dict[str, str] | None
    ended: str  # how a job of a type no generator/processor knows ends
    new_job: Callable[[str, tuple[str, ...]], str]  # (type, marketplaces) -> id
    finish_job: Callable[[str], dict[str, Any]]  # moves the clock until the job ends

    @property
    def app(self) -> EmulatorApp:
        return self.client.app

    def unique_type(self, name: str) -> str:
        """A job type only this test uses (nothing processes it: it ends `ended`)."""
        if self.spare_types is not None:
            return self.spare_types[name]
        return f"EMULATOR_TEST_{name}_{time.monotonic_ns()}"

    def create(self, job_type: str, markets: tuple[str, ...] = (US,)) -> str:
        return self.new_job(job_type, markets)

    def finish(self, job_id: str) -> str:
        """The status the job ends in."""
        return str(self.finish_job(job_id)["processingStatus"])

    def send(self, **params: Any) -> httpx.Response:
        """The list operation, checked against the model whatever its status."""
        return self.client.send(self.operation, "GET", self.path, params=params)

    def listing(self, **params: Any) -> dict[str, Any]:
        response = self.send(**params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def ids(self, page: dict[str, Any]) -> list[str]:
        return [job[self.id_field] for job in page[self.key]]

    def empty(self) -> dict[str, Any]:
        return {self.key: []}


REPORT_TYPES = {"PAGING": "GET_EPR_MONTHLY_REPORTS", "FILTERS": "GET_EPR_QUARTERLY_REPORTS",
                "OTHER": "GET_EPR_ANNUAL_REPORTS", "RULES": "GET_FBA_UNO_INVENTORY_DATA",
                "OWNER": "RFQD_BULK_DOWNLOAD"}


def reports_jobs(server: Running, token: str) -> Iterator[Jobs]:
    for reports in reports_of(server, token):
        yield Jobs(reports, "getReports", "/reports", "reportTypes", "reports", "reportId",
                   spare_types=REPORT_TYPES, ended="CANCELLED", new_job=reports.create,
                   finish_job=partial(reports.finish, step=2))


@dataclass
class _FeedMaker:
    """createFeed with one uploaded input document per test, as each feeds test did."""

    feeds: Feeds
    document: list[str] = field(default_factory=list)

    def __call__(self, feed_type: str, markets: tuple[str, ...]) -> str:
        if not self.document:
            self.document.append(self.feeds.upload(b"x", XML_TYPE))
        return self.feeds.create(feed_type, self.document[0], markets)


def feeds_jobs(server: Running, token: str) -> Iterator[Jobs]:
    for feeds in feeds_of(server, token):
        yield Jobs(feeds, "getFeeds", "/feeds", "feedTypes", "feeds", "feedId",
                   spare_types=None, ended="FATAL", new_job=_FeedMaker(feeds),
                   finish_job=feeds.finish)


APIS: dict[str, Callable[[Running, str], Iterator[Jobs]]] = {
    "reports": reports_jobs, "feeds": feeds_jobs}


@pytest.fixture(params=list(APIS))
def api(request: pytest.FixtureRequest) -> Callable[[Running, str], Iterator[Jobs]]:
    return APIS[request.param]


@pytest.fixture
def jobs(api: Callable[[Running, str], Iterator[Jobs]], emulator: Running,
         tokens: TokenSource) -> Iterator[Jobs]:
    yield from api(emulator, tokens.seller())


def test_pages_newest_first(jobs: Jobs) -> None:
    job_type = jobs.unique_type("PAGING")
    created = [jobs.create(job_type) for _ in range(5)]
    seen: list[str] = []
    page = jobs.listing(**{jobs.types: job_type, "pageSize": 2})
    pages = 1
    while True:
        assert len(page[jobs.key]) <= 2
        seen.extend(jobs.ids(page))
        if "nextToken" not in page:
            break
        page = jobs.listing(nextToken=page["nextToken"])  # the only parameter
        pages += 1
    assert pages == 3
    assert seen == list(reversed(created))


def test_filters(jobs: Jobs) -> None:
    job_type, other_type = jobs.unique_type("FILTERS"), jobs.unique_type("OTHER")
    us_job = jobs.create(job_type)
    ca_job = jobs.create(job_type, (CA,))
    mixed = jobs.create(job_type, (US, MX))
    other = jobs.create(other_type)
    both = jobs.listing(**{jobs.types: f"{job_type},{other_type}"})
    assert set(jobs.ids(both)) == {us_job, ca_job, mixed, other}
    by_market = jobs.listing(**{jobs.types: job_type, "marketplaceIds": MX})
    assert jobs.ids(by_market) == [mixed]
    by_markets = jobs.listing(**{jobs.types: job_type, "marketplaceIds": f"{CA},{MX}"})
    assert set(jobs.ids(by_markets)) == {ca_job, mixed}
    queued = jobs.listing(**{jobs.types: job_type, "processingStatuses": "IN_QUEUE"})
    assert len(queued[jobs.key]) == 3
    for job_id in (us_job, ca_job, mixed):
        assert jobs.finish(job_id) == jobs.ended  # a type nothing processes
    assert jobs.listing(**{jobs.types: job_type, "processingStatuses": "IN_QUEUE"}) == (
        jobs.empty())
    ended = jobs.listing(**{jobs.types: job_type, "processingStatuses": f"{jobs.ended},DONE"})
    assert len(ended[jobs.key]) == 3
    now = jobs.app.clock.now()
    assert jobs.listing(**{jobs.types: job_type, "createdSince": iso(now + 1),
                           "createdUntil": iso(now + 120)}) == jobs.empty()
    assert jobs.listing(**{jobs.types: job_type, "createdUntil": iso(now - 3600)}) == (
        jobs.empty())
    window = jobs.listing(**{jobs.types: job_type, "createdSince": iso(now - 3600),
                             "createdUntil": iso(now + 1)})
    assert len(window[jobs.key]) == 3
    backwards = jobs.send(**{jobs.types: job_type,
                             "createdSince": iso(now + 60)})  # until defaults to now
    assert backwards.status_code == 400


def test_rules(jobs: Jobs) -> None:
    job_type = jobs.unique_type("RULES")
    for _ in range(2):
        jobs.create(job_type)
    token = jobs.listing(**{jobs.types: job_type, "pageSize": 1})["nextToken"]
    # Amazon names the parameters sent with a nextToken in reverse model order (models#2414).
    for params, details in (({jobs.types: job_type}, f"{jobs.types};"),
                            ({"pageSize": 1}, "pageSize;"),
                            ({"pageSize": 1, "marketplaceIds": US},
                             "pageSize;marketplaceIds;"),
                            ({"pageSize": 1, "marketplaceIds": US, "createdSince": iso(0)},
                             "createdSince;pageSize;marketplaceIds;")):
        response = jobs.send(nextToken=token, **params)
        assert response.status_code == 400
        assert response.json() == {"errors": [{
            "code": "InvalidInput",
            "message": "NextToken cannot be specified with other input parameters",
            "details": details}]}
    missing = jobs.send(pageSize=5)
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["message"] == (
        f"Either {jobs.types} or nextToken is required.")
    eleven = ",".join(f"GET_TYPE_{i}" for i in range(11))
    assert jobs.send(**{jobs.types: eleven}).status_code == 400
    assert jobs.send(**{jobs.types: job_type, "pageSize": 101}).status_code == 400
    assert jobs.listing(**{jobs.types: job_type})[jobs.key]  # pageSize defaults to 10
    bad = jobs.send(nextToken="bm90IGEgdG9rZW4=")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["message"].startswith("The specified pagination token")


def test_jobs_belong_to_their_seller(jobs: Jobs, emulator: Running,
                                     api: Callable[[Running, str], Iterator[Jobs]]) -> None:
    job_type = jobs.unique_type("OWNER")
    jobs.create(job_type)
    for other in api(emulator, seller_token(emulator, 3)):  # another NA seller
        assert other.listing(**{other.types: job_type}) == other.empty()
