"""getReports and getFeeds: one set of listing rules for both, as Amazon has one.

Either the types filter or a nextToken is required, and a nextToken must come alone (Amazon
names the other parameters it refuses, in reverse model order, models#2414); createdSince
defaults to 90 days ago and never reaches past the 90 days jobs are kept; pages are newest
first. The token carries the filters, so it is sent alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from emulator.business.jobs import DAY, RETENTION
from emulator.families import ApiContext, common
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput
from emulator.runtime.paging import TokenRejected


class Job(Protocol):
    """A report or a feed, as far as listing them goes."""

    created: float
    status: str
    marketplace_ids: tuple[str, ...]


@dataclass(frozen=True)
class JobListing:
    name: str  # the answer's list key and the page tokens' listing: "reports", "feeds"
    types_parameter: str  # "reportTypes", "feedTypes"
    parameters: tuple[str, ...]  # the filters, in the order Amazon names them with nextToken
    type_of: Callable[[Any], str]
    id_of: Callable[[Any], str]

    def page(self, context: ApiContext, call: Call, app_id: str, seller_id: str,
             jobs: Iterable[Any]) -> tuple[list[Any], str | None]:
        """The page of `jobs` (newest first) the call asks for, and the next page's token."""
        params = call.params or {}
        key = f"{app_id}|{seller_id}"
        token = params.get("nextToken")
        if token is not None:
            filters, cursor = self._resume(context, call, token, key)
        else:
            filters, cursor = self._filters(context, params), None
        found = [job for job in jobs if self._matches(job, filters)]
        if cursor is not None:
            found = [job for job in found if (job.created, self.id_of(job)) < tuple(cursor)]
        page = found[:filters["size"]]
        if len(found) <= len(page):
            return page, None
        last = page[-1]
        return page, context.page_tokens.issue(
            self.name, key, {}, {"f": filters, "c": [last.created, self.id_of(last)]})

    def _resume(self, context: ApiContext, call: Call, token: str,
                key: str) -> tuple[dict[str, Any], list[Any]]:
        others = [name for name in self.parameters if name in call.query]
        if others:
            raise InvalidInput("NextToken cannot be specified with other input parameters",
                               details="".join(f"{name};" for name in others))
        try:
            position = context.page_tokens.read(token, self.name, key, {})
        except TokenRejected as error:
            raise common.token_error(error) from None
        return position["f"], position["c"]

    def _filters(self, context: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
        types = params.get(self.types_parameter)
        if not types:
            raise InvalidInput(f"Either {self.types_parameter} or nextToken is required.")
        now = context.clock.now()
        since = _optional_time(params, "createdSince")
        since = max(since if since is not None else now - 90 * DAY, now - RETENTION)
        until = _optional_time(params, "createdUntil")
        until = now if until is None else until
        if since > until:
            raise InvalidInput("createdSince is after createdUntil")
        return {"types": sorted(types), "statuses": params.get("processingStatuses"),
                "markets": params.get("marketplaceIds"), "since": since, "until": until,
                "size": params.get("pageSize", 10)}

    def _matches(self, job: Any, filters: dict[str, Any]) -> bool:
        statuses, markets = filters["statuses"], filters["markets"]
        return (self.type_of(job) in filters["types"]
                and (not statuses or job.status in statuses)
                and (not markets or any(m in markets for m in job.marketplace_ids))
                and filters["since"] <= job.created <= filters["until"])


def _optional_time(params: dict[str, Any], name: str) -> float | None:
    value = params.get(name)
    return None if value is None else common.parse_time(str(value), name)
