"""The validating proxy as an ASGI app: a client's SP-API and LWA traffic in, the same traffic
out to the upstream, and every request and answer checked on the way (checks.py).

    GET/DELETE /_proxy/report    the live report (DELETE clears it)
    /auth/o2/token               LWA: checked, forwarded to the upstream's LWA
    /_documents/..., /_emulator/...
                                 an emulator's documents and control plane: forwarded as
                                 they are (document URLs point here when the proxy started
                                 the emulator)
    everything else              SP-API: checked, forwarded, the answer checked

Answers reach the client unchanged, plus `x-spapi-proxy-violations` (the kinds found) when
something was wrong, as Prism's proxy adds `sl-violations`.
"""

from __future__ import annotations

import itertools
import logging
from urllib.parse import quote

import httpx
from starlette.types import Receive, Scope, Send

from emulator.gateway.call import Call, header_map
from emulator.gateway.errors import PayloadTooLarge
from emulator.gateway.wire import JSON, Reply, compact, read_body, send_reply
from emulator.harness.proxy.checks import (
    Finding,
    RequestChecks,
    lwa_request_findings,
    lwa_response_findings,
    response_findings,
)
from emulator.harness.proxy.report import Direction, Report
from emulator.harness.proxy.upstream import LWA_PATH, Upstream
from emulator.models.spec import ModelSet

log = logging.getLogger("emulator.harness.proxy")

REPORT_PATH = "/_proxy/report"
PASSTHROUGH = ("/_documents/", "/_emulator/")
MAX_BODY = 100 * 1024 * 1024  # feed documents go through too
# Hop-by-hop headers (RFC 9110 7.6.1) and what httpx recomputes or has already undone.
_REQUEST_DROP = frozenset({"host", "content-length", "connection", "keep-alive", "te",
                           "trailer", "transfer-encoding", "upgrade", "proxy-authorization",
                           "proxy-connection", "accept-encoding"})
_RESPONSE_DROP = frozenset({"content-length", "content-encoding", "transfer-encoding",
                            "connection", "keep-alive", "content-type"})


class ProxyApp:
    def __init__(self, models: ModelSet, upstream: Upstream, report: Report) -> None:
        self.upstream = upstream
        self.report = report
        self.checks = RequestChecks(models)
        self._client: httpx.AsyncClient | None = None
        self._numbers = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await send_reply(send, await self._answer(scope, receive))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._client = httpx.AsyncClient(timeout=120, follow_redirects=False)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _answer(self, scope: Scope, receive: Receive) -> Reply:
        path = scope["path"]
        if path == REPORT_PATH:
            return self._report_route(scope["method"])
        raw_path = scope.get("raw_path")
        call = Call(scope=scope, method=scope["method"],
                    raw_path=raw_path.decode("latin-1") if raw_path else quote(path),
                    headers=header_map(scope), request_id="")
        try:
            call.body = await read_body(receive, MAX_BODY, call.headers.get("content-length"))
        except PayloadTooLarge:
            return Reply(413, compact({"errors": [{"code": "RequestEntityTooLarge",
                                                   "message": "Too large for the proxy.",
                                                   "details": ""}]}))
        if path == LWA_PATH:
            return await self._lwa(call)
        if path.startswith(PASSTHROUGH):
            return await self._forward(call, self.upstream.base_url + call.raw_path)
        return await self._sp_api(call)

    def _report_route(self, method: str) -> Reply:
        if method == "DELETE":
            self.report.clear()
            return Reply(204, b"", None)
        return Reply(200, compact(self.report.as_dict()), JSON)

    async def _lwa(self, call: Call) -> Reply:
        findings: list[tuple[Direction, Finding]] = [
            ("request", f) for f in lwa_request_findings(call.method, call.headers, call.body)]
        reply = await self._forward(call, self.upstream.lwa_url, findings)
        if not any(f.kind == "upstream-error" for _, f in findings):
            findings += [("response", f) for f in lwa_response_findings(reply.status, reply.body)]
        return self._record(call, "LWA", reply, findings)

    async def _sp_api(self, call: Call) -> Reply:
        findings: list[tuple[Direction, Finding]] = [
            ("request", f) for f in await self.checks.sp_api(call)]
        reply = await self._forward(call, self.upstream.base_url + call.raw_path, findings)
        if not any(f.kind == "upstream-error" for _, f in findings):
            headers = {k.lower(): v for k, v in reply.headers}
            findings += [("response", f) for f in response_findings(
                call.operation, reply.status, headers, reply.body)]
        uid = call.operation.uid if call.operation is not None else None
        return self._record(call, uid, reply, findings)

    def _record(self, call: Call, operation: str | None, reply: Reply,
                findings: list[tuple[Direction, Finding]]) -> Reply:
        request_id = reply.header("x-amzn-RequestId") or f"proxy-{next(self._numbers)}"
        counted = self.report.add(request_id, operation, call.method,
                                  call.raw_path.split("?")[0], findings)
        if counted:
            kinds = ",".join(dict.fromkeys(v.kind for v in counted))
            reply.headers.append(("x-spapi-proxy-violations", kinds))
        return reply

    async def _forward(self, call: Call, url: str,
                       findings: list[tuple[Direction, Finding]] | None = None) -> Reply:
        assert self._client is not None, "the proxy forwards only while it is running"
        query = call.scope.get("query_string", b"").decode("latin-1")
        target = f"{url}?{query}" if query else url
        headers = [(k, v) for k, v in call.headers.items() if k not in _REQUEST_DROP]
        try:
            response = await self._client.request(call.method, httpx.URL(target),
                                                   headers=headers, content=call.body or None)
        except httpx.HTTPError as error:
            log.warning("upstream %s failed: %s", self.upstream.name, error)
            if findings is not None:
                findings.append(("response", Finding(
                    "upstream-error", f"{self.upstream.name}: {type(error).__name__}: {error}")))
            return Reply(502, compact({"errors": [{
                "code": "BadGateway", "message": f"The proxy could not reach "
                f"{self.upstream.name}: {error}", "details": ""}]}), JSON)
        kept = [(k, v) for k, v in response.headers.multi_items()
                if k.lower() not in _RESPONSE_DROP]
        return Reply(response.status_code, response.content,
                     response.headers.get("content-type"), kept)
