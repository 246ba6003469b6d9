"""Generates one seller's business from a scenario shape and a seeded random source.

Faker makes the people, places and brands, once per seller, into small pools; everything
else is drawn from the seeded `random.Random` directly, which keeps 100k orders to a few
seconds. The same seed, scenario and seller always give the same records, in the same order.
"""

from __future__ import annotations

import gc
import random
import string
from bisect import bisect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from emulator.auth.accounts import Seller
from emulator.business import faker_pools, order_records, places
from emulator.business.entities import (
    Address,
    CatalogItem,
    Inventory,
    Listing,
    ListingIssue,
    Order,
    OrderItem,
    Shipment,
)
from emulator.business.living import plan
from emulator.business.living.rhythm import Rhythm
from emulator.business.marketplaces import MARKETPLACES, Marketplace
from emulator.business.scenario import SellerShape

if TYPE_CHECKING:
    from faker import Faker

DAY = 86400.0
UPPER_ALNUM = string.ascii_uppercase + string.digits

# Product categories: (product type, website display group, browse path, nouns, price range
# in USD cents, weight range in pounds).
Category = tuple[str, str, str, tuple[str, ...], tuple[int, int], tuple[float, float]]
CATEGORIES: tuple[Category, ...] = (
    ("HOME_BED_AND_BATH", "home_display_on_website", "Home & Kitchen > Bedding > Sheets",
     ("Sheet Set", "Duvet Cover", "Bath Towel Set", "Pillowcase Pair"), (1999, 8999), (1.0, 4.5)),
    ("KITCHEN", "kitchen_display_on_website", "Home & Kitchen > Kitchen & Dining > Cookware",
     ("Frying Pan", "Chef Knife", "Cutting Board", "Mixing Bowls"), (1499, 12999), (0.5, 6.0)),
    ("SHIRT", "apparel_display_on_website", "Clothing > Men > Shirts",
     ("Crew Neck T-Shirt", "Oxford Shirt", "Polo Shirt", "Flannel Shirt"), (1299, 4999),
     (0.3, 1.2)),
    ("SHOES", "shoes_display_on_website", "Clothing, Shoes & Jewelry > Shoes > Sneakers",
     ("Running Shoe", "Trail Sneaker", "Canvas Sneaker"), (3999, 12999), (1.2, 3.0)),
    ("TOY_FIGURE", "toy_display_on_website", "Toys & Games > Building Toys",
     ("Building Block Set", "Puzzle", "Plush Toy", "Card Game"), (999, 5999), (0.4, 3.5)),
    ("HEADPHONES", "ce_display_on_website", "Electronics > Headphones > Over-Ear",
     ("Wireless Headphones", "Earbuds", "Gaming Headset"), (1999, 19999), (0.3, 1.1)),
    ("ELECTRONIC_CABLE", "ce_display_on_website", "Electronics > Accessories > Cables",
     ("USB-C Cable", "HDMI Cable", "Lightning Cable", "Charging Cable 3-Pack"), (699, 2499),
     (0.1, 0.5)),
    ("OUTDOOR_RECREATION_PRODUCT", "sporting_goods_display_on_website",
     "Sports & Outdoors > Camping & Hiking", ("Camping Lantern", "Water Bottle", "Dry Bag",
                                             "Trekking Poles"), (1299, 7999), (0.4, 2.5)),
    ("PET_SUPPLIES", "pet_products_display_on_website", "Pet Supplies > Dogs > Toys",
     ("Chew Toy", "Dog Leash", "Pet Bed", "Cat Scratcher"), (799, 5999), (0.3, 8.0)),
    ("BEAUTY", "beauty_display_on_website", "Beauty & Personal Care > Skin Care",
     ("Face Serum", "Moisturizer", "Lip Balm Set", "Sunscreen SPF 50"), (899, 3999),
     (0.1, 0.8)),
)
COLORS = ("Black", "White", "Navy", "Grey", "Red", "Forest Green", "Blue", "Beige")
SIZES = ("Small", "Medium", "Large", "X-Large")
ADJECTIVES = ("Premium", "Classic", "Everyday", "Ultra Soft", "Heavy Duty", "Compact",
              "Organic", "Pro")
