"""Shared fixtures: Amazon's models (from SPAPI_MODELS_DIR), emulators on free ports, and
clients that carry the right SP-API token for each operation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from emulator.auth.stage import grantless_scope
from emulator.config import Settings
from emulator.gateway.registry import Handler
from emulator.harness.embedded import Running, running
from emulator.models import spec
from emulator.models.restricted import restriction

_DEFAULT_MODELS = Path(__file__).resolve().parents[2] / "shared" / "spapi-models"


@pytest.fixture(scope="session")
def models_dir() -> Path:
    path = Path(os.environ.get("SPAPI_MODELS_DIR") or _DEFAULT_MODELS)
    if not (path / "models").is_dir():
        pytest.exit(
            f"Amazon's models are not at {path}: set SPAPI_MODELS_DIR or run "
            "`spapi-emulator models`", returncode=2,
        )
    return path


@pytest.fixture(scope="session")
def models(models_dir: Path) -> spec.ModelSet:
    return spec.load(models_dir)


@dataclass
class TokenSource:
    """Tokens for the default app and seller of a running emulator."""

    server: Running
    _grantless: dict[str, str] = field(default_factory=dict)
    _seller: str | None = None
    _http: httpx.Client | None = None

    def _fresh(self, token: str | None) -> bool:
        # Tests move the shared emulator's clock forward; a token they expired is replaced.
        app = self.server.app
        grant = app.tokens.lookup(token) if token else None
        return grant is not None and not grant.expired(app.clock.now())

    def seller(self) -> str:
        if not self._fresh(self._seller):
            app = self.server.app
            self._seller = app.tokens.issue_access(app.accounts.apps[0], app.accounts.sellers[0])
        assert self._seller is not None
        return self._seller

    def grantless(self, scope: str) -> str:
        if not self._fresh(self._grantless.get(scope)):
            app = self.server.app
            self._grantless[scope] = app.tokens.issue_grantless(app.accounts.apps[0],
                                                                frozenset({scope}))
        return self._grantless[scope]

    def rdt(self, method: str, path: str, data_elements: tuple[str, ...] = ()) -> str:
        """An RDT for one resource, asked for over HTTP like an app would."""
        resource: dict[str, object] = {"method": method, "path": path}
        if data_elements:
            resource["dataElements"] = list(data_elements)
        if self._http is None:  # one client: each new one loads the CA bundle (~50 ms)
            self._http = httpx.Client(timeout=30)
        response = self._http.post(
            f"{self.server.base_url}/tokens/2021-03-01/restrictedDataToken",
            json={"restrictedResources": [resource]},
            headers={"x-amz-access-token": self.seller()},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["restrictedDataToken"])

    def for_request(self, operation: spec.Operation, path: str) -> str:
        """The token an app would send for this operation at this (encoded) path."""
        scope = grantless_scope(operation)
        if scope is not None:
            return self.grantless(scope)
        limit = restriction(operation)
        if limit is not None and limit.policy == "deny":
            from urllib.parse import unquote

            return self.rdt(operation.method, unquote(path))
        return self.seller()


@contextmanager
def handler_swapped(server: Running, uid: str, handler: Handler) -> Iterator[None]:
    """Answer `uid` with `handler` for the block, then restore the emulator's own."""
    registry = server.app.handlers
    real = registry.get(uid)
    registry.unregister(uid)
    registry.register(uid, handler)
    try:
        yield
    finally:
        registry.unregister(uid)
        if real is not None:
            registry.register(uid, real)


def _serve(models_dir: Path, **settings: object) -> Iterator[Running]:
    # Throttling is off by default in tests; the throttling tests turn it on themselves.
    options: dict[str, object] = {"throttle": "off", **settings}
    with running(Settings(models_dir=models_dir, port=0, **options)) as server:  # type: ignore[arg-type]
        yield server


@pytest.fixture(scope="session")
def emulator(models_dir: Path) -> Iterator[Running]:
    yield from _serve(models_dir, mode="emulate")


@pytest.fixture(scope="session")
def sandbox(models_dir: Path) -> Iterator[Running]:
    yield from _serve(models_dir, mode="sandbox")


@pytest.fixture(scope="session")
def tokens(emulator: Running) -> TokenSource:
    return TokenSource(emulator)


@pytest.fixture(scope="session")
def sandbox_tokens(sandbox: Running) -> TokenSource:
    return TokenSource(sandbox)


@pytest.fixture
def client(emulator: Running, tokens: TokenSource) -> Iterator[httpx.Client]:
    """A client of the default seller: its access token on every request."""
    with httpx.Client(base_url=emulator.base_url, timeout=30,
                      headers={"x-amz-access-token": tokens.seller()}) as http:
        yield http


@pytest.fixture
def anonymous(emulator: Running) -> Iterator[httpx.Client]:
    """A client without any token (for the control plane, LWA and refusals)."""
    with httpx.Client(base_url=emulator.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def sandbox_client(sandbox: Running, sandbox_tokens: TokenSource) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, timeout=30,
                      headers={"x-amz-access-token": sandbox_tokens.seller()}) as http:
        yield http
