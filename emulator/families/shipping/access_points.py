"""Amazon's access points near a postal code (getAccessPoints): lockers and counters, seeded
by country, postal code and type, so the same question gets the same places; each list is
sorted by distance and at most 40 long, as Amazon's ("sorted by proximity to postal code, and
are limited to 40").
"""

from __future__ import annotations

from functools import cache
from typing import Any

from emulator.business.generate import FAKER_LOCALES, faker_for
from emulator.runtime.rng import Randomness

MAX_POINTS = 40
NAMES = {"HELIX": "Amazon Counter", "CAMPUS_LOCKER": "Amazon Hub Locker+",
         "OMNI_LOCKER": "Amazon Hub Apartment Locker", "ODIN_LOCKER": "Amazon Hub Locker",
         "DOBBY_LOCKER": "Amazon Hub Apartment Locker", "CORE_LOCKER": "Amazon Hub Locker",
         "3P": "Amazon Hub Counter", "CAMPUS_ROOM": "Amazon@ Campus"}
STAFFED = frozenset({"HELIX", "3P", "CAMPUS_ROOM"})
TIMEZONES = {"US": "America/New_York", "GB": "Europe/London", "DE": "Europe/Berlin",
             "FR": "Europe/Paris", "IT": "Europe/Rome", "ES": "Europe/Madrid",
             "JP": "Asia/Tokyo", "CA": "America/Toronto"}
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def _time(hour: int, minute: int = 0) -> dict[str, int]:
    return {"hourOfDay": hour, "minuteOfHour": minute, "secondOfMinute": 0}


@cache
def _points(seed: int, country: str, postal_code: str, kind: str) -> tuple[dict[str, Any], ...]:
    rnd = Randomness(seed).derive("access-points", country, postal_code.upper(), kind)
    fake = faker_for(FAKER_LOCALES.get(country, "en_US"))
    fake.seed_instance(rnd.getrandbits(64))
    count = rnd.randint(3, 12)
    distances = sorted(round(rnd.uniform(0.1, 9.5), 1) for _ in range(count))
    points = []
    for distance in distances:
        opens, closes = (8, 21) if kind in STAFFED else (0, 23)
        hours = {"openingTime": _time(opens), "closingTime": _time(closes, 59 if closes == 23
                                                                   else 0),
                 "midDayClosures": []}
        points.append({
            "accessPointId": str(fake.uuid4()),
            "name": f"{NAMES.get(kind, 'Amazon Hub')} - {fake.last_name()}",
            "timezone": TIMEZONES.get(country, "UTC"), "type": kind,
            "accessibilityAttributes": {"distance": f"{distance}",
                                        "driveTime": max(1, round(distance * 3))},
            "address": {"name": f"{NAMES.get(kind, 'Amazon Hub')}", "addressLine1":
                        fake.street_address()[:60], "city": fake.city(),
                        "stateOrRegion": _state(fake, country), "countryCode": country,
                        "postalCode": postal_code.upper()},
            "exceptionOperatingHours": [], "assistanceType": "STAFF_ASSISTED"
            if kind in STAFFED else "SELF_ASSISTED",
            "score": f"{round(1 - distance / 10, 2)}",
            "standardOperatingHours": {day: hours for day in DAYS},
        })
    return tuple(points[:MAX_POINTS])


def _state(fake: Any, country: str) -> str:
    try:
        return str(fake.state_abbr() if country in ("US", "AU") else fake.state())
    except AttributeError:
        return str(fake.city())


def access_points(seed: int, country: str, postal_code: str,
                  kinds: list[str]) -> dict[str, list[dict[str, Any]]]:
    """accessPointsMap: each type asked for, its places nearest first."""
    return {kind: [dict(p) for p in _points(seed, country, postal_code, kind)]
            for kind in dict.fromkeys(kinds)}
