"""The README's "Point your client at the emulator" recipes (client_tests/snippets/), run as
they are printed against the emulator as `spapi-emulator serve` runs it, with only the address
127.0.0.1:8000 replaced by the test emulator's. Each prints the default seller's first US order,
so a recipe that reached Amazon, or nothing, fails."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from client_tests.support import NODE_DIR, SNIPPETS, US
from emulator.harness.embedded import Running

README_ADDRESS = "127.0.0.1:8000"


def snippet(name: str, server: Running) -> str:
    text = (SNIPPETS / name).read_text()
    assert README_ADDRESS in text
    return text.replace(README_ADDRESS, server.base_url.removeprefix("http://"))


def first_us_order(server: Running) -> str:
    state = server.app.store.of(server.app.accounts.sellers[0])
    return next(o.order_id for o in state.order_list if o.marketplace_id == US)


def printed(command: list[str], source: str, cwd: Path | None = None) -> str:
    """What `source`, fed to `command` on stdin, prints."""
    done = subprocess.run(command, input=source, cwd=cwd, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("name", ["python_amazon_sp_api.py", "amzn_sp_api.py"])
def test_python_recipe(name: str, served: Running) -> None:
    # A fresh interpreter, as a user runs it (python-amazon-sp-api caches tokens per process).
    assert printed([sys.executable, "-"], snippet(name, served)) == first_us_order(served)


@pytest.mark.parametrize(("name", "input_type"), [("amazon_sp_api.cjs", "commonjs"),
                                                  ("sp_api_sdk.mjs", "module")])
def test_node_recipe(name: str, input_type: str, node: str, served: Running) -> None:
    # Code on stdin resolves packages from the working directory: client_tests/node.
    output = printed([node, f"--input-type={input_type}"], snippet(name, served), cwd=NODE_DIR)
    assert output == first_us_order(served)


def test_any_other_client_curl(served: Running) -> None:
    if shutil.which("curl") is None or shutil.which("python3") is None:
        pytest.skip("the curl recipe needs curl and python3 on PATH")
    assert printed(["bash", "-e"], snippet("curl.sh", served)) == first_us_order(served)


def test_watch_your_integration_run(served: Running) -> None:
    """The walk-through: subscribe, let a day go by, see the orders and notifications."""
    if shutil.which("curl") is None or shutil.which("python3") is None:
        pytest.skip("the walk-through needs curl and python3 on PATH")
    lines = printed(["bash", "-e"], snippet("watch.sh", served)).splitlines()
    assert len(lines) == 2, lines
    orders, notifications = (int(line.split()[0]) for line in lines)
    # A day of the default scenario: about 11 new orders, and older ones moving on.
    assert orders >= 5 and notifications >= orders, lines


def test_the_readme_shows_exactly_these_snippets() -> None:
    """Every recipe the README shows is one of the files these tests run, word for word."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    for snippet in sorted((root / "client_tests" / "snippets").iterdir()):
        assert snippet.read_text().rstrip() in readme, f"README lacks {snippet.name}"
