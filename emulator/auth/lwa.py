"""Login with Amazon's token endpoint, `POST /auth/o2/token`.

Three grants, as SP-API uses them: `refresh_token` (seller tokens), `client_credentials`
(grantless tokens for notifications and secret rotation) and `authorization_code` (the last
step of website authorization, see consent.py). Bodies, statuses and headers are LWA's own,
including its error key order (`error_description` before `error`).

Checks run in LWA's order: a malformed request first, then an unsupported grant type, then
client authentication, then the grant itself. Nothing here logs a secret or a token.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.auth.accounts import Accounts, App
from emulator.auth.stage import SCOPES
from emulator.auth.tokens import TokenStore
from emulator.config import AuthMode, Settings
from emulator.gateway.wire import read_capped
from emulator.runtime import strictjson
from emulator.runtime.rng import Randomness

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # a token request is a few hundred bytes; more is not a client
FIELDS = ("grant_type", "refresh_token", "client_id", "client_secret", "scope", "code",
          "redirect_uri")
GRANT_TYPES = ("refresh_token", "client_credentials", "authorization_code")
CONTENT_TYPE = "application/json;charset=UTF-8"


class LwaError(Exception):
    """An LWA error answer: status, `error` code and `error_description`."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.description = description

    def body(self, index: str = "") -> dict[str, str]:
        # LWA writes the description first; clients that compare raw bodies see that order.
        return {"error_description": self.description, "error": self.error}


class Malformed(LwaError):
    """`invalid_request`: LWA adds an opaque `error_index` (a support reference)."""

    def __init__(self) -> None:
        super().__init__(400, "invalid_request", "Malformed request")

    def body(self, index: str = "") -> dict[str, str]:
        return {"error_index": index, **super().body()}


def invalid_grant(parameter: str) -> LwaError:
    return LwaError(400, "invalid_grant",
                    f"The request has an invalid grant parameter : {parameter}")


# Factories, not shared instances: a re-raised exception object keeps growing its traceback.
def invalid_client() -> LwaError:
    return LwaError(401, "invalid_client", "Client authentication failed")


def unauthorized_client() -> LwaError:
    return LwaError(400, "unauthorized_client", "Not authorized for requested operation")


def unsupported_grant() -> LwaError:
    return LwaError(400, "unsupported_grant_type",
                    "The authorization grant type is not supported by the authorization server")


def invalid_scope() -> LwaError:
    return LwaError(400, "invalid_scope", "The request has an invalid parameter : scope")


def method_not_allowed() -> LwaError:
    # LWA's answer to other methods is not documented; JSON keeps clients' parsers working.
    return LwaError(405, "invalid_request", "The request method must be POST")


@dataclass(frozen=True)
class TokenRequest:
    """The fields of one token request; an absent or empty field is None."""

    grant_type: str | None = None
    refresh_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None
    code: str | None = None
    redirect_uri: str | None = None


# -- reading the request ---------------------------------------------------------------------


async def read_body(request: Request) -> bytes:
    body = await read_capped(request, MAX_BODY_BYTES)
    if body is None:
        raise Malformed()
    return body


def parse_fields(content_type: str, body: bytes) -> dict[str, str]:
    """The body's fields, from a form (the Python clients, curl) or JSON (the Node clients)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed() from None
    if media_type == "application/json":
        return _json_fields(text)
    # No content type at all is what a bare `curl -d` sends: read it as the form it is.
    if media_type in ("application/x-www-form-urlencoded", ""):
        return _form_fields(text)
    raise Malformed()


def _json_fields(text: str) -> dict[str, str]:
    try:
        value = strictjson.loads(text)
    except strictjson.JsonError:
        raise Malformed() from None
    if not isinstance(value, dict):
        raise Malformed()
    # Unknown fields may hold anything; the ones LWA reads must be strings.
    if any(not isinstance(value[name], str) for name in FIELDS if value.get(name) is not None):
        raise Malformed()
    return {name: value[name] for name in FIELDS if value.get(name) is not None}


def _form_fields(text: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:  # a percent-escape that is not UTF-8
        raise Malformed() from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:  # a repeated parameter is ambiguous (RFC 6749 section 3.2)
            raise Malformed()
        fields[name] = value
    return fields


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """Client id and secret from `Authorization: Basic …` (RFC 6749 section 2.3.1)."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Malformed() from None
    client_id, colon, client_secret = decoded.partition(":")
    if not colon:
        raise Malformed()
    return unquote_plus(client_id), unquote_plus(client_secret)


def token_request(fields: Mapping[str, str], basic: tuple[str, str] | None) -> TokenRequest:
    values = {name: fields.get(name) or None for name in FIELDS}
    if basic is not None:
        for name, value in zip(("client_id", "client_secret"), basic, strict=True):
            # Two different credentials in one request: which one is meant is anyone's guess.
            if values[name] is not None and values[name] != value:
                raise Malformed()
            values[name] = value
    return TokenRequest(**values)


