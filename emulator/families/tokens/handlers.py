"""Tokens API 2021-03-01: createRestrictedDataToken, which mints Restricted Data Tokens."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from emulator.auth.tokens import RDT_LIFETIME, RestrictedResource, TokenStore
from emulator.families import ApiContext
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.router import Router
from emulator.gateway.wire import Reply, json_reply
from emulator.models.restricted import restriction

MAX_RESOURCES = 50  # "Maximum: 50", in the model's description only


class RestrictedDataTokens:
    def __init__(self, tokens: TokenStore, router: Router) -> None:
        self.tokens = tokens
        self.router = router

    def resource(self, entry: dict[str, Any]) -> RestrictedResource:
        method, path = entry["method"], entry["path"]
        elements = frozenset(entry.get("dataElements") or ())
        # Generic paths name parameters in braces; the router sees "{orderId}" as a segment.
        match = self.router.match(method, quote(path, safe="/{}"))
        limit = restriction(match.operation) if match else None
        if match is None or limit is None:
            # Amazon answers a resource the app has no restricted role for like this (models#1405).
            raise InvalidInput("Application do not have access to some or all requested resource",
                               details=f"{method} {path} is not a restricted operation.")
        if elements - limit.data_elements:
            allowed = sorted(limit.data_elements) or "none"
            raise InvalidInput(
                f"Invalid dataElements {sorted(elements - limit.data_elements)} for {path}; "
                f"allowed: {allowed}.")
        if limit.policy == "report-type" and "{" in path:
            # Tokens API guide: a report document needs the specific path, not a generic one.
            raise InvalidInput("A restricted report document needs its specific path, "
                               f"not {path}.")
        return RestrictedResource(method, path, elements)

    async def create(self, call: Call) -> Reply:
        body = (call.params or {}).get("body") or {}
        entries = body.get("restrictedResources") or []
        if not entries or len(entries) > MAX_RESOURCES:
            raise InvalidInput(f"restrictedResources must list 1 to {MAX_RESOURCES} resources.")
        resources = tuple(self.resource(entry) for entry in entries)
        principal = call.principal
        token = self.tokens.issue_rdt(principal.app, principal.seller, resources)
        return json_reply(200, {"restrictedDataToken": token, "expiresIn": RDT_LIFETIME})


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    rdt = RestrictedDataTokens(context.tokens, context.router)
    # The sandbox takes RDTs from production (Amazon's sandbox guide): the emulator mints real
    # ones in sandbox mode too, whenever the request matches none of the static cases.
    registry.register("tokens_2021-03-01.createRestrictedDataToken", rdt.create,
                      in_sandbox=True)
    return rdt
