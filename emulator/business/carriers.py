"""The carriers and services Buy Shipping (Merchant Fulfillment v0) and Amazon Shipping
(Shipping v2) offer, their rate cards, and which of them can carry a given parcel.

Services are per ship-from country, in its currency (the table below: the US, Canada, the UK,
Germany, France, Italy, Spain, Japan; any other country gets its national post and an express
service priced from US dollars). The scenario names the carriers each country offers and the
ones whose terms the seller has not accepted (`shipping:` in the scenario file); this module
holds what each carrier and service is.

A quote is computed, never stored: from the billed weight (the actual weight or the
dimensional weight, whichever is more), the distance zone between the two postal codes, the
service's speed, the delivery experience (signature) and the declared value (insurance); a
seeded discount per seller and carrier makes each seller's rates its own. A service that
cannot carry the parcel says why with one of Amazon's reason codes (Shipping v2's
IneligibilityReasonCode; Merchant Fulfillment's CARRIER_CANNOT_SHIP_TO_POBOX).

The rate cards are an emulator's approximation of 2024 public retail rates, not any carrier's
tariff.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from emulator.business import fees
from emulator.runtime.rng import Randomness

GRAMS_PER_POUND = 453.59237
GRAMS_PER_OUNCE = 28.349523125
CM_PER_INCH = 2.54
DAY = 86400.0
# Dimensional weight: cubic inches per pound (US carriers' 139), cubic cm per kg elsewhere.
DIM_DIVISOR_IN3_PER_LB = 139.0
DIM_DIVISOR_CM3_PER_KG = 5000.0
# Parcels leave the day they are handed over when that is before 17:00 UTC on a weekday.
CUTOFF_HOUR = 17
DELIVERY_START_HOUR, DELIVERY_END_HOUR = 8, 20
EXPERIENCES = ("DeliveryConfirmationWithAdultSignature", "DeliveryConfirmationWithSignature",
               "DeliveryConfirmationWithoutSignature", "NoTracking")
PO_BOX = re.compile(r"\b(p\.?\s*o\.?\s*box|post\s+office\s+box|postfach|boîte\s+postale)\b",
                    re.IGNORECASE)

# Amazon's reason codes. Shipping v2's IneligibilityReasonCode enum has them all; Merchant
# Fulfillment's RejectionReasonCode is a free string whose only documented value is
# CARRIER_CANNOT_SHIP_TO_POBOX: the other rejections reuse the v2 codes (an assumption).
NO_COVERAGE = "NO_COVERAGE"
WEIGHT_RESTRICTIONS = "WEIGHT_RESTRICTIONS"
SIZE_RESTRICTIONS = "SIZE_RESTRICTIONS"
LATE_DELIVERY = "LATE_DELIVERY"
TERMS = "TERMS_AND_CONDITIONS_NOT_ACCEPTED"
UNSUPPORTED_VAS = "UNSUPPORTED_VAS"
PO_BOX_CODE = "CARRIER_CANNOT_SHIP_TO_POBOX"
# The example message of the model (IneligibilityReason); the others are the emulator's.
MESSAGES = {
    NO_COVERAGE: "Required shipping network coverage doesn't exist for the offering",
    WEIGHT_RESTRICTIONS: "The package weight exceeds the limit of the offering",
    SIZE_RESTRICTIONS: "The package dimensions exceed the limits of the offering",
    LATE_DELIVERY: "The offering cannot deliver by the requested date",
    TERMS: "The carrier's terms and conditions have not been accepted",
    UNSUPPORTED_VAS: "The offering does not support the requested delivery experience",
    PO_BOX_CODE: "The carrier cannot ship to a PO box",
}


class ShippingSetupError(ValueError):
    """A scenario's `shipping:` section that names unknown carriers or countries."""


# Carriers and services are the table's own objects: one of each, compared by identity (and
# hashed cheaply, as caches key on them).
@dataclass(frozen=True, eq=False)
class Carrier:
    id: str  # Shipping v2 carrierId
    name: str  # CarrierName as Amazon writes it
    tracking: str  # the shape of its tracking ids (see tracking_id)
    po_box: bool = False  # delivers to PO boxes
    pickup: int | None = None  # scheduled pickup's charge (minor units); None: drop-off only
    fuel: float = 0.0  # fuel surcharge, a share of the base rate
    cancel_window_days: float = 1.0  # a label refund may be asked for this long after purchase
    refund_days: float = 1.0  # how long the carrier takes to decide a refund
    label_format: str = "PDF"  # its labels unless another format is asked (ShippingServiceDefault)
    formats: tuple[str, ...] = ("PDF", "PNG", "ZPL203", "ZPL300")
    excluded_postal_prefixes: tuple[str, ...] = ()  # ship-to areas it does not serve
    amazon: bool = False  # Amazon Shipping itself