# What a unit of each currency buys in USD cents, roughly: prices in other marketplaces.
USD_PER_UNIT = {"USD": 1.0, "CAD": 0.73, "MXN": 0.055, "BRL": 0.19, "EUR": 1.08, "GBP": 1.27,
                "SEK": 0.095, "PLN": 0.25, "TRY": 0.031, "AED": 0.27, "SAR": 0.27,
                "EGP": 0.021, "INR": 0.012, "ZAR": 0.054, "SGD": 0.74, "AUD": 0.66,
                "JPY": 0.0067}
# Sales tax, VAT or consumption tax by country (standard rates).
TAX_RATE = {"US": 0.07, "CA": 0.13, "MX": 0.16, "BR": 0.17, "GB": 0.2, "DE": 0.19, "FR": 0.2,
            "IT": 0.22, "ES": 0.21, "NL": 0.21, "BE": 0.21, "IE": 0.23, "SE": 0.25, "PL": 0.23,
            "JP": 0.1, "AU": 0.1, "IN": 0.18, "SG": 0.09, "AE": 0.05, "SA": 0.15, "TR": 0.2,
            "EG": 0.14, "ZA": 0.15}
# Where listed prices include the tax, as Amazon shows them everywhere but in the US and
# Canada (sales tax added at checkout): the order's ItemTax is then the tax inside ItemPrice.
TAX_ADDED_COUNTRIES = frozenset({"US", "CA"})
FAKER_LOCALES = {"US": "en_US", "CA": "en_CA", "MX": "es_MX", "BR": "pt_BR", "GB": "en_GB",
                 "DE": "de_DE", "FR": "fr_FR", "IT": "it_IT", "ES": "es_ES", "NL": "nl_NL",
                 "BE": "nl_BE", "IE": "en_IE", "SE": "sv_SE", "PL": "pl_PL", "JP": "ja_JP",
                 "AU": "en_AU", "IN": "en_IN", "TR": "tr_TR"}
# The Faker providers the emulator draws from (people, their addresses and phones, brands
# and firms, ids): a Faker method of another provider needs its provider added here.
FAKER_PROVIDERS = ["faker.providers.person", "faker.providers.address",
                   "faker.providers.phone_number", "faker.providers.company",
                   "faker.providers.misc"]
SHIP_LEVELS = {"Standard": "Std {c} D2D Dom", "Expedited": "Exp {c} D2D Dom",
               "SecondDay": "Second US D2D Dom", "NextDay": "Next US D2D Dom"}
CARRIERS = ("UPS", "USPS", "FedEx", "DHL", "AMZN_US")
SHIP_CATEGORIES = ("Standard", "Expedited", "SecondDay", "NextDay")
_CATEGORY_CUMULATIVE = (70, 88, 96, 100)  # weights 70, 18, 8, 4
TRANSIT_DAYS = {"Standard": 5, "Expedited": 3, "SecondDay": 2, "NextDay": 1}
_SHIPPING = (399, 499, 599)  # what a merchant charges for shipping, when it does
_DISCOUNTS = (0, 0, 0, 0, 100, 200, 500)  # promotions, on items over $15
_EMAIL_ALPHABET = string.ascii_lowercase + string.digits


@cache
def faker_for(locale: str) -> Faker:
    # One per locale, reseeded before every use. Faker itself is imported here, when a seller
    # is first made, not when the emulator starts; and only the providers the business draws
    # from are loaded (all of them cost 25 ms a locale; the values are the same).
    from faker import Faker

    return Faker(locale, use_weighting=False, providers=FAKER_PROVIDERS)


# The draws below are those of `random.Random`'s own methods, made without their argument
# checks: the same calls to the seeded source in the same order, so the same seed gives the
# same business. 100k orders make ~4M draws, and the checks were a fifth of their seeding.
# `Random._randbelow` is what randrange(n), randint and choice draw with.


def _code(rnd: random.Random, count: int, alphabet: str = UPPER_ALNUM) -> str:
    # rnd.choices(alphabet, k=count): one random() a character.
    draw, size = rnd.random, float(len(alphabet))
    return "".join([alphabet[int(draw() * size)] for _ in range(count)])


