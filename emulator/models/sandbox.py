"""Amazon's static sandbox: the `x-amzn-api-sandbox.static` cases of each response, and the
rules that decide whether a request matches one.

Amazon's rules: every parameter a case lists must be present with exactly that value (typed
JSON equality for bodies: `10` is not `10.0`, extra keys do not match); parameters a case does
not list are ignored; matching happens before request validation. Cases are tried most
specific first, so `{sku: BadSKU}` wins over a case that lists nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from emulator.models.spec import Operation

MISSING = object()


@dataclass(frozen=True)
class Case:
    status: int
    matchers: tuple[tuple[str, Any], ...]  # (parameter name, expected JSON value)
    body: bytes  # compact JSON; b"" when the case has no `response`
    headers: tuple[tuple[str, str], ...]
    index: int  # position among the operation's cases, in model order (names a case in tests)

    @property
    def parameterless(self) -> bool:
        return not self.matchers


def compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _unwrap(name: str, raw: Any) -> list[tuple[str, Any]]:
    """Matchers of one listed parameter: `{"value": X}` normally, the raw value in some cases.

    Two defects occur in Amazon's cases and are read as Amazon's sandbox evidently reads them:
    a bare `{}` constrains nothing (Listings' `"body": {}` cases answer any request), and a
    sibling parameter nested inside the body's wrapper (`{"resourceId": {"value": …},
    "value": {…}}` in Services) is its own matcher.
    """
    if isinstance(raw, dict):
        if raw == {}:
            return []
        if "value" in raw:
            siblings = {k: v for k, v in raw.items() if k != "value"}
            if all(isinstance(v, dict) and set(v) == {"value"} for v in siblings.values()):
                return [(name, raw["value"])] + [(k, v["value"]) for k, v in siblings.items()]
    return [(name, raw)]


def cases_of(operation: Operation) -> list[Case]:
    cases: list[Case] = []
    for code, response in operation.spec.get("responses", {}).items():
        static = response.get("x-amzn-api-sandbox", {}).get("static", [])
        for entry in static:
            listed = (entry.get("request") or {}).get("parameters") or {}
            matchers = tuple(m for name, raw in listed.items() for m in _unwrap(name, raw))
            headers = tuple(
                (name, str(_unwrap(name, raw)[0][1]) if _unwrap(name, raw) else "")
                for name, raw in (entry.get("responseHeaders") or {}).items()
            )
            body = compact_json(entry["response"]) if "response" in entry else b""
            cases.append(Case(int(code), matchers, body, headers, len(cases)))
    return cases


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality that keeps types apart (Python says 1 == 1.0 == True; Amazon does not)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _coerce(text: str, like: Any) -> Any:
    """Read a wire string as the JSON type of the expected value (query, path, header)."""
    if isinstance(like, bool):
        return {"true": True, "false": False}.get(text.lower(), MISSING)
    if isinstance(like, int):
        try:
            return int(text)
        except ValueError:
            return MISSING
    if isinstance(like, float):
        try:
            return float(text)
        except ValueError:
            return MISSING
    return text


class RequestValues:
    """The view of one request that matching needs: each parameter by name, as sent."""

    def __init__(self, operation: Operation, path_params: Mapping[str, str],
                 query: Mapping[str, list[str]], headers: Mapping[str, str],
                 body: Any = MISSING) -> None:
        self.operation = operation
        self.path_params = path_params
        self.query = query
        self.headers = headers  # lower-cased names
        self.body = body  # parsed JSON, or MISSING when absent or not JSON

    def matches(self, name: str, expected: Any) -> bool:
        param = self.operation.param_by_name.get(name)
        return self.matches_in(param["in"] if param else None, name, expected, param)

    def matches_in(self, where: str | None, name: str, expected: Any,
                   param: dict[str, Any] | None) -> bool:
        """`matches` with the parameter already looked up (`where`: its `in`, None when the
        model does not name it)."""
        if where == "body" or (where is None and name == "body"):
            return self.body is not MISSING and json_equal(expected, self.body)
        if where == "path" or (where is None and name in self.path_params):
            raw = self.path_params.get(name)
            return raw is not None and json_equal(expected, _coerce(raw, expected))
        if where == "header" or (where is None and name.lower() in self.headers):
            raw = self.headers.get(name.lower())
            return raw is not None and json_equal(expected, _coerce(raw, expected))
        values = self.query.get(name)
        if not values:
            return False
        if type(expected) is str:  # the common case, read as it is
            return values[-1] == expected
        if isinstance(expected, list):
            separator = "|" if param and param.get("collectionFormat") == "pipes" else ","
            items = [item for value in values for item in value.split(separator)]
            if len(items) != len(expected):
                return False
            if items == expected:  # texts as sent (a text never equals a number or a bool)
                return True
            return all(
                json_equal(want, _coerce(got, want))
                for want, got in zip(expected, items, strict=True)
            )
        return json_equal(expected, _coerce(values[-1], expected))


    def only(self, matchers: Sequence[tuple[str, Any]]) -> bool:
        """Whether the request sends no declared query parameter, and no body, beyond the
        names `matchers` list: it is the case's own sample request, not a larger one that
        happens to share one value with it."""
        listed = {name for name, _ in matchers}
        params = self.operation.param_by_name
        if self.body is not MISSING and not any(
                name == "body" or params.get(name, {}).get("in") == "body" for name in listed):
            return False
        return all(name in listed for name, values in self.query.items()
                   if params.get(name, {}).get("in") == "query" and any(values))


class CaseTable:
    """The cases of one operation, in the order they are tried."""

    def __init__(self, operation: Operation,
                 keep: Callable[[Case], bool] = lambda case: True) -> None:
        cases = [case for case in cases_of(operation) if keep(case)]
        self.all = cases
        # Most specific first; the sort is stable, so model order breaks ties.
        self.with_parameters = sorted(
            (c for c in cases if not c.parameterless), key=lambda c: -len(c.matchers)
        )
        self.without_parameters = [c for c in cases if c.parameterless]
        # Matching runs on every request: each case's parameters are looked up once, and what
        # an `allow` says of each case is kept.
        params = operation.param_by_name
        self._plans = [
            (case, [(params[name]["in"] if name in params else None, name, value,
                     params.get(name)) for name, value in case.matchers])
            for case in self.with_parameters]
        self._allowed: dict[Callable[[Case], bool], list[bool]] = {}

    def match(self, request: RequestValues,
              allow: Callable[[Case], bool] | None = None) -> Case | None:
        """The first case that lists at least one parameter and matches them all (among the
        cases `allow` lets through)."""
        allowed = None
        if allow is not None:
            allowed = self._allowed.get(allow)
            if allowed is None:
                allowed = self._allowed[allow] = [allow(case) for case in self.with_parameters]
        for index, (case, plan) in enumerate(self._plans):
            if allowed is not None and not allowed[index]:
                continue
            for where, name, value, param in plan:
                if not request.matches_in(where, name, value, param):
                    break
            else:
                return case
        return None

    def parameterless(self, success_only: bool = False) -> Case | None:
        """The first case that answers any request; with `success_only`, the first 2xx one
        (a catch-all 400 case means "anything else is wrong" only in Amazon's sandbox)."""
        for case in self.without_parameters:
            if not success_only or 200 <= case.status < 300:
                return case
        return None


def names_test_case(case: Case) -> bool:
    """Whether a case is keyed on one of Amazon's sandbox test values (`TEST_CASE_200`,
    `TEST_CASE_400`...): a request carrying one asks for that canned answer on purpose."""
    return any(_has_test_value(value) for _, value in case.matchers)


def _has_test_value(value: Any) -> bool:
    if isinstance(value, str):
        return "test_case" in value.lower()
    if isinstance(value, list):
        return any(_has_test_value(v) for v in value)
    if isinstance(value, dict):
        return any(_has_test_value(v) for v in value.values())
    return False
