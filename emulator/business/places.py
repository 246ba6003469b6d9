"""Addresses whose parts agree: a US city with its own state and a ZIP code of that city's
area, a Japanese prefecture with a Japanese postcode, a Canadian province with a postcode of
that province; elsewhere, the locale's own region. Faker makes the names, streets and phones.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from emulator.business.entities import Address

if TYPE_CHECKING:  # Faker is imported when a seller is first made (generate.faker_for)
    from faker import Faker

# US cities with their state and the first three digits of their ZIP codes (USPS's; Faker's
# en_US provider draws ZIP codes per state from ranges, four of which miss real prefixes:
# tests/test_generation.py checks the rest against them). Every state and DC has one.
US_CITIES: tuple[tuple[str, str, int], ...] = (
    ("Birmingham", "AL", 352), ("Huntsville", "AL", 358), ("Montgomery", "AL", 361),
    ("Anchorage", "AK", 995), ("Phoenix", "AZ", 850), ("Mesa", "AZ", 852),
    ("Tucson", "AZ", 857), ("Little Rock", "AR", 722), ("Los Angeles", "CA", 900),
    ("San Diego", "CA", 921), ("San Jose", "CA", 951), ("San Francisco", "CA", 941),
    ("Oakland", "CA", 946), ("Sacramento", "CA", 958), ("Fresno", "CA", 937),
    ("Denver", "CO", 802), ("Colorado Springs", "CO", 809), ("Hartford", "CT", 61),
    ("New Haven", "CT", 65), ("Wilmington", "DE", 198), ("Washington", "DC", 200),
    ("Jacksonville", "FL", 322), ("Orlando", "FL", 328), ("Miami", "FL", 331),
    ("Tampa", "FL", 336), ("Atlanta", "GA", 303), ("Savannah", "GA", 314),
    ("Honolulu", "HI", 968), ("Boise", "ID", 837), ("Chicago", "IL", 606),
    ("Springfield", "IL", 627), ("Indianapolis", "IN", 462), ("Fort Wayne", "IN", 468),
    ("Des Moines", "IA", 503), ("Kansas City", "KS", 661), ("Wichita", "KS", 672),
    ("Louisville", "KY", 402), ("Lexington", "KY", 405), ("New Orleans", "LA", 701),
    ("Baton Rouge", "LA", 708), ("Portland", "ME", 41), ("Baltimore", "MD", 212),
    ("Worcester", "MA", 16), ("Boston", "MA", 21), ("Detroit", "MI", 482),
    ("Grand Rapids", "MI", 495), ("Saint Paul", "MN", 551), ("Minneapolis", "MN", 554),
    ("Jackson", "MS", 392), ("St. Louis", "MO", 631), ("Kansas City", "MO", 641),
    ("Billings", "MT", 591), ("Omaha", "NE", 681), ("Lincoln", "NE", 685),
    ("Las Vegas", "NV", 891), ("Reno", "NV", 895), ("Manchester", "NH", 31),
    ("Newark", "NJ", 71), ("Jersey City", "NJ", 73), ("Albuquerque", "NM", 871),
    ("New York", "NY", 100), ("Brooklyn", "NY", 112), ("Buffalo", "NY", 142),
    ("Rochester", "NY", 146), ("Raleigh", "NC", 276), ("Charlotte", "NC", 282),
    ("Fargo", "ND", 581), ("Columbus", "OH", 432), ("Cleveland", "OH", 441),
    ("Cincinnati", "OH", 452), ("Oklahoma City", "OK", 731), ("Tulsa", "OK", 741),
    ("Portland", "OR", 972), ("Pittsburgh", "PA", 152), ("Philadelphia", "PA", 191),
    ("Providence", "RI", 29), ("Columbia", "SC", 292), ("Charleston", "SC", 294),
    ("Sioux Falls", "SD", 571), ("Nashville", "TN", 372), ("Memphis", "TN", 381),
    ("Dallas", "TX", 752), ("Fort Worth", "TX", 761), ("Houston", "TX", 770),
    ("San Antonio", "TX", 782), ("Austin", "TX", 787), ("El Paso", "TX", 799),
    ("Salt Lake City", "UT", 841), ("Burlington", "VT", 54), ("Richmond", "VA", 232),
    ("Virginia Beach", "VA", 234), ("Seattle", "WA", 981), ("Spokane", "WA", 992),
    ("Charleston", "WV", 253), ("Milwaukee", "WI", 532), ("Madison", "WI", 537),
    ("Cheyenne", "WY", 820),
)


def address(fake: Faker, rnd: random.Random, country: str, name: str) -> Address:
    """One buyer's address in `country`, from `fake` (a Faker of that country's locale,
    already seeded) and `rnd`."""
    line2 = None if rnd.random() < 0.7 else f"Apt {rnd.randint(1, 999)}"
    line1 = fake.street_address()
    if country == "US":
        city, state, prefix = rnd.choice(US_CITIES)
        postal = f"{prefix * 100 + rnd.randrange(100):05d}"
    elif country == "JP":
        # 東京都 / 港区 / 六本木1丁目2番3号, as Japanese addresses (and Amazon.co.jp's) read.
        state, city = fake.prefecture(), fake.city()
        line1 = f"{fake.town()}{fake.chome()}{fake.ban()}{fake.gou()}"
        line2 = None if rnd.random() < 0.6 else f"{fake.building_name()}{rnd.randint(101, 1210)}"
        postal = fake.postcode()
    elif country == "CA":
        state = fake.province_abbr()
        city, postal = fake.city(), fake.postcode_in_province(state)
    else:
        try:
            state = fake.state_abbr() if country == "AU" else fake.administrative_unit()
        except AttributeError:
            state = ""
        city, postal = fake.city(), fake.postcode()
    return Address(
        name=name, line1=line1, line2=line2, city=city, state=state or city,
        postal_code=postal, country_code=country, phone=fake.phone_number(),
        address_type="Commercial" if rnd.random() < 0.1 else "Residential",
    )
