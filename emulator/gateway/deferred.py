"""The request validator, made when the first request needs it.

Validation (validation.py) brings jsonschema and its format checks: a process that starts,
answers a token or a sandbox case and stops never pays for them, and one that validates pays
once, on its first validated request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.gateway.call import Call
from emulator.models.spec import ApiModel, ModelSet, Operation

if TYPE_CHECKING:
    from emulator.gateway.validation import RequestValidator


class DeferredValidator:
    def __init__(self, models: ModelSet) -> None:
        self._models = models
        self._validator: RequestValidator | None = None

    @property
    def validator(self) -> RequestValidator:
        if self._validator is None:
            from emulator.gateway.validation import RequestValidator

            self._validator = RequestValidator(self._models)
        return self._validator

    async def validate(self, call: Call) -> dict[str, Any]:
        return await self.validator.validate(call)

    def typed_parameters(self, operation: Operation, call: Call) -> dict[str, Any]:
        return self.validator.typed_parameters(operation, call)

    def warm(self, model: ApiModel) -> None:
        self.validator.warm(model)
