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
import time
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import quote

from starlette.types import Receive, Scope, Send

from emulator.config import Settings
from emulator.gateway.answer import Answerer
from emulator.gateway.call import Call, header_map
from emulator.gateway.errors import AccessDenied, InternalFailure, SpApiError
from emulator.gateway.router import Router
from emulator.gateway.wire import Reply, compact, error_reply, read_body, send_reply
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
        self._empty_details: dict[tuple[str, int], bool] = {}

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
        # Emulate mode answers within the model; sandbox mode keeps Amazon's "details": "".
        if (self.settings.mode == "emulate" and call.operation is not None
                and reply.status >= 400 and self._details_nonempty(call.operation, reply.status)):
            reply = _without_empty_details(reply)
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

    def _details_nonempty(self, operation: Operation, status: int) -> bool:
        """Whether the operation's error schema for `status` forbids an empty `details`
        (A+ Content's does, with minLength 1): then an empty one is left out."""
        key = (operation.uid, status)
        if key not in self._empty_details:
            self._empty_details[key] = _error_details_min_length(operation, status) > 0
        return self._empty_details[key]

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


def _error_details_min_length(operation: Operation, status: int) -> int:
    model = operation.model
    schema = operation.responses.get(str(status), {}).get("schema")
    try:
        errors = model.deref(model.deref(schema)["properties"]["errors"])  # type: ignore[arg-type]
        details = model.deref(model.deref(errors["items"])["properties"]["details"])
    except (KeyError, TypeError):
        return 0
    return int(details.get("minLength", 0))


def _without_empty_details(reply: Reply) -> Reply:
    try:
        body = json.loads(reply.body)
        for error in body["errors"]:
            if error.get("details") == "":
                del error["details"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return reply
    return Reply(reply.status, compact(body), reply.content_type, reply.headers)
