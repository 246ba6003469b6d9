"""Pagination tokens: opaque, bound to the request's filters, expiring on the emulator clock.

A token is standard base64 (with `+`, `/` and `=`, like Amazon's, so a client that forgets to
URL-encode it fails here as it would on SP-API) of a small signed record: which listing it
pages, for which seller, the filters' digest, the position, and when it was issued. A token
that was tampered with, belongs to other filters or another seller, or is too old is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from emulator.runtime.clock import Clock
from emulator.runtime.rng import Randomness

DEFAULT_LIFETIME = 24 * 3600.0  # Amazon's lifetime is undocumented; a day outlives any paging


class TokenRejected(ValueError):
    """Why a token was refused: 'malformed', 'expired' or 'filters'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _digest(filters: Mapping[str, Any]) -> str:
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class PageTokens:
    def __init__(self, clock: Clock, randomness: Randomness,
                 lifetime: float = DEFAULT_LIFETIME) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self._key = randomness.derive("page-tokens").randbytes(32)

    def issue(self, listing: str, seller_id: str, filters: Mapping[str, Any],
              position: Any) -> str:
        """A token for the page starting at `position` (any JSON value)."""
        record = {"l": listing, "s": seller_id, "f": _digest(filters), "p": position,
                  "t": int(self.clock.now())}
        payload = json.dumps(record, separators=(",", ":")).encode()
        signature = hmac.new(self._key, payload, hashlib.sha256).digest()[:12]
        return base64.b64encode(signature + payload).decode()

    def read(self, token: str, listing: str, seller_id: str,
             filters: Mapping[str, Any]) -> Any:
        """The position a token stands for; TokenRejected when it may not be used here."""
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            raise TokenRejected("malformed") from None
        signature, payload = raw[:12], raw[12:]
        expected = hmac.new(self._key, payload, hashlib.sha256).digest()[:12]
        if len(raw) < 13 or not hmac.compare_digest(signature, expected):
            raise TokenRejected("malformed")
        record = json.loads(payload)
        if record.get("l") != listing or record.get("s") != seller_id:
            raise TokenRejected("filters")
        if self.clock.now() - record.get("t", 0) > self.lifetime:
            raise TokenRejected("expired")
        if record.get("f") != _digest(filters):
            raise TokenRejected("filters")
        return record.get("p")
