"""The inspector's rules, the control plane's plus those of a page with buttons: it never
answers a request carrying an SP-API token (control.plane.RefuseSpApiTokens wraps it); it
answers only to the names the emulator is reached by (against DNS rebinding: a page of
another site whose name now points here gets nothing); a state-changing action is a POST
that must come from the page itself, carrying the page's token and, when the browser says
where it comes from (Origin, else Referer), coming from this origin; every answer says not to
be framed, cached or run foreign scripts."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

# A page draws only what it serves itself (inline SVG is markup, not a script).
SECURITY_HEADERS = {
    "content-security-policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "script-src 'self'; connect-src 'self'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}
TOKEN_FIELD = "csrf"
PREFIX = "/_emulator/ui"


class Refused(Exception):
    """A POST that does not come from the inspector's own page (403)."""


class PageToken:
    """A secret made at start and put in every form: a page of another origin cannot read
    it, so it cannot post a form that carries it."""

    def __init__(self) -> None:
        self.value = secrets.token_urlsafe(32)

    def check(self, request: Request, sent: object) -> None:
        """Refuses a post without this token or from another origin."""
        same_origin(request)
        if not isinstance(sent, str) or not hmac.compare_digest(sent, self.value):
            raise Refused("this form does not carry the inspector page's token; "
                          "reload the page and try again")


def same_origin(request: Request) -> None:
    """Refuses a post that the browser says comes from another origin (Origin, else Referer;
    neither: a client that is not a browser, which the page token or the login stops)."""
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    origin = request.headers.get("origin")
    if origin is not None:
        if origin != own:
            raise Refused(f"this form was posted from {origin}, not from {own}")
    else:
        referer = request.headers.get("referer")
        if referer is not None:
            parts = urlsplit(referer)
            if f"{parts.scheme}://{parts.netloc}" != own:
                raise Refused("this form was posted from another site")


def safe_back(target: object, default: str) -> str:
    """Where a form sends the browser afterwards: a page of the inspector, nothing else."""
    if (isinstance(target, str) and target.startswith(PREFIX)
            and "//" not in target and "\\" not in target and "\n" not in target
            and "\r" not in target):
        return target
    return default


def _host_name(value: str) -> str:
    """The name of a Host header, without its port ("[::1]:8000" -> "::1")."""
    if value.startswith("["):
        return value[1:].split("]", 1)[0].lower()
    return value.rsplit(":", 1)[0].lower() if value.count(":") == 1 else value.lower()


class KnownHostsOnly:
    """Answers only requests whose Host is an IP address, `localhost`, or a name the
    emulator was told it is reached by (`--host`, `--public-url`). DNS rebinding needs a
    name of the attacker's: an IP literal cannot be one."""

    def __init__(self, app: ASGIApp, names: Iterable[str]) -> None:
        self.app = app
        self.names = {name.lower() for name in names if name} | {"localhost"}

    def allowed(self, host: str) -> bool:
        name = _host_name(host)
        if name in self.names:
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
            if not self.allowed(host):
                response = PlainTextResponse(
                    f"The inspector answers to {sorted(self.names)} and IP addresses, not to "
                    f"{host!r} (add it with --public-url).", status_code=403,
                    headers=SECURITY_HEADERS)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
