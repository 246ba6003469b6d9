"""Feeds 2021-06-30: feed documents uploaded to presigned URLs, the feed lifecycle on the
emulator clock (`book.py`), and the processors that apply each feed type (`processors/`).

Listings feeds apply the Listings Items rules of `emulator.families.listings` (an
exception to family independence, listed in pyproject.toml).
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.feeds import handlers
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    return handlers.install(registry, context)
