"""The command line: `spapi-emulator serve …`, `python -m emulator …`, and its failures."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from emulator.harness.embedded import Running
from emulator.models.source import ENV_VAR


def _run(*args: str, env: dict[str, str] | None = None,
         timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "emulator", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unknown_flag_is_a_usage_error() -> None:
    result = _run("serve", "--bogus")
    assert result.returncode == 2
    assert "usage:" in result.stderr and "--bogus" in result.stderr


def test_bad_mode_is_a_usage_error() -> None:
    result = _run("--mode", "live")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_port_in_use_is_one_clear_line(models_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("serve", "--port", str(port), "--models", str(models_dir))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "already in use" in lines[0] and str(port) in lines[0]


def test_no_models_names_the_env_var_and_the_command(tmp_path: Path) -> None:
    env = {**os.environ, ENV_VAR: "", "XDG_CACHE_HOME": str(tmp_path), "HOME": str(tmp_path)}
    # As if installed from a wheel: no ../shared/spapi-models beside a checkout to find.
    code = ("import sys; from emulator.models import source; source.CHECKOUT = None; "
            "from emulator.cli import main; sys.exit(main(['serve', '--port', '0']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=30, env=env)
    assert result.returncode != 0
    assert ENV_VAR in result.stderr and "spapi-emulator models" in result.stderr
    assert "Traceback" not in result.stderr


def test_models_dir_without_models_is_refused(tmp_path: Path) -> None:
    result = _run("serve", "--models", str(tmp_path))
    assert result.returncode != 0 and "holds no Amazon models" in result.stderr


def test_python_dash_m_serves(models_dir: Path) -> None:
    port = _free_port()
    env = {**os.environ, ENV_VAR: str(models_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--port", str(port), "--seed", "7"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert response.json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/_emulator/ui", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    # It says where the inspector is.
    assert f"inspector: http://127.0.0.1:{port}/_emulator/ui" in process.stderr.read()


def test_credentials_prints_ready_to_paste_settings(emulator: object) -> None:
    result = _run("credentials", "--url", "http://127.0.0.1:9000")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    accounts = emulator.app.accounts  # type: ignore[attr-defined]
    app, seller = accounts.apps[0], accounts.sellers[0]
    assert app.client_id in out and app.client_secret in out
    assert accounts.refresh_token_of(seller, app) in out
    assert 'scheme, host, path = "http://", "127.0.0.1:9000", "/auth/o2/token"' in out
    assert 'oauth_endpoint="http://127.0.0.1:9000/auth/o2/token"' in out
    # The printed python-amazon-sp-api and amzn-sp-api snippets are valid Python.
    code = "\n".join(line for line in out.splitlines()
                     if not line.startswith(("#", "LWA_", "SP_API_")))
    compile(code, "credentials", "exec")


def _sections(text: str) -> dict[str, str]:
    """The printed snippets by their `# --- name ---` heading."""
    found: dict[str, list[str]] = {}
    current = "header"
    for line in text.splitlines():
        if line.startswith("# --- "):
            current = line.strip("# -")
        found.setdefault(current, []).append(line)
    return {name: "\n".join(lines) for name, lines in found.items()}


@pytest.mark.parametrize("seller_id", ["A75V2SEH60KVJ5", "A9R0WYOJFLJOOA"])  # EU and FE
def test_credentials_snippets_run_for_the_sellers_region(seller_id: str, emulator: Running
                                                         ) -> None:
    accounts = emulator.app.accounts
    seller = accounts.seller(seller_id)
    assert seller is not None
    result = _run("credentials", "--seller", seller_id, "--url", emulator.base_url)
    assert result.returncode == 0, result.stderr
    sections = _sections(result.stdout)
    home = seller.marketplace_ids[0]
    assert f"SP_API_REGION={seller.region.upper()}" in sections["environment"]
    assert f"SP_API_MARKETPLACE_ID={home}" in sections["environment"]
    orders = emulator.app.store.of(seller).orders
    for name in ("python-amazon-sp-api", "amzn-sp-api (Amazon's official SDK)"):
        ran = subprocess.run([sys.executable, "-c", sections[name]], capture_output=True,
                             text=True, timeout=60)
        assert ran.returncode == 0, (name, ran.stderr[-2000:])
        order_id = ran.stdout.strip().splitlines()[-1]
        # The seller's own order, in its home marketplace: the snippet asked the right region.
        assert orders[order_id].marketplace_id == home, name


def test_bad_serve_options_are_one_clear_line(models_dir: Path, tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text("- {operation: getOrders, status: '418'}\n")
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("- {operation: getOrderz, status: '500'}\n")
    for args, needle in ((["--throttle", "fast"], "--throttle"),
                         (["--faults", str(faults)], "status"),
                         (["--faults", str(unknown)], "unknown operation 'getOrderz'"),
                         (["--host", "0.0.0.0"], "--control-token"),
                         (["--accounts", str(tmp_path / "none.yaml")], "none.yaml")):
        result = _run("serve", "--models", str(models_dir), "--port", "0", *args)
        assert result.returncode == 2, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], lines


def _serving(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """`spapi-emulator serve ARGS` in a process of its own, once it answers; and its first
    stderr line (where it serves)."""
    process = subprocess.Popen([sys.executable, "-m", "emulator", "serve", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    assert process.stderr is not None
    first = process.stderr.readline()
    assert "spapi-emulator" in first, first + process.stderr.read()
    return process, first


_HTTPS_CLIENT = """
import sys
from sp_api.api import Orders
from sp_api.auth import AccessTokenClient
from sp_api.base import Marketplaces

