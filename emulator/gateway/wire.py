"""Raw ASGI plumbing shared by every route: reading a request body and sending a reply.

The emulator speaks ASGI directly on its hot path (no framework request/response objects):
a reply is a status, pre-encoded bytes and a header list, sent in two messages.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.types import Receive, Send

from emulator.gateway.errors import PayloadTooLarge, SpApiError

JSON = "application/json"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str | None = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


def compact(value: Any) -> bytes:
    """Compact JSON, as SP-API sends it (`{"reportId":"1213280020332"}`)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def json_reply(status: int, value: Any, headers: list[tuple[str, str]] | None = None) -> Reply:
    return Reply(status, compact(value), JSON, list(headers or []))


def error_reply(error: SpApiError) -> Reply:
    return Reply(error.status, compact(error.body()), JSON, list(error.headers.items()))


async def read_body(receive: Receive, limit: int, declared_length: str | None) -> bytes:
    """The whole request body, refusing more than `limit` bytes with Amazon's 413."""
    if declared_length and declared_length.isdigit() and int(declared_length) > limit:
        raise PayloadTooLarge()
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def read_capped(request: Request, limit: int) -> bytes | None:
    """A Starlette request's body, or None as soon as it is (or declares itself) over `limit`
    bytes: what the LWA, consent and control-plane routes read before they parse."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def send_reply(send: Send, reply: Reply, extra: Sequence[tuple[str, str]] = ()) -> None:
    # Header names keep Amazon's spelling (x-amzn-RequestId); HTTP does not care, people do.
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (*reply.headers, *extra)]
    if reply.content_type and reply.status != 304:
        # Also on a 204: Amazon's gateway labels every answer with the operation's type.
        headers.append((b"content-type", reply.content_type.encode("latin-1")))
    if reply.status not in (204, 304):
        headers.append((b"content-length", str(len(reply.body)).encode()))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    body = reply.body if reply.status not in (204, 304) else b""
    await send({"type": "http.response.body", "body": body})
