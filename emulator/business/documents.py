"""The documents Amazon's storage holds for reports and feed results: charsets per
marketplace, gzip over 1 MB, document ids' type codes, flat files (tab-separated, Amazon's
date formats). Report generators and feed processors both write them."""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from emulator.business.marketplaces import Marketplace

DAY = 86400.0


# Documents larger than this are stored gzip-compressed (compressionAlgorithm GZIP), as
# Amazon does with large reports; smaller ones are served as they are.
GZIP_THRESHOLD = 1024 * 1024


# zlib level 1 compresses a 35 MB orders report in a quarter of a second, to a quarter of its
# size; level 6 takes three times as long to gain another fifth.
GZIP_LEVEL = 1


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


def error_document(details: str) -> EncodedDocument:
    """What a FATAL report's document holds: `{"errorDetails": "..."}`."""
    return EncodedDocument(json.dumps({"errorDetails": details}).encode(), "application/json",
                           None)


def type_code(report_type: str) -> str:
    """The number ending a document id (Amazon ends them with an internal type code)."""
    return str(1000 + zlib.crc32(report_type.encode()) % 9000)


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


def as_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
