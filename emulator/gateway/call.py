"""One SP-API request as the pipeline sees it, from routing to the answer.

Built once per request by the pipeline; later stages add what they learn (the operation, the
caller, the typed parameters). It never touches the network itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from starlette.types import Scope

from emulator.models.sandbox import MISSING
from emulator.models.spec import Operation
from emulator.runtime import strictjson


def parse_query(query_string: bytes) -> dict[str, list[str]]:
    """Every value of every key, in order (clients send `A%2CB` and also repeated keys).

    What urllib's parse_qsl does with keep_blank_values, at a third of its cost: most keys and
    values need no unquoting at all.
    """
    query: dict[str, list[str]] = {}
    if not query_string:
        return query
    for part in query_string.decode("utf-8", "replace").split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        query.setdefault(key, []).append(value)
    return query


def header_map(scope: Scope) -> dict[str, str]:
    """Request headers by lower-case name; a repeated header keeps its last value."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


@dataclass
class Call:
    scope: Scope
    method: str
    raw_path: str
    headers: dict[str, str]
    request_id: str
    body: bytes = b""
    operation: Operation | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    # Filled by validation: parameters by their model names, typed (lists, ints, defaults).
    params: dict[str, Any] | None = None
    # Filled by authentication: who is calling (an auth.Principal).
    principal: Any = None
    # What the journal notes about the call; `source` is also the x-spapi-emulator-source
    # header: stateful, sandbox-case, synthesized (set by answer.py) or gateway.
    source: str = "gateway"
    throttled: bool = False
    fault: str | None = None
    note: str | None = None
    bucket: tuple[float, float, int] | None = None  # tokens left, rate, burst
    case: int | None = None  # the static sandbox case that answered, by its model order
    error: str | None = None  # the SP-API error it ended with: "<code>: <details or message>"

    _query: dict[str, list[str]] | None = field(default=None, repr=False)
    _json: Any = field(default=None, repr=False)
    # Why the body is not strict JSON (not UTF-8, NaN, too deep...), once `json` was read.
    json_error: str | None = field(default=None, repr=False)

    @property
    def query(self) -> dict[str, list[str]]:
        if self._query is None:
            self._query = parse_query(self.scope.get("query_string", b""))
        return self._query

    @property
    def json(self) -> Any:
        """The body as strict JSON, or MISSING when there is none or it is not JSON (then
        `json_error` says why; validation turns it into a 400)."""
        if self._json is None:
            self._json = MISSING
            if self.body.strip():
                try:
                    self._json = strictjson.loads(self.body)
                except strictjson.JsonError as error:
                    self.json_error = str(error)
        return self._json
