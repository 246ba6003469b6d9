"""Synthesize values that are valid against the JSON schemas in Amazon's SP-API models.

The emulator uses this when it has nothing better to answer with, and the tests use it to build
valid requests. Every value is:

* valid: it satisfies the Swagger 2.0 schema it was made for (checked by `validator_for`);
* deterministic: all randomness comes from the `random.Random` the caller passes, so equal
  seeds give byte-identical output (Faker and rstr are both driven from it);
* realistic where cheap: property names such as `City`, `AmazonOrderId` or `PurchaseDate` get
  Faker or Amazon-shaped values, as long as those still satisfy the schema's constraints.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import math
import random
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import rstr
from faker import Faker

from emulator.models.steer import NOTHING, Scope, Steer

if TYPE_CHECKING:
    from emulator.models.spec import ApiModel

# Objects nested deeper than this carry only their required properties, and arrays there get
# only `minItems` items: models are recursive through $ref and answers must stay small.
FULL_DEPTH = 5
# Any value nested deeper than this (objects and arrays together) means a schema whose required
# properties recurse forever; no finite value exists, so we fail loudly instead of looping.
MAX_NESTING = 40
# Unbounded regex repeats (`*`, `+`) are cut to this many repetitions; rstr's own limit (100)
# makes unrealistically long identifiers.
REPEAT_CAP = 12
PATTERN_ATTEMPTS = 6
DEFAULT_ARRAY_ITEMS = (1, 3)

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)

MARKETPLACE_IDS = ("ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9")
COUNTRY_CODES = ("US", "US", "US", "CA", "GB", "DE", "FR", "JP")
CARRIERS = ("UPS", "USPS", "FedEx", "DHL", "Amazon Shipping")
ERROR_CODES = ("InvalidInput", "InvalidParameterValue", "NotFound", "Unauthorized", "QuotaExceeded")
UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# Generated date-times fall in [EPOCH, EPOCH + SPAN): recent enough to look like live data.
EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 3 * 365 * 86400

# --------------------------------------------------------------------------------------------
# Randomness: Faker and rstr, both fed from the caller's random.Random
# --------------------------------------------------------------------------------------------

# One shared Faker: building one per call costs milliseconds. It is reseeded from the caller's
# random before every use, and the lock keeps a reseed and its draw together across threads.
# Unweighted draws are ~7x faster for names and places (Faker walks cumulative weights otherwise)
# and look just as real.
_FAKE = Faker("en_US", use_weighting=False)
_FAKE_LOCK = threading.Lock()
# Faker's lorem words, drawn directly with the caller's random: plain text is the most frequent
# fallback and needs no reseed this way.
_WORDS = tuple(w for w in _FAKE.get_words_list() if len(w) >= 3)


def _fake(rnd: random.Random, draw: Callable[[Faker], Any]) -> Any:
    with _FAKE_LOCK:
        _FAKE.seed_instance(rnd.getrandbits(64))
        return draw(_FAKE)


StringMaker = Callable[[random.Random], str]


def _faker(provider: str, *args: Any) -> StringMaker:
    """A string maker calling one Faker provider, e.g. _faker("city")."""
    return lambda rnd: str(_fake(rnd, lambda f: getattr(f, provider)(*args)))


class _Xeger(rstr.Rstr):
    """rstr's regex generator, adjusted for realistic and reproducible output.

    Two rstr internals are overridden (rstr is pinned to 3.x in pyproject.toml):
    * repeats are cut to at most `cap` repetitions instead of 100, for identifier-sized
      strings, and made at least `floor` long when the repeat allows it, so a pattern such as
      "^[a-zA-Z0-9-]*$" with minLength 38 is met by generation rather than by padding;
    * negated classes (`[^...]`) choose from a sorted alphabet: rstr draws from a `set`, whose
      order depends on PYTHONHASHSEED and would break byte-identical output across processes.
    """

    def __init__(self, rnd: random.Random, cap: int) -> None:
        super().__init__(rnd)
        self.cap = cap
        self.floor = 0

    def _handle_repeat(self, start_range: int, end_range: int, value: Any) -> str:
        end = min(end_range, max(start_range, self.cap))
        times = self._random.randint(max(start_range, min(self.floor, end)), end)
        return "".join("".join(self._handle_state(s) for s in value) for _ in range(times))

    def _handle_in(self, value: Any) -> Any:
        candidates = [c for state in value for c in self._handle_state(state)]
        if candidates and candidates[0] is False:
            excluded = set(candidates[1:])
            candidates = sorted(c for c in _PRINTABLE if c not in excluded)
        return self._random.choice(candidates)


_PRINTABLE = "".join(chr(c) for c in range(32, 127))


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    """The pattern as a Python regex, or None when Python cannot compile it."""
    try:
        return re.compile(pattern)
    except re.error:
        return None


# --------------------------------------------------------------------------------------------
# Small value makers
# --------------------------------------------------------------------------------------------


def _iso_datetime(rnd: random.Random) -> str:
    moment = EPOCH + timedelta(seconds=rnd.randrange(SPAN_SECONDS))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_date(rnd: random.Random) -> str:
    return _iso_datetime(rnd)[:10]


def _uuid(rnd: random.Random) -> str:
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


def _chars(rnd: random.Random, alphabet: str, count: int) -> str:
    return "".join(rnd.choice(alphabet) for _ in range(count))


def _digits(rnd: random.Random, count: int) -> str:
    return _chars(rnd, "0123456789", count)


def _amazon_order_id(rnd: random.Random) -> str:
    return f"{_digits(rnd, 3)}-{_digits(rnd, 7)}-{_digits(rnd, 7)}"


def _asin(rnd: random.Random) -> str:
    return "B0" + _chars(rnd, UPPER_ALNUM, 8)


def _merchant_id(rnd: random.Random) -> str:
    # Seller and merchant ids look like "A2EUQ1WTGCTBG2".
    return "A" + _chars(rnd, UPPER_ALNUM, 13)


def _sku(rnd: random.Random) -> str:
    # Seller SKUs are free-form; this shape ("KM-4821-X7") is a common convention.
    letters = _chars(rnd, "ABCDEFGHJKLMNPQRSTUVWXYZ", 2)
    return f"{letters}-{_digits(rnd, 4)}-{_chars(rnd, UPPER_ALNUM, 2)}"


def _money(rnd: random.Random) -> str:
    return f"{rnd.randint(100, 20000) / 100:.2f}"


def _token(rnd: random.Random) -> str:
    # Pagination tokens are opaque base64 blobs.
    return base64.b64encode(rnd.randbytes(24)).decode()


def _ipv4(rnd: random.Random) -> str:
    return ".".join(str(rnd.randint(1, 254)) for _ in range(4))


def _ipv6(rnd: random.Random) -> str:
    return ":".join(f"{rnd.getrandbits(16):x}" for _ in range(8))


def _sentence(rnd: random.Random) -> str:
    return str(_fake(rnd, lambda f: f.sentence(nb_words=6)))


def _words(rnd: random.Random, count: int) -> str:
    return " ".join(rnd.choice(_WORDS) for _ in range(count))


_FORMAT_MAKERS: dict[str, StringMaker] = {
    "date-time": _iso_datetime,
    "datetime": _iso_datetime,  # "dateTime" in a few models
    "date": _iso_date,
    "time": lambda r: _iso_datetime(r)[11:19],
    "uri": _faker("url"),
    "url": _faker("url"),
    "email": _faker("email"),
    "uuid": _uuid,
    "byte": lambda r: base64.b64encode(r.randbytes(12)).decode(),
    "binary": lambda r: _words(r, 3),
    "ip": _ipv4,
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "boolean": lambda r: r.choice(("true", "false")),  # string parameters with format boolean
    "int32": lambda r: str(r.randint(1, 1000)),
    "int64": lambda r: str(r.randint(1, 1000)),
    "double": _money,
    "float": _money,
}


def _format_value(fmt: str, rnd: random.Random) -> str | None:
    """A string for a known `format`, or None for formats we do not know (e.g. "PDF")."""
    maker = _FORMAT_MAKERS.get(fmt.lower())
    return maker(rnd) if maker else None


# --------------------------------------------------------------------------------------------
# Property-name heuristics
# --------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


@functools.cache
def _tokens(name: str) -> frozenset[str]:
    """Lower-case words of a camelCase/PascalCase/snake_case name, plus naive singulars.

    Whole words, not substrings: "asin" must not match "purchasing".
    """
    words = [w.lower() for w in _TOKEN_RE.findall(name)]
    singulars = [w[:-1] for w in words if len(w) >= 3 and w[-1] == "s" and w[-2] not in "isu"]
    return frozenset(words + singulars)


_PERSON_HINTS = frozenset(
    {"buyer", "recipient", "customer", "contact", "person", "full", "user", "attention"}
)
_TEXT_HINTS = frozenset(
    {"description", "message", "reason", "comment", "note", "detail", "text", "summary"}
)
_TIME_HINTS = frozenset({"date", "time", "timestamp", "datetime"})


def _name_rule(lname: str, t: frozenset[str]) -> StringMaker | None:
    """The most specific realistic string maker for a property name, if any.

    Rules are ordered from specific to generic (an `AmazonOrderId` is an order id before it is
    an id). The caller still checks the result against the schema and drops it if it does not fit.
    """
    rules: list[tuple[bool, StringMaker]] = [
        ("marketplace" in t and "id" in t, lambda r: r.choice(MARKETPLACE_IDS)),
        (
            ("amazon" in t and "order" in t and "id" in t)
            or lname in ("orderid", "sellerorderid", "replacedorderid"),
            _amazon_order_id,
        ),
        ("asin" in t, _asin),
        ("sku" in t, _sku),
        ("currency" in t, lambda r: "USD"),
        ("country" in t, lambda r: r.choice(COUNTRY_CODES)),
        ("postal" in t or "zip" in t, _faker("zipcode")),
        (
            ("state" in t and ("region" in t or "province" in t))
            or lname in ("state", "statecode"),
            _faker("state_abbr"),
        ),
        (
            bool(t & {"city", "town", "county", "district", "municipality"}),
            _faker("city"),
        ),
        ("street" in t and "number" in t, _faker("building_number")),
        ("street" in t and "name" in t, _faker("street_name")),
        (
            ("address" in t and "line" in t and "1" in t) or "street" in t,
            _faker("street_address"),
        ),
        (
            "address" in t and "line" in t and "2" in t,
            _faker("secondary_address"),
        ),
        ("phone" in t or "fax" in t, _faker("numerify", "+1 ###-###-####")),
        ("email" in t, _faker("email")),
        (bool(t & {"url", "uri", "href"}), _faker("url")),
        (
            "tracking" in t and bool(t & {"id", "number"}),
            lambda r: "1Z" + _chars(r, UPPER_ALNUM, 16),
        ),
        (
            "purchase" in t and "order" in t and "number" in t,
            lambda r: _chars(r, UPPER_ALNUM, 8),
        ),
        (bool(t & {"seller", "merchant"}) and "id" in t, _merchant_id),
        ("name" in t and "carrier" in t, lambda r: r.choice(CARRIERS)),
        ("name" in t and "first" in t, _faker("first_name")),
        ("name" in t and "last" in t, _faker("last_name")),
        (
            "name" in t and bool(t & {"company", "business", "seller", "store", "brand"}),
            _faker("company"),
        ),
        ("name" in t and bool(t & {"file", "document"}), _faker("file_name")),
        (lname == "name" or ("name" in t and bool(t & _PERSON_HINTS)), _faker("name")),
        ("name" in t, lambda r: _words(r, 2).title()),
        ("title" in t, lambda r: _sentence(r).rstrip(".")),
        (bool(t & _TEXT_HINTS), _sentence),
        (lname == "code", lambda r: r.choice(ERROR_CODES)),
        (bool(t & {"language", "locale"}), lambda r: "en_US"),
        (
            (bool(t & _TIME_HINTS) and "zone" not in t)
            or (bool(t & {"created", "updated", "modified"}) and bool(t & {"after", "before"})),
            _iso_datetime,
        ),
        ("token" in t, _token),
        (bool(t & {"amount", "price", "fee", "cost", "total", "charge"}), _money),
        (bool(t & {"quantity", "count"}), lambda r: str(r.randint(1, 10))),
        (bool(t & {"upc", "gtin", "ean", "barcode"}), lambda r: _digits(r, 12)),
        (lname in ("ip", "ipaddress"), _ipv4),
        (lname.endswith("id") and "id" in t, _uuid),
    ]
    return next((maker for matched, maker in rules if matched), None)


@functools.cache
def _string_rule(name: str) -> StringMaker | None:
    return _name_rule(name.lower().replace("_", ""), _tokens(name))


NumberRange = tuple[float, float]


@functools.cache
def _number_hint(name: str | None, integer: bool) -> tuple[NumberRange, int]:
    """A realistic range and number of decimals for a numeric property name."""
    t = _tokens(name) if name else frozenset()
    # Checked in this order: "totalQuantity" is a count, "unitPrice" is money.
    if t & {"quantity", "count", "qty"}:
        return (1, 10), 0
    if t & {"amount", "price", "fee", "cost", "total", "charge", "tax", "value", "rate"}:
        return (1, 200), 2
    if t & {"unit", "number"}:  # NumberOfItemsShipped, unitsShipped
        return (1, 10), 0
    if "year" in t:
        return (2020, 2025), 0
    if t & {"percent", "percentage"}:
        return (0, 100), 0 if integer else 1
    if t & {"day", "hour"}:
        return (1, 30), 0
    if t & {"weight", "height", "width", "length", "depth", "dimension"}:
        return (1, 50), 2
    return (1, 100), 2


# --------------------------------------------------------------------------------------------
# Strings
# --------------------------------------------------------------------------------------------


def _fits(text: str, schema: dict[str, Any], regex: re.Pattern[str] | None) -> bool:
    """Whether `text` meets the schema's string constraints (JSON Schema `pattern` is a search)."""
    if len(text) < schema.get("minLength", 0):
        return False
    if "maxLength" in schema and len(text) > schema["maxLength"]:
        return False
    return regex is None or regex.search(text) is not None


