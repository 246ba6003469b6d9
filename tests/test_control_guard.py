"""The guard in front of the control plane (emulator/control/guard.py): only this machine's
names or --public-url's, no foreign web page, JSON writes, no encoded slashes, and the control
token when one is set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.config import Settings
from emulator.harness.embedded import Running, running

TOKEN = "a-control-token-of-this-test"


@pytest.fixture(scope="module")
def guarded(models_dir: Path) -> Iterator[Running]:
    settings = Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                        public_url="http://emulator.test:8000", control_token=TOKEN)
    with running(settings) as server:
        yield server


@pytest.fixture
def plane(emulator: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator.base_url, timeout=30) as client:
        yield client


def code_of(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["errors"][0]["code"])


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000",
                                  "localhost.evil.example", "127.0.0.1.nip.io", ""])
def test_other_hosts_are_refused(plane: httpx.Client, host: str) -> None:
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: the Host header shows it."""
    response = plane.get("/_emulator/credentials", headers={"host": host})
    assert code_of(response, 403) == "Forbidden"
    assert "client_secret" not in response.text


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST:1234", "[::1]:8000",
                                  "192.168.1.20:8000"])
def test_this_machines_names_are_answered(plane: httpx.Client, host: str) -> None:
    assert plane.get("/_emulator/clock", headers={"host": host}).status_code == 200


def test_sp_api_paths_ignore_host(emulator: Running) -> None:
    """Only the control plane checks Host: SP-API clients send Amazon's (README)."""
    response = httpx.get(f"{emulator.base_url}/orders/v0/orders",
                         headers={"host": "sellingpartnerapi-na.amazon.com"})
    assert response.status_code == 403  # no token, not a refused host
    assert response.json()["errors"][0]["message"] == "Access to requested resource is denied."


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "https://127.0.0.1.evil.example",
                                    "http://192.168.1.20:8000", "http://localhost:1"])
def test_pages_of_other_origins_are_refused(plane: httpx.Client, origin: str) -> None:
    for method, path, body in (("GET", "/_emulator/credentials", None),
                               ("POST", "/_emulator/clock/advance", {"seconds": 1})):
        response = plane.request(method, path, json=body, headers={"origin": origin})
        assert code_of(response, 403) == "Forbidden", (method, origin)


def test_same_origin_pages_are_answered(plane: httpx.Client, emulator: Running) -> None:
    response = plane.post("/_emulator/clock/advance", json={"seconds": 1},
                          headers={"origin": emulator.base_url})
    assert response.status_code == 200


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_writes_must_be_json(plane: httpx.Client, content_type: str | None) -> None:
    """What an HTML form or a fetch without a CORS preflight can send is refused."""
    before = plane.get("/_emulator/clock").json()["offset_seconds"]
    headers = {"content-type": content_type} if content_type else {}
    for path in ("/_emulator/clock/advance", "/_emulator/reset"):
        response = plane.post(path, content=b'{"seconds": 3600}', headers=headers)
        assert code_of(response, 415) == "UnsupportedMediaType"
    assert plane.get("/_emulator/clock").json()["offset_seconds"] == before
    json_charset = plane.post("/_emulator/clock/advance", content=b'{"seconds": 0}',
                              headers={"content-type": "application/json; charset=utf-8"})
    assert json_charset.status_code == 200


@pytest.mark.parametrize("path", ["/_emulator%2Fcredentials", "/_emulator%2fstate",
                                  "/%5Femulator/credentials", "/%5f%65mulator/clock"])
def test_encoded_control_paths_never_reach_it(emulator: Running, path: str) -> None:
    """Dispatch is on the path as sent: these are SP-API paths no operation has."""
    with httpx.Client(base_url=emulator.base_url) as client:
        response = client.get(path)
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert "client_secret" not in response.text


def test_encoded_slashes_inside_control_routes_are_not_routes(plane: httpx.Client) -> None:
    assert code_of(plane.delete("/_emulator/faults/a%2Fb"), 404) == "NotFound"


def test_the_control_token_is_asked_for_when_set(guarded: Running) -> None:
    with httpx.Client(base_url=guarded.base_url, timeout=30) as client:
        assert code_of(client.get("/_emulator/credentials"), 401) == "Unauthorized"
        wrong = client.get("/_emulator/credentials",
                           headers={"x-emulator-control-token": TOKEN + "x"})
        assert code_of(wrong, 401) == "Unauthorized"
        right = client.get("/_emulator/credentials", headers={"x-emulator-control-token": TOKEN})
        assert right.status_code == 200 and right.json()["apps"]
        # Readiness probes need no token.
        assert client.get("/_emulator/health").status_code == 200
        # --public-url's host is one of the emulator's names.
        public = client.get("/_emulator/clock", headers={
            "host": "emulator.test:8000", "x-emulator-control-token": TOKEN})
        assert public.status_code == 200
