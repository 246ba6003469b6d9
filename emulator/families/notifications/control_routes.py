"""The control-plane route of notifications: `GET /_emulator/notifications`, the outbox of
every message the emulator made, with each target's delivery status, newest last.

The notifications family adds `notification_routes(outbox)` and `NOTIFICATION_PATHS` to the
control plane when it is installed.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator.families.notifications.records import DELIVERY_STATUSES, Outbox

PATH = "/_emulator/notifications"
FILTERS = ("type", "seller", "status", "destination", "limit")
DEFAULT_LIMIT = 100


def _error(message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"code": "InvalidInput", "message": message,
                                     "details": ""}]}, status_code=400)


def notification_routes(outbox: Outbox) -> list[Route]:
    async def notifications(request: Request) -> Response:
        query = request.query_params
        unknown = set(query) - set(FILTERS)
        if unknown:
            return _error(f"Unknown filter(s) {sorted(unknown)}; known: {sorted(FILTERS)}.")
        status = query.get("status")
        if status is not None and status not in DELIVERY_STATUSES:
            return _error(f"'status' must be one of {', '.join(DELIVERY_STATUSES)}.")
        limit_text = query.get("limit", str(DEFAULT_LIMIT))
        if not limit_text.isdigit() or int(limit_text) > outbox.capacity:
            return _error(f"'limit' must be from 0 to {outbox.capacity}.")
        entries = outbox.query(notification_type=query.get("type"), seller=query.get("seller"),
                               status=status, destination=query.get("destination"),
                               limit=int(limit_text))
        return JSONResponse({"notifications": entries, "total": outbox.total,
                             "capacity": outbox.capacity})

    return [Route(PATH, notifications, methods=["GET"])]


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


_ERRORS = {"description": "Invalid filter", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/ErrorList"}}}}

NOTIFICATION_PATHS: dict[str, dict[str, Any]] = {
    PATH: {"get": {
        "summary": "Notification messages made (the outbox), newest last, with each target's "
                   "delivery status",
        "parameters": [
            _query("type", {"type": "string"}, "notification type, e.g. ORDER_CHANGE"),
            _query("seller", {"type": "string"}, "seller id"),
            _query("status", {"type": "string", "enum": list(DELIVERY_STATUSES)},
                   "entries with a target in this delivery status"),
            _query("destination", {"type": "string"}, "destination id"),
            _query("limit", {"type": "integer", "minimum": 0, "default": DEFAULT_LIMIT},
                   "most recent entries"),
        ],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {
                "type": "object", "required": ["notifications", "total", "capacity"],
                "properties": {
                    "notifications": {"type": "array", "items": {"type": "object"}},
                    "total": {"type": "integer",
                              "description": "messages made since the start"},
                    "capacity": {"type": "integer",
                                 "description": "messages the outbox keeps"}}}}}},
            "400": _ERRORS,
            "403": {"description": "The request carried an SP-API access token",
                    "content": _ERRORS["content"]},
        },
    }},
}
