"""Runs the emulator under uvicorn on a socket bound here first, so a port already in use is
one clear line and a non-zero exit instead of a traceback."""

from __future__ import annotations

import errno
import logging
import socket
import sys

import uvicorn

from emulator import __version__
from emulator.app import create_app
from emulator.config import Settings

GRACEFUL_SHUTDOWN = 3  # seconds open connections get to finish when the server stops


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
    address = f"{settings.scheme}://{settings.host}:{sock.getsockname()[1]}"
    print(
        f"spapi-emulator {__version__} on {address} "
        f"(mode {settings.mode}, seed {settings.seed}; {summary['apis']} models, "
        f"{summary['operations']} operations from {settings.models_dir})",
        file=sys.stderr,
        flush=True,
    )
    if settings.tls_cert is not None:
        print(f"TLS certificate: {settings.tls_cert}", file=sys.stderr, flush=True)
    print(f"inspector: {address}/_emulator/ui", file=sys.stderr, flush=True)
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=access_log,
        server_header=False,  # SP-API's own Server header is "Server"; uvicorn's would lie
        lifespan="on",
        ssl_certfile=str(settings.tls_cert) if settings.tls_cert is not None else None,
        ssl_keyfile=str(settings.tls_key) if settings.tls_key is not None else None,
        # An inspector tab keeps its live tail open; stopping must not wait for it forever.
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
    )
    if access_log:
        # uvicorn logs request lines at INFO on a logger set to --log-level (warning by
        # default): `--access-log` alone would print nothing.
        logging.getLogger("uvicorn.access").setLevel(logging.INFO)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    return 0
