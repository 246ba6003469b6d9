"""What every report generator shares: the request it answers, the output it produces, and
the two ways it can refuse (no data, bad options). Amazon's document conventions (charsets,
gzip, flat files) are the business core's (`emulator.business.documents`), which feed
results share.

A generator is a plain function `(state, request) -> ReportOutput` over one seller's state at
the moment the report is processed. It raises `NoData` when Amazon would cancel the report
(nothing to report) and `InvalidOptions` when Amazon would end it FATAL.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from emulator.business.documents import GZIP_LEVEL, GZIP_THRESHOLD, EncodedDocument, charset
from emulator.business.marketplaces import Marketplace
from emulator.business.store import SellerState
from emulator.runtime.rng import Randomness


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
