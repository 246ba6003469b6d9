"""What a request says that its answer should agree with, read once per synthesized answer.

From the validated, typed parameters of a request: every value it names (by normalized name,
so `MarketplaceIds` and `marketplaceId` meet), the lists of records its body carries, its date
window, its page size and, for an `interval` with a `granularity`, the buckets of that interval.
Plain data, no HTTP; `emulator/models/steer.py` uses it to steer the synthesizer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.models.spec import Operation

# Query parameters that cap how many items a page holds (pageSize 26x, limit 12x, maxResults
# 6x, MaxResultsPerPage 6x in the models).
PAGE_SIZE_NAMES = frozenset({"pagesize", "maxresults", "maxresultsperpage", "limit",
                             "maxcount", "maxpagesize", "maxitems"})
# Words that open ("after") or close ("before") a date window, in parameter names.
_LOW_WORDS = frozenset({"after", "start", "from", "since", "begin", "earliest"})
_HIGH_WORDS = frozenset({"before", "end", "to", "until", "latest"})
_WORD_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_DATE_TEXT = re.compile(
    r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?([Zz]|[+-]\d{2}:?\d{2})?")
# Amazon's intervals: "2018-09-01T00:00:00-07:00--2018-09-04T00:00:00-07:00" (Sales API).
_INTERVAL_SEPARATOR = "--"
GRANULARITIES = ("hour", "day", "week", "month", "year", "total")
# More buckets than this are cut: Amazon allows Hour over 30 days (720) and Day over 2 years.
MAX_BUCKETS = 1000


@functools.cache
def norm(name: str) -> str:
    """A name without case or separators: `MarketplaceIds`, `marketplace_ids` -> marketplaceids."""
    return "".join(c for c in name.lower() if c.isalnum())


@functools.cache
def base(name: str) -> str:
    """The normalized singular of a name, so a list parameter meets its item's field
    (`Asins` -> asin, `sellerSkus` -> sellersku). Applied to both sides, so it only has to be
    consistent, not good English."""
    n = norm(name)
    if len(n) > 3 and n.endswith("ies"):
        return n[:-3] + "y"
    if len(n) > 3 and n.endswith("s") and not n.endswith("ss"):
        return n[:-1]
    return n


@functools.cache
def words(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD_RE.findall(name))


def parse_moment(value: Any) -> datetime | None:
    """An ISO 8601 date or date-time as an aware datetime (naive means UTC), or None."""
    if not isinstance(value, str) or not _DATE_TEXT.fullmatch(value.strip()):
        return None
    text = value.strip().replace("z", "Z").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Bucket:
    """One interval of a granularity: [start, end) and how the answer writes it."""

    start: float
    end: float
    label: str


@dataclass
class RequestFacts:
    # Every scalar value the request names, by base name, in request order (no repeats).
    values: dict[str, list[Any]] = field(default_factory=dict)
    # Lists of records (body arrays of objects, or query lists of identifiers): each record
    # maps base names to the scalar values it carries.
    records: list[list[dict[str, Any]]] = field(default_factory=list)
    low: float | None = None  # the date window the request asks about, epoch seconds
    high: float | None = None
    page_size: int | None = None
    interval: str | None = None
    buckets: list[Bucket] | None = None
    _lows: list[float] = field(default_factory=list, repr=False)
    _highs: list[float] = field(default_factory=list, repr=False)

    @classmethod
    def of(cls, operation: Operation, params: Mapping[str, Any]) -> RequestFacts:
        """The facts of a validated request (`params`: typed parameters by model name)."""
        facts = cls()
        skipped = {p["name"] for p in operation.parameters_in("header")}
        lows: list[float] = []
        highs: list[float] = []
        granularity: str | None = None
        first_day = "monday"
        for name, value in params.items():
            if name in skipped:
                continue
            n = norm(name)
            if n in PAGE_SIZE_NAMES and isinstance(value, int) and not isinstance(value, bool):
                facts.page_size = value if value > 0 else None
            if n == "granularity" and isinstance(value, str):
                granularity = value.lower()
            if n == "firstdayofweek" and isinstance(value, str):
                first_day = value.lower()
            if n == "interval" and isinstance(value, str):
                window = _interval(value)
                if window is not None:
                    facts.interval = value
                    lows.append(window[0].timestamp())
                    highs.append(window[1].timestamp())
            facts._take(name, value)
        lows += facts._lows
        highs += facts._highs
        if lows:
            facts.low = max(lows)
        if highs:
            facts.high = min(highs)
        if facts.low is not None and facts.high is not None and facts.low > facts.high:
            facts.low = facts.high = None  # a window that contradicts itself says nothing
        if facts.interval is not None and granularity in GRANULARITIES:
            facts.buckets = buckets(facts.interval, granularity, first_day)
        return facts

    def _take(self, name: str, value: Any) -> None:
        key = base(name)
        if "token" in key:  # paging tokens are answered, never echoed
            return
        if isinstance(value, dict):
            for inner, item in value.items():
                self._take(inner, item)
        elif isinstance(value, list):
            scalars = [v for v in value if _scalar(v)]
            objects = [v for v in value if isinstance(v, dict)]
            for item in scalars:
                self._add(key, item)
            if scalars and _identifier(key):
                self.records.append([{key: item} for item in scalars])
            if objects:
                self.records.append([_flat(item) for item in objects])
                for item in objects:
                    self._take(name, item)
        elif _scalar(value):
            self._add(key, value)
            moment = parse_moment(value)
            side = _window_side(name) if moment is not None else None
            if side is not None:
                (self._lows if side == "low" else self._highs).append(moment.timestamp())

    def _add(self, key: str, value: Any) -> None:
        known = self.values.setdefault(key, [])
        if value not in known:
            known.append(value)


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _identifier(key: str) -> bool:
    """Whether a base name identifies a record (one answer item per value it lists)."""
    return key != "marketplaceid" and (key.endswith("id") or "sku" in key or "asin" in key)


def _flat(record: Mapping[str, Any]) -> dict[str, Any]:
    return {base(k): v for k, v in record.items() if _scalar(v)}


def _window_side(name: str) -> str | None:
    found = set(words(name))
    if found & _LOW_WORDS:
        return "low"
    if found & _HIGH_WORDS:
        return "high"
    return None


def _interval(text: str) -> tuple[datetime, datetime] | None:
    start, separator, end = text.partition(_INTERVAL_SEPARATOR)
    if not separator:
        return None
    low, high = parse_moment(start), parse_moment(end)
    if low is None or high is None or low >= high:
        return None
    return low, high


def _label(moment: datetime, zulu: bool) -> str:
    """Amazon's bucket boundaries: minutes and the request's offset ("2018-05-01T00:00-07:00")."""
    text = moment.strftime("%Y-%m-%dT%H:%M")
    if zulu:
        return text + "Z"
    offset = moment.strftime("%z")
    return f"{text}{offset[:3]}:{offset[3:]}"


def _floor(moment: datetime, granularity: str, first_day: str) -> datetime:
    if granularity == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "day":
        return day
    if granularity == "week":
        start = 0 if first_day == "monday" else 6  # weekday() of the week's first day
        return day - timedelta(days=(day.weekday() - start) % 7)
    if granularity == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def _step(moment: datetime, granularity: str) -> datetime:
    if granularity == "hour":
        return moment + timedelta(hours=1)
    if granularity == "day":
        return moment + timedelta(days=1)
    if granularity == "week":
        return moment + timedelta(days=7)
    if granularity == "month":
        if moment.month == 12:
            return moment.replace(year=moment.year + 1, month=1)
        return moment.replace(month=moment.month + 1)
    return moment.replace(year=moment.year + 1)


def buckets(interval: str, granularity: str, first_day: str = "monday") -> list[Bucket] | None:
    """The buckets an interval has at a granularity, aligned to the granularity in the
    interval's own offset (Amazon: a head or tail that does not align holds partial data).
    `Total` is one bucket, the interval itself."""
    window = _interval(interval)
    if window is None:
        return None
    start, end = window
    zone = start.tzinfo or UTC
    zulu = interval.split(_INTERVAL_SEPARATOR)[0].strip().upper().endswith("Z")
    end = end.astimezone(zone)
    if granularity == "total":
        return [Bucket(start.timestamp(), end.timestamp(), f"{_label(start, zulu)}--"
                       f"{_label(end, zulu)}")]
    found: list[Bucket] = []
    moment = _floor(start, granularity, first_day)
    while moment < end and len(found) < MAX_BUCKETS:
        following = _step(moment, granularity)
        found.append(Bucket(moment.timestamp(), following.timestamp(),
                            f"{_label(moment, zulu)}--{_label(following, zulu)}"))
        moment = following
    return found
