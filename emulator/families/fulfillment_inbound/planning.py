"""The options Amazon offers a plan at each step, built from the plan's items and boxes:

- packing options: the items grouped by who labels and preps them (each group packed on its
  own), and, when that makes several groups, an option packing everything together;
- placement options: the plan split into shipments to one, two or three fulfillment centers
  of the destination country (whole boxes once boxes are known, whole MSKUs before), with the
  inbound placement fee of their split (Amazon-optimized splits cost nothing);
- transportation options per shipment: the Amazon-partnered carrier (a small-parcel quote
  from the boxes' weights, a less-than-truckload quote from the pallets) and the seller's own
  carrier, the latter and freight needing a confirmed delivery window first;
- delivery window options: week-long windows from a few days after the shipment is ready.

Every option expires (packing and placement after three days, quotes and windows after one),
as Amazon's do; the ids and the fulfillment centers are seeded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.business import fees
from emulator.business import fulfillment_centers as centers
from emulator.business.marketplaces import marketplace
from emulator.business.store import SellerState
from emulator.families.fulfillment_inbound.book import InboundBook
from emulator.families.fulfillment_inbound.records import (
    LTL,
    OFFERED,
    OWN_CARRIER,
    PARTNERED,
    SMALL_PARCEL,
    UNCONFIRMED,
    Box,
    InboundPlan,
    Incentive,
    PackingGroup,
    PackingOption,
    PlacementOption,
    Shipment,
    TransportOption,
    WindowOption,
)
from emulator.runtime.clock import iso

HOUR, DAY = 3600.0, 86400.0
OPTION_LIFETIME = 3 * DAY
QUOTE_LIFETIME = DAY
# Where Amazon's partnered carrier program runs (small parcel and LTL).
PARTNERED_COUNTRIES = frozenset({"US", "GB", "DE", "FR", "IT", "ES"})
SPLITS = (("AMAZON_OPTIMIZED", 3), ("PARTIAL", 2), ("MINIMAL", 1))
READY_WINDOW = 7 * DAY  # a ready-to-ship window's length; editable until a day before it ends


def packing(book: InboundBook, state: SellerState, plan: InboundPlan,
            now: float) -> tuple[list[PackingGroup], list[PackingOption]]:
    """Packing groups and the options that use them."""
    by_owner: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for item in plan.items:
        by_owner.setdefault((item.label_owner, item.prep_owner), []).append(
            (item.msku, item.quantity))
    groups = [PackingGroup(book.new_id(state, plan, "pg"), list(items))
              for items in by_owner.values()]
    options = [PackingOption(book.new_id(state, plan, "po"), OFFERED,
                             [g.group_id for g in groups], now + OPTION_LIFETIME)]
    if len(groups) > 1:
        together = PackingGroup(book.new_id(state, plan, "pg"),
                                [(i.msku, i.quantity) for i in plan.items])
        groups.append(together)
        options.append(PackingOption(book.new_id(state, plan, "po"), OFFERED,
                                     [together.group_id], now + OPTION_LIFETIME))
    return groups, options


def _country(plan: InboundPlan) -> str:
    market = marketplace(plan.marketplace_id)
    return market.country if market is not None else "US"


def _unit_weight(state: SellerState, msku: str) -> float:
    listing = state.listings.get(msku)
    item = state.catalog.get(listing.asin) if listing is not None else None
    return item.weight_lb if item is not None else 1.0


def placement(book: InboundBook, state: SellerState, plan: InboundPlan, boxes: list[Box],
              custom: list[Mapping[str, Any]], now: float
              ) -> tuple[list[PlacementOption], list[Shipment]]:
    """Placement options and their (unconfirmed) shipments. With boxes, shipments take whole
    boxes; without (pack later), whole MSKUs. `custom` (customPlacement) makes the one option
    the seller asked for."""
    country = _country(plan)
    market = state.market(plan.marketplace_id) or state.markets[0]
    if custom:
        splits = [("CUSTOM", [(entry["warehouseId"], [(i["msku"], int(i["quantity"]))
                                                      for i in entry["items"]])
                              for entry in custom])]
    else:
        units: list[Any] = boxes or [(i.msku, i.quantity) for i in plan.items]
        seen: set[int] = set()
        splits = []
        for name, wanted in SPLITS:
            count = min(wanted, len(units))
            if count in seen:
                continue
            seen.add(count)
            rnd = book.draw(state, plan, "placement")
            places = centers.pick(rnd, country, count)
            parts: list[list[Any]] = [[] for _ in places]
            for index, unit in enumerate(units):
                parts[index % len(places)].append(unit)
            splits.append((name, [(place.warehouse_id, part)
                                  for place, part in zip(places, parts, strict=True)]))
    options, shipments = [], []
    for name, parts in splits:
        option_id = book.new_id(state, plan, "pl")
        made = []
        for warehouse, part in parts:
            if part and isinstance(part[0], Box):
                counts: dict[str, int] = {}
                for box in part:
                    for msku, quantity, *_ in box.items:
                        counts[msku] = counts.get(msku, 0) + quantity
                items, box_ids = list(counts.items()), [b.package_id for b in part]
            else:
                items, box_ids = list(part), []
            made.append(Shipment(
                shipment_id=book.new_id(state, plan, "sh"), placement_option_id=option_id,
                warehouse_id=warehouse, status=UNCONFIRMED, items=items,
                source_address=dict(plan.source_address), box_ids=box_ids,
                name=f"FBA ({_stamp(now)})-{warehouse}"))
        split = name if name != "CUSTOM" else ("MINIMAL" if len(parts) == 1 else "PARTIAL")
        total = sum(fees.placement_fee(_catalog_item(state, msku), split, market.currency)
                    * quantity for shipment in made for msku, quantity in shipment.items)
        option = PlacementOption(option_id, OFFERED, [s.shipment_id for s in made],
                                 now + OPTION_LIFETIME, split)
        if total:
            option.fees.append(Incentive("FEE", "Placement Services",
                                         "Inbound placement service fee", total,
                                         market.currency))
        options.append(option)
        shipments += made
    return options, shipments


def _catalog_item(state: SellerState, msku: str) -> Any:
    listing = state.listings.get(msku)
    return state.catalog.get(listing.asin) if listing is not None else None


def _stamp(moment: float) -> str:
    """The default names' date, as Send to Amazon writes it: 03/20/2024 12:01."""
    text = iso(moment)
    return f"{text[5:7]}/{text[8:10]}/{text[0:4]} {text[11:16]}"


