"""Builds the HTTP request that a static sandbox case describes (used by the parity tests)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from emulator.sandbox import Case
from emulator.spec import Operation


@dataclass
class CaseRequest:
    method: str
    url: str
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_wire(v) for v in value)
    return str(value)


def request_for(operation: Operation, case: Case) -> CaseRequest:
    listed = dict(case.matchers)
    path_values: dict[str, str] = {}
    request = CaseRequest(method=operation.method, url="")
    for name, value in listed.items():
        param = operation.param_by_name.get(name)
        where = param["in"] if param else ("body" if name == "body" else "query")
        if where == "path":
            safe = "/" if param and param.get("x-emulator-greedy") else ""
            path_values[name] = quote(_wire(value), safe=safe)
        elif where == "body":
            request.content = json.dumps(value).encode()
            request.headers["content-type"] = "application/json"
        elif where == "header":
            request.headers[name] = _wire(value)
        else:
            request.params.append((name, _wire(value)))
    segments = []
    for segment in operation.path.split("/"):
        if segment.startswith("{"):
            segments.append(path_values.get(segment[1:-1], "unlisted"))
        else:
            segments.append(segment)
    request.url = "/".join(segments)
    return request
