"""Request validation against the models, done by Connexion.

Connexion's RequestValidationMiddleware checks every parameter and the body of a request
against its operation. The emulator routes by itself (see router.py), so each model becomes a
Connexion validation API of its own, built on its first request (cold start stays short), and
an operation's validator is called directly by the operation's uid. Connexion's problems are
turned into SP-API's `InvalidInput` envelope, with a message that names the parameter.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft4Validator, ValidationError
from starlette.types import Message, Scope

with warnings.catch_warnings():
    # Connexion 3.3 imports starlette.testclient and jsonschema.RefResolver at import time; both
    # warn about deprecations that are Connexion's, not ours, and would reach users' terminals.
    warnings.simplefilter("ignore")
    from connexion.exceptions import (
        BadRequestProblem,
        ProblemException,
        UnsupportedMediaTypeProblem,
    )
    from connexion.middleware.request_validation import RequestValidationAPI
    from connexion.resolver import Resolution, Resolver
    from connexion.spec import Swagger2Specification
    from connexion.uri_parsing import AlwaysMultiURIParser
    from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator, ParameterValidator

from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput, SpApiError
from emulator.gateway.phrasing import Style, style_for
from emulator.models.sandbox import MISSING
from emulator.models.schemas import fast_check, format_checker
from emulator.models.spec import ApiModel, ModelSet, Operation

_FORMATS = format_checker()


class _TrustedSpecification(Swagger2Specification):
    """A model Connexion does not re-validate at every start: the models are validated against
    the Swagger 2.0 schema once, in tests/test_models.py (that check costs 3 s per start)."""

    @classmethod
    def _validate_spec(cls, spec: Any) -> None:
        return None


class _ParameterValidator(ParameterValidator):
    """Connexion's parameter checks, with SP-API-style messages that name the parameter and
    lenient ISO 8601 date-times (Amazon accepts `2023-03-07` and `2020-05-25T13:00:00`)."""

    @staticmethod
    def validate_parameter(parameter_type: str, value: Any, param: dict[str, Any],
                           param_name: str | None = None) -> str | None:
        name = param.get("name", param_name)
        if value is None or (parameter_type == "path" and value == "") or (
                value == [] and param.get("required")):
            # `MarketplaceIds=` names no marketplace: a required list left empty is missing.
            if param.get("required"):
                return f"Missing required {parameter_type} parameter '{name}'."
            return None
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            # float() reads NaN and Infinity, which no JSON number is and no bound refuses.
            return f"Invalid {parameter_type} parameter '{name}': expected a finite number."
        schema = {k: v for k, v in param.items() if k not in ("name", "in", "required")}
        try:
            Draft4Validator(schema, format_checker=_FORMATS).validate(value)
        except ValidationError as error:
            return f"Invalid {parameter_type} parameter '{name}': {_clip(error.message)}."
        return None


# A body schema is compiled with fastjsonschema once it has validated this many bodies: a
# schema a test sends a few times does not pay the compilation (a tenth of a second for a
# large one), one a client sends in a loop gets checked forty times faster.
FAST_AFTER = 16


class _Compiled:
    """A body schema's validators: jsonschema's (the answer and its words) and, once the
    schema is in steady use, fastjsonschema's quick check that a body is valid."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema  # kept alive, so that its id is not reused while cached
        self.full = Draft4Validator(schema, format_checker=_FORMATS)
        self.uses = 0
        self.fast: Any = None  # None: not compiled yet; False: cannot be

    def valid_quickly(self, body: Any) -> bool:
        if self.fast is None:
            self.uses += 1
            if self.uses < FAST_AFTER:
                return False
            self.fast = fast_check(self.schema) or False
        return bool(self.fast) and self.fast(body)


_COMPILED: dict[int, _Compiled] = {}


def _compiled(schema: dict[str, Any]) -> _Compiled:
    found = _COMPILED.get(id(schema))
    if found is None or found.schema is not schema:
        found = _COMPILED[id(schema)] = _Compiled(schema)
    return found


class _BodyValidator(JSONRequestBodyValidator):
    @property
    def _validator(self) -> Draft4Validator:
        return _compiled(self._schema).full

    async def _parse(self, stream: Any, scope: Scope) -> Any:
        """The body the pipeline already parsed, strictly (call.json): one parse per request,
        and a body that is not UTF-8, holds NaN or nests too deep is a 400, not Connexion's
        500 from decoding it again."""
        async for _ in stream:
            pass
        call: Call = scope["extensions"]["spapi.call"]
        body = call.json
        if body is MISSING:
            if call.json_error is not None:
                raise BadRequestProblem(
                    detail=f"The request body is not valid JSON: {call.json_error}.")
            return None
        if body is None:
            # A body of `null` is a value, not a body left out: checked as one (Connexion
            # would take it for a missing optional body and let it through).
            error = next(iter(self._validator.iter_errors(None)), None)
            if error is not None:
                message = error.message.replace("None is", "null is", 1)
                raise BadRequestProblem(detail=f"Invalid request body: {message}.")
        return body

    def _validate(self, body: Any) -> dict | None:
        if body is None:
            # Swagger 2.0: a body parameter that is not `required` may be left out entirely.
            if self._nullable or not self._required:
                return None
            raise BadRequestProblem(detail="RequestBody is required")
        if _compiled(self._schema).valid_quickly(body):
            return None
        error = next(iter(sorted(self._validator.iter_errors(body), key=_depth)), None)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path)
        place = f" at '{where}'" if where else ""
        raise BadRequestProblem(detail=f"Invalid request body{_clip(place)}: "
                                       f"{_clip(error.message)}.")


