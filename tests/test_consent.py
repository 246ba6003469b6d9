"""Website authorization over HTTP: consent page, redirect with a code, code -> refresh token
-> access token; and every way the flow refuses (as HTML pages, like Seller Central).

The module runs its own emulator: the expiry test moves its clock 5 minutes ahead, which the
shared session emulator should not feel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml

from emulator.auth.accounts import App, Seller
from emulator.config import Settings
from emulator.harness.embedded import Running, running

CONSENT = "/apps/authorize/consent"
CONFIRM = "/apps/authorize/confirm"
TOKEN = "/auth/o2/token"
CODE_ERROR = {"error_description": "The request has an invalid grant parameter : code",
              "error": "invalid_grant"}


@pytest.fixture(scope="module")
def server(models_dir: Path) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir, port=0)) as emulator:
        yield emulator


@pytest.fixture
def http(server: Running) -> Iterator[httpx.Client]:
    # Redirects are what is under test: never follow them.
    with httpx.Client(base_url=server.base_url, timeout=30, follow_redirects=False) as client:
        yield client


@pytest.fixture
def app(server: Running) -> App:
    return server.app.accounts.apps[0]


@pytest.fixture
def sellers(server: Running) -> list[Seller]:
    return [s for s in server.app.accounts.sellers if not s.derived]


def confirm_form(app: App, seller: Seller, state: str = "st-123",
                 **extra: str) -> dict[str, str]:
    return {"application_id": app.application_id, "state": state,
            "seller_id": seller.seller_id, **extra}


def authorize(http: httpx.Client, form: Mapping[str, str]) -> dict[str, str]:
    """POST the consent form; the redirect's query parameters (one value each)."""
    response = http.post(CONFIRM, data=form)
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query, strict_parsing=True)
    assert all(len(values) == 1 for values in query.values())
    return {name: values[0] for name, values in query.items()}


def exchange_code(http: httpx.Client, app: App, code: str, redirect_uri: str | None = None,
                  body: str = "form") -> httpx.Response:
    fields = {"grant_type": "authorization_code", "code": code,
              "client_id": app.client_id, "client_secret": app.client_secret}
    if redirect_uri is not None:
        fields["redirect_uri"] = redirect_uri
    if body == "json":
        return http.post(TOKEN, content=json.dumps(fields),
                         headers={"Content-Type": "application/json"})
    return http.post(TOKEN, data=fields)


def refresh(http: httpx.Client, app: App, refresh_token: str) -> httpx.Response:
    return http.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                  "client_id": app.client_id,
                                  "client_secret": app.client_secret})


