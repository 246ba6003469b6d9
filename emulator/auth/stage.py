"""The authentication stage: every SP-API operation needs `x-amz-access-token`.

The token decides who calls (app and seller, or the app alone for a grantless token) and so
whose state, buckets and journal the call uses. Refusals are Amazon's 403 bodies, with the
details strings clients match on. Restricted Data Tokens open only the resources they name.
SigV4 `Authorization` headers are accepted and ignored, as SP-API has done since 2023.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from emulator.auth.accounts import Accounts, App, Seller
from emulator.auth.tokens import Grant, TokenKind, TokenStore
from emulator.config import Settings
from emulator.gateway.call import Call
from emulator.gateway.errors import AccessDenied
from emulator.gateway.wire import Reply
from emulator.models.restricted import restriction
from emulator.models.spec import Operation
from emulator.runtime.clock import Clock

MISSING_TOKEN = "Access token is missing in the request header."
INVALID_TOKEN = "The access token you provided is revoked, malformed or invalid."
EXPIRED_TOKEN = "The access token you provided has expired."

NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
ROTATION_SCOPE = "sellingpartnerapi::client_credential:rotation"
SCOPES = frozenset({NOTIFICATIONS_SCOPE, ROTATION_SCOPE})

# Grantless operations and their scope. The notifications operations say "is grantless" in
# their model descriptions; Application Management's rotation is grantless by Amazon's
# "Grantless operations" page, which its model does not say.
_GRANTLESS_TEXT = re.compile(r"is grantless", re.I)
_GRANTLESS_BY_DOCS = {"application_2023-11-30.rotateApplicationClientSecret": ROTATION_SCOPE}
_SCOPE_BY_MODEL = {"notifications": NOTIFICATIONS_SCOPE}


def grantless_scope(operation: Operation) -> str | None:
    """The scope a grantless operation needs; None for operations that need a seller."""
    if operation.uid in _GRANTLESS_BY_DOCS:
        return _GRANTLESS_BY_DOCS[operation.uid]
    if _GRANTLESS_TEXT.search(operation.description):
        return _SCOPE_BY_MODEL.get(operation.model.name, NOTIFICATIONS_SCOPE)
    return None


@dataclass(frozen=True)
class Principal:
    """Who makes a call: an app, for a seller (None when grantless)."""

    app: App
    seller: Seller | None
    kind: TokenKind
    # Restricted data this call may see: the dataElements of the RDT resource that matched.
    unlocked: frozenset[str] = frozenset()
    # Read on every request (buckets, journal): kept as plain fields, not computed each time.
    app_id: str = field(init=False)
    seller_id: str | None = field(init=False)
    seller_key: str = field(init=False)  # "" for grantless calls

    def __post_init__(self) -> None:
        seller_id = self.seller.seller_id if self.seller else None
        object.__setattr__(self, "app_id", self.app.client_id)
        object.__setattr__(self, "seller_id", seller_id)
        object.__setattr__(self, "seller_key", seller_id or "")


class Authenticator:
    """Pipeline stage: sets `call.principal`, or refuses the call with Amazon's 403."""

    def __init__(self, settings: Settings, accounts: Accounts, tokens: TokenStore,
                 clock: Clock) -> None:
        self.settings = settings
        self.accounts = accounts
        self.tokens = tokens
        self.clock = clock
        self._scopes: dict[str, str | None] = {}
        # The principal of a plain seller token, made once per token: most calls take this path.
        self._sellers: dict[str, tuple[Grant, Principal]] = {}
        self._plain_ops: dict[str, bool] = {}
        self._anonymous = Principal(accounts.apps[0], accounts.sellers[0], "seller",
                                    frozenset())

    def _plain(self, operation: Operation) -> bool:
        """Whether any seller token may call this operation as it is (not grantless, not
        refused without an RDT): then a seller token's principal never depends on it."""
        plain = self._plain_ops.get(operation.uid)
        if plain is None:
            limit = restriction(operation)
            plain = self.scope_of(operation) is None and (limit is None or limit.policy != "deny")
            self._plain_ops[operation.uid] = plain
        return plain

    def scope_of(self, operation: Operation) -> str | None:
        if operation.uid not in self._scopes:
            self._scopes[operation.uid] = grantless_scope(operation)
        return self._scopes[operation.uid]

    async def __call__(self, call: Call) -> Reply | None:
        operation = call.operation
        assert operation is not None
        if self.settings.auth == "none":
            # `--auth none`: no token needed (not SP-API's behaviour; for quick exploration).
            call.principal = self._anonymous
            return None
        token = call.headers.get("x-amz-access-token")
        if not token:
            raise AccessDenied(MISSING_TOKEN)
        grant = self.tokens.lookup(token)
        if grant is None:
            raise AccessDenied(INVALID_TOKEN)
        if grant.expired(self.clock.now()):
            raise AccessDenied(EXPIRED_TOKEN)
        cached = self._sellers.get(token)
        if cached is not None and cached[0] is grant and self._plain(operation):
            call.principal = cached[1]
            return None
        call.principal = self._principal(call, operation, grant)
        if call.principal.kind == "seller" and grant.kind == "seller":
            if len(self._sellers) > 100_000:
                self._sellers.clear()  # bounded: tokens come and go
            self._sellers[token] = (grant, call.principal)
        return None

    def _principal(self, call: Call, operation: Operation, grant: Grant) -> Principal:
        scope = self.scope_of(operation)
        if scope is not None:
            # Grantless operations take only a client-credentials token with their scope.
            if grant.kind != "grantless" or scope not in grant.scopes:
                raise AccessDenied()
            return Principal(grant.app, None, "grantless")
        if grant.kind == "grantless" or grant.seller is None:
            raise AccessDenied()
        limit = restriction(operation)
        if grant.kind == "rdt":
            path = unquote(call.raw_path)
            for resource in grant.resources:
                if limit is not None and resource.covers(call.method, path):
                    unlocked = limit.unlocked_by(resource.data_elements)
                    return Principal(grant.app, grant.seller, "rdt", unlocked)
            raise AccessDenied()
        if limit is not None and limit.policy == "deny":
            raise AccessDenied()
        return Principal(grant.app, grant.seller, "seller")