def _plain_text(rnd: random.Random, low: int, high: int | None) -> str:
    """Words, at least `low` and at most `high` characters long."""
    text = _words(rnd, 1)
    while len(text) < low:
        text += " " + _words(rnd, 3)
    if high is not None:
        text = text[:high].rstrip() if len(text[:high].rstrip()) >= low else text[:high]
    return text


def _fit_length(
    text: str, low: int, high: int, regex: re.Pattern[str], rnd: random.Random
) -> str | None:
    """Trim or pad a regex-made string to the length bounds, keeping it a match."""
    if len(text) > high:
        candidates = [text[:high], text[-high:] if high else ""]
    elif len(text) < low and text:
        missing = low - len(text)
        # Padding with the string's own characters keeps character-class patterns matching
        # (e.g. "^[a-zA-Z0-9-]*$" with minLength 38); the other shapes cover fixed prefixes.
        candidates = [
            text + "".join(rnd.choice(text) for _ in range(missing)),
            text + text[-1] * missing,
            text[0] * missing + text,
        ]
    else:
        return None
    return next((c for c in candidates if low <= len(c) <= high and regex.search(c)), None)


def _from_pattern(schema: dict[str, Any], regex: re.Pattern[str], rnd: random.Random) -> str | None:
    low = schema.get("minLength", 0)
    high = schema.get("maxLength", max(low, 64))
    xeger = _Xeger(rnd, cap=max(low, min(high, REPEAT_CAP)))
    for attempt in range(PATTERN_ATTEMPTS):
        # Alternate between stretching repeats to minLength (right for one repeated class) and
        # rstr's free choice (right when several repeats share the length budget).
        xeger.floor = low if attempt % 2 == 0 else 0
        try:
            text = xeger.xeger(regex.pattern)
        except (KeyError, IndexError, ValueError):  # constructs rstr cannot generate
            return None
        if regex.search(text) is None:
            continue
        if low <= len(text) <= high:
            return text
        fitted = _fit_length(text, low, high, regex, rnd)
        if fitted is not None:
            return fitted
    return None


