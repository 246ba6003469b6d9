"""Amazon's selling fees, approximately: the referral fee on the price and the FBA
fulfillment fee by size and weight. One table for the Product Fees API and the financial
events of orders, so an estimate and a settlement agree.

Rates follow Amazon US's published 2024 schedule in outline (referral 8-17% by category with a
$0.30 minimum; FBA fees by weight tier); other currencies convert from USD. An emulator's
approximation, not Amazon's fee engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.business.entities import CatalogItem

REFERRAL_RATES = {
    "HOME_BED_AND_BATH": 0.15, "KITCHEN": 0.15, "SHIRT": 0.17, "SHOES": 0.15,
    "TOY_FIGURE": 0.15, "HEADPHONES": 0.08, "ELECTRONIC_CABLE": 0.08,
    "OUTDOOR_RECREATION_PRODUCT": 0.15, "PET_SUPPLIES": 0.15, "BEAUTY": 0.08,
}
DEFAULT_REFERRAL_RATE = 0.15
MINIMUM_REFERRAL_USD_CENTS = 30
# (maximum shipping weight in pounds, fee in USD cents) for standard-size items.
FBA_TIERS = ((0.25, 322), (0.5, 340), (0.75, 359), (1.0, 377), (1.5, 444), (2.0, 471),
             (2.5, 517), (3.0, 540))
FBA_PER_EXTRA_HALF_POUND = 16
OVERSIZE_FEE = 994  # items past 18 x 14 x 8 inches or 20 lb, before weight
OVERSIZE_PER_POUND = 42
USD_PER_UNIT = {"USD": 1.0, "CAD": 0.73, "MXN": 0.055, "BRL": 0.19, "EUR": 1.08, "GBP": 1.27,
                "SEK": 0.095, "PLN": 0.25, "TRY": 0.031, "AED": 0.27, "SAR": 0.27,
                "EGP": 0.021, "INR": 0.012, "ZAR": 0.054, "SGD": 0.74, "AUD": 0.66,
                "JPY": 0.0067}


@dataclass(frozen=True)
class FeeBreakdown:
    """Fees for one unit at one price, in minor units of the price's currency."""

    referral: int
    fba: int  # 0 for merchant-fulfilled offers
    closing: int = 0

    @property
    def total(self) -> int:
        return self.referral + self.fba + self.closing


def from_usd_cents(cents: int, currency: str) -> int:
    if currency == "USD":
        return cents
    units = cents / 100 / USD_PER_UNIT.get(currency, 1.0)
    return round(units) if currency == "JPY" else round(units * 100)


def referral_fee(price: int, product_type: str, currency: str) -> int:
    rate = REFERRAL_RATES.get(product_type, DEFAULT_REFERRAL_RATE)
    return max(round(price * rate), from_usd_cents(MINIMUM_REFERRAL_USD_CENTS, currency))


def fba_fee(item: CatalogItem, currency: str) -> int:
    longest, median, shortest = sorted((item.length_in, item.width_in, item.height_in),
                                       reverse=True)
    weight = item.weight_lb
    if longest > 18 or median > 14 or shortest > 8 or weight > 20:
        return from_usd_cents(OVERSIZE_FEE + round(OVERSIZE_PER_POUND * weight), currency)
    for limit, cents in FBA_TIERS:
        if weight <= limit:
            return from_usd_cents(cents, currency)
    extra = int((weight - 3.0) / 0.5 + 0.999)
    return from_usd_cents(FBA_TIERS[-1][1] + extra * FBA_PER_EXTRA_HALF_POUND, currency)


def fees_for(item: CatalogItem | None, product_type: str, price: int, currency: str,
             fulfilled_by_amazon: bool) -> FeeBreakdown:
    fba = fba_fee(item, currency) if fulfilled_by_amazon and item is not None else 0
    return FeeBreakdown(referral=referral_fee(price, product_type, currency), fba=fba)


# -- Fulfillment by Amazon services: Multi-Channel Fulfillment and inbound ------------------
# Approximations of Amazon US's 2024 rate cards in outline (an emulator's, not Amazon's fee
# engine): an MCF unit costs the FBA fee of its size and weight times a factor of the shipping
# speed, an MCF order a small fee of its speed plus transportation by weight; inbound
# placement is charged per unit by how few places the seller sends to (Amazon-optimized splits
# cost nothing); the partnered carrier charges per box by weight (small parcel) or per pallet
# (freight).
MCF_UNIT_FACTOR = {"Standard": 1.6, "Expedited": 2.1, "Priority": 2.9, "ScheduledDelivery": 2.1}
MCF_ORDER_FEE_USD_CENTS = {"Standard": 100, "Expedited": 250, "Priority": 500,
                           "ScheduledDelivery": 300}
MCF_TRANSPORT_PER_POUND_USD_CENTS = 40
MCF_TRANSPORT_MINIMUM_USD_CENTS = 50
# (maximum unit weight in pounds, USD cents per unit) for one placement (MINIMAL) and two
# (PARTIAL); three or more places (AMAZON_OPTIMIZED) are free.
PLACEMENT_TIERS = {"MINIMAL": ((1.0, 21), (2.0, 28), (3.0, 34), (20.0, 68)),
                   "PARTIAL": ((1.0, 16), (2.0, 20), (3.0, 25), (20.0, 41))}
PLACEMENT_OVERSIZE_USD_CENTS = {"MINIMAL": 274, "PARTIAL": 161}
SPD_BOX_USD_CENTS = 125
SPD_PER_POUND_USD_CENTS = 38
LTL_PALLET_USD_CENTS = 16500


def mcf_unit_fee(item: CatalogItem | None, speed: str, currency: str) -> int:
    """The per-unit Multi-Channel Fulfillment fee of one unit of `item` at a speed."""
    base = fba_fee(item, "USD") if item is not None else FBA_TIERS[3][1]
    return from_usd_cents(round(base * MCF_UNIT_FACTOR.get(speed, 1.6)), currency)


def mcf_order_fee(speed: str, currency: str) -> int:
    return from_usd_cents(MCF_ORDER_FEE_USD_CENTS.get(speed, 100), currency)


def mcf_transport_fee(weight_lb: float, currency: str) -> int:
    cents = max(MCF_TRANSPORT_MINIMUM_USD_CENTS,
                round(weight_lb * MCF_TRANSPORT_PER_POUND_USD_CENTS))
    return from_usd_cents(cents, currency)


def placement_fee(item: CatalogItem | None, split: str, currency: str) -> int:
    """The inbound placement fee of one unit for a placement option's split."""
    tiers = PLACEMENT_TIERS.get(split)
    if tiers is None:
        return 0
    weight = item.weight_lb if item is not None else 1.0
    for limit, cents in tiers:
        if weight <= limit:
            return from_usd_cents(cents, currency)
    return from_usd_cents(PLACEMENT_OVERSIZE_USD_CENTS[split], currency)


def partnered_small_parcel_fee(box_weights_lb: list[float], currency: str) -> int:
    """The Amazon-partnered carrier's quote for a small-parcel shipment of these boxes."""
    cents = sum(SPD_BOX_USD_CENTS + round(w * SPD_PER_POUND_USD_CENTS) for w in box_weights_lb)
    return from_usd_cents(cents, currency)


def partnered_freight_fee(pallets: int, currency: str) -> int:
    """The Amazon-partnered carrier's quote for a less-than-truckload shipment."""
    return from_usd_cents(LTL_PALLET_USD_CENTS * max(1, pallets), currency)
