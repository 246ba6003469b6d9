"""The emulator on a free port in a background thread of this process: for tests, benchmarks
and the pytest plugin. Real HTTP on a real socket, so clients see exactly what they would see
from `spapi-emulator serve`."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from emulator.app import EmulatorApp, create_app
from emulator.config import Settings
from emulator.server import bind, uvicorn_config


@dataclass
class Running:
    app: EmulatorApp
    base_url: str
    server: uvicorn.Server


@contextmanager
def running(settings: Settings, *, startup_timeout: float = 30.0) -> Iterator[Running]:
    """Serve `settings` (port 0 picks a free port) until the block ends."""
    sock = bind(settings.host, settings.port)
    port = sock.getsockname()[1]
    if settings.port == 0:
        settings = Settings(**{**settings.__dict__, "port": port})
    app = create_app(settings)
    server = uvicorn.Server(uvicorn_config(app))
    # uvicorn installs signal handlers only in the main thread; a background thread needs none.
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="spapi-emulator",
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the embedded emulator did not start")
        time.sleep(0.005)
    try:
        yield Running(app=app, base_url=f"http://{settings.host}:{port}", server=server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
