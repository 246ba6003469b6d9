"""The state file (`--state-file`) over restarts: everything a client creates comes back
(reports, documents and uploads, feeds, schedules, notification destinations, subscriptions
and messages, the clock), ids go on without repeating, lifecycles resume, the file is
compacted, and a file that is damaged or belongs to another business is refused at start."""

from __future__ import annotations

import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.app import create_app
from emulator.business.persistence import StateFileError
from emulator.config import FIXTURES, Settings
from emulator.harness.embedded import Running, running
from tests.conftest import TokenSource

SELLER = "AUJZDE8GXD6NCF"
US = "ATVPDKIKX0DER"
REPORTS, FEEDS, NOTIFICATIONS = "/reports/2021-06-30", "/feeds/2021-06-30", "/notifications/v1"
SCOPE = "sellingpartnerapi::notifications"
LISTINGS_TYPE = "GET_MERCHANT_LISTINGS_ALL_DATA"


@contextmanager
def serving(models_dir: Path, state_file: Path, **options: Any) -> Iterator[Running]:
    settings = Settings(models_dir=models_dir, port=0, throttle="off", state_file=state_file,
                        **{"lifecycle": "instant", **options})
    with running(settings) as server:
        yield server


def clients(server: Running) -> tuple[httpx.Client, httpx.Client]:
    """A seller client and a grantless (notifications) client of the default app."""
    tokens = TokenSource(server)
    seller = httpx.Client(base_url=server.base_url, timeout=30,
                          headers={"x-amz-access-token": tokens.seller()})
    grantless = httpx.Client(base_url=server.base_url, timeout=30,
                             headers={"x-amz-access-token": tokens.grantless(SCOPE)})
    return seller, grantless


def download(http: httpx.Client, path: str) -> bytes:
    info = http.get(path).json()
    body = httpx.get(info["url"]).content
    return gzip.decompress(body) if info.get("compressionAlgorithm") == "GZIP" else body


def upload(http: httpx.Client, content: bytes, content_type: str = "text/plain") -> str:
    created = http.post(f"{FEEDS}/documents", json={"contentType": content_type}).json()
    assert httpx.put(created["url"], content=content,
                     headers={"Content-Type": content_type}).status_code == 200
    return str(created["feedDocumentId"])