@dataclass(frozen=True, eq=False)
class Service:
    id: str  # ShippingServiceId (MFN) and serviceId (Shipping v2)
    carrier: Carrier
    name: str
    country: str  # ship-from country
    currency: str
    days: tuple[int, int]  # business days in transit, fastest and slowest
    base: int  # the first weight unit, minor units
    step: int  # each further weight unit (pound in the US, kilogram elsewhere)
    max_weight_g: float
    max_length_cm: float = 150.0  # longest side
    max_girth_cm: float = 300.0  # length plus twice width plus height
    international: bool = False  # to other countries (and only to them)
    signature: int | None = None  # DeliveryConfirmationWithSignature's charge
    adult: int | None = None  # DeliveryConfirmationWithAdultSignature's charge
    signature_only: bool = False  # DPD (UK): "DeliveryConfirmationWithSignature ... Required"
    no_tracking: bool = False  # offers NoTracking

    @property
    def imperial(self) -> bool:
        return self.country == "US"

    @property
    def unit_g(self) -> float:
        return GRAMS_PER_POUND if self.imperial else 1000.0

    def experience_charge(self, experience: str) -> int | None:
        """What a delivery experience adds; None when the service does not offer it."""
        if experience == "DeliveryConfirmationWithAdultSignature":
            return self.adult
        if experience == "DeliveryConfirmationWithSignature":
            return self.signature
        if self.signature_only:
            return None
        if experience == "NoTracking":
            return 0 if self.no_tracking else None
        return 0


# -- the table ----------------------------------------------------------------------------------

def _carrier(id: str, name: str, tracking: str, **options: object) -> Carrier:
    return Carrier(id, name, tracking, **options)  # type: ignore[arg-type]


USPS = _carrier("USPS", "USPS", "usps", po_box=True, cancel_window_days=28,
                refund_days=10, label_format="PNG")
UPS = _carrier("UPS", "UPS®", "ups", fuel=0.12, label_format="ZPL203")
FEDEX = _carrier("FEDEX", "FedEx", "fedex", fuel=0.12, label_format="PDF")
AMZN_US = _carrier("AMZN_US", "Amazon Shipping", "amazon", amazon=True, label_format="PNG",
                   # Amazon Shipping does not serve Alaska, Hawaii and the territories.
                   excluded_postal_prefixes=("006", "007", "008", "009", "967", "968", "969",
                                             "995", "996", "997", "998", "999"))
DYNAMEX = _carrier("DYNAMEX", "Dynamex", "digits12", pickup=600, cancel_window_days=1,
                   formats=("PDF", "PNG"))
DHL_ECOMMERCE = _carrier("DHL_ECOMMERCE", "DHLECOMMERCE", "digits22", po_box=True)
CANADA_POST = _carrier("CANADA_POST", "Canada Post", "digits16", po_box=True, refund_days=5)
UPS_CA = _carrier("UPS_CA", "UPS®", "ups", fuel=0.12, label_format="ZPL203")
PUROLATOR = _carrier("PUROLATOR", "Purolator", "digits12", fuel=0.1)
ROYAL_MAIL = _carrier("ROYAL_MAIL", "Royal Mail", "royalmail", po_box=True, pickup=60,
                      cancel_window_days=14, refund_days=3)