def _digits(rnd: random.Random, count: int) -> str:
    # rnd.randrange(10 ** count), zero-padded.
    return f"{rnd._randbelow(_POWERS[count]):0{count}d}"  # type: ignore[attr-defined]


_POWERS = tuple(10 ** n for n in range(20))


@dataclass
class People:
    """Buyers and their addresses for one country, made by Faker once per seller."""

    names: list[str]
    addresses: list[Address]


def _people(rnd: random.Random, country: str, count: int) -> People:
    # From the disk cache when an earlier start made them (faker_pools.py): no Faker at all.
    return faker_pools.cached("people", (country, count), rnd,
                              lambda: _make_people(rnd, country, count))


def _make_people(rnd: random.Random, country: str, count: int) -> People:
    fake = faker_for(FAKER_LOCALES.get(country, "en_US"))
    fake.seed_instance(rnd.getrandbits(64))
    names = [fake.name() for _ in range(count)]
    return People(names, [places.address(fake, rnd, country, name) for name in names])


def _brands(rnd: random.Random, count: int) -> list[str]:
    return faker_pools.cached("brands", (count,), rnd, lambda: _make_brands(rnd, count))


def _make_brands(rnd: random.Random, count: int) -> list[str]:
    fake = faker_for("en_US")
    fake.seed_instance(rnd.getrandbits(64))
    brands: list[str] = []
    while len(brands) < count:
        brand = fake.last_name() + rnd.choice(("", " & Co", " Goods", " Home", " Labs", "ware"))
        if brand not in brands:
            brands.append(brand)
    return brands


@cache
def ship_level(category: str, country: str) -> str:
    """The ShipServiceLevel of a category in a country: one string object for every order
    that has it (100k orders share a dozen)."""
    return SHIP_LEVELS[category].format(c=country)


def asin(rnd: random.Random) -> str:
    return "B0" + _code(rnd, 8)


def order_id(rnd: random.Random) -> str:
    below = rnd._randbelow  # type: ignore[attr-defined]  # as _digits: randrange(10 ** n)
    return f"{below(1000):03d}-{below(10_000_000):07d}-{below(10_000_000):07d}"


def order_item_id(rnd: random.Random) -> str:
    return _digits(rnd, 14)


def price_in(usd_cents: int, market: Marketplace) -> int:
    """A USD price in another marketplace's currency, in minor units, ending in .99."""
    if market.currency == "USD":
        return usd_cents
    units = usd_cents / 100 / USD_PER_UNIT.get(market.currency, 1.0)
    if market.currency == "JPY":
        return max(100, int(round(units, -1)))
    return max(99, int(units) * 100 + 99)


def tax_of(amount: int, rate: float, included: bool) -> int:
    """The tax of an amount: on top of it, or inside it (VAT-inclusive prices)."""
    return round(amount * rate / (1 + rate)) if included else round(amount * rate)


def _image_url(rnd: random.Random) -> str:
    code = _code(rnd, 11, string.ascii_letters + string.digits)
    return f"https://m.media-amazon.com/images/I/{code}._SL1500_.jpg"


def _date(rnd: random.Random) -> str:
    return f"{rnd.randint(2018, 2025)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"


