"""The LWA exchange (`POST /auth/o2/token`) as SP-API clients use it: the refresh-token grant
in a form (Python clients) and in JSON (Node clients), the client-credentials grant for
grantless operations, and LWA's refusals with their exact bodies."""

from __future__ import annotations

import pytest

from contracts.harness import Api

pytestmark = pytest.mark.sandbox_verified

# Well-formed, and valid nowhere.
UNKNOWN_REFRESH_TOKEN = "Atzr|IwEBIContractSuiteUnknownRefreshToken0000000000000000000000"
NOTIFICATIONS = "sellingpartnerapi::notifications"


def test_refresh_grant_in_a_form_gives_an_access_token(sandbox_api: Api) -> None:
    response = sandbox_api.exchange(sandbox_api.refresh_fields())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].lower().startswith("application/json")
    assert response.headers.get("cache-control") == "no-store"
    body = response.json()
    assert body["access_token"].startswith("Atza|")
    assert len(body["access_token"]) >= 350
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600 and isinstance(body["expires_in"], int)
    # The refresh grant echoes the refresh token it was given.
    assert body["refresh_token"] == sandbox_api.credentials.refresh_token


def test_refresh_grant_in_json_gives_an_access_token(sandbox_api: Api) -> None:
    response = sandbox_api.exchange(sandbox_api.refresh_fields(), as_json=True)
    assert response.status_code == 200, response.text
    assert response.json()["access_token"].startswith("Atza|")


def test_client_credentials_grant_gives_a_grantless_token(sandbox_api: Api) -> None:
    response = sandbox_api.exchange({
        "grant_type": "client_credentials", "scope": NOTIFICATIONS,
        "client_id": sandbox_api.credentials.client_id,
        "client_secret": sandbox_api.credentials.client_secret})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["access_token"].startswith("Atza|")
    assert body["token_type"] == "bearer"
    assert "refresh_token" not in body


def test_unknown_refresh_token_is_an_invalid_grant(sandbox_api: Api) -> None:
    response = sandbox_api.exchange({**sandbox_api.refresh_fields(),
                                     "refresh_token": UNKNOWN_REFRESH_TOKEN})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_grant"
    # Amazon sometimes adds ". User may have revoked or didn't grant the permission."
    assert body["error_description"].startswith(
        "The request has an invalid grant parameter : refresh_token")


def test_wrong_client_secret_is_an_invalid_client(sandbox_api: Api) -> None:
    response = sandbox_api.exchange({**sandbox_api.refresh_fields(),
                                     "client_secret": "amzn1.oa2-cs.v1." + "0" * 64})
    assert response.status_code == 401
    assert response.json() == {"error_description": "Client authentication failed",
                               "error": "invalid_client"}


def test_unknown_grant_type_is_unsupported(sandbox_api: Api) -> None:
    response = sandbox_api.exchange({**sandbox_api.refresh_fields(), "grant_type": "password"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_unknown_scope_is_an_invalid_scope(sandbox_api: Api) -> None:
    response = sandbox_api.exchange({
        "grant_type": "client_credentials", "scope": "sellingpartnerapi::nothing",
        "client_id": sandbox_api.credentials.client_id,
        "client_secret": sandbox_api.credentials.client_secret})
    assert response.status_code == 400
    assert response.json() == {"error_description":
                               "The request has an invalid parameter : scope",
                               "error": "invalid_scope"}
