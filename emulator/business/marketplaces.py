"""Amazon's marketplaces: ids (from Amazon's "Marketplace IDs" page, fact sheet section 2),
with what a seller's data there needs: country, currency, the sales channel name orders
carry, and the language listings are written in. Not in the models, so written here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Marketplace:
    id: str
    country: str
    currency: str
    channel: str  # SalesChannel of orders, e.g. "Amazon.com"
    name: str
    region: str  # na | eu | fe
    language: str  # language tag of listing attributes, e.g. en_US


_ROWS = (
    ("A2EUQ1WTGCTBG2", "CA", "CAD", "Amazon.ca", "Canada", "na", "en_CA"),
    ("ATVPDKIKX0DER", "US", "USD", "Amazon.com", "United States", "na", "en_US"),
    ("A1AM78C64UM0Y8", "MX", "MXN", "Amazon.com.mx", "Mexico", "na", "es_MX"),
    ("A2Q3Y263D00KWC", "BR", "BRL", "Amazon.com.br", "Brazil", "na", "pt_BR"),
    ("A28R8C7NBKEWEA", "IE", "EUR", "Amazon.ie", "Ireland", "eu", "en_IE"),
    ("A1RKKUPIHCS9HS", "ES", "EUR", "Amazon.es", "Spain", "eu", "es_ES"),
    ("A1F83G8C2ARO7P", "GB", "GBP", "Amazon.co.uk", "United Kingdom", "eu", "en_GB"),
    ("A13V1IB3VIYZZH", "FR", "EUR", "Amazon.fr", "France", "eu", "fr_FR"),
    ("AMEN7PMS3EDWL", "BE", "EUR", "Amazon.com.be", "Belgium", "eu", "fr_BE"),
    ("A1805IZSGTT6HS", "NL", "EUR", "Amazon.nl", "Netherlands", "eu", "nl_NL"),
    ("A1PA6795UKMFR9", "DE", "EUR", "Amazon.de", "Germany", "eu", "de_DE"),
    ("APJ6JRA9NG5V4", "IT", "EUR", "Amazon.it", "Italy", "eu", "it_IT"),
    ("A2NODRKZP88ZB9", "SE", "SEK", "Amazon.se", "Sweden", "eu", "sv_SE"),
    ("AE08WJ6YKNBMC", "ZA", "ZAR", "Amazon.co.za", "South Africa", "eu", "en_ZA"),
    ("A1C3SOZRARQ6R3", "PL", "PLN", "Amazon.pl", "Poland", "eu", "pl_PL"),
    ("ARBP9OOSHTCHU", "EG", "EGP", "Amazon.eg", "Egypt", "eu", "ar_EG"),
    ("A33AVAJ2PDY3EV", "TR", "TRY", "Amazon.com.tr", "Turkey", "eu", "tr_TR"),
    ("A17E79C6D8DWNP", "SA", "SAR", "Amazon.sa", "Saudi Arabia", "eu", "ar_SA"),
    ("A2VIGQ35RCS4UG", "AE", "AED", "Amazon.ae", "United Arab Emirates", "eu", "en_AE"),
    ("A21TJRUUN4KGV", "IN", "INR", "Amazon.in", "India", "eu", "en_IN"),
    ("A19VAU5U5O7RUS", "SG", "SGD", "Amazon.sg", "Singapore", "fe", "en_SG"),
    ("A39IBJ37TRP1C6", "AU", "AUD", "Amazon.com.au", "Australia", "fe", "en_AU"),
    ("A1VC38T7YXB528", "JP", "JPY", "Amazon.co.jp", "Japan", "fe", "ja_JP"),
)

MARKETPLACES: dict[str, Marketplace] = {row[0]: Marketplace(*row) for row in _ROWS}


def marketplace(marketplace_id: str) -> Marketplace | None:
    return MARKETPLACES.get(marketplace_id)