DPD_UK = _carrier("DPD_UK", "DPD", "digits14", pickup=0)
AMZN_UK = _carrier("AMZN_UK", "Amazon Shipping", "amazon", amazon=True, label_format="PNG")
DHL_DE = _carrier("DHL_DE", "DHL", "digits20", po_box=True, refund_days=2)
DPD_DE = _carrier("DPD_DE", "DPD", "digits14")
HERMES_DE = _carrier("HERMES_DE", "Hermes", "digits16")
AMZN_DE = _carrier("AMZN_DE", "Amazon Shipping", "amazon", amazon=True, label_format="PNG")
COLISSIMO = _carrier("COLISSIMO", "Colissimo", "colissimo", po_box=True, refund_days=2)
CHRONOPOST = _carrier("CHRONOPOST", "Chronopost", "postal13", fuel=0.08)
AMZN_FR = _carrier("AMZN_FR", "Amazon Shipping", "amazon", amazon=True, label_format="PNG")
POSTE_ITALIANE = _carrier("POSTE_ITALIANE", "Poste Italiane", "postal13", po_box=True)
BRT = _carrier("BRT", "BRT", "digits19")
AMZN_IT = _carrier("AMZN_IT", "Amazon Shipping", "amazon", amazon=True, label_format="PNG")
CORREOS = _carrier("CORREOS", "Correos", "postal13", po_box=True)
SEUR = _carrier("SEUR", "SEUR", "digits14", fuel=0.06)
AMZN_ES = _carrier("AMZN_ES", "Amazon Shipping", "amazon", amazon=True, label_format="PNG")
YAMATO = _carrier("YAMATO", "Yamato Transport", "digits12", pickup=0, label_format="PDF")
JAPAN_POST = _carrier("JAPAN_POST", "Japan Post", "digits12", po_box=True)
SAGAWA = _carrier("SAGAWA", "Sagawa Express", "digits12", pickup=0)

