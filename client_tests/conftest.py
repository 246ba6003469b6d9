"""Real SP-API client libraries, unmodified, against the emulator.

The emulator is the one the package's pytest plugin (emulator/harness/pytest_plugin.py) starts, with
Amazon's throttling and instant reports and feeds whatever the environment asks for: the burst
tests need the first, and nothing here may wait for the second. Each test gets a seller of its
own from the plugin's `spapi_seller`, so its orders, reports and throttling buckets are its own.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from client_tests.support import NODE_DIR
from emulator.business.store import SellerState
from emulator.config import Settings
from emulator.harness.cassettes.pytest_config import vcr_cassette_dir, vcr_config  # noqa: F401
from emulator.harness.embedded import Running, running
from emulator.harness.pytest_plugin import SpApiSeller, models_or_skip, serve

MIN_NODE = 20  # @sp-api-sdk's regular expressions use the `v` flag (Node 20+)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With `--record-mode` on the command line, the Python clients' tests record (or replay)
    their traffic as scrubbed cassettes in fixtures/cassettes/client_tests/. The Node clients
    run in subprocesses, out of the recorder's reach."""
    if not any(arg.startswith("--record-mode") for arg in config.invocation_params.args):
        return
    for item in items:
        if "node" not in item.nodeid and "vcr" not in item.keywords:
            item.add_marker(pytest.mark.vcr)


@pytest.fixture(scope="session")
def spapi_emulator() -> Iterator[Running]:
    with serve(throttle="amazon", lifecycle="instant") as server:
        yield server


@pytest.fixture(scope="session")
def served() -> Iterator[Running]:
    """The emulator as `spapi-emulator serve` runs it (strict auth, every default, the living
    store on), for the README recipes, which use its default app and seller."""
    with running(Settings(models_dir=models_or_skip(), port=0, live=True)) as server:
        yield server


@pytest.fixture
def state(spapi_emulator: Running, spapi_seller: SpApiSeller) -> SellerState:
    """The test's seller as the emulator holds it: what every client must get back."""
    return spapi_emulator.app.store.of(spapi_seller.account)


def _node_version(node: str) -> int:
    found = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    match = re.match(r"v(\d+)", found.stdout.strip())
    return int(match.group(1)) if match else 0


@pytest.fixture(scope="session")
def node() -> str:
    """The node executable, with client_tests/node's locked packages in node_modules (`make
    test` installs them; a plain pytest run does it here when they are missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("the Node clients (amazon-sp-api, @sp-api-sdk) need node and npm on PATH")
    if (version := _node_version(node)) < MIN_NODE:
        pytest.skip(f"the Node clients need Node {MIN_NODE}+, found {version}")
    if not (NODE_DIR / "node_modules" / ".package-lock.json").is_file():
        installed = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR,
                                   capture_output=True, text=True, timeout=600)
        if installed.returncode != 0:
            pytest.fail(f"npm ci in {NODE_DIR} failed:\n{installed.stderr}")
    return node
