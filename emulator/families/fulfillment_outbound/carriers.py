"""The carriers that deliver Multi-Channel Fulfillment packages, their tracking numbers, and a
package's tracking events as the emulator clock passes them.

A package's fate is seeded when it is made: most arrive on time, a few are delayed a day,
some need a second delivery attempt, and a small share fails and goes back to Amazon. Its
events are computed from its ship time, promised arrival and fate, so tracking moves on as
the clock does (nothing is scheduled). Event codes and descriptions are the model's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from emulator.business.fulfillment_centers import CENTERS
from emulator.families.fulfillment_outbound.records import Package, Shipment

HOUR, DAY = 3600.0, 86400.0
DIGITS = "0123456789"
UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
AMAZON_LOGISTICS = "Amazon Logistics"
# (carrier code, its site) by destination country; Amazon Logistics first where it delivers.
CARRIERS = {
    "US": (("Amazon Logistics", "https://track.amazon.com"), ("UPS", "https://www.ups.com"),
           ("USPS", "https://www.usps.com")),
    "CA": (("Amazon Logistics", "https://track.amazon.ca"),
           ("Canada Post", "https://www.canadapost-postescanada.ca")),
    "GB": (("Amazon Logistics", "https://track.amazon.co.uk"),
           ("Royal Mail", "https://www.royalmail.com")),
    "DE": (("Amazon Logistics", "https://track.amazon.de"), ("DHL", "https://www.dhl.de")),
    "FR": (("Amazon Logistics", "https://track.amazon.fr"), ("Colissimo",
                                                            "https://www.laposte.fr")),
    "IT": (("Amazon Logistics", "https://track.amazon.it"), ("BRT", "https://www.brt.it")),
    "ES": (("Amazon Logistics", "https://track.amazon.es"), ("SEUR", "https://www.seur.com")),
    "JP": (("Yamato Transport", "https://www.kuronekoyamato.co.jp"),
           ("Japan Post", "https://www.post.japanpost.jp")),
}
DEFAULT_CARRIERS = (("Amazon Logistics", "https://track.amazon.com"),)
OUTCOMES = (("on_time", 0.82), ("delayed", 0.08), ("attempted", 0.06), ("failed", 0.04))
DROP_OFFS = ("FRONT_DOOR", "MAILBOX", "FRONT_DESK", "PORCH", "GARAGE", "RECEPTIONIST")
# What each event leaves the package as (the model's CurrentStatus).
STATUS_AFTER = {"EVENT_101": "IN_TRANSIT", "EVENT_102": "IN_TRANSIT", "EVENT_201": "IN_TRANSIT",
                "EVENT_202": "IN_TRANSIT", "EVENT_302": "OUT_FOR_DELIVERY",
                "EVENT_301": "DELIVERED", "EVENT_404": "DELAYED",
                "EVENT_304": "DELIVERY_ATTEMPTED", "EVENT_408": "RETURNING",
                "EVENT_309": "RETURNED"}


def carriers_for(country: str, block_amzl: bool) -> tuple[tuple[str, str], ...]:
    found = CARRIERS.get(country, DEFAULT_CARRIERS)
    if block_amzl:
        found = tuple(c for c in found if c[0] != AMAZON_LOGISTICS) or (("UPS",
                                                                          "https://www.ups.com"),)
    return found


def carrier_site(code: str) -> str:
    for options in (*CARRIERS.values(), DEFAULT_CARRIERS):
        for name, site in options:
            if name == code:
                return site
    return "https://www.ups.com"


def tracking_number(carrier: str, rnd: random.Random) -> str:
    def digits(count: int) -> str:
        return "".join(rnd.choices(DIGITS, k=count))

    if carrier == AMAZON_LOGISTICS:
        return "TBA" + digits(12)
    if carrier == "UPS":
        return "1Z" + "".join(rnd.choices(UPPER_ALNUM, k=6)) + "03" + digits(8)
    if carrier == "USPS":
        return "9400" + digits(18)
    if carrier == "Royal Mail":
        return "".join(rnd.choices("ABCDEFGHJKLMNPQRSTUVWXYZ", k=2)) + digits(9) + "GB"
    if carrier == "DHL":
        return "JJD" + digits(18)
    if carrier in ("Yamato Transport", "Canada Post"):
        return digits(12 if carrier == "Yamato Transport" else 16)
    return digits(14)


def outcome(rnd: random.Random) -> str:
    draw = rnd.random()
    for name, share in OUTCOMES:
        if draw < share:
            return name
        draw -= share
    return OUTCOMES[0][0]


@dataclass(frozen=True)
class Event:
    time: float
    code: str
    city: str
    state: str
    country: str


@dataclass(frozen=True)
class Tracking:
    events: list[Event]  # newest first, as Amazon lists them
    status: str  # CurrentStatus
    arrival: float  # estimated (moves with a delay)
    drop_off: str | None  # additionalLocationInfo once delivered


def track(package: Package, shipment: Shipment, address: dict[str, str], now: float,
          rnd: random.Random) -> Tracking:
    """The package's events up to `now`, its current status and (re)estimated arrival."""
    center = CENTERS.get(shipment.center)
    origin = ((center.city, center.state, center.country) if center is not None
              else ("", "", address.get("countryCode", "")))
    home = (address.get("city") or address.get("districtOrCounty") or "",
            address.get("stateOrRegion") or "", address.get("countryCode", ""))
    ship, arrival = shipment.ship_date, shipment.arrival
    plan: list[tuple[float, str, tuple[str, str, str]]] = [
        (ship - HOUR, "EVENT_101", origin), (ship, "EVENT_102", origin),
        (ship + 6 * HOUR, "EVENT_201", origin), (ship + 8 * HOUR, "EVENT_202", origin),
        (arrival - 14 * HOUR, "EVENT_201", home)]
    fate = package.outcome
    if fate == "on_time":
        plan += [(arrival - 6 * HOUR, "EVENT_302", home), (arrival, "EVENT_301", home)]
    elif fate == "delayed":
        arrival += DAY
        plan += [(arrival - DAY - 6 * HOUR, "EVENT_404", home),
                 (arrival - 6 * HOUR, "EVENT_302", home), (arrival, "EVENT_301", home)]
    elif fate == "attempted":
        plan += [(arrival - 6 * HOUR, "EVENT_302", home), (arrival - HOUR, "EVENT_304", home)]
        arrival += DAY
        plan += [(arrival - 6 * HOUR, "EVENT_302", home), (arrival, "EVENT_301", home)]
    else:  # failed: two attempts, then back to Amazon
        plan += [(arrival - 6 * HOUR, "EVENT_302", home), (arrival - HOUR, "EVENT_304", home),
                 (arrival + DAY - 6 * HOUR, "EVENT_302", home),
                 (arrival + DAY - HOUR, "EVENT_304", home),
                 (arrival + 2 * DAY, "EVENT_408", home), (arrival + 7 * DAY, "EVENT_309", origin)]
    happened = [Event(t, code, *where) for t, code, where in plan if t <= now]
    status = STATUS_AFTER[happened[-1].code] if happened else "UNKNOWN"
    drop_off = rnd.choice(DROP_OFFS) if status == "DELIVERED" else None
    return Tracking(list(reversed(happened)), status, arrival, drop_off)
