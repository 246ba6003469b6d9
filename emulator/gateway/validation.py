"""Request validation against the models, done by Connexion (its rules and the emulator's are
in connexion_rules.py).

Connexion's RequestValidationMiddleware checks every parameter and the body of a request
against its operation. The emulator routes by itself (see router.py), so each model becomes a
Connexion validation API of its own, built on its first request, and an operation's validator
is called directly by the operation's uid. Connexion itself is imported with the first request
that needs a check: a start that serves tokens, the control plane or the sandbox's cases first
does not wait for it. Connexion's problems are turned into SP-API's `InvalidInput` envelope,
with a message that names the parameter, or into a service's own phrasing (phrasing.py).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from starlette.types import Message

from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput
from emulator.gateway.phrasing import style_for
from emulator.models.sandbox import MISSING
from emulator.models.spec import ApiModel, ModelSet, Operation

_RULES: ModuleType | None = None  # connexion_rules, once the first check imported it


def _connexion() -> ModuleType:
    """connexion_rules, imported on first use; then a global read, not an import statement
    on every validated request."""
    global _RULES
    if _RULES is None:
        from emulator.gateway import connexion_rules

        _RULES = connexion_rules
    return _RULES


class RequestValidator:
    def __init__(self, models: ModelSet) -> None:
        self._models = models
        self._apis: dict[str, Any] = {}  # model name -> Connexion's RequestValidationAPI
        self._parsers: dict[str, Any] = {}  # operation uid -> connexion_rules.UriParser

    def _api(self, model: ApiModel) -> Any:
        api = self._apis.get(model.name)
        if api is None:
            api = self._apis[model.name] = _connexion().validation_api(model)
        return api

    def warm(self, model: ApiModel) -> None:
        self._api(model)

    async def validate(self, call: Call) -> dict[str, Any]:
        """Check the call against its operation; return its parameters, typed, by model name."""
        operation = call.operation
        assert operation is not None
        rules = _connexion()
        checker = self._api(operation.model).operations[operation.uid]
        body = call.body
        # Connexion finds the body by Content-Length; a chunked request has none, so say it.
        dropped = {b"content-length"} if body.strip() else {b"content-length", b"content-type"}
        # (A Content-Type on a request without a body, which clients send on GETs, says nothing.)
        headers = [(k, v) for k, v in call.scope["headers"] if k.lower() not in dropped]
        headers.append((b"content-length", str(len(body) if body.strip() else 0).encode()))
        scope = {
            **call.scope,
            "headers": headers,
            "path_params": call.path_params,
            "extensions": {"spapi.validated": False, "spapi.call": call},
        }
        delivered = False

        async def receive() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            await checker(scope, receive, _no_send)
        except rules.UnsupportedMediaTypeProblem:
            sent = call.headers.get("content-type", "")
            raise InvalidInput(
                f"Invalid Content-Type '{sent}'; this operation accepts "
                f"{', '.join(operation.consumes)}."
            ) from None
        except rules.PhrasedRefusal as phrased:
            raise phrased.error from None
        except rules.ProblemException as problem:
            style = style_for(operation.model.name)
            if style is not None:
                raise style.other(_problem_message(problem)) from None
            raise InvalidInput(_problem_message(problem)) from None
        return self.typed_parameters(operation, call)

    def typed_parameters(self, operation: Operation, call: Call) -> dict[str, Any]:
        parser = self._parsers.get(operation.uid)
        if parser is None:
            parser = _connexion().UriParser(operation.parameters,
                                            operation.body_parameter or {})
            self._parsers[operation.uid] = parser
        params: dict[str, Any] = {}
        declared_query = {p["name"] for p in operation.parameters_in("query")}
        query = {k: v for k, v in call.query.items() if k in declared_query}
        params.update(parser.resolve_query(query))
        params.update(parser.resolve_path(dict(call.path_params)))
        for param in operation.parameters_in("header"):
            value = call.headers.get(param["name"].lower())
            if value is not None:
                params[param["name"]] = value
        for param in operation.parameters:
            if param["in"] != "body" and param["name"] not in params and "default" in param:
                params[param["name"]] = copy.deepcopy(param["default"])
        body_param = operation.body_parameter
        if body_param is not None and call.json is not MISSING:
            params[body_param["name"]] = call.json
        return params


def _problem_message(problem: Any) -> str:
    detail = str(problem.detail or problem.title or "Invalid input")
    if detail == "RequestBody is required":
        return "Missing required request body."
    return detail


async def _no_send(message: Mapping[str, Any]) -> None:  # pragma: no cover
    raise AssertionError("validation never answers by itself")
