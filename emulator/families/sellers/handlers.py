"""Sellers API v1: getMarketplaceParticipations and getAccount, from the seller's account record.

Both are derived, never stored: the marketplaces come from the account (fixtures/accounts.yaml
or the open-auth seller), the business and its contact from the seed and the seller id, so the
same seed always describes the same business.

Vendors are not selling partners of these APIs (Amazon: "Returns a list of marketplaces where
the seller can list items"). A vendor's getMarketplaceParticipations answers its marketplaces
with `isParticipating: false` and an empty `storeName`, so an app can tell a vendor account from
a seller's without an error; getAccount, which describes a selling account, answers 403 as a
seller-only operation does to a vendor's token. Both are the emulator's choice: Amazon does not
document what vendors get here.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from emulator.auth.accounts import Seller
from emulator.business import generate
from emulator.business.marketplaces import Marketplace
from emulator.business.store import StateStore
from emulator.families import ApiContext
from emulator.gateway.call import Call
from emulator.gateway.errors import AccessDenied
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply

if TYPE_CHECKING:
    from faker import Faker

# Legal-form suffixes of a limited company's registered name, by country.
LEGAL_SUFFIX = {"US": "LLC", "CA": "Inc.", "MX": "S.A. de C.V.", "BR": "Ltda.", "GB": "Ltd",
                "IE": "Ltd", "DE": "GmbH", "FR": "SARL", "IT": "S.r.l.", "ES": "S.L.",
                "NL": "B.V.", "BE": "BV", "SE": "AB", "PL": "sp. z o.o.", "JP": "K.K.",
                "AU": "Pty Ltd", "IN": "Pvt. Ltd.", "SG": "Pte. Ltd.", "TR": "Ltd. Şti."}
# Most selling businesses are limited companies; the rest sole proprietors or listed groups.
BUSINESS_TYPES = (("PRIVATE_LIMITED", 6), ("SOLE_PROPRIETORSHIP", 3), ("PUBLIC_LISTED", 1))


def participations(seller: Seller) -> list[dict[str, Any]]:
    """The seller's marketplaces in SP-API's MarketplaceParticipation shape."""
    selling = seller.account_type == "seller"
    return [{
        "marketplace": {"id": m.id, "countryCode": m.country, "name": m.channel,
                        "defaultCurrencyCode": m.currency, "defaultLanguageCode": m.language,
                        "domainName": "www." + m.channel.lower()},
        "storeName": seller.name if selling else "",
        # hasSuspendedListings is the seller's account-wide "listings inactive" (vacation)
        # switch, which no emulated seller turns on.
        "participation": {"isParticipating": selling, "hasSuspendedListings": False},
    } for m in generate.markets_of(seller)]


def account(seller: Seller, rnd: random.Random) -> dict[str, Any]:
    """getAccount's payload: the business registered in the seller's home country."""
    home = generate.markets_of(seller)[0]
    fake = _faker(home, rnd)
    business_type = rnd.choices([t for t, _ in BUSINESS_TYPES],
                                [w for _, w in BUSINESS_TYPES])[0]
    business: dict[str, Any] = {"name": _registered_name(seller, home, business_type),
                                "registeredBusinessAddress": _address(fake, home, rnd)}
    # The model: no registration number for sole proprietors, a tax id for certain types.
    if business_type != "SOLE_PROPRIETORSHIP":
        business["companyRegistrationNumber"] = f"{rnd.randrange(10**8, 10**9)}"
    business["companyTaxIdentificationNumber"] = f"{rnd.randrange(10**8, 10**9)}"
    contact: dict[str, Any] = {"name": fake.name(), "address": _address(fake, home, rnd)}
    if home.country == "JP":
        business["nonLatinName"] = fake.company()
        contact["nonLatinName"] = contact["name"]
        contact["name"] = fake.romanized_name()
    return {"businessType": business_type, "sellingPlan": "PROFESSIONAL",
            "marketplaceParticipationList": participations(seller), "business": business,
            "primaryContact": contact}


def _faker(home: Marketplace, rnd: random.Random) -> Faker:
    fake = generate.faker_for(generate.FAKER_LOCALES.get(home.country, "en_US"))
    fake.seed_instance(rnd.getrandbits(64))
    return fake


def _registered_name(seller: Seller, home: Marketplace, business_type: str) -> str:
    if business_type == "SOLE_PROPRIETORSHIP":
        return seller.name
    suffix = "Inc." if business_type == "PUBLIC_LISTED" and home.country == "US" else (
        LEGAL_SUFFIX.get(home.country, "Ltd"))
    return f"{seller.name} {suffix}"


def _address(fake: Faker, home: Marketplace, rnd: random.Random) -> dict[str, Any]:
    address: dict[str, Any] = {"addressLine1": fake.street_address()}
    if rnd.random() < 0.4:
        address["addressLine2"] = f"Suite {rnd.randint(100, 999)}"
    address["city"] = fake.city()
    region = _region(fake)
    if region:
        address["stateOrProvinceCode"] = region
    address["postalCode"] = fake.postcode()
    address["countryCode"] = home.country
    return address


def _region(fake: Faker) -> str | None:
    # Faker locales name their regions differently (US states, JP prefectures, ...); some
    # have none, and then the address has no stateOrProvinceCode, as Amazon allows.
    for provider in ("state_abbr", "prefecture", "state", "region"):
        method = getattr(fake, provider, None)
        if method is not None:
            return str(method())
    return None


class Sellers:
    def __init__(self, store: StateStore) -> None:
        self.store = store

    async def marketplace_participations(self, call: Call) -> Reply:
        return json_reply(200, {"payload": participations(_seller(call))})

    async def account(self, call: Call) -> Reply:
        seller = _seller(call)
        if seller.account_type != "seller":
            raise AccessDenied(details=f"{seller.seller_id} is a vendor account; getAccount "
                               "describes selling accounts.")
        rnd = self.store.randomness.derive("seller-account", seller.seller_id)
        return json_reply(200, {"payload": account(seller, rnd)})


def _seller(call: Call) -> Seller:
    seller = call.principal.seller if call.principal is not None else None
    assert seller is not None, "auth gives the Sellers API a seller's token"
    return seller


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    sellers = Sellers(context.store)
    registry.register("sellers.getMarketplaceParticipations", sellers.marketplace_participations)
    registry.register("sellers.getAccount", sellers.account)
    return sellers
