"""pytest plugin (entry point `pytest11`): the emulator for an application's own test suite.

Installing spapi-emulator makes these fixtures available in every pytest run:

- `spapi_emulator`: one emulator per session on a free port (`--auth open`), Amazon's models
  found like the CLI finds them (SPAPI_MODELS_DIR or the download cache); the tests that use it
  are skipped, saying how to get the models, when there are none.
- `spapi_seller`: a seller of its own for each test. Open auth turns every unknown refresh token
  into a seller derived from it, so a refresh token unique to the test isolates its orders,
  listings, reports and throttling buckets from every other test's.
- `spapi_credentials`: what a client needs: client id and secret (the default app's), the
  test's refresh token, the SP-API endpoint, the LWA token URL and the seller id.
- `spapi_python_sp_api(api_class, **kwargs)`: a python-amazon-sp-api API object (e.g. `Orders`)
  pointed at the emulator; `spapi_amzn_client(scope=None)`: an amzn-sp-api `SPAPIClient`.

Settings, each from an environment variable or else an ini option (pytest.ini, pyproject.toml):
`SPAPI_EMULATOR_THROTTLE` / `spapi_emulator_throttle` (amazon, the default as for the CLI; off;
sandbox; scale:N), `SPAPI_EMULATOR_LIFECYCLE` / `spapi_emulator_lifecycle` (instant, the
default here so that tests never wait for a report or feed; fast; realistic) and
`SPAPI_EMULATOR_LIVE` / `spapi_emulator_live` (off, the default here: the business stands still
at the scenario's anchor plus what the tests do, so a test's assertions never race a scenario
event; on: it goes on living on the clock, as `spapi-emulator serve` does).

Only the standard library and pytest are imported until a fixture is used: the plugin loads in
every pytest run of an environment that has the package, and the client libraries are optional.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

if TYPE_CHECKING:
    from emulator.auth.accounts import Seller
    from emulator.harness.embedded import Running


class Option(NamedTuple):
    env: str  # wins over the ini option
    ini: str
    default: str
    help: str

    def value(self, config: pytest.Config) -> str:
        return os.environ.get(self.env) or str(config.getini(self.ini) or self.default)


THROTTLE = Option("SPAPI_EMULATOR_THROTTLE", "spapi_emulator_throttle", "amazon",
                  "spapi_emulator throttling: amazon (default), off, sandbox or scale:N")
LIFECYCLE = Option("SPAPI_EMULATOR_LIFECYCLE", "spapi_emulator_lifecycle", "instant",
                   "spapi_emulator report and feed lifecycle: instant (default), fast, realistic")
LIVE = Option("SPAPI_EMULATOR_LIVE", "spapi_emulator_live", "off",
              "spapi_emulator living store: off (default: a still business) or on")


def pytest_addoption(parser: pytest.Parser) -> None:
    for option in (THROTTLE, LIFECYCLE, LIVE):
        parser.addini(option.ini, f"{option.help}; the environment variable {option.env} wins",
                      default=option.default)


def models_or_skip() -> Path:
    """Amazon's models as the CLI finds them; skips the calling test when there are none."""
    from emulator.models.source import ModelsNotFound, locate

    try:
        return locate()
    except ModelsNotFound as error:
        pytest.skip(f"spapi_emulator: {error}")


@contextmanager
def serve(*, throttle: str = THROTTLE.default, lifecycle: str = LIFECYCLE.default,
          live: str = LIVE.default) -> Iterator[Running]:
    """An open-auth emulator on a free port, for as long as the block runs. Skips the calling
    test (or every test of a session fixture) when Amazon's models cannot be found."""
    from emulator.config import LIFECYCLES, Settings
    from emulator.harness.embedded import running
    from emulator.runtime.throttle import ThrottleMode

    try:
        ThrottleMode.parse(throttle)
    except ValueError as error:
        raise pytest.UsageError(f"{THROTTLE.ini}: {error}") from None
    if lifecycle not in LIFECYCLES:
        raise pytest.UsageError(
            f"{LIFECYCLE.ini} must be one of {', '.join(LIFECYCLES)}, not {lifecycle!r}")
    if live not in ("on", "off"):
        raise pytest.UsageError(f"{LIVE.ini} must be on or off, not {live!r}")
    settings = Settings(models_dir=models_or_skip(), port=0, auth="open", throttle=throttle,
                        lifecycle=lifecycle, live=live == "on")  # type: ignore[arg-type]
    with running(settings) as server:
        yield server


@pytest.fixture(scope="session")
def spapi_emulator(pytestconfig: pytest.Config) -> Iterator[Running]:
    """The session's emulator: `.base_url`, and `.app` for its clock, store and journal."""
    with serve(throttle=THROTTLE.value(pytestconfig), lifecycle=LIFECYCLE.value(pytestconfig),
               live=LIVE.value(pytestconfig)) as server:
        yield server


@dataclass(frozen=True)
class SpApiSeller:
    """A seller that exists for one test only."""

    seller_id: str
    refresh_token: str
    marketplace_ids: tuple[str, ...]
    account: Seller  # the emulator's record: `spapi_emulator.app.store.of(account)` is its state


