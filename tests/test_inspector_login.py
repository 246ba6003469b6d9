"""The inspector behind `--control-token` (emulator/inspector/login.py), over HTTP: without
the token, pages, fragments, the live tail, downloads and buttons are refused; the control
plane's header opens them, and so does the session cookie the login page (or `?token=` once)
gives; a forged cookie, a wrong token and another site's login are refused; without a control
token the inspector opens as before. The login in a real browser is in
tests/test_inspector_browser.py."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.config import Settings
from emulator.harness.embedded import Running, running
from emulator.inspector.sessions import SESSION_SECONDS, Sessions
from emulator.server import HideLoginToken, inspector_hint
from tests.conftest import TokenSource

TOKEN = "inspector-door-token-of-this-test"
HEADER = "x-emulator-control-token"
UI = "/_emulator/ui"
LOGIN = UI + "/login"
HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # a browser opening a page
PAGES = ("", "/", "/requests", "/orders", "/listings", "/inventory", "/catalog", "/records",
         "/jobs", "/notifications", "/faults", "/state", "/cassettes", "/state/snapshot.json")
POSTS = ("/clock/advance", "/faults", "/faults/clear", "/state/reset", "/state/reseed")


@pytest.fixture(scope="module")
def guarded(models_dir: Path) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                          control_token=TOKEN)) as server:
        yield server


@pytest.fixture
def client(guarded: Running) -> Iterator[httpx.Client]:
    """A browser without a session (a fresh cookie jar per test)."""
    with httpx.Client(base_url=guarded.base_url, timeout=30) as opened:
        yield opened


def cookie_name(server: Running) -> str:
    return f"spapi_inspector_{server.base_url.rsplit(':', 1)[1]}"


def logged_in(client: httpx.Client, server: Running, next_url: str = UI) -> httpx.Response:
    response = client.post(LOGIN, data={"token": TOKEN, "next": next_url},
                           headers={"origin": server.base_url})
    assert response.status_code == 303, response.text
    return response


def csrf_of(response: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', response.text)
    assert found, response.text[:300]
    return found.group(1)


def assert_login_page(response: httpx.Response, status: int) -> None:
    """The login page, and nothing of the emulator: no data, no page token, no token."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-frame-options"] == "DENY"
    assert 'action="/_emulator/ui/login"' in response.text
    assert 'name="csrf"' not in response.text and TOKEN not in response.text
    assert "seller" not in response.text.lower()


def test_without_the_token_nothing_is_shown_or_done(guarded: Running,
                                                    client: httpx.Client) -> None:
    seller_id = guarded.app.accounts.sellers[0].seller_id
    for path in PAGES:
        # A browser opening a page goes to the login page, which brings it back after.
        opened = client.get(UI + path, headers=HTML)
        assert opened.status_code == 303, path
        assert opened.headers["location"].startswith(LOGIN)
        assert seller_id not in opened.text
        # A script, a fragment: 401 with the login page.
        assert_login_page(client.get(UI + path), 401)
    # htmx's refresh of a page: 401, and htmx goes to the login page.
    fragment = client.get(UI + "/jobs", headers={"hx-request": "true", **HTML})
    assert_login_page(fragment, 401)
    assert fragment.headers["hx-redirect"] == LOGIN + "?next=%2F_emulator%2Fui%2Fjobs"
    # The live tail.
    tail = client.get(UI + "/requests/stream", headers={"accept": "text/event-stream"})
    assert_login_page(tail, 401)
    # Buttons: nothing moves, with or without a form token.
    before = guarded.app.clock.offset
    for path in POSTS:
        pressed = client.post(UI + path, data={"seconds": "60", "csrf": "x"},
                              headers={"origin": guarded.base_url, **HTML})
        assert_login_page(pressed, 401)
    assert guarded.app.clock.offset == before
    # The styles and scripts hold no data: the login page needs them.
    assert client.get(UI + "/static/inspector.css").status_code == 200
    assert client.get(UI + "/static/vendor/htmx.min.js").status_code == 200


