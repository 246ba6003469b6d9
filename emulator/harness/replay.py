"""`spapi-emulator replay DIR`: recorded interactions served over HTTP, for clients in any
language and for QA without a network.

Every cassette under DIR is loaded; a request is answered by the recorded interaction with the
same method, path and query (query order does not matter; percent-encoding does not matter).
Interactions recorded several times for one request (a report polled until DONE) are played
in recorded order, the last one repeating. URLs of the recording's hosts inside answers
(presigned document URLs) are rewritten to this server, whose own recordings of the document
downloads then answer them.

    GET /_replay/interactions    what was loaded, and how often each request was played
    POST /_replay/reset          start every sequence again
A request nothing was recorded for gets 404 with code `NotRecorded` in SP-API's envelope.
"""

from __future__ import annotations

import sys
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, unquote

import uvicorn
from starlette.types import Receive, Scope, Send

from emulator.gateway.wire import JSON, Reply, compact, read_body, send_reply
from emulator.harness.cassettes.store import Interaction, load_all
from emulator.harness.proxy.serving import in_thread, wait_for_signal
from emulator.server import bind

Key = tuple[str, str, tuple[tuple[str, str], ...]]
CONTROL_PREFIX = "/_replay/"
# Recomputed here, or already undone when the cassette was recorded.
_DROPPED_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding",
                              "connection", "keep-alive", "content-type"})


def request_key(method: str, raw_path: str, query: str) -> Key:
    pairs = tuple(sorted(parse_qsl(query, keep_blank_values=True)))
    return method.upper(), unquote(raw_path), pairs


class ReplayApp:
    def __init__(self, interactions: Sequence[Interaction], public_url: str) -> None:
        self.public_url = public_url.rstrip("/")
        self._recorded: dict[Key, list[Interaction]] = defaultdict(list)
        for interaction in interactions:
            key = request_key(interaction.method, interaction.path,
                              interaction.uri.partition("?")[2])
            self._recorded[key].append(interaction)
        # Longest first, so `http://host:80` is not cut short by `http://host:8`.
        self._origins = sorted({i.origin.encode() for i in interactions}, key=len, reverse=True)
        self._played: dict[Key, int] = defaultdict(int)
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        return sum(len(v) for v in self._recorded.values())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        await read_body(receive, 100 * 1024 * 1024, None)  # bodies are not matched
        await send_reply(send, self.answer(scope))

    def answer(self, scope: Scope) -> Reply:
        method, path = scope["method"], scope["path"]
        if path.startswith(CONTROL_PREFIX):
            return self._control(method, path)
        raw = scope.get("raw_path") or path.encode()
        key = request_key(method, raw.decode("latin-1"),
                          scope.get("query_string", b"").decode("latin-1"))
        recorded = self._recorded.get(key)
        if not recorded:
            query = scope.get("query_string", b"").decode("latin-1")
            shown = f"{method} {path}" + (f"?{query}" if query else "")
            return Reply(404, compact({"errors": [{
                "code": "NotRecorded", "message": f"No recorded interaction for {shown}",
                "details": "The replay server matches method, path and query."}]}))
        with self._lock:
            position = self._played[key]
            self._played[key] = position + 1
        return self._reply(recorded[min(position, len(recorded) - 1)])

    def _reply(self, interaction: Interaction) -> Reply:
        headers = [(name, self._rewrite(value.encode()).decode("latin-1"))
                   for name, values in interaction.response_headers.items()
                   if name.lower() not in _DROPPED_HEADERS for value in values]
        return Reply(interaction.status, self._rewrite(interaction.response_body),
                     interaction.response_header("content-type"), headers)

    def _rewrite(self, data: bytes) -> bytes:
        for origin in self._origins:
            if origin in data:
                data = data.replace(origin, self.public_url.encode())
        return data

    def _control(self, method: str, path: str) -> Reply:
        if path == CONTROL_PREFIX + "interactions" and method == "GET":
            listing = [{"method": key[0], "path": key[1], "query": dict(key[2]),
                        "recorded": len(found), "played": self._played.get(key, 0),
                        "cassettes": sorted({i.cassette.name for i in found})}
                       for key, found in sorted(self._recorded.items())]
            return Reply(200, compact({"interactions": listing}), JSON)
        if path == CONTROL_PREFIX + "reset" and method == "POST":
            with self._lock:
                self._played.clear()
            return Reply(204, b"", None)
        return Reply(404, compact({"errors": [{"code": "NotFound", "message":
                                               f"No replay control route {method} {path}",
                                               "details": ""}]}), JSON)


@contextmanager
def running_replay(directory: Path, host: str = "127.0.0.1", port: int = 0,
                   public_url: str | None = None) -> Iterator[tuple[str, ReplayApp,
                                                                   uvicorn.Server]]:
    """Serve the cassettes under `directory` until the block ends."""
    interactions = list(load_all(directory))
    sock = bind(host, port)
    base_url = public_url or f"http://{host}:{sock.getsockname()[1]}"
    app = ReplayApp(interactions, base_url)
    with in_thread(app, sock, "spapi-replay") as server:
        yield base_url, app, server


def serve(directory: Path, host: str, port: int, public_url: str | None) -> int:
    with running_replay(directory, host, port, public_url) as (base_url, app, server):
        print(f"spapi-emulator replay on {base_url}: {app.count} interactions from "
              f"{directory}", file=sys.stderr, flush=True)
        wait_for_signal(server)
    return 0
