"""Every static sandbox case of every model (913 at the pinned commit), generated from the
models at collection: the request the case describes gets exactly the case's answer (status,
body, response headers) with an `x-amzn-RequestId`, and that answer validates against the
schema the model declares for its status.

Known differences, found from the models themselves:
  - a case no request can reach: an earlier case of the same operation lists the same
    parameters and values (sellers/shipping `getAccount` give identical matchers to their 200
    and 400 cases; the sandbox answers the first);
  - a case whose own body breaks the model's schema (e.g. `EACH` for the enum `Each`): the
    sandbox serves it as it is, so the answer matches the case but not the model.
"""

from __future__ import annotations

import json

import pytest

from contracts.assertions import (
    CaseMismatch,
    SchemaViolation,
    assert_case_answer,
    assert_matches_model,
    assert_request_id,
    first_schema_error,
)
from contracts.harness import Api, load_models
from emulator.models.sample_requests import case_request
from emulator.models.sandbox import Case, CaseTable
from emulator.models.spec import Operation

OPERATIONS = {op.uid: op for op in load_models().operations}


def unreachable(table: CaseTable) -> dict[int, int]:
    """Cases no request can reach, by index, with the index of the case answered instead."""
    shadowed: dict[int, int] = {}
    first: dict[str, int] = {}
    for case in table.with_parameters:  # the order the sandbox tries them in
        key = json.dumps(sorted(case.matchers, key=lambda m: m[0]), sort_keys=True)
        if key in first:
            shadowed[case.index] = first[key]
        else:
            first[key] = case.index
    catch_all = table.without_parameters
    for later in catch_all[1:]:
        shadowed[later.index] = catch_all[0].index
    return shadowed


def _marker(operation: Operation, case: Case, shadowed: dict[int, int]) -> pytest.MarkDecorator:
    if case.index in shadowed:
        return pytest.mark.known_difference(
            reason=f"unreachable: case #{shadowed[case.index]} of {operation.uid} lists the "
            "same parameters and values and is answered instead", raises=CaseMismatch)
    problem = first_schema_error(operation, case)
    if problem is not None:
        return pytest.mark.known_difference(
            reason=f"Amazon's own {case.status} body breaks the model's schema {problem}",
            raises=SchemaViolation)
    return pytest.mark.sandbox_verified


def _cases() -> list[object]:
    params = []
    for operation in OPERATIONS.values():
        table = CaseTable(operation)
        shadowed = unreachable(table)
        params += [pytest.param(operation.uid, case.index,
                                id=f"{operation.uid}#{case.index}-{case.status}",
                                marks=_marker(operation, case, shadowed))
                   for case in table.all]
    return params


@pytest.mark.parametrize(("uid", "index"), _cases())
def test_static_case(uid: str, index: int, sandbox_api: Api) -> None:
    operation = OPERATIONS[uid]
    case = CaseTable(operation).all[index]
    # A case that answers 429 is the answer under test, not throttling to wait out.
    response = sandbox_api.send(case_request(operation, case), operation=operation,
                                retry=case.status != 429)
    assert_case_answer(case, response)
    assert_request_id(response)
    assert_matches_model(operation, response)
