"""What the Fulfillment by Amazon tests share: an emulator's calls with the seller's token of
the moment (tests move the clock days ahead, past any token's life), every answer checked
against its model, the clock, and the seller's FBA stock as the emulator holds it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from emulator.business.entities import Inventory
from emulator.business.store import SellerState
from emulator.harness.embedded import Running
from emulator.models.schemas import validator_for
from tests.conftest import TokenSource

US = "ATVPDKIKX0DER"
ADDRESS = {"name": "Jane Doe", "addressLine1": "1 Main St", "city": "Seattle",
           "stateOrRegion": "WA", "postalCode": "98101", "countryCode": "US",
           "phone": "2065550100"}
SOURCE = {"name": "Northwind Warehouse", "addressLine1": "400 Dock St", "city": "Seattle",
          "stateOrProvinceCode": "WA", "postalCode": "98101", "countryCode": "US",
          "phoneNumber": "2065550100"}


@dataclass
class Fba:
    server: Running
    tokens: TokenSource = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = TokenSource(self.server)
        self.http = httpx.Client(base_url=self.server.base_url, timeout=30)

    def call(self, uid: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An SP-API call; its answer must validate against the schema of its status."""
        headers = {**kwargs.pop("headers", {}), "x-amz-access-token": self.tokens.seller()}
        response = self.http.request(method, path, headers=headers, **kwargs)
        operation = self.server.app.models.operation(uid)
        declared = operation.responses.get(str(response.status_code))
        assert declared is not None, f"{uid}: undeclared {response.status_code} {response.text}"
        schema = declared.get("schema")
        if schema is not None and response.status_code != 204:
            errors = list(validator_for(operation.model, schema).iter_errors(response.json()))
            assert not errors, f"{uid} {response.status_code}: {errors[0].message}"
        return response

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, **kwargs)

    def advance(self, seconds: float) -> None:
        assert self.control("POST", "/_emulator/clock/advance",
                            json={"seconds": seconds}).status_code == 200

    @property
    def now(self) -> float:
        return self.server.app.clock.now()

    @property
    def state(self) -> SellerState:
        return self.server.app.store.of(self.server.app.accounts.sellers[0])

    def stock(self, sku: str) -> Inventory:
        return self.state.inventory[sku]

    def skus(self, count: int, at_least: int = 20) -> list[str]:
        """FBA SKUs with at least `at_least` fulfillable units, fewest first taken by nobody:
        each call hands out SKUs no earlier call of this emulator did."""
        taken: set[str] = self.__dict__.setdefault("_taken", set())
        found = [r.sku for r in sorted(self.state.inventory.values(), key=lambda r: r.sku)
                 if r.fulfillable >= at_least and r.sku not in taken][:count]
        assert len(found) == count, "the seller has too few stocked FBA SKUs"
        taken.update(found)
        return found

    def mfn_sku(self) -> str:
        return next(x.sku for x in self.state.listings.values() if x.fulfillment == "MFN")
