"""The way of every SP-API request: route, read, the stages, the answer, the reply.

    route (router.py) -> body -> stages (auth, throttling, faults) -> answer.py
                      -> finishers (state file sync) -> observers (journal) -> reply

A stage may stop the request with a Reply (a 403, a 429); observers (the journal) see every
request and its reply just before it is sent. Any SpApiError becomes Amazon's envelope here;
anything else becomes a logged 500 `InternalFailure`, never a traceback on the wire.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.types import Receive, Scope, Send

from emulator.config import Settings
from emulator.gateway.answer import Answerer
from emulator.gateway.call import Call, header_map
from emulator.gateway.errors import AccessDenied, InternalFailure, SpApiError
from emulator.gateway.router import Router
from emulator.gateway.wire import JSON, Reply, compact, error_reply, read_body, send_reply
from emulator.models.spec import Operation
from emulator.models.usage_plans import UsagePlan, plan_for
from emulator.runtime.rng import Randomness

log = logging.getLogger("emulator")

Stage = Callable[[Call], Awaitable[Reply | None]]
Observer = Callable[[Call, Reply, float], None]
Finisher = Callable[[], None]

# The emulator's own header on every SP-API reply: where the answer came from (answer.py).
SOURCE_HEADER = "x-spapi-emulator-source"
# Amazon sends x-amzn-RateLimit-Limit on these statuses only (best effort, per its docs).
_RATE_LIMIT_STATUSES = frozenset(range(200, 300)) | {400, 404}


class Pipeline:
    def __init__(self, settings: Settings, router: Router, answerer: Answerer,
                 randomness: Randomness, stages: Sequence[Stage] = (),
                 observers: Sequence[Observer] = (),
                 plan: Callable[[Operation], UsagePlan] = plan_for,
                 finishers: Sequence[Finisher] = ()) -> None:
        self.settings = settings
        self.router = router
        self.answerer = answerer
        self.randomness = randomness
        self.stages = list(stages)
        self.observers = list(observers)
        # Run after every answer and before its reply is sent (the state file's sync: a client
        # must not hear of a change that a crash could still lose).
        self.finishers = list(finishers)
        self._plan = plan
        self._rate_headers: dict[tuple[str, int], str | None] = {}
        self._error_shapes: dict[tuple[str, int], _ErrorShape] = {}

    def rate_limit_header(self, operation: Operation, status: int) -> str | None:
        """`x-amzn-RateLimit-Limit` for a reply: on 2xx, 400 and 404 always (Amazon: best
        effort); on a 429 only where the operation's model declares it (32 of 370 do)."""
        key = (operation.uid, status)
        if key not in self._rate_headers:
            value = None
            if status in _RATE_LIMIT_STATUSES or (status == 429 and _declares_rate_header(
                    operation, status)):
                value = self._plan(operation).header_value
            self._rate_headers[key] = value
        return self._rate_headers[key]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
        call = Call(
            scope=scope,
            method=scope["method"],
            raw_path=path,
            headers=header_map(scope),
            request_id=self.randomness.request_id(),
        )
        try:
            reply = await self._handle(call, receive)
        except SpApiError as error:
            reply = error_reply(error)
            call.error = f"{error.code}: {error.details or error.message}"
        except Exception:
            log.exception("internal error answering %s %s", call.method, call.raw_path)
            reply = error_reply(InternalFailure())
            call.error = "InternalFailure: an unexpected error (logged)"
        try:
            for finish in self.finishers:
                finish()
        except Exception:
            # The change could not be made durable: the client must not believe it was.
            log.exception("could not persist the state after %s %s", call.method, call.raw_path)
            reply = error_reply(InternalFailure())
        if call.operation is not None and reply.status >= 400 and reply.content_type == JSON:
            reply = self._fit_error(call.operation, reply)
        elif call.operation is not None and reply.content_type is None and not reply.body:
            reply.content_type = _declared_type(call.operation)
        headers = [("x-amzn-RequestId", call.request_id), ("x-amz-rid", self.randomness.rid()),
                   (SOURCE_HEADER, call.source)]
        if call.operation is not None and reply.status < 500:
            rate = self.rate_limit_header(call.operation, reply.status)
            if rate is not None:
                headers.append(("x-amzn-RateLimit-Limit", rate))
        # Observed before the reply leaves: a client that reads the journal as soon as it has
        # its answer finds the request there.
        elapsed = time.perf_counter() - started
        for observer in self.observers:
            observer(call, reply, elapsed)
        await send_reply(send, reply, headers)

    def _fit_error(self, operation: Operation, reply: Reply) -> Reply:
        """An error envelope as the operation's model declares it: in its content type
        (Messaging's `application/hal+json`), and in emulate mode in its shape and within its
        lengths: the bare list of errors where the model says so (Listings Restrictions,
        Services, shipment invoices: Amazon's own sandbox cases answer that way), a single
        error object where it says so (Vendor Direct Fulfillment Transactions 2021-12-28), no
        empty `details` where A+ Content's minLength 1 forbids it, a `message` cut to
        Fulfillment Inbound's maxLength 2048. Sandbox mode keeps Amazon's `"details": ""`."""
        key = (operation.uid, reply.status)
        shape = self._error_shapes.get(key)
        if shape is None:
            shape = self._error_shapes[key] = _error_shape(operation, reply.status)
        if self.settings.mode == "emulate" and (shape.limits or shape.form != "envelope"):
            reply = _reshaped(reply, shape)
        if shape.content_type != JSON:
            reply = Reply(reply.status, reply.body, shape.content_type, reply.headers)
        return reply

    async def _handle(self, call: Call, receive: Receive) -> Reply:
        """Everything between the request line and the reply; raises SpApiError to refuse."""
        match = self.router.match(call.method, call.raw_path)
        if match is None:
            # Amazon's gateway answers an unknown path or method with 403, not 404.
            raise AccessDenied()
        call.operation, call.path_params = match.operation, match.path_params
        call.body = await read_body(
            receive, self.settings.max_body_bytes, call.headers.get("content-length")
        )
        for stage in self.stages:
            reply = await stage(call)
            if reply is not None:
                return reply
        return await self.answerer.answer(call)


