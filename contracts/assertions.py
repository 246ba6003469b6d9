"""Checks of answers against the models and against SP-API's conventions, shared by the
contract tests. Two failures have their own types, so a `known_difference` can name the one it
expects and any other failure still fails the test."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from emulator.models.sandbox import Case, json_equal
from emulator.models.schemas import validator_for
from emulator.models.spec import Operation

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


class CaseMismatch(AssertionError):
    """The target answered a sandbox case's request with something else than the case."""


class SchemaViolation(AssertionError):
    """An answer breaks the schema the model declares for its status."""


def body_of(response: httpx.Response) -> Any:
    return response.json() if response.content.strip() else None


def assert_case_answer(case: Case, response: httpx.Response) -> None:
    """Status, body (typed JSON equality) and the case's response headers, exactly."""
    expected = json.loads(case.body) if case.body and case.status != 204 else None
    got = body_of(response)
    if response.status_code != case.status or not json_equal(expected, got):
        raise CaseMismatch(f"expected {case.status} {case.body[:300]!r}, got "
                           f"{response.status_code} {response.text[:300]!r}")
    for name, value in case.headers:
        if response.headers.get(name) != value:
            raise CaseMismatch(f"header {name}: expected {value!r}, got "
                               f"{response.headers.get(name)!r}")


def assert_request_id(response: httpx.Response) -> None:
    request_id = response.headers.get("x-amzn-RequestId", "")
    assert _UUID.fullmatch(request_id), f"x-amzn-RequestId {request_id!r} is not a UUID"


def assert_envelope(response: httpx.Response) -> list[dict[str, Any]]:
    """SP-API's error envelope: {"errors":[{"code","message"[,"details"]}]}, codes and
    messages strings. Returns the errors."""
    body = body_of(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    assert isinstance(errors, list) and errors, f"no errors envelope: {response.text[:300]}"
    for error in errors:
        assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), \
            f"an error without code and message: {error}"
        assert isinstance(error.get("details", ""), str), f"details is not a string: {error}"
    return list(errors)


def assert_matches_model(operation: Operation, response: httpx.Response) -> None:
    """The status is one the operation declares and the body validates against its schema;
    an error answer the model gives no schema for is SP-API's envelope."""
    status = response.status_code
    declared = operation.responses.get(str(status))
    assert declared is not None, f"{operation.uid}: undeclared status {status}: " \
                                 f"{response.text[:300]}"
    schema = declared.get("schema")
    if schema is None or status == 204:
        if status >= 400:
            assert_envelope(response)
        return
    body = body_of(response)
    errors = sorted(validator_for(operation.model, schema).iter_errors(body),
                    key=lambda e: len(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
        raise SchemaViolation(f"{operation.uid} {status} at {where}: {errors[0].message[:300]}")


def schema_error(operation: Operation, status: int, body: Any) -> str | None:
    """Why `body` breaks the schema of `status` (None when it does not, or there is none)."""
    schema = operation.responses.get(str(status), {}).get("schema")
    if schema is None or status == 204:
        return None
    errors = sorted(validator_for(operation.model, schema).iter_errors(body),
                    key=lambda e: len(e.absolute_path))
    if not errors:
        return None
    where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
    return f"at {where}: {errors[0].message[:120]}"


def first_schema_error(operation: Operation, case: Case) -> str | None:
    """Why a static case's own body breaks its model (None when it does not)."""
    declares = operation.responses.get(str(case.status), {}).get("schema") is not None
    if declares and case.status != 204 and not case.body:
        return "(the case has no body; the model declares one)"
    return schema_error(operation, case.status, json.loads(case.body) if case.body else None)
