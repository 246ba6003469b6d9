"""Request validation against the models: every parameter and the body of a request, checked
against its operation, and the parameters typed for the handlers.

The rules are Connexion's request validation for Swagger 2.0 (which the emulator used until
importing it cost a third of every start): query values of every repeated key joined, list
parameters split on commas (`|` for `pipes`), values coerced to the parameter's type where
they can be (`12` an integer, `true` a boolean, else left as text for the check to refuse),
a parameter that is absent or an empty path segment "missing", the Content-Type checked
against the operation's `consumes` only when a body is sent, and each value checked by a
Draft 4 validator of its schema (jsonschema) with the lenient date-times of
`emulator.models.schemas`. Unknown query parameters and body fields are tolerated, as Amazon
does. Messages are SP-API's `InvalidInput` and name the parameter, except for services that
phrase them their own way (phrasing.py). A body schema in steady use is also compiled by
fastjsonschema, whose quick yes spares the full check of a valid body.

Each operation's checks are made on its first request: a start pays for none of them.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft4Validator, ValidationError

from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput, SpApiError
from emulator.gateway.phrasing import Style, style_for
from emulator.models.sandbox import MISSING
from emulator.models.schemas import fast_check, format_checker, validator_for
from emulator.models.spec import ApiModel, ModelSet, Operation

# Where a parameter may come from, in the order its problems are reported.
CHECKED = ("query", "path", "header")


def _boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ValueError(value)


_TYPES = {"integer": int, "number": float, "boolean": _boolean, "string": str}


def _coerce(value: str, kind: str | None) -> Any:
    """`value` as the type names it, or the text itself when it is not one (the check then
    says what is wrong with it)."""
    convert = _TYPES.get(kind or "")
    if convert is None:
        return value
    try:
        return convert(value)
    except (ValueError, TypeError):
        return value


@dataclass
class _Parameter:
    name: str
    where: str  # query, path, header
    definition: dict[str, Any]
    required: bool
    array: bool
    separator: str
    item_type: str | None
    _validator: Draft4Validator | None = field(default=None, repr=False)

    @classmethod
    def of(cls, definition: dict[str, Any]) -> _Parameter:
        items = definition.get("items") or {}
        return cls(name=definition["name"], where=definition["in"], definition=definition,
                   required=bool(definition.get("required")),
                   array=definition.get("type") == "array",
                   separator="|" if definition.get("collectionFormat") == "pipes" else ",",
                   item_type=items.get("type"))

    def typed(self, values: list[str]) -> Any:
        """The request's values of this parameter, resolved and typed (query and path)."""
        if self.array:
            joined = self.separator.join(values)
            if joined == "":
                return []  # `statuses=` has no status (and `minItems: 1` refuses it)
            return [_coerce(v, self.item_type) for v in joined.split(self.separator)]
        return _coerce(values[-1], self.definition.get("type"))

    def problem(self, value: Any) -> str | None:
        """What is wrong with the parameter's value (None: it is absent), or None."""
        if value is None or (self.where == "path" and value == "") or (
                value == [] and self.required):
            # `MarketplaceIds=` names no marketplace: a required list left empty is missing.
            if self.required:
                return f"Missing required {self.where} parameter '{self.name}'."
            return None
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            # float() reads NaN and Infinity, which no JSON number is and no bound refuses.
            return f"Invalid {self.where} parameter '{self.name}': expected a finite number."
        if self._validator is None:
            schema = {k: v for k, v in self.definition.items()
                      if k not in ("name", "in", "required")}
            self._validator = Draft4Validator(schema, format_checker=format_checker())
        error = next(self._validator.iter_errors(value), None)
        if error is None:
            return None
        return f"Invalid {self.where} parameter '{self.name}': {_clip(error.message)}."


# A body schema is compiled with fastjsonschema once it has validated this many bodies: a
# schema a test sends a few times does not pay the compilation (a tenth of a second for a
# large one), one a client sends in a loop gets checked forty times faster.
FAST_AFTER = 16


