"""Hostile input over HTTP: every case answers a 4xx (SP-API's envelope, LWA's, S3's or the
control plane's), leaves the state as it was and the emulator healthy afterwards."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.harness.embedded import Running
from tests.test_listings import BASE, US, new_listing, own_emulator, seller_client

JSON_HEADERS = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def server(models_dir: Path) -> Iterator[Running]:
    with own_emulator(models_dir) as running_server:
        yield running_server


@pytest.fixture(scope="module")
def sp(server: Running) -> Iterator[httpx.Client]:
    with seller_client(server) as client:
        yield client


@pytest.fixture
def control(server: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        yield client


def state_of(control: httpx.Client) -> Any:
    """The whole state, with the default seller generated (a test run alone has touched no
    seller yet, and a snapshot of no seller has nothing to break)."""
    control.get("/_emulator/state", params={"seller": "AUJZDE8GXD6NCF"}).raise_for_status()
    response = control.get("/_emulator/state")
    assert response.status_code == 200, response.text
    return response.json()


def assert_healthy(server: Running, sp: httpx.Client) -> None:
    orders = sp.get("/orders/v0/orders", params={"MarketplaceIds": US,
                                                  "CreatedAfter": "2020-01-01T00:00:00Z"})
    assert orders.status_code == 200, orders.text
    assert httpx.get(f"{server.base_url}/_emulator/health").status_code == 200


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert len(errors) == 1
    return dict(errors[0])


# -- SP-API bodies --------------------------------------------------------------------------

def put_raw(server: Running, sp: httpx.Client, sku: str, body: bytes) -> httpx.Response:
    seller = server.app.accounts.sellers[0].seller_id
    return sp.put(f"{BASE}/{seller}/{sku}", params={"marketplaceIds": US}, content=body,
                  headers=JSON_HEADERS)


def listing_with(value: str) -> bytes:
    """A valid LISTING put whose price is `value`, spelled as given (NaN, 1e999...)."""
    text = json.dumps(new_listing(price=123456.5))
    assert "123456.5" in text
    return text.replace("123456.5", value).encode()


@pytest.mark.parametrize(("body", "reason"), [
    (b'\xff\xfe{"productType": "KITCHEN"}', "it is not UTF-8 (invalid byte at offset 0)"),
    (listing_with("1.5").replace(b"KITCHEN", b"K\xe9TCHEN"),
     "it is not UTF-8 (invalid byte at offset 18)"),
    (listing_with("NaN"), "NaN is not a JSON number"),
    (listing_with("Infinity"), "Infinity is not a JSON number"),
    (listing_with("-Infinity"), "-Infinity is not a JSON number"),
    (listing_with("1e999"), "the number 1e999 is out of range"),
    (b'{"productType": ' + b"[" * 1000 + b"]" * 1000 + b"}", "it nests deeper than 64 levels"),
    (b'{"productType": ' + b"[" * 65 + b"]" * 65 + b"}", "it nests deeper than 64 levels"),
])
def test_bodies_that_are_not_strict_json_are_400_and_change_nothing(
        server: Running, sp: httpx.Client, control: httpx.Client, body: bytes,
        reason: str) -> None:
    before = state_of(control)
    error = error_of(put_raw(server, sp, "HOSTILE-1", body), 400)
    assert error == {"code": "InvalidInput",
                     "message": f"The request body is not valid JSON: {reason}.",
                     "details": ""}
    assert state_of(control) == before
    assert "HOSTILE-1" not in server.app.store.of(server.app.accounts.sellers[0]).listings
    assert_healthy(server, sp)


def test_the_same_put_with_a_finite_price_is_made(server: Running, sp: httpx.Client) -> None:
    """The bodies above differ from a good one only where they break JSON."""
    response = put_raw(server, sp, "HOSTILE-OK", listing_with("19.5"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ACCEPTED"


def test_every_json_operation_refuses_a_body_that_is_not_utf8(server: Running,
                                                              sp: httpx.Client) -> None:
    """Not only Listings: a POST body of another model, through the same validation."""
    response = sp.post("/reports/2021-06-30/reports", content=b'{"reportType": "\xff"}',
                       headers=JSON_HEADERS)
    assert error_of(response, 400)["message"].startswith("The request body is not valid JSON")


# -- LWA ------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b'{"grant_type": "refresh_token", "refresh_token": NaN}',
    b'{"grant_type": "refresh_token", "n": Infinity}',
    b'{"grant_type": "refresh_token", "refresh_token": "\xff"}',
    b"[" * 1000 + b"]" * 1000,
])
def test_lwa_refuses_json_that_is_not_strict(server: Running, body: bytes) -> None:
    response = httpx.post(f"{server.base_url}/auth/o2/token", content=body,
                          headers=JSON_HEADERS)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


# -- the clock ------------------------------------------------------------------------------

@pytest.mark.parametrize("seconds", [
    b"NaN", b"Infinity", b"-Infinity", b"1e999", b"1e300", b"-1", b"4e9",
    b"1" + b"0" * 400,
])
def test_clock_advances_that_are_not_finite_or_absurd_change_nothing(
        server: Running, sp: httpx.Client, control: httpx.Client, seconds: bytes) -> None:
    before = control.get("/_emulator/clock").json()["offset_seconds"]
    response = control.post("/_emulator/clock/advance", content=b'{"seconds": ' + seconds + b"}",
                            headers=JSON_HEADERS)
    assert error_of(response, 400)["code"] == "InvalidInput"
    assert control.get("/_emulator/clock").json()["offset_seconds"] == before
    assert_healthy(server, sp)


def test_the_clock_moves_at_most_a_century_ahead(control: httpx.Client) -> None:
    offset = control.get("/_emulator/clock").json()["offset_seconds"]
    century = 100 * 365.25 * 86400
    too_far = control.post("/_emulator/clock/advance",
                           json={"seconds": century - offset + 1})
    assert "100 years" in error_of(too_far, 400)["message"]


# -- control-plane bodies -------------------------------------------------------------------

def test_control_bodies_are_read_no_further_than_their_limit(server: Running,
                                                             control: httpx.Client) -> None:
    big = b'{"operation": "getOrders", "status": "500", "path": "' + b"x" * (2 << 20) + b'"}'
    declared = control.post("/_emulator/faults", content=big, headers=JSON_HEADERS)
    assert error_of(declared, 413)["code"] == "RequestEntityTooLarge"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while reading
        for start in range(0, len(big), 65536):
            yield big[start:start + 65536]

    streamed = control.post("/_emulator/faults", content=chunks(), headers=JSON_HEADERS)
    assert error_of(streamed, 413)["code"] == "RequestEntityTooLarge"
    assert control.get("/_emulator/faults").json() == {"faults": []}


@pytest.mark.parametrize("body", [
    b'{"operation": "getOrders", "status": "500", "probability": NaN}',
    b'{"operation": "getOrders", "status": "500", "probability": 1e999}',
    b'{"operation": "getOrders", "status": "\xff"}',
])
def test_fault_rules_in_json_that_is_not_strict_are_refused(control: httpx.Client,
                                                            body: bytes) -> None:
    response = control.post("/_emulator/faults", content=body, headers=JSON_HEADERS)
    assert error_of(response, 400)["message"].startswith("The body is not valid JSON")
    assert control.get("/_emulator/faults").json() == {"faults": []}


def test_fault_rules_naming_unknown_operations_are_refused(control: httpx.Client) -> None:
    response = control.post("/_emulator/faults",
                            json={"operation": "getOrder5", "status": "500"})
    message = error_of(response, 400)["message"]
    assert "unknown operation 'getOrder5'" in message and "getOrders" in message
    for known in ("getOrders", "ordersV0.getOrders"):
        made = control.post("/_emulator/faults", json={"operation": known, "status": "500",
                                                       "probability": 0})
        assert made.status_code == 201, made.text
    control.delete("/_emulator/faults")


# -- request heads --------------------------------------------------------------------------

def test_request_heads_past_16_kib_are_431_and_the_connection_closes(
        server: Running, sp: httpx.Client) -> None:
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        answer = b""
        try:
            for _ in range(64):  # 4 MB in all; the server answers and closes long before
                sock.sendall(b"a" * 65536)
        except OSError:
            pass
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b'"code":"RequestHeaderFieldsTooLarge"' in answer
    just_under = sp.get("/orders/v0/orders", params={"MarketplaceIds": US,
                                                      "CreatedAfter": "2020-01-01T00:00:00Z"},
                        headers={"x-padding": "a" * 12000})
    assert just_under.status_code == 200
    assert_healthy(server, sp)


# -- snapshot restores ----------------------------------------------------------------------

def _orders(snapshot: Any) -> list[dict[str, Any]]:
    seller = next(iter(snapshot["sellers"].values()))
    return list(seller["orders"])


def _break(snapshot: Any, how: str) -> Any:
    broken = json.loads(json.dumps(snapshot))
    seller = next(iter(broken["sellers"].values()))
    orders, listings, inventory = seller["orders"], seller["listings"], seller["inventory"]
    if how == "duplicate order id":
        orders.append(dict(orders[0]))
    elif how == "duplicate sku":
        listings.append(dict(listings[0]))
    elif how == "duplicate order item id":
        orders[0]["items"].append(dict(orders[0]["items"][0]))
    elif how == "date far past 2200":
        orders[0]["purchase_date"] = 1e300
    elif how == "negative date":
        orders[0]["last_update"] = -5.0
    elif how == "negative quantity":
        listings[0]["quantity"] = -3
    elif how == "more shipped than ordered":
        orders[0]["items"][0]["shipped"] = orders[0]["items"][0]["quantity"] + 1
    elif how == "order without items":
        orders[0]["items"] = []
    elif how == "unknown status":
        orders[0]["status"] = "Lost"
    elif how == "integer past 2**53":
        inventory[0]["fulfillable"] = 2**60
    elif how == "anchor past 2200":
        broken["anchor"] = 1e300
    elif how == "a billion orders":
        broken["shapes"]["*"]["orders"] = 10**9
    elif how == "shape that is not one":
        broken["shapes"]["*"]["orders"] = "many"
    return broken


@pytest.mark.parametrize("how", [
    "duplicate order id", "duplicate sku", "duplicate order item id", "date far past 2200",
    "negative date", "negative quantity", "more shipped than ordered", "order without items",
    "unknown status", "integer past 2**53", "anchor past 2200", "a billion orders",
    "shape that is not one",
])
def test_impossible_snapshots_are_refused_whole(server: Running, sp: httpx.Client,
                                                control: httpx.Client, how: str) -> None:
    before = state_of(control)
    response = control.put("/_emulator/state", json=_break(before, how))
    assert error_of(response, 400)["message"].startswith("Invalid snapshot, nothing restored")
    assert state_of(control) == before
    assert_healthy(server, sp)


@pytest.mark.parametrize("value", [b"NaN", b"Infinity", b"1e999"])
def test_snapshots_with_non_finite_numbers_are_refused_at_parse_time(
        server: Running, sp: httpx.Client, control: httpx.Client, value: bytes) -> None:
    before = state_of(control)
    text = json.dumps(before).encode()
    first_date = json.dumps(_orders(before)[0]["purchase_date"]).encode()
    broken = text.replace(first_date, value, 1)
    assert broken != text
    response = control.put("/_emulator/state", content=broken, headers=JSON_HEADERS)
    assert error_of(response, 400)["message"].startswith("The body is not valid JSON")
    assert state_of(control) == before
    assert_healthy(server, sp)


def test_a_good_snapshot_still_restores(control: httpx.Client) -> None:
    before = state_of(control)
    assert control.put("/_emulator/state", json=before).status_code == 200
    assert state_of(control) == before


# -- the model's limits ---------------------------------------------------------------------

@pytest.mark.parametrize(("url", "message"), [
    ("/supplySources/2020-07-01/supplySources?pageSize=NaN",
     "Invalid query parameter 'pageSize': expected a finite number."),
    ("/supplySources/2020-07-01/supplySources?pageSize=-Infinity",
     "Invalid query parameter 'pageSize': expected a finite number."),
    ("/fba/outbound/2020-07-01/tracking?packageNumber=2147483648",
     "Invalid query parameter 'packageNumber': 2147483648 is not a 'int32'."),
    ("/tax/invoices/2024-06-19/invoices?marketplaceId=BR&statuses=",
     "Invalid query parameter 'statuses': [] should be non-empty."),
    ("/aplus/2020-11-01/contentDocuments?marketplaceId=",
     "Invalid query parameter 'marketplaceId': '' should be non-empty."),
    ("/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId=ATVPDKIKX0DER"
     "&marketplaceIds=", "Missing required query parameter 'marketplaceIds'."),
])
def test_parameters_past_the_models_limits_are_400(sp: httpx.Client, url: str,
                                                   message: str) -> None:
    error = error_of(sp.get(url), 400)
    assert error["code"] == "InvalidInput" and error["message"] == message


def test_a_body_of_null_is_not_a_body_left_out(sp: httpx.Client) -> None:
    """updateSupplySourceStatus's body is optional, and an object: `null` is neither."""
    response = sp.put("/supplySources/2020-07-01/supplySources/0/status", content=b"null",
                      headers=JSON_HEADERS)
    assert error_of(response, 400)["message"] == (
        "Invalid request body: null is not of type 'object'.")