def catalog(rnd: random.Random, count: int, brands: list[str]) -> list[CatalogItem]:
    items: list[CatalogItem] = []
    seen: set[str] = set()
    for _ in range(count):
        code = asin(rnd)
        while code in seen:
            code = asin(rnd)
        seen.add(code)
        product_type, group, path, nouns, (low, high), (w_low, w_high) = rnd.choice(CATEGORIES)
        brand = rnd.choice(brands)
        color = rnd.choice(COLORS) if rnd.random() < 0.7 else None
        size = rnd.choice(SIZES) if product_type in ("SHIRT", "SHOES", "PET_SUPPLIES") else None
        noun = rnd.choice(nouns)
        title = f"{brand} {rnd.choice(ADJECTIVES)} {noun}"
        if color:
            title += f", {color}"
        if size:
            title += f", {size}"
        list_price = rnd.randrange(low, high, 100) + 99
        items.append(CatalogItem(
            asin=code, title=title, brand=brand, manufacturer=brand, product_type=product_type,
            display_group=group, classification_id=str(rnd.randrange(1000000, 20000000)),
            classification_path=path, sales_rank=int(rnd.lognormvariate(9, 1.5)) + 1,
            color=color, size=size, model_number=f"{brand[:3].upper()}-{_digits(rnd, 4)}",
            upc=_digits(rnd, 12), ean="0" + _digits(rnd, 12),
            images=[_image_url(rnd) for _ in range(rnd.randint(1, 4))],
            length_in=round(rnd.uniform(2, 24), 2), width_in=round(rnd.uniform(2, 18), 2),
            height_in=round(rnd.uniform(0.5, 12), 2),
            weight_lb=round(rnd.uniform(w_low, w_high), 2), list_price=list_price,
            bullet_points=[f"{noun} made for everyday use", f"Backed by {brand}'s warranty",
                           "Ships in recyclable packaging"],
            description=f"The {title} from {brand}.",
            release_date=_date(rnd),
        ))
    return items


_ISSUES = (
    ListingIssue("18027", "The image for this listing is missing or invalid.", "WARNING",
                 ["main_product_image_locator"], ["MISSING_ATTRIBUTE"]),
    ListingIssue("90220", "'item_package_quantity' is required but not supplied.", "WARNING",
                 ["item_package_quantity"], ["MISSING_ATTRIBUTE"]),
)
_ERROR_ISSUE = ListingIssue("8541", "The SKU data provided conflicts with the Amazon catalog.",
                            "ERROR", ["externally_assigned_product_identifier"],
                            ["INVALID_ATTRIBUTE"])


def listing_attributes(item: CatalogItem, market: Marketplace, price: int, quantity: int,
                       fulfillment: str) -> dict[str, object]:
    """A minimal set of product-type attributes, in the Listings Items API's shape."""
    tag = {"marketplace_id": market.id}
    attributes: dict[str, object] = {
        "item_name": [{"value": item.title, "language_tag": market.language, **tag}],
        "brand": [{"value": item.brand, "language_tag": market.language, **tag}],
        "condition_type": [{"value": "new_new", **tag}],
        "purchasable_offer": [{"currency": market.currency, "our_price": [
            {"schedule": [{"value_with_tax": price / 100}]}], **tag}],
        "merchant_suggested_asin": [{"value": item.asin, **tag}],
    }
    if fulfillment == "MFN":
        attributes["fulfillment_availability"] = [
            {"fulfillment_channel_code": "DEFAULT", "quantity": quantity}]
    return attributes


def listings(rnd: random.Random, items: list[CatalogItem], count: int, shape: SellerShape,
             markets: list[Marketplace], created_before: float) -> list[Listing]:
    found: list[Listing] = []
    skus: set[str] = set()
    for item in items[:count]:
        sku = f"{item.brand[:2].upper()}-{_code(rnd, 4)}-{_code(rnd, 4)}"
        while sku in skus:
            sku = f"{item.brand[:2].upper()}-{_code(rnd, 4)}-{_code(rnd, 4)}"
        skus.add(sku)
        fulfillment = "AFN" if rnd.random() < shape.fba_share else "MFN"
        quantity = 0 if fulfillment == "AFN" else rnd.choice((0, *range(1, 250)))
        usd = max(499, item.list_price - rnd.randrange(0, 1200, 100))
        prices = {m.id: price_in(usd, m) for m in markets}
        issues: list[ListingIssue] = []
        buyable = fulfillment == "AFN" or quantity > 0
        if rnd.random() < shape.listing_issue_share:
            issues.append(rnd.choice(_ISSUES))
            if rnd.random() < 1 / 3:
                issues.append(_ERROR_ISSUE)
                buyable = False
        status = {m.id: (["BUYABLE", "DISCOVERABLE"] if buyable else ["DISCOVERABLE"])
                  for m in markets}
        created = created_before - rnd.uniform(30, 900) * DAY
        found.append(Listing(
            sku=sku, asin=item.asin, product_type=item.product_type, condition="new_new",
            item_name=item.title, prices=prices, quantity=quantity, fulfillment=fulfillment,
            status=status, issues=issues, created=created,
            updated=created + rnd.uniform(0, created_before - created),
            listing_id=f"{_digits(rnd, 4)}{_code(rnd, 6)}{_digits(rnd, 4)}".upper(),
            fnsku=("X00" + _code(rnd, 7)) if fulfillment == "AFN" else None,
            attributes=listing_attributes(item, markets[0], prices[markets[0].id], quantity,
                                          fulfillment),
        ))
    return found