def _string_candidates(
    schema: dict[str, Any], rnd: random.Random, name: str | None, regex: re.Pattern[str] | None
) -> Iterator[str]:
    """Candidate strings, most realistic first; the caller keeps the first that fits."""
    fmt = schema.get("format")
    if isinstance(fmt, str):
        by_format = _format_value(fmt, rnd)
        if by_format is not None:
            yield by_format
    rule = _string_rule(name) if name else None
    if rule is not None:
        yield rule(rnd)
    if regex is not None:
        made = _from_pattern(schema, regex, rnd)
        if made is not None:
            yield made
    yield _plain_text(rnd, schema.get("minLength", 0), schema.get("maxLength"))


def _string(schema: dict[str, Any], rnd: random.Random, name: str | None) -> str:
    pattern = schema.get("pattern")
    # A pattern Python cannot compile can be neither generated nor checked by the validator
    # (jsonschema uses `re` too); such a string is synthesized as if it had no pattern.
    regex = _compiled(pattern) if isinstance(pattern, str) else None
    last = ""
    for candidate in _string_candidates(schema, rnd, name, regex):
        if _fits(candidate, schema, regex):
            return candidate
        last = candidate
    return last  # unsatisfiable schema: the plain fallback, which validation will report


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


def _bounds(schema: dict[str, Any], integer: bool) -> tuple[float, float]:
    """Inclusive bounds from minimum/maximum; exclusive flags are Swagger 2.0 booleans."""
    low: float = -math.inf
    high: float = math.inf
    fmt = schema.get("format")
    if integer or fmt in ("int32", "int64"):
        low, high = INT32 if fmt == "int32" else INT64
    if "minimum" in schema:
        low = max(low, schema["minimum"])
        if schema.get("exclusiveMinimum") is True and integer:
            low = math.floor(low) + 1
    if "maximum" in schema:
        high = min(high, schema["maximum"])
        if schema.get("exclusiveMaximum") is True and integer:
            high = math.ceil(high) - 1
    if integer:
        low, high = math.ceil(low), math.floor(high)
    return low, high


