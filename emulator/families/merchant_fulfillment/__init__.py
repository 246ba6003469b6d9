"""Merchant Fulfillment v0 (Buy Shipping), stateful: eligible shipping services for the
seller's merchant-fulfilled orders, buying a label (a real PDF, PNG or ZPL file) that ships the
order's items, reading and cancelling it (refunds on the emulator clock), and the inputs an
international shipment needs. `rules.py` holds the rules, `handlers.py` Amazon's shapes; the
carriers, labels and label records are the business core's (carriers.py, labels.py,
shipments.py).
"""

from __future__ import annotations

from emulator.business import shipments
from emulator.families import ApiContext
from emulator.families.merchant_fulfillment import handlers
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    context.store.register(shipments.RECORDS)
    return handlers.install(registry, context)
