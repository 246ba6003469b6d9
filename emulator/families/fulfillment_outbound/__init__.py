"""Multi-Channel Fulfillment (Fulfillment Outbound 2020-07-01): orders the seller's FBA stock
ships to buyers off Amazon, moving on the emulator clock from New to Complete, with
shipments, packages, tracking, returns, fees in Finances and FULFILLMENT_ORDER_STATUS
notifications.

`records.py` holds the orders; `book.py` keeps them and puts their steps on the scheduler;
`lifecycle.py` is what each step does; `rules.py` what the seller may ask; `preview.py` the
previews, delivery offers and features; `carriers.py` the carriers and tracking;
`handlers.py` and `render.py` the HTTP side.
"""

from __future__ import annotations

from typing import Any

from emulator.families import ApiContext
from emulator.families.fulfillment_outbound import handlers, preview
from emulator.families.fulfillment_outbound.book import McfBook
from emulator.families.fulfillment_outbound.lifecycle import Lifecycle
from emulator.families.fulfillment_outbound.rules import Rules
from emulator.gateway.registry import HandlerRegistry


def _reason_codes(model: dict[str, Any]) -> list[dict[str, str]]:
    """Amazon's return reason codes: its own example's list (what its sandbox answers)."""
    answer = model["paths"]["/fba/outbound/2020-07-01/returnReasonCodes"]["get"]["responses"]
    example = answer["200"].get("examples") or {}
    return list((example.get("payload") or {}).get("reasonCodeDetails") or [])


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    model = context.models.models[handlers.MODEL].document
    features = preview.features_of(
        model["definitions"]["FeatureSettings"]["properties"]["featureName"]["description"])
    reasons = _reason_codes(model)
    book = McfBook(context.store, context.scheduler, context.settings.lifecycle)
    rules = Rules(book, Lifecycle(book), features, [r["returnReasonCode"] for r in reasons])
    return handlers.install(registry, context, book, rules, features, reasons)
