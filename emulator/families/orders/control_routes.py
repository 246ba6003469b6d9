"""The control-plane routes of orders: `POST /_emulator/orders` (a new order now, from a short
spec) and `POST /_emulator/orders/{orderId}/{move}` (ship, cancel, deliver, return, refund),
through the same rules (stock, events, finances) as the APIs and the living store. Both answer
the order as Orders v0's `Order` object (getOrder's payload, with the buyer's data)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator.auth.accounts import Accounts
from emulator.business.entities import Order
from emulator.business.store import SellerState, StateStore
from emulator.control.openapi import OBJECT, json_content, operation
from emulator.control.plane import ControlError, json_body
from emulator.families.common import parse_time
from emulator.families.orders import rules as order_rules
from emulator.families.orders.handlers_v0 import order_json
from emulator.gateway.errors import SpApiError

PATH = "/_emulator/orders"
MOVES = ("ship", "cancel", "deliver", "return", "refund")
_ITEMS = {"type": "array", "items": {"type": "object", "required": ["order_item_id"],
                                     "properties": {"order_item_id": {"type": "string"},
                                                    "quantity": {"type": "integer",
                                                                 "minimum": 1}}}}
_SELLER = {"seller_id": {"type": "string"}}
_MOVE_BODIES: dict[str, dict[str, Any]] = {
    "ship": {**_SELLER, "carrier": {"type": "string"}, "tracking_number": {"type": "string"},
             "ship_date": {"type": "string", "format": "date-time"},
             "method": {"type": "string"}, "items": _ITEMS},
    "cancel": {**_SELLER, "by": {"type": "string", "enum": list(order_rules.CANCELLERS)}},
    "deliver": dict(_SELLER),
    "return": {**_SELLER, "items": _ITEMS, "reason": {"type": "string"},
               "disposition": {"type": "string", "enum": list(order_rules.DISPOSITIONS)}},
    "refund": dict(_SELLER),
}
_MOVE_SUMMARIES = {
    "ship": "Ship the order: Amazon an FBA order, the seller a merchant-fulfilled one",
    "cancel": "Cancel the order (by the seller or the buyer); its units come back",
    "deliver": "The carrier delivers the order's packages",
    "return": "The buyer returns units (FBA units back to inventory, graded)",
    "refund": "Refund the whole order (a refund event in Finances)",
}

ORDER_PATHS: dict[str, dict[str, Any]] = {
    PATH: {"post": operation(
        "A new order now, from a short spec; answers Orders v0's Order",
        json_content(OBJECT, "Created"), status="201",
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
    **{f"{PATH}/{{order_id}}/{move}": {"post": {
        **operation(summary + "; answers Orders v0's Order", json_content(OBJECT),
                    body={"type": "object", "required": ["seller_id"],
                          "properties": _MOVE_BODIES[move]}),
        "parameters": [{"name": "order_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
    }} for move, summary in _MOVE_SUMMARIES.items()},
}


def _items(value: object) -> list[tuple[str, int]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(
            isinstance(i, dict) and isinstance(i.get("order_item_id"), str) for i in value):
        raise ControlError(400, "InvalidInput",
                           'items: expected [{"order_item_id": …, "quantity": …}]')
    items = []
    for index, item in enumerate(value):
        quantity = item.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise ControlError(400, "InvalidInput", f"items[{index}].quantity: a whole number "
                               ">= 1")
        items.append((item["order_item_id"], quantity))
    return items


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or not value):
        raise ControlError(400, "InvalidInput", f"{name}: a non-empty string")
    return value


def _ship_date(body: dict[str, Any]) -> float | None:
    value = _text(body, "ship_date")
    if value is None:
        return None
    try:
        return parse_time(value, "ship_date")
    except SpApiError:
        raise ControlError(400, "InvalidInput", "ship_date: an ISO 8601 date-time") from None


Move = Callable[[StateStore, SellerState, Order, dict[str, Any]], None]
_MOVES: dict[str, Move] = {
    "ship": lambda store, state, order, body: order_rules.ship_order(
        store, state, order, carrier=_text(body, "carrier"),
        tracking_number=_text(body, "tracking_number"), ship_date=_ship_date(body),
        items=_items(body.get("items")), method=_text(body, "method")),
    "cancel": lambda store, state, order, body: order_rules.cancel_order(
        store, state, order, body.get("by", "seller")),
    "deliver": lambda store, state, order, body: order_rules.deliver_order(store, state, order),
    "return": lambda store, state, order, body: order_rules.return_order(
        store, state, order, items=_items(body.get("items")),
        disposition=_text(body, "disposition"), reason=_text(body, "reason")),
    "refund": lambda store, state, order, body: order_rules.refund_order(store, state, order),
}


def order_routes(accounts: Accounts, store: StateStore) -> list[Route]:
    async def seller_state(body: Any, known: set[str], hint: str) -> SellerState:
        if not isinstance(body, dict) or not isinstance(body.get("seller_id"), str):
            raise ControlError(400, "InvalidInput", f'Expected {{"seller_id": …}}{hint}.')
        unknown = set(body) - known
        if unknown:
            raise ControlError(400, "InvalidInput",
                               f"unknown field(s) {sorted(unknown)}; known: {sorted(known)}")
        seller = accounts.seller(body["seller_id"])
        if seller is None:
            raise ControlError(404, "NotFound", f"No seller {body['seller_id']!r}.")
        return store.of(seller)

    async def new_order(request: Request) -> Response:
        body = await json_body(request)
        state = await seller_state(body, {"seller_id", "marketplace_id", "items", "status",
                                          "fulfillment", "is_ispu"},
                                   " and optionally marketplace_id, items [{sku, quantity}], "
                                   "status, fulfillment, is_ispu")
        try:
            spec = order_rules.parse_new_order(body)
            # The order and the stock it takes, or nothing.
            with store.acting("control"), store.transaction():
                order = order_rules.create_order(store, state, spec)
        except order_rules.OrderError as error:
            raise ControlError(400, "InvalidInput", str(error)) from None
        finally:
            store.flush()
        return JSONResponse(order_json(order), status_code=201, headers={
            "Location": f"/orders/v0/orders/{order.order_id}"})

    async def move_order(request: Request) -> Response:
        move = request.url.path.rsplit("/", 1)[1]
        body = await json_body(request)
        state = await seller_state(body, set(_MOVE_BODIES[move]), "")
        try:
            order = order_rules.find(state, request.path_params["order_id"])
        except order_rules.OrderError as error:
            raise ControlError(404, "NotFound", str(error)) from None
        try:
            with store.acting("control"), store.transaction():  # the move whole, or nothing
                _MOVES[move](store, state, order, body)
        except order_rules.OrderError as error:
            raise ControlError(400, "InvalidInput", str(error)) from None
        finally:
            store.flush()
        return JSONResponse(order_json(order))

    return [Route(PATH, new_order, methods=["POST"]),
            *(Route(f"{PATH}/{{order_id}}/{move}", move_order, methods=["POST"])
              for move in MOVES)]
