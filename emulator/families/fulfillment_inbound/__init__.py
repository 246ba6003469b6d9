"""Send to Amazon (Fulfillment Inbound 2024-03-20, and v0 getLabels): inbound plans whose
packing, placement and transportation are generated and confirmed step by step through
asynchronous operations, then shipments that travel on the emulator clock into Amazon's
fulfillment centers and turn inbound units into fulfillable stock.

`records.py` holds plans and operations; `book.py` keeps them, draws their ids and runs the
operations and shipment steps on the scheduler; `rules.py` is the step order and what each
operation does; `planning.py` builds the options Amazon offers; `shipping.py` moves confirmed
shipments and the stock; `handlers.py`, `handlers_v0.py` and `render.py` are the HTTP side.
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.fulfillment_inbound import handlers, handlers_v0
from emulator.families.fulfillment_inbound.book import InboundBook
from emulator.families.fulfillment_inbound.rules import InboundRules
from emulator.families.fulfillment_inbound.shipping import Shipping
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    book = InboundBook(context.store, context.scheduler, context.settings.lifecycle)
    rules = InboundRules(book, Shipping(book))
    handlers_v0.install(registry, context, book)
    return handlers.install(registry, context, book, rules)
