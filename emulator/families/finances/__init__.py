"""Finances v0 and 2024-06-19: financial events, event groups and transactions.

`ledger.py` derives the events and 14-day settlement groups from the orders;
`handlers.py` pages and renders them.
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.finances import handlers
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    return handlers.install(registry, context)
