"""Scenarios: the shape of each seller's generated business (fixtures/scenarios/*.yaml).

A scenario names the day the business stands at and, per seller id (or "*" for all), how
many catalog items, listings and orders it has and in what proportions, the rhythm orders
arrive with, and how orders move once placed (handling times, cancellation, late-shipment
and return shares; the living store plays them on after the anchor). `--scale N` replaces
every seller's order count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from emulator.business.carriers import ShippingSetup, ShippingSetupError, parse_setup

# libyaml's loader where PyYAML has it: the same documents, ten times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message says where."""


# Orders by hour of the day, local time of the seller's home marketplace: quiet at night,
# busy from late morning, a peak in the evening (19:00-22:00).
HOURLY_WEIGHTS = (1.2, 0.7, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.3, 2.9, 3.3, 3.5, 3.6, 3.6, 3.5,
                  3.5, 3.6, 3.9, 4.4, 5.0, 5.4, 5.2, 4.0, 2.3)
# Orders by day of the week, Monday first: Monday is the busiest, Saturday the quietest.
WEEKDAY_WEIGHTS = (1.15, 1.05, 1.0, 0.98, 0.94, 0.9, 0.98)
MFN_SHIPPERS = ("client", "scenario")


@dataclass(frozen=True)
class Peak:
    """Days when orders come `factor` times as often (Prime Day, Black Friday)."""

    date: str  # YYYY-MM-DD, the first day (local time of the home marketplace)
    days: int = 1
    factor: float = 2.0


@dataclass(frozen=True)
class SellerShape:
    catalog_items: int = 200
    listings: int = 150
    fba_share: float = 0.45
    orders: int = 1000
    days: int = 90
    cancelled_share: float = 0.04
    refunded_share: float = 0.03
    prime_share: float = 0.35
    business_share: float = 0.08
    multi_item_share: float = 0.18
    listing_issue_share: float = 0.06
    # -- the rhythm of orders (history and living store alike) --------------------------------
    orders_per_day: float = 0.0  # after the anchor; 0: the history's rate, orders / days
    hourly_weights: tuple[float, ...] = HOURLY_WEIGHTS
    weekday_weights: tuple[float, ...] = WEEKDAY_WEIGHTS
    peaks: tuple[Peak, ...] = ()
    # -- how orders move ------------------------------------------------------------------------
    payment_minutes: float = 30.0  # most orders leave Pending within this many minutes
    fba_handling_days: float = 1.0  # LatestShipDate of FBA orders; Amazon ships by then
    mfn_handling_days: float = 2.0  # LatestShipDate of merchant-fulfilled orders
    mfn_shipped_by: str = "client"  # after the anchor: the client ships MFN orders, or the scenario
    late_shipment_share: float = 0.05  # of MFN orders the scenario ships: after LatestShipDate
    mfn_auto_cancel_days: int = 7  # business days after LatestShipDate Amazon cancels unshipped MFN
    mfn_auto_cancel_share: float = 1.0  # of MFN orders still unshipped then
    returned_share: float = 0.7  # of refunded orders: the units came back first
    return_sellable_share: float = 0.7  # of returned FBA units: sellable again
    # -- the rest of the business -------------------------------------------------------------
    offer_changes_per_day: float = 6.0  # competitors repricing one of the seller's ASINs
    restock_below: int = 10  # FBA SKUs with fewer fulfillable units are considered for restock
    restock_share: float = 0.6  # of those, restocked at each daily review
    restock_days: float = 7.0  # from a restock decision to the units being fulfillable

    @property
    def daily_rate(self) -> float:
        """Orders a day after the anchor."""
        return self.orders_per_day or self.orders / self.days

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON (state file headers, snapshots)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["hourly_weights"] = list(self.hourly_weights)
        data["weekday_weights"] = list(self.weekday_weights)
        data["peaks"] = [vars(p) for p in self.peaks]
        return data


_SHARES = {f.name for f in fields(SellerShape) if f.name.endswith("_share")}
_NUMBERS = {"orders_per_day", "payment_minutes", "fba_handling_days", "mfn_handling_days",
            "offer_changes_per_day", "restock_days"}


@dataclass(frozen=True)
class Scenario:
    name: str
    anchor: str  # "today" or YYYY-MM-DD
    shapes: dict[str, SellerShape]  # seller id or "*" -> shape
    scale: int | None = None
    # The carriers Buy Shipping and Amazon Shipping offer (the `shipping:` section).
    shipping: ShippingSetup = field(default_factory=ShippingSetup)

    def shape(self, seller_id: str) -> SellerShape:
        shape = self.shapes.get(seller_id) or self.shapes.get("*") or SellerShape()
        if self.scale is not None and shape.listings > 0:
            shape = replace(shape, orders=self.scale)
        return shape

    def anchor_time(self, now: float) -> float:
        """The moment the generated business ends: midnight UTC of the anchor day."""
        day = (datetime.fromtimestamp(now, UTC).date() if self.anchor == "today"
               else date.fromisoformat(self.anchor))
        return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "anchor": self.anchor, "scale": self.scale,
                "shipping": self.shipping.as_dict()}


