"""What the contract suite needs to talk to a target as a client would: where it is, its LWA,
credentials, tokens of every kind, and requests that wait out throttling like real clients.

Everything goes over HTTP, never into the emulator's objects, so the same tests run against the
emulator, Amazon's sandbox and any other deployment.
"""

from __future__ import annotations

import functools
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import httpx
import pytest

from emulator.auth.accounts import Accounts
from emulator.auth.stage import grantless_scope
from emulator.config import FIXTURES
from emulator.harness.proxy.upstream import (
    AMAZON_LWA,
    LWA_PATH,
    REGIONS,
    production_endpoint,
    sandbox_endpoint,
)
from emulator.models import source as modelsource
from emulator.models import spec
from emulator.models.restricted import restriction
from emulator.models.sample_requests import ModelRequest
from emulator.models.spec import Operation

ENV_CREDENTIALS = ("LWA_CLIENT_ID", "LWA_CLIENT_SECRET", "LWA_REFRESH_TOKEN")
# What Amazon asks every client to send ("AppName/Version (Language=...; Platform=...)").
USER_AGENT = (f"spapi-emulator-contracts/0.1 (Language=Python/{platform.python_version()}; "
              f"Platform={platform.system()})")
RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"
TOKEN_MARGIN = 60.0  # refresh tokens this long before LWA says they expire
MAX_RETRIES = 12
# A valid request no static case matches: the sandbox answers it 400 COULD_NOT_MATCH.
GET_ORDERS = "ordersV0.getOrders"
UNMATCHED_GET_ORDERS = ModelRequest("GET", "/orders/v0/orders", params=[
    ("MarketplaceIds", "ATVPDKIKX0DER"), ("CreatedAfter", "2019-10-07T17:58:48.017Z")])
COULD_NOT_MATCH = "Could not match input arguments"

TargetKind = Literal["emulator", "sandbox", "url"]
SHARED_MODELS = Path(__file__).resolve().parents[2] / "shared" / "spapi-models"


def models_dir() -> Path:
    """SPAPI_MODELS_DIR, else the checkout beside this one (as the Makefile), else the cache."""
    if not os.environ.get(modelsource.ENV_VAR) and (SHARED_MODELS / "models").is_dir():
        return SHARED_MODELS
    return modelsource.locate()


@functools.cache
def load_models() -> spec.ModelSet:
    """The models, loaded once per run (test modules parametrize over them at collection)."""
    try:
        return spec.load(models_dir())
    except modelsource.ModelsNotFound as error:
        pytest.exit(str(error), returncode=2)


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str
    refresh_token: str


def env_credentials() -> Credentials | None:
    values = [os.environ.get(name, "") for name in ENV_CREDENTIALS]
    return Credentials(*values) if all(values) else None


def emulator_credentials() -> Credentials:
    """The default app and seller of fixtures/accounts.yaml (what the emulator knows)."""
    accounts = Accounts.load(FIXTURES / "accounts.yaml")
    app, seller = accounts.apps[0], accounts.sellers[0]
    token = accounts.refresh_token_of(seller, app)
    assert token is not None, "fixtures/accounts.yaml: the first seller needs a refresh token"
    return Credentials(app.client_id, app.client_secret, token)


@dataclass(frozen=True)
class Target:
    """What `--target` and `--region` name. The emulator's URLs are known once it runs."""

    name: str  # emulator | sandbox-na | the URL
    kind: TargetKind
    region: str
    base_url: str = ""
    lwa_url: str = ""
    rdt_url: str = ""  # where RDTs come from (Amazon's sandbox takes production RDTs)

    @property
    def slug(self) -> str:
        """A directory name for this target's cassettes."""
        if self.kind != "url":
            return self.name
        return "url-" + urlsplit(self.name).netloc.replace(":", "-")


def parse_target(option: str, region: str) -> Target:
    if region not in REGIONS:
        raise ValueError(f"--region must be one of {', '.join(REGIONS)}, not {region!r}")
    if option == "emulator":
        return Target("emulator", "emulator", region)
    if option == "sandbox":
        return Target(f"sandbox-{region}", "sandbox", region, sandbox_endpoint(region),
                      AMAZON_LWA, production_endpoint(region) + RDT_PATH)
    parts = urlsplit(option)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--target must be emulator, sandbox or an http(s) URL, not {option!r}")
    base = option.rstrip("/")
    return Target(base, "url", region, base, base + LWA_PATH, base + RDT_PATH)


@dataclass
class _Token:
    value: str
    expires: float  # time.monotonic()


class QuotaWait:
    """How long to wait after a 429: the operation's rate from x-amzn-RateLimit-Limit when
    the answer carries it, else a second (Amazon's sandbox allows 5 per second)."""

    @staticmethod
    def seconds(response: httpx.Response, attempt: int) -> float:
        try:
            rate = float(response.headers.get("x-amzn-RateLimit-Limit", "1"))
        except ValueError:
            rate = 1.0
        return min(max(1.0 / rate if rate > 0 else 1.0, 0.2) * (1 + attempt / 4), 10.0)


