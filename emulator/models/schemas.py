"""Checking values against the schemas of Amazon's models.

`validator_for(model, schema)` gives a cached Draft 4 validator whose `#/definitions/...`
references resolve in the model document; `format_checker()` is the format checking of
requests: lenient ISO 8601 dates and date-times, as SP-API really accepts them, and the
int32/int64 ranges. `strict=True` checks answers as a client's generated code reads them:
RFC 3339 date-times (a date, a time and an offset) and full dates. `fast_check(schema)`
compiles a schema with fastjsonschema (forty times faster on large bodies), with the same
formats, for a quick "valid?" before the full validator is asked why not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import jsonschema
from jsonschema.protocols import Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

if TYPE_CHECKING:
    from emulator.models.spec import ApiModel


_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-](\d{2}):(\d{2}))?)?"
)


def _valid_date(year: str, month: str, day: str) -> bool:
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _is_date(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    match = _DATE_RE.fullmatch(instance)
    return bool(match) and _valid_date(*match.groups())


def _is_date_time(instance: object) -> bool:
    """Lenient ISO 8601, as SP-API really sends and accepts it.

    Amazon's answers and examples use a bare date, a missing offset and missing seconds; a strict
    RFC 3339 check would reject their own sandbox data.
    """
    if not isinstance(instance, str):
        return True
    match = _DATETIME_RE.fullmatch(instance)
    if not match:
        return False
    year, month, day, hour, minute, second, off_h, off_m = match.groups()
    if not _valid_date(year, month, day):
        return False
    limits = ((hour, 23), (minute, 59), (second, 60), (off_h, 23), (off_m, 59))  # 60: leap second
    return all(part is None or int(part) <= top for part, top in limits)


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))"
)
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


def _is_rfc3339(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    match = _RFC3339.fullmatch(instance)
    return bool(match) and _is_date_time(instance)


def _in_range(low: int, high: int) -> Any:
    def check(instance: object) -> bool:
        if isinstance(instance, bool) or not isinstance(instance, int):
            return True
        return low <= instance <= high
    return check


@functools.cache
def format_checker(strict: bool = False) -> jsonschema.FormatChecker:
    """jsonschema's checkers that need no extra packages, with date and date-time replaced
    (lenient ISO 8601, or RFC 3339 when `strict`), and the int32/int64 ranges."""
    checker = jsonschema.FormatChecker()
    checker.checks("date")(_is_date)
    checker.checks("date-time")(_is_rfc3339 if strict else _is_date_time)
    checker.checks("int32")(_in_range(*INT32))
    checker.checks("int64")(_in_range(*INT64))
    return checker


# Validators are cached by object identity. Each entry keeps its model and schema alive, so an id
# can never be reused by another object while its entry exists.
_ROOT_VALIDATORS: dict[tuple[int, bool], tuple[ApiModel, Validator]] = {}
_VALIDATORS: dict[tuple[int, int, bool], tuple[ApiModel, dict[str, Any], Validator]] = {}
_VALIDATOR_CACHE_LIMIT = 50_000


def _root_validator(model: ApiModel, strict: bool) -> Validator:
    hit = _ROOT_VALIDATORS.get((id(model), strict))
    if hit is not None and hit[0] is model:
        return hit[1]
    # The model document is the root resource (base URI ""), so a "#/definitions/X" found in any
    # schema taken from it resolves against the document; it is also registered under a URN so
    # that absolute references to the model work too. `evolve` keeps this resolver.
    resource = DRAFT4.create_resource(model.document)
    registry: Registry[Any] = Registry().with_resource(f"urn:spapi-model:{model.name}", resource)
    root = jsonschema.Draft4Validator(
        model.document, registry=registry, format_checker=format_checker(strict)
    )
    _ROOT_VALIDATORS[(id(model), strict)] = (model, root)
    return root


def validator_for(model: ApiModel, schema: dict[str, Any], strict: bool = False) -> Validator:
    """A Draft 4 validator for `schema` (a schema object of `model`), cached per schema object;
    `strict`: RFC 3339 date-times."""
    key = (id(model), id(schema), strict)
    hit = _VALIDATORS.get(key)
    if hit is not None and hit[0] is model and hit[1] is schema:
        return hit[2]
    if len(_VALIDATORS) >= _VALIDATOR_CACHE_LIMIT:
        _VALIDATORS.clear()  # only throwaway schemas get here; the model ones come back quickly
    validator = _root_validator(model, strict).evolve(schema=schema)
    _VALIDATORS[key] = (model, schema, validator)
    return validator


def fast_check(schema: dict[str, Any]) -> Callable[[Any], bool] | None:
    """`schema` (self-contained: no references left) compiled by fastjsonschema as a Draft 4
    predicate with the formats of format_checker(); None when it cannot be compiled (a
    recursive schema). Only a quick yes: a value it refuses goes to the full validator, which
    decides and says why."""
    import fastjsonschema  # here: only a schema in steady use needs it, never a start

    checker = format_checker()
    formats = {name: functools.partial(_conforms, checker, name) for name in checker.checkers}
    try:
        compiled = fastjsonschema.compile(
            {"$schema": "http://json-schema.org/draft-04/schema#", **schema}, formats=formats,
            use_default=False)
    except (RecursionError, fastjsonschema.JsonSchemaDefinitionException, TypeError,
            ValueError):
        return None

    def check(value: Any) -> bool:
        try:
            compiled(value)
        except fastjsonschema.JsonSchemaValueException:
            return False
        return True

    return check


def _conforms(checker: jsonschema.FormatChecker, name: str, value: Any) -> bool:
    return bool(checker.conforms(value, name))
