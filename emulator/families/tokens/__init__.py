"""Tokens 2021-03-01: Restricted Data Tokens for restricted operations.

The tokens are auth's (`emulator.auth.tokens`); which operations are restricted is
`emulator.models.restricted`.
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.tokens import handlers
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    return handlers.install(registry, context)
