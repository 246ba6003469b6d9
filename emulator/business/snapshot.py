"""Entities to JSON and back, strictly: a snapshot that does not fit is refused whole.

`dump(entity)` gives plain JSON; `load(cls, data, where)` rebuilds an entity and checks every
field's type on the way (nested dataclasses, lists, dicts, optional fields), then what no real
record has (non-finite or out-of-range numbers, negative quantities or money, an order without
items, more shipped than ordered, unknown statuses), raising SnapshotError with the path of the
first bad value. `unique` refuses two records with one key (two orders with one id).
"""

from __future__ import annotations

import dataclasses
import math
import sys
import types
import typing
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, Literal, TypeVar, get_args, get_origin

from emulator.business import entities

T = TypeVar("T")

# Every float of a record is a time (epoch seconds) or a size: finite and at most 2200-01-01
# (the emulator clock runs at most a century ahead, and date arithmetic on any such time stays
# far from datetime's year 9999). Integers stay within what JSON clients read exactly.
MAX_FLOAT = 7258118400.0
MAX_INT = 2**53
# Orders v0's OrderStatus values (the model's enum).
ORDER_STATUSES = frozenset({"PendingAvailability", "Pending", "Unshipped", "PartiallyShipped",
                            "Shipped", "InvoiceUnconfirmed", "Canceled", "Unfulfillable"})
FULFILLMENTS = frozenset({"MFN", "AFN"})
# A snapshot's scenario regenerates each seller's business before the records are laid over
# it: past these sizes that takes minutes and gigabytes, which no snapshot of ours asks for.
MAX_ORDERS = 1_000_000
MAX_CATALOG = 100_000


class SnapshotError(ValueError):
    """A snapshot that cannot be restored; the message names the bad value's path."""


def dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    # The entities' names, and those of the class's own module (the families' records).
    return typing.get_type_hints(cls, {**vars(entities), **vars(sys.modules[cls.__module__])})


