"""How some SP-API services phrase a request that breaks their model, where they do not answer
with the gateway's generic InvalidInput.

- Merchant Fulfillment v0 validates like an AWS Coral service: `1 validation error detected:
  Value 'USA' at 'shipmentRequestDetails.shipFromAddress.countryCode' failed to satisfy
  constraint: Member must have length less than or equal to 2` (its sandbox 400 case); every
  broken constraint is listed, joined by "; ".
- Shipping v2 answers InvalidRequest "Request is missing or has invalid parameters" with what
  is wrong in `details`: "ChannelDetails object cannot be null", "RateId cannot be null" for
  missing members (its model's examples), the constraint otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from jsonschema import ValidationError

from emulator.gateway.errors import InvalidInput, InvalidRequest, SpApiError

# (value, path, constraint): one broken rule, with its member's path as Coral writes it.
Problem = tuple[Any, str, str]


def coral_path(parts: Iterable[str | int]) -> str:
    """A member path as Coral writes it: lowerCamel names joined by dots, list members as
    `itemList.1.member.quantity` (1-based)."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out += [str(part + 1), "member"]
        else:
            out.append(part[:1].lower() + part[1:])
    return ".".join(out)


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "'[" + ", ".join(str(v) for v in value) + "]'"
    if isinstance(value, dict):
        return "'{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}'"
    return f"'{value}'"


def coral(problems: Sequence[Problem]) -> InvalidInput:
    """Coral's InvalidInput listing every problem."""
    count = len(problems)
    parts = [f"Value {_shown(value)} at '{path}' failed to satisfy constraint: {constraint}"
             for value, path, constraint in problems]
    return InvalidInput(f"{count} validation error{'s' if count > 1 else ''} detected: "
                        + "; ".join(parts))


def _constraint(error: ValidationError) -> str:
    keyword, limit = error.validator, error.validator_value
    if keyword == "maxLength":
        return f"Member must have length less than or equal to {limit}"
    if keyword == "minLength":
        return f"Member must have length greater than or equal to {limit}"
    if keyword == "pattern":
        return f"Member must satisfy regular expression pattern: {limit}"
    if keyword == "enum":
        return f"Member must satisfy enum value set: [{', '.join(map(str, limit))}]"
    if keyword in ("maximum", "minimum"):
        side = "less" if keyword == "maximum" else "greater"
        return f"Member must have value {side} than or equal to {limit}"
    if keyword in ("maxItems", "minItems"):
        side = "less" if keyword == "maxItems" else "greater"
        return f"Member must have length {side} than or equal to {limit}"
    if keyword == "type":
        return f"Member must be of type {limit}"
    return f"Member must satisfy {keyword}: {limit}"


def _coral_problems(errors: Sequence[ValidationError]) -> list[Problem]:
    problems: list[Problem] = []
    for error in errors:
        path = list(error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else "?"
            problems.append((None, coral_path([*path, missing]), "Member must not be null"))
        else:
            problems.append((error.instance, coral_path(path), _constraint(error)))
    return problems


def _cannot_be_null(name: str, schema: dict[str, Any]) -> str:
    """Shipping v2's words for a missing member: "ChannelDetails object cannot be null",
    "RateId cannot be null"."""
    pascal = name[:1].upper() + name[1:]
    is_object = schema.get("type") == "object" or "properties" in schema or "$ref" in schema
    return f"{pascal} object cannot be null" if is_object else f"{pascal} cannot be null"


def _shipping_v2(errors: Sequence[ValidationError]) -> InvalidRequest:
    error = errors[0]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        member = (error.schema.get("properties") or {}).get(missing, {})
        return InvalidRequest(details=_cannot_be_null(missing, member))
    where = "/".join(str(p) for p in error.absolute_path)
    return InvalidRequest(details=f"Invalid value at '{where}': {error.message}" if where
                          else error.message)


_PARAMETER_PATTERN = re.compile(
    r"Invalid (?:path|query) parameter '(?P<name>[^']+)': '(?P<value>.*)' does not match "
    r"'(?P<pattern>.*)'\.$")


def _coral_other(message: str) -> InvalidInput:
    """A parameter that breaks its pattern, in Coral's words (the sandbox's getShipment 400:
    "Value 'TEST_CASE_400' at 'shipmentId' failed to satisfy constraint: Member must satisfy
    regular expression pattern: ..."); any other problem as it is."""
    match = _PARAMETER_PATTERN.match(message)
    if match is None:
        return InvalidInput(message)
    pattern = match.group("pattern").removeprefix("^").removesuffix("$")
    return coral([(match.group("value"), match.group("name"),
                   f"Member must satisfy regular expression pattern: {pattern}")])


class Style:
    """A service's phrasing: of the body's schema errors (all of them, shallowest first), and
    of any other problem (a missing parameter, a body that is not JSON)."""

    def __init__(self, body: Callable[[Sequence[ValidationError]], SpApiError],
                 other: Callable[[str], SpApiError]) -> None:
        self.body = body
        self.other = other


STYLES: dict[str, Style] = {
    "merchantFulfillmentV0": Style(lambda errors: coral(_coral_problems(errors)), _coral_other),
    "shippingV2": Style(_shipping_v2, lambda message: InvalidRequest(details=message)),
}


def style_for(model_name: str) -> Style | None:
    return STYLES.get(model_name)