def assert_html_error(response: httpx.Response, status: int, *phrases: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text.startswith("<!DOCTYPE html>")
    for phrase in phrases:
        assert escape(phrase) in response.text


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


# -- the consent page ------------------------------------------------------------------------


def test_consent_page_names_the_app_and_every_seller(http: httpx.Client, app: App,
                                                     sellers: list[Seller]) -> None:
    response = http.get(CONSENT, params={"application_id": app.application_id,
                                         "state": "st-1"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert f"<title>Authorize {escape(app.name)} - Amazon Seller Central</title>" in html
    assert f'<form method="post" action="{CONFIRM}">' in html
    assert '<button type="submit">Authorize</button>' in html
    # Self-contained: nothing to fetch from elsewhere, nothing to run.
    assert not re.search(r"<(script|link|img|iframe)\b|\bsrc=|@import|url\(", html)
    for seller in sellers:
        assert f'name="seller_id" value="{seller.seller_id}"' in html
        assert escape(seller.name) in html
        kind = "Vendor" if seller.account_type == "vendor" else "Seller"
        assert f"{seller.seller_id} &middot; {kind} &middot; {seller.region.upper()}" in html
    assert hidden_fields(html) == {"application_id": app.application_id, "state": "st-1",
                                   "redirect_uri": app.redirect_uris[0]}


def test_consent_page_escapes_what_it_echoes(http: httpx.Client, app: App) -> None:
    state = '"><script>alert(1)</script>&'
    response = http.get(CONSENT, params={"application_id": app.application_id, "state": state})
    assert response.status_code == 200
    assert "<script>" not in response.text
    assert escape(state) in response.text


def test_version_beta_passes_through(http: httpx.Client, app: App,
                                     sellers: list[Seller]) -> None:
    response = http.get(CONSENT, params={"application_id": app.application_id,
                                         "state": "st-beta", "version": "beta"})
    assert response.status_code == 200
    fields = hidden_fields(response.text)
    assert fields["version"] == "beta"
    # Posting the page's own fields back, as a browser would, completes the flow.
    query = authorize(http, {**fields, "seller_id": sellers[0].seller_id})
    assert query["state"] == "st-beta"
    assert set(query) == {"state", "selling_partner_id", "spapi_oauth_code"}


# -- the whole flow --------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["form", "json"])
def test_full_website_authorization_flow(http: httpx.Client, server: Running, app: App,
                                         sellers: list[Seller], body: str) -> None:
    seller = sellers[2]
    page = http.get(CONSENT, params={"application_id": app.application_id, "state": "st-flow"})
    form = {**hidden_fields(page.text), "seller_id": seller.seller_id}

    response = http.post(CONFIRM, data=form)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    redirect_uri = app.redirect_uris[0]
    assert location._replace(query="").geturl() == redirect_uri
    query = parse_qs(location.query)
    assert query["state"] == ["st-flow"]
    assert query["selling_partner_id"] == [seller.seller_id]
    code = query["spapi_oauth_code"][0]

    exchanged = exchange_code(http, app, code, redirect_uri, body)
    assert exchanged.status_code == 200, exchanged.text
    tokens = exchanged.json()
    assert list(tokens) == ["access_token", "refresh_token", "token_type", "expires_in"]
    refresh_token = tokens["refresh_token"]
    assert refresh_token.startswith("Atzr|")
    assert refresh_token != server.app.accounts.refresh_token_of(seller, app)

    refreshed = refresh(http, app, refresh_token)
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] == refresh_token
    grant = server.app.tokens.lookup(refreshed.json()["access_token"])
    assert grant is not None and grant.seller == seller and grant.app.client_id == app.client_id


def test_each_consent_mints_a_new_refresh_token_and_old_ones_stay_valid(
        http: httpx.Client, app: App, sellers: list[Seller]) -> None:
    refresh_tokens = []
    for _ in range(2):
        code = authorize(http, confirm_form(app, sellers[0]))["spapi_oauth_code"]
        response = exchange_code(http, app, code)
        assert response.status_code == 200
        refresh_tokens.append(response.json()["refresh_token"])
    assert refresh_tokens[0] != refresh_tokens[1]
    for token in refresh_tokens:
        assert refresh(http, app, token).status_code == 200


def test_second_redirect_uri_when_asked_for(http: httpx.Client, app: App,
                                            sellers: list[Seller]) -> None:
    redirect_uri = app.redirect_uris[1]
    response = http.post(CONFIRM, data=confirm_form(app, sellers[0],
                                                    redirect_uri=redirect_uri))
    assert response.status_code == 302
    assert response.headers["location"].startswith(redirect_uri + "?state=st-123&")
    code = parse_qs(urlsplit(response.headers["location"]).query)["spapi_oauth_code"][0]
    assert exchange_code(http, app, code, redirect_uri).status_code == 200


def test_code_is_single_use(http: httpx.Client, app: App, sellers: list[Seller]) -> None:
    code = authorize(http, confirm_form(app, sellers[0]))["spapi_oauth_code"]
    assert exchange_code(http, app, code).status_code == 200
    again = exchange_code(http, app, code)
    assert again.status_code == 400
    assert again.content == json.dumps(CODE_ERROR, separators=(",", ":")).encode()


def test_code_expires_after_five_minutes(http: httpx.Client, server: Running, app: App,
                                         sellers: list[Seller]) -> None:
    code = authorize(http, confirm_form(app, sellers[1]))["spapi_oauth_code"]
    server.app.clock.advance(301)
    response = exchange_code(http, app, code)
    assert response.status_code == 400
    assert response.json() == CODE_ERROR


def test_redirect_keeps_the_redirect_uris_own_query(models_dir: Path, tmp_path: Path) -> None:
    data = yaml.safe_load(Settings(models_dir=tmp_path).accounts_file.read_text())
    redirect_uri = "https://app.example/cb?tenant=7&note=a%20b"
    data["apps"][0]["redirect_uris"] = [redirect_uri]
    accounts_file = tmp_path / "accounts.yaml"
    accounts_file.write_text(yaml.safe_dump(data))
    with running(Settings(models_dir=models_dir, port=0, accounts_file=accounts_file)) as server, \
            httpx.Client(base_url=server.base_url) as http:
        app = server.app.accounts.apps[0]
        seller = server.app.accounts.sellers[0]
        response = http.post(CONFIRM, data=confirm_form(app, seller, state="a b&c"))
        assert response.status_code == 302
        location = response.headers["location"]
        assert location.startswith(redirect_uri + "&state=a+b%26c&selling_partner_id=")
        query = parse_qs(urlsplit(location).query)
        assert query["tenant"] == ["7"] and query["note"] == ["a b"]
        assert query["state"] == ["a b&c"]
        code = query["spapi_oauth_code"][0]
        assert exchange_code(http, app, code, redirect_uri).status_code == 200


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("application_id", ["amzn1.sellerapps.app.unknown", ""])
def test_unknown_application_is_a_400_page(http: httpx.Client, application_id: str) -> None:
    params = {"application_id": application_id, "state": "s"} if application_id else {"state": "s"}
    response = http.get(CONSENT, params=params)
    assert_html_error(response, 400, "Unknown application",
                      f"No registered application has the id '{application_id}'")


def test_unknown_application_is_refused_in_open_mode_too(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, auth="open")) as server, \
            httpx.Client(base_url=server.base_url) as http:
        response = http.get(CONSENT, params={"application_id": "amzn1.sellerapps.app.open",
                                             "state": "s"})
        assert_html_error(response, 400, "Unknown application")


def test_unregistered_redirect_uri_is_a_400_page(http: httpx.Client, app: App,
                                                 sellers: list[Seller]) -> None:
    evil = "https://evil.example/cb"
    response = http.get(CONSENT, params={"application_id": app.application_id, "state": "s",
                                         "redirect_uri": evil})
    assert_html_error(response, 400, "Invalid redirect URI", f"'{evil}' is not a redirect URI")
    response = http.post(CONFIRM, data=confirm_form(app, sellers[0], redirect_uri=evil))
    assert_html_error(response, 400, "Invalid redirect URI")


def test_missing_state_is_a_400_page(http: httpx.Client, app: App,
                                     sellers: list[Seller]) -> None:
    response = http.get(CONSENT, params={"application_id": app.application_id})
    assert_html_error(response, 400, "Missing state")
    response = http.post(CONFIRM, data=confirm_form(app, sellers[0], state=""))
    assert_html_error(response, 400, "Missing state")


@pytest.mark.parametrize("seller_id", ["ANOBODY0000000", ""])
def test_confirm_needs_a_known_seller(http: httpx.Client, app: App, seller_id: str) -> None:
    form = {"application_id": app.application_id, "state": "s", "seller_id": seller_id}
    response = http.post(CONFIRM, data=form)
    assert_html_error(response, 400, "Unknown selling account", f"'{seller_id}'")


def test_other_paths_are_404_pages(http: httpx.Client) -> None:
    for path in ("/apps/authorize/", "/apps/authorize/nothing", "/apps/authorize/consent/x"):
        assert_html_error(http.get(path), 404, "Page not found")


def test_wrong_methods_are_405_pages(http: httpx.Client, app: App) -> None:
    response = http.get(CONFIRM, params={"application_id": app.application_id})
    assert_html_error(response, 405, "Method not allowed")
    assert response.headers["allow"] == "POST"
    response = http.post(CONSENT, data={"application_id": app.application_id})
    assert_html_error(response, 405, "Method not allowed")
    assert "GET" in response.headers["allow"]