def _check(kind: Any, value: Any, where: str) -> Any:
    origin = get_origin(kind)
    if kind is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        options = get_args(kind)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _check(option, value, where)
            except SnapshotError as error:
                errors.append(error)
        raise errors[0] if errors else SnapshotError(f"{where}: unexpected null")
    if origin is Literal:
        if value not in get_args(kind) or isinstance(value, bool):
            raise SnapshotError(f"{where}: expected one of {list(get_args(kind))}")
        return value
    if dataclasses.is_dataclass(kind):
        return load(kind, value, where)  # type: ignore[arg-type]
    if origin is list:
        if not isinstance(value, list):
            raise SnapshotError(f"{where}: expected a list")
        (item,) = get_args(kind)
        return [_check(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise SnapshotError(f"{where}: expected a list")
        args = get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_check(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise SnapshotError(f"{where}: expected {len(args)} items")
        return tuple(_check(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value,
                                                                                  strict=True)))
    if origin is dict:
        if not isinstance(value, dict):
            raise SnapshotError(f"{where}: expected an object")
        key_type, value_type = get_args(kind)
        return {_check(key_type, k, where): _check(value_type, v, f"{where}.{k}")
                for k, v in value.items()}
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SnapshotError(f"{where}: expected a number")
        if isinstance(value, int) and abs(value) > MAX_INT:
            raise SnapshotError(f"{where}: out of range")
        number = float(value)
        if not math.isfinite(number) or abs(number) > MAX_FLOAT:
            raise SnapshotError(f"{where}: expected a finite number within range")
        return number
    if kind in (int, str, bool):
        if type(value) is not kind:
            raise SnapshotError(f"{where}: expected {kind.__name__}")
        if kind is int and abs(value) > MAX_INT:
            raise SnapshotError(f"{where}: out of range")
        return value
    if kind is object:
        return value
    raise SnapshotError(f"{where}: cannot restore a {kind!r}")  # pragma: no cover


def load(cls: type[T], data: Any, where: str) -> T:
    if not isinstance(data, dict):
        raise SnapshotError(f"{where}: expected an object")
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - known
    if unknown:
        raise SnapshotError(f"{where}: unknown field(s) {sorted(unknown)}")
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise SnapshotError(f"{where}: missing field {f.name!r}")
            continue
        values[f.name] = _check(hints[f.name], data[f.name], f"{where}.{f.name}")
    entity = cls(**values)
    check = _INVARIANTS.get(cls)
    problem = check(entity) if check is not None else None
    if problem is not None:
        raise SnapshotError(f"{where}: {problem}")
    return entity


def load_time(value: Any, where: str) -> float:
    """A time (epoch seconds) of a snapshot: a finite number from 0 to MAX_FLOAT."""
    number = _check(float, value, where)
    if number < 0:
        raise SnapshotError(f"{where}: expected a time")
    return float(number)


def check_shapes(shapes: Iterable[Any]) -> None:
    """Refuse a scenario whose sellers would take minutes and gigabytes to generate."""
    for shape in shapes:
        if shape.orders > MAX_ORDERS or shape.catalog_items > MAX_CATALOG:
            raise SnapshotError(f"scenario: at most {MAX_ORDERS} orders and {MAX_CATALOG} "
                                "catalog items per seller")


def unique(keys: Iterable[str], where: str) -> None:
    """Refuse two records with one key in one table."""
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise SnapshotError(f"{where}: {key!r} appears twice")
        seen.add(key)


# -- what no real record has ----------------------------------------------------------------

def _negative(entity: Any, names: Iterable[str]) -> str | None:
    return next((f"{name} cannot be negative" for name in names
                 if getattr(entity, name) is not None and getattr(entity, name) < 0), None)


def _catalog_item(item: entities.CatalogItem) -> str | None:
    return _negative(item, ("sales_rank", "length_in", "width_in", "height_in", "weight_lb",
                            "list_price"))


def _listing(listing: entities.Listing) -> str | None:
    if listing.fulfillment not in FULFILLMENTS:
        return f"fulfillment must be one of {sorted(FULFILLMENTS)}"
    if any(price < 0 for price in listing.prices.values()):
        return "prices cannot be negative"
    return _negative(listing, ("quantity",)) or _negative(listing, ("created", "updated"))


def _inventory(record: entities.Inventory) -> str | None:
    return _negative(record, (
        "fulfillable", "inbound_working", "inbound_shipped", "inbound_receiving",
        "reserved_customer_order", "reserved_transshipment", "reserved_fc_processing",
        "unfulfillable", "researching")) or _negative(record, ("updated",))


def _order_item(item: entities.OrderItem) -> str | None:
    if item.quantity < 1:
        return "quantity must be at least 1"
    if not 0 <= item.shipped <= item.quantity:
        return "shipped must be from 0 to quantity"
    return _negative(item, ("unit_price", "tax", "shipping_price", "shipping_tax",
                            "promotion_discount"))


def _order(order: entities.Order) -> str | None:
    if not order.items:
        return "an order has at least one item"
    if order.status not in ORDER_STATUSES:
        return f"status must be one of {sorted(ORDER_STATUSES)}"
    if order.fulfillment not in FULFILLMENTS:
        return f"fulfillment must be one of {sorted(FULFILLMENTS)}"
    try:
        unique((item.order_item_id for item in order.items), "items")
    except SnapshotError as error:
        return str(error)
    return _negative(order, ("purchase_date", "last_update", "earliest_ship", "latest_ship",
                          "earliest_delivery", "latest_delivery", "cancelled_at"))


_INVARIANTS: dict[type, Callable[[Any], str | None]] = {
    entities.CatalogItem: _catalog_item, entities.Listing: _listing,
    entities.Inventory: _inventory, entities.OrderItem: _order_item, entities.Order: _order,
}