def _inlined(model: ApiModel, node: Any, path: tuple[str, ...] = ()) -> Any:
    """`node` with every `$ref` replaced by what it names (a self-contained schema, as
    fastjsonschema takes it); RecursionError for a schema that refers to itself."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in path:
                raise RecursionError(ref)
            return _inlined(model, model.deref({"$ref": ref}), (*path, ref))
        return {k: _inlined(model, v, path) for k, v in node.items()}
    if isinstance(node, list):
        return [_inlined(model, v, path) for v in node]
    return node


@dataclass
class _Body:
    """A body parameter's schema, its validator, and once it is in steady use its quick
    check."""

    definition: dict[str, Any]
    uses: int = 0
    fast: Any = None  # None: not compiled yet; False: cannot be
    _inline: Any = None  # the schema with its references replaced; False: recursive
    _validator: Any = None

    def inlined(self, model: ApiModel) -> dict[str, Any] | None:
        if self._inline is None:
            try:
                self._inline = _inlined(model, self.definition["schema"])
            except RecursionError:
                self._inline = False
        return self._inline or None

    def validator(self, model: ApiModel) -> Any:
        """The schema's Draft 4 validator: over the schema with its references replaced, as
        Connexion validated (the errors then carry the schemas they broke, which phrasing.py
        reads), or through the model's references for a schema that refers to itself."""
        if self._validator is None:
            inline = self.inlined(model)
            self._validator = (Draft4Validator(inline, format_checker=format_checker())
                               if inline is not None
                               else validator_for(model, self.definition["schema"]))
        return self._validator

    def valid_quickly(self, model: ApiModel, value: Any) -> bool:
        if self.fast is None:
            self.uses += 1
            if self.uses < FAST_AFTER:
                return False
            inline = self.inlined(model)
            self.fast = (fast_check(inline) if inline is not None else None) or False
        return bool(self.fast) and self.fast(value)


@dataclass
class _Checks:
    """An operation's parameters and body, as its requests are checked."""

    parameters: list[_Parameter]
    by_name: dict[str, _Parameter]  # query and path parameters by name
    consumes: frozenset[str]
    body: _Body | None  # the body parameter
    style: Style | None  # how the service words a refusal (None: the gateway's InvalidInput)

    @classmethod
    def of(cls, operation: Operation) -> _Checks:
        parameters = [_Parameter.of(p) for p in operation.parameters if p["in"] in CHECKED]
        parameters.sort(key=lambda p: CHECKED.index(p.where))
        body = operation.body_parameter
        return cls(parameters, {p.name: p for p in parameters if p.where != "header"},
                   frozenset(c.lower() for c in operation.consumes),
                   _Body(body) if body is not None else None, style_for(operation.model.name))

    def refusal(self, message: str) -> SpApiError:
        return self.style.other(message) if self.style is not None else InvalidInput(message)


def _mime_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip()


def _depth(error: ValidationError) -> int:
    return len(error.absolute_path)


