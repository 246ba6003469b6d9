"""The OpenAPI 3.0 document of the control plane (/_emulator/openapi.json).

This is the emulator's own API, so it is written here; the families add the paths of the routes
they add. A test checks that it describes every control-plane route and nothing else.
"""

from __future__ import annotations

from typing import Any

from emulator import __version__

_ERRORS = {"$ref": "#/components/schemas/ErrorList"}


def json_content(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def operation(summary: str, ok: dict[str, Any] | None = None, *, status: str = "200",
        body: dict[str, Any] | None = None, body_required: bool = True,
        parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {
        status: ok if ok is not None else {"description": "Done, no content"},
        "400": json_content(_ERRORS, "Invalid input"),
        "403": json_content(_ERRORS, "The request carried an SP-API access token"),
    }
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": body_required,
                                    "content": {"application/json": {"schema": body}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


OBJECT = {"type": "object"}
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
    "/_emulator/health": {
        "get": operation("Readiness and the models served", json_content(OBJECT))},
    "/_emulator/credentials": {
        "get": operation("The apps and sellers with their LWA credentials", json_content(OBJECT))},
    "/_emulator/clock": {"get": operation("The emulator clock", json_content(OBJECT))},
    "/_emulator/clock/advance": {"post": operation(
        "Move the emulator clock forward; everything due in between happens, in order",
        json_content(OBJECT),
        body={"type": "object", "minProperties": 1,
              "properties": {"seconds": {"type": "number", "minimum": 0},
                             "hours": {"type": "number", "minimum": 0},
                             "days": {"type": "number", "minimum": 0}}})},
    "/_emulator/faults": {
        "get": operation("The fault rules", json_content(OBJECT)),
        "post": operation("Add a fault rule", json_content(_FAULT_RULE, "Created"), status="201",
                    body=_FAULT_RULE),
        "delete": operation("Remove every fault rule", status="204"),
    },
    "/_emulator/faults/{rule_id}": {"delete": {
        **operation("Remove one fault rule", status="204"),
        "parameters": [{"name": "rule_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
    }},
    "/_emulator/coverage": {
        "get": operation("How each operation is answered today: stateful, sandbox-case or "
                         "synthesized", json_content(OBJECT), parameters=[
                             _query("answer", {"type": "string", "enum": [
                                 "stateful", "sandbox-case", "synthesized"]}, "only these"),
                             _query("model", {"type": "string"}, "one model, e.g. ordersV0"),
                         ]),
    },
    "/_emulator/journal": {
        "get": operation("Requests answered, oldest first", json_content(OBJECT), parameters=[
            _query("operation", {"type": "string"}, "operation uid or operationId"),
            _query("seller", {"type": "string"}, "seller id"),
            _query("app", {"type": "string"}, "client id"),
            _query("status", {"type": "integer"}, "HTTP status"),
            _query("throttled", {"type": "boolean"}, "only throttled (or not) requests"),
            _query("since", {"type": "string", "format": "date-time"}, "emulator-clock time"),
            _query("source", {"type": "string", "enum": [
                "stateful", "sandbox-case", "synthesized", "gateway"]},
                "where the answer came from (x-spapi-emulator-source)"),
            _query("limit", {"type": "integer", "default": 100}, "most recent entries"),
            _query("plane", {"type": "string", "default": "sp-api",
                             "enum": ["sp-api", "lwa", "control", "documents", "all"]},
                   "which requests: SP-API's (default), LWA's, the control plane's, "
                   "document URLs', or all"),
        ]),
        "delete": operation("Forget the recorded requests", status="204"),
    },
    "/_emulator/journal/changes": {
        "get": operation("Changes to the sellers' records with their cause, oldest first",
                         json_content(OBJECT), parameters=[
            _query("seller", {"type": "string"}, "seller id"),
            _query("cause", {"type": "string", "enum": ["scenario", "client", "control"]},
                   "who made the change"),
            _query("kind", {"type": "string"},
                   "order, listing, inventory, catalog, offers or settlement"),
            _query("key", {"type": "string"}, "the record's key: order id, SKU, ASIN"),
            _query("since", {"type": "string", "format": "date-time"}, "emulator-clock time"),
            _query("limit", {"type": "integer", "default": 100}, "most recent entries"),
        ])},
    "/_emulator/openapi.json": {"get": operation("This document", json_content(OBJECT))},
    "/_emulator/reset": {"post": operation(
        "Back to the seeded state: sellers' business, reports, feeds, documents and throttling "
        "buckets; the parts named true are cleared too", json_content(OBJECT),
        body={"type": "object", "properties": {
            "notifications": {"type": "boolean", "description": "destinations, subscriptions"},
            "outbox": {"type": "boolean", "description": "the notification outbox"},
            "journal": {"type": "boolean", "description": "the request journal"},
            "faults": {"type": "boolean", "description": "the fault rules"}}},
        body_required=False)},
    "/_emulator/throttle/reset": {"post": operation(
        "Refill every throttling bucket (nothing else changes)", status="204")},
    "/_emulator/seed": {"post": operation(
        "Another seed and/or scenario (then reset)", json_content(OBJECT),
        body={"type": "object", "properties": {
            "seed": {"type": "integer"},
            "scenario": {"type": "string", "description": "a name in fixtures/scenarios"}}})},
    "/_emulator/state": {
        "get": operation("A snapshot of every generated seller's business", json_content(OBJECT),
                   parameters=[_query("seller", {"type": "string"},
                                      "also generate and include this seller (repeatable)")]),
        "put": operation("Restore a snapshot (validated; refused whole when bad)",
                         json_content(OBJECT), body=OBJECT),
    },
}


def control_openapi(extra_paths: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "spapi-emulator control plane", "version": __version__,
                 "description": "Answers only requests without SP-API access tokens."},
        "paths": {**PATHS, **(extra_paths or {})},
        "components": {"schemas": {"ErrorList": {
            "type": "object", "required": ["errors"],
            "properties": {"errors": {"type": "array", "items": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                               "details": {"type": "string"}}}}}}}},
    }
