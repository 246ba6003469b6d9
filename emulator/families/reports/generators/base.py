"""What every report generator shares: the request it answers, the document it produces, the
two ways it can refuse (no data, bad options), and Amazon's flat-file conventions.

A generator is a plain function `(state, request) -> ReportOutput` over one seller's state at
the moment the report is processed. It raises `NoData` when Amazon would cancel the report
(nothing to report) and `InvalidOptions` when Amazon would end it FATAL.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from emulator.business.marketplaces import Marketplace
from emulator.business.store import SellerState
from emulator.runtime.rng import Randomness

DAY = 86400.0
# Documents larger than this are stored gzip-compressed (compressionAlgorithm GZIP), as
# Amazon does with large reports; smaller ones are served as they are.
GZIP_THRESHOLD = 1024 * 1024
# zlib level 1 compresses a 35 MB orders report in a quarter of a second, to a quarter of its
# size; level 6 takes three times as long to gain another fifth.
GZIP_LEVEL = 1


class NoData(Exception):
    """Nothing to report: Amazon cancels such a report and makes no document."""


class InvalidOptions(Exception):
    """The report's options are not valid for its type: Amazon ends it FATAL with an error
    document. The message is that document's `errorDetails`."""


@dataclass(frozen=True)
class ReportRequest:
    report_type: str
    marketplace_ids: tuple[str, ...]
    start: float  # dataStartTime, epoch seconds
    end: float  # dataEndTime
    options: Mapping[str, str] = field(default_factory=dict)
    # The store's seeded randomness, for the figures the state does not hold (traffic).
    randomness: Randomness | None = None


@dataclass(frozen=True)
class ReportOutput:
    text: str
    kind: Literal["tsv", "json"]
    market: Marketplace  # decides the charset of a flat file


Generator = Callable[[SellerState, ReportRequest], ReportOutput]


@dataclass(frozen=True)
class ReportFamily:
    """How one report type is made."""

    generate: Generator
    # Whether dataStartTime/dataEndTime select the rows (orders); snapshots (listings,
    # inventory) describe the state at processing time whatever the range says.
    dated: bool = False
    # How much longer than a listings report it takes in `--lifecycle realistic`.
    weight: float = 1.0


# -- documents ---------------------------------------------------------------------------

def charset(market: Marketplace) -> str:
    """The charset Amazon's storage names for a flat file (fact sheet section 6): utf8 in
    North America, Cp1252 in Europe, cp932 in Japan. Amazon has not been observed for
    Singapore and Australia; they get utf8 like every marketplace outside Europe and Japan."""
    if market.country == "JP":
        return "cp932"
    if market.region == "eu":
        return "Cp1252"
    return "utf8"


@dataclass(frozen=True)
class EncodedDocument:
    content: bytes
    content_type: str
    compression: str | None  # "GZIP" or None


def encode(output: ReportOutput) -> EncodedDocument:
    """The bytes Amazon's storage would hold: the text in the marketplace's charset (JSON in
    UTF-8), gzip-compressed when large."""
    if output.kind == "json":
        raw = output.text.encode("utf-8")
        content_type = "application/json"
    else:
        name = charset(output.market)
        # A character the charset lacks becomes "?", as a Cp1252 file written by Java would.
        raw = output.text.encode(name.lower(), errors="replace")
        content_type = f"text/plain; charset={name}"
    if len(raw) > GZIP_THRESHOLD:
        return EncodedDocument(gzip.compress(raw, GZIP_LEVEL, mtime=0), content_type, "GZIP")
    return EncodedDocument(raw, content_type, None)


def error_document(details: str) -> EncodedDocument:
    """What a FATAL report's document holds: `{"errorDetails": "..."}`."""
    return EncodedDocument(json.dumps({"errorDetails": details}).encode(), "application/json",
                           None)


def type_code(report_type: str) -> str:
    """The number ending a document id (Amazon ends them with an internal type code)."""
    return str(1000 + zlib.crc32(report_type.encode()) % 9000)


# -- flat files --------------------------------------------------------------------------

_CLEAN = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def clean(value: str) -> str:
    """A value fit for a flat file: a tab or newline inside it would break the row, so each
    becomes a space (free text only: names, titles, addresses)."""
    if "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_CLEAN)
    return value


def flat_file(header: Sequence[str], lines: Iterable[str]) -> str:
    """A flat file from ready lines (values already cleaned and tab-joined)."""
    return "\n".join(("\t".join(header), *lines, ""))


def tsv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A flat file: a header row and tab-separated rows, each line ending in a newline."""
    return flat_file(header, ("\t".join(clean(value) for value in row) for row in rows))


_DAYS: dict[int, str] = {}


def iso_offset(timestamp: float) -> str:
    """Flat-file and Reports API times: `2017-06-17T08:04:21+00:00`. Reports format one time
    per row, so the date part is formatted once per day."""
    whole = int(timestamp // 1)
    day, second = divmod(whole, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * 86400))
    hours, rest = divmod(second, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{prefix}{hours:02d}:{minutes:02d}:{seconds:02d}+00:00"


# Where each marketplace's local times are written (listing open dates), as Seller Central
# shows them.
_ZONES = {"na": "America/Los_Angeles", "GB": "Europe/London", "IE": "Europe/Dublin",
          "JP": "Asia/Tokyo", "AU": "Australia/Sydney", "SG": "Asia/Singapore",
          "IN": "Asia/Kolkata", "AE": "Asia/Dubai", "SA": "Asia/Riyadh",
          "TR": "Europe/Istanbul", "EG": "Africa/Cairo", "ZA": "Africa/Johannesburg"}


@cache
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # pragma: no cover - a system without time zone data
        return None


def local_time(timestamp: float, market: Marketplace) -> str:
    """`2013-01-07 07:35:42 PST`: a listing's open date in the marketplace's time zone."""
    name = _ZONES.get(market.country) or _ZONES.get(market.region) or "Europe/Paris"
    zone = _zone(name)
    moment = datetime.fromtimestamp(timestamp, zone or UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S ") + (moment.tzname() or "UTC")


def markets_of(state: SellerState, request: ReportRequest) -> list[Marketplace]:
    """The requested marketplaces as the seller's Marketplace records (createReport already
    refused marketplaces the seller does not sell in)."""
    found = [state.market(m) for m in request.marketplace_ids]
    return [m for m in found if m is not None] or state.markets[:1]


def choice(options: Mapping[str, str], name: str, allowed: Sequence[str],
           default: str) -> str:
    """A report option restricted to `allowed` values; anything else is Amazon's FATAL."""
    value = options.get(name, default)
    if value not in allowed:
        raise InvalidOptions(f"Invalid value '{value}' for report option {name}; "
                             f"allowed values: {', '.join(allowed)}.")
    return value


def as_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