def inventory(rnd: random.Random, found: list[Listing], updated: float) -> list[Inventory]:
    records = []
    for listing in found:
        if listing.fulfillment != "AFN" or listing.fnsku is None:
            continue
        inbound = rnd.random() < 0.25
        records.append(Inventory(
            sku=listing.sku, asin=listing.asin, fnsku=listing.fnsku, condition="NewItem",
            fulfillable=rnd.choice((0, *range(5, 400))),
            inbound_working=rnd.randint(0, 40) if inbound else 0,
            inbound_shipped=rnd.randint(0, 60) if inbound else 0,
            inbound_receiving=rnd.randint(0, 20) if inbound else 0,
            reserved_customer_order=rnd.randint(0, 8), reserved_transshipment=rnd.randint(0, 5),
            reserved_fc_processing=rnd.randint(0, 4),
            unfulfillable=rnd.randint(0, 3) if rnd.random() < 0.2 else 0,
            researching=rnd.randint(0, 2) if rnd.random() < 0.1 else 0,
            updated=updated - rnd.uniform(0, 3 * DAY),
        ))
    return records


class TakenIds:
    """The order ids in use: the seller's orders, and ids handed out for orders not yet
    stored."""

    def __init__(self, orders: dict[str, Order]) -> None:
        self.orders = orders
        self.handed_out: set[str] = set()

    def __contains__(self, order_id: str) -> bool:
        return order_id in self.orders or order_id in self.handed_out

    def add(self, order_id: str) -> None:
        if order_id not in self.orders:
            self.handed_out.add(order_id)

    def discard(self, order_id: str) -> None:
        """An id handed out for an order that was undone (a transaction rolled back)."""
        self.handed_out.discard(order_id)


