"""The control plane: never answers SP-API tokens, describes itself, drives the clock."""

from __future__ import annotations

import httpx
from starlette.routing import Route

from emulator.auth.stage import NOTIFICATIONS_SCOPE
from emulator.control.openapi import control_openapi
from emulator.harness.embedded import Running
from tests.conftest import TokenSource


def test_refuses_seller_grantless_and_restricted_tokens(anonymous: httpx.Client,
                                                        tokens: TokenSource) -> None:
    for token in (tokens.seller(), tokens.grantless(NOTIFICATIONS_SCOPE),
                  tokens.rdt("GET", "/orders/v0/orders/1-2-3/address"), "Atza|anything"):
        for method, path in (("GET", "/_emulator/credentials"), ("GET", "/_emulator/journal"),
                             ("POST", "/_emulator/clock/advance")):
            response = anonymous.request(method, path, headers={"x-amz-access-token": token},
                                         json={"seconds": 1})
            assert response.status_code == 403, path
            assert response.json()["errors"][0]["code"] == "Unauthorized"


def test_credentials(anonymous: httpx.Client, emulator: Running) -> None:
    body = anonymous.get("/_emulator/credentials").json()
    app = emulator.app.accounts.apps[0]
    assert body["apps"][0]["client_id"] == app.client_id
    assert body["apps"][0]["client_secret"] == app.client_secret
    sellers = body["sellers"]
    assert len(sellers) >= 4 and {s["type"] for s in sellers} == {"seller", "vendor"}
    for seller in sellers:
        assert seller["refresh_token"].startswith("Atzr|")
        assert seller["seller_id"] and seller["marketplace_ids"]


def test_clock(anonymous: httpx.Client) -> None:
    before = anonymous.get("/_emulator/clock").json()
    after = anonymous.post("/_emulator/clock/advance", json={"seconds": 90}).json()
    assert after["offset_seconds"] == before["offset_seconds"] + 90
    assert after["now"] > before["now"]
    for bad in ({"seconds": -5}, {"seconds": "soon"}, {}, [1]):
        response = anonymous.post("/_emulator/clock/advance", json=bad)
        assert response.status_code == 400
    assert anonymous.post("/_emulator/clock/advance", content=b"{",
                          headers={"content-type": "application/json"}).status_code == 400


def test_openapi_describes_every_route(anonymous: httpx.Client, emulator: Running) -> None:
    document = anonymous.get("/_emulator/openapi.json").json()
    assert document == control_openapi(emulator.app.control_extensions.paths)
    described = {(path, method.upper()) for path, item in document["paths"].items()
                 for method in item}
    served = {(route.path, method) for route in emulator.app.control.app.app.app.routes
              if isinstance(route, Route) for method in (route.methods or ()) if method != "HEAD"}
    assert described == served
