"""HTTP requests built from the models: the request each static sandbox case describes, and a
valid request for any operation. Used by the parity and sweep tests, the benchmarks and the
contract suite, so all of them exercise the emulator the same way."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from emulator.models.sandbox import Case
from emulator.models.spec import Operation
from emulator.models.synth import Synthesizer


@dataclass
class ModelRequest:
    method: str
    url: str  # path only, percent-encoded
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None

    def as_httpx(self) -> dict[str, Any]:
        """Keyword arguments for `httpx.Client.request`."""
        return {"method": self.method, "url": self.url, "params": self.params,
                "headers": self.headers, "content": self.content}


def wire_value(value: Any, collection_format: str | None = None) -> str:
    """A JSON value as it travels in a path, query or header (lists comma-joined)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        separator = "|" if collection_format == "pipes" else ","
        return separator.join(wire_value(v) for v in value)
    return str(value)


def _path(operation: Operation, values: dict[str, str]) -> str:
    segments = []
    for segment in operation.path.split("/"):
        if segment.startswith("{"):
            name = segment[1:-1]
            param = operation.param_by_name.get(name, {})
            safe = "/" if param.get("x-emulator-greedy") else ""
            segments.append(quote(values.get(name, "unlisted"), safe=safe))
        else:
            segments.append(segment)
    return "/".join(segments)


def case_request(operation: Operation, case: Case) -> ModelRequest:
    """The request a static case lists; parameters it does not list are left out (path
    parameters it does not list get a placeholder, since the path needs a segment)."""
    request = ModelRequest(method=operation.method, url="")
    path_values: dict[str, str] = {}
    for name, value in case.matchers:
        param = operation.param_by_name.get(name)
        where = param["in"] if param else ("body" if name == "body" else "query")
        if where == "path":
            path_values[name] = wire_value(value)
        elif where == "body":
            request.content = json.dumps(value).encode()
            request.headers["content-type"] = "application/json"
        elif where == "header":
            request.headers[name] = wire_value(value)
        else:
            request.params.append((name, wire_value(value)))
    request.url = _path(operation, path_values)
    return request


def valid_request(operation: Operation, seed: int,
                  synthesizer: Synthesizer | None = None, *,
                  optional: Callable[[dict[str, Any]], bool] | None = None,
                  adjust: Callable[[str, Any], Any] | None = None) -> ModelRequest:
    """A request that satisfies the model: every required parameter and a schema-valid body,
    values synthesized deterministically from `seed`. `optional` says which optional
    parameters to send too; `adjust(name, value)` may replace any parameter's value, and
    any body field's (by its name)."""
    synthesizer = synthesizer or Synthesizer(operation.model)
    rnd = random.Random(f"{operation.uid}:{seed}")
    adjust = adjust or (lambda name, value: value)
    path_values = {
        p["name"]: wire_value(adjust(p["name"], synthesizer.parameter(p, rnd)))
        for p in operation.parameters_in("path")
    }
    request = ModelRequest(method=operation.method, url=_path(operation, path_values))
    for param in operation.parameters:
        wanted = param.get("required") or (optional is not None and optional(param))
        if not wanted or param["in"] == "path":
            continue
        if param["in"] == "body":
            body = _adjusted(synthesizer.value(param.get("schema", {}), rnd), adjust)
            request.content = json.dumps(body).encode()
            request.headers["content-type"] = "application/json"
            continue
        value = adjust(param["name"], synthesizer.parameter(param, rnd))
        text = wire_value(value, param.get("collectionFormat"))
        if param["in"] == "query":
            request.params.append((param["name"], text))
        elif param["in"] == "header":
            request.headers[param["name"]] = text
    return request


def _adjusted(value: Any, adjust: Callable[[str, Any], Any]) -> Any:
    if isinstance(value, dict):
        return {k: adjust(k, _adjusted(v, adjust)) for k, v in value.items()}
    if isinstance(value, list):
        return [_adjusted(v, adjust) for v in value]
    return value
