"""Start-up: a separate `spapi-emulator serve` process, from its launch to its first stateful
getOrders answered (a client asking for an LWA token as soon as the port answers, then
getOrders: the seller's business generated, the request validated, a page rendered), against
`python -c pass` measured in the same run. Runs take turns, so the machine's drift (other
processes) spreads over both.

Processes run as users run them: Python writes and reuses its bytecode (a
PYTHONDONTWRITEBYTECODE in the environment is dropped for them), and one warm-up launch comes
first.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx

from bench.servers import free_port

TARGETS = {"first_orders_s": 0.5}
ORDERS = "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2020-01-01T00:00:00Z"


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONUNBUFFERED": "1"}


@dataclass
class StartupFigures:
    python_pass: list[float]
    first_orders: list[float]  # launch -> token -> first getOrders answered
    first_token: list[float]  # launch -> the LWA token answered

    def median(self, values: list[float]) -> float:
        return statistics.median(values)


def _python_pass() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True, env=environment())
    return time.perf_counter() - started


def _first_orders() -> tuple[float, float]:
    from emulator.auth.accounts import Accounts
    from emulator.config import FIXTURES

    accounts = Accounts.load(FIXTURES / "accounts.yaml")
    app, seller = accounts.apps[0], accounts.sellers[0]
    form = {"grant_type": "refresh_token", "client_id": app.client_id,
            "client_secret": app.client_secret,
            "refresh_token": accounts.refresh_token_of(seller, app)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment())
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                try:
                    token = client.post("/auth/o2/token", data=form)
                    break
                except httpx.TransportError:
                    if process.poll() is not None:
                        raise RuntimeError("the emulator exited") from None
                    time.sleep(0.002)
            token_at = time.perf_counter() - started
            answer = client.get(ORDERS, headers={
                "x-amz-access-token": token.json()["access_token"]})
            orders_at = time.perf_counter() - started
            if answer.status_code != 200 or not answer.json()["payload"]["Orders"]:
                raise RuntimeError(f"getOrders answered {answer.status_code}: {answer.text}")
    finally:
        process.terminate()
        process.wait()
    return orders_at, token_at


def measure(seconds: float, runs: int) -> StartupFigures:
    _python_pass()
    _first_orders()  # warm-up: bytecode written, files in the page cache
    python_pass, first_orders, first_token = [], [], []
    for _ in range(max(runs, 5)):
        python_pass.append(_python_pass())
        orders_at, token_at = _first_orders()
        first_orders.append(orders_at)
        first_token.append(token_at)
    return StartupFigures(python_pass, first_orders, first_token)


def report(figures: StartupFigures) -> list[str]:
    base = figures.median(figures.python_pass)
    orders = figures.median(figures.first_orders)

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    def runs(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    return [
        "startup: launch of `spapi-emulator serve` to its first stateful getOrders",
        f"  python -c pass                {base:9.3f} s      (runs: {runs(figures.python_pass)})",
        f"  LWA token answered            {figures.median(figures.first_token):9.3f} s"
        f"      (runs: {runs(figures.first_token)})",
        f"  first getOrders answered      {orders:9.3f} s      target <= "
        f"{TARGETS['first_orders_s']:.1f}   {verdict(orders <= TARGETS['first_orders_s'])}"
        f"  (runs: {runs(figures.first_orders)})",
        f"  ratio to python -c pass       {orders / base:9.1f}",
    ]
