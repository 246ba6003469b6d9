"""Amazon's fulfillment centers the emulated FBA business ships from and sends stock to:
real warehouse codes (three letters of the nearest airport and a digit, as Amazon names them)
with their public street addresses, by country. Multi-Channel Fulfillment shipments leave
from them, returns go back to them, Send to Amazon shipments are placed at them.

Which center a seller's shipment uses is seeded (by seller and shipment), never random.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class FulfillmentCenter:
    warehouse_id: str
    address_line1: str
    city: str
    state: str
    postal_code: str
    country: str

    @property
    def name(self) -> str:
        return f"Amazon.com Services, {self.warehouse_id}" if self.country == "US" \
            else f"Amazon {self.warehouse_id}"


_ROWS = (
    ("PHX3", "6835 W Buckeye Rd", "Phoenix", "AZ", "85043", "US"),
    ("ONT8", "24300 Nandina Ave", "Moreno Valley", "CA", "92551", "US"),
    ("LGB8", "1568 N Linden Ave", "Rialto", "CA", "92376", "US"),
    ("BFI4", "21005 64th Ave S", "Kent", "WA", "98032", "US"),
    ("MDW2", "250 Emerald Dr", "Joliet", "IL", "60433", "US"),
    ("IND9", "1151 S Graham Rd", "Greenwood", "IN", "46143", "US"),
    ("CLT2", "10240 Old Dowd Rd", "Charlotte", "NC", "28214", "US"),
    ("TPA1", "3350 Laurel Ridge Ave", "Ruskin", "FL", "33570", "US"),
    ("AVP1", "550 Oak Ridge Rd", "Hazleton", "PA", "18202", "US"),
    ("EWR4", "50 New Canton Way", "Robbinsville", "NJ", "08691", "US"),
    ("FTW1", "33333 Lyndon B Johnson Fwy", "Dallas", "TX", "75241", "US"),
    ("RNO4", "8000 N Virginia St", "Reno", "NV", "89506", "US"),
    ("YYZ4", "8050 Heritage Rd", "Brampton", "ON", "L6Y 0C9", "CA"),
    ("YVR2", "450 Derwent Pl", "Delta", "BC", "V3M 5Y9", "CA"),
    ("YYC1", "293069 Colonel Robertson Way", "Rocky View County", "AB", "T4A 0E2", "CA"),
    ("MEX1", "Av. Tepotzotlan 2", "Cuautitlan", "MEX", "54870", "MX"),
    ("LTN1", "Marston Gate, Ridgmont", "Bedford", "Bedfordshire", "MK43 0ZA", "GB"),
    ("BHX1", "Towers Business Park", "Rugeley", "Staffordshire", "WS15 1NZ", "GB"),
    ("EDI4", "Amazon Way", "Dunfermline", "Fife", "KY11 8ST", "GB"),
    ("FRA1", "Amazonstrasse 1", "Bad Hersfeld", "HE", "36251", "DE"),
    ("LEJ1", "Amazonstrasse 1", "Leipzig", "SN", "04347", "DE"),
    ("DTM2", "Kaltbandstrasse 4", "Dortmund", "NW", "44145", "DE"),
    ("ORY1", "1401 Rue du Champ Rouge", "Saran", "Loiret", "45770", "FR"),
    ("LYS1", "Zac du Parc d'Activites", "Sevrey", "Saone-et-Loire", "71100", "FR"),
    ("MXP5", "Strada Dogana Po 2U", "Castel San Giovanni", "PC", "29015", "IT"),
    ("FCO1", "Via della Meccanica", "Passo Corese", "RI", "02032", "IT"),
    ("MAD4", "Avenida de la Astronomia 24", "San Fernando de Henares", "Madrid", "28830",
     "ES"),
    ("BCN1", "Carrer de la Ferralla 12", "El Prat de Llobregat", "Barcelona", "08820", "ES"),
    ("NRT1", "2-13-1 Shiohama", "Ichikawa", "Chiba", "272-0127", "JP"),
    ("KIX1", "1-1 Chikko Shinmachi", "Sakai", "Osaka", "592-8331", "JP"),
    ("NGO1", "Aza Kamagaya", "Tajimi", "Gifu", "507-0061", "JP"),
    ("SYD1", "11-13 Moorebank Ave", "Moorebank", "NSW", "2170", "AU"),
    ("MEL1", "29 National Dr", "Dandenong South", "VIC", "3175", "AU"),
)

CENTERS: dict[str, FulfillmentCenter] = {row[0]: FulfillmentCenter(*row) for row in _ROWS}
BY_COUNTRY: dict[str, list[FulfillmentCenter]] = {}
for _center in CENTERS.values():
    BY_COUNTRY.setdefault(_center.country, []).append(_center)
# Where a country without centers of its own is served from (Amazon's pan-regional networks).
FALLBACK = {"IE": "GB", "BE": "FR", "NL": "DE", "SE": "DE", "PL": "DE", "SG": "AU"}


def in_country(country: str) -> list[FulfillmentCenter]:
    """The centers serving a country (its own, else its region's, else the US network)."""
    return (BY_COUNTRY.get(country) or BY_COUNTRY.get(FALLBACK.get(country, ""))
            or BY_COUNTRY["US"])


def pick(rnd: random.Random, country: str, count: int = 1) -> list[FulfillmentCenter]:
    """`count` distinct centers of a country (fewer if it has fewer), drawn from `rnd`."""
    centers = in_country(country)
    return rnd.sample(centers, min(count, len(centers)))
