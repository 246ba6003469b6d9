"""Runs the emulator under uvicorn on a socket bound here first, so a port already in use is
one clear line and a non-zero exit instead of a traceback."""

from __future__ import annotations

import errno
import socket
import sys

import uvicorn

from emulator import __version__
from emulator.app import create_app
from emulator.config import Settings


class PortInUse(RuntimeError):
    pass


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} on {host} is already in use") from None
        raise
    # Accepted connections inherit this. Without it, a reply written as headers + body waits
    # for the client's delayed ACK: 40 ms per keep-alive request instead of well under 1 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings, *, log_level: str = "warning", access_log: bool = False) -> int:
    try:
        sock = bind(settings.host, settings.port)
    except PortInUse as error:
        print(f"spapi-emulator: {error}; choose another with --port", file=sys.stderr)
        return 1
    app = create_app(settings)
    summary = app.models.summary()
    print(
        f"spapi-emulator {__version__} on http://{settings.host}:{sock.getsockname()[1]} "
        f"(mode {settings.mode}, seed {settings.seed}; {summary['apis']} models, "
        f"{summary['operations']} operations from {settings.models_dir})",
        file=sys.stderr,
        flush=True,
    )
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=access_log,
        server_header=False,  # SP-API's own Server header is "Server"; uvicorn's would lie
        lifespan="on",
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    return 0
