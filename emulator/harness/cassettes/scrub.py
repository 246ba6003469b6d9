"""The scrubber: what must never reach a cassette, removed before anything is written.

Recorded traffic of SP-API carries secrets (LWA client secrets, refresh tokens `Atzr|…`,
access tokens `Atza|…`, Restricted Data Tokens `Atz.sprdt|…`, authorization codes, presigned
URL signatures) and, in Orders answers, buyers' personal data (names, addresses, emails,
phones). Each is replaced by a fixed placeholder of the same kind, so a scrubbed cassette still
replays (values keep their JSON types, tokens keep their prefix) and still validates against
the models (a required `Name` stays a string).

`scrub_request` and `scrub_response` are vcrpy's `before_record_request` and
`before_record_response` hooks; `find_secrets` is the scanner the tests run over every
committed cassette.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

PLACEHOLDER = "SCRUBBED"
EMAIL = "scrubbed@example.com"
CLIENT_ID = "amzn1.application-oa2-client.SCRUBBED"
CLIENT_SECRET = "amzn1.oa2-cs.v1.SCRUBBED"

# Tokens keep their prefix and separator (`|`, or `%7C` inside forms and URLs).
_TOKEN = re.compile(r"(Atza|Atzr|Atz\.sprdt)(\||%7[Cc])([A-Za-z0-9\-_.~+/=%]+)")
_CLIENT_SECRET = re.compile(r"amzn1\.oa2-cs\.v1\.([A-Za-z0-9]+)")
_CLIENT_ID = re.compile(r"amzn1\.application-oa2-client\.([A-Za-z0-9]+)")
# Query parameters that sign a presigned S3 or CloudFront URL. `\u0026` is `&` inside JSON.
_SIGNATURE = re.compile(
    r"([?&]|\\u0026)(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|"
    r"Key-Pair-Id|Policy|AWSAccessKeyId)=([^&\s\"'\\<>]+)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

# Headers that carry credentials, by lower-case name.
SECRET_HEADERS = frozenset({"x-amz-access-token", "authorization", "x-amz-security-token",
                            "cookie", "set-cookie"})
# Fields of an LWA token request or answer (form or JSON) that are credentials.
_LWA_FIELDS = {"client_secret": CLIENT_SECRET, "client_id": CLIENT_ID,
               "refresh_token": "Atzr|" + PLACEHOLDER, "access_token": "Atza|" + PLACEHOLDER,
               "code": PLACEHOLDER}
# JSON keys that hold a token wherever they appear (the RDT answer, LWA answers).
_TOKEN_KEYS = {"access_token": "Atza|" + PLACEHOLDER, "refresh_token": "Atzr|" + PLACEHOLDER,
               "restrictedDataToken": "Atz.sprdt|" + PLACEHOLDER}
# Buyer PII in Orders answers (v0 and 2026-01-01), by lower-cased key: anywhere ...
_PII_KEYS = frozenset({"buyername", "buyeremail", "buyercompanyname", "companylegalname",
                       "phone", "phonenumber", "email"})
# ... and inside an address object (any key whose name contains "address").
_ADDRESS_PII_KEYS = frozenset({"name", "companyname", "addressline1", "addressline2",
                               "addressline3", "streetname", "streetnumber", "complement",
                               "neighborhood", "geocoordinates"})


# -- text ------------------------------------------------------------------------------------


def scrub_text(text: str) -> str:
    """Tokens, client credentials, URL signatures and email addresses in any text."""
    text = _TOKEN.sub(lambda m: f"{m[1]}{m[2]}{PLACEHOLDER}", text)
    text = _CLIENT_SECRET.sub(CLIENT_SECRET, text)
    text = _CLIENT_ID.sub(CLIENT_ID, text)
    text = _SIGNATURE.sub(lambda m: f"{m[1]}{m[2]}={PLACEHOLDER}", text)
    return _EMAIL.sub(EMAIL, text)


# -- JSON ------------------------------------------------------------------------------------


def _blank(value: Any, email: bool = False) -> Any:
    """A placeholder of the same JSON type (objects and lists keep their shape)."""
    if isinstance(value, dict):
        return {k: _blank(v, email) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v, email) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return 0
    return EMAIL if email else PLACEHOLDER


def scrub_json(value: Any, in_address: bool = False) -> Any:
    """Buyer PII and tokens removed from a parsed JSON value, everything else kept."""
    if isinstance(value, list):
        return [scrub_json(v, in_address) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for key, item in value.items():
        lowered = key.lower()
        if key in _TOKEN_KEYS and isinstance(item, str):
            result[key] = _TOKEN_KEYS[key]
        elif lowered in _PII_KEYS or "email" in lowered or (
                in_address and lowered in _ADDRESS_PII_KEYS):
            result[key] = _blank(item, email="email" in lowered)
        else:
            result[key] = scrub_json(item, in_address or "address" in lowered)
    return result


# -- bodies ----------------------------------------------------------------------------------


def _is_lwa(uri: str) -> bool:
    return uri.split("?", 1)[0].rstrip("/").endswith("/auth/o2/token")


def scrub_body(body: bytes | str | None, lwa: bool = False) -> bytes | None:
    """A request or response body, scrubbed as JSON, as a form (LWA) or as text."""
    if body is None:
        return None
    raw = body.encode() if isinstance(body, str) else body
    if not raw:
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw  # binary (a gzip document): nothing readable to scrub
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, dict | list):
        if lwa and isinstance(value, dict):
            value = {k: _LWA_FIELDS.get(k, v) if isinstance(v, str) else v
                     for k, v in value.items()}
        return json.dumps(scrub_json(value), separators=(",", ":"),
                          ensure_ascii=False).encode()
    if lwa and "=" in text:
        pairs = parse_qsl(text, keep_blank_values=True)
        text = urlencode([(k, _LWA_FIELDS.get(k, v)) for k, v in pairs])
    return scrub_text(text).encode()


def _header_value(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered == "x-amz-access-token":
        return "Atza|" + PLACEHOLDER
    if lowered in SECRET_HEADERS:
        return PLACEHOLDER
    return scrub_text(value)


def _scrub_headers(headers: Any) -> Any:
    """Header values (vcrpy keeps lists for responses, strings for requests)."""
    for name in list(headers.keys()):
        values = headers[name]
        if isinstance(values, list):
            headers[name] = [_header_value(name, v) if isinstance(v, str) else v
                             for v in values]
        elif isinstance(values, str):
            headers[name] = _header_value(name, values)
    return headers


# -- vcrpy hooks -----------------------------------------------------------------------------


def _set_length(headers: Any, body: bytes | None) -> None:
    """Keep a recorded Content-Length true to the scrubbed body."""
    for name in list(headers.keys()):
        if name.lower() == "content-length":
            length = str(len(body or b""))
            headers[name] = [length] if isinstance(headers[name], list) else length


def scrub_request(request: Any) -> Any:
    """vcrpy `before_record_request`: a (copied) vcr.request.Request, scrubbed."""
    lwa = _is_lwa(request.uri)
    request.uri = scrub_text(request.uri)
    if isinstance(request.body, bytes | str | None):  # not a file or a stream
        request.body = scrub_body(request.body, lwa=lwa)
        _set_length(request.headers, request.body)
    _scrub_headers(request.headers)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy `before_record_response`: the response dict vcrpy is about to store."""
    headers = response.setdefault("headers", {})
    _scrub_headers(headers)
    body = response.get("body", {})
    if body.get("string") is not None:
        # Token answers are recognised by their keys; the URI is not known here.
        body["string"] = scrub_body(body["string"])
        _set_length(headers, body["string"])
    return response


