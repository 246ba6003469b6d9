"""The replay server: recorded interactions served over HTTP, matched on method, path and query;
sequences played in order; document URLs of the recording rewritten to the server."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from emulator.config import FIXTURES
from emulator.harness import commands as contract_cli
from emulator.harness.replay import running_replay

RECORDED = "http://127.0.0.1:41234"
COMMITTED = FIXTURES / "cassettes" / "contracts" / "emulator"


def interaction(method: str, uri: str, status: int, body: str,
                headers: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """One interaction in vcrpy's cassette format."""
    return {"request": {"method": method, "uri": uri, "body": "", "headers": {}},
            "response": {"status": {"code": status, "message": ""},
                         "headers": {"content-type": ["application/json"],
                                     "content-length": ["999"], **(headers or {})},
                         "body": {"string": body}}}


def write(path: Path, *interactions: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"interactions": list(interactions), "version": 1}))
    return path


@pytest.fixture
def cassettes(tmp_path: Path) -> Path:
    report = f"{RECORDED}/reports/2021-06-30/reports/42"
    document = f"{RECORDED}/_documents/doc-1?X-Amz-Date=20261126T000000Z&X-Amz-Signature=SCRUBBED"
    write(tmp_path / "a" / "orders.yaml",
          interaction("GET", f"{RECORDED}/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER"
                      "&CreatedAfter=TEST_CASE_200", 200, '{"payload":{"Orders":[]}}',
                      {"x-amzn-RequestId": ["req-1"]}))
    write(tmp_path / "b" / "report.yml",
          interaction("GET", report, 200, '{"processingStatus":"IN_QUEUE"}'),
          interaction("GET", report, 200, '{"processingStatus":"DONE"}'),
          interaction("GET", f"{RECORDED}/reports/2021-06-30/documents/doc-1", 200,
                      f'{{"reportDocumentId":"doc-1","url":"{document}"}}'),
          interaction("GET", document, 200, "sku\tasin\n",
                      {"content-type": ["text/plain; charset=utf-8"]}))
    return tmp_path


def test_requests_match_on_method_path_and_query_in_any_order(cassettes: Path) -> None:
    with running_replay(cassettes) as (url, _, _):
        response = httpx.get(f"{url}/orders/v0/orders?CreatedAfter=TEST_CASE_200"
                             "&MarketplaceIds=ATVPDKIKX0DER")
        assert response.status_code == 200
        assert response.json() == {"payload": {"Orders": []}}
        assert response.headers["x-amzn-RequestId"] == "req-1"
        assert response.headers["content-length"] == str(len(response.content))
        assert httpx.post(f"{url}/orders/v0/orders?CreatedAfter=TEST_CASE_200"
                          "&MarketplaceIds=ATVPDKIKX0DER").status_code == 404


def test_unrecorded_request_is_404_not_recorded(cassettes: Path) -> None:
    with running_replay(cassettes) as (url, _, _):
        response = httpx.get(f"{url}/orders/v0/orders?MarketplaceIds=A2EUQ1WTGCTBG2")
    assert response.status_code == 404
    error = response.json()["errors"][0]
    assert error["code"] == "NotRecorded"
    assert error["message"] == ("No recorded interaction for GET /orders/v0/orders"
                                "?MarketplaceIds=A2EUQ1WTGCTBG2")


def test_a_sequence_plays_in_order_and_its_last_answer_repeats(cassettes: Path) -> None:
    with running_replay(cassettes) as (url, _, _):
        path = f"{url}/reports/2021-06-30/reports/42"
        statuses = [httpx.get(path).json()["processingStatus"] for _ in range(3)]
        assert statuses == ["IN_QUEUE", "DONE", "DONE"]
        listing = httpx.get(f"{url}/_replay/interactions").json()["interactions"]
        played = {i["path"]: (i["recorded"], i["played"]) for i in listing}
        assert played["/reports/2021-06-30/reports/42"] == (2, 3)
        assert httpx.post(f"{url}/_replay/reset").status_code == 204
        assert httpx.get(path).json()["processingStatus"] == "IN_QUEUE"


def test_document_urls_of_the_recording_point_at_the_replay_server(cassettes: Path) -> None:
    with running_replay(cassettes) as (url, _, _):
        document = httpx.get(f"{url}/reports/2021-06-30/documents/doc-1").json()
        assert document["url"].startswith(f"{url}/_documents/doc-1?")
        download = httpx.get(document["url"])
    assert download.status_code == 200
    assert download.text == "sku\tasin\n"
    assert download.headers["content-type"] == "text/plain; charset=utf-8"


def test_committed_cassettes_replay_a_whole_flow() -> None:
    """What a client in another language does against `spapi-emulator replay`: the recorded
    report lifecycle, LWA first, document last."""
    with running_replay(COMMITTED) as (url, _, _), httpx.Client(base_url=url) as http:
        token = http.post("/auth/o2/token", data={"grant_type": "refresh_token"}).json()
        assert token["access_token"] == "Atza|SCRUBBED"
        created = http.post("/reports/2021-06-30/reports", json={})
        assert created.status_code == 202
        report_path = f"/reports/2021-06-30/reports/{created.json()['reportId']}"
        statuses = [http.get(report_path).json()["processingStatus"] for _ in range(4)]
        assert statuses[0] == "IN_QUEUE" and statuses[-1] == "DONE"
        report = http.get(report_path).json()
        document = http.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}")
        url_of_document = document.json()["url"]
        assert url_of_document.startswith(f"{url}/_documents/")
        assert "X-Amz-Signature=SCRUBBED" in url_of_document
        download = http.get(url_of_document)
        assert download.status_code == 200
        assert download.text.startswith("sku\tasin")


def test_replay_command_serves_until_a_signal(tmp_path: Path, cassettes: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator.harness.commands", "replay", str(cassettes),
         "--port", "0"],
        stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    line = process.stderr.readline()
    try:
        match = re.search(r"replay on (http://\S+): 5 interactions", line)
        assert match, line
        response = httpx.get(f"{match.group(1)}/reports/2021-06-30/reports/42")
        assert response.json() == {"processingStatus": "IN_QUEUE"}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0


def test_replay_command_refuses_a_missing_directory(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert contract_cli.main(["replay", str(tmp_path / "nothing")]) == 2
    assert "no cassettes at" in capsys.readouterr().err
