"""The one place that decides what an SP-API request is answered with.

`--mode sandbox` is Amazon's static sandbox: the first matching case (most specific first,
then a case that lists no parameters), else 400 "Could not match input arguments".

`--mode emulate` (default) tries, in order:
  (a) a static case that lists at least one parameter and matches the request: one keyed on
      a TEST_CASE_ value, or, for an operation without a stateful handler, one that lists
      everything the request sends (Amazon's sample request itself; see _case_filter);
  (b) the operation's stateful handler, after the request passed validation;
  (c) a static 2xx case that lists no parameters;
  (d) an answer synthesized from the operation's 2xx schema, steered by the request and the
      seller (models/steer.py), deterministic per request + seed.
The step that answered is `call.source`, sent as `x-spapi-emulator-source`.
Operations Amazon runs in its dynamic sandbox follow the emulate order in both modes, and so
do unmatched requests to services the sandbox takes from production (RDTs). In
emulate mode, the cases whose bodies break Amazon's own schemas (26 of 913), or write
date-times that are not RFC 3339 (4 more), are skipped, so every answer validates against its
model (`--mode sandbox` serves them verbatim).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from emulator.config import Settings
from emulator.gateway.call import Call
from emulator.gateway.errors import CouldNotMatch
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.validation import RequestValidator
from emulator.gateway.wire import JSON, Reply, compact
from emulator.models.request_facts import RequestFacts
from emulator.models.restricted import reduce_pii, restriction
from emulator.models.sandbox import Case, CaseTable, RequestValues, names_test_case
from emulator.models.schemas import validator_for
from emulator.models.spec import Operation
from emulator.models.steer import Hints, Steer
from emulator.runtime.rng import Randomness

if TYPE_CHECKING:
    from emulator.models.synth import Synthesizer

# Where an answer came from, in the `x-spapi-emulator-source` header and the journal. A reply
# the gateway made before any answer was chosen (a refused token, throttling, a fault, a
# request that breaks the model) is `gateway`.
STATEFUL, SANDBOX_CASE, SYNTHESIZED, GATEWAY = "stateful", "sandbox-case", "synthesized", "gateway"
# Methods whose handlers read only: they run outside any unit of work.
_READS = frozenset({"GET", "HEAD"})
UnitOfWork = Callable[[], AbstractContextManager[Any]]


class Answerer:
    def __init__(self, settings: Settings, validator: RequestValidator,
                 handlers: HandlerRegistry, randomness: Randomness,
                 unit_of_work: UnitOfWork = nullcontext) -> None:
        """`unit_of_work`: what a writing handler runs in (the store's transaction: its
        changes are committed whole, or undone whole when it raises)."""
        self.unit_of_work = unit_of_work
        self.settings = settings
        self.validator = validator
        self.handlers = handlers
        self.randomness = randomness
        self._sandbox_tables: dict[str, CaseTable] = {}
        self._emulate_tables: dict[str, CaseTable] = {}
        self._synthesizers: dict[str, Synthesizer] = {}
        self._errors_optional: dict[str, bool] = {}
        self._reduced_cases: dict[tuple[str, int, frozenset[str]], Reply] = {}
        # What a synthesized answer may know of the calling seller (its SKUs, marketplaces,
        # addresses, the business's day): wired by the app, which knows the business.
        self.hints: Callable[[Call], Hints | None] | None = None

    # -- cases -------------------------------------------------------------------------------

    def sandbox_cases(self, operation: Operation) -> CaseTable:
        table = self._sandbox_tables.get(operation.uid)
        if table is None:
            table = self._sandbox_tables[operation.uid] = CaseTable(operation)
        return table

    def emulate_cases(self, operation: Operation) -> CaseTable:
        table = self._emulate_tables.get(operation.uid)
        if table is None:
            table = CaseTable(operation, keep=lambda case: case_is_valid(operation, case))
            self._emulate_tables[operation.uid] = table
        return table

    # -- the decision ------------------------------------------------------------------------

    async def answer(self, call: Call) -> Reply:
        reply, case = await self._decide(call)
        if case is not None:
            call.case = case.index  # which of the operation's static cases (the journal's)
        if self.settings.mode != "emulate":
            return reply
        limit = restriction(call.operation)  # type: ignore[arg-type]
        if limit is None or limit.policy != "reduce":
            return reply
        unlocked = call.principal.unlocked if call.principal is not None else frozenset()
        if limit.data_elements <= unlocked:
            return reply
        if case is None:
            return _without_restricted_data(reply, unlocked)
        # Static cases never change: reduce each one once per set of unlocked data elements.
        key = (call.operation.uid, case.index, unlocked)  # type: ignore[union-attr]
        reduced = self._reduced_cases.get(key)
        if reduced is None:
            reduced = self._reduced_cases[key] = _without_restricted_data(reply, unlocked)
        return reduced

    async def _decide(self, call: Call) -> tuple[Reply, Case | None]:
        """The answer, and the static case it came from (None for handlers and synthesis);
        `call.source` says which step answered."""
        operation = call.operation
        assert operation is not None
        values = RequestValues(operation, call.path_params, call.query, call.headers, call.json)
        if self.settings.mode == "sandbox" and not operation.dynamic_sandbox:
            table = self.sandbox_cases(operation)
            case = table.match(values) or table.parameterless()
            if case is not None:
                call.source = SANDBOX_CASE
                return case_reply(operation, case), case
            if not self.handlers.answers_in_sandbox(operation.uid):
                call.source = SANDBOX_CASE  # the static sandbox's own "no match"
                raise CouldNotMatch()

        table = self.emulate_cases(operation)
        case = table.match(values, self._case_filter(operation, values))  # (a)
        if case is not None:
            call.source = SANDBOX_CASE
            return case_reply(operation, case), case
        call.params = await self.validator.validate(call)
        handler = self.handlers.get(operation.uid)  # (b)
        if handler is not None:
            call.source = STATEFUL  # also for the refusals the handler raises
            if call.method in _READS:
                reply = await handler(call)
            else:
                with self.unit_of_work():
                    reply = await handler(call)
            if reply is not None:
                return reply, None
        case = table.parameterless(success_only=True)  # (c)
        if case is not None:
            call.source = SANDBOX_CASE
            return case_reply(operation, case), case
        call.source = SYNTHESIZED
        return self.synthesize(call), None  # (d)

    def _case_filter(self, operation: Operation,
                     values: RequestValues) -> Callable[[Case], bool]:
        """Which static cases may answer in emulate mode (step a). With a stateful handler,
        only cases keyed on TEST_CASE_ values (asked for on purpose): the others restate
        ordinary requests (createFeedDocument's usual content type, getPricing's marketplace)
        and would hide the state, or hand out ids and tokens (getReport "ID323", a sample RDT)
        the rest of the emulator does not know. Without one, also a case that lists every
        query parameter and body the request sends: Amazon's own sample request. A case keyed
        on one value of a larger request (getOrderMetrics' `granularity=Day`) would answer
        2018 intervals to a 2026 request; the synthesized answer follows the request."""
        if operation.uid in self.handlers:
            return names_test_case
        return lambda case: names_test_case(case) or values.only(case.matchers)
    def synthesize(self, call: Call) -> Reply:
        operation = call.operation
        assert operation is not None
        code = operation.success_code()
        if code is None:
            return Reply(200, b"", None)
        schema = operation.responses[code].get("schema")
        status = int(code)
        if schema is None or status == 204:
            return Reply(status, b"", _content_type(operation))
        synthesizer = self._synthesizers.get(operation.model.name)
        if synthesizer is None:
            # The synthesizer (Faker, rstr) is imported with the first synthesized answer.
            from emulator.models.synth import Synthesizer

            synthesizer = self._synthesizers[operation.model.name] = Synthesizer(operation.model)
        # Same seed + same request -> same answer: the request's identity seeds the values.
        rnd = self.randomness.derive(
            "synthesize", operation.uid, call.raw_path, sorted(call.query.items()), call.body
        )
        value = synthesizer.value(schema, rnd, steer=self._steer(call, operation))
        if isinstance(value, dict) and "errors" in value:
            # A success answer carrying an optional `errors` list is legal but misleading; drop
            # it unless the schema requires it (some do, through allOf), checked once per op.
            trimmed = {k: v for k, v in value.items() if k != "errors"}
            may_drop = self._errors_optional.get(operation.uid)
            if may_drop is None:
                may_drop = validator_for(operation.model, schema).is_valid(trimmed)
                self._errors_optional[operation.uid] = may_drop
            if may_drop:
                value = trimmed
        return Reply(status, compact(value), _content_type(operation))

    def _steer(self, call: Call, operation: Operation) -> Steer:
        """What makes a synthesized answer agree with its request and the seller's data."""
        hints = self.hints(call) if self.hints is not None else None
        now = hints.now if hints is not None else _day_start(time.time())
        return Steer(operation.model, RequestFacts.of(operation, call.params or {}), hints, now)


def _day_start(moment: float) -> float:
    return moment - moment % 86400


def _without_restricted_data(reply: Reply, unlocked: frozenset[str]) -> Reply:
    """Orders answers to a token without the right RDT lose the buyer's PII, as on SP-API."""
    if not reply.body or reply.status >= 300:
        return reply
    reduced = reduce_pii(json.loads(reply.body), unlocked)
    return Reply(reply.status, compact(reduced), reply.content_type, reply.headers)


def _content_type(operation: Operation) -> str:
    # 13 operations produce application/hal+json; everything else is JSON.
    return operation.produces[0] if operation.produces else JSON


def case_reply(operation: Operation, case: Case) -> Reply:
    return Reply(case.status, case.body, _content_type(operation), list(case.headers))


def case_is_valid(operation: Operation, case: Case) -> bool:
    """Whether a case's body validates against the schema of its status (no schema: valid),
    with RFC 3339 date-times: a client's generated code parses answers strictly, and some of
    Amazon's cases write dates it cannot read (`2019-06-20T14:00:00.000`)."""
    response = operation.responses.get(str(case.status), {})
    schema = response.get("schema")
    if schema is None or case.status == 204:
        return True
    if not case.body:
        return False
    return validator_for(operation.model, schema, strict=True).is_valid(json.loads(case.body))