# -- the scanner -----------------------------------------------------------------------------


def find_secrets(text: str) -> list[str]:
    """What in `text` (a body, a URI, a header value) still looks like a secret or PII."""
    found = [m[0] for m in _TOKEN.finditer(text) if m[3] != PLACEHOLDER]
    found += [m[0] for m in _CLIENT_SECRET.finditer(text) if m[1] != PLACEHOLDER]
    found += [m[0] for m in _SIGNATURE.finditer(text) if m[3] != PLACEHOLDER]
    found += [m[0] for m in _EMAIL.finditer(text) if m[0] != EMAIL]
    try:
        value = json.loads(text)
    except ValueError:
        return found
    return found + list(_pii_left(value))


def _pii_left(value: Any, in_address: bool = False) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _pii_left(item, in_address)
    elif isinstance(value, dict):
        for key, item in value.items():
            lowered = key.lower()
            sensitive = lowered in _PII_KEYS or "email" in lowered or (
                in_address and lowered in _ADDRESS_PII_KEYS)
            if sensitive and item != _blank(item, email="email" in lowered):
                yield f"{key}: {json.dumps(item)[:60]}"
            elif not sensitive:
                yield from _pii_left(item, in_address or "address" in lowered)


def header_secrets(name: str, value: str) -> list[str]:
    """A credential header whose value is not a placeholder."""
    if name.lower() in SECRET_HEADERS and value not in (PLACEHOLDER, "Atza|" + PLACEHOLDER):
        return [f"{name}: {value[:20]}…"]
    return find_secrets(value)