def test_the_control_planes_header_opens_everything(guarded: Running,
                                                    client: httpx.Client) -> None:
    client.headers[HEADER] = TOKEN
    for path in PAGES:
        assert client.get(UI + path, headers=HTML).status_code == 200, path
    with client.stream("GET", UI + "/requests/stream") as tail:
        assert tail.status_code == 200
        assert tail.headers["content-type"].startswith("text/event-stream")
    # A button still needs the page's token and its origin.
    before = guarded.app.clock.offset
    refused = client.post(UI + "/clock/advance", data={"seconds": "60"})
    assert refused.status_code == 403
    pressed = client.post(UI + "/clock/advance",
                          data={"seconds": "60", "csrf": csrf_of(client.get(UI))},
                          headers={"origin": guarded.base_url})
    assert pressed.status_code == 303
    assert guarded.app.clock.offset == before + 60
    assert HEADER not in pressed.headers.get("set-cookie", "")  # no session for a script


def test_a_wrong_token_is_401_and_says_what_to_do(guarded: Running,
                                                  client: httpx.Client) -> None:
    wrong = TOKEN + "-not"
    for response in (client.get(UI, headers={HEADER: wrong, **HTML}),
                     client.post(LOGIN, data={"token": wrong},
                                 headers={"origin": guarded.base_url}),
                     client.get(UI + "/orders", params={"token": wrong}, headers=HTML)):
        assert_login_page(response, 401)
        assert "not the control token" in response.text and "--control-token" in response.text
        assert wrong not in response.text
        assert "set-cookie" not in response.headers
    assert_login_page(client.post(LOGIN, content=b"token=" + b"x" * 10_000,
                                  headers={"content-type": "application/x-www-form-urlencoded"}),
                      401)


def test_login_gives_a_session_cookie_that_opens_the_inspector(guarded: Running,
                                                              client: httpx.Client) -> None:
    assert_login_page(client.get(LOGIN, params={"next": UI + "/faults"}), 200)
    response = logged_in(client, guarded, UI + "/faults")
    assert response.headers["location"] == UI + "/faults"
    cookie = response.headers["set-cookie"]
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/_emulator/ui",
            f"max-age={SESSION_SECONDS}"} <= attributes
    assert "secure" not in attributes  # plain HTTP here; over --tls: tests/test_cli.py
    value = client.cookies[cookie_name(guarded)]
    assert TOKEN not in value and value not in TOKEN
    # Pages, a fragment, the live tail and a button, by the cookie alone.
    assert client.get(UI + "/orders", headers=HTML).status_code == 200
    assert client.get(UI + "/jobs", headers={"hx-request": "true"}).status_code == 200
    with client.stream("GET", UI + "/requests/stream") as tail:
        assert tail.status_code == 200
    before = guarded.app.clock.offset
    pressed = client.post(UI + "/clock/advance",
                          data={"seconds": "1", "csrf": csrf_of(client.get(UI))},
                          headers={"origin": guarded.base_url})
    assert pressed.status_code == 303 and guarded.app.clock.offset == before + 1
    # Each login is a session of its own.
    with httpx.Client(base_url=guarded.base_url) as other:
        logged_in(other, guarded)
        assert other.cookies[cookie_name(guarded)] != value


def test_a_forged_or_foreign_cookie_opens_nothing(guarded: Running,
                                                  client: httpx.Client) -> None:
    logged_in(client, guarded)
    good = client.cookies[cookie_name(guarded)]
    issued, nonce, mac = good.split(".")
    forged = (f"{issued}.{nonce}.{mac[:-1]}{'0' if mac[-1] != '0' else '1'}",
              f"{int(issued) + 3600}.{nonce}.{mac}",  # a later expiry, same MAC
              Sessions(TOKEN).issue(),  # the same token, another run of the emulator
              TOKEN, "", "....", "x" * 5000)
    for value in forged:
        with httpx.Client(base_url=guarded.base_url,
                          cookies={cookie_name(guarded): value}) as other:
            opened = other.get(UI + "/orders", headers=HTML)
            assert opened.status_code == 303 and opened.headers["location"].startswith(LOGIN)
            assert_login_page(other.get(UI + "/orders"), 401)
            # The stale cookie is dropped.
            assert f"{cookie_name(guarded)}=\"\"" in opened.headers.get("set-cookie", "")