# (id, carrier, name, days, base, step, max weight in kg, options)
_SERVICES: dict[str, tuple[str, tuple[tuple[str, Carrier, str, tuple[int, int], int, int,
                                            float, dict[str, object]], ...]]] = {
    "US": ("USD", (
        ("USPS_PTP_GA", USPS, "USPS Ground Advantage", (2, 5), 520, 95, 31.7,
         {"signature": 325, "adult": 945}),
        ("USPS_PTP_PRI", USPS, "USPS Priority Mail", (1, 3), 870, 140, 31.7,
         {"signature": 325, "adult": 945}),
        ("USPS_PTP_EXP", USPS, "USPS Priority Mail Express", (1, 2), 2950, 310, 31.7,
         {"signature": 0, "adult": 945}),
        ("USPS_PTP_FCPI", USPS, "USPS First Class Package International", (7, 21), 1650, 600,
         1.8, {"international": True}),
        ("UPS_PTP_GND", UPS, "UPS® Ground", (1, 5), 985, 105, 68.0,
         {"signature": 695, "adult": 820}),
        ("UPS_PTP_2ND_DAY_AIR", UPS, "UPS 2nd Day Air®", (2, 2), 2210, 260, 68.0,
         {"signature": 695, "adult": 820}),
        ("UPS_PTP_NEXT_DAY_AIR_SAVER", UPS, "UPS Next Day Air Saver®", (1, 1), 4580, 420, 68.0,
         {"signature": 695, "adult": 820}),
        ("UPS_PTP_WW_SAVER", UPS, "UPS Worldwide Saver®", (2, 5), 7900, 1200, 68.0,
         {"international": True, "signature": 695}),
        ("FEDEX_PTP_HOME_DELIVERY", FEDEX, "FedEx Home Delivery®", (1, 5), 1010, 110, 68.0,
         {"signature": 725, "adult": 850}),
        ("FEDEX_PTP_TWO_DAY", FEDEX, "FedEx 2Day®", (2, 2), 2350, 270, 68.0,
         {"signature": 725, "adult": 850}),
        ("FEDEX_PTP_STANDARD_OVERNIGHT", FEDEX, "FedEx Standard Overnight®", (1, 1), 4850,
         450, 68.0, {"signature": 725, "adult": 850}),
        ("AMZN_US_GROUND", AMZN_US, "Amazon Shipping Ground", (2, 5), 620, 80, 22.7,
         {"signature": 300}),
        ("AMZN_US_ONE_DAY", AMZN_US, "Amazon Shipping One Day", (1, 1), 1250, 120, 22.7,
         {"signature": 300}),
        ("DYNAMEX_PTP_SAME_DAY", DYNAMEX, "Dynamex Same Day", (0, 1), 2400, 150, 22.7, {}),
        ("DHLECOMMERCE_GROUND", DHL_ECOMMERCE, "DHL SmartMail Parcel Plus Ground", (3, 8),
         480, 90, 11.3, {}),
    )),
    "CA": ("CAD", (
        ("CANADA_POST_REGULAR", CANADA_POST, "Canada Post Regular Parcel", (2, 7), 1150, 180,
         30.0, {"signature": 250, "adult": 550}),
        ("CANADA_POST_EXPEDITED", CANADA_POST, "Canada Post Expedited Parcel", (1, 4), 1390,
         210, 30.0, {"signature": 250, "adult": 550}),
        ("CANADA_POST_XPRESSPOST", CANADA_POST, "Canada Post Xpresspost", (1, 2), 2150, 290,
         30.0, {"signature": 0, "adult": 550}),
        ("CANADA_POST_TRACKED_PACKET_USA", CANADA_POST, "Canada Post Tracked Packet - USA",
         (4, 8), 1750, 450, 2.0, {"international": True}),
        ("UPS_CA_STANDARD", UPS_CA, "UPS® Standard", (1, 5), 1590, 190, 68.0,
         {"signature": 695}),
        ("UPS_CA_WORLDWIDE_EXPEDITED", UPS_CA, "UPS® Worldwide Expedited", (2, 5), 4990, 890,
         68.0, {"international": True}),
        ("PUROLATOR_GROUND", PUROLATOR, "Purolator Ground®", (1, 5), 1490, 170, 68.0,
         {"signature": 450}),
    )),
    "GB": ("GBP", (
        ("RM_TRACKED_48", ROYAL_MAIL, "Royal Mail Tracked 48", (2, 3), 345, 90, 20.0,
         {"signature": 90}),
        ("RM_TRACKED_24", ROYAL_MAIL, "Royal Mail Tracked 24", (1, 2), 420, 110, 20.0,
         {"signature": 90}),
        ("RM_SPECIAL_DELIVERY", ROYAL_MAIL, "Royal Mail Special Delivery Guaranteed by 1pm",
         (1, 1), 785, 150, 20.0, {"signature": 0}),
        ("RM_INTL_TRACKED", ROYAL_MAIL, "Royal Mail International Tracked", (3, 7), 1195, 450,
         2.0, {"international": True}),
        ("DPD_UK_NEXT_DAY", DPD_UK, "DPD Next Day", (1, 1), 650, 60, 30.0,
         {"signature": 0, "signature_only": True}),
        ("SWA-UK-STD", AMZN_UK, "Amazon Shipping Standard", (2, 3), 310, 30, 23.0, {}),
        ("SWA-UK-PREM", AMZN_UK, "Amazon Shipping One Day", (1, 1), 460, 40, 23.0, {}),
    )),
    "DE": ("EUR", (
        ("DHL_PAKET", DHL_DE, "DHL Paket", (1, 2), 449, 60, 31.5, {"signature": 220}),
        ("DHL_PAKET_INTERNATIONAL", DHL_DE, "DHL Paket International", (3, 6), 1749, 150, 31.5,
         {"international": True}),
        ("DPD_CLASSIC", DPD_DE, "DPD Classic", (1, 3), 520, 55, 31.5, {"signature": 150}),
        ("HERMES_PAKET", HERMES_DE, "Hermes Paket", (2, 3), 410, 50, 25.0, {}),
        ("SWA-DE-STD", AMZN_DE, "Amazon Shipping Standard", (1, 2), 390, 40, 23.0, {}),
    )),
    "FR": ("EUR", (
        ("COLISSIMO_DOMICILE", COLISSIMO, "Colissimo Domicile", (2, 3), 650, 80, 30.0,
         {"signature": 120}),
        ("CHRONO_13", CHRONOPOST, "Chrono 13", (1, 1), 1490, 150, 30.0, {"signature": 0}),
        ("SWA-FR-STD", AMZN_FR, "Amazon Shipping Standard", (1, 3), 420, 45, 23.0, {}),
    )),
    "IT": ("EUR", (
        ("POSTE_DELIVERY", POSTE_ITALIANE, "Poste Delivery Business Standard", (2, 4), 690,
         80, 30.0, {"signature": 150}),
        ("BRT_EXPRESS", BRT, "BRT Express", (1, 3), 620, 70, 50.0, {"signature": 150}),
        ("SWA-IT-STD", AMZN_IT, "Amazon Shipping Standard", (1, 3), 430, 45, 23.0, {}),
    )),
    "ES": ("EUR", (
        ("CORREOS_PAQ_ESTANDAR", CORREOS, "Correos Paq Estándar", (2, 4), 520, 70, 30.0,
         {"signature": 100}),
        ("SEUR_ES_MFN_24", SEUR, "SEUR 24", (1, 1), 690, 80, 40.0, {"signature": 0}),
        ("SWA-ES-STD", AMZN_ES, "Amazon Shipping Standard", (1, 3), 410, 45, 23.0, {}),
    )),
    "JP": ("JPY", (
        ("YAMATO_TAKKYUBIN", YAMATO, "Yamato TA-Q-BIN", (1, 2), 930, 220, 25.0,
         {"signature": 0}),
        ("JP_YU_PACK", JAPAN_POST, "Japan Post Yu-Pack", (1, 3), 870, 200, 25.0,
         {"signature": 0}),
        ("JP_CLICK_POST", JAPAN_POST, "Japan Post Click Post", (2, 4), 185, 0, 1.0,
         {"no_tracking": False}),
        ("SAGAWA_HIKYAKU", SAGAWA, "Sagawa Hikyaku Takkyubin", (1, 2), 800, 210, 30.0,
         {"signature": 0}),
    )),
}
# The carriers each ship-from country offers unless the scenario says otherwise.
DEFAULT_CARRIERS: dict[str, tuple[str, ...]] = {
    country: tuple(dict.fromkeys(row[1].id for row in rows))
    for country, (_, rows) in _SERVICES.items()
}
# Countries outside the table: the national post and an express service, priced in USD cents.
_GENERIC: tuple[tuple[str, str, str, tuple[int, int], int, int, float, dict[str, object]],
                ...] = (
    ("POST", "National Post", "Standard Parcel", (3, 7), 600, 150, 20.0, {"signature": 200}),
    ("EXPRESS", "DHL Express", "Express Domestic", (1, 2), 2500, 400, 30.0, {"signature": 0}),
    ("EXPRESS_INTL", "DHL Express", "Express Worldwide", (2, 5), 6500, 1100, 30.0,
     {"international": True}),
)


