"""The OpenAPI 3.0 document of the control plane (/_emulator/openapi.json).

This is the emulator's own API, so it is written here; a test checks that it describes every
control-plane route and nothing else.
"""

from __future__ import annotations

from typing import Any

from emulator import __version__
from emulator.notify_routes import NOTIFICATION_PATHS

_ERRORS = {"$ref": "#/components/schemas/ErrorList"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, ok: dict[str, Any] | None = None, *, status: str = "200",
        body: dict[str, Any] | None = None,
        parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {
        status: ok if ok is not None else {"description": "Done, no content"},
        "400": _json(_ERRORS, "Invalid input"),
        "403": _json(_ERRORS, "The request carried an SP-API access token"),
    }
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": body}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


_OBJECT = {"type": "object"}
_FAULT_RULE = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "operation": {"type": "string", "description": "uid (ordersV0.getOrders) or operationId"},
        "path": {"type": "string", "description": "shell-style pattern, e.g. /orders/v0/*"},
        "seller": {"type": "string"},
        "probability": {"type": "number", "minimum": 0, "maximum": 1, "default": 1},
        "status": {"type": "string", "enum": ["500", "503", "503-html", "429"]},
        "latency_ms": {"type": "integer", "minimum": 0, "maximum": 60000},
        "times": {"type": "integer", "minimum": 1},
    },
}

PATHS: dict[str, dict[str, Any]] = {
    "/_emulator/health": {"get": _op("Readiness and the models served", _json(_OBJECT))},
    "/_emulator/credentials": {
        "get": _op("The apps and sellers with their LWA credentials", _json(_OBJECT))},
    "/_emulator/clock": {"get": _op("The emulator clock", _json(_OBJECT))},
    "/_emulator/clock/advance": {"post": _op(
        "Move the emulator clock forward", _json(_OBJECT),
        body={"type": "object", "required": ["seconds"],
              "properties": {"seconds": {"type": "number", "minimum": 0}}})},
    "/_emulator/faults": {
        "get": _op("The fault rules", _json(_OBJECT)),
        "post": _op("Add a fault rule", _json(_FAULT_RULE, "Created"), status="201",
                    body=_FAULT_RULE),
        "delete": _op("Remove every fault rule", status="204"),
    },
    "/_emulator/faults/{rule_id}": {"delete": {
        **_op("Remove one fault rule", status="204"),
        "parameters": [{"name": "rule_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
    }},
    "/_emulator/journal": {
        "get": _op("Requests answered, oldest first", _json(_OBJECT), parameters=[
            _query("operation", {"type": "string"}, "operation uid or operationId"),
            _query("seller", {"type": "string"}, "seller id"),
            _query("app", {"type": "string"}, "client id"),
            _query("status", {"type": "integer"}, "HTTP status"),
            _query("throttled", {"type": "boolean"}, "only throttled (or not) requests"),
            _query("since", {"type": "string", "format": "date-time"}, "emulator-clock time"),
            _query("limit", {"type": "integer", "default": 100}, "most recent entries"),
        ]),
        "delete": _op("Forget the recorded requests", status="204"),
    },
    "/_emulator/openapi.json": {"get": _op("This document", _json(_OBJECT))},
    "/_emulator/reset": {"post": _op("Back to the seeded state", _json(_OBJECT))},
    "/_emulator/seed": {"post": _op(
        "Another seed and/or scenario (then reset)", _json(_OBJECT),
        body={"type": "object", "properties": {
            "seed": {"type": "integer"},
            "scenario": {"type": "string", "description": "a name in fixtures/scenarios"}}})},
    "/_emulator/state": {
        "get": _op("A snapshot of every generated seller's business", _json(_OBJECT),
                   parameters=[_query("seller", {"type": "string"},
                                      "also generate and include this seller (repeatable)")]),
        "put": _op("Restore a snapshot (validated; refused whole when bad)", _json(_OBJECT),
                   body=_OBJECT),
    },
    "/_emulator/orders": {"post": _op(
        "A new order now, from a short spec", _json(_OBJECT, "Created"), status="201",
        body={"type": "object", "required": ["seller_id"], "properties": {
            "seller_id": {"type": "string"},
            "marketplace_id": {"type": "string"},
            "items": {"type": "array", "items": {"type": "object", "required": ["sku"],
                      "properties": {"sku": {"type": "string"},
                                     "quantity": {"type": "integer", "minimum": 1}}}},
            "status": {"type": "string", "enum": ["Pending", "Unshipped", "Shipped",
                                                  "Canceled"]},
            "fulfillment": {"type": "string", "enum": ["MFN", "AFN"]},
            "is_ispu": {"type": "boolean", "description": "an in-store pickup order"}}})},
}


def control_openapi() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "spapi-emulator control plane", "version": __version__,
                 "description": "Answers only requests without SP-API access tokens."},
        "paths": {**PATHS, **NOTIFICATION_PATHS},
        "components": {"schemas": {"ErrorList": {
            "type": "object", "required": ["errors"],
            "properties": {"errors": {"type": "array", "items": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                               "details": {"type": "string"}}}}}}}},
    }
