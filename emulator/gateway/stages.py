"""Pipeline stages that turn a decision of the emulator's state into SP-API's reply:
throttling (429 QuotaExceeded) and injected faults (errors, Amazon's HTML 503, latency)."""

from __future__ import annotations

import asyncio
from urllib.parse import unquote

from emulator.gateway.call import Call
from emulator.gateway.errors import (
    InternalFailure,
    QuotaExceeded,
    ServiceUnavailable,
    SpApiError,
)
from emulator.gateway.wire import Reply, error_reply
from emulator.runtime.faults import Faults
from emulator.runtime.throttle import Throttler

# What Amazon's edge sends when it is overwhelmed: an HTML page, not JSON (models#4667).
UNAVAILABLE_HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Website Temporarily Unavailable</title></head>"
    b"<body><h1>Website Temporarily Unavailable</h1><p>We're sorry, the website is "
    b"temporarily unavailable. Please try again later.</p></body></html>\n"
)


def _refused(call: Call, error: SpApiError) -> Reply:
    """The stage's error reply, and what the journal says of it."""
    call.error = f"{error.code}: {error.details or error.message}"
    return error_reply(error)


class ThrottleStage:
    def __init__(self, throttler: Throttler) -> None:
        self.throttler = throttler

    async def __call__(self, call: Call) -> Reply | None:
        principal = call.principal
        assert call.operation is not None and principal is not None
        operation = call.operation
        left = self.throttler.draw(principal.app.client_id, principal.seller_key, operation)
        if self.throttler.mode.kind != "off":
            plan = self.throttler.plan(operation)
            # What the journal says of the bucket: tokens left, refill rate, size.
            call.bucket = (left if left >= 0.0 else -1.0 - left, plan.rate, plan.burst)
        if left >= 0.0:
            return None
        call.throttled = True
        return _refused(call, QuotaExceeded())


class FaultStage:
    def __init__(self, faults: Faults) -> None:
        self.faults = faults

    async def __call__(self, call: Call) -> Reply | None:
        if not self.faults.active:
            return None
        operation = call.operation
        seller = call.principal.seller_key if call.principal is not None else None
        rule = self.faults.decide(operation.uid if operation else None, unquote(call.raw_path),
                                  seller or None)
        if rule is None:
            return None
        call.fault = rule.id
        if rule.latency_ms:
            await asyncio.sleep(rule.latency_ms / 1000)
        if rule.status == "500":
            return _refused(call, InternalFailure(headers={
                "x-amzn-ErrorType": "InternalServerErrorException"}))
        if rule.status == "503":
            return _refused(call, ServiceUnavailable())
        if rule.status == "503-html":
            call.error = "ServiceUnavailable: Amazon's HTML page"
            return Reply(503, UNAVAILABLE_HTML, "text/html")
        if rule.status == "429":
            call.throttled = True
            return _refused(call, QuotaExceeded())
        return None  # latency only