class EmulatorLWA(AccessTokenClient):
    scheme, host, path = "https://", sys.argv[1], "/auth/o2/token"

orders = Orders(marketplace=Marketplaces.US, auth_token_client_class=EmulatorLWA, credentials={
    "refresh_token": sys.argv[2], "lwa_app_id": sys.argv[3], "lwa_client_secret": sys.argv[4]})
orders.endpoint = "https://" + sys.argv[1]
print(orders.get_orders(CreatedAfter="2020-01-01T00:00:00Z").payload["Orders"][0]["AmazonOrderId"])
"""


def test_tls_serves_https_to_a_real_client(models_dir: Path, emulator: Running) -> None:
    port = _free_port()
    env = {**os.environ, ENV_VAR: str(models_dir)}
    process, first = _serving(["--tls", "--port", str(port), "--scale", "20"], env)
    try:
        assert process.stderr is not None
        assert first.split()[3] == f"https://127.0.0.1:{port}"
        cert = process.stderr.readline().strip().removeprefix("TLS certificate: ")
        assert Path(cert).is_file()
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"https://127.0.0.1:{port}/_emulator/health",
                                   verify=ssl.create_default_context(cafile=cert))
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
        assert health.json()["status"] == "ok"
        # Without the certificate, a client refuses it: it is self-signed.
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"https://127.0.0.1:{port}/_emulator/health")
        accounts = emulator.app.accounts
        app, seller = accounts.apps[0], accounts.sellers[0]
        ran = subprocess.run(
            [sys.executable, "-c", _HTTPS_CLIENT, f"127.0.0.1:{port}",
             accounts.refresh_token_of(seller, app), app.client_id, app.client_secret],
            capture_output=True, text=True, timeout=60,
            # python-amazon-sp-api talks through httpx (SSL_CERT_FILE) or requests (its own).
            env={**os.environ, "SSL_CERT_FILE": cert, "REQUESTS_CA_BUNDLE": cert})
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.strip().count("-") == 2  # an Amazon order id, 3-7-7 digits
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_access_log_prints_request_lines_by_itself(models_dir: Path) -> None:
    port = _free_port()
    env = {**os.environ, ENV_VAR: str(models_dir)}
    process, _ = _serving(["--access-log", "--port", str(port), "--scale", "10"], env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert '"GET /_emulator/health HTTP/1.1" 200' in out, out  # uvicorn's lines, on stdout


def test_a_control_token_closes_the_inspector_and_stays_out_of_the_output(
        models_dir: Path) -> None:
    """`serve` with a control token points at the inspector's login page, never printing the
    token; `?token=` logs in (a Secure cookie over TLS) and the access log hides it."""
    token = "a-token-no-output-may-show"
    port = _free_port()
    env = {**os.environ, ENV_VAR: str(models_dir), "SPAPI_EMULATOR_CONTROL_TOKEN": token}
    process, _ = _serving(["--tls", "--access-log", "--port", str(port), "--scale", "10"], env)
    try:
        assert process.stderr is not None
        cert = process.stderr.readline().strip().removeprefix("TLS certificate: ")
        hint = process.stderr.readline().strip()
        assert hint == (f"inspector: https://127.0.0.1:{port}/_emulator/ui/login "
                        "(log in with the control token)")
        verify = ssl.create_default_context(cafile=cert)
        deadline = time.monotonic() + 30
        while True:
            try:
                login = httpx.get(f"https://127.0.0.1:{port}/_emulator/ui/login",
                                  verify=verify)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
        assert login.status_code == 200 and token not in login.text
        opened = httpx.get(f"https://127.0.0.1:{port}/_emulator/ui/orders",
                           params={"token": token}, verify=verify)
        assert opened.status_code == 303
        assert opened.headers["location"] == "/_emulator/ui/orders"
        assert "; secure" in opened.headers["set-cookie"].lower()
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert '"GET /_emulator/ui/orders?token=*** HTTP/1.1" 303' in out, out
    assert token not in out and token not in err
