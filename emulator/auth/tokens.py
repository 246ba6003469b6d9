"""Tokens the emulator issues and later recognises: LWA access tokens (seller or grantless),
Restricted Data Tokens, and website-authorization codes. All expire on the emulator clock.

Tokens look like Amazon's (`Atza|…` of 350+ characters, `Atz.sprdt|…`) and carry no meaning:
each one is a key into this store, which says whom it stands for and until when. Their bytes
come from the OS's CSPRNG (`Randomness.secret_source`), never from the public seed.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Literal

from emulator.auth.accounts import App, Seller
from emulator.runtime.clock import Clock
from emulator.runtime.rng import Randomness

ACCESS_PREFIX = "Atza|"
RDT_PREFIX = "Atz.sprdt|"
CODE_LIFETIME = 300.0  # website authorization codes: 5 minutes, single use
RDT_LIFETIME = 3600
_PRUNE_EVERY = 1024  # sweep expired entries every this many new tokens; keeps memory bounded

TokenKind = Literal["seller", "grantless", "rdt"]


@dataclass(frozen=True)
class RestrictedResource:
    """One `restrictedResources` entry of an RDT: a method and a path, generic
    (`/orders/v0/orders/{orderId}/address`) or specific, and the Orders data elements."""

    method: str
    path: str
    data_elements: frozenset[str]

    def pattern(self) -> re.Pattern[str]:
        parts = [r"[^/]+" if s.startswith("{") and s.endswith("}") else re.escape(s)
                 for s in self.path.split("/")]
        return re.compile("/".join(parts))

    def covers(self, method: str, path: str) -> bool:
        return method == self.method and self.pattern().fullmatch(path) is not None


@dataclass(frozen=True)
class Grant:
    kind: TokenKind
    app: App
    seller: Seller | None  # None for grantless tokens
    expires_at: float
    scopes: frozenset[str] = frozenset()
    resources: tuple[RestrictedResource, ...] = ()  # RDTs only

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class AuthorizationCode:
    app: App
    seller: Seller
    redirect_uri: str
    expires_at: float


class TokenStore:
    def __init__(self, clock: Clock, randomness: Randomness, access_ttl: int = 3600) -> None:
        self.clock = clock
        self.access_ttl = access_ttl
        self._random = randomness.secret_source("tokens")
        self._grants: dict[str, Grant] = {}
        self._codes: dict[str, AuthorizationCode] = {}
        self._issued = 0

    def _mint(self, prefix: str, size: int) -> str:
        # base64url of random bytes: 264 bytes give 352 characters, past LWA's 350 minimum.
        return prefix + base64.urlsafe_b64encode(self._random.randbytes(size)).decode()

    def _store(self, token: str, grant: Grant) -> str:
        self._grants[token] = grant
        self._issued += 1
        if self._issued % _PRUNE_EVERY == 0:
            self.prune()
        return token

    def prune(self) -> None:
        """Forget tokens that expired over an hour ago (they still answer "expired" until then)."""
        horizon = self.clock.now() - 3600
        self._grants = {t: g for t, g in self._grants.items() if g.expires_at > horizon}
        self._codes = {c: a for c, a in self._codes.items() if a.expires_at > horizon}

    def issue_access(self, app: App, seller: Seller) -> str:
        grant = Grant("seller", app, seller, self.clock.now() + self.access_ttl)
        return self._store(self._mint(ACCESS_PREFIX, 264), grant)

    def issue_grantless(self, app: App, scopes: frozenset[str]) -> str:
        grant = Grant("grantless", app, None, self.clock.now() + self.access_ttl, scopes)
        return self._store(self._mint(ACCESS_PREFIX, 264), grant)

    def issue_rdt(self, app: App, seller: Seller,
                  resources: tuple[RestrictedResource, ...]) -> str:
        grant = Grant("rdt", app, seller, self.clock.now() + RDT_LIFETIME, resources=resources)
        return self._store(self._mint(RDT_PREFIX, 300), grant)

    def lookup(self, token: str) -> Grant | None:
        """The grant behind a token, expired or not; None when the token was never issued."""
        return self._grants.get(token)

    def issue_code(self, app: App, seller: Seller, redirect_uri: str) -> str:
        code = "ANDJ" + base64.urlsafe_b64encode(self._random.randbytes(15)).decode()
        self._codes[code] = AuthorizationCode(app, seller, redirect_uri,
                                              self.clock.now() + CODE_LIFETIME)
        return code

    def redeem_code(self, code: str, app: App, redirect_uri: str | None) -> Seller | None:
        """The seller an authorization code stands for; the code is gone afterwards (single
        use). None when unknown, reused, expired, for another app or another redirect URI."""
        issued = self._codes.pop(code, None)
        if issued is None or issued.app.client_id != app.client_id:
            return None
        if self.clock.now() >= issued.expires_at:
            return None
        if redirect_uri is not None and redirect_uri != issued.redirect_uri:
            return None
        return issued.seller