def is_quota_exceeded(response: httpx.Response) -> bool:
    if response.status_code != 429:
        return False
    try:
        errors = response.json().get("errors") or [{}]
    except ValueError:
        return False
    return bool(errors[0].get("code") == "QuotaExceeded")


@dataclass
class Api:
    """One SP-API endpoint, as a well-behaved client uses it."""

    base_url: str
    lwa_url: str
    credentials: Credentials
    rdt_url: str = ""
    # Seconds between requests: Amazon's sandbox allows 5 per second (burst 15) to everyone.
    min_interval: float = 0.0
    http: httpx.Client = field(init=False)
    _tokens: dict[tuple[str, ...], _Token] = field(default_factory=dict, init=False)
    _last: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.rdt_url = self.rdt_url or self.base_url + RDT_PATH
        self.http = httpx.Client(base_url=self.base_url, timeout=60,
                                 headers={"user-agent": USER_AGENT})

    def close(self) -> None:
        self.http.close()

    # -- requests ----------------------------------------------------------------------------

    def request(self, method: str, url: str, *, retry: bool = True,
                **options: Any) -> httpx.Response:
        """One request, paced to `min_interval`; a 429 QuotaExceeded is waited out and
        retried, as clients do (`retry=False` when the 429 is the answer under test)."""
        for attempt in range(MAX_RETRIES):
            wait = self._last + self.min_interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last = time.monotonic()
            response = self.http.request(method, url, **options)
            if not retry or not is_quota_exceeded(response):
                return response
            time.sleep(QuotaWait.seconds(response, attempt))
        return response

    def send(self, model_request: ModelRequest, *, token: str | None = "auto",
             operation: Operation | None = None, retry: bool = True) -> httpx.Response:
        """A request built from the models, with the token an app would send for it."""
        headers = dict(model_request.headers)
        if token == "auto":
            assert operation is not None, "the operation decides the token"
            token = self.token_for(operation, model_request.url)
        if token is not None:
            headers["x-amz-access-token"] = token
        return self.request(model_request.method, model_request.url, retry=retry,
                            params=model_request.params, headers=headers,
                            content=model_request.content)

    def control(self, method: str, path: str, **options: Any) -> httpx.Response:
        """The emulator's control plane (`/_emulator/...`): no SP-API token."""
        return self.http.request(method, path, **options)

    # -- LWA ---------------------------------------------------------------------------------

    def exchange(self, fields: dict[str, str], as_json: bool = False) -> httpx.Response:
        """One LWA token request, form-encoded (Python clients) or JSON (Node clients)."""
        if as_json:
            return self.http.post(self.lwa_url, json=fields)
        return self.http.post(self.lwa_url, data=fields, headers={
            "content-type": "application/x-www-form-urlencoded;charset=UTF-8"})

    def refresh_fields(self) -> dict[str, str]:
        return {"grant_type": "refresh_token", "refresh_token": self.credentials.refresh_token,
                "client_id": self.credentials.client_id,
                "client_secret": self.credentials.client_secret}

    def _cached(self, key: tuple[str, ...], fetch: Callable[[], tuple[str, float]]) -> str:
        token = self._tokens.get(key)
        if token is None or time.monotonic() > token.expires:
            value, lifetime = fetch()
            token = self._tokens[key] = _Token(value, time.monotonic() + lifetime - TOKEN_MARGIN)
        return token.value

    def _lwa_token(self, fields: dict[str, str]) -> tuple[str, float]:
        response = self.exchange(fields)
        assert response.status_code == 200, f"LWA refused: {response.status_code} {response.text}"
        body = response.json()
        return str(body["access_token"]), float(body["expires_in"])

    def seller_token(self) -> str:
        return self._cached(("seller",), lambda: self._lwa_token(self.refresh_fields()))

    def grantless_token(self, scope: str) -> str:
        fields = {"grant_type": "client_credentials", "scope": scope,
                  "client_id": self.credentials.client_id,
                  "client_secret": self.credentials.client_secret}
        return self._cached(("grantless", scope), lambda: self._lwa_token(fields))

    def rdt(self, method: str, path: str) -> str:
        def fetch() -> tuple[str, float]:
            response = self.request("POST", self.rdt_url, headers={
                "x-amz-access-token": self.seller_token()},
                json={"restrictedResources": [{"method": method, "path": path}]})
            assert response.status_code == 200, f"RDT refused: {response.text}"
            body = response.json()
            return str(body["restrictedDataToken"]), float(body["expiresIn"])

        return self._cached(("rdt", method, path), fetch)

    def token_for(self, operation: Operation, url: str) -> str:
        """Grantless operations take a client-credentials token, restricted ones an RDT."""
        scope = grantless_scope(operation)
        if scope is not None:
            return self.grantless_token(scope)
        limit = restriction(operation)
        if limit is not None and limit.policy == "deny":
            return self.rdt(operation.method, unquote(url))
        return self.seller_token()

    def forget_tokens(self) -> None:
        """After the target's clock moved: the cached tokens may have expired there."""
        self._tokens.clear()
