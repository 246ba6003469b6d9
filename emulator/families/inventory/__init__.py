"""FBA Inventory v1: inventory summaries over the seller's FBA stock.

`rules.py` changes the stock (the sandbox-only create/add/delete operations);
`handlers.py` reads and pages it.
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.inventory import handlers
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    return handlers.install(registry, context)
