"""Listings Items 2021-08-01: put, patch, delete, get and search the seller's listings.

`rules.py` validates and applies submissions (also used by the listings feeds);
`handlers.py` translates between HTTP and the rules.
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.listings import handlers
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    return handlers.install(registry, context)
