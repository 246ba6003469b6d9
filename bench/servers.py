"""Start a server in its own process on a free port, time its start, read its memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    first_ok_seconds: float  # from spawning the process to the first 200 on the probe URL

    def rss_mb(self) -> float:
        """Resident memory of the server process (VmRSS), in MB."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


@contextmanager
def serve(argv: list[str], probe: str, port: int, timeout: float = 60.0) -> Iterator[Server]:
    """Run `argv` (which must listen on `port`) until the block ends; `probe` is a path+query
    that answers 200 once the server is ready."""
    started = time.perf_counter()
    # As users run it: Python keeps its bytecode (no PYTHONDONTWRITEBYTECODE).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**env, "PYTHONUNBUFFERED": "1"})
    base_url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base_url, timeout=1) as client:
            while True:
                if process.poll() is not None:
                    error = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"{argv[0]} exited: {error}")
                try:
                    if client.get(probe).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.perf_counter() - started > timeout:
                    raise RuntimeError(f"{argv} did not answer {probe} within {timeout} s")
                time.sleep(0.005)
        yield Server(process, base_url, time.perf_counter() - started)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def emulator_argv(port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "emulator", "serve", "--port", str(port), *extra]


def uvicorn_argv(app: str, port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level", "warning",
            "--no-access-log"]
