"""The inspector's door when the emulator has a control token (`--control-token`): every
request needs the token, in the control plane's header or by a session cookie that the login
page gives for it. Without a control token, the door stands open, as on loopback by default.

`LoginRequired(app, sessions, templates)` is ASGI middleware in front of the inspector's app;
it serves the login page itself (GET and POST `/_emulator/ui/login`) and takes the token once
in a page's query (`/_emulator/ui/?token=T`), answering a redirect to the same page without it.
The static files (CSS, htmx) hold no data and stay open, so the login page has its style.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.control.guard import TOKEN_HEADER
from emulator.inspector.guard import PREFIX, SECURITY_HEADERS, Refused, safe_back, same_origin
from emulator.inspector.sessions import SESSION_SECONDS, Sessions

LOGIN = PREFIX + "/login"
STATIC = PREFIX + "/static/"
TOKEN_PARAM = "token"
NEXT_FIELD = "next"
MAX_LOGIN_BODY = 8 * 1024  # a token and a page to go back to; the door reads no more


def cookie_name(request: Request) -> str:
    """The session cookie's name, with the port: browsers send a cookie to every port of a
    host, and two emulators on one machine must not overwrite each other's sessions."""
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    return f"spapi_inspector_{port}"


def _here(request: Request) -> str:
    """Where to come back to after logging in: this page for a GET, else the overview (a
    button's POST cannot be replayed from a redirect)."""
    if request.method not in ("GET", "HEAD"):
        return PREFIX
    query = request.url.query
    return safe_back(request.url.path + ("?" + query if query else ""), PREFIX)


def _login_url(next_url: str) -> str:
    return LOGIN + ("?" + urlencode({NEXT_FIELD: next_url}) if next_url != PREFIX else "")


class LoginRequired:
    def __init__(self, app: ASGIApp, sessions: Sessions, templates: jinja2.Environment) -> None:
        self.app = app
        self.sessions = sessions
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Under STATIC only StaticFiles answers, and it serves nothing outside its folder
        # (`static/../state/snapshot.json` is a 404).
        if scope["type"] != "http" or scope["path"].startswith(STATIC):
            await self.app(scope, receive, send)
            return
        response: Response | None
        if not self.sessions.required:
            # Nothing to log into: the login page's address leads to the overview.
            response = (RedirectResponse(PREFIX, 303, SECURITY_HEADERS)
                        if scope["path"] == LOGIN else None)
        else:
            response = await self.decide(Request(scope, receive))
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    async def decide(self, request: Request) -> Response | None:
        """The answer in the inspector's place, or None when the request may pass."""
        sent = request.headers.get(TOKEN_HEADER)
        if sent is not None:  # a script, as for the control plane
            if self.sessions.is_token(sent.encode("latin-1")):  # the bytes as sent
                return None
            return self.page(request, 401, _here(request), wrong=True)
        if TOKEN_PARAM in request.query_params and request.method in ("GET", "HEAD"):
            return self.from_query(request)
        if request.url.path == LOGIN:
            return await self.login(request)
        if self.sessions.is_valid(request.cookies.get(cookie_name(request))):
            return None
        return self.ask(request)

    def from_query(self, request: Request) -> Response:
        """`?token=T`, once: the session cookie, and a redirect to the same page without the
        token, so it stays neither in the address bar nor in the page's links."""
        without = request.url.remove_query_params(TOKEN_PARAM)
        target = without.path + ("?" + without.query if without.query else "")
        if without.path == LOGIN:
            target = request.query_params.get(NEXT_FIELD, PREFIX)
        target = safe_back(target, PREFIX)
        if not self.sessions.is_token(request.query_params[TOKEN_PARAM]):
            return self.page(request, 401, target, wrong=True)
        return self.logged_in(request, target)

    async def login(self, request: Request) -> Response:
        if request.method in ("GET", "HEAD"):
            next_url = safe_back(request.query_params.get(NEXT_FIELD), PREFIX)
            return self.page(request, 200, next_url)
        if request.method != "POST":
            return self.page(request, 405, PREFIX, message=f"{request.method} is not allowed "
                                                            "here.")
        try:
            same_origin(request)
        except Refused as error:
            return self.page(request, 403, PREFIX, message=f"Refused: {error}.")
        form = await _small_form(request) or {}
        next_url = safe_back(form.get(NEXT_FIELD), PREFIX)
        if not self.sessions.is_token(form.get(TOKEN_PARAM, "")):
            return self.page(request, 401, next_url, wrong=True)
        return self.logged_in(request, next_url)

    def logged_in(self, request: Request, target: str) -> Response:
        response = RedirectResponse(target, 303, SECURITY_HEADERS)
        # HttpOnly: no script reads it; SameSite=Strict: no other site's page or link sends
        # it (a link from elsewhere lands on the login page); Secure over TLS (over plain HTTP
        # a browser would drop it).
        response.set_cookie(cookie_name(request), self.sessions.issue(),
                            max_age=SESSION_SECONDS, path=PREFIX,
                            secure=request.url.scheme == "https", httponly=True,
                            samesite="strict")
        return response

    def ask(self, request: Request) -> Response:
        """No token, no session. A browser opening a page is sent to the login page, which
        brings it back here after: what a person expects, with the address bar saying where
        they are (and a reload there shows the form again). Anything else (htmx's refreshes,
        the live tail, a script, a button's POST) gets 401 with the login page: a redirect
        would hand a fragment or an event stream a page it cannot use. htmx follows the
        HX-Redirect header even on a 401, so a page refreshing itself goes to the login."""
        here = _here(request)
        navigation = (request.method in ("GET", "HEAD") and "hx-request" not in request.headers
                      and "text/html" in request.headers.get("accept", ""))
        response: Response
        if navigation:
            response = RedirectResponse(_login_url(here), 303, SECURITY_HEADERS)
        else:
            response = self.page(request, 401, here)
            if "hx-request" in request.headers:
                response.headers["hx-redirect"] = _login_url(here)
        name = cookie_name(request)
        if name in request.cookies:  # expired, or of an earlier run: forget it
            response.delete_cookie(name, path=PREFIX, secure=request.url.scheme == "https",
                                   httponly=True, samesite="strict")
        return response

    def page(self, request: Request, status: int, next_url: str, *, wrong: bool = False,
             message: str | None = None) -> HTMLResponse:
        """The login page: never the token sent, nor any of the emulator's data."""
        body = self.templates.get_template("login.html").render(
            request=request, done=None, nav=None, next_url=next_url, next_field=NEXT_FIELD,
            token_field=TOKEN_PARAM, wrong=wrong, message=message, header=TOKEN_HEADER,
            hours=SESSION_SECONDS // 3600)
        return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


async def _small_form(request: Request) -> dict[str, str] | None:
    """The login form's fields (the first value of each), read no further than
    MAX_LOGIN_BODY: the door is open to anyone, so it buffers no large body. None when the
    body is too large or not a URL-encoded form."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_LOGIN_BODY:
            return None
    try:
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
    except ValueError:  # more fields than a login form has
        return None
    return {name: values[0] for name, values in fields.items()}