def _declares_rate_header(operation: Operation, status: int) -> bool:
    headers = operation.responses.get(str(status), {}).get("headers", {})
    return any(name.lower() == "x-amzn-ratelimit-limit" for name in headers)


def _declared_type(operation: Operation) -> str:
    """The content type of the operation's answers (JSON, unless the model says otherwise)."""
    if not operation.produces or JSON in operation.produces:
        return JSON
    return operation.produces[0]


@dataclass(frozen=True)
class _ErrorShape:
    content_type: str
    form: str  # "envelope" {"errors": [...]}, "list" [...] or "single" {code, message}
    limits: dict[str, tuple[int, int]]  # field -> (minLength, maxLength)


def _error_shape(operation: Operation, status: int) -> _ErrorShape:
    """How the operation's model writes its errors for `status`."""
    content_type = _declared_type(operation)
    model = operation.model
    limits: dict[str, tuple[int, int]] = {}
    try:
        schema = model.deref(operation.responses[str(status)]["schema"])
        if schema.get("type") == "array":
            form, item = "list", schema["items"]
        elif "errors" in schema.get("properties", {}):
            form, item = "envelope", model.deref(schema["properties"]["errors"])["items"]
        elif {"code", "message"} <= set(schema.get("properties", {})):
            form, item = "single", schema
        else:
            return _ErrorShape(content_type, "envelope", limits)
        fields = model.deref(item)["properties"]
    except (KeyError, TypeError, AttributeError):
        return _ErrorShape(content_type, "envelope", limits)
    for name in ("code", "message", "details"):
        field = model.deref(fields[name]) if name in fields else {}
        low, high = int(field.get("minLength", 0)), field.get("maxLength")
        if low or high is not None:
            limits[name] = (low, int(high) if high is not None else sys.maxsize)
    return _ErrorShape(content_type, form, limits)


def _reshaped(reply: Reply, shape: _ErrorShape) -> Reply:
    try:
        errors = json.loads(reply.body)["errors"]
        for error in errors:
            for name, (low, high) in shape.limits.items():
                value = error.get(name)
                if not isinstance(value, str):
                    continue
                if len(value) < low and name == "details":
                    del error[name]  # details is optional in every model; "" is not allowed
                elif len(value) > high:
                    error[name] = value[:high - 1] + "\u2026"
    except (ValueError, KeyError, TypeError, AttributeError):
        return reply
    body: Any = {"errors": errors}
    if shape.form == "list":
        body = errors
    elif shape.form == "single" and errors:
        body = errors[0]
    return Reply(reply.status, compact(body), reply.content_type, reply.headers)
