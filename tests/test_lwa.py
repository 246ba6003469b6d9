"""`POST /auth/o2/token` answers as Login with Amazon does: grants, errors, headers, modes.

Each module-scoped emulator here is the module's own (they start in well under a second), so
custom accounts, token lifetimes and auth modes never leak into the shared session emulator.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import yaml

from emulator.auth.accounts import App, Seller
from emulator.config import Settings
from emulator.harness.embedded import Running, running

TOKEN_PATH = "/auth/o2/token"
FORM = "application/x-www-form-urlencoded;charset=UTF-8"
NOTIFICATIONS = "sellingpartnerapi::notifications"
ROTATION = "sellingpartnerapi::client_credential:rotation"


# -- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def strict(models_dir: Path) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir, port=0)) as server:
        yield server


@pytest.fixture(scope="module")
def open_server(models_dir: Path) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir, port=0, auth="open")) as server:
        yield server


@pytest.fixture
def lwa(strict: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=strict.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def app(strict: Running) -> App:
    return strict.app.accounts.apps[0]


@pytest.fixture
def seller(strict: Running) -> Seller:
    return strict.app.accounts.sellers[0]


@pytest.fixture
def refresh_token(strict: Running, app: App, seller: Seller) -> str:
    token = strict.app.accounts.refresh_token_of(seller, app)
    assert token is not None
    return token


def refresh_fields(app: App, refresh_token: str) -> dict[str, str]:
    return {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": app.client_id, "client_secret": app.client_secret}


def grantless_fields(app: App, scope: str | None) -> dict[str, str]:
    fields = {"grant_type": "client_credentials", "client_id": app.client_id,
              "client_secret": app.client_secret}
    if scope is not None:
        fields["scope"] = scope
    return fields


def post(http: httpx.Client, fields: Mapping[str, str], body: str = "form",
         headers: Mapping[str, str] | None = None) -> httpx.Response:
    """A token request with a form body (the Python clients) or a JSON one (the Node ones)."""
    if body == "json":
        return http.post(TOKEN_PATH, content=json.dumps(fields),
                         headers={"Content-Type": "application/json", **(headers or {})})
    return http.post(TOKEN_PATH, content=urlencode(fields),
                     headers={"Content-Type": FORM, **(headers or {})})


def compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def assert_lwa_headers(response: httpx.Response) -> None:
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    request_id = response.headers["x-amzn-requestid"]
    assert str(uuid.UUID(request_id)) == request_id


def assert_error(response: httpx.Response, status: int, error: str, description: str) -> None:
    assert response.status_code == status, response.text
    assert_lwa_headers(response)
    # The raw bytes: LWA's key order (description first) and compact JSON.
    assert response.content == compact({"error_description": description, "error": error})


def assert_malformed(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert_lwa_headers(response)
    body = response.json()
    assert list(body) == ["error_index", "error_description", "error"]
    assert body["error_description"] == "Malformed request"
    assert body["error"] == "invalid_request"
    assert isinstance(body["error_index"], str) and body["error_index"]


def assert_success(response: httpx.Response, refresh_token: str | None,
                   expires_in: int = 3600) -> str:
    """The access token of a 200 answer, after checking every key of it."""
    assert response.status_code == 200, response.text
    assert_lwa_headers(response)
    body = response.json()
    keys = ["access_token", "refresh_token", "token_type", "expires_in"]
    assert list(body) == (keys if refresh_token is not None else
                          [k for k in keys if k != "refresh_token"])
    access_token = body["access_token"]
    assert access_token.startswith("Atza|")
    assert len(access_token) >= 350 and len(access_token.encode()) <= 2048
    assert body["token_type"] == "bearer"
    assert type(body["expires_in"]) is int and body["expires_in"] == expires_in
    if refresh_token is not None:
        assert body["refresh_token"] == refresh_token
    return str(access_token)


def accounts_with_second_app(tmp: Path) -> tuple[Path, dict[str, str]]:
    """The project's accounts file plus a second registered app."""
    data = yaml.safe_load(Settings(models_dir=tmp).accounts_file.read_text())
    other = {"name": "Second app", "client_id": "amzn1.application-oa2-client.second0000",
             "client_secret": "amzn1.oa2-cs.v1.second-app-secret",
             "application_id": "amzn1.sellerapps.app.second-app", "redirect_uris": []}
    data["apps"].append(other)
    path = tmp / "accounts.yaml"
    path.write_text(yaml.safe_dump(data))
    return path, other


# -- grant_type=refresh_token ----------------------------------------------------------------