def check_shape(request: TokenRequest) -> None:
    """What LWA refuses before looking at any credential: a missing or unknown grant type,
    and a grant without its own parameters (or with another grant's)."""
    grant = request.grant_type
    if grant is None:
        raise Malformed()
    if grant not in GRANT_TYPES:
        raise unsupported_grant()
    if grant == "refresh_token" and (request.refresh_token is None or request.scope is not None):
        raise Malformed()
    if grant == "client_credentials" and request.refresh_token is not None:
        raise Malformed()
    if grant == "authorization_code" and request.code is None:
        raise Malformed()


# -- the grants ------------------------------------------------------------------------------


class TokenEndpoint:
    def __init__(self, accounts: Accounts, tokens: TokenStore, settings: Settings) -> None:
        self.accounts = accounts
        self.tokens = tokens
        # `--auth none` switches off checks of SP-API calls; LWA still answers as in open mode.
        self.mode: AuthMode = "open" if settings.auth == "none" else settings.auth

    def answer(self, request: TokenRequest) -> dict[str, object]:
        check_shape(request)
        app = self.accounts.authenticate(request.client_id, request.client_secret, self.mode)
        if app is None:
            raise invalid_client()
        if request.grant_type == "refresh_token":
            return self.refresh(app, request)
        if request.grant_type == "client_credentials":
            return self.grantless(app, request)
        return self.exchange_code(app, request)

    def _success(self, access_token: str, refresh_token: str | None) -> dict[str, object]:
        body: dict[str, object] = {"access_token": access_token}
        if refresh_token is not None:
            body["refresh_token"] = refresh_token
        body.update(token_type="bearer", expires_in=int(self.tokens.access_ttl))
        return body

    def refresh(self, app: App, request: TokenRequest) -> dict[str, object]:
        token = request.refresh_token
        assert token is not None  # check_shape saw to it
        seller = self.accounts.redeem_refresh_token(token, app, self.mode)
        if seller is None:
            raise self._refresh_refusal(token, app)
        return self._success(self.tokens.issue_access(app, seller), token)

    def _refresh_refusal(self, token: str, app: App) -> LwaError:
        # A real refresh token presented by another app's credentials is not a bad grant but
        # a client that may not use it (only strict mode refuses that; open mode lets it be).
        issued = self.accounts.refresh_tokens.get(token)
        if issued is not None and issued[0] != app.client_id:
            return unauthorized_client()
        return invalid_grant("refresh_token")

    def grantless(self, app: App, request: TokenRequest) -> dict[str, object]:
        scopes = frozenset((request.scope or "").split())
        if not scopes or not scopes <= SCOPES:
            raise invalid_scope()
        return self._success(self.tokens.issue_grantless(app, scopes), None)

    def exchange_code(self, app: App, request: TokenRequest) -> dict[str, object]:
        code = request.code
        assert code is not None  # check_shape saw to it
        seller = self.tokens.redeem_code(code, app, request.redirect_uri)
        if seller is None:
            raise invalid_grant("code")
        refresh_token = self.accounts.mint_refresh_token(app, seller, nonce=code)
        return self._success(self.tokens.issue_access(app, seller), refresh_token)


# -- the ASGI app ----------------------------------------------------------------------------


def lwa_response(status: int, body: Mapping[str, object], request_id: str,
                 extra_headers: Mapping[str, str] | None = None) -> Response:
    # Set here, not via `media_type`: Starlette would append its own "; charset=utf-8".
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "x-amzn-RequestId": request_id,
        **(extra_headers or {}),
    }
    content = json.dumps(body, separators=(",", ":")).encode()
    return Response(content, status_code=status, headers=headers)


def lwa_app(accounts: Accounts, tokens: TokenStore, settings: Settings,
            randomness: Randomness) -> ASGIApp:
    endpoint = TokenEndpoint(accounts, tokens, settings)
    # LWA's opaque `error_index` values, from the emulator's one seeded source.
    indexes = randomness.derive("lwa-error-index")

    async def handle(request: Request) -> Response:
        request_id = randomness.request_id()
        if request.method != "POST":
            return lwa_response(405, method_not_allowed().body(), request_id, {"Allow": "POST"})
        try:
            body = await read_body(request)
            fields = parse_fields(request.headers.get("content-type", ""), body)
            basic = basic_credentials(request.headers.get("authorization"))
            return lwa_response(200, endpoint.answer(token_request(fields, basic)), request_id)
        except LwaError as error:
            index = base64.b64encode(indexes.randbytes(33)).decode()
            return lwa_response(error.status, error.body(index), request_id)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await handle(Request(scope, receive))
        except ClientDisconnect:
            return  # nobody is left to answer
        except Exception:
            # A bug must still answer in LWA's shape; the log names no field values.
            logger.exception("LWA token request failed")
            response = lwa_response(500, {"error_description": "Internal server error",
                                          "error": "server_error"}, randomness.request_id())
        await response(scope, receive, send)

    return app
