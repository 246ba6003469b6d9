"""Schemathesis over Amazon's models against a running emulator: the cases, the checks, and
the model defects we know of. `tests/test_fuzz.py` runs it in `make test` (a few cases per
operation) and `make fuzz` (`SPAPI_FUZZ=long`: every coverage case and Hypothesis fuzzing).

Cases come from Schemathesis's coverage phase (deterministic: the default positive request,
then boundary and wrong-type values parameter by parameter); each is sent over HTTP with the
token the operation needs and checked by the five checks below.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from emulator.harness.embedded import Running
from emulator.models.spec import ApiModel, Operation
from tests.conftest import TokenSource

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance, negative_data_rejection]
LONG = os.environ.get("SPAPI_FUZZ") == "long"


@dataclass(frozen=True)
class Budget:
    """Cases per operation: `positive` ones (the default request first), `negative` ones (one
    per parameter), looking at no more than `examined` coverage cases; `fuzzed` Hypothesis
    examples of each mode on top."""

    positive: int
    negative: int
    examined: int
    fuzzed: int = 0


SHORT_BUDGET = Budget(positive=2, negative=3, examined=30)
LONG_BUDGET = Budget(positive=250, negative=250, examined=250, fuzzed=10)


# Failures that are Amazon's models' own, by operation uid and check, each with its reason.
# Anything else the fuzzer finds is a bug of the emulator.
_BODY_ON_204 = ("The model gives its 204 (No Content) a body schema; HTTP sends a 204 without "
                "a body, as the emulator does.")
KNOWN_DEFECTS: dict[tuple[str, str], str] = {
    ("services.cancelReservation", "response_schema_conformance"): _BODY_ON_204,
    ("services.setAppointmentFulfillmentData", "response_schema_conformance"): _BODY_ON_204,
    ("supplySources_2020-07-01.archiveSupplySource", "response_schema_conformance"): _BODY_ON_204,
    ("supplySources_2020-07-01.updateSupplySource", "response_schema_conformance"): _BODY_ON_204,
    ("supplySources_2020-07-01.updateSupplySourceStatus", "response_schema_conformance"):
        _BODY_ON_204,
}


@dataclass
class Finding:
    uid: str
    check: str
    title: str
    mode: str
    curl: str


@dataclass
class Outcome:
    operations: int = 0
    cases: int = 0
    findings: list[Finding] = field(default_factory=list)


def _schema(model: ApiModel) -> Any:
    config = schemathesis.Config.from_dict({
        "seed": 1,
        "generation": {"mode": "all", "deterministic": True, "no-shrink": True,
                       "database": "none"},
    })
    # Schemathesis may rewrite what it is given; the emulator's document must stay as it is.
    return schemathesis.openapi.from_dict(json.loads(json.dumps(model.document)), config=config)


def _coverage(schema: Any, operation: Any, budget: Budget) -> Iterator[Any]:
    """The first `positive` and `negative` coverage cases, at most one per parameter."""
    generated = schema.iter_coverage_cases(
        operation, generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        generation_config=schema.config.generation_for(operation=operation, phase="coverage"))
    wanted = {GenerationMode.POSITIVE: budget.positive, GenerationMode.NEGATIVE: budget.negative}
    seen: set[tuple[Any, Any, Any]] = set()
    for examined, case in enumerate(generated):
        if examined >= budget.examined or not any(wanted.values()):
            return
        meta = case.meta
        mode = meta.generation.mode
        data = meta.phase.data
        key = (mode, getattr(data, "parameter_location", None), getattr(data, "parameter", None))
        if wanted[mode] == 0 or (key in seen and budget is SHORT_BUDGET):
            continue
        seen.add(key)
        wanted[mode] -= 1
        yield case


def _fuzzed(operation: Any, budget: Budget) -> Iterator[Any]:
    if not budget.fuzzed:
        return
    from hypothesis import HealthCheck, Phase, given, settings

    drawn: list[Any] = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @settings(max_examples=budget.fuzzed, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), phases=[Phase.generate])
        @given(operation.as_strategy(generation_mode=mode))
        def collect(case: Any) -> None:
            drawn.append(case)

        # Unsatisfiable when no case of this mode exists (nothing negative about a free string).
        with contextlib.suppress(Exception):
            collect()
    yield from drawn


class Fuzzer:
    def __init__(self, server: Running, budget: Budget | None = None) -> None:
        self.server = server
        self.budget = budget or (LONG_BUDGET if LONG else SHORT_BUDGET)
        self.tokens = TokenSource(server)
        self.session = requests.Session()

    def token(self, operation: Operation, path: str) -> str:
        try:
            return self.tokens.for_request(operation, path)
        except AssertionError:
            # An RDT is refused for a path no real client sends: the seller's token, then.
            return self.tokens.seller()

    def run(self, model: ApiModel) -> Outcome:
        outcome = Outcome()
        schema = _schema(model)
        ours = {(op.method.upper(), op.path): op for op in model.operations}
        for result in schema.get_all_operations():
            operation = result.ok()
            emulated = ours[(operation.method.upper(), operation.path)]
            outcome.operations += 1
            cases = [*_coverage(schema, operation, self.budget),
                     *_fuzzed(operation, self.budget)]
            for case in cases:
                outcome.cases += 1
                self._check(emulated, case, outcome)
        return outcome

    def _check(self, operation: Operation, case: Any, outcome: Outcome) -> None:
        token = self.token(operation, unquote(case.formatted_path))
        headers = {"x-amz-access-token": token}
        response = case.call(base_url=self.server.base_url, session=self.session,
                             headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except BaseException as failures:  # FailureGroup is an ExceptionGroup of Failures
            if isinstance(failures, KeyboardInterrupt | SystemExit):
                raise
            for failure in getattr(failures, "exceptions", [failures]):
                check = _check_name(failure)
                outcome.findings.append(Finding(
                    operation.uid, check, str(getattr(failure, "title", failure))[:300],
                    str(case.meta.generation.mode), case.as_curl_command(headers=headers)))


def sample_path(operation: Operation) -> str:
    """The operation's path with a plausible value in each parameter (`0`: any type reads it)."""
    parts = []
    for segment in operation.path.split("/"):
        parts.append("0" if segment.startswith("{") and segment.endswith("}") else segment)
    return "/".join(parts)


def _check_name(failure: BaseException) -> str:
    names = {
        "ServerError": "not_a_server_error",
        "JsonSchemaError": "response_schema_conformance",
        "MalformedJson": "response_schema_conformance",
        "UndefinedStatusCode": "status_code_conformance",
        "UndefinedContentType": "content_type_conformance",
        "MissingContentType": "content_type_conformance",
        "MalformedMediaType": "content_type_conformance",
        "AcceptedNegativeData": "negative_data_rejection",
    }
    return names.get(type(failure).__name__, type(failure).__name__)