@pytest.mark.parametrize("body", ["form", "json"])
def test_refresh_grant_gives_an_access_token_and_echoes_the_refresh_token(
        lwa: httpx.Client, strict: Running, app: App, seller: Seller, refresh_token: str,
        body: str) -> None:
    response = post(lwa, refresh_fields(app, refresh_token), body)
    access_token = assert_success(response, refresh_token)
    grant = strict.app.tokens.lookup(access_token)
    assert grant is not None and grant.kind == "seller"
    assert grant.seller == seller and grant.app.client_id == app.client_id


@pytest.mark.parametrize("content_type", [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded;charset=UTF-8",
    "application/x-www-form-urlencoded; charset=utf-8",
])
def test_every_form_content_type_spelling_works(lwa: httpx.Client, app: App,
                                                refresh_token: str, content_type: str) -> None:
    response = lwa.post(TOKEN_PATH, content=urlencode(refresh_fields(app, refresh_token)),
                        headers={"Content-Type": content_type})
    assert_success(response, refresh_token)


def test_json_with_charset_works(lwa: httpx.Client, app: App, refresh_token: str) -> None:
    response = lwa.post(TOKEN_PATH, content=json.dumps(refresh_fields(app, refresh_token)),
                        headers={"Content-Type": "application/json;charset=UTF-8"})
    assert_success(response, refresh_token)


def test_python_sp_api_request_exactly(lwa: httpx.Client, app: App, refresh_token: str) -> None:
    # python-amazon-sp-api 2.1.35: this field order, this content type, `|` percent-encoded.
    content = urlencode({"grant_type": "refresh_token", "client_id": app.client_id,
                         "refresh_token": refresh_token, "client_secret": app.client_secret})
    assert "Atzr%7C" in content
    response = lwa.post(TOKEN_PATH, content=content, headers={
        "content-type": "application/x-www-form-urlencoded;charset=UTF-8",
        "user-agent": "python-sp-api-2.1.35",
    })
    assert_success(response, refresh_token)


def test_node_client_request_exactly(lwa: httpx.Client, app: App, refresh_token: str) -> None:
    # npm amazon-sp-api 1.2.1 and @sp-api-sdk/auth: a JSON object in this order.
    content = json.dumps({"client_id": app.client_id, "client_secret": app.client_secret,
                          "grant_type": "refresh_token", "refresh_token": refresh_token})
    response = lwa.post(TOKEN_PATH, content=content,
                        headers={"Content-Type": "application/json"})
    assert_success(response, refresh_token)


def test_client_credentials_in_basic_auth(lwa: httpx.Client, app: App,
                                          refresh_token: str) -> None:
    fields = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    response = lwa.post(TOKEN_PATH, data=fields, auth=(app.client_id, app.client_secret))
    assert_success(response, refresh_token)
    response = lwa.post(TOKEN_PATH, data=fields, auth=(app.client_id, "wrong"))
    assert_error(response, 401, "invalid_client", "Client authentication failed")


def test_conflicting_basic_and_body_credentials_are_malformed(lwa: httpx.Client, app: App,
                                                              refresh_token: str) -> None:
    response = lwa.post(TOKEN_PATH, data=refresh_fields(app, refresh_token),
                        auth=(app.client_id + "x", app.client_secret))
    assert_malformed(response)


def test_unknown_fields_are_ignored(lwa: httpx.Client, app: App, refresh_token: str) -> None:
    fields = {**refresh_fields(app, refresh_token), "extra": "1"}
    assert_success(post(lwa, fields), refresh_token)
    response = lwa.post(TOKEN_PATH, json={**refresh_fields(app, refresh_token), "n": [1]})
    assert_success(response, refresh_token)


# -- grant_type=client_credentials -----------------------------------------------------------


@pytest.mark.parametrize("body", ["form", "json"])
@pytest.mark.parametrize("scope", [NOTIFICATIONS, ROTATION, f"{NOTIFICATIONS} {ROTATION}"])
def test_grantless_token_for_each_scope(lwa: httpx.Client, strict: Running, app: App,
                                        scope: str, body: str) -> None:
    response = post(lwa, grantless_fields(app, scope), body)
    access_token = assert_success(response, None)
    grant = strict.app.tokens.lookup(access_token)
    assert grant is not None and grant.kind == "grantless" and grant.seller is None
    assert grant.scopes == frozenset(scope.split())


@pytest.mark.parametrize("scope", [None, "", "profile", "sellingpartnerapi::migration",
                                   f"{NOTIFICATIONS} profile"])