def test_dates_before_the_year_1000_keep_four_digits(sp: httpx.Client) -> None:
    response = sp.get("/orders/2026-01-01/orders", params={
        "lastUpdatedAfter": "0238-01-08T04:14:44Z", "lastUpdatedBefore": "0263-06-13T05:23:24Z"})
    assert response.status_code == 200, response.text
    assert response.json()["lastUpdatedBefore"] == "0263-06-13T05:23:24Z"


def test_the_largest_int32_is_accepted(sp: httpx.Client) -> None:
    """It passes validation: Multi-Channel Fulfillment has no such package (404)."""
    response = sp.get("/fba/outbound/2020-07-01/tracking?packageNumber=2147483647")
    assert response.status_code == 404, response.text
    assert response.json()["errors"][0]["code"] == "NotFound"


def test_errors_come_in_the_operations_content_type(sp: httpx.Client) -> None:
    """Messaging answers application/hal+json, its errors too."""
    response = sp.post("/messaging/v1/orders/123-1234567-1234567/messages/"
                       "confirmCustomizationDetails", params={"marketplaceIds": US},
                       content=b'{"text": 5}', headers=JSON_HEADERS)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/hal+json"
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_errors_take_the_shape_their_model_declares(sp: httpx.Client) -> None:
    """Listings Restrictions' errors are a bare list (its model, and Amazon's own sandbox
    case for a bad ASIN)."""
    response = sp.get("/listings/2021-08-01/restrictions", params={
        "asin": "B0000ASIN1", "sellerId": "A1", "marketplaceIds": US, "conditionType": "worn"})
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == "InvalidInput"


