"""Every operation of every model (370 at the pinned commit), generated from the models at
collection: a request that satisfies the model, answered with a status the operation declares
and a body that validates against that status's schema (errors in SP-API's envelope).

Against the sandbox (Amazon's, or the emulator's `--mode sandbox`) most such requests match no
static case and get `400 InvalidInput "Could not match input arguments"`; the emulator in
emulate mode answers them from its state or synthesizes an answer from the schema.
"""

from __future__ import annotations

import pytest

from contracts.assertions import (
    SchemaViolation,
    assert_matches_model,
    assert_request_id,
    first_schema_error,
    schema_error,
)
from contracts.harness import Api, load_models
from emulator.gateway.errors import CouldNotMatch
from emulator.models.sample_requests import valid_request
from emulator.models.sandbox import CaseTable
from emulator.models.spec import Operation

OPERATIONS = {op.uid: op for op in load_models().operations}


def _sandbox_marker(operation: Operation) -> pytest.MarkDecorator:
    """Where the static sandbox's answer to an unmatched request breaks the model: a catch-all
    case (one listing no parameters) with a body that breaks it, or the gateway's own
    `Could not match input arguments` envelope that the operation's 400 schema does not take
    (an array of errors, a `details` that must not be empty)."""
    if operation.dynamic_sandbox:
        return pytest.mark.sandbox_verified
    catch_all = CaseTable(operation).parameterless()
    if catch_all is not None:
        problem = first_schema_error(operation, catch_all)
        answer = f"its catch-all {catch_all.status} case"
    else:
        problem = schema_error(operation, 400, CouldNotMatch().body())
        answer = "400 'Could not match input arguments'"
    if problem is None:
        return pytest.mark.sandbox_verified
    return pytest.mark.known_difference(
        reason=f"the sandbox answers an unmatched request with {answer}, which breaks the "
        f"model's schema {problem}", raises=SchemaViolation)


@pytest.mark.parametrize("uid", [pytest.param(uid, marks=_sandbox_marker(op), id=uid)
                                 for uid, op in OPERATIONS.items()])
def test_sandbox_answer_matches_model(uid: str, sandbox_api: Api) -> None:
    operation = OPERATIONS[uid]
    response = sandbox_api.send(valid_request(operation, seed=1), operation=operation)
    assert_request_id(response)
    assert_matches_model(operation, response)


@pytest.mark.emulator_only
@pytest.mark.parametrize("uid", list(OPERATIONS))
def test_emulated_answer_matches_model(uid: str, emulator_api: Api) -> None:
    operation = OPERATIONS[uid]
    response = emulator_api.send(valid_request(operation, seed=1), operation=operation)
    assert_request_id(response)
    assert_matches_model(operation, response)
    assert response.status_code < 500, response.text[:300]