def test_grantless_needs_a_known_scope(lwa: httpx.Client, app: App, scope: str | None) -> None:
    response = post(lwa, grantless_fields(app, scope))
    assert_error(response, 400, "invalid_scope", "The request has an invalid parameter : scope")


def test_scope_and_refresh_token_together_are_malformed(lwa: httpx.Client, app: App,
                                                        refresh_token: str) -> None:
    assert_malformed(post(lwa, {**refresh_fields(app, refresh_token), "scope": NOTIFICATIONS}))
    assert_malformed(post(lwa, {**grantless_fields(app, NOTIFICATIONS),
                                "refresh_token": refresh_token}))


# -- grant_type=authorization_code (the website flow itself is in test_consent.py) ------------


@pytest.mark.parametrize("body", ["form", "json"])
def test_authorization_code_gives_a_new_refresh_token(lwa: httpx.Client, strict: Running,
                                                      app: App, seller: Seller,
                                                      refresh_token: str, body: str) -> None:
    redirect_uri = app.redirect_uris[0]
    code = strict.app.tokens.issue_code(app, seller, redirect_uri)
    fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
              "client_id": app.client_id, "client_secret": app.client_secret}
    response = post(lwa, fields, body)
    new_refresh = response.json()["refresh_token"]
    assert new_refresh.startswith("Atzr|") and new_refresh != refresh_token
    access_token = assert_success(response, new_refresh)
    grant = strict.app.tokens.lookup(access_token)
    assert grant is not None and grant.seller == seller
    # The new refresh token works, and so does the old one.
    assert_success(post(lwa, refresh_fields(app, new_refresh)), new_refresh)
    assert_success(post(lwa, refresh_fields(app, refresh_token)), refresh_token)


def test_unknown_authorization_code(lwa: httpx.Client, app: App) -> None:
    fields = {"grant_type": "authorization_code", "code": "ANDJnothing",
              "client_id": app.client_id, "client_secret": app.client_secret}
    assert_error(post(lwa, fields), 400, "invalid_grant",
                 "The request has an invalid grant parameter : code")


def test_authorization_code_for_another_redirect_uri(lwa: httpx.Client, strict: Running,
                                                     app: App, seller: Seller) -> None:
    code = strict.app.tokens.issue_code(app, seller, app.redirect_uris[0])
    fields = {"grant_type": "authorization_code", "code": code,
              "redirect_uri": "https://elsewhere.example/cb",
              "client_id": app.client_id, "client_secret": app.client_secret}
    assert_error(post(lwa, fields), 400, "invalid_grant",
                 "The request has an invalid grant parameter : code")


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["Atzr|IwEBInever-issued", "not-a-refresh-token"])
def test_unknown_refresh_token_is_invalid_grant(lwa: httpx.Client, app: App, token: str) -> None:
    assert_error(post(lwa, refresh_fields(app, token)), 400, "invalid_grant",
                 "The request has an invalid grant parameter : refresh_token")


@pytest.mark.parametrize("change", ["secret", "client_id", "missing_secret", "missing_both"])
def test_bad_client_credentials_are_invalid_client(lwa: httpx.Client, app: App,
                                                   refresh_token: str, change: str) -> None:
    fields = refresh_fields(app, refresh_token)
    if change == "secret":
        fields["client_secret"] += "x"
    elif change == "client_id":
        fields["client_id"] = "amzn1.application-oa2-client.unknown"
    elif change == "missing_secret":
        del fields["client_secret"]
    else:
        del fields["client_id"], fields["client_secret"]
    assert_error(post(lwa, fields), 401, "invalid_client", "Client authentication failed")


@pytest.mark.parametrize("grant_type", ["password", "implicit", "REFRESH_TOKEN"])
def test_unsupported_grant_type(lwa: httpx.Client, app: App, refresh_token: str,
                                grant_type: str) -> None:
    fields = {**refresh_fields(app, refresh_token), "grant_type": grant_type}
    assert_error(post(lwa, fields), 400, "unsupported_grant_type",
                 "The authorization grant type is not supported by the authorization server")


