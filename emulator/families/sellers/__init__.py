"""Sellers v1: the account's marketplace participations and account.
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.sellers import handlers
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    return handlers.install(registry, context)
