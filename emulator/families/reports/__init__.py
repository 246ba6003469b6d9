"""Reports 2021-06-30: reports and schedules on the emulator clock (`book.py`), and the
documents made from the seller's state (`generators/`, one module per report family).

The settlement report renders the finances ledger (`emulator.families.finances`): an
exception to family independence, listed in pyproject.toml.
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.reports import handlers
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    return handlers.install(registry, context)
