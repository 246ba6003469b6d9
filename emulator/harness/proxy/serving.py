"""Serving an ASGI app (the proxy, the replay server) on a socket bound beforehand: in a
background thread for tests, or until SIGINT/SIGTERM for the command line.

uvicorn's own signal handling re-raises the signal after its graceful shutdown, which would
kill the process before the proxy writes its report and picks its exit code; so the server
always runs in a thread, and the main thread waits for the signal itself.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp


@contextmanager
def in_thread(app: ASGIApp, sock: socket.socket, name: str,
              startup_timeout: float = 30.0) -> Iterator[uvicorn.Server]:
    """Serve `app` on `sock` until the block ends (the socket is closed afterwards)."""
    # No Server or Date header of uvicorn's own: the answers relayed carry the upstream's.
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False,
                            date_header=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                              name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.005)
    try:
        yield server
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def wait_for_signal(server: uvicorn.Server) -> None:
    """Block until SIGINT or SIGTERM (or the server stops by itself)."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.2):
            if server.should_exit:
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
