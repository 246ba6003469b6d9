"""Cassettes: the scrubber keeps secrets and buyer PII out of them (unit by unit, and end to end
through vcrpy against the emulator), every committed cassette is scanned for secrets, and the
drift check finds answers the current models no longer accept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
import yaml
from vcr.request import Request

from emulator.config import FIXTURES
from emulator.harness import commands as contract_cli
from emulator.harness.cassettes.drift import DriftChecker
from emulator.harness.cassettes.pytest_config import CASSETTES, cassette_dir, recording_config
from emulator.harness.cassettes.scrub import (
    EMAIL,
    PLACEHOLDER,
    find_secrets,
    header_secrets,
    scrub_request,
    scrub_response,
)
from emulator.harness.cassettes.store import load_all, load_cassette
from emulator.harness.embedded import Running
from emulator.models.spec import ModelSet
from tests.conftest import TokenSource

SECRET = "amzn1.oa2-cs.v1.ab2b8a22755c4913700a8b79bab67fcb6d8543777b26f3ef81ac840e4b874229"
REFRESH = "Atzr|IwEBItrI4LsHP2HoG2FRbrSPdXNYlMIH0_sexwkc5X5Kc"
SIGNED = ("https://tortuga-prod-na.s3-external-1.amazonaws.com/%2FNinetyDays/amzn1.tortuga.4"
          "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z&X-Amz-Credential="
          "AKIAXXXXXXXX%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=8c9f0e1d")


def response(body: Any, headers: dict[str, list[str]] | None = None) -> dict[str, Any]:
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return {"status": {"code": 200, "message": "OK"}, "body": {"string": raw},
            "headers": {"Content-Length": [str(len(raw))], **(headers or {})}}


def scrubbed_body(body: Any) -> Any:
    return json.loads(scrub_response(response(body))["body"]["string"])


# -- the scrubber, piece by piece ------------------------------------------------------------


def test_lwa_form_request_loses_every_credential() -> None:
    body = (f"grant_type=refresh_token&refresh_token={REFRESH.replace('|', '%7C')}"
            f"&client_id=amzn1.application-oa2-client.12b716ced1db&client_secret={SECRET}")
    request = scrub_request(Request("POST", "https://api.amazon.com/auth/o2/token", body,
                                    {"Content-Length": str(len(body))}))
    assert request.body == (b"grant_type=refresh_token&refresh_token=Atzr%7CSCRUBBED"
                            b"&client_id=amzn1.application-oa2-client.SCRUBBED"
                            b"&client_secret=amzn1.oa2-cs.v1.SCRUBBED")
    assert request.headers["Content-Length"] == str(len(request.body))


def test_lwa_json_request_loses_every_credential() -> None:
    body = json.dumps({"grant_type": "refresh_token", "refresh_token": REFRESH,
                       "client_id": "my-client", "client_secret": "my-secret"})
    request = scrub_request(Request("POST", "http://127.0.0.1:9/auth/o2/token", body, {}))
    assert json.loads(request.body) == {
        "grant_type": "refresh_token", "refresh_token": "Atzr|SCRUBBED",
        "client_id": "amzn1.application-oa2-client.SCRUBBED",
        "client_secret": "amzn1.oa2-cs.v1.SCRUBBED"}


def test_tokens_in_headers_and_presigned_urls_are_scrubbed() -> None:
    request = scrub_request(Request("GET", SIGNED, b"", {
        "x-amz-access-token": "Atza|IwEBIabc", "Authorization": "AWS4-HMAC-SHA256 Credential=X",
        "user-agent": "App/1.0 (Language=Python)"}))
    assert request.headers["x-amz-access-token"] == "Atza|SCRUBBED"
    assert request.headers["Authorization"] == PLACEHOLDER
    assert request.headers["user-agent"] == "App/1.0 (Language=Python)"
    assert "X-Amz-Signature=SCRUBBED" in request.uri
    assert "X-Amz-Credential=SCRUBBED" in request.uri
    assert "X-Amz-Date=20260101T000000Z" in request.uri  # what is not secret stays


def test_token_answers_are_scrubbed() -> None:
    assert scrubbed_body({"access_token": "Atza|IwEBIxyz", "refresh_token": REFRESH,
                          "token_type": "bearer", "expires_in": 3600}) == {
        "access_token": "Atza|SCRUBBED", "refresh_token": "Atzr|SCRUBBED",
        "token_type": "bearer", "expires_in": 3600}
    assert scrubbed_body({"restrictedDataToken": "Atz.sprdt|IQEBLjAsAhRm", "expiresIn": 3600}) \
        == {"restrictedDataToken": "Atz.sprdt|SCRUBBED", "expiresIn": 3600}
    assert scrubbed_body({"url": SIGNED})["url"].endswith("X-Amz-Signature=SCRUBBED")


def test_buyer_pii_in_orders_v0_answers_is_scrubbed_keeping_types() -> None:
    address = {"Name": "Jane Doe", "AddressLine1": "1 Main St", "City": "SEATTLE",
               "PostalCode": "98121", "CountryCode": "US", "Phone": "+1 480-386-0930",
               "ExtendedFields": {"StreetName": "Main", "GeoCoordinates": {
                   "Latitude": 47.6, "Longitude": -122.3}}}
    body = scrubbed_body({"payload": {
        "ShippingAddress": address,
        "BuyerInfo": {"BuyerEmail": "jane@marketplace.amazon.com", "BuyerName": "Jane Doe",
                      "BuyerTaxInfo": {"CompanyLegalName": "Doe Inc"}},
        "DefaultShipFromLocationAddress": {"Name": "Warehouse", "City": "RENTON"}}})
    payload = body["payload"]
    assert payload["ShippingAddress"] == {
        "Name": PLACEHOLDER, "AddressLine1": PLACEHOLDER, "City": "SEATTLE",
        "PostalCode": "98121", "CountryCode": "US", "Phone": PLACEHOLDER,
        "ExtendedFields": {"StreetName": PLACEHOLDER,
                           "GeoCoordinates": {"Latitude": 0, "Longitude": 0}}}
    assert payload["BuyerInfo"] == {"BuyerEmail": EMAIL, "BuyerName": PLACEHOLDER,
                                    "BuyerTaxInfo": {"CompanyLegalName": PLACEHOLDER}}
    assert payload["DefaultShipFromLocationAddress"] == {"Name": PLACEHOLDER, "City": "RENTON"}


def test_buyer_pii_in_orders_2026_answers_is_scrubbed() -> None:
    body = scrubbed_body({"orders": [{
        "buyer": {"buyerName": "Jane", "buyerEmail": "j@example.org", "buyerCompanyName": "X"},
        "recipient": {"deliveryAddress": {"name": "Jane", "addressLine1": "1 Main St",
                                          "city": "Seattle", "phone": "555-0100"}},
        "productName": "Blue Mug"}]})
    order = body["orders"][0]
    assert order["buyer"] == {"buyerName": PLACEHOLDER, "buyerEmail": EMAIL,
                              "buyerCompanyName": PLACEHOLDER}
    assert order["recipient"]["deliveryAddress"] == {
        "name": PLACEHOLDER, "addressLine1": PLACEHOLDER, "city": "Seattle",
        "phone": PLACEHOLDER}
    assert order["productName"] == "Blue Mug"  # a name outside an address is no buyer's


def test_emails_in_text_documents_are_scrubbed_and_binary_is_left() -> None:
    text = scrub_response(response(b"order-id\tbuyer-email\n1\tjane@example.org\n"))
    assert text["body"]["string"] == f"order-id\tbuyer-email\n1\t{EMAIL}\n".encode()
    gzip = b"\x1f\x8b\x08\x00\xff\xfe"
    assert scrub_response(response(gzip))["body"]["string"] == gzip


def test_the_scanner_finds_what_the_scrubber_removes() -> None:
    leaks = [f"refresh_token={REFRESH}", "Atza|IwEBIabcdef", "Atz.sprdt|IQEBLjAsAhRm",
             SECRET, SIGNED, "write to jane@example.org",
             '{"ShippingAddress":{"Name":"Jane Doe","City":"X"}}',
             '{"BuyerInfo":{"BuyerName":"Jane Doe"}}']
    for leak in leaks:
        assert find_secrets(leak), leak
        scrubbed = scrub_response(response(leak.encode()))["body"]["string"].decode()
        assert find_secrets(scrubbed) == [], scrubbed
    assert header_secrets("x-amz-access-token", "Atza|IwEBIabc")
    assert header_secrets("x-amz-access-token", "Atza|SCRUBBED") == []


# -- end to end: vcrpy recording the emulator ------------------------------------------------


def test_a_recording_of_real_traffic_holds_no_secret(emulator: Running, tokens: TokenSource,
                                                     tmp_path: Path) -> None:
    """LWA, an RDT and an order's address with the buyer's PII, recorded through the same
    configuration the suites use: none of the secrets or the PII reach the file."""
    app, seller = emulator.app.accounts.apps[0], emulator.app.accounts.sellers[0]
    refresh = emulator.app.accounts.refresh_token_of(seller, app)
    assert refresh is not None
    state = emulator.app.store.of(seller)
    order = state.order_list[0]
    recorder = vcr.VCR(**recording_config(), record_mode="all")
    with recorder.use_cassette(str(tmp_path / "flow.yaml")), \
            httpx.Client(base_url=emulator.base_url) as http:
        access = http.post("/auth/o2/token", data={
            "grant_type": "refresh_token", "refresh_token": refresh,
            "client_id": app.client_id, "client_secret": app.client_secret}).json()["access_token"]
        path = f"/orders/v0/orders/{order.order_id}/address"
        rdt = http.post("/tokens/2021-03-01/restrictedDataToken",
                        headers={"x-amz-access-token": access},
                        json={"restrictedResources": [{"method": "GET", "path": path}]}
                        ).json()["restrictedDataToken"]
        address = http.get(path, headers={"x-amz-access-token": rdt}).json()
    name = address["payload"]["ShippingAddress"]["Name"]
    assert name == order.address.name  # the client saw the buyer's name ...
    text = (tmp_path / "flow.yaml").read_text()
    for secret in (refresh, app.client_secret, access, rdt, name):
        assert secret not in text  # ... the cassette did not
    assert _secrets_in(tmp_path) == []


# -- every committed cassette ----------------------------------------------------------------


def _secrets_in(root: Path) -> list[str]:
    found = []
    for item in load_all(root):
        texts = [item.uri, item.request_body.decode("utf-8", "replace"),
                 item.response_body.decode("utf-8", "replace")]
        problems = [p for text in texts for p in find_secrets(text)]
        for headers in (item.request_headers, item.response_headers):
            problems += [p for name, values in headers.items() for value in values
                         for p in header_secrets(name, value)]
        found += [f"{item.describe()}: {problem}" for problem in problems]
    return found


def test_committed_cassettes_hold_no_secrets() -> None:
    assert list(CASSETTES.rglob("*.yaml")), "fixtures/cassettes/ holds no cassette to scan"
    leaks = _secrets_in(CASSETTES)
    assert leaks == [], "\n".join(leaks)


def test_committed_cassettes_match_the_current_models(models: ModelSet) -> None:
    report = DriftChecker(models).check(CASSETTES)
    assert report.checked > 0
    assert report.drifts == [], report.format()


# -- drift -----------------------------------------------------------------------------------


def _cassette(path: Path, method: str, uri: str, status: int, body: str) -> Path:
    path.write_text(yaml.safe_dump({"version": 1, "interactions": [{
        "request": {"method": method, "uri": uri, "body": "", "headers": {}},
        "response": {"status": {"code": status, "message": ""}, "headers": {},
                     "body": {"string": body}}}]}))
    return path


@pytest.mark.parametrize(("method", "uri", "status", "body", "says"), [
    ("GET", "/sellers/v1/marketplaceParticipations", 200, '{"payload":[{"marketplace":1}]}',
     "body at payload/0/marketplace"),
    ("GET", "/sellers/v1/marketplaceParticipations", 418, "{}", "status 418 is not declared"),
    ("GET", "/reports/2021-06-30/reports/1", 200, "", "empty body"),
    ("GET", "/orders/v0/removed-operation", 200, "{}", "no operation in the current models"),
    ("POST", "/auth/o2/token", 200, '{"access_token":"Atza|SCRUBBED"}', "'token_type'"),
])
def test_drift_is_found(models: ModelSet, tmp_path: Path, method: str, uri: str,
                        status: int, body: str, says: str) -> None:
    _cassette(tmp_path / "c.yaml", method, f"http://127.0.0.1:1{uri}", status, body)
    drifts = DriftChecker(models).check(tmp_path).drifts
    assert any(says in drift.message for drift in drifts), drifts


def test_what_is_not_sp_api_is_skipped(models: ModelSet, tmp_path: Path) -> None:
    _cassette(tmp_path / "c.yaml", "GET", "http://127.0.0.1:1/_documents/doc?X-Amz-Date=1",
              200, "sku\tasin\n")
    report = DriftChecker(models).check(tmp_path)
    assert (report.checked, report.skipped, report.drifts) == (0, 1, [])


def test_check_command_exits_1_on_drift_and_0_without(
        models_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def check(directory: Path) -> int:
        return contract_cli.main(["cassettes", "check", str(directory),
                                  "--models", str(models_dir)])

    assert check(CASSETTES) == 0
    assert "no drift" in capsys.readouterr().out
    _cassette(tmp_path / "bad.yaml", "GET", "http://h/sellers/v1/marketplaceParticipations",
              418, "{}")
    assert check(tmp_path) == 1
    out = capsys.readouterr().out
    assert "bad.yaml #0 GET" in out and "1 drift(s)" in out
    assert contract_cli.main(["cassettes", "check", str(tmp_path / "none")]) == 2


def test_a_malformed_cassette_is_one_clear_error(models_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("interactions: 3\n")
    with pytest.raises(ValueError, match="not a vcrpy cassette"):
        load_cassette(tmp_path / "x.yaml")


def test_cassettes_of_a_suite_go_under_fixtures() -> None:
    test_file = FIXTURES.parent / "client_tests" / "test_python_amazon_sp_api.py"
    assert cassette_dir(test_file) == CASSETTES / "client_tests" / "test_python_amazon_sp_api"
    assert cassette_dir(FIXTURES.parent / "contracts" / "test_recorded.py", "sandbox-na") == \
        CASSETTES / "contracts" / "sandbox-na" / "test_recorded"
    assert recording_config()["match_on"] == ("method", "path", "query")
