"""Send to Amazon (Fulfillment Inbound 2024-03-20, and v0 getLabels): inbound plans whose
packing, placement and transportation are generated and confirmed step by step through
asynchronous operations, then shipments that travel on the emulator clock into Amazon's
fulfillment centers and turn inbound units into fulfillable stock.
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    return None