def _clip(text: str, limit: int = 500) -> str:
    """jsonschema's message quotes the value it refused, however long: a message stays short
    enough to read (and within the 2048 characters the strictest model allows). The middle
    goes: the start names the value, the end says what is wrong with it ("is too long")."""
    if len(text) <= limit:
        return text
    tail = limit // 4
    return text[:limit - tail - 1] + "\u2026" + text[-tail:]


def _depth(error: ValidationError) -> int:
    return len(error.absolute_path)


class _Phrased(BadRequestProblem):
    """A body refused in the words of its service (phrasing.py), carried out of Connexion."""

    def __init__(self, error: SpApiError) -> None:
        super().__init__(detail=error.message)
        self.error = error


def _phrased_validator(style: Style) -> type[_BodyValidator]:
    class Phrased(_BodyValidator):
        def _validate(self, body: Any) -> dict | None:
            if body is None:
                return super()._validate(body)
            if _compiled(self._schema).valid_quickly(body):
                return None
            errors = sorted(self._validator.iter_errors(body), key=_depth)
            if errors:
                raise _Phrased(style.body(errors))
            return None

    return Phrased


def _validators(style: Style | None) -> dict[str, Any]:
    if style is None:
        return _VALIDATORS
    body = copy.copy(VALIDATOR_MAP["body"])
    body["*/*json"] = _phrased_validator(style)
    return {**_VALIDATORS, "body": body}


class _UriParser(AlwaysMultiURIParser):
    """Connexion's parsing of list parameters (repeated keys and commas alike), with an empty
    value an empty list: `statuses=` has no status, and a `minItems: 1` refuses it (Connexion
    reads it as one empty string, which passes)."""

    @staticmethod
    def _split(value: Any, param_defn: dict[str, Any], _in: str) -> list[str]:
        if value == "":
            return []
        return AlwaysMultiURIParser._split(value, param_defn, _in)  # type: ignore[no-any-return]


_VALIDATORS = {**VALIDATOR_MAP, "parameter": _ParameterValidator}
_VALIDATORS["body"] = copy.copy(VALIDATOR_MAP["body"])
_VALIDATORS["body"]["*/*json"] = _BodyValidator


class _UidResolver(Resolver):
    """Names Connexion's operations by the emulator's unique ids; no view functions exist."""

    def __init__(self, model: ApiModel) -> None:
        super().__init__()
        self._uids = {(op.path, op.method.lower()): op.uid for op in model.operations}

    def resolve(self, operation: Any) -> Resolution:
        return Resolution(_unused_view, self._uids[(operation.path, operation.method.lower())])


def _unused_view(**_: Any) -> None:  # pragma: no cover - validation never calls a view
    raise AssertionError("the emulator answers through answer.py, not Connexion views")


async def _validated(scope: Scope, receive: Any, send: Any) -> None:
    scope["extensions"]["spapi.validated"] = True


class RequestValidator:
    def __init__(self, models: ModelSet) -> None:
        self._models = models
        self._apis: dict[str, RequestValidationAPI] = {}
        self._parsers: dict[str, _UriParser] = {}

    def _api(self, model: ApiModel) -> RequestValidationAPI:
        api = self._apis.get(model.name)
        if api is None:
            specification = _TrustedSpecification(dict(model.document))
            api = RequestValidationAPI(
                specification,
                next_app=_validated,
                base_path=f"/{model.name}",
                resolver=_UidResolver(model),
                strict_validation=False,  # unknown query parameters are tolerated, as Amazon does
                validator_map=_validators(style_for(model.name)),
                uri_parser_class=_UriParser,
            )
            self._apis[model.name] = api
        return api

    def warm(self, model: ApiModel) -> None:
        self._api(model)

    async def validate(self, call: Call) -> dict[str, Any]:
        """Check the call against its operation; return its parameters, typed, by model name."""
        operation = call.operation
        assert operation is not None
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
        except UnsupportedMediaTypeProblem:
            sent = call.headers.get("content-type", "")
            raise InvalidInput(
                f"Invalid Content-Type '{sent}'; this operation accepts "
                f"{', '.join(operation.consumes)}."
            ) from None
        except _Phrased as phrased:
            raise phrased.error from None
        except ProblemException as problem:
            style = style_for(operation.model.name)
            if style is not None:
                raise style.other(_problem_message(problem)) from None
            raise InvalidInput(_problem_message(problem)) from None
        return self.typed_parameters(operation, call)

    def typed_parameters(self, operation: Operation, call: Call) -> dict[str, Any]:
        parser = self._parsers.get(operation.uid)
        if parser is None:
            parser = _UriParser(operation.parameters, operation.body_parameter or {})
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


def _problem_message(problem: ProblemException) -> str:
    detail = str(problem.detail or problem.title or "Invalid input")
    if detail == "RequestBody is required":
        return "Missing required request body."
    return detail


async def _no_send(message: Mapping[str, Any]) -> None:  # pragma: no cover
    raise AssertionError("validation never answers by itself")