@dataclass(frozen=True)
class SpApiCredentials:
    client_id: str
    client_secret: str
    refresh_token: str
    endpoint: str  # the SP-API base URL, http://127.0.0.1:PORT
    token_url: str  # LWA: endpoint + /auth/o2/token
    seller_id: str


# Refresh tokens handed out per test id in this session: a test that runs twice (reruns,
# repeats) gets a new seller each time instead of the state its first run left behind.
_issued: Counter[str] = Counter()


def refresh_token_for(test_id: str) -> str:
    """A refresh token unique to one run of one test, the same in every session, so a test's
    seller (and so its seeded data) is reproducible."""
    _issued[test_id] += 1
    digest = hashlib.sha256(f"{test_id}\x1f{_issued[test_id]}".encode()).hexdigest()
    return f"Atzr|pytest-{digest[:40]}"


@pytest.fixture
def spapi_seller(spapi_emulator: Running, request: pytest.FixtureRequest) -> SpApiSeller:
    refresh_token = refresh_token_for(request.node.nodeid)
    # The seller LWA will derive from this refresh token under open auth: the same function.
    account = spapi_emulator.app.accounts.derive_seller(refresh_token)
    return SpApiSeller(account.seller_id, refresh_token, account.marketplace_ids, account)


@pytest.fixture
def spapi_credentials(spapi_emulator: Running, spapi_seller: SpApiSeller) -> SpApiCredentials:
    app = spapi_emulator.app.accounts.apps[0]
    return SpApiCredentials(
        client_id=app.client_id,
        client_secret=app.client_secret,
        refresh_token=spapi_seller.refresh_token,
        endpoint=spapi_emulator.base_url,
        token_url=f"{spapi_emulator.base_url}/auth/o2/token",
        seller_id=spapi_seller.seller_id,
    )


# -- client factories ------------------------------------------------------------------------


def python_sp_api(api_class: type, credentials: SpApiCredentials, **kwargs: Any) -> Any:
    """An instance of a python-amazon-sp-api API class (Orders, Reports, ...) that talks to the
    emulator: its LWA URL comes from AccessTokenClient's class attributes, its base URL from the
    instance's `endpoint` (the library has no other setting for either)."""
    from sp_api.auth import AccessTokenClient, access_token_client
    from sp_api.base import Marketplaces

    lwa_scheme, lwa_host = credentials.endpoint.split("://", 1)

    class EmulatorLWA(AccessTokenClient):
        scheme, host, path = f"{lwa_scheme}://", lwa_host, "/auth/o2/token"

    # The library caches access tokens process-wide by refresh token alone; a token of an
    # earlier emulator (another session, a pytester run) would be refused by this one.
    access_token_client.cache.clear()
    access_token_client.grantless_cache.clear()
    kwargs.setdefault("marketplace", Marketplaces.US)
    client = api_class(
        credentials={"refresh_token": credentials.refresh_token,
                     "lwa_app_id": credentials.client_id,
                     "lwa_client_secret": credentials.client_secret},
        auth_token_client_class=EmulatorLWA, **kwargs)
    client.endpoint = credentials.endpoint
    return client


def amzn_sp_api(credentials: SpApiCredentials, scope: str | None = None) -> Any:
    """amzn-sp-api's SPAPIClient on the emulator; with `scope`, a grantless (client-credentials)
    client instead of the seller's. Use its `.api_client` with the SDK's API classes."""
    from spapi import SPAPIClient, SPAPIConfig

    config = SPAPIConfig(client_id=credentials.client_id,
                         client_secret=credentials.client_secret,
                         refresh_token=None if scope else credentials.refresh_token,
                         region="NA", scope=scope)
    return SPAPIClient(config, oauth_endpoint=credentials.token_url,
                       endpoint=credentials.endpoint)


def _credentials_with(request: pytest.FixtureRequest, module: str,
                      library: str) -> SpApiCredentials:
    """Skips (before any emulator starts) when the client library is not installed."""
    pytest.importorskip(module, reason=f"{library} is not installed (pip install {library})")
    credentials: SpApiCredentials = request.getfixturevalue("spapi_credentials")
    return credentials


@pytest.fixture
def spapi_python_sp_api(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """`spapi_python_sp_api(Orders)`: python-amazon-sp-api's `Orders` for this test's seller
    (keyword arguments go to the class, e.g. `version="2022-04-01"`)."""
    credentials = _credentials_with(request, "sp_api", "python-amazon-sp-api")

    def make(api_class: type, **kwargs: Any) -> Any:
        return python_sp_api(api_class, credentials, **kwargs)

    return make


@pytest.fixture
def spapi_amzn_client(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """`spapi_amzn_client()`: amzn-sp-api's SPAPIClient for this test's seller;
    `spapi_amzn_client(scope="sellingpartnerapi::notifications")` for grantless calls."""
    credentials = _credentials_with(request, "spapi", "amzn-sp-api")

    def make(scope: str | None = None) -> Any:
        return amzn_sp_api(credentials, scope)

    return make
