"""When an order moves, decided once from a seeded random source: payment clearing, Amazon
shipping an FBA order (or the scenario shipping a merchant-fulfilled one), a buyer's
cancellation, the note that a merchant-fulfilled order is late and Amazon's cancellation of
one never shipped, then delivery, a return and a refund.

A plan is a list of (time, move); each move checks the order when it comes due (a client may
have shipped or cancelled it meanwhile) and does nothing when it no longer applies.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from emulator.business.entities import Order
from emulator.business.scenario import SellerShape

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0

PAY = "pay"  # Pending -> Unshipped
SHIP = "ship"  # Amazon ships an FBA order; the scenario ships a merchant-fulfilled one
CANCEL = "cancel"  # the buyer cancels before shipment
LATE = "late"  # a merchant-fulfilled order is still unshipped at LatestShipDate (a note)
AUTO_CANCEL = "auto_cancel"  # Amazon cancels a merchant-fulfilled order never shipped
DELIVER = "deliver"
RETURN = "return"
REFUND = "refund"
MOVES = (PAY, SHIP, CANCEL, LATE, AUTO_CANCEL, DELIVER, RETURN, REFUND)

Step = tuple[float, str]


def add_business_days(moment: float, days: int) -> float:
    """`days` working days (Monday to Friday) after `moment`."""
    while days > 0:
        moment += DAY
        if datetime.fromtimestamp(moment, UTC).weekday() < 5:
            days -= 1
    return moment


def before_shipping(order: Order, shape: SellerShape, rnd: random.Random,
                    scenario_ships_mfn: bool) -> list[Step]:
    """From purchase to shipment (or cancellation). FBA orders are shipped by Amazon by
    LatestShipDate; merchant-fulfilled ones by the scenario when it plays the seller, with
    `late_shipment_share` of them after LatestShipDate, else they wait for the client, are
    late past LatestShipDate and cancelled by Amazon `mfn_auto_cancel_days` business days on
    (`mfn_auto_cancel_share` of them)."""
    # (Draws are random() scaled by hand: the history plans 100k orders in a fraction of a
    # second this way.)
    purchased = order.purchase_date
    minutes = max(shape.payment_minutes, 1.0)
    draw = rnd.random()  # 85% of payments clear within `minutes`, the rest within 8 times
    paid = purchased + MINUTE * (1.0 + (minutes - 1.0) * draw / 0.85 if draw < 0.85
                                 else minutes * (1.0 + 7.0 * (draw - 0.85) / 0.15))
    window = max(order.latest_ship - purchased, HOUR)
    shipped: float | None = None
    if order.fulfillment == "AFN" or scenario_ships_mfn:
        if order.fulfillment == "MFN" and rnd.random() < shape.late_shipment_share:
            shipped = order.latest_ship + rnd.uniform(2 * HOUR, 2 * DAY)
        else:
            shipped = purchased + (0.3 + 0.7 * rnd.random()) * window
        if shipped < paid + 5 * MINUTE:
            shipped = paid + 5 * MINUTE
    if rnd.random() < shape.cancelled_share:
        # The buyer cancels before the order ships (or, waiting on the seller, before its
        # ship-by date).
        horizon = (shipped if shipped is not None else order.latest_ship) - purchased
        cancelled = purchased + rnd.uniform(0.02, 0.9) * horizon
        return ([(paid, PAY)] if paid < cancelled else []) + [(cancelled, CANCEL)]
    steps: list[Step] = [(paid, PAY)]
    if shipped is not None:
        steps.append((shipped, SHIP))
        return steps
    steps.append((order.latest_ship, LATE))
    if rnd.random() < shape.mfn_auto_cancel_share:
        steps.append((add_business_days(order.latest_ship, shape.mfn_auto_cancel_days),
                      AUTO_CANCEL))
    steps.sort()  # a handling time shorter than the payment puts LATE first
    return steps


def after_shipping(order: Order, shape: SellerShape, rnd: random.Random,
                   shipped: float) -> list[Step]:
    """From shipment on: delivery within the order's delivery window, and for
    `refunded_share` of orders a refund, after a return for `returned_share` of those."""
    transit = max(order.latest_delivery - order.latest_ship, HOUR)
    delivered = shipped + (0.5 + 0.5 * rnd.random()) * transit
    steps: list[Step] = [(delivered, DELIVER)]
    if rnd.random() < shape.refunded_share:
        if rnd.random() < shape.returned_share:
            returned = delivered + rnd.uniform(1.0, 25.0) * DAY
            steps += [(returned, RETURN), (returned + rnd.uniform(0.0, 2.0) * DAY, REFUND)]
        else:
            steps.append((delivered + rnd.uniform(1.0, 20.0) * DAY, REFUND))
    return steps
