"""The validating proxy: a deliberately wrong client, one mistake at a time, gets each kind of
violation reported; a correct client (requests shaped like python-amazon-sp-api's) gets a clean
report; the process exits non-zero at shutdown when violations were found."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.gateway.wire import json_reply
from emulator.harness import commands as contract_cli
from emulator.harness.embedded import Running
from emulator.harness.proxy.checks import (
    is_envelope,
    lwa_answer_problems,
    response_findings,
    user_agent_finding,
)
from emulator.harness.proxy.kinds import KINDS
from emulator.harness.proxy.runner import ProxySettings, RunningProxy, running_proxy
from emulator.harness.proxy.upstream import resolve
from emulator.models.spec import ModelSet
from tests.conftest import TokenSource, handler_swapped

AGENT = "MySellingTool/2.0 (Language=Python/3.11; Platform=Linux)"
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
REPORTS = "/reports/2021-06-30/reports"


@pytest.fixture(scope="module")
def proxy(emulator: Running, models_dir: Path) -> Iterator[RunningProxy]:
    with running_proxy(ProxySettings(upstream=emulator.base_url, models_dir=models_dir,
                                     port=0)) as running:
        yield running


@pytest.fixture
def through(proxy: RunningProxy, tokens: TokenSource) -> Iterator[httpx.Client]:
    """A client of the proxy with the seller's token and a proper User-Agent; the report
    starts empty."""
    proxy.report.clear()
    with httpx.Client(base_url=proxy.base_url, timeout=30, headers={
            "x-amz-access-token": tokens.seller(), "user-agent": AGENT}) as http:
        yield http


def kinds(proxy: RunningProxy) -> list[str]:
    return [v.kind for v in proxy.report.violations]


def lwa_form(emulator: Running, **overrides: str) -> dict[str, str]:
    app, seller = emulator.app.accounts.apps[0], emulator.app.accounts.sellers[0]
    token = emulator.app.accounts.refresh_token_of(seller, app)
    assert token is not None
    return {"grant_type": "refresh_token", "refresh_token": token,
            "client_id": app.client_id, "client_secret": app.client_secret, **overrides}


# -- a correct client ------------------------------------------------------------------------


def test_a_correct_client_gets_a_clean_report(proxy: RunningProxy, emulator: Running) -> None:
    proxy.report.clear()
    # Shaped like python-amazon-sp-api's requests: a form LWA exchange, comma-joined lists with
    # the comma percent-encoded, x-amz-date, Content-Type application/json even on GETs.
    with httpx.Client(base_url=proxy.base_url, timeout=30) as http:
        lwa = http.post("/auth/o2/token", data=lwa_form(emulator), headers={
            "content-type": "application/x-www-form-urlencoded;charset=UTF-8"})
        assert lwa.status_code == 200
        headers = {"x-amz-access-token": lwa.json()["access_token"], "user-agent": AGENT,
                   "x-amz-date": "20261126T161708Z", "content-type": "application/json"}
        orders = http.get(f"/orders/v0/orders?MarketplaceIds={US}%2C{CA}"
                          "&CreatedAfter=2024-01-01T00%3A00%3A00Z", headers=headers)
        assert orders.status_code == 200
        created = http.post(REPORTS, headers=headers, json={
            "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]})
        assert created.status_code == 202
        report = http.get(f"{REPORTS}/{created.json()['reportId']}", headers=headers)
        assert report.status_code == 200
    assert proxy.report.violations == []
    assert proxy.report.as_dict()["requests"] == 4
    assert "x-spapi-proxy-violations" not in orders.headers


def test_documents_go_through_a_proxy_that_started_the_emulator(models_dir: Path) -> None:
    settings = ProxySettings(upstream="emulator", models_dir=models_dir, port=0)
    with running_proxy(settings) as proxy, httpx.Client(base_url=proxy.base_url,
                                                        timeout=30) as http:
        assert proxy.emulator is not None
        lwa = http.post("/auth/o2/token", data=lwa_form(proxy.emulator))
        headers = {"x-amz-access-token": lwa.json()["access_token"], "user-agent": AGENT}
        created = http.post("/feeds/2021-06-30/documents", headers=headers,
                            json={"contentType": "text/tab-separated-values; charset=UTF-8"})
        assert created.status_code == 201
        url = created.json()["url"]
        assert url.startswith(proxy.base_url + "/_documents/")
        upload = http.put(url, content=b"sku\tprice\n",
                          headers={"content-type": "text/tab-separated-values; charset=UTF-8"})
        assert upload.status_code == 200
        assert proxy.report.violations == []
        # The upload went through the proxy (its URL) unchecked: documents are not SP-API.
        assert proxy.report.as_dict()["operations"] == {
            "LWA": 1, "feeds_2021-06-30.createFeedDocument": 1}


# -- a wrong client, one mistake at a time ---------------------------------------------------

Send = Callable[[httpx.Client], httpx.Response]
TOKENLESS = {"x-amz-access-token": ""}

MISTAKES: list[tuple[str, Send, str]] = [
    ("unknown-operation", lambda c: c.get("/orders/v0/orderz"), "/orders/v0/orderz"),
    ("missing-access-token",
     lambda c: c.get("/orders/v0/orders", params={"MarketplaceIds": US}, headers=TOKENLESS),
     "x-amz-access-token"),
    ("user-agent", lambda c: c.get("/sellers/v1/marketplaceParticipations",
                                   headers={"user-agent": "python-sp-api-2.1.35"}),
     "not 'AppName/Version"),
    ("user-agent", lambda c: c.get("/sellers/v1/marketplaceParticipations",
                                   headers={"user-agent": f"App/1.0 (Language={'x' * 500})"}),
     "rejects more than 500"),
    ("unknown-parameter",
     lambda c: c.get("/orders/v0/orders", params={"MarketplaceIds": US, "Foo": "1"}), "'Foo'"),
    ("unknown-parameter", lambda c: c.get("/orders/v0/orders", params={"marketplaceIds": US}),
     "did you mean 'MarketplaceIds'"),
    ("list-encoding",
     lambda c: c.get("/orders/v0/orders", params=[("MarketplaceIds", US), ("MarketplaceIds", CA)]),
     "collectionFormat csv"),
    ("list-encoding", lambda c: c.get("/inbound/fba/2024-03-20/items/compliance",
                                      params={"mskus": "SKU-1,SKU-2", "marketplaceId": US}),
     "collectionFormat multi"),
    ("list-encoding", lambda c: c.get("/orders/v0/orders", params=[
        ("MarketplaceIds", US), ("CreatedAfter", "2024-01-01"), ("CreatedAfter", "2024-02-01")]),
     "sent 2 times"),
    ("missing-parameter", lambda c: c.get("/orders/v0/orders", params={
        "CreatedAfter": "2024-01-01"}), "'MarketplaceIds'"),
    ("parameter-type", lambda c: c.get(REPORTS, params={"pageSize": "ten"}), "'integer'"),
    ("parameter-enum", lambda c: c.get(REPORTS, params={"processingStatuses": "FINISHED"}),
     "'FINISHED' is not one of"),
    ("parameter-format", lambda c: c.get(REPORTS, params={"createdSince": "03/07/2023"}),
     "'date-time'"),
    ("parameter-value", lambda c: c.get(REPORTS, params={"pageSize": "500"}),
     "maximum of 100"),
    ("content-type", lambda c: c.post(REPORTS, content=b'{"reportType":"X"}',
                                      headers={"content-type": "text/plain"}),
     "Invalid Content-Type 'text/plain'"),
    ("content-type", lambda c: c.post(REPORTS, content=b'{"reportType":"X"}'),
     "without a Content-Type"),
    ("body-schema", lambda c: c.post(REPORTS, json={"marketplaceIds": [US]}),
     "'reportType' is a required property"),
    ("body-schema", lambda c: c.post(REPORTS, content=b'{"reportType":',
                                     headers={"content-type": "application/json"}),
     "not valid JSON"),
    ("lwa-request", lambda c: c.post("/auth/o2/token", data={"client_id": "x"}),
     "invalid_request"),
    ("lwa-request", lambda c: c.post("/auth/o2/token", data={
        "grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}),
     "lacks scope"),
]


@pytest.mark.parametrize(("kind", "send", "says"), MISTAKES,
                         ids=[f"{kind}-{i}" for i, (kind, _, _) in enumerate(MISTAKES)])
def test_each_mistake_is_reported(proxy: RunningProxy, through: httpx.Client, kind: str,
                                  send: Send, says: str) -> None:
    response = send(through)
    found = [v for v in proxy.report.violations if v.kind == kind]
    assert found, f"expected {kind}, got {kinds(proxy)}"
    assert says in found[0].message
    assert found[0].direction == "request"
    # The client still gets the upstream's own answer, and a header naming what was wrong.
    assert kind in response.headers["x-spapi-proxy-violations"].split(",")
    if response.headers.get("x-amzn-RequestId"):
        assert found[0].request_id == response.headers["x-amzn-RequestId"]


def test_every_kind_of_request_mistake_is_exercised() -> None:
    request_kinds = {k for k in KINDS if not k.startswith(("response-", "lwa-response",
                                                           "upstream"))}
    assert request_kinds == {kind for kind, _, _ in MISTAKES}


# -- wrong answers ---------------------------------------------------------------------------


def _answering(status: int, value: Any) -> Callable[[Any], Any]:
    async def handler(call: Any) -> Any:
        return json_reply(status, value)
    return handler


@pytest.mark.parametrize(("status", "value", "expected"), [
    (200, {"payload": [{"marketplace": {"id": 42}}]}, {"response-schema"}),
    (418, {"teapot": True}, {"response-status", "response-envelope"}),
])
def test_answers_that_break_the_model_are_reported(proxy: RunningProxy, through: httpx.Client,
                                                   emulator: Running, status: int, value: Any,
                                                   expected: set[str]) -> None:
    uid = "sellers.getMarketplaceParticipations"
    with handler_swapped(emulator, uid, _answering(status, value)):
        response = through.get("/sellers/v1/marketplaceParticipations")
    assert response.status_code == status
    found = {v.kind for v in proxy.report.violations}
    assert found == expected
    assert all(v.direction == "response" and v.operation == uid
               for v in proxy.report.violations)


def test_response_checks_of_headers_and_envelopes(models: ModelSet) -> None:
    operation = models.operation("sellers.getMarketplaceParticipations")
    errors = b'{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota."}]}'
    assert [f.kind for f in response_findings(operation, 429, {}, errors)] == \
        ["response-header"]
    assert [f.kind for f in response_findings(None, 403, {"x-amzn-requestid": "r"},
                                              b"<html>denied</html>")] == ["response-envelope"]
    assert response_findings(None, 403, {"x-amzn-requestid": "r"}, errors) == []
    assert not is_envelope({"errors": [{"code": "X"}]})


def test_lwa_answer_shapes() -> None:
    good = b'{"access_token":"Atza|x","token_type":"bearer","expires_in":3600}'
    assert lwa_answer_problems(200, good) == []
    assert lwa_answer_problems(200, b'{"access_token":"Atza|x","token_type":"bearer",'
                                    b'"expires_in":"3600"}') == \
        ["'expires_in' is missing or not an integer"]
    assert lwa_answer_problems(400, b'{"error":"invalid_grant"}') == \
        ["'error_description' is missing from the LWA error"]
    assert lwa_answer_problems(500, b"<html/>") == ["the LWA answer is not JSON"]


@pytest.mark.parametrize(("agent", "ok"), [
    ("My Selling Tool/2.0 (Language=Java/1.8.0.221; Platform=Windows/10)", True),
    ("MyCompanyName/build1611 (Language=Perl; Host=jane.desktop.example.com)", True),
    ("AppId/AppVersionId (Language=LanguageNameAndOptionallyVersion)", True),
    ("amazon-sp-api/1.2.1 (Language=Node.js/v20.11.0; Platform=linux)", True),
    ("amazon-selling-partner-api-sdk/1.13.0/python", False),
    ("python-sp-api-2.1.35", False),
    ("App/1.0 (Platform=Linux)", False),
    (None, False),
])
def test_user_agent_follows_amazons_guidance(agent: str | None, ok: bool) -> None:
    assert (user_agent_finding(agent) is None) is ok


# -- the report ------------------------------------------------------------------------------


def test_live_report_lists_violations_with_request_ids(proxy: RunningProxy,
                                                       through: httpx.Client) -> None:
    response = through.get("/orders/v0/orders", params={"CreatedAfter": "2024-01-01"})
    report = httpx.get(f"{proxy.base_url}/_proxy/report").json()
    assert report["requests"] == 1
    assert report["by_kind"] == {"missing-parameter": 1}
    assert report["violations"] == [{
        "request_id": response.headers["x-amzn-RequestId"], "operation": "ordersV0.getOrders",
        "method": "GET", "path": "/orders/v0/orders", "kind": "missing-parameter",
        "message": "Missing required query parameter 'MarketplaceIds'.",
        "direction": "request"}]
    assert report["kinds"]["missing-parameter"] == KINDS["missing-parameter"]
    assert httpx.delete(f"{proxy.base_url}/_proxy/report").status_code == 204
    assert httpx.get(f"{proxy.base_url}/_proxy/report").json()["requests"] == 0


def test_ignored_kinds_do_not_count(emulator: Running, models_dir: Path,
                                    tokens: TokenSource) -> None:
    settings = ProxySettings(upstream=emulator.base_url, models_dir=models_dir, port=0,
                             ignore=frozenset({"user-agent"}))
    with running_proxy(settings) as proxy:
        httpx.get(f"{proxy.base_url}/sellers/v1/marketplaceParticipations",
                  headers={"x-amz-access-token": tokens.seller()})
        assert proxy.report.violations == []
        assert proxy.report.as_dict()["ignored"] == {"kinds": ["user-agent"], "count": 1}


def test_upstreams_are_named_or_urls() -> None:
    assert resolve("sandbox-eu").base_url == "https://sandbox.sellingpartnerapi-eu.amazon.com"
    assert resolve("sandbox-fe").lwa_url == "https://api.amazon.com/auth/o2/token"
    assert resolve("http://127.0.0.1:9000/").lwa_url == "http://127.0.0.1:9000/auth/o2/token"
    assert resolve("emulator").embedded
    with pytest.raises(ValueError, match="--upstream"):
        resolve("sandbox-us")


# -- the command -----------------------------------------------------------------------------


def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`python -m emulator.harness.commands proxy ...` on a free port; returns it and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator.harness.commands", "proxy", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    assert process.stderr is not None
    line = process.stderr.readline()
    match = re.search(r"proxy on (http://\S+) ", line)
    if match is None:
        process.kill()
        raise AssertionError(f"the proxy did not start: {line}{process.stderr.read()}")
    return process, match.group(1)


def _stop(process: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, str]:
    process.send_signal(sig)
    _, err = process.communicate(timeout=30)
    return process.returncode, err


def test_process_exits_1_and_writes_the_report_when_violations_were_found(
        models_dir: Path, tmp_path: Path) -> None:
    report_file = tmp_path / "report.json"
    process, url = _start("--upstream", "emulator", "--models", str(models_dir),
                          "--report", str(report_file))
    try:
        assert httpx.get(f"{url}/orders/v0/orders", params={"MarketplaceIds": US},
                         headers={"user-agent": AGENT}).status_code == 403
    finally:
        code, err = _stop(process, signal.SIGTERM)
    assert code == 1
    report = json.loads(report_file.read_text())
    assert [v["kind"] for v in report["violations"]] == ["missing-access-token"]
    assert "1 violation" in err and "missing-access-token" in err


def test_process_exits_0_when_the_client_was_right(models_dir: Path) -> None:
    process, url = _start("--upstream", "emulator", "--models", str(models_dir))
    try:
        credentials = httpx.get(f"{url}/_emulator/credentials").json()
        app, seller = credentials["apps"][0], credentials["sellers"][0]
        lwa = httpx.post(f"{url}/auth/o2/token", data={
            "grant_type": "refresh_token", "refresh_token": seller["refresh_token"],
            "client_id": app["client_id"], "client_secret": app["client_secret"]})
        assert lwa.status_code == 200
    finally:
        code, err = _stop(process, signal.SIGINT)
    assert code == 0, err
    assert "0 violations" in err


def test_bad_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert contract_cli.main(["proxy", "--upstream", "sandbox-us"]) == 2
    assert "--upstream must be" in capsys.readouterr().err
    assert contract_cli.main(["proxy", "--ignore", "user-agent,typo"]) == 2
    assert "--ignore: unknown kinds typo" in capsys.readouterr().err
