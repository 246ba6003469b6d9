"""One SP-API request as the pipeline sees it, from routing to the answer.

Built once per request by the pipeline; later stages add what they learn (the operation, the
caller, the typed parameters). It never touches the network itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Scope

from emulator.sandbox import MISSING
from emulator.spec import Operation


def parse_query(query_string: bytes) -> dict[str, list[str]]:
    """Every value of every key, in order (clients send `A%2CB` and also repeated keys)."""
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True):
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
    # Filled by authentication (the auth issue): who is calling.
    principal: Any = None

    @cached_property
    def query(self) -> dict[str, list[str]]:
        return parse_query(self.scope.get("query_string", b""))

    @cached_property
    def json(self) -> Any:
        """The body as JSON, or MISSING when there is none or it is not JSON."""
        if not self.body.strip():
            return MISSING
        try:
            return json.loads(self.body)
        except ValueError:
            return MISSING