def _number(value: object) -> bool:
    return (not isinstance(value, bool) and isinstance(value, int | float)
            and math.isfinite(value))


def _weights(value: object, count: int, where: str) -> tuple[float, ...]:
    if (not isinstance(value, list | tuple) or len(value) != count
            or not all(_number(v) and v >= 0 for v in value) or not any(value)):
        raise ScenarioError(f"{where}: {count} numbers >= 0, not all 0")
    return tuple(float(v) for v in value)


def _peaks(value: object, where: str) -> tuple[Peak, ...]:
    if not isinstance(value, list | tuple):
        raise ScenarioError(f"{where}: a list of {{date, days, factor}}")
    peaks = []
    for index, entry in enumerate(value):
        at = f"{where}[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"date", "days", "factor"}:
            raise ScenarioError(f"{at}: expected {{date: YYYY-MM-DD, days: N, factor: F}}")
        try:
            day = date.fromisoformat(str(entry.get("date")))
        except ValueError:
            raise ScenarioError(f"{at}.date: YYYY-MM-DD") from None
        days, factor = entry.get("days", 1), entry.get("factor", 2.0)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
            raise ScenarioError(f"{at}.days: a whole number from 1 to 366")
        if not _number(factor) or not 0 <= factor <= 100:
            raise ScenarioError(f"{at}.factor: a number from 0 to 100")
        peaks.append(Peak(day.isoformat(), days, float(factor)))
    return tuple(peaks)


def _value(key: str, value: object, where: str) -> Any:
    """A scenario value checked against what its key takes."""
    if key in _SHARES:
        if not _number(value) or not 0 <= value <= 1:  # type: ignore[operator]
            raise ScenarioError(f"{where}: a share from 0 to 1")
        return float(value)  # type: ignore[arg-type]
    if key in _NUMBERS:
        if not _number(value) or not 0 <= value <= 1_000_000:  # type: ignore[operator]
            raise ScenarioError(f"{where}: a number from 0 to 1000000")
        return float(value)  # type: ignore[arg-type]
    if key == "hourly_weights":
        return _weights(value, 24, where)
    if key == "weekday_weights":
        return _weights(value, 7, where)
    if key == "peaks":
        return _peaks(value, where)
    if key == "mfn_shipped_by":
        if value not in MFN_SHIPPERS:
            raise ScenarioError(f"{where}: one of {', '.join(MFN_SHIPPERS)}")
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScenarioError(f"{where}: a whole number >= 0")
    return value


def _shape(base: SellerShape, data: object, where: str) -> SellerShape:
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected a mapping")
    known = {f.name for f in fields(SellerShape)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ScenarioError(f"{where}: unknown key {key!r}; known: {sorted(known)}")
        changes[key] = _value(key, value, f"{where}.{key}")
    shape = replace(base, **changes)
    if shape.listings > shape.catalog_items:
        raise ScenarioError(f"{where}: listings cannot exceed catalog_items")
    if shape.days < 1:
        raise ScenarioError(f"{where}.days: at least 1")
    return shape


def parse(data: object, source: str) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a mapping")
    name = data.get("name", Path(source).stem)
    anchor = str(data.get("anchor", "today"))
    if anchor != "today":
        try:
            date.fromisoformat(anchor)
        except ValueError:
            raise ScenarioError(f"{source}: anchor must be 'today' or YYYY-MM-DD") from None
    sellers = data.get("sellers") or {}
    if not isinstance(sellers, dict):
        raise ScenarioError(f"{source}: sellers must be a mapping of seller id to shape")
    base = _shape(SellerShape(), sellers.get("*", {}), f"{source}: sellers.*")
    shapes = {"*": base}
    for seller_id, overrides in sellers.items():
        if seller_id != "*":
            shapes[str(seller_id)] = _shape(base, overrides, f"{source}: sellers.{seller_id}")
    try:
        shipping = parse_setup(data.get("shipping"), f"{source}: shipping")
    except ShippingSetupError as error:
        raise ScenarioError(str(error)) from None
    return Scenario(name=str(name), anchor=anchor, shapes=shapes, shipping=shipping)


def load(path: Path, scale: int | None = None) -> Scenario:
    try:
        data = yaml.load(path.read_text(), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as error:
        raise ScenarioError(f"{path}: {error}") from None
    scenario = parse(data, str(path))
    return replace(scenario, scale=scale) if scale is not None else scenario
