"""Orders v0 and Orders 2026-01-01 over the seller's orders.

`rules.py` changes orders (new orders, confirmShipment, in-store pickup updates) and
`queries.py` selects them with Amazon's filter rules; `handlers_v0.py` and
`handlers_2026.py` render the two APIs' shapes of the same orders. The family also adds
`POST /_emulator/orders` to the control plane (`control_routes.py`).
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.orders import control_routes, handlers_2026, handlers_v0
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    context.control.routes.extend(control_routes.order_routes(context.accounts, context.store))
    context.control.paths.update(control_routes.ORDER_PATHS)
    handlers_2026.install(registry, context)
    return handlers_v0.install(registry, context)
