"""Product Fees v0: fee estimates for SKUs and ASINs.

The fee schedule is the business core's (`emulator.business.fees`), shared with the
financial events, so an estimate agrees with what orders settle.
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.fees import handlers
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    return handlers.install(registry, context)