def test_everything_a_client_created_comes_back(models_dir: Path, tmp_path: Path) -> None:
    state_file = tmp_path / "state.jsonl"
    with serving(models_dir, state_file) as server:
        http, grantless = clients(server)
        report_id = http.post(f"{REPORTS}/reports", json={
            "reportType": LISTINGS_TYPE, "marketplaceIds": [US]}).json()["reportId"]
        report = http.get(f"{REPORTS}/reports/{report_id}").json()
        assert report["processingStatus"] == "DONE"
        document = download(http, f"{REPORTS}/documents/{report['reportDocumentId']}")
        uploaded = upload(http, b"sku\tquantity\n" * 1000)
        feed_document = upload(http, b"not a feed")
        feed_id = http.post(f"{FEEDS}/feeds", json={
            "feedType": "POST_PRODUCT_DATA", "marketplaceIds": [US],
            "inputFeedDocumentId": feed_document}).json()["feedId"]
        feed = http.get(f"{FEEDS}/feeds/{feed_id}").json()
        result = download(http, f"{FEEDS}/documents/{feed['resultFeedDocumentId']}")
        schedule_id = http.post(f"{REPORTS}/schedules", json={
            "reportType": LISTINGS_TYPE, "marketplaceIds": [US],
            "period": "P1D"}).json()["reportScheduleId"]
        destination = grantless.post(f"{NOTIFICATIONS}/destinations", json={
            "name": "queue", "resourceSpecification": {
                "sqs": {"arn": "arn:aws:sqs:us-east-1:123456789012:restart"}}}
        ).json()["payload"]
        subscription = http.post(f"{NOTIFICATIONS}/subscriptions/REPORT_PROCESSING_FINISHED",
                                 json={"payloadVersion": "2020-09-04",
                                       "destinationId": destination["destinationId"]}
                                 ).json()["payload"]
        # A report made now is announced to the subscription: a message in the outbox.
        http.post(f"{REPORTS}/reports", json={"reportType": LISTINGS_TYPE,
                                              "marketplaceIds": [US]})
        outbox = httpx.get(f"{server.base_url}/_emulator/notifications").json()
        messages = {m["notification_id"] for m in outbox["notifications"]}
        assert messages
        advanced = httpx.post(f"{server.base_url}/_emulator/clock/advance",
                              json={"seconds": 3600}).json()["offset_seconds"]

    with serving(models_dir, state_file) as server:
        http, grantless = clients(server)
        assert http.get(f"{REPORTS}/reports/{report_id}").json() == report
        assert download(http, f"{REPORTS}/documents/{report['reportDocumentId']}") == document
        assert http.get(f"{FEEDS}/feeds/{feed_id}").json() == feed
        assert download(http, f"{FEEDS}/documents/{feed['resultFeedDocumentId']}") == result
        assert server.app.documents.get(uploaded).content == b"sku\tquantity\n" * 1000
        schedules = http.get(f"{REPORTS}/schedules",
                             params={"reportTypes": LISTINGS_TYPE}).json()["reportSchedules"]
        assert [s["reportScheduleId"] for s in schedules] == [schedule_id]
        destinations = grantless.get(f"{NOTIFICATIONS}/destinations").json()["payload"]
        assert destination in destinations
        assert http.get(f"{NOTIFICATIONS}/subscriptions/REPORT_PROCESSING_FINISHED"
                        ).json()["payload"] == subscription
        outbox = httpx.get(f"{server.base_url}/_emulator/notifications").json()
        assert messages <= {m["notification_id"] for m in outbox["notifications"]}
        assert httpx.get(f"{server.base_url}/_emulator/clock").json()["offset_seconds"] >= advanced
        # Ids go on: nothing made after the restart takes an id of before.
        new_report = http.post(f"{REPORTS}/reports", json={
            "reportType": LISTINGS_TYPE, "marketplaceIds": [US]}).json()["reportId"]
        assert int(new_report) > int(report_id)
        other = grantless.post(f"{NOTIFICATIONS}/destinations", json={
            "name": "other", "resourceSpecification": {
                "sqs": {"arn": "arn:aws:sqs:us-east-1:123456789012:other"}}}).json()["payload"]
        assert other["destinationId"] not in {d["destinationId"] for d in destinations}
        outbox = httpx.get(f"{server.base_url}/_emulator/notifications").json()
        assert len({m["notification_id"] for m in outbox["notifications"]}) == len(
            outbox["notifications"])


def test_a_queued_report_finishes_after_a_restart(models_dir: Path, tmp_path: Path) -> None:
    state_file = tmp_path / "state.jsonl"
    with serving(models_dir, state_file, lifecycle="realistic") as server:
        http, _ = clients(server)
        report_id = http.post(f"{REPORTS}/reports", json={
            "reportType": LISTINGS_TYPE, "marketplaceIds": [US]}).json()["reportId"]
        assert http.get(f"{REPORTS}/reports/{report_id}").json()["processingStatus"] == \
            "IN_QUEUE"
    with serving(models_dir, state_file, lifecycle="realistic") as server:
        http, _ = clients(server)
        assert http.get(f"{REPORTS}/reports/{report_id}").json()["processingStatus"] == \
            "IN_QUEUE"
        httpx.post(f"{server.base_url}/_emulator/clock/advance", json={"seconds": 1800})
        report = http.get(f"{REPORTS}/reports/{report_id}").json()
        assert report["processingStatus"] == "DONE"
        assert download(http, f"{REPORTS}/documents/{report['reportDocumentId']}"
                        ).startswith(b"item-name\t")


def test_a_state_file_of_another_business_is_refused(models_dir: Path, tmp_path: Path) -> None:
    state_file = tmp_path / "state.jsonl"
    with serving(models_dir, state_file) as server:
        assert httpx.post(f"{server.base_url}/_emulator/orders",
                          json={"seller_id": SELLER}).status_code == 201
    before = state_file.read_bytes()
    for options, named in (({"seed": 2}, "seed 1"), ({"scale": 10}, "no --scale")):
        with pytest.raises(StateFileError, match=named), serving(models_dir, state_file,
                                                                   **options):
            pass
    assert state_file.read_bytes() == before  # refused, untouched


