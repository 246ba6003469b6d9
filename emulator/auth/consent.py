"""Website authorization: Seller Central's consent page and its redirect back to the app.

    GET  /apps/authorize/consent?application_id=…&state=…[&redirect_uri=…][&version=beta]
    POST /apps/authorize/confirm   (the page's form)  -> 302 redirect_uri?state=…&
                                    selling_partner_id=…&spapi_oauth_code=…

The code is single use and lives 5 minutes on the emulator clock (tokens.py); the app trades it
at `POST /auth/o2/token` (grant_type=authorization_code) for a new refresh token. Consent needs
a registered app in every auth mode: there is no page to show for an app nobody registered.
Everything echoed into a page is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from emulator.auth.accounts import Accounts, App, Seller
from emulator.auth.tokens import TokenStore
from emulator.config import Settings
from emulator.gateway.wire import read_capped

CONSENT_PATH = "/apps/authorize/consent"
CONFIRM_PATH = "/apps/authorize/confirm"
MAX_FORM_BYTES = 16 * 1024  # the confirm form carries five short fields
_NO_STORE = {"Cache-Control": "no-store"}

_STYLE = """
body{font-family:Arial,Helvetica,sans-serif;background:#f3f3f3;margin:0;color:#0f1111}
header{background:#232f3e;color:#fff;padding:12px 24px;font-size:18px}
main{max-width:640px;margin:32px auto;background:#fff;border:1px solid #d5d9d9;
border-radius:8px;padding:24px 32px}
h1{font-size:22px;font-weight:normal}
fieldset{border:1px solid #d5d9d9;border-radius:4px;padding:8px 16px}
label{display:block;padding:6px 0}
.meta{color:#565959;font-size:13px}
button{background:#ffd814;border:1px solid #fcd200;border-radius:8px;padding:8px 24px;
font-size:14px;cursor:pointer;margin-top:16px}
.error{border-left:4px solid #c40000;padding-left:12px}
"""


class ConsentError(Exception):
    """A request the consent page cannot serve: becomes an HTML error page."""

    def __init__(self, title: str, message: str, status: int = 400) -> None:
        super().__init__(title)
        self.title = title
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ConsentRequest:
    """A validated consent (or confirm) request: which app, where to go back, with what."""

    app: App
    state: str
    redirect_uri: str
    version: str | None


# -- pages -----------------------------------------------------------------------------------


def page(title: str, content: str) -> str:
    """A complete, self-contained page: `title` is escaped here, `content` by the caller."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        "<header>amazon seller central</header>\n"
        f"<main>\n{content}\n</main>\n</body>\n</html>\n"
    )


def error_page(status: int, title: str, message: str) -> HTMLResponse:
    content = f'<div class="error"><h1>{escape(title)}</h1>\n<p>{escape(message)}</p></div>'
    return HTMLResponse(page(f"{title} - Amazon Seller Central", content), status_code=status,
                        headers=_NO_STORE)


def _hidden(name: str, value: str | None) -> str:
    if value is None:
        return ""
    return f'<input type="hidden" name="{name}" value="{escape(value)}">\n'


def _seller_choice(seller: Seller, checked: bool) -> str:
    kind = "Vendor" if seller.account_type == "vendor" else "Seller"
    return (
        f'<label><input type="radio" name="seller_id" value="{escape(seller.seller_id)}"'
        f'{" checked" if checked else ""} required> <strong>{escape(seller.name)}</strong> '
        f'<span class="meta">{escape(seller.seller_id)} &middot; {kind} &middot; '
        f"{escape(seller.region.upper())}</span></label>\n"
    )


def consent_page(request: ConsentRequest, sellers: list[Seller]) -> str:
    name = escape(request.app.name)
    choices = "".join(_seller_choice(s, i == 0) for i, s in enumerate(sellers))
    content = (
        f"<h1>Authorize {name}</h1>\n"
        f"<p><strong>{name}</strong> ({escape(request.app.application_id)}) is requesting "
        "access to your Selling Partner API data. Choose the account to authorize.</p>\n"
        f'<form method="post" action="{CONFIRM_PATH}">\n'
        f"<fieldset><legend>Selling account</legend>\n{choices}</fieldset>\n"
        + _hidden("application_id", request.app.application_id)
        + _hidden("state", request.state)
        + _hidden("redirect_uri", request.redirect_uri)
        + _hidden("version", request.version)
        + '<button type="submit">Authorize</button>\n</form>\n'
        f'<p class="meta">You will be sent back to {escape(request.redirect_uri)}</p>'
    )
    return page(f"Authorize {request.app.name} - Amazon Seller Central", content)


# -- validation and the redirect -------------------------------------------------------------


def validate(accounts: Accounts, params: Mapping[str, str]) -> ConsentRequest:
    application_id = params.get("application_id") or ""
    app = accounts.app_by_application_id(application_id)
    if app is None:
        raise ConsentError("Unknown application",
                           f"No registered application has the id '{application_id}'. "
                           "Apps must be registered (fixtures/accounts.yaml) to be authorized.")
    state = params.get("state") or ""
    if not state:
        raise ConsentError("Missing state",
                           "The authorization request has no 'state' parameter; the app must "
                           "send one so it can recognise the redirect.")
    return ConsentRequest(app, state, redirect_uri_of(app, params.get("redirect_uri")),
                          params.get("version") or None)


def redirect_uri_of(app: App, requested: str | None) -> str:
    """The redirect URI to use: the requested one if the app registered it, else the first."""
    if not app.redirect_uris:
        raise ConsentError("No redirect URI",
                           f"The application '{app.name}' has no registered redirect URI.")
    if not requested:
        return app.redirect_uris[0]
    if requested not in app.redirect_uris:
        raise ConsentError("Invalid redirect URI",
                           f"'{requested}' is not a redirect URI registered for '{app.name}'. "
                           f"Registered: {', '.join(app.redirect_uris)}.")
    return requested


def with_query(uri: str, params: Mapping[str, str]) -> str:
    """`uri` with `params` appended to its query; its own parameters stay as they were."""
    parts = urlsplit(uri)
    added = urlencode(params)
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit(parts._replace(query=query))


# -- the ASGI app ----------------------------------------------------------------------------


async def read_form(request: Request) -> dict[str, str]:
    """The confirm form's fields (urlencoded, as a browser posts it), read with a size cap."""
    body = await read_capped(request, MAX_FORM_BYTES)
    if body is None:
        raise ConsentError("Request too large", "The authorization form is too large.", 413)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ConsentError("Bad request", "The form is not UTF-8.") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)  # a browser never repeats these; the first one counts
    return fields


def consent_app(accounts: Accounts, tokens: TokenStore, settings: Settings) -> ASGIApp:
    def listed_sellers() -> list[Seller]:
        # Open-auth sellers made up from refresh tokens are nobody's account to choose.
        return [s for s in accounts.sellers if not s.derived]

    async def consent(request: Request) -> Response:
        consent_request = validate(accounts, request.query_params)
        return HTMLResponse(consent_page(consent_request, listed_sellers()), headers=_NO_STORE)

    async def confirm(request: Request) -> Response:
        form = await read_form(request)
        consent_request = validate(accounts, form)
        seller_id = form.get("seller_id") or ""
        seller = accounts.seller(seller_id)
        if seller is None:
            raise ConsentError("Unknown selling account",
                               f"There is no selling account '{seller_id}' to authorize.")
        code = tokens.issue_code(consent_request.app, seller, consent_request.redirect_uri)
        location = with_query(consent_request.redirect_uri, {
            "state": consent_request.state,
            "selling_partner_id": seller.seller_id,
            "spapi_oauth_code": code,
        })
        return RedirectResponse(location, status_code=302, headers=_NO_STORE)

    async def on_consent_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ConsentError)
        return error_page(error.status, error.title, error.message)

    async def on_http_error(request: Request, error: Exception) -> Response:
        # Starlette's routing errors (404, 405) as pages in the same look as the rest.
        assert isinstance(error, HTTPException)
        path = request.url.path
        if error.status_code == 404:
            response = error_page(404, "Page not found", f"There is no page at {path}.")
        elif error.status_code == 405:
            response = error_page(405, "Method not allowed",
                                  f"{request.method} is not allowed on {path}.")
        else:
            response = error_page(error.status_code, "Request failed", str(error.detail))
        response.headers.update(error.headers or {})
        return response

    return Starlette(
        routes=[Route(CONSENT_PATH, consent, methods=["GET"]),
                Route(CONFIRM_PATH, confirm, methods=["POST"])],
        exception_handlers={ConsentError: on_consent_error, HTTPException: on_http_error},
    )
