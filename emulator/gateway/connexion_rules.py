"""Connexion's request validation (Swagger 2.0), with the emulator's rules: SP-API-style
messages that name the parameter, lenient ISO 8601 date-times, finite numbers only, an empty
list parameter an empty list, the body the pipeline already parsed strictly, services' own
phrasing (phrasing.py) and fastjsonschema's quick yes for a body schema in steady use.

Importing Connexion costs about a quarter of a second, so validation.py imports this module
with the first request that needs a check, not at start; in a `serve` process only its
validation modules are imported (cli.py, runtime/deferred_imports.py), not its apps: 0.03 s of
CPU instead of 0.2.
"""

from __future__ import annotations

import copy
import math
import warnings
from typing import Any

from jsonschema import Draft4Validator, ValidationError
from starlette.types import Scope

from emulator.gateway.call import Call
from emulator.gateway.errors import SpApiError
from emulator.gateway.phrasing import Style, style_for
from emulator.models.sandbox import MISSING
from emulator.models.schemas import fast_check, format_checker
from emulator.models.spec import ApiModel

with warnings.catch_warnings():
    # Connexion 3.3 imports jsonschema.RefResolver at import time (and, for its apps,
    # starlette.testclient); both warn about deprecations that are Connexion's, not ours, and
    # would reach users' terminals.
    warnings.simplefilter("ignore")
    from connexion.exceptions import (  # noqa: F401 - validation.py catches them from here
        BadRequestProblem,
        ProblemException,
        UnsupportedMediaTypeProblem,
    )
    from connexion.middleware.request_validation import RequestValidationAPI
    from connexion.resolver import Resolution, Resolver
    from connexion.spec import Swagger2Specification
    from connexion.uri_parsing import AlwaysMultiURIParser
    from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator, ParameterValidator

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
            return f"Invalid {parameter_type} parameter '{name}': {clip(error.message)}."
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
        raise BadRequestProblem(detail=f"Invalid request body{clip(place)}: "
                                       f"{clip(error.message)}.")


def clip(text: str, limit: int = 500) -> str:
    """jsonschema's message quotes the value it refused, however long: a message stays short
    enough to read (and within the 2048 characters the strictest model allows). The middle
    goes: the start names the value, the end says what is wrong with it ("is too long")."""
    if len(text) <= limit:
        return text
    tail = limit // 4
    return text[:limit - tail - 1] + "\u2026" + text[-tail:]


def _depth(error: ValidationError) -> int:
    return len(error.absolute_path)


class PhrasedRefusal(BadRequestProblem):
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
                raise PhrasedRefusal(style.body(errors))
            return None

    return Phrased


def _validators(style: Style | None) -> dict[str, Any]:
    if style is None:
        return _VALIDATORS
    body = copy.copy(VALIDATOR_MAP["body"])
    body["*/*json"] = _phrased_validator(style)
    return {**_VALIDATORS, "body": body}


class UriParser(AlwaysMultiURIParser):
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


def validation_api(model: ApiModel) -> RequestValidationAPI:
    """Connexion's validation of one model's operations, by the emulator's operation uids."""
    return RequestValidationAPI(
        _TrustedSpecification(dict(model.document)),
        next_app=_validated,
        base_path=f"/{model.name}",
        resolver=_UidResolver(model),
        strict_validation=False,  # unknown query parameters are tolerated, as Amazon does
        validator_map=_validators(style_for(model.name)),
        uri_parser_class=UriParser,
    )