@dataclass
class OrderMaker:
    """Makes orders for one seller: one call per order, all draws from `rnd`."""

    rnd: random.Random
    shape: SellerShape
    markets: list[Marketplace]
    listings: list[Listing]
    people: dict[str, People]  # by country
    taken_ids: set[str] | TakenIds
    # Moves of the history's orders that fall after the anchor: (time, order id, move), for
    # the living store to play on.
    pending: list[tuple[float, str, str]] = field(default_factory=list)
    # One int object for each amount of tax: a seller's prices repeat, and ints above 256 are
    # objects of 32 bytes each (100k orders hold some 80k such taxes).
    amounts: dict[int, int] = field(default_factory=dict, repr=False)

    def new_id(self) -> str:
        code = order_id(self.rnd)
        while code in self.taken_ids:
            code = order_id(self.rnd)
        self.taken_ids.add(code)
        return code

    def market(self) -> Marketplace:
        # Most orders come from the seller's first (home) marketplace.
        if len(self.markets) == 1 or self.rnd.random() < 0.8:
            return self.markets[0]
        return self.rnd.choice(self.markets[1:])

    def make(self, purchased: float, now: float, market: Marketplace | None = None,
             lines: list[tuple[Listing, int]] | None = None,
             status: str | None = None) -> Order:
        """An order placed at `purchased`, in the state it has reached by `now`."""
        rnd = self.rnd
        draw, below = rnd.random, rnd._randbelow  # type: ignore[attr-defined]
        shape = self.shape
        market = market or self.market()
        country = market.country
        people = self.people.get(country) or next(iter(self.people.values()))
        who = below(len(people.names))
        if lines is None:
            lines = self._lines()
        fulfillment = lines[0][0].fulfillment
        rate = TAX_RATE.get(country, 0.1)
        included = country not in TAX_ADDED_COUNTRIES
        items = []
        amount = self.amounts.setdefault
        for listing, quantity in lines:
            unit = listing.prices.get(market.id) or next(iter(listing.prices.values()))
            shipping = 0 if fulfillment == "AFN" or draw() < 0.6 else _SHIPPING[below(3)]
            discount = _DISCOUNTS[below(7)] if unit > 1500 else 0
            tax = tax_of(unit * quantity, rate, included)
            shipping_tax = tax_of(shipping, rate, included)
            items.append(OrderItem(
                order_item_id=order_item_id(rnd), asin=listing.asin, sku=listing.sku,
                title=listing.item_name, quantity=quantity, shipped=0, unit_price=unit,
                tax=amount(tax, tax), shipping_price=shipping,
                shipping_tax=amount(shipping_tax, shipping_tax), promotion_discount=discount,
                is_gift=draw() < 0.03,
            ))
        # rnd.choices(SHIP_CATEGORIES, weights) with the weights accumulated once.
        category = SHIP_CATEGORIES[bisect(_CATEGORY_CUMULATIVE, draw() * 100.0, 0, 3)]
        prime = fulfillment == "AFN" and draw() < shape.prime_share * 2
        business = draw() < shape.business_share
        handling = (shape.fba_handling_days if fulfillment == "AFN"
                    else shape.mfn_handling_days) * DAY
        transit = TRANSIT_DAYS[category] * DAY
        code = self.new_id()
        order = Order(
            order_id=code, seller_order_id=code, marketplace_id=market.id,
            purchase_date=purchased, last_update=purchased, status="Pending",
            fulfillment=fulfillment, sales_channel=market.channel,
            ship_service_level=ship_level(category, country),
            ship_category=category, is_prime=prime, is_business=business,
            is_premium=category == "NextDay" and prime, is_ispu=False,
            payment_method="COD" if country == "JP" and draw() < 0.05 else "Other",
            buyer_email=_code(rnd, 15, _EMAIL_ALPHABET) + "@marketplace.amazon.com",
            buyer_name=people.names[who], address=people.addresses[who], items=tuple(items),
            currency=market.currency, earliest_ship=purchased,
            latest_ship=purchased + handling,
            earliest_delivery=purchased + handling + transit * 0.6,
            latest_delivery=purchased + handling + transit,
            purchase_order_number=f"PO-{_digits(rnd, 8)}" if business else None,
            easy_ship_status="Delivered" if country == "IN" and fulfillment == "MFN"
            else None,
            electronic_invoice_status="Accepted" if country == "BR" else None,
            tax_included=included,
        )
        self.advance(order, now, status)
        return order

    def _lines(self) -> list[tuple[Listing, int]]:
        """An order's lines: one to three distinct listings (one line per SKU), mostly one
        unit each."""
        rnd, listings = self.rnd, self.listings
        draw, below = rnd.random, rnd._randbelow  # type: ignore[attr-defined]
        count = 2 + below(2) if draw() < self.shape.multi_item_share else 1
        picked = [listings[below(len(listings))]]
        while len(picked) < min(count, len(listings)):
            listing = listings[below(len(listings))]
            if all(listing is not other for other in picked):
                picked.append(listing)
        return [(listing, 1 if draw() < 0.85 else 2 + below(2)) for listing in picked]

    def advance(self, order: Order, now: float, status: str | None = None) -> None:
        """Moves a new order to the state `now` gives it: by its plan (payment, shipment,
        delivery, a cancellation, return or refund; moves after `now` are kept in `pending`),
        or straight to `status` (the control plane's orders)."""
        if status is None:
            self._play(order, plan.before_shipping(order, self.shape, self.rnd, True), now)
            return
        rnd = self.rnd
        age = now - order.purchase_date
        if status == "Canceled":
            order.status = "Canceled"
            order.cancelled_at = order.purchase_date + min(age, rnd.uniform(600, DAY))
            order.last_update = order.cancelled_at
            return
        if status in ("Pending", "Unshipped"):
            order.status = status
            order.last_update = order.purchase_date + (0 if status == "Pending" else min(
                age, 1800.0))
            return
        shipped_at = min(now, order.purchase_date + rnd.uniform(0.3, 1.0) * (
            order.latest_ship - order.purchase_date))
        ship(order, shipped_at, rnd.choice(CARRIERS), _digits(rnd, 12), rnd)

    def _play(self, order: Order, steps: list[plan.Step], now: float) -> None:
        """Applies the plan's moves up to `now` to the record (the history has no stock
        effects: its inventory is generated as it stands at the anchor). A plan's steps come
        in time order, a shipment last, after which the plan from shipment on is played."""
        rnd = self.rnd
        index = 0
        while index < len(steps):
            when, move = steps[index]
            if when > now:
                self.pending.extend((t, order.order_id, m) for t, m in steps[index:])
                return
            index += 1
            if move == plan.PAY:
                order_records.pay(order, when)
            elif move == plan.SHIP:
                carrier = CARRIERS[rnd._randbelow(len(CARRIERS))]  # type: ignore[attr-defined]
                ship(order, when, carrier, _digits(rnd, 12), rnd)
                steps, index = plan.after_shipping(order, self.shape, rnd, when), 0
            elif move == plan.DELIVER:
                order_records.deliver(order, when)
            elif move == plan.CANCEL:
                order_records.cancel(order, when, "buyer")
            elif move == plan.RETURN:
                order_records.add_returns(order, when, rnd, self.shape.return_sellable_share)
            elif move == plan.REFUND:
                order_records.refund(order, when)


