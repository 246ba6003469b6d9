"""Helpers shared by the tests of several API families."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from emulator.business.snapshot import dump
from emulator.harness.embedded import Running
from emulator.models.schemas import validator_for
from emulator.models.spec import ModelSet


def valid_body(models: ModelSet, uid: str, response: httpx.Response) -> Any:
    """The answer's JSON, after checking it against the schema of its status in the model."""
    operation = models.operation(uid)
    declared = operation.responses.get(str(response.status_code))
    assert declared is not None, f"{uid}: undeclared status {response.status_code}"
    body = response.json()
    errors = list(validator_for(operation.model, declared["schema"]).iter_errors(body))
    assert not errors, f"{uid} {response.status_code}: {errors[0].message}"
    return body


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def control_order(server: Running, seller_id: str | None = None, **spec: Any) -> dict[str, Any]:
    """A new order through `POST /_emulator/orders` (which answers Orders v0's Order); returns
    the order's record as the state holds it (order_id, items with their order_item_id...)."""
    seller = seller_id or server.app.accounts.sellers[0].seller_id
    response = httpx.post(f"{server.base_url}/_emulator/orders",
                          json={"seller_id": seller, **spec})
    assert response.status_code == 201, response.text
    account = server.app.accounts.seller(seller)
    assert account is not None
    record = server.app.store.of(account).orders[response.json()["AmazonOrderId"]]
    return dump(record)  # type: ignore[no-any-return]