@pytest.mark.parametrize(("content_type", "content"), [
    (FORM, ""),  # empty body
    (FORM, "client_id=a&client_secret=b&refresh_token=Atzr%7Cx"),  # no grant_type
    (FORM, "grant_type=refresh_token&grant_type=refresh_token&refresh_token=Atzr%7Cx"),
    (FORM, "grant_type=refresh_token&client_id=a&client_secret=b"),  # no refresh_token
    (FORM, "grant_type=authorization_code&client_id=a&client_secret=b"),  # no code
    (FORM, "grant_type=refresh_token&refresh_token=%FF%FE"),  # not UTF-8
    ("application/json", "{not json"),
    ("application/json", '["grant_type", "refresh_token"]'),
    ("application/json", '{"grant_type": "refresh_token", "refresh_token": 42}'),
    ("text/plain", "grant_type=refresh_token&refresh_token=Atzr%7Cx"),
    ("multipart/form-data; boundary=x", "--x--"),
])
def test_malformed_requests(lwa: httpx.Client, content_type: str, content: str) -> None:
    assert_malformed(lwa.post(TOKEN_PATH, content=content,
                              headers={"Content-Type": content_type}))


def test_fields_in_the_query_string_are_not_read(lwa: httpx.Client, app: App,
                                                 refresh_token: str) -> None:
    # A classic mistake (models#1851): LWA reads the body only.
    response = lwa.post(TOKEN_PATH, params=refresh_fields(app, refresh_token),
                        headers={"Content-Type": FORM})
    assert_malformed(response)


def test_body_over_64_kb_is_malformed(lwa: httpx.Client, app: App, refresh_token: str) -> None:
    fields = {**refresh_fields(app, refresh_token), "padding": "x" * (64 * 1024)}
    assert_malformed(post(lwa, fields))


def test_error_index_differs_per_answer(lwa: httpx.Client) -> None:
    first = lwa.post(TOKEN_PATH, content="", headers={"Content-Type": FORM}).json()
    second = lwa.post(TOKEN_PATH, content="", headers={"Content-Type": FORM}).json()
    assert first["error_index"] != second["error_index"]


def test_checks_run_in_lwa_order(lwa: httpx.Client, app: App) -> None:
    bad_client = {"client_id": "amzn1.application-oa2-client.unknown", "client_secret": "s"}
    # Malformed beats everything: no grant type, bad client.
    assert_malformed(post(lwa, {**bad_client, "refresh_token": "Atzr|x"}))
    # Unsupported grant type beats client authentication.
    response = post(lwa, {**bad_client, "grant_type": "password"})
    assert response.json()["error"] == "unsupported_grant_type"
    # Client authentication beats the grant.
    response = post(lwa, {**bad_client, "grant_type": "refresh_token", "refresh_token": "Atzr|x"})
    assert response.json()["error"] == "invalid_client"
    response = post(lwa, {**bad_client, "grant_type": "client_credentials", "scope": "nope"})
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_get_a_json_405(lwa: httpx.Client, method: str) -> None:
    response = lwa.request(method, TOKEN_PATH)
    assert response.headers["allow"] == "POST"
    assert_error(response, 405, "invalid_request", "The request method must be POST")


def test_refresh_token_of_another_app_is_unauthorized_client(
        models_dir: Path, tmp_path: Path) -> None:
    accounts_file, other = accounts_with_second_app(tmp_path)
    with running(Settings(models_dir=models_dir, port=0, accounts_file=accounts_file)) as server:
        accounts = server.app.accounts
        token = accounts.refresh_token_of(accounts.sellers[0], accounts.apps[0])
        assert token is not None
        fields = {"grant_type": "refresh_token", "refresh_token": token,
                  "client_id": other["client_id"], "client_secret": other["client_secret"]}
        with httpx.Client(base_url=server.base_url) as http:
            assert_error(post(http, fields), 400, "unauthorized_client",
                         "Not authorized for requested operation")
            # The token's own app still gets its access token.
            assert_success(post(http, refresh_fields(accounts.apps[0], token)), token)


def test_nothing_logs_secrets_or_tokens(lwa: httpx.Client, app: App, refresh_token: str,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = [app.client_secret, refresh_token]
    responses = [
        post(lwa, refresh_fields(app, refresh_token)),
        post(lwa, {**refresh_fields(app, refresh_token), "client_secret": "wrong-secret"}),
        post(lwa, refresh_fields(app, "Atzr|IwEBIsecret-but-unknown")),
        post(lwa, grantless_fields(app, NOTIFICATIONS), "json"),
    ]
    secrets += ["wrong-secret", "Atzr|IwEBIsecret-but-unknown"]
    secrets += [r.json()["access_token"] for r in responses if r.status_code == 200]
    logged = caplog.text
    assert not any(secret in logged for secret in secrets)


# -- lifetimes and auth modes ----------------------------------------------------------------


def test_expires_in_follows_token_ttl(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, token_ttl=900)) as server:
        accounts = server.app.accounts
        app = accounts.apps[0]
        token = accounts.refresh_token_of(accounts.sellers[0], app)
        assert token is not None
        with httpx.Client(base_url=server.base_url) as http:
            access_token = assert_success(post(http, refresh_fields(app, token)), token, 900)
            grantless = assert_success(post(http, grantless_fields(app, ROTATION)), None, 900)
        for issued in (access_token, grantless):
            grant = server.app.tokens.lookup(issued)
            assert grant is not None
            assert grant.expires_at - server.app.clock.now() == pytest.approx(900, abs=5)