def test_error_messages_stay_within_the_models_max_length(sp: httpx.Client) -> None:
    """Fulfillment Inbound 2024-03-20 allows 2048 characters of message; a refused value of
    10,000 characters is not echoed whole."""
    response = sp.get("/inbound/fba/2024-03-20/inboundPlans",
                      params={"pageSize": "x" * 10_000})
    error = error_of(response, 400)
    assert len(error["message"]) <= 2048
    assert error["message"].startswith("Invalid query parameter 'pageSize'")


@pytest.fixture(scope="module")
def body_operations(server: Running) -> list[Any]:
    return [op for op in server.app.models.operations if op.body_parameter is not None]


@pytest.mark.parametrize("body", [b'{"a": "\xff\xfe"}', b'{"a": NaN}', b"[" * 500 + b"]" * 500])
def test_no_operation_answers_a_hostile_body_with_a_5xx(server: Running, control: httpx.Client,
                                                        body_operations: list[Any],
                                                        body: bytes) -> None:
    """Every operation that takes a JSON body (148), with the token it needs: a 4xx."""
    from tests.conftest import TokenSource
    from tests.fuzzing import sample_path

    tokens = TokenSource(server)
    before = state_of(control)
    failures = []
    for operation in body_operations:
        path = sample_path(operation)
        try:
            token = tokens.for_request(operation, path)
        except AssertionError:
            token = tokens.seller()
        response = control.request(operation.method, path, content=body,
                                   headers={**JSON_HEADERS, "x-amz-access-token": token})
        if not 400 <= response.status_code < 500:
            failures.append(f"{operation.uid}: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert len(body_operations) == 148
    assert state_of(control) == before
