"""The command line: `spapi-emulator serve …`, `python -m emulator …`, and its failures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

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
    result = _run("serve", "--port", "0", env=env)
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
    finally:
        process.terminate()
        process.wait(timeout=10)


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


def test_bad_serve_options_are_one_clear_line(models_dir: Path, tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text("- {operation: getOrders, status: '418'}\n")
    for args, needle in ((["--throttle", "fast"], "--throttle"),
                         (["--faults", str(faults)], "status"),
                         (["--accounts", str(tmp_path / "none.yaml")], "none.yaml")):
        result = _run("serve", "--models", str(models_dir), "--port", "0", *args)
        assert result.returncode == 2, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], lines