def test_sessions_end_after_their_lifetime_and_with_the_process() -> None:
    now = [1_000_000.0]
    sessions = Sessions(TOKEN, now=lambda: now[0])
    value = sessions.issue()
    assert sessions.is_valid(value)
    now[0] += SESSION_SECONDS
    assert sessions.is_valid(value)
    now[0] += 1
    assert not sessions.is_valid(value)
    # No control token: nothing to log into, nothing valid.
    assert not Sessions(None).required and not Sessions("").required
    assert not Sessions(None).is_valid(value) and not Sessions(None).is_token("")


def test_the_token_in_the_query_logs_in_once_and_leaves_the_url(guarded: Running,
                                                                client: httpx.Client) -> None:
    response = client.get(UI + "/orders", params={"status": "Shipped", "token": TOKEN},
                          headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == UI + "/orders?status=Shipped"
    assert cookie_name(guarded) in client.cookies
    assert client.get(UI + "/orders", params={"status": "Shipped"}).status_code == 200
    # On the login page's address it goes where `next` says (an inspector page only).
    for next_url, target in ((UI + "/jobs", UI + "/jobs"),
                             ("https://evil.example/", UI), ("//evil.example", UI)):
        with httpx.Client(base_url=guarded.base_url) as other:
            moved = other.get(LOGIN, params={"token": TOKEN, "next": next_url})
            assert moved.headers["location"] == target, next_url
    posted = client.post(LOGIN, data={"token": TOKEN, "next": "https://evil.example/"},
                         headers={"origin": guarded.base_url})
    assert posted.headers["location"] == UI


def test_another_sites_login_form_is_refused(guarded: Running, client: httpx.Client) -> None:
    for headers in ({"origin": "http://evil.example"},
                    {"referer": "http://evil.example/login"}):
        response = client.post(LOGIN, data={"token": TOKEN}, headers=headers)
        assert response.status_code == 403 and "Refused" in response.text
        assert "set-cookie" not in response.headers


def test_the_other_rules_still_come_first(guarded: Running, client: httpx.Client) -> None:
    # DNS rebinding: refused before the token is even looked at.
    rebound = client.get(UI, headers={"host": "evil.example", HEADER: TOKEN})
    assert rebound.status_code == 403 and "login" not in rebound.text
    # An SP-API token is never answered, logged in or not.
    access = TokenSource(guarded).seller()
    refused = client.get(UI, headers={"x-amz-access-token": access, HEADER: TOKEN})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "Unauthorized"
    # The control plane is unchanged: its header, not the inspector's cookie.
    logged_in(client, guarded)
    assert client.get("/_emulator/credentials").status_code == 401


def test_without_a_control_token_the_inspector_opens_as_before(emulator: Running) -> None:
    with httpx.Client(base_url=emulator.base_url, timeout=30) as client:
        seller_id = emulator.app.accounts.sellers[0].seller_id
        for path, shows in (("", seller_id), ("/orders", seller_id), ("/faults", 'name="csrf"')):
            opened = client.get(UI + path, headers=HTML)
            assert opened.status_code == 200 and shows in opened.text, path
            assert "set-cookie" not in opened.headers
        assert client.get(UI + "/requests", headers={"hx-request": "true"}).status_code == 200
        # Nothing to log into: the login page's address leads to the overview.
        moved = client.get(LOGIN)
        assert moved.status_code == 303 and moved.headers["location"] == UI


def test_serve_says_how_to_open_the_inspector_never_the_token() -> None:
    address = "http://0.0.0.0:8000"
    assert inspector_hint(address, None) == f"{address}/_emulator/ui"
    hint = inspector_hint(address, TOKEN)
    assert hint.startswith(f"{address}/_emulator/ui/login ") and TOKEN not in hint


def test_the_access_log_hides_the_token_sent_to_log_in() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s %s %s %s %d",
                               ("127.0.0.1:5", "GET", f"/_emulator/ui/orders?a=1&token={TOKEN}",
                                "1.1", 303), None)
    assert HideLoginToken().filter(record)
    assert TOKEN not in record.getMessage() and "a=1&token=*** " in record.getMessage()
    paged = ("127.0.0.1:5", "GET", "/orders/v0/orders?NextToken=abc", "1.1", 200)
    record.args = paged
    HideLoginToken().filter(record)
    assert record.args == paged  # SP-API's page tokens are no secret of the emulator's
