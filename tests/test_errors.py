"""Requests that break the model get SP-API's envelope: 400 InvalidInput naming the parameter,
413 for oversized bodies; never problem+json, never a 500."""

from __future__ import annotations

import httpx
import pytest

ORDERS = "/orders/v0/orders"
US = "ATVPDKIKX0DER"


def _single_error(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["errors"] and len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["code"] == code
    assert set(error) == {"code", "message", "details"}
    return error


REPORTS = "/reports/2021-06-30/reports"


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        (ORDERS, {"CreatedAfter": "2024-01-01T00:00:00Z"}, "MarketplaceIds"),  # missing required
        (REPORTS, {"createdSince": "yesterday"}, "createdSince"),  # bad date-time
        (REPORTS, {"pageSize": "many"}, "pageSize"),  # wrong type
        (REPORTS, {"processingStatuses": "DONE,LOST"}, "processingStatuses"),  # bad enum
        (REPORTS, {"pageSize": "101"}, "pageSize"),  # above the model's maximum
        (REPORTS, {"reportTypes": ",".join(["A"] * 11)}, "reportTypes"),  # too many items
        (ORDERS, {"MarketplaceIds": US, "IsISPU": "maybe"}, "IsISPU"),  # not a boolean
    ],
)
def test_bad_parameters_name_the_parameter(client: httpx.Client, path: str,
                                           params: dict[str, str], name: str) -> None:
    error = _single_error(client.get(path, params=params), 400, "InvalidInput")
    assert f"'{name}'" in error["message"]


def test_bad_body_is_invalid_input(client: httpx.Client) -> None:
    url = "/reports/2021-06-30/reports"
    error = _single_error(
        client.post(url, content=b"{not json", headers={"content-type": "application/json"}),
        400, "InvalidInput",
    )
    assert "not valid JSON" in error["message"]
    error = _single_error(client.post(url, json={"marketplaceIds": [US]}), 400, "InvalidInput")
    assert "reportType" in error["message"]
    error = _single_error(
        client.post(url, json={"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
                               "marketplaceIds": [US], "dataStartTime": "last week"}),
        400, "InvalidInput",
    )
    assert "dataStartTime" in error["message"]
    error = _single_error(client.post(url), 400, "InvalidInput")
    assert "body" in error["message"]


def test_wrong_content_type_is_invalid_input(client: httpx.Client) -> None:
    response = client.post(
        "/reports/2021-06-30/reports",
        content=b"reportType=GET_MERCHANT_LISTINGS_ALL_DATA",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    error = _single_error(response, 400, "InvalidInput")
    assert "Content-Type" in error["message"]


def test_content_type_on_a_get_without_body_is_fine(client: httpx.Client) -> None:
    # python-amazon-sp-api and the Node clients send a Content-Type on every GET.
    response = client.get(ORDERS, params={"MarketplaceIds": US, "CreatedAfter": "2024-01-01"},
                          headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200, response.text


def test_empty_path_parameter_is_invalid_input(client: httpx.Client) -> None:
    error = _single_error(client.get("/orders/v0/orders//orderItems"), 400, "InvalidInput")
    assert "'orderId'" in error["message"]


def test_oversized_body_is_413(client: httpx.Client, emulator: object) -> None:
    limit = emulator.app.settings.max_body_bytes  # type: ignore[attr-defined]
    response = client.post("/feeds/2021-06-30/documents", content=b"x" * (limit + 1),
                           headers={"content-type": "application/json"})
    _single_error(response, 413, "RequestEntityTooLarge")


def test_errors_are_never_problem_json(client: httpx.Client) -> None:
    for response in (
        client.get(ORDERS),
        client.post("/reports/2021-06-30/reports", content=b"[", headers={"content-type": "x/y"}),
        client.get("/nowhere"),
    ):
        assert response.headers["content-type"] == "application/json"
        assert "errors" in response.json()