def ship(order: Order, when: float, carrier: str, tracking: str, rnd: random.Random,
         items: list[tuple[str, int]] | None = None, method: str | None = None) -> Shipment:
    """Records a shipment of `items` (default: everything not yet shipped) and the status it
    gives the order (Shipped, or PartiallyShipped while units remain)."""
    moved: list[tuple[str, int]] = []
    if items is None:  # everything (the history ships 100k orders this way)
        for item in order.items:
            if item.quantity > item.shipped:
                moved.append((item.order_item_id, item.quantity - item.shipped))
                item.shipped = item.quantity
    else:
        wanted = dict(items)
        for item in order.items:
            quantity = min(wanted.get(item.order_item_id, 0), item.quantity - item.shipped)
            if quantity > 0:
                item.shipped += quantity
                moved.append((item.order_item_id, quantity))
    reference = 10**8 + rnd._randbelow(9 * 10**8)  # type: ignore[attr-defined]  # randrange
    shipment = Shipment(package_reference_id=str(reference), carrier=carrier,
                        tracking_number=tracking, ship_date=when,
                        ship_method=method or order.ship_service_level, items=tuple(moved))
    order.shipments = (*order.shipments, shipment)
    order.status = "Shipped" if order.units_unshipped == 0 else "PartiallyShipped"
    order.last_update = max(order.last_update, when)
    return shipment


def orders(maker: OrderMaker, count: int, days: int, anchor: float) -> list[Order]:
    """The history: `count` orders over the `days` before the anchor, placed with the
    scenario's daily and weekly rhythm, each in the state the anchor finds it."""
    if not maker.listings or count == 0:
        return []
    rhythm = Rhythm(maker.shape, maker.markets[0].country)
    times = rhythm.spread(maker.rnd, anchor - days * DAY, days, count)
    with _no_cycle_collection():
        return [maker.make(t, anchor) for t in times]


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while a history is made: its records hold no
    cycles, and at 100k orders (a million objects) its passes over the growing heap took a
    quarter of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def people_for(rnd: random.Random, markets: list[Marketplace],
               orders: int = 4000) -> dict[str, People]:
    # One pool per country the seller sells in: a buyer for every ten orders, from 100 (a
    # seller's first use stays quick: Faker makes a buyer in half a millisecond) to 400.
    size = min(400, max(100, orders // 10))
    return {m.country: _people(rnd, m.country, size) for m in markets}


def markets_of(seller: Seller) -> list[Marketplace]:
    found = [MARKETPLACES[m] for m in seller.marketplace_ids if m in MARKETPLACES]
    return found or [MARKETPLACES["ATVPDKIKX0DER"]]