def invented_app() -> App:
    suffix = uuid.uuid4().hex
    return App(name="invented", client_id=f"amzn1.application-oa2-client.{suffix}",
               client_secret=f"amzn1.oa2-cs.v1.{suffix}", application_id="")


def test_strict_mode_refuses_invented_credentials(lwa: httpx.Client, app: App,
                                                  refresh_token: str) -> None:
    assert_error(post(lwa, refresh_fields(invented_app(), refresh_token)), 401,
                 "invalid_client", "Client authentication failed")
    assert_error(post(lwa, refresh_fields(app, "Atzr|IwEBIinvented")), 400, "invalid_grant",
                 "The request has an invalid grant parameter : refresh_token")


def seller_of(server: Running, response: httpx.Response) -> str:
    grant = server.app.tokens.lookup(response.json()["access_token"])
    assert grant is not None and grant.seller is not None
    return grant.seller.seller_id


def test_open_mode_takes_any_well_formed_credentials(open_server: Running) -> None:
    app = invented_app()
    with httpx.Client(base_url=open_server.base_url) as http:
        first = post(http, refresh_fields(app, "Atzr|IwEBIfirst-invented-token"))
        second = post(http, refresh_fields(app, "Atzr|IwEBIsecond-invented-token"), "json")
        assert_success(first, "Atzr|IwEBIfirst-invented-token")
        assert_success(second, "Atzr|IwEBIsecond-invented-token")
        assert seller_of(open_server, first) != seller_of(open_server, second)
        assert_success(post(http, grantless_fields(app, NOTIFICATIONS)), None)
        # Still LWA: a refresh token must look like one, and a grantless one needs a scope.
        assert_error(post(http, refresh_fields(app, "not-a-refresh-token")), 400,
                     "invalid_grant", "The request has an invalid grant parameter : refresh_token")
        assert_error(post(http, grantless_fields(app, None)), 400, "invalid_scope",
                     "The request has an invalid parameter : scope")
        assert_error(post(http, {**refresh_fields(app, "Atzr|x"), "client_secret": ""}), 401,
                     "invalid_client", "Client authentication failed")


def test_open_mode_seller_is_the_same_across_instances(open_server: Running,
                                                       models_dir: Path) -> None:
    token = f"Atzr|IwEBI{uuid.uuid4().hex}"
    sellers = []
    with running(Settings(models_dir=models_dir, port=0, auth="open")) as other:
        for server in (open_server, other):
            with httpx.Client(base_url=server.base_url) as http:
                response = post(http, refresh_fields(invented_app(), token))
                assert_success(response, token)
                sellers.append(seller_of(server, response))
    assert sellers[0] == sellers[1]


def test_open_mode_still_knows_the_registered_apps(open_server: Running) -> None:
    accounts = open_server.app.accounts
    app, seller = accounts.apps[0], accounts.sellers[1]
    token = accounts.refresh_token_of(seller, app)
    assert token is not None
    with httpx.Client(base_url=open_server.base_url) as http:
        response = post(http, refresh_fields(app, token))
        assert_success(response, token)
        assert seller_of(open_server, response) == seller.seller_id
        # A registered client id with the wrong secret is refused even in open mode.
        assert_error(post(http, {**refresh_fields(app, token), "client_secret": "x"}), 401,
                     "invalid_client", "Client authentication failed")


def test_auth_none_mode_lwa_works_as_open(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, auth="none")) as server, \
            httpx.Client(base_url=server.base_url) as http:
        response = post(http, refresh_fields(invented_app(), "Atzr|IwEBInone-mode"))
        assert_success(response, "Atzr|IwEBInone-mode")
        basic = base64.b64encode(b"no-colon-here").decode()
        response = http.post(TOKEN_PATH, data={"grant_type": "refresh_token",
                                               "refresh_token": "Atzr|x"},
                             headers={"Authorization": f"Basic {basic}"})
        assert_malformed(response)