def _build(country: str) -> tuple[Service, ...]:
    table = _SERVICES.get(country)
    if table is not None:
        currency, rows = table
        return tuple(
            Service(id, carrier, name, country, currency, days, base, step, kg * 1000,
                    **options)  # type: ignore[arg-type]
            for id, carrier, name, days, base, step, kg, options in rows)
    from emulator.business.marketplaces import MARKETPLACES

    currency = next((m.currency for m in MARKETPLACES.values() if m.country == country), "USD")
    services = []
    for suffix, carrier_name, name, days, base, step, kg, options in _GENERIC:
        carrier_id = f"{carrier_name.split()[0].upper()}_{country}"
        carrier = Carrier(carrier_id, carrier_name, "digits12" if suffix == "POST" else
                          "digits10", po_box=suffix == "POST")
        converted = {k: (fees.from_usd_cents(v, currency) if isinstance(v, int)
                         and not isinstance(v, bool) else v) for k, v in options.items()}
        services.append(Service(
            f"{country}_{suffix}", carrier, f"{carrier_name} {name}", country, currency, days,
            fees.from_usd_cents(base, currency), fees.from_usd_cents(step, currency), kg * 1000,
            **converted))  # type: ignore[arg-type]
    return tuple(services)


_BY_COUNTRY: dict[str, tuple[Service, ...]] = {}


def services_from(country: str) -> tuple[Service, ...]:
    """Every service a ship-from country has, whatever the scenario offers."""
    found = _BY_COUNTRY.get(country)
    if found is None:
        found = _BY_COUNTRY[country] = _build(country)
    return found


def known_carriers(country: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.carrier.id for s in services_from(country)))


def carrier_by_id(carrier_id: str) -> Carrier | None:
    for services in (*(services_from(c) for c in _SERVICES), *_BY_COUNTRY.values()):
        for service in services:
            if service.carrier.id == carrier_id:
                return service.carrier
    return None


def service_by_id(service_id: str, country: str | None = None) -> Service | None:
    countries = [country] if country else [*_SERVICES, *_BY_COUNTRY]
    for code in countries:
        for service in services_from(code):
            if service.id == service_id:
                return service
    return None


# -- what the scenario offers -------------------------------------------------------------------

@dataclass(frozen=True)
class ShippingSetup:
    """The scenario's `shipping:` section: the carriers offered per ship-from country, the
    carriers whose terms the sellers have not accepted (listed, not offered) and those
    temporarily unavailable."""

    carriers: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_CARRIERS))
    terms_not_accepted: tuple[str, ...] = ("DHL_ECOMMERCE",)
    unavailable: tuple[str, ...] = ()

    def offered(self, country: str) -> tuple[str, ...]:
        return self.carriers.get(country) or known_carriers(country)

    def services(self, country: str) -> list[Service]:
        """The services of the carriers a ship-from country offers, terms accepted or not."""
        offered = self.offered(country)
        return [s for s in services_from(country) if s.carrier.id in offered]

    def as_dict(self) -> dict[str, object]:
        return {"carriers": {k: list(v) for k, v in self.carriers.items()},
                "terms_not_accepted": list(self.terms_not_accepted),
                "unavailable": list(self.unavailable)}