def _within(low: float, high: float, preferred: NumberRange) -> NumberRange:
    """The realistic range clipped to the schema's bounds, or a slice of the bounds."""
    a, b = max(low, preferred[0]), min(high, preferred[1])
    if a <= b:
        return a, b
    if math.isfinite(low):
        return low, min(high, low + 100)
    return max(low, high - 100), high


def _multiple(
    low: float, high: float, step: float, rnd: random.Random, schema: dict[str, Any]
) -> float | None:
    """A multiple of `step` in [low, high], also clear of the schema's exclusive bounds."""
    first, last = math.ceil(low / step), math.floor(high / step)
    # `low`/`high` are inclusive, but a number's exclusive bound cannot be made inclusive in
    # floating point; so step over a multiple that sits exactly on an excluded bound.
    if schema.get("exclusiveMinimum") is True and first * step <= schema.get("minimum", -math.inf):
        first += 1
    if schema.get("exclusiveMaximum") is True and last * step >= schema.get("maximum", math.inf):
        last -= 1
    if first > last:
        return None
    value = rnd.randint(first, last) * step
    return int(value) if float(value).is_integer() else value


def _integer(schema: dict[str, Any], rnd: random.Random, name: str | None) -> int:
    low, high = _bounds(schema, integer=True)
    a, b = _within(low, high, _number_hint(name, True)[0])
    step = schema.get("multipleOf")
    if step:
        value = _multiple(a, b, step, rnd, schema)
        if value is None:  # no multiple in the realistic range: use the whole allowed range
            value = _multiple(low, min(high, max(low, 0) + 1000 * step), step, rnd, schema)
        return int(value if value is not None else low)
    return rnd.randint(int(a), int(b))


