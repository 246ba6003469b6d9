"""How long Multi-Channel Fulfillment takes on the emulator clock: the order's steps and the
carriers' transit times by shipping speed. Amazon publishes delivery promises per speed
(Standard 3-5 days, Expedited 2, Priority 1) and no internal step times; the emulator's are
chosen so a same-day Priority order and a next-day Standard one look as they do in Seller
Central.

Validation (New -> Received) takes `--lifecycle` time (instant: none; fast: seconds;
realistic: a minute); the warehouse's and carriers' steps take their real durations, and a
test moves them on with `POST /_emulator/clock/advance`.
"""

from __future__ import annotations

HOUR = 3600.0
DAY = 24 * HOUR

VALIDATION = {"instant": 0.0, "fast": 2.0, "realistic": 60.0}
TO_PLANNING = 0.5 * HOUR  # Received -> Planning
TO_PROCESSING = 2 * HOUR  # Received -> Processing (picking starts, shipments are made)
# Received -> the shipment leaves the fulfillment center.
TO_SHIP = {"Priority": 4 * HOUR, "Expedited": 8 * HOUR, "Standard": 20 * HOUR,
           "ScheduledDelivery": 8 * HOUR}
# Days from shipping to delivery: (earliest, latest) promised.
TRANSIT_DAYS = {"Priority": (1, 1), "Expedited": (2, 2), "Standard": (3, 5),
                "ScheduledDelivery": (1, 2)}
BACKORDER_RETRY = 4 * HOUR  # a FillAll order looks for stock again this often
FILL_ALL_WAIT = 24 * HOUR  # then its unshipped units are unfulfillable (the model)
HOLD_LIMIT = 14 * DAY  # Hold orders are cancelled after 14 days (the model)
RETURN_TRANSIT = (3 * DAY, 7 * DAY)  # a return authorized to received at the center
OFFER_VALIDITY = 4 * HOUR  # how long a deliveryOffers promise holds


def ship_after(speed: str) -> float:
    return TO_SHIP.get(speed, TO_SHIP["Standard"])


def arrival_window(speed: str, ship: float) -> tuple[float, float]:
    """(earliest, latest) arrival for a package leaving at `ship`."""
    early, late = TRANSIT_DAYS.get(speed, TRANSIT_DAYS["Standard"])
    return ship + early * DAY, ship + late * DAY