def parse_setup(data: object, where: str) -> ShippingSetup:
    """A scenario's `shipping:` mapping; ShippingSetupError names what is wrong."""
    if data is None:
        return ShippingSetup()
    if not isinstance(data, dict):
        raise ShippingSetupError(f"{where}: expected a mapping")
    unknown = set(data) - {"carriers", "terms_not_accepted", "unavailable"}
    if unknown:
        raise ShippingSetupError(f"{where}: unknown key(s) {sorted(unknown)}")
    carriers = dict(DEFAULT_CARRIERS)
    given = data.get("carriers") or {}
    if not isinstance(given, dict):
        raise ShippingSetupError(f"{where}.carriers: a mapping of country to carrier ids")
    for country, ids in given.items():
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ShippingSetupError(f"{where}.carriers.{country}: a list of carrier ids")
        known = known_carriers(str(country))
        wrong = [i for i in ids if i not in known]
        if wrong:
            raise ShippingSetupError(f"{where}.carriers.{country}: unknown carrier(s) {wrong}; "
                                     f"known: {list(known)}")
        carriers[str(country)] = tuple(ids)
    lists = {}
    for key in ("terms_not_accepted", "unavailable"):
        value = data.get(key, [] if key == "unavailable" else ["DHL_ECOMMERCE"])
        if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
            raise ShippingSetupError(f"{where}.{key}: a list of carrier ids")
        lists[key] = tuple(value)
    return ShippingSetup(carriers, lists["terms_not_accepted"], lists["unavailable"])


# -- a parcel and its quotes --------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    country: str
    postal_code: str
    lines: tuple[str, ...] = ()  # the street lines (PO boxes are found there)

    @property
    def po_box(self) -> bool:
        return any(PO_BOX.search(line) for line in self.lines)


@dataclass(frozen=True)
class Parcel:
    """What is to be shipped, in grams and centimetres."""

    ship_from: Place
    ship_to: Place
    weight_g: float
    length_cm: float
    width_cm: float
    height_cm: float
    experience: str = "DeliveryConfirmationWithoutSignature"
    declared_value: int = 0  # minor units of the service's currency (insurance)
    pickup: bool = False  # the carrier is to pick it up
    ship_date: float | None = None  # when it is handed over (default: now)
    arrive_by: float | None = None  # MustArriveByDate

    @property
    def international(self) -> bool:
        return self.ship_from.country != self.ship_to.country

    def billed_g(self, service: Service) -> float:
        volume = self.length_cm * self.width_cm * self.height_cm
        if service.imperial:
            dim_g = volume / CM_PER_INCH ** 3 / DIM_DIVISOR_IN3_PER_LB * GRAMS_PER_POUND
        else:
            dim_g = volume / DIM_DIVISOR_CM3_PER_KG * 1000
        return max(self.weight_g, dim_g)


@dataclass(frozen=True)
class Charge:
    """One part of a rate: Shipping v2's rateItemID names it (BASE_RATE, FUEL_SURCHARGE...)."""

    kind: str
    amount: int


@dataclass(frozen=True, eq=False)
class Quote:
    service: Service
    charges: tuple[Charge, ...]
    billed_g: float
    ship_date: float  # when the carrier takes it
    earliest: float  # delivery window
    latest: float

    @property
    def total(self) -> int:
        return sum(c.amount for c in self.charges)

    @property
    def currency(self) -> str:
        return self.service.currency


@dataclass(frozen=True)
class Refusal:
    service: Service
    code: str

    @property
    def message(self) -> str:
        return MESSAGES[self.code]


@dataclass(frozen=True)
class Quotes:
    offers: list[Quote]
    refused: list[Refusal]
    terms_not_accepted: list[Carrier]
    unavailable: list[Carrier]
    # The services of the carriers whose terms are not accepted (Shipping v2 lists each).
    not_accepted: list[Refusal] = field(default_factory=list)


def zone(ship_from: Place, ship_to: Place) -> int:
    """The distance zone, 1 (same area) to 8 (far): US ZIP3 distance, elsewhere how much of
    the postal code's start the two places share."""
    if ship_from.country != ship_to.country:
        return 8
    a, b = _postal(ship_from.postal_code), _postal(ship_to.postal_code)
    if ship_from.country == "US" and a[:3].isdigit() and b[:3].isdigit():
        return min(8, 2 + abs(int(a[:3]) - int(b[:3])) // 150)
    shared = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                  min(len(a), len(b)))
    return max(1, 4 - shared)


