"""Runs the emulator under uvicorn on a socket bound here first, so a port already in use is
one clear line and a non-zero exit instead of a traceback."""

from __future__ import annotations

import errno
import gc
import logging
import socket
import sys
from urllib.parse import parse_qsl, urlencode

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import Server

from emulator import __version__
from emulator.app import create_app
from emulator.business.persistence import StateFileError
from emulator.config import Settings, is_loopback
from emulator.runtime.faults import FaultRuleError

# The most a request's head (request line and headers) may take. Amazon's gateway (API Gateway)
# documents 10,240 bytes for the request line and header values; this leaves room for header
# names and line ends. Past it: 431, and the connection is closed before more is buffered.
MAX_HEAD_BYTES = 16 * 1024
_TOO_LARGE_BODY = (b'{"errors":[{"code":"RequestHeaderFieldsTooLarge","message":"The request '
                   b'headers exceed the maximum accepted size.","details":""}]}')
_TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json"
              b"\r\nconnection: close\r\ncontent-length: " + str(len(_TOO_LARGE_BODY)).encode()
              + b"\r\n\r\n" + _TOO_LARGE_BODY)

GRACEFUL_SHUTDOWN = 3  # seconds open connections get to finish when the server stops


class PortInUse(RuntimeError):
    pass


class HeadLimitedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bound on the request head: httptools buffers a
    header line, however long, until it ends. A head is open while the request's scope has no
    method yet (uvicorn sets it when the headers are complete); the bytes of the chunks read
    meanwhile are counted (the chunk in which a head begins counts from the next one on, so
    the bound is MAX_HEAD_BYTES plus one read). One check per chunk, nothing per request."""

    _head_scope: object = None
    _head_bytes = 0

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        scope = self.scope
        if scope is None or "method" in scope:
            return
        if scope is not self._head_scope:  # a head began in this chunk
            self._head_scope, self._head_bytes = scope, 0
            return
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            self.transport.write(_TOO_LARGE)
            self.transport.close()


def uvicorn_config(app: object, *, log_level: str = "warning", access_log: bool = False,
                   settings: Settings | None = None) -> Config:
    """How uvicorn serves the emulator (`serve` and the embedded server alike)."""
    tls_cert = settings.tls_cert if settings is not None else None
    tls_key = settings.tls_key if settings is not None else None
    return Config(
        app,  # type: ignore[arg-type]
        http=HeadLimitedProtocol,
        # SP-API has no WebSockets: an Upgrade request is an HTTP request like any other
        # (answered as SP-API answers an unknown one), and the websockets library is not
        # imported at every start.
        ws="none",
        log_level=log_level,
        access_log=access_log,
        server_header=False,  # SP-API's own Server header is "Server"; uvicorn's would lie
        lifespan="on",
        ssl_certfile=str(tls_cert) if tls_cert is not None else None,
        ssl_keyfile=str(tls_key) if tls_key is not None else None,
        # An inspector tab keeps its live tail open; stopping must not wait for it forever.
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
    )


def inspector_hint(address: str, control_token: str | None) -> str:
    """Where the inspector opens. With a control token, its login page and never the token
    (nor a `?token=` URL): the token is the user's, but this line also lands where the
    server's output is kept (a container's log, CI), read by more people than it is meant for;
    whoever started the emulator knows the token."""
    if not control_token:
        return f"{address}/_emulator/ui"
    return f"{address}/_emulator/ui/login (log in with the control token)"


class HideLoginToken(logging.Filter):
    """`--access-log` without the control token sent once to log in to the inspector
    (`/_emulator/ui/?token=T`): a log is read by more people than the token is meant for."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path, mark, query = args[2].partition("?")
            fields = parse_qsl(query, keep_blank_values=True)
            if mark and any(name == "token" for name, _ in fields):
                hidden = urlencode([(n, "***" if n == "token" else v) for n, v in fields],
                                   safe="*")
                record.args = (*args[:2], f"{path}?{hidden}", *args[3:])
        return True


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
    if not is_loopback(settings.host):
        print(f"spapi-emulator: warning: bound to {settings.host}, the emulator answers other "
              "machines; the control plane asks for the x-emulator-control-token header",
              file=sys.stderr)
    try:
        app = create_app(settings)
    except (FaultRuleError, StateFileError) as error:
        # Fault rules that cannot be used, a state file that is damaged or belongs to another
        # business: nothing is served.
        sock.close()
        print(f"spapi-emulator: {error}", file=sys.stderr)
        return 2
    # What start-up made is frozen out of the collector's view (create_app); the collector,
    # off while the modules and the app were made (cli._serve), works on what serving makes.
    gc.enable()
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
    print(f"inspector: {inspector_hint(address, settings.control_token)}", file=sys.stderr,
          flush=True)
    config = uvicorn_config(app, log_level=log_level, access_log=access_log, settings=settings)
    if access_log:
        # uvicorn logs request lines at INFO on a logger set to --log-level (warning by
        # default, set when the config is made): `--access-log` alone would print nothing.
        logging.getLogger("uvicorn.access").setLevel(logging.INFO)
        logging.getLogger("uvicorn.access").addFilter(HideLoginToken())
    server = Server(config)
    server.run(sockets=[sock])
    return 0
