"""The guard in front of everything a person or a test drives by hand: the control plane and
the inspector pages. Web pages must not be able to drive them, and neither may other machines
unless the emulator was told to let them.

`ControlGuard(app, policy)` is plain ASGI middleware; it refuses, with the control plane's
JSON error envelope:
- a `Host` that is not the bound address, a loopback name, the `--public-url` host or an IP
  address (403: a DNS-rebinding page reaches 127.0.0.1 under a name of its own, which the
  Host header gives away; an IP address cannot be such a name);
- an `Origin` other than the request's own (403: a page of another site, even by a simple
  request);
- a path with an encoded slash or backslash (404: `/_emulator%2Fstate` is not a route);
- without the control token when `--control-token` is set (401; `GET .../health` stays open
  for readiness probes);
- a write (POST, PUT, PATCH) that is not `Content-Type: application/json` (415: HTML forms
  and `fetch` without a CORS preflight can only send form and text bodies). Each route reads
  its body with its own size limit (`plane.json_body`).
DELETE needs no content type: browsers never send one across sites without a CORS preflight,
which the control plane never grants.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.config import LOOPBACK_NAMES

TOKEN_HEADER = "x-emulator-control-token"
_TOKEN_HEADER = TOKEN_HEADER.encode()
_WILDCARDS = frozenset({"0.0.0.0", "::", ""})
_WRITES = frozenset({"POST", "PUT", "PATCH"})
# Paths the token is not asked for (what a readiness probe polls).
OPEN_PATHS = frozenset({"/_emulator/health"})


def host_name(value: str) -> str:
    """The host of a `Host` header or an origin's authority, lower case, without the port."""
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value[1:value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


@dataclass(frozen=True)
class GuardPolicy:
    """Who may drive the emulator: the host names it answers to, and the control token (None:
    no token asked, which `spapi-emulator serve` allows only on a loopback address)."""

    hosts: frozenset[str]
    token: str | None = None
    open_paths: frozenset[str] = field(default=OPEN_PATHS)

    @classmethod
    def for_server(cls, bound_host: str, public_url: str | None, token: str | None,
                   extra_hosts: Iterable[str] = ()) -> GuardPolicy:
        hosts = set(LOOPBACK_NAMES)
        if bound_host not in _WILDCARDS:
            hosts.add(bound_host.strip("[]").lower())
        if public_url:
            public = urlsplit(public_url).hostname
            if public:
                hosts.add(public.lower())
        hosts.update(h.lower() for h in extra_hosts)
        return cls(frozenset(hosts), token)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def refusal(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"code": code, "message": message, "details": ""}]},
                        status_code=status)


class ControlGuard:
    def __init__(self, app: ASGIApp, policy: GuardPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refused = self.check(scope)
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def check(self, scope: Scope) -> JSONResponse | None:
        """The refusal for this request, or None when it may pass."""
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers[name.lower()] = value
        policy = self.policy
        sent_host = headers.get(b"host", b"").decode("latin-1")
        host = host_name(sent_host)
        if host not in policy.hosts and not _is_ip(host):
            return refusal(403, "Forbidden",
                           f"The control plane answers only requests addressed to "
                           f"{', '.join(sorted(policy.hosts))}; this one was addressed to "
                           f"{host or 'no host'!r} (set --public-url to the name you use).")
        origin = headers.get(b"origin")
        if origin is not None and urlsplit(origin.decode("latin-1")).netloc.lower() != (
                sent_host.strip().lower()):
            return refusal(403, "Forbidden",
                           "The control plane does not answer web pages of other origins.")
        raw_path = scope.get("raw_path") or scope["path"].encode()
        lowered = raw_path.split(b"?", 1)[0].lower()
        if b"%2f" in lowered or b"%5c" in lowered:
            return refusal(404, "NotFound", "No control-plane route with an encoded slash.")
        if policy.token is not None and scope["path"] not in policy.open_paths:
            sent = headers.get(_TOKEN_HEADER, b"")
            if not hmac.compare_digest(sent, policy.token.encode()):
                return refusal(401, "Unauthorized",
                               f"The control plane needs the {TOKEN_HEADER} header "
                               "(the --control-token the emulator was started with).")
        if scope["method"] in _WRITES:
            media_type = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
            if media_type != b"application/json":
                return refusal(415, "UnsupportedMediaType",
                               "Control-plane writes must be sent with "
                               "Content-Type: application/json.")
        return None