def transport(book: InboundBook, state: SellerState, plan: InboundPlan, shipment: Shipment,
              boxes: list[Box], pallets: int, ready: float, now: float
              ) -> list[TransportOption]:
    """The ways a shipment can travel, from what is known of its boxes and pallets."""
    market = state.market(plan.marketplace_id) or state.markets[0]
    partnered = _country(plan) in PARTNERED_COUNTRIES
    expiry = now + QUOTE_LIFETIME
    found = []

    def option(mode: str, solution: str, carrier: tuple[str, str], preconditions: list[str],
               cost: int | None = None, appointment: tuple[float, float] | None = None) -> None:
        found.append(TransportOption(
            option_id=book.new_id(state, plan, "to"), shipment_id=shipment.shipment_id,
            placement_option_id=shipment.placement_option_id, mode=mode, solution=solution,
            carrier_name=carrier[0], carrier_code=carrier[1], expiration=expiry,
            preconditions=preconditions, cost=cost,
            currency=market.currency if cost is not None else None, appointment=appointment))

    if boxes and partnered:
        weights = [box.weight_lb for box in boxes]
        option(SMALL_PARCEL, PARTNERED, ("United Parcel Service", "UPSN"), [],
               fees.partnered_small_parcel_fee(weights, market.currency))
    option(SMALL_PARCEL, OWN_CARRIER, ("Other", "OTHR"), ["CONFIRMED_DELIVERY_WINDOW"])
    if pallets:
        if partnered:
            pickup = max(ready, now) + DAY
            option(LTL, PARTNERED, ("Amazon Freight", "AMZF"), ["CONFIRMED_DELIVERY_WINDOW"],
                   fees.partnered_freight_fee(pallets, market.currency),
                   (pickup, pickup + 4 * HOUR))
        option(LTL, OWN_CARRIER, ("Other", "OTHR"), ["CONFIRMED_DELIVERY_WINDOW"])
    return found


def delivery_windows(book: InboundBook, state: SellerState, plan: InboundPlan,
                     shipment: Shipment, now: float) -> list[WindowOption]:
    """Week-long delivery windows, one starting each day from three days after the shipment
    is ready; one of them congested (seeded)."""
    ready = shipment.ready_window[0] if shipment.ready_window is not None else now
    first = max(ready, now) + 3 * DAY
    first -= first % DAY  # windows start at midnight UTC
    rnd = book.draw(state, plan, "windows")
    congested = rnd.randrange(6)
    return [WindowOption(book.new_id(state, plan, "dw"), first + i * DAY,
                         first + i * DAY + 7 * DAY - 1, now + DAY,
                         "CONGESTED" if i == congested else "AVAILABLE") for i in range(6)]


def ready_window(start: float) -> tuple[float, float, float]:
    return start, start + READY_WINDOW, start + READY_WINDOW - DAY
