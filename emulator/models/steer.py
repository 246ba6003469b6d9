"""Steers a synthesized answer so it agrees with its request and with the seller's business.

The synthesizer (synth.py) asks the steer before it makes a value: the steer proposes what the
request names for a field of that name (in the answer's casing), the seller's own SKUs, ASINs,
order ids, marketplaces, currencies and addresses (the `Hints` the app builds from the seller's
state), and dates in the request's window or near the emulator clock. Every proposal is
checked against the field's schema and dropped if it does not fit, so answers stay valid.
Objects are kept coherent (a SKU with its ASIN and title, an address of one country, start
before end); lists honour page sizes, list one item per record the request sends and one
bucket per interval of a requested granularity.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from emulator.models.request_facts import RequestFacts, base, parse_moment, words
from emulator.models.schemas import validator_for

if TYPE_CHECKING:
    from emulator.models.spec import ApiModel

DAY = 86400.0
# Without a window in the request, past dates fall in the last 30 days and future ones
# (expiry, estimates) in the next 14.
PAST_DAYS = 30
FUTURE_DAYS = 14
NOTHING: Any = object()
# A list made for the request's records holds at most this many (a body may carry thousands).
MAX_RECORDS = 100

# Field names (by base: normalized singular) that mean one kind of the seller's data.
_CLASS_NAMES = {
    "sku": ("sku", "sellersku", "merchantsku", "msku"),
    "asin": ("asin",),
    "fnsku": ("fnsku", "fulfillmentnetworksku"),
    "orderid": ("amazonorderid", "orderid"),
    "marketplaceid": ("marketplaceid",),
    "sellerid": ("sellerid", "merchantid", "sellingpartnerid"),
    "currency": ("currency", "currencycode"),
    "country": ("countrycode", "country"),
    "title": ("title", "itemname", "producttitle", "productname"),
}
# Fields of an address object, by base name.
_ADDRESS_NAMES = {
    "name": ("name", "fullname", "addressname"),
    "line1": ("addressline1", "line1", "address1", "street", "streetaddress",
              "streetaddress1"),
    "line2": ("addressline2", "line2", "address2", "streetaddress2"),
    "city": ("city", "town"),
    "state": ("stateorregion", "stateorprovince", "stateorprovincecode", "state", "statecode",
              "province"),
    "postal": ("postalcode", "zip", "zipcode", "postcode"),
    "country": ("countrycode", "country"),
    "phone": ("phone", "phonenumber"),
}
CLASS_OF = {name: kind for kind, names in _CLASS_NAMES.items() for name in names}
ADDRESS_OF = {name: part for part, names in _ADDRESS_NAMES.items() for name in names}
_PRODUCT_CLASSES = ("sku", "asin", "fnsku", "title")

_TIME_WORDS = frozenset({"date", "time", "timestamp", "datetime"})
_FUTURE_WORDS = frozenset({"expiration", "expiry", "expires", "expire", "estimated", "due",
                           "expected"})
_MONEY_WORDS = frozenset({"amount", "price", "fee", "cost", "charge", "tax", "total",
                          "subtotal", "balance"})
_NOT_MONEY_WORDS = frozenset({"quantity", "count", "qty", "units", "unit", "number", "percent",
                              "percentage", "rate", "weight", "id"})
_DATE_FORMATS = {"date-time": "%Y-%m-%dT%H:%M:%SZ", "datetime": "%Y-%m-%dT%H:%M:%SZ",
                 "date": "%Y-%m-%d"}

# Pairs of words whose fields are ordered: createdDate <= lastUpdatedDate, start <= end.
_PAIRS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("start",), ("end",)), (("earliest",), ("latest",)), (("from",), ("to",)),
    (("begin",), ("end",)), (("after",), ("before",)), (("created",), ("last", "updated")),
    (("created",), ("updated",)), (("created",), ("last", "modified")),
    (("created",), ("modified",)), (("creation",), ("last", "update")),
    (("creation",), ("last", "updated")), (("purchase",), ("last", "update")),
    (("ship",), ("arrival",)), (("ship",), ("delivery",)), (("min",), ("max",)),
    (("minimum",), ("maximum",)), (("lower",), ("upper",)),
)


# --------------------------------------------------------------------------------------------
# What the app tells the synthesizer about the seller
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Market:
    """A marketplace as answers need it."""

    id: str
    country: str
    currency: str
    per_usd: float  # units of the currency one US dollar buys, roughly
    decimals: int  # 2, or 0 for yen


@dataclass(frozen=True)
class Product:
    asin: str
    title: str
    sku: str | None = None
    fnsku: str | None = None


@dataclass(frozen=True)
class Place:
    """An address whose parts agree (a JP address for a JP marketplace)."""

    name: str
    line1: str
    line2: str | None
    city: str
    state: str
    postal: str
    country: str
    phone: str


@dataclass
class Hints:
    """The seller's data a synthesized answer may use, built by the app from the seller's state
    (emulator/business/synthesis_hints.py): the models layer knows no business."""

    now: float  # the moment answers are near (epoch seconds)
    seller_id: str | None = None
    markets: Sequence[Market] = ()  # the seller's, home first
    products: Sequence[Product] = ()
    order_ids: Sequence[str] = ()
    known_markets: Mapping[str, Market] = field(default_factory=dict)  # every marketplace
    place_source: Callable[[str], Sequence[Place]] | None = None  # addresses of a country

    def __post_init__(self) -> None:
        self._by_sku = {p.sku: p for p in self.products if p.sku}
        self._by_asin = {p.asin: p for p in self.products}

    def market(self, marketplace_id: Any) -> Market | None:
        return self.known_markets.get(marketplace_id) if isinstance(marketplace_id, str) else None

    def places(self, country: str) -> Sequence[Place]:
        return self.place_source(country) if self.place_source is not None else ()

    def product(self, sku: Any = None, asin: Any = None) -> Product | None:
        if sku is not None:
            return self._by_sku.get(sku)
        return self._by_asin.get(asin)


# --------------------------------------------------------------------------------------------
# The steer
# --------------------------------------------------------------------------------------------


@dataclass
class Scope:
    """What holds inside one object or list item: values fixed for its fields, by base name
    and by kind, its marketplace and its date window. Strong scopes (an item made for one of
    the request's records or buckets) outrank what the request names elsewhere."""

    pins: dict[str, Any] = field(default_factory=dict)
    by_class: dict[str, Any] = field(default_factory=dict)
    market: Market | None = None
    window: tuple[float, float] | None = None
    money: bool = False
    strong: bool = False


@dataclass
class ArrayPlan:
    items: list[Scope] | None = None  # one scope per item to make
    limit: int | None = None  # at most this many items


class Steer:
    def __init__(self, model: ApiModel, facts: RequestFacts, hints: Hints | None,
                 now: float | None = None) -> None:
        self.model = model
        self.facts = facts
        self.hints = hints
        self.now = now if now is not None else (hints.now if hints is not None else 0.0)
        self.stack: list[Scope] = []
        self.list_depth = 0  # how many list items the value being made is inside
        self.market = self._answer_market()
        self._by_class: dict[str, list[Any]] = {}
        for key, values in facts.values.items():
            kind = CLASS_OF.get(key)
            if kind is not None:
                self._by_class.setdefault(kind, []).extend(
                    v for v in values if v not in self._by_class.get(kind, []))

    def _answer_market(self) -> Market | None:
        if self.hints is None:
            return None
        for value in self.facts.values.get("marketplaceid", ()):
            market = self.hints.market(value)
            if market is not None:
                return market
        return self.hints.markets[0] if self.hints.markets else None

    # -- values --------------------------------------------------------------------------------

    def choose(self, node: dict[str, Any], name: str, kind: str, rnd: random.Random) -> Any:
        """A value for field `name` (schema `node`), or NOTHING to let the synthesizer make one."""
        if kind == "object":
            return NOTHING
        key = base(name)
        if "token" in key:
            return NOTHING
        for candidate in self._candidates(node, name, key, kind, rnd):
            if candidate is not NOTHING and self.fits(node, candidate):
                return candidate
        return NOTHING

    def fits(self, node: dict[str, Any], value: Any) -> bool:
        # Strict: a request may say `2025-01-12` for a date-time; an answer may not.
        return bool(validator_for(self.model, node, strict=True).is_valid(value))

    def _candidates(self, node: dict[str, Any], name: str, key: str, kind: str,
                    rnd: random.Random) -> Iterator[Any]:
        kind_of = CLASS_OF.get(key)
        many = kind == "array"
        named = key in self.facts.values
        # Items made for a record first, then what the enclosing objects chose (made to agree
        # with the request), then what the request names, by name and then by kind.
        for strong in (True, False):
            for scope in reversed(self.stack):
                if scope.strong != strong:
                    continue
                if key in scope.pins:
                    yield [scope.pins[key]] if many else scope.pins[key]
                if kind_of in scope.by_class and (strong or not named):
                    yield [scope.by_class[kind_of]] if many else scope.by_class[kind_of]
        if named:
            yield from self._from_values(self.facts.values[key], many, rnd)
        if kind_of is not None and kind_of in self._by_class:
            yield from self._from_values(self._by_class[kind_of], many, rnd)
        if kind_of is not None:
            yield self._seller_value(kind_of, many, rnd)
        if kind == "string":
            yield self._date(node, name, rnd)
        if kind in ("string", "number", "integer"):
            yield self._money(node, name, kind, rnd)

    @staticmethod
    def _from_values(values: list[Any], many: bool, rnd: random.Random) -> Iterator[Any]:
        """The values as a list, or each of them in a random order (the first that fits the
        field wins: a request's `unitOfMeasurement` may be INCHES here, POUNDS there)."""
        if many:
            yield list(values)
        elif len(values) == 1:
            yield values[0]
        else:
            yield from rnd.sample(values, len(values))

    def _current_market(self) -> Market | None:
        for scope in reversed(self.stack):
            if scope.market is not None:
                return scope.market
        return self.market

    def _seller_value(self, kind: str, many: bool, rnd: random.Random) -> Any:
        hints = self.hints
        if hints is None:
            return NOTHING
        market = self._current_market()
        value: Any = NOTHING
        if kind == "marketplaceid":
            if many and hints.markets:
                return [m.id for m in hints.markets]
            value = market.id if market is not None else NOTHING
        elif kind == "currency" and market is not None:
            value = market.currency
        elif kind == "country" and market is not None:
            value = market.country
        elif kind == "sellerid" and hints.seller_id:
            value = hints.seller_id
        elif kind == "orderid" and hints.order_ids:
            value = rnd.choice(hints.order_ids)
        elif kind in ("sku", "asin") and hints.products:
            value = getattr(rnd.choice(hints.products), kind)
        if value is NOTHING or value is None:
            return NOTHING
        return [value] if many else value

    # -- dates and money -----------------------------------------------------------------------

    def _window(self, name: str) -> tuple[float, float]:
        for scope in reversed(self.stack):
            if scope.window is not None:
                return scope.window
        low, high = self.facts.low, self.facts.high
        if low is not None and high is not None:
            return low, high
        if low is not None:
            return low, max(low + DAY, self.now)
        if high is not None:
            return high - PAST_DAYS * DAY, high
        if set(words(name)) & _FUTURE_WORDS:
            return self.now, self.now + FUTURE_DAYS * DAY
        return self.now - PAST_DAYS * DAY, self.now

    def _date(self, node: dict[str, Any], name: str, rnd: random.Random) -> Any:
        fmt = node.get("format")
        pattern = _DATE_FORMATS.get(fmt.lower()) if isinstance(fmt, str) else None
        if pattern is None:
            found = set(words(name))
            if fmt is not None or node.get("enum") or not found & _TIME_WORDS or "zone" in found:
                return NOTHING
            pattern = _DATE_FORMATS["date-time"]
        low, high = self._window(name)
        moment = low + rnd.random() * max(0.0, high - low)
        return datetime.fromtimestamp(moment, UTC).strftime(pattern)

    def _money(self, node: dict[str, Any], name: str, kind: str, rnd: random.Random) -> Any:
        market = self._current_market()
        if market is None:
            return NOTHING
        found = set(words(name))
        if found & _NOT_MONEY_WORDS:
            return NOTHING
        in_money = bool(self.stack) and self.stack[-1].money
        if not (found & _MONEY_WORDS or (in_money and found & {"value", "amount"})):
            return NOTHING
        if kind == "string" and not in_money:
            return NOTHING  # a string named "price" is not always an amount
        amount: float = round(rnd.uniform(1, 200) * market.per_usd, market.decimals)
        whole = kind == "integer" or market.decimals == 0
        if kind == "string":
            return str(round(amount)) if whole else f"{amount:.{market.decimals}f}"
        return round(amount) if whole else amount

    # -- objects -------------------------------------------------------------------------------

    def enter_object(self, properties: Mapping[str, Any], rnd: random.Random) -> int:
        """Choose what an object's fields must agree on (its marketplace, product, address)
        before they are made; returns the stack height to `leave` with."""
        height = len(self.stack)
        scope = Scope()
        shape = _shape(tuple(properties))
        if shape.market:
            self._choose_market(scope, rnd)
        if shape.product:
            self._choose_product(scope, shape.bases, rnd)
        if shape.address:
            self._choose_place(scope, shape.bases, rnd)
        scope.money = shape.money
        self.stack.append(scope)
        return height

    def leave(self, height: int) -> None:
        del self.stack[height:]

    def push(self, scope: Scope) -> int:
        height = len(self.stack)
        self.stack.append(scope)
        return height

    def _known(self, kind: str) -> list[Any]:
        """What the request (or an enclosing choice) already says for a kind of field."""
        for scope in reversed(self.stack):
            if kind in scope.by_class:
                return [scope.by_class[kind]]
        return self._by_class.get(kind, [])

    def _choose_market(self, scope: Scope, rnd: random.Random) -> None:
        named = self._known("marketplaceid")
        if named:
            value = named[0] if len(named) == 1 else rnd.choice(named)
        elif self.hints is not None and self.hints.markets:
            markets = self.hints.markets
            value = markets[0].id if len(markets) == 1 or rnd.random() < 0.7 else rnd.choice(
                markets).id
        else:
            return
        scope.by_class["marketplaceid"] = value
        if self.hints is not None:
            scope.market = self.hints.market(value)

    def _choose_product(self, scope: Scope, bases: Mapping[str, str],
                        rnd: random.Random) -> None:
        hints = self.hints
        if hints is None or not hints.products:
            return
        skus, asins = self._known("sku"), self._known("asin")
        if skus:
            product = hints.product(sku=rnd.choice(skus))
        elif asins:
            product = hints.product(asin=rnd.choice(asins))
        else:
            product = rnd.choice(hints.products)
        if product is None:
            return  # a SKU or ASIN of someone else: echoed, nothing to agree with
        for key in bases.values():
            kind = CLASS_OF.get(key)
            if kind in _PRODUCT_CLASSES and key not in self.facts.values:
                value = getattr(product, kind)
                if value is not None:
                    scope.pins[key] = value
        for kind in _PRODUCT_CLASSES:
            value = getattr(product, kind)
            if value is not None:
                scope.by_class.setdefault(kind, value)

    def _choose_place(self, scope: Scope, bases: Mapping[str, str], rnd: random.Random) -> None:
        if self.hints is None:
            return
        market = scope.market or self._current_market()
        countries = [c for c in self._known("country") if isinstance(c, str) and len(c) == 2]
        country = countries[0] if countries else (market.country if market else "US")
        places = self.hints.places(country)
        if not places:
            return
        place = rnd.choice(places)
        values = {"name": place.name, "line1": place.line1, "line2": place.line2,
                  "city": place.city, "state": place.state, "postal": place.postal,
                  "country": place.country, "phone": place.phone}
        for key in bases.values():
            part = ADDRESS_OF.get(key)
            if part is not None and values[part] is not None and key not in self.facts.values:
                scope.pins[key] = values[part]

    def finish_object(self, out: dict[str, Any], schemas: Mapping[str, dict[str, Any]]) -> None:
        """Orders the object's paired fields (start <= end, created <= last updated), keeping
        each value valid for the field it lands in."""
        for lows, highs in _pair_groups(tuple(out)):
            for low in lows:
                for high in highs:
                    self._order(out, low, high, schemas)

    def _order(self, out: dict[str, Any], low: str, high: str,
               schemas: Mapping[str, dict[str, Any]]) -> None:
        a, b = _comparable(out[low]), _comparable(out[high])
        if a is None or b is None or a <= b:
            return
        # What the request named stays; the other side of the pair moves to meet it.
        low_named, high_named = (base(name) in self.facts.values for name in (low, high))
        if low_named and high_named:
            return  # the request's own pair
        if low_named or high_named:
            kept, moved = (low, high) if low_named else (high, low)
            if self.fits(schemas[moved], out[kept]):
                out[moved] = out[kept]
        elif self.fits(schemas[low], out[high]) and self.fits(schemas[high], out[low]):
            out[low], out[high] = out[high], out[low]

    # -- lists ---------------------------------------------------------------------------------

    def plan_array(self, items: dict[str, Any]) -> ArrayPlan:
        """How many items a list gets, and what each must carry."""
        properties = items.get("properties") if isinstance(items, dict) else None
        limit = self.facts.page_size if self.list_depth == 0 else None
        if properties:
            bases = {base(name) for name in properties}
            if self.facts.buckets and "interval" in bases:
                return ArrayPlan(items=[
                    Scope(pins={"interval": bucket.label}, window=(bucket.start, bucket.end),
                          strong=True) for bucket in self.facts.buckets])
            kinds = {CLASS_OF.get(key) for key in bases} - {None}
            for records in self.facts.records:
                keys = {key for record in records for key in record}
                if any(_identifier(key) and (key in bases or CLASS_OF.get(key) in kinds)
                       for key in keys):
                    chosen = records[:min(limit or MAX_RECORDS, MAX_RECORDS)]
                    return ArrayPlan(items=[_record_scope(record) for record in chosen])
        return ArrayPlan(limit=limit)


@dataclass(frozen=True)
class _Shape:
    """What an object's field names say it holds (computed once per set of names)."""

    bases: dict[str, str]
    market: bool
    product: bool
    address: bool
    money: bool


@functools.lru_cache(maxsize=8192)
def _shape(names: tuple[str, ...]) -> _Shape:
    bases = {name: base(name) for name in names}
    kinds = {CLASS_OF.get(key) for key in bases.values()}
    parts = {ADDRESS_OF.get(key) for key in bases.values()}
    return _Shape(bases=bases, market="marketplaceid" in kinds,
                  product=bool(kinds & set(_PRODUCT_CLASSES)),
                  address="city" in parts and bool(parts & {"postal", "state", "country",
                                                            "line1"}),
                  money="currency" in kinds)


def _identifier(key: str) -> bool:
    return key != "marketplaceid" and (key.endswith("id") or CLASS_OF.get(key) in ("sku", "asin"))


def _record_scope(record: Mapping[str, Any]) -> Scope:
    scope = Scope(pins=dict(record), strong=True)
    for key, value in record.items():
        kind = CLASS_OF.get(key)
        if kind is not None:
            scope.by_class.setdefault(kind, value)
    return scope


@functools.cache
def _pair_keys(name: str) -> tuple[tuple[int, str, int], ...]:
    found = words(name)
    keys = []
    for index, sides in enumerate(_PAIRS):
        for side, sequence in enumerate(sides):
            size = len(sequence)
            for at in range(len(found) - size + 1):
                if found[at:at + size] == sequence:
                    keys.append((index, "_".join([*found[:at], "*", *found[at + size:]]), side))
    return tuple(keys)


@functools.lru_cache(maxsize=8192)
def _pair_groups(names: tuple[str, ...]) -> tuple[tuple[list[str], list[str]], ...]:
    """The ordered pairs among an object's field names: (openers, closers) per pair."""
    groups: dict[tuple[int, str], tuple[list[str], list[str]]] = {}
    for name in names:
        for index, canonical, side in _pair_keys(name):
            groups.setdefault((index, canonical), ([], []))[side].append(name)
    return tuple(group for group in groups.values() if group[0] and group[1])


def _comparable(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    moment = parse_moment(value)
    return moment.timestamp() if moment is not None else None
