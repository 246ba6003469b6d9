"""The kinds of violation the proxy reports (kept apart from checks.py, which imports
the validation and jsonschema, so that building the command line stays instant)."""

from __future__ import annotations

# Every kind of violation, with what it means (the report lists them).
KINDS: dict[str, str] = {
    "unknown-operation": "no SP-API operation has this method and path (Amazon: 403)",
    "missing-access-token": "no x-amz-access-token header (Amazon: 403)",
    "user-agent": "User-Agent missing, over 500 characters, or not "
                  "'AppName/Version (Language=...; ...)' as Amazon asks",
    "unknown-parameter": "a query parameter the operation does not declare (Amazon ignores "
                         "it: the client probably meant another)",
    "list-encoding": "a list sent in another encoding than the model's collectionFormat, or "
                     "a single-valued parameter sent several times",
    "missing-parameter": "a required parameter or body is missing",
    "parameter-type": "a parameter of the wrong type",
    "parameter-enum": "a parameter value outside the model's enum",
    "parameter-format": "a parameter not in the model's format (date-time, date, ...)",
    "parameter-value": "a parameter outside the model's bounds, pattern or length",
    "content-type": "a body without a Content-Type, or one the operation does not consume",
    "body-schema": "a body that is not JSON or breaks the operation's schema",
    "lwa-request": "an LWA token request LWA refuses (grant, fields, content type)",
    "response-status": "an answer with a status the operation does not declare",
    "response-schema": "an answer whose body breaks the schema of its status",
    "response-envelope": "an error answer without SP-API's {\"errors\": [...]} envelope",
    "response-header": "an answer without x-amzn-RequestId",
    "lwa-response": "an LWA answer not in LWA's shape",
    "upstream-error": "the upstream could not be reached",
}
