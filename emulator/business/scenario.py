"""Scenarios: the shape of each seller's generated business (fixtures/scenarios/*.yaml).

A scenario names the day the business stands at and, per seller id (or "*" for all), how
many catalog items, listings and orders it has and in what proportions. `--scale N` replaces
every seller's order count.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from emulator.business.carriers import ShippingSetup, ShippingSetupError, parse_setup


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message says where."""


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


_SHARES = {f.name for f in fields(SellerShape) if f.name.endswith("_share")}


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


def _shape(base: SellerShape, data: object, where: str) -> SellerShape:
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected a mapping")
    known = {f.name: f.type for f in fields(SellerShape)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ScenarioError(f"{where}: unknown key {key!r}; known: {sorted(known)}")
        if key in _SHARES:
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ScenarioError(f"{where}.{key}: a share from 0 to 1")
            changes[key] = float(value)
        else:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ScenarioError(f"{where}.{key}: a whole number >= 0")
            changes[key] = value
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
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ScenarioError(f"{path}: {error}") from None
    scenario = parse(data, str(path))
    return replace(scenario, scale=scale) if scale is not None else scenario
