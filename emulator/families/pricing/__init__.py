"""Product Pricing v0: prices, competitive pricing and offers.

Offers are the business core's (`emulator.business.offers`): the ANY_OFFER_CHANGED
notification reads the same offers.
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.pricing import handlers
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    return handlers.install(registry, context)