def _cli(models_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emulator", "serve", "--port", "0", "--models", str(models_dir),
         *args], capture_output=True, text=True, timeout=60)


def _state_lines(models_dir: Path, state_file: Path) -> list[str]:
    with serving(models_dir, state_file) as server:
        assert httpx.post(f"{server.base_url}/_emulator/orders",
                          json={"seller_id": SELLER}).status_code == 201
    return state_file.read_text().splitlines(keepends=True)


def test_a_damaged_record_is_refused_at_start_with_its_line(models_dir: Path,
                                                            tmp_path: Path) -> None:
    state_file = tmp_path / "state.jsonl"
    lines = _state_lines(models_dir, state_file)
    order = next(i for i, line in enumerate(lines) if '"kind":"order"' in line)
    damaged = json.loads(lines[order])
    damaged["value"]["purchase_date"] = "yesterday"
    cases = ((json.dumps(damaged) + "\n", "purchase_date: expected a number"),
             ("{not json\n", "not JSON"),
             ('{"section":"nobody","key":"k","value":1}\n', "unknown record section"),
             ('{"section":"reports","key":"ids","value":{"next":"x"}}\n', "reports ids"))
    for bad, says in cases:
        state_file.write_text("".join([*lines[:order], bad, *lines[order + 1:]]))
        with pytest.raises(StateFileError, match=f"{state_file}:{order + 1}: .*{says}"):
            create_app(Settings(models_dir=models_dir, port=0, state_file=state_file))
    # The command says it in one line and exits 2, serving nothing.
    answer = _cli(models_dir, "--state-file", str(state_file))
    assert answer.returncode == 2, answer.stderr
    assert answer.stderr.startswith(f"spapi-emulator: {state_file}:{order + 1}: reports ids: "
                                    "expected"), answer.stderr
    assert answer.stderr.count("\n") == 1, answer.stderr
    state_file.write_text("".join(lines))
    other = _cli(models_dir, "--state-file", str(state_file), "--seed", "9")
    assert other.returncode == 2 and "seed 9" in other.stderr and "--seed" in other.stderr


def test_a_torn_last_line_is_dropped(models_dir: Path, tmp_path: Path) -> None:
    """A write cut short by a crash was never acknowledged: it goes, and the file goes on."""
    state_file = tmp_path / "state.jsonl"
    lines = _state_lines(models_dir, state_file)
    state_file.write_text("".join(lines) + '{"seller":"AUJZ')
    with serving(models_dir, state_file) as server:
        assert httpx.post(f"{server.base_url}/_emulator/orders",
                          json={"seller_id": SELLER}).status_code == 201
    with serving(models_dir, state_file) as server:
        state = httpx.get(f"{server.base_url}/_emulator/state", params={"seller": SELLER},
                          timeout=60).json()
        assert len(state["sellers"][SELLER]["orders"]) == 1002


