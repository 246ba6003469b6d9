"""Developer apps and selling partners: who may get tokens, and for which seller.

In `--auth strict` (the default) only the apps and sellers of `fixtures/accounts.yaml` exist,
plus refresh tokens minted by website authorization. In `--auth open` any well-formed client
id and secret is an app, and any well-formed refresh token is a seller of its own, derived
deterministically from the token, so parallel tests isolate themselves by inventing tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from emulator.config import AuthMode

# libyaml's loader where PyYAML has it: the same documents, ten times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_UPPER_ALNUM = string.ascii_uppercase + string.digits
REFRESH_PREFIX = "Atzr|"


@dataclass(frozen=True)
class App:
    name: str
    client_id: str
    client_secret: str
    application_id: str
    redirect_uris: tuple[str, ...] = ()


@dataclass(frozen=True)
class Seller:
    seller_id: str
    name: str
    account_type: Literal["seller", "vendor"]
    region: Literal["na", "eu", "fe"]
    marketplace_ids: tuple[str, ...]
    derived: bool = False  # an open-auth seller made up from its refresh token


class AccountsError(ValueError):
    """The accounts file is not usable (the message says where)."""


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode()).digest()


def _code(parts: tuple[str, ...], length: int) -> str:
    digest = _digest(*parts)
    return "".join(_UPPER_ALNUM[b % len(_UPPER_ALNUM)] for b in digest[:length])


def well_formed(value: object, limit: int = 2048) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit and value.isprintable()


@dataclass
class Accounts:
    apps: list[App]
    sellers: list[Seller]
    # refresh token -> (client id it was issued to, seller id)
    refresh_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Accounts:
        try:
            data = yaml.load(path.read_text(), Loader=_LOADER) or {}
            apps = [App(name=a["name"], client_id=a["client_id"],
                        client_secret=a["client_secret"], application_id=a["application_id"],
                        redirect_uris=tuple(a.get("redirect_uris", ())))
                    for a in data.get("apps", [])]
            accounts = cls(apps=apps, sellers=[])
            default_app = apps[0]
            for s in data.get("sellers", []):
                seller = Seller(seller_id=s["seller_id"], name=s["name"],
                                account_type=s.get("type", "seller"), region=s["region"],
                                marketplace_ids=tuple(s["marketplace_ids"]))
                accounts.sellers.append(seller)
                if s.get("refresh_token"):
                    accounts.refresh_tokens[s["refresh_token"]] = (
                        s.get("app_client_id", default_app.client_id), seller.seller_id)
        except (OSError, yaml.YAMLError, KeyError, IndexError, TypeError) as error:
            raise AccountsError(f"{path}: {error!r}") from None
        if not apps:
            raise AccountsError(f"{path}: at least one app is needed")
        return accounts

    # -- lookups ----------------------------------------------------------------------------

    def app_by_client_id(self, client_id: str) -> App | None:
        return next((a for a in self.apps if a.client_id == client_id), None)

    def app_by_application_id(self, application_id: str) -> App | None:
        return next((a for a in self.apps if a.application_id == application_id), None)

    def seller(self, seller_id: str) -> Seller | None:
        return next((s for s in self.sellers if s.seller_id == seller_id), None)

    def refresh_token_of(self, seller: Seller, app: App) -> str | None:
        return next((token for token, (client_id, seller_id) in self.refresh_tokens.items()
                     if seller_id == seller.seller_id and client_id == app.client_id), None)

    # -- what LWA needs ---------------------------------------------------------------------

    def authenticate(self, client_id: object, client_secret: object,
                     mode: AuthMode) -> App | None:
        """The app these client credentials belong to, or None (LWA: invalid_client)."""
        if not (well_formed(client_id) and well_formed(client_secret)):
            return None
        assert isinstance(client_id, str) and isinstance(client_secret, str)
        app = self.app_by_client_id(client_id)
        if app is not None:
            return app if hmac.compare_digest(app.client_secret.encode(),
                                              client_secret.encode()) else None
        if mode == "strict":
            return None
        # Open auth: any well-formed credentials are an app of their own.
        return App(
            name=f"Open app {client_id[:24]}",
            client_id=client_id,
            client_secret=client_secret,
            application_id="amzn1.sellerapps.app." + _digest("app", client_id).hex()[:32],
        )

    def redeem_refresh_token(self, refresh_token: object, app: App,
                             mode: AuthMode) -> Seller | None:
        """The seller a refresh token stands for, when `app` may use it; else None."""
        if not well_formed(refresh_token) or not str(refresh_token).startswith(REFRESH_PREFIX):
            return None
        assert isinstance(refresh_token, str)
        issued = self.refresh_tokens.get(refresh_token)
        if issued is not None:
            client_id, seller_id = issued
            if client_id != app.client_id and mode == "strict":
                return None
            return self.seller(seller_id)
        if mode == "strict":
            return None
        return self.derive_seller(refresh_token)

    def derive_seller(self, refresh_token: str) -> Seller:
        """Open auth: the seller a never-seen refresh token stands for, always the same one."""
        seller_id = "A" + _code(("seller", refresh_token), 13)
        known = self.seller(seller_id)
        if known is not None:
            return known
        seller = Seller(seller_id=seller_id, name=f"Seller {seller_id}", account_type="seller",
                        region="na", marketplace_ids=("ATVPDKIKX0DER",), derived=True)
        self.sellers.append(seller)
        return seller

    def remember(self, seller: Seller) -> Seller:
        """The seller a saved record names: the known one with that id, or (an open-auth
        seller, derived from a refresh token before a restart) added back as it was."""
        known = self.seller(seller.seller_id)
        if known is not None:
            return known
        self.sellers.append(seller)
        return seller

    def mint_refresh_token(self, app: App, seller: Seller, nonce: str) -> str:
        """A new refresh token for `seller` authorizing `app` (website authorization mints one
        per consent; earlier ones stay valid, as Amazon's self-authorization does)."""
        token = REFRESH_PREFIX + "IwEBI" + _digest("refresh", app.client_id, seller.seller_id,
                                                   nonce).hex()[:56]
        self.refresh_tokens[token] = (app.client_id, seller.seller_id)
        return token

    def as_credentials(self) -> dict[str, Any]:
        """What `GET /_emulator/credentials` answers."""
        default_app = self.apps[0]
        return {
            "apps": [
                {"name": a.name, "client_id": a.client_id, "client_secret": a.client_secret,
                 "application_id": a.application_id, "redirect_uris": list(a.redirect_uris)}
                for a in self.apps
            ],
            "sellers": [
                {"seller_id": s.seller_id, "name": s.name, "type": s.account_type,
                 "region": s.region, "marketplace_ids": list(s.marketplace_ids),
                 "refresh_token": self.refresh_token_of(s, default_app)}
                for s in self.sellers if not s.derived
            ],
        }