class RequestValidator:
    def __init__(self, models: ModelSet) -> None:
        self._models = models
        self._checks: dict[str, _Checks] = {}

    def _of(self, operation: Operation) -> _Checks:
        checks = self._checks.get(operation.uid)
        if checks is None:
            checks = self._checks[operation.uid] = _Checks.of(operation)
        return checks

    def warm(self, model: ApiModel) -> None:
        for operation in model.operations:
            self._of(operation)

    async def validate(self, call: Call) -> dict[str, Any]:
        """Check the call against its operation; return its parameters, typed, by model name."""
        operation = call.operation
        assert operation is not None
        checks = self._of(operation)
        query, path = self._resolved(checks, call)
        for parameter in checks.parameters:
            if parameter.where == "query":
                value = query.get(parameter.name)
            elif parameter.where == "path":
                value = path.get(parameter.name)
            else:
                value = call.headers.get(parameter.name.lower())
            problem = parameter.problem(value)
            if problem is not None:
                raise checks.refusal(problem)
        self._check_body(operation, checks, call)
        return self._typed(operation, checks, call, query, path)

    def _resolved(self, checks: _Checks, call: Call) -> tuple[dict[str, Any], dict[str, Any]]:
        """The query and path values of the operation's parameters, typed."""
        query: dict[str, Any] = {}
        for name, values in call.query.items():
            parameter = checks.by_name.get(name)
            if parameter is not None:
                query[name] = parameter.typed(values)
        path: dict[str, Any] = {}
        for name, value in call.path_params.items():
            parameter = checks.by_name.get(name)
            path[name] = parameter.typed([value]) if parameter is not None else value
        return query, path

    def _check_body(self, operation: Operation, checks: _Checks, call: Call) -> None:
        sent = call.body.strip()
        # A Content-Type on a request without a body (clients send one on GETs) says nothing.
        content_type = call.headers.get("content-type") if sent else None
        mime = _mime_type(content_type) if content_type else (
            operation.consumes[0] if operation.consumes else "application/octet-stream")
        if checks.consumes and mime.lower() not in checks.consumes:
            raise InvalidInput(f"Invalid Content-Type '{call.headers.get('content-type', '')}'; "
                               f"this operation accepts {', '.join(operation.consumes)}.")
        body = checks.body
        schema = body.definition.get("schema") if body is not None else None
        if body is None or not schema or not mime.lower().endswith("json"):
            return
        value = call.json if sent else None
        if value is MISSING:
            if call.json_error is not None:
                raise checks.refusal(f"The request body is not valid JSON: {call.json_error}.")
            value = None
        elif value is None and sent:
            # A body of `null` is a value, not a body left out: checked as one.
            error = next(iter(body.validator(operation.model).iter_errors(None)), None)
            if error is not None:
                message = error.message.replace("None is", "null is", 1)
                raise checks.refusal(f"Invalid request body: {message}.")
        if value is None:
            # Swagger 2.0: a body parameter that is not `required` may be left out entirely
            # (or sent as JSON's null).
            if body.definition.get("required"):
                raise checks.refusal("Missing required request body.")
            return
        if body.valid_quickly(operation.model, value):
            return
        errors = sorted(body.validator(operation.model).iter_errors(value), key=_depth)
        if errors and checks.style is not None:
            raise checks.style.body(errors)
        error = errors[0] if errors else None
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path)
            place = f" at '{where}'" if where else ""
            raise InvalidInput(f"Invalid request body{_clip(place)}: {_clip(error.message)}.")

    def typed_parameters(self, operation: Operation, call: Call) -> dict[str, Any]:
        checks = self._of(operation)
        query, path = self._resolved(checks, call)
        return self._typed(operation, checks, call, query, path)

    def _typed(self, operation: Operation, checks: _Checks, call: Call, query: dict[str, Any],
               path: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {**query, **path}
        for parameter in checks.parameters:
            if parameter.where == "header":
                value = call.headers.get(parameter.name.lower())
                if value is not None:
                    params[parameter.name] = value
        for definition in operation.parameters:
            if (definition["in"] != "body" and definition["name"] not in params
                    and "default" in definition):
                params[definition["name"]] = copy.deepcopy(definition["default"])
        body = operation.body_parameter
        if body is not None and call.json is not MISSING:
            params[body["name"]] = call.json
        return params


def _clip(text: str, limit: int = 500) -> str:
    """jsonschema's message quotes the value it refused, however long: a message stays short
    enough to read (and within the 2048 characters the strictest model allows). The middle
    goes: the start names the value, the end says what is wrong with it ("is too long")."""
    if len(text) <= limit:
        return text
    tail = limit // 4
    return text[:limit - tail - 1] + "\u2026" + text[-tail:]