def _number(schema: dict[str, Any], rnd: random.Random, name: str | None) -> float | int:
    integral = schema.get("format") in ("int32", "int64")
    low, high = _bounds(schema, integer=integral)
    preferred, decimals = _number_hint(name, integral)
    a, b = _within(low, high, preferred)
    step = schema.get("multipleOf")
    if step:
        value = _multiple(a, b, step, rnd, schema)
        if value is None:
            value = _multiple(low, min(high, max(low, 0) + 1000 * step), step, rnd, schema)
        return value if value is not None else low
    if integral:
        return rnd.randint(int(a), int(b))
    value: float | int
    if decimals == 0 and math.ceil(a) <= math.floor(b):
        value = rnd.randint(math.ceil(a), math.floor(b))  # counts read better as 3 than 3.0
    else:
        value = round(rnd.uniform(a, b), decimals)
    if not _number_ok(value, schema):  # rounding or an exclusive bound: fall back to the middle
        value = (a + b) / 2
    return value


def _number_ok(value: float, schema: dict[str, Any]) -> bool:
    if "minimum" in schema and (
        value < schema["minimum"]
        or (schema.get("exclusiveMinimum") is True and value == schema["minimum"])
    ):
        return False
    return "maximum" not in schema or not (
        value > schema["maximum"]
        or (schema.get("exclusiveMaximum") is True and value == schema["maximum"])
    )


# --------------------------------------------------------------------------------------------
# The synthesizer
# --------------------------------------------------------------------------------------------