def _postal(code: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", code.upper())


def add_business_days(moment: float, days: int) -> date:
    day = datetime.fromtimestamp(moment, UTC).date()
    while days > 0 or day.weekday() >= 5:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def at_hour(day: date, hour: int) -> float:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).timestamp()


def handover(moment: float) -> float:
    """When a parcel handed over at `moment` leaves: that day at the cutoff, or the next
    business day's."""
    when = datetime.fromtimestamp(moment, UTC)
    day = when.date()
    if when.weekday() >= 5 or when.hour >= CUTOFF_HOUR:
        day = add_business_days(at_hour(day, 0), 1)
    return max(moment, at_hour(day, CUTOFF_HOUR))


def promise(service: Service, ship_date: float) -> tuple[float, float]:
    """The delivery window of a parcel the carrier takes at `ship_date`."""
    return _window(service.days, ship_date)


@lru_cache(maxsize=1024)
def _window(days: tuple[int, int], ship_date: float) -> tuple[float, float]:
    fastest, slowest = days
    earliest = add_business_days(ship_date, fastest) if fastest else datetime.fromtimestamp(
        ship_date, UTC).date()
    # A same-day service delivers a few hours after the pickup at the earliest.
    return (max(at_hour(earliest, DELIVERY_START_HOUR), ship_date + 3 * 3600),
            at_hour(add_business_days(ship_date, slowest), DELIVERY_END_HOUR))


def seller_discount(randomness: Randomness, seller_id: str, carrier_id: str) -> float:
    """A seller's negotiated discount with a carrier: 0 to 12%, fixed by the seed."""
    return _discount(randomness.seed, seller_id, carrier_id)


@lru_cache(maxsize=4096)
def _discount(seed: int, seller_id: str, carrier_id: str) -> float:
    return Randomness(seed).derive("carrier-discount", seller_id, carrier_id).uniform(0.0, 0.12)


@dataclass(frozen=True)
class _Facts:
    """What every service's eligibility looks at, worked out once per parcel."""

    international: bool
    postal: str
    po_box: bool
    longest: float
    girth: float  # length plus twice the two other sides


def _facts(parcel: Parcel) -> _Facts:
    sides = sorted((parcel.length_cm, parcel.width_cm, parcel.height_cm), reverse=True)
    return _Facts(parcel.international, _postal(parcel.ship_to.postal_code),
                  parcel.ship_to.po_box, sides[0], sides[0] + 2 * (sides[1] + sides[2]))


def _refusal(service: Service, parcel: Parcel, facts: _Facts) -> str | None:
    carrier = service.carrier
    if service.international != facts.international:
        return NO_COVERAGE
    if any(facts.postal.startswith(p) for p in carrier.excluded_postal_prefixes):
        return NO_COVERAGE
    if facts.po_box and not carrier.po_box:
        return PO_BOX_CODE
    if parcel.weight_g > service.max_weight_g:
        return WEIGHT_RESTRICTIONS
    if facts.longest > service.max_length_cm or facts.girth > service.max_girth_cm:
        return SIZE_RESTRICTIONS
    if service.experience_charge(parcel.experience) is None:
        return UNSUPPORTED_VAS
    return None


# Quotes are a pure function of the setup, the parcel, the hand-over, the seed and the seller:
# the last ones are kept (an app rates a parcel, then buys it; rate shopping asks again).
_QUOTES: OrderedDict[tuple[int, Parcel, float, int, str], tuple[ShippingSetup, Quotes]] = (
    OrderedDict())
_QUOTES_KEPT = 512


def quote(setup: ShippingSetup, parcel: Parcel, now: float, randomness: Randomness,
          seller_id: str) -> Quotes:
    """Every service of the ship-from country's offered carriers: a quote, or why not."""
    taken = handover(parcel.ship_date if parcel.ship_date is not None else now)
    key = (id(setup), parcel, taken, randomness.seed, seller_id)
    kept = _QUOTES.get(key)
    if kept is not None and kept[0] is setup:
        _QUOTES.move_to_end(key)
        return kept[1]
    found = _quote(setup, parcel, taken, randomness, seller_id)
    _QUOTES[key] = (setup, found)
    if len(_QUOTES) > _QUOTES_KEPT:
        _QUOTES.popitem(last=False)
    return found


