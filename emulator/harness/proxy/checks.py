"""What the proxy checks: every request against the models (with the emulator's own router and
its request validation) and Amazon's request conventions, every answer against the models.

Validation reports the first problem of a request's parameters or body; the checks that are the
proxy's own (token, user agent, unknown parameters, list encodings, a body without a content
type) are reported independently, so one request may yield several findings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.auth.lwa import LwaError, basic_credentials, check_shape, parse_fields, token_request
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput
from emulator.gateway.router import Router
from emulator.gateway.validation import RequestValidator
from emulator.models.schemas import validator_for
from emulator.models.spec import ModelSet, Operation

MAX_USER_AGENT = 500
# Amazon: "AppId/AppVersionId (Language=LanguageNameAndOptionallyVersion)", more attributes
# after semicolons; `\` escapes `/`, `(`, `)`, `;`, `=` inside the parts.
_USER_AGENT = re.compile(
    r"(?:[^/\\]|\\.)+/(?:[^(\\]|\\.)+?\s*\(\s*Language=(?:[^;)\\]|\\.)+"
    r"(?:;\s*(?:[^=;)\\]|\\.)+=(?:[^;)\\]|\\.)*)*\s*;?\s*\)"
)


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str


def user_agent_finding(value: str | None) -> Finding | None:
    if not value:
        return Finding("user-agent", "No User-Agent header; Amazon asks every request for "
                                     "'AppName/Version (Language=...)'.")
    if len(value) > MAX_USER_AGENT:
        return Finding("user-agent", f"User-Agent of {len(value)} characters; SP-API rejects "
                                     f"more than {MAX_USER_AGENT}.")
    if not _USER_AGENT.match(value):
        return Finding("user-agent", f"User-Agent {value[:80]!r} is not 'AppName/Version "
                                     "(Language=...; Platform=...)' as Amazon asks.")
    return None


def classify(message: str) -> str:
    """The kind of a problem the emulator's request validation reported (validation.py)."""
    if message.startswith("Invalid Content-Type"):
        return "content-type"
    if message.startswith("Missing required"):
        return "missing-parameter"
    if message.startswith(("Invalid request body", "The request body is not valid JSON")):
        return "body-schema"
    if " is not one of " in message:
        return "parameter-enum"
    if " is not of type " in message:
        return "parameter-type"
    if " is not a '" in message:
        return "parameter-format"
    return "parameter-value"


def _list_encoding(param: Mapping[str, Any], values: list[str]) -> Finding | None:
    name = param["name"]
    if param.get("type") != "array":
        if len(values) > 1:
            return Finding("list-encoding",
                           f"{name} takes one value but was sent {len(values)} times.")
        return None
    collection = param.get("collectionFormat", "csv")  # Swagger 2.0's default
    if collection == "multi":
        if len(values) == 1 and "," in values[0]:
            return Finding("list-encoding",
                           f"{name} is a repeated-key list (collectionFormat multi): send "
                           f"{name}=A&{name}=B; {values[0][:40]!r} is read as one value.")
        return None
    if len(values) > 1:
        separator = {"csv": ",", "ssv": " ", "tsv": "\\t", "pipes": "|"}.get(collection, ",")
        return Finding("list-encoding",
                       f"{name} is a '{separator}'-separated list (collectionFormat "
                       f"{collection}): send {name}=A{separator}B once, not "
                       f"{len(values)} repeated keys.")
    return None


class RequestChecks:
    def __init__(self, models: ModelSet) -> None:
        self.router = Router(models.operations)
        self.validator = RequestValidator(models)

    async def sp_api(self, call: Call) -> list[Finding]:
        """Findings for an SP-API request; routes the call (sets call.operation) on the way."""
        match = self.router.match(call.method, call.raw_path)
        if match is None:
            return [Finding("unknown-operation",
                            f"No SP-API operation answers {call.method} "
                            f"{call.raw_path.split('?')[0]}; Amazon answers 403 Unauthorized.")]
        call.operation, call.path_params = match.operation, match.path_params
        findings = self._conventions(call)
        findings += self._query(call, match.operation)
        if call.body.strip() and not call.headers.get("content-type"):
            findings.append(Finding("content-type", "A body without a Content-Type header; "
                                    f"this operation consumes "
                                    f"{', '.join(match.operation.consumes) or 'JSON'}."))
        try:
            await self.validator.validate(call)
        except InvalidInput as problem:
            kind = classify(problem.message)
            if not (kind == "content-type" and any(f.kind == kind for f in findings)):
                findings.append(Finding(kind, problem.message))
        return findings

    @staticmethod
    def _conventions(call: Call) -> list[Finding]:
        findings = []
        if not call.headers.get("x-amz-access-token"):
            findings.append(Finding("missing-access-token",
                                    "No x-amz-access-token header: SP-API answers 403 "
                                    "'Access token is missing in the request header.'"))
        agent = user_agent_finding(call.headers.get("user-agent"))
        if agent is not None:
            findings.append(agent)
        return findings

    @staticmethod
    def _query(call: Call, operation: Operation) -> list[Finding]:
        declared = {p["name"]: p for p in operation.parameters_in("query")}
        findings = [
            Finding("unknown-parameter",
                    f"Query parameter {name!r} is not a parameter of {operation.uid}"
                    + _did_you_mean(name, declared))
            for name in call.query if name not in declared
        ]
        for name, values in call.query.items():
            if name in declared:
                finding = _list_encoding(declared[name], values)
                if finding is not None:
                    findings.append(finding)
        return findings