def test_the_log_is_compacted_as_it_grows(models_dir: Path, tmp_path: Path) -> None:
    state_file = tmp_path / "state.jsonl"
    settings = Settings(models_dir=models_dir, port=0, throttle="off", state_file=state_file,
                        lifecycle="instant")
    with running(settings) as server:
        server.app.store.state_file.min_compact_bytes = 64 * 1024
        http, _ = clients(server)
        sku = next(iter(server.app.store.of(server.app.accounts.sellers[0]).listings))
        sizes = []
        for quantity in range(400):
            response = http.patch(
                f"/listings/2021-08-01/items/{SELLER}/{sku}",
                params={"marketplaceIds": US},
                json={"productType": "PRODUCT", "patches": [{
                    "op": "replace", "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}]}]})
            assert response.status_code == 200, response.text
            sizes.append(state_file.stat().st_size)
        # One listing changed 400 times: the file stays about the size of one snapshot.
        assert max(sizes) < 4 * 64 * 1024
        assert sizes.index(max(sizes)) < len(sizes) - 1  # and it shrank since
    lines = state_file.read_text().splitlines()
    assert json.loads(lines[0])["version"] == 2
    assert json.loads(lines[-1])["snapshot_end"] == len(lines) - 2  # compacted at shutdown
    with running(settings) as server:
        listing = server.app.store.of(server.app.accounts.sellers[0]).listings[sku]
        assert listing.quantity == 399


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(models_dir: Path, state_file: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--port", str(port), "--throttle", "off",
         "--models", str(models_dir), "--state-file", str(state_file), "--auth", "none",
         "--live", "off",  # the business changes only as the test changes it
         "--scenario", str(FIXTURES / "scenarios" / "default.yaml")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1).is_success:
                return process
        except httpx.TransportError:
            time.sleep(0.02)
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "")
    process.kill()
    raise AssertionError("emulator did not start")


def test_kill_during_compaction_loses_nothing_acknowledged(models_dir: Path,
                                                           tmp_path: Path) -> None:
    """Orders are made as fast as the emulator takes them while uploads grow the state file
    by hundreds of kilobytes a request, so compactions come often and take a while; the
    process is killed (-9) the moment one is seen under way (no shutdown, no last write).
    Every order acknowledged before the kill is there after the restart, as it was made."""
    state_file = tmp_path / "state.jsonl"
    temporary = tmp_path / "state.jsonl.tmp"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start(models_dir, state_file, port)
    acknowledged: list[str] = []
    stop = threading.Event()

    def make_orders() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                try:
                    response = client.post("/_emulator/orders",
                                           json={"seller_id": SELLER, "status": "Unshipped"})
                except httpx.TransportError:
                    return
                if response.status_code == 201:
                    acknowledged.append(response.json()["AmazonOrderId"])

    def upload_documents() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                try:
                    upload(client, os.urandom(256 << 10))  # random: base64 in the file
                except (httpx.TransportError, KeyError, ValueError):
                    return

    workers = [threading.Thread(target=make_orders), threading.Thread(target=upload_documents)]
    try:
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 20 or not temporary.exists():
            assert time.monotonic() < deadline, "no compaction was seen"
            time.sleep(0.0002)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        stop.set()
        for worker in workers:
            worker.join()
        if process.poll() is None:
            process.kill()
            process.wait()
    process = _start(models_dir, state_file, port)
    try:
        state = httpx.get(f"{base}/_emulator/state", params={"seller": SELLER}, timeout=60).json()
        orders = {o["order_id"]: o for o in state["sellers"][SELLER]["orders"]}
        assert all(orders[order_id]["status"] == "Unshipped" for order_id in acknowledged)
        # The seeded 1000, the acknowledged ones, and at most the one under way at the kill.
        assert 1000 + len(acknowledged) <= len(orders) <= 1000 + len(acknowledged) + 1
    finally:
        process.terminate()
        process.wait()


def test_what_a_reset_cleared_stays_cleared_after_a_restart(models_dir: Path,
                                                             tmp_path: Path) -> None:
    state_file = tmp_path / "state.jsonl"
    with serving(models_dir, state_file) as server:
        http, grantless = clients(server)
        report_id = http.post(f"{REPORTS}/reports", json={
            "reportType": LISTINGS_TYPE, "marketplaceIds": [US]}).json()["reportId"]
        assert grantless.post(f"{NOTIFICATIONS}/destinations", json={
            "name": "gone", "resourceSpecification": {
                "sqs": {"arn": "arn:aws:sqs:us-east-1:123456789012:gone"}}}).status_code == 200
        assert httpx.post(f"{server.base_url}/_emulator/reset",
                          json={"notifications": True, "outbox": True}).status_code == 200
        # Written before the answer (a kill now would not bring them back), not only at the
        # clean shutdown's compaction.
        assert _last_values(state_file, "destination/") == {}
    with serving(models_dir, state_file) as server:
        http, grantless = clients(server)
        assert http.get(f"{REPORTS}/reports/{report_id}").status_code == 404
        assert grantless.get(f"{NOTIFICATIONS}/destinations").json()["payload"] == []


def _last_values(state_file: Path, prefix: str) -> dict[str, Any]:
    """The notification records of the state file under `prefix` that are live (a later
    record of a key replaces an earlier one; null deletes it)."""
    live: dict[str, Any] = {}
    for line in state_file.read_text().splitlines()[1:]:
        record = json.loads(line)
        if record.get("section") == "notifications" and record["key"].startswith(prefix):
            live[record["key"]] = record["value"]
    return {key: value for key, value in live.items() if value is not None}