def _quote(setup: ShippingSetup, parcel: Parcel, taken: float, randomness: Randomness,
           seller_id: str) -> Quotes:
    offers: list[Quote] = []
    refused: list[Refusal] = []
    terms: dict[str, Carrier] = {}
    unavailable: dict[str, Carrier] = {}
    facts = _facts(parcel)
    distance = zone(parcel.ship_from, parcel.ship_to)
    for service in setup.services(parcel.ship_from.country):
        carrier = service.carrier
        if carrier.id in setup.unavailable:
            unavailable[carrier.id] = carrier
            continue
        if carrier.id in setup.terms_not_accepted:
            terms[carrier.id] = carrier
            continue
        code = _refusal(service, parcel, facts)
        if code is None and parcel.pickup and carrier.pickup is None:
            continue  # drop-off carriers are left out when a pickup is asked for
        earliest, latest = promise(service, taken)
        if code is None and parcel.arrive_by is not None and latest > parcel.arrive_by:
            code = LATE_DELIVERY
        if code is not None:
            refused.append(Refusal(service, code))
            continue
        offers.append(_priced(service, parcel, randomness, seller_id, taken, earliest, latest,
                              distance))
    offers.sort(key=lambda q: (q.total, q.service.id))
    not_accepted = [Refusal(s, TERMS) for s in setup.services(parcel.ship_from.country)
                    if s.carrier.id in terms]
    return Quotes(offers, refused, list(terms.values()), list(unavailable.values()),
                  not_accepted)


def _priced(service: Service, parcel: Parcel, randomness: Randomness, seller_id: str,
            taken: float, earliest: float, latest: float, distance: int) -> Quote:
    billed = parcel.billed_g(service)
    units = max(1, math.ceil(billed / service.unit_g - 1e-9))
    factor = (1 + 0.12 * (distance - 1)) * (
        1 - seller_discount(randomness, seller_id, service.carrier.id))
    base = round((service.base + service.step * (units - 1)) * factor)
    charges = [Charge("BASE_RATE", base)]
    if service.carrier.fuel:
        charges.append(Charge("FUEL_SURCHARGE", round(base * service.carrier.fuel)))
    experience = service.experience_charge(parcel.experience) or 0
    if experience:
        charges.append(Charge("ADULT_SIGNATURE_CONFIRMATION"
                              if parcel.experience == "DeliveryConfirmationWithAdultSignature"
                              else "SIGNATURE_CONFIRMATION", experience))
    # Insurance past the carrier's free cover: 1.5% of the rest of the declared value.
    free = insurance_cover(service.currency)
    if parcel.declared_value > free:
        charges.append(Charge("INSURANCE", round((parcel.declared_value - free) * 0.015)))
    if parcel.pickup and service.carrier.pickup:
        charges.append(Charge("ADDITIONAL_SURCHARGE", service.carrier.pickup))
    return Quote(service, tuple(charges), billed, taken, earliest, latest)


def insurance_cover(currency: str) -> int:
    """The carriers' free cover, minor units: what Insurance says when nothing is declared."""
    return 100 * 100 if currency != "JPY" else 15000


# -- tracking ids -------------------------------------------------------------------------------

def tracking_id(carrier: Carrier, number: int) -> str:
    """A tracking id in the carrier's shape, from a number (the purchase's seeded digits)."""
    digits = f"{number:030d}"
    shape = carrier.tracking
    if shape == "ups":
        alphabet = "0123456789ABCDEFGHJKLMNPRSTVWXYZ"
        account = "".join(alphabet[int(d) * 3 % len(alphabet)] for d in digits[:6])
        return f"1Z{account}{digits[-10:]}"
    if shape == "usps":
        return f"9400{digits[-18:]}"
    if shape == "fedex":
        return digits[-12:]
    if shape == "amazon":
        return f"TBA{digits[-12:]}"
    if shape == "royalmail":
        letters = "".join(chr(65 + int(d)) for d in digits[:2])
        return f"{letters}{digits[-9:]}GB"
    if shape == "colissimo":
        return f"6A{digits[-11:]}"
    if shape == "postal13":
        letters = "".join(chr(65 + int(d)) for d in digits[:2])
        return f"{letters}{digits[-9:]}{carrier.id[:2]}"
    match = re.fullmatch(r"digits(\d+)", shape)
    width = int(match.group(1)) if match else 12
    return digits[-width:]