def _did_you_mean(name: str, declared: Mapping[str, Any]) -> str:
    same = [d for d in declared if d.lower() == name.lower()]
    return f" (did you mean {same[0]!r}?)." if same else "."


# -- answers ---------------------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return headers.get(name.lower())


def is_envelope(body: Any) -> bool:
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and bool(errors) and all(
        isinstance(e, dict) and isinstance(e.get("code"), str)
        and isinstance(e.get("message"), str) for e in errors)


def response_findings(operation: Operation | None, status: int, headers: Mapping[str, str],
                      body: bytes) -> list[Finding]:
    """Findings for an SP-API answer (headers by lower-case name)."""
    findings = []
    if not _header(headers, "x-amzn-RequestId"):
        findings.append(Finding("response-header", "The answer has no x-amzn-RequestId."))
    parsed: Any = None
    if body.strip():
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
    declared = operation.responses.get(str(status)) if operation is not None else None
    if operation is not None and declared is None:
        findings.append(Finding("response-status",
                                f"Status {status} is not declared by {operation.uid}."))
    schema = declared.get("schema") if declared is not None else None
    if schema is not None and status != 204 and operation is not None:
        if parsed is None:
            findings.append(Finding("response-schema",
                                    f"The {status} answer is not JSON; the model declares a "
                                    "schema."))
        else:
            errors = sorted(validator_for(operation.model, schema).iter_errors(parsed),
                            key=lambda e: len(e.absolute_path))
            if errors:
                where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
                findings.append(Finding("response-schema",
                                        f"The {status} answer breaks its schema at {where}: "
                                        f"{errors[0].message[:200]}"))
    elif status >= 400 and not is_envelope(parsed):
        findings.append(Finding("response-envelope",
                                f"The {status} answer is not SP-API's "
                                "{\"errors\":[{\"code\",\"message\"}]} envelope."))
    return findings


# -- LWA -------------------------------------------------------------------------------------


def lwa_request_findings(method: str, headers: Mapping[str, str],
                         body: bytes) -> list[Finding]:
    """What LWA would refuse in a token request, read with the emulator's LWA parser."""
    if method != "POST":
        return [Finding("lwa-request", f"LWA takes POST, not {method}.")]
    try:
        fields = parse_fields(headers.get("content-type", ""), body)
        request = token_request(fields, basic_credentials(headers.get("authorization")))
        check_shape(request)
    except LwaError as error:
        return [Finding("lwa-request", f"LWA answers {error.status} {error.error}: "
                                       f"{error.description}.")]
    missing = [name for name in ("client_id", "client_secret")
               if getattr(request, name) is None]
    if request.grant_type == "client_credentials" and request.scope is None:
        missing.append("scope")
    if missing:
        return [Finding("lwa-request", f"The token request lacks {', '.join(missing)}.")]
    return []


def lwa_answer_problems(status: int, body: bytes) -> list[str]:
    """LWA's answer shapes: a token answer on 200, `error` and `error_description` else."""
    try:
        value = json.loads(body)
    except ValueError:
        return ["the LWA answer is not JSON"]
    if not isinstance(value, dict):
        return ["the LWA answer is not a JSON object"]
    if status == 200:
        problems = [f"'{key}' is missing or not a string" for key in ("access_token", "token_type")
                    if not isinstance(value.get(key), str)]
        expires_in = value.get("expires_in")
        if isinstance(expires_in, bool) or not isinstance(expires_in, int):
            problems.append("'expires_in' is missing or not an integer")
        return problems
    return [f"'{key}' is missing from the LWA error" for key in ("error", "error_description")
            if not isinstance(value.get(key), str)]


def lwa_response_findings(status: int, body: bytes) -> list[Finding]:
    return [Finding("lwa-response", problem) for problem in lwa_answer_problems(status, body)]
