"""What stands for a permission cannot be guessed from the public seed: access tokens, RDTs,
authorization codes, document ids and the presigned-URL key come from the OS's CSPRNG
(`--deterministic-tokens` opts back into the seed), and a presigned URL is good only as signed:
not before its date, not past its lifetime, with no field changed."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from emulator.config import Settings
from emulator.harness.embedded import Running, running
from emulator.runtime.rng import Randomness

CONTENT_TYPE = "text/tab-separated-values; charset=UTF-8"


def _server(models_dir: Path, **options: object) -> Iterator[Running]:
    settings = Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                        **options)  # type: ignore[arg-type]
    with running(settings) as server:
        yield server


def first_token(server: Running) -> str:
    """The first access token of a run, asked for as a client does."""
    app = server.app.accounts.apps[0]
    seller = server.app.accounts.sellers[0]
    response = httpx.post(f"{server.base_url}/auth/o2/token", data={
        "grant_type": "refresh_token", "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": server.app.accounts.refresh_token_of(seller, app)})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_tokens_differ_between_runs_of_one_seed(models_dir: Path) -> None:
    firsts = []
    for _ in range(2):
        for server in _server(models_dir):
            firsts.append(first_token(server))
    assert firsts[0] != firsts[1]
    assert all(token.startswith("Atza|") and len(token) >= 350 for token in firsts)


def test_deterministic_tokens_are_an_opt_in(models_dir: Path) -> None:
    firsts = []
    for _ in range(2):
        for server in _server(models_dir, deterministic_tokens=True):
            firsts.append(first_token(server))
    assert firsts[0] == firsts[1]


@pytest.fixture(scope="module")
def server(models_dir: Path) -> Iterator[Running]:
    yield from _server(models_dir)


@pytest.fixture
def upload_url(server: Running) -> str:
    token = first_token(server)
    response = httpx.post(f"{server.base_url}/feeds/2021-06-30/documents",
                          json={"contentType": CONTENT_TYPE},
                          headers={"x-amz-access-token": token})
    assert response.status_code == 201, response.text
    return str(response.json()["url"])


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return parts._replace(query=urlencode(query)).geturl()


def put(url: str) -> httpx.Response:
    return httpx.put(url, content=b"sku\tquantity\n", headers={"content-type": CONTENT_TYPE})


def s3_code(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/xml"
    return response.text.split("<Code>", 1)[1].split("</Code>", 1)[0]


def test_a_url_signed_with_the_seeds_key_is_refused(upload_url: str, server: Running) -> None:
    """Before, the key was the seed's: anyone could sign a URL for any document id."""
    seeded_key = Randomness(server.app.settings.seed).derive("documents").randbytes(32)
    query = {k: v[-1] for k, v in parse_qs(urlsplit(upload_url).query).items()}
    document_id = urlsplit(upload_url).path.rsplit("/", 1)[1]
    for message in (f"PUT\n{document_id}\n{query['X-Amz-Date']}\n{CONTENT_TYPE}",
                    f"PUT\n{document_id}\n{query['X-Amz-Date']}\n300\n{CONTENT_TYPE}"):
        forged = hmac.new(seeded_key, message.encode(), hashlib.sha256).hexdigest()
        assert s3_code(put(with_query(upload_url, **{"X-Amz-Signature": forged}))) == \
            "SignatureDoesNotMatch"
    assert put(upload_url).status_code == 200


def test_a_url_dated_in_the_future_is_not_yet_valid(upload_url: str) -> None:
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    response = put(with_query(upload_url, **{"X-Amz-Date": later}))
    assert response.status_code == 403 and s3_code(response) == "AccessDenied"
    assert "<Message>Request is not yet valid</Message>" in response.text


def test_a_url_cannot_be_made_to_live_longer(upload_url: str, server: Running) -> None:
    longer = put(with_query(upload_url, **{"X-Amz-Expires": "86400"}))
    assert longer.status_code == 403 and s3_code(longer) == "SignatureDoesNotMatch"
    past_a_week = put(with_query(upload_url, **{"X-Amz-Expires": "700000"}))
    assert past_a_week.status_code == 400
    assert s3_code(past_a_week) == "AuthorizationQueryParametersError"
    server.app.clock.advance(301)
    expired = put(upload_url)
    assert expired.status_code == 403 and "Request has expired" in expired.text
