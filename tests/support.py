"""Helpers shared by the tests of several API families."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

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
