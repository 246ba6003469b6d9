"""Catalog Items 2022-04-01: search and get over the seller's catalog.

The catalog itself (items, identifiers, classifications, facts listings add) is the
business core's (`emulator.business.catalog`): listings and pricing read it too.
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.catalog import handlers
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    return handlers.install(registry, context)
