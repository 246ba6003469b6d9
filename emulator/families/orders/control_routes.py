"""The control-plane route of orders: `POST /_emulator/orders`, a new order now from a short
spec, through the same rules (stock, events) as the orders the business makes itself."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator.auth.accounts import Accounts
from emulator.business.snapshot import dump
from emulator.business.store import StateStore
from emulator.control.openapi import OBJECT, json_content, operation
from emulator.control.plane import ControlError, json_body
from emulator.families.orders import rules as order_rules

PATH = "/_emulator/orders"

ORDER_PATHS: dict[str, dict[str, Any]] = {
    PATH: {"post": operation(
        "A new order now, from a short spec", json_content(OBJECT, "Created"), status="201",
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


def order_routes(accounts: Accounts, store: StateStore) -> list[Route]:
    async def new_order(request: Request) -> Response:
        body = await json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("seller_id"), str):
            raise ControlError(400, "InvalidInput",
                               'Expected {"seller_id": …} and optionally marketplace_id, '
                               "items [{sku, quantity}], status, fulfillment, is_ispu.")
        seller = accounts.seller(body["seller_id"])
        if seller is None:
            raise ControlError(404, "NotFound", f"No seller {body['seller_id']!r}.")
        try:
            spec = order_rules.parse_new_order(body)
            state = store.of(seller)
            order = order_rules.create_order(store, state, spec)
        except order_rules.OrderError as error:
            raise ControlError(400, "InvalidInput", str(error)) from None
        finally:
            store.flush()
        return JSONResponse({"seller_id": seller.seller_id, "order": dump(order)},
                            status_code=201)

    return [Route(PATH, new_order, methods=["POST"])]