# Keys of a Swagger 2.0 parameter that describe the parameter, not its value.
_PARAMETER_ONLY_KEYS = frozenset({"name", "in", "required", "description", "collectionFormat"})
_SCHEMA_CACHE_LIMIT = 50_000


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class Synthesizer:
    """Makes schema-valid, realistic values for the schemas of one model."""

    def __init__(self, model: ApiModel) -> None:
        self.model = model
        # id(schema) -> (schema, resolved schema): $refs followed and allOf merged once. The
        # schema is kept alive by the entry, so its id is never reused while cached.
        self._resolved: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
        self._param_schemas: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}

    # -- public API ----------------------------------------------------------------------------

    def value(self, schema: dict[str, Any], rnd: random.Random, *, name: str | None = None,
              steer: Steer | None = None) -> Any:
        """A value valid against `schema`; `name` (a property name) steers realism, and
        `steer` (steer.py) makes an answer agree with its request and the seller's data."""
        return self._make(schema, rnd, name, depth=0, nesting=0, steer=steer)

    def parameter(self, param: dict[str, Any], rnd: random.Random) -> Any:
        """A typed value (list for arrays) for a Swagger 2.0 non-body parameter."""
        return self.value(self._parameter_schema(param), rnd, name=param.get("name"))

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The schema with its $ref followed and allOf merged, as values are made from it."""
        return self._resolve(schema)

    # -- schemas -------------------------------------------------------------------------------

    def _parameter_schema(self, param: dict[str, Any]) -> dict[str, Any]:
        hit = self._param_schemas.get(id(param))
        if hit is not None and hit[0] is param:
            return hit[1]
        schema = {k: v for k, v in param.items() if k not in _PARAMETER_ONLY_KEYS}
        self._param_schemas[id(param)] = (param, schema)
        return schema

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        hit = self._resolved.get(id(schema))
        if hit is not None and hit[0] is schema:
            return hit[1]
        node = self.model.deref(schema)
        if "allOf" in node:
            node = self._merge_all_of(node)
        if len(self._resolved) >= _SCHEMA_CACHE_LIMIT:
            self._resolved.clear()
        self._resolved[id(schema)] = (schema, node)
        return node

    def _merge_all_of(self, node: dict[str, Any]) -> dict[str, Any]:
        """One schema with the properties and required names of every allOf branch.

        Generating once from the merge is what makes the value satisfy every branch at once. A
        property defined by two branches becomes an allOf of both definitions.
        """
        merged = {k: v for k, v in node.items() if k != "allOf"}
        properties: dict[str, Any] = dict(merged.get("properties", {}))
        required: list[str] = list(merged.get("required", []))
        for branch in node["allOf"]:
            part = self._resolve(branch)
            for prop, prop_schema in part.get("properties", {}).items():
                previous = properties.get(prop)
                properties[prop] = (
                    prop_schema if previous is None else {"allOf": [previous, prop_schema]}
                )
            required += [r for r in part.get("required", []) if r not in required]
            for key, val in part.items():
                if key not in ("properties", "required"):
                    merged.setdefault(key, val)
        if properties:
            merged["properties"] = properties
        if required:
            merged["required"] = required
        return merged

    # -- generation ----------------------------------------------------------------------------

    def _make(self, schema: dict[str, Any], rnd: random.Random, name: str | None, depth: int,
              nesting: int, steer: Steer | None = None) -> Any:
        if nesting > MAX_NESTING:
            raise ValueError(f"{self.model.name}: schema recursion has no finite value ({name})")
        node = self._resolve(schema)
        kind = _kind(node)
        if steer is not None and name is not None:
            chosen = steer.choose(node, name, kind, rnd)
            if chosen is not NOTHING:
                return chosen
        if node.get("enum"):
            return copy.deepcopy(rnd.choice(node["enum"]))
        if kind == "object":
            return self._object(node, rnd, name, depth, nesting, steer)
        if kind == "array":
            return self._array(node, rnd, name, depth, nesting, steer)
        if kind == "integer":
            return _integer(node, rnd, name)
        if kind == "number":
            return _number(node, rnd, name)
        if kind == "boolean":
            return rnd.random() < 0.5
        # "string", "file" and typeless ("any value") schemas all get a string: it is the most
        # informative free-form value and always valid for a schema without a type.
        return _string(node, rnd, name)

    def _object(self, node: dict[str, Any], rnd: random.Random, name: str | None, depth: int,
                nesting: int, steer: Steer | None) -> dict[str, Any]:
        properties: dict[str, Any] = node.get("properties", {})
        required = node.get("required", [])
        full = depth < FULL_DEPTH
        height = steer.enter_object(properties, rnd) if steer is not None else 0
        out: dict[str, Any] = {}
        for prop, prop_schema in properties.items():
            if full or prop in required:
                out[prop] = self._make(prop_schema, rnd, prop, depth + 1, nesting + 1, steer)
        for prop in required:
            if prop not in out:  # required but never defined: any value will do
                out[prop] = _string({}, rnd, prop)
        extra = node.get("additionalProperties")
        if not properties and isinstance(extra, dict):
            # A map: one entry shows its shape without inventing meaningful keys.
            key = _words(rnd, 1)
            out[key] = self._make(extra, rnd, name, depth + 1, nesting + 1, steer)
        if steer is not None:
            steer.finish_object(out, {prop: self._resolve(properties[prop])
                                      for prop in out if prop in properties})
            steer.leave(height)
        return out

    def _array(self, node: dict[str, Any], rnd: random.Random, name: str | None, depth: int,
               nesting: int, steer: Steer | None) -> list[Any]:
        low = node.get("minItems", 0)
        high = node.get("maxItems")
        items_schema = node.get("items", {})
        if depth >= FULL_DEPTH:
            count = low
        else:
            # 1-3 items, unless minItems asks for more or maxItems for fewer.
            fewest = max(low, DEFAULT_ARRAY_ITEMS[0])
            most = max(fewest, DEFAULT_ARRAY_ITEMS[1])
            if high is not None:
                fewest, most = min(fewest, high), min(most, high)
            count = rnd.randint(fewest, most)
            if steer is not None:
                plan = steer.plan_array(self._resolve(items_schema))
                if plan.items is not None:
                    planned = self._planned(node, items_schema, plan.items, rnd, name, depth,
                                            nesting, steer)
                    if planned is not None:
                        return planned
                if plan.limit is not None:
                    count = max(low, min(count, plan.limit))
        if steer is not None:
            steer.list_depth += 1
        try:
            if not node.get("uniqueItems"):
                return [self._make(items_schema, rnd, name, depth, nesting + 1, steer)
                        for _ in range(count)]
            return self._unique_items(items_schema, rnd, name, depth, nesting, count, low, steer)
        finally:
            if steer is not None:
                steer.list_depth -= 1

    def _planned(self, node: dict[str, Any], items_schema: dict[str, Any], scopes: list[Scope],
                 rnd: random.Random, name: str | None, depth: int, nesting: int,
                 steer: Steer) -> list[Any] | None:
        """One item per scope the steer planned (a record of the request, a bucket of an
        interval), within minItems/maxItems; None when uniqueness cannot be kept."""
        high = node.get("maxItems")
        chosen: list[Scope | None] = list(scopes[:high] if high is not None else scopes)
        chosen += [None] * max(0, node.get("minItems", 0) - len(chosen))
        items: list[Any] = []
        steer.list_depth += 1
        try:
            for scope in chosen:
                height = steer.push(scope) if scope is not None else None
                items.append(self._make(items_schema, rnd, name, depth, nesting + 1, steer))
                if height is not None:
                    steer.leave(height)
        finally:
            steer.list_depth -= 1
        if node.get("uniqueItems") and len({_canonical(i) for i in items}) < len(items):
            return None
        return items

    def _unique_items(
        self,
        items_schema: dict[str, Any],
        rnd: random.Random,
        name: str | None,
        depth: int,
        nesting: int,
        count: int,
        low: int,
        steer: Steer | None = None,
    ) -> list[Any]:
        items: list[Any] = []
        seen: set[str] = set()
        for _ in range(count * 10):  # duplicates are retried; small enums may run out
            if len(items) == count:
                break
            item = self._make(items_schema, rnd, name, depth, nesting + 1, steer)
            key = _canonical(item)
            if key not in seen:
                seen.add(key)
                items.append(item)
        if len(items) < low:
            raise ValueError(f"{self.model.name}: cannot make {low} unique items for {name}")
        return items


def _kind(node: dict[str, Any]) -> str:
    """The JSON type to generate; Swagger schemas often leave `type` implicit."""
    declared = node.get("type")
    if isinstance(declared, list):  # not Swagger 2.0, but cheap to tolerate
        declared = next((t for t in declared if t != "null"), "string")
    if isinstance(declared, str):
        return declared
    if "properties" in node or "additionalProperties" in node:
        return "object"
    if "items" in node:
        return "array"
    return "any"
