"""Who may open the inspector when the emulator has a control token: whoever sends the token
(the control plane's header, or once to log in), or holds a session that logging in gave.
Plain Python, no HTTP (login.py serves it).

A session is `issued.nonce.mac`: the MAC (HMAC-SHA256 under a key drawn when the process
starts) proves this process issued it, so the server keeps nothing per login (nothing to
bound), a forged value fails, and every session ends when the emulator stops. The value is
never the token, so a cookie that leaks does not give the token away.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

# How long a login lasts (real time: the emulator clock jumps by days at a button's press).
SESSION_SECONDS = 12 * 3600


class Sessions:
    def __init__(self, token: str | None, now: Callable[[], float] = time.time) -> None:
        # An empty token asks for nothing, as for the control plane (an absent header is "").
        # Kept as its digest: comparing digests of equal length says nothing of its length.
        self._token = _digest(_utf8(token)) if token else None
        # Not from the seed (emulator/runtime/rng.py): a session is no part of the emulated
        # business, and one guessable from the seed would let anyone in.
        self._key = secrets.token_bytes(32)
        self._now = now

    @property
    def required(self) -> bool:
        """Whether the inspector asks for the token (only when the emulator has one)."""
        return self._token is not None

    def is_token(self, sent: str | bytes) -> bool:
        """Whether `sent` is the control token, compared in constant time."""
        if self._token is None:
            return False
        return hmac.compare_digest(_digest(_utf8(sent) if isinstance(sent, str) else sent),
                                   self._token)

    def issue(self) -> str:
        """A new session's value, for the cookie."""
        body = f"{int(self._now())}.{secrets.token_urlsafe(16)}"
        return f"{body}.{self._mac(body)}"

    def is_valid(self, value: str | None) -> bool:
        """Whether `value` is a session this process issued and that has not expired."""
        if self._token is None or not value:
            return False
        body, _, mac = value.rpartition(".")
        issued = body.split(".", 1)[0]
        if not hmac.compare_digest(_utf8(mac), _utf8(self._mac(body))):
            return False
        # A valid MAC proves `issued` is the integer this process wrote.
        return 0 <= self._now() - int(issued) <= SESSION_SECONDS

    def _mac(self, body: str) -> str:
        return hmac.new(self._key, _utf8(body), hashlib.sha256).hexdigest()


def _utf8(text: str) -> bytes:
    # surrogatepass: a lone surrogate sent in a form cannot raise, nor equal a real token.
    return text.encode("utf-8", "surrogatepass")


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()
