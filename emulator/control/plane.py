"""The control plane under /_emulator: what the emulator says about itself, and the knobs a
test turns (clock, faults, journal). It never answers a request that carries an SP-API token,
so an app's own credentials can never reach it; it binds where the emulator binds.

Low traffic, so it uses plain Starlette; every answer is JSON, every error SP-API's envelope.
Routes are described by the OpenAPI document it serves at /_emulator/openapi.json.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.auth.accounts import Accounts
from emulator.business import scenario as scenarios
from emulator.business.changes import CAUSES
from emulator.business.snapshot import SnapshotError
from emulator.business.store import StateStore
from emulator.control.guard import ControlGuard, GuardPolicy
from emulator.control.openapi import control_openapi
from emulator.gateway.answer import GATEWAY, SANDBOX_CASE, STATEFUL, SYNTHESIZED
from emulator.gateway.wire import read_capped
from emulator.models import source as modelsource
from emulator.models.spec import ModelSet
from emulator.runtime import strictjson
from emulator.runtime.clock import Clock, iso
from emulator.runtime.faults import FaultRuleError, Faults
from emulator.runtime.journal import PLANES, SP_API, Journal
from emulator.runtime.throttle import Throttler

log = logging.getLogger("emulator.control")


class ControlError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def envelope(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"code": code, "message": message, "details": ""}]}, status_code=status
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return envelope(405, "MethodNotAllowed",
                        f"{request.method} is not allowed on {request.url.path}.")
    if exc.status_code == 404:
        return envelope(404, "NotFound", f"No control-plane route {request.url.path}.")
    return envelope(exc.status_code, "InvalidInput", str(exc.detail))


async def _control_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ControlError)
    return envelope(exc.status, exc.code, exc.message)


async def json_body(request: Request, limit: int = 1 << 20) -> Any:
    """The body as strict JSON (None when empty), read no further than `limit` bytes."""
    raw = await read_capped(request, limit)
    if raw is None:
        raise ControlError(413, "RequestEntityTooLarge",
                           f"This control-plane body is limited to {limit >> 20} MB.")
    if not raw.strip():
        return None
    try:
        return strictjson.loads(raw)
    except strictjson.JsonError as error:
        raise ControlError(400, "InvalidInput", f"The body is not valid JSON: {error}.") from None


class ModelsInfo:
    """What /_emulator/health reports of the models; the commit is known by content digest."""

    def __init__(self, models: ModelSet) -> None:
        self._models = models
        self._commit: str | None = None

    @property
    def commit(self) -> str:
        if self._commit is None:
            matches = modelsource.content_digest(self._models.root) == modelsource.CONTENT_DIGEST
            self._commit = modelsource.PINNED_COMMIT if matches else "unknown"
        return self._commit

    def as_dict(self) -> dict[str, Any]:
        return {"commit": self.commit, **self._models.summary()}


@dataclass
class ControlExtensions:
    """Control-plane routes added by the families (`POST /_emulator/orders`, the
    notification outbox), with their OpenAPI paths: the plane itself knows no family."""

    routes: list[BaseRoute] = field(default_factory=list)
    paths: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Parts `POST /_emulator/reset` clears when the body names them ({"outbox": true}).
    resets: dict[str, Callable[[], None]] = field(default_factory=dict)


@dataclass
class ControlContext:
    """The parts of the emulator the control plane reads and turns."""

    models: ModelSet
    accounts: Accounts
    clock: Clock
    faults: Faults
    journal: Journal
    store: StateStore
    throttler: Throttler
    scenarios_dir: Path
    scale: int | None
    # How each operation is answered today (gateway/coverage.py), made by the app.
    coverage: Callable[[], dict[str, Any]] = lambda: {"operations": []}


Endpoint = Callable[[Request], Awaitable[Response]]
SOURCES = (STATEFUL, SANDBOX_CASE, SYNTHESIZED, GATEWAY)


def reseed(ctx: ControlContext, body: Any) -> None:
    """`{"seed": N, "scenario": "name"}`: another seed and/or scenario of the scenarios folder
    (the control plane's POST /_emulator/seed and the inspector's form)."""
    if not isinstance(body, dict) or set(body) - {"seed", "scenario"}:
        raise ControlError(400, "InvalidInput",
                           'Expected {"seed": N} and optionally "scenario": "name".')
    value = body.get("seed", ctx.store.seed)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(400, "InvalidInput", "'seed' must be an integer.")
    scenario = ctx.store.scenario
    if "scenario" in body:
        name = body["scenario"]
        path = ctx.scenarios_dir / f"{name}.yaml"
        if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum() \
                or not path.is_file():
            raise ControlError(400, "InvalidInput",
                               f"Unknown scenario {name!r}; known: {scenario_names(ctx)}.")
        try:
            scenario = scenarios.load(path, ctx.scale)
        except scenarios.ScenarioError as error:
            raise ControlError(400, "InvalidInput", str(error)) from None
    ctx.store.reseed(value, scenario)
    ctx.throttler.reset()


def scenario_names(ctx: ControlContext) -> list[str]:
    return sorted(p.stem for p in ctx.scenarios_dir.glob("*.yaml"))


def _routes(ctx: ControlContext, extensions: ControlExtensions) -> list[BaseRoute]:
    info = ModelsInfo(ctx.models)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "models": info.as_dict()})

    async def credentials(request: Request) -> Response:
        return JSONResponse(ctx.accounts.as_credentials())

    def clock_state() -> dict[str, Any]:
        return {"now": iso(ctx.clock.now()), "offset_seconds": ctx.clock.offset}

    async def clock(request: Request) -> Response:
        return JSONResponse(clock_state())

    async def advance_clock(request: Request) -> Response:
        body = await json_body(request)
        seconds = _duration(body)
        if seconds is None:
            raise ControlError(
                400, "InvalidInput",
                'Expected {"seconds": N}, {"hours": N} or {"days": N} with N >= 0 (the clock '
                "only moves forward).")
        living = ctx.store.living
        before = living.played if living is not None else 0
        try:
            ctx.clock.advance(float(seconds))  # everything due in between happens, in order
        except (ValueError, OverflowError) as error:
            raise ControlError(400, "InvalidInput",
                               f"Cannot advance the clock: {error}.") from None
        ctx.store.flush()
        state = clock_state()
        if living is not None:
            state["scenario_events"] = living.played - before
        return JSONResponse(state)

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"faults": [r.as_dict() for r in ctx.faults.rules()]})

    async def add_fault(request: Request) -> Response:
        body = await json_body(request)
        try:
            rule = ctx.faults.add(body)
        except FaultRuleError as error:
            raise ControlError(400, "InvalidInput", f"Invalid fault rule: {error}.") from None
        return JSONResponse(rule.as_dict(), status_code=201)

    async def clear_faults(request: Request) -> Response:
        ctx.faults.clear()
        return Response(status_code=204)

    async def remove_fault(request: Request) -> Response:
        rule_id = request.path_params["rule_id"]
        if not ctx.faults.remove(rule_id):
            raise ControlError(404, "NotFound", f"No fault rule {rule_id!r}.")
        return Response(status_code=204)

    async def journal(request: Request) -> Response:
        q = request.query_params
        known = {"operation", "seller", "app", "status", "throttled", "since", "source", "limit",
                 "plane"}
        unknown = set(q) - known
        if unknown:
            raise ControlError(400, "InvalidInput",
                               f"Unknown filter(s) {sorted(unknown)}; known: {sorted(known)}.")
        try:
            status = int(q["status"]) if "status" in q else None
            limit = int(q["limit"]) if "limit" in q else min(100, ctx.journal.size)
            since = (datetime.fromisoformat(q["since"].replace("Z", "+00:00")).timestamp()
                     if "since" in q else None)
        except ValueError as error:
            raise ControlError(400, "InvalidInput", f"Invalid filter: {error}.") from None
        if q.get("source", SOURCES[0]) not in SOURCES:
            raise ControlError(400, "InvalidInput", f"'source' must be one of {list(SOURCES)}.")
        throttled = {"true": True, "false": False}.get(q.get("throttled", "").lower())
        if "throttled" in q and throttled is None:
            raise ControlError(400, "InvalidInput", "'throttled' must be true or false.")
        if not 0 <= limit <= ctx.journal.size:
            raise ControlError(400, "InvalidInput",
                               f"'limit' must be from 0 to {ctx.journal.size}.")
        plane = q.get("plane", SP_API)
        if plane not in (*PLANES, "all"):
            raise ControlError(400, "InvalidInput",
                               f"'plane' must be one of {[*PLANES, 'all']}.")
        entries, matching = ctx.journal.search(
            operation=q.get("operation"), seller=q.get("seller"), app=q.get("app"),
            status=status, throttled=throttled, since=since, source=q.get("source"),
            limit=limit, plane=None if plane == "all" else plane)
        # `total` counts what the filters match (the page holds the last `limit` of them);
        # `recorded` counts every request since the start, rotated out or not.
        return JSONResponse({"entries": [e.as_dict() for e in entries], "total": matching,
                             "recorded": ctx.journal.recorded,
                             "capacity": ctx.journal.size})

    def clear_journals() -> None:
        ctx.journal.clear()
        ctx.store.changes.clear()  # the change journal goes with the requests'

    async def clear_journal(request: Request) -> Response:
        clear_journals()
        return Response(status_code=204)

    async def coverage(request: Request) -> Response:
        q = request.query_params
        unknown = set(q) - {"answer", "model"}
        if unknown:
            raise ControlError(400, "InvalidInput",
                               f"Unknown filter(s) {sorted(unknown)}; known: ['answer', 'model'].")
        report = ctx.coverage()
        report["operations"] = [row for row in report["operations"]
                                if q.get("answer", row["answer"]) == row["answer"]
                                and q.get("model", row["model"]) == row["model"]]
        return JSONResponse(report)
    async def changes(request: Request) -> Response:
        q = request.query_params
        known = {"seller", "cause", "kind", "key", "since", "limit"}
        unknown = set(q) - known
        if unknown:
            raise ControlError(400, "InvalidInput",
                               f"Unknown filter(s) {sorted(unknown)}; known: {sorted(known)}.")
        log = ctx.store.changes
        if "cause" in q and q["cause"] not in CAUSES:
            raise ControlError(400, "InvalidInput", f"'cause' must be one of {', '.join(CAUSES)}.")
        try:
            limit = int(q["limit"]) if "limit" in q else min(100, log.size)
            since = (datetime.fromisoformat(q["since"].replace("Z", "+00:00")).timestamp()
                     if "since" in q else None)
        except ValueError as error:
            raise ControlError(400, "InvalidInput", f"Invalid filter: {error}.") from None
        if not 0 <= limit <= max(log.size, 0):
            raise ControlError(400, "InvalidInput", f"'limit' must be from 0 to {log.size}.")
        found = log.query(seller=q.get("seller"), cause=q.get("cause"), kind=q.get("kind"),
                          key=q.get("key"), since=since, limit=limit)
        return JSONResponse({"changes": [c.as_dict() for c in found], "total": log.total,
                             "capacity": log.size})

    async def openapi(request: Request) -> Response:
        return JSONResponse(control_openapi(extensions.paths))

    def state_summary() -> dict[str, Any]:
        return {"seed": ctx.store.seed, "scenario": ctx.store.scenario.as_dict(),
                "sellers": {s.seller_id: {"orders": len(s.orders), "listings": len(s.listings),
                                          "catalog_items": len(s.catalog),
                                          "inventory": len(s.inventory)}
                            for s in ctx.store.generated()}}

    # What a reset may also clear; the seller state, reports, feeds, documents and the
    # throttling buckets are always reset (README "The control plane").
    optional = {"journal": clear_journals, "faults": ctx.faults.clear, **extensions.resets}

    async def reset(request: Request) -> Response:
        body = await json_body(request)
        body = {} if body is None else body
        if not isinstance(body, dict) or set(body) - set(optional) or any(
                not isinstance(v, bool) for v in body.values()):
            raise ControlError(400, "InvalidInput",
                               "Expected an empty body or {\"part\": true, ...} with parts "
                               f"from {sorted(optional)}.")
        ctx.store.reset()
        ctx.throttler.reset()
        cleared = sorted(name for name, wanted in body.items() if wanted)
        for name in cleared:
            optional[name]()
        return JSONResponse({**state_summary(), "cleared": cleared})

    async def reset_throttling(request: Request) -> Response:
        ctx.throttler.reset()  # every bucket starts full again, nothing else changes
        return Response(status_code=204)

    async def seed(request: Request) -> Response:
        reseed(ctx, await json_body(request))
        return JSONResponse(state_summary())

    async def get_state(request: Request) -> Response:
        # Sellers are generated on first use; `?seller=ID` (repeatable) includes them anyway.
        for seller_id in request.query_params.getlist("seller"):
            seller = ctx.accounts.seller(seller_id)
            if seller is None:
                raise ControlError(404, "NotFound", f"No seller {seller_id!r}.")
            ctx.store.of(seller)
        return JSONResponse(ctx.store.snapshot())

    async def put_state(request: Request) -> Response:
        body = await json_body(request, limit=1 << 30)
        try:
            ctx.store.restore(body)
        except SnapshotError as error:
            raise ControlError(400, "InvalidInput",
                               f"Invalid snapshot, nothing restored: {error}.") from None
        return JSONResponse(state_summary())

    return [
        Route("/_emulator/health", health, methods=["GET"]),
        Route("/_emulator/credentials", credentials, methods=["GET"]),
        Route("/_emulator/clock", clock, methods=["GET"]),
        Route("/_emulator/coverage", coverage, methods=["GET"]),
        Route("/_emulator/clock/advance", advance_clock, methods=["POST"]),
        Route("/_emulator/faults", list_faults, methods=["GET"]),
        Route("/_emulator/faults", add_fault, methods=["POST"]),
        Route("/_emulator/faults", clear_faults, methods=["DELETE"]),
        Route("/_emulator/faults/{rule_id}", remove_fault, methods=["DELETE"]),
        Route("/_emulator/journal", journal, methods=["GET"]),
        Route("/_emulator/journal", clear_journal, methods=["DELETE"]),
        Route("/_emulator/journal/changes", changes, methods=["GET"]),
        Route("/_emulator/openapi.json", openapi, methods=["GET"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/seed", seed, methods=["POST"]),
        Route("/_emulator/throttle/reset", reset_throttling, methods=["POST"]),
        Route("/_emulator/state", get_state, methods=["GET"]),
        Route("/_emulator/state", put_state, methods=["PUT"]),
    ]


def _duration(body: Any) -> float | None:
    """The seconds a clock advance asks for: `seconds`, `hours` and/or `days` (None: none
    given, or one that is not a number >= 0)."""
    if not isinstance(body, dict):
        return None
    units = {"seconds": 1.0, "hours": 3600.0, "days": 86400.0}
    given = {k: v for k, v in body.items() if k in units}
    if not given or set(body) - set(units):
        return None
    total = 0.0
    for name, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                0 <= value < math.inf):
            return None
        try:
            total += float(value) * units[name]
        except OverflowError:  # an integer past a double
            return None
    return total


class RefuseSpApiTokens:
    """The control plane answers only requests without SP-API credentials: a request that
    carries `x-amz-access-token` (a seller, grantless or restricted token) gets 403."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and any(
                name.lower() == b"x-amz-access-token" for name, _ in scope["headers"]):
            response = envelope(403, "Unauthorized",
                                "The control plane does not accept SP-API access tokens.")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _internal_failure() -> JSONResponse:
    return envelope(500, "InternalFailure", "We encountered an internal error. Please try again.")


async def _unexpected(request: Request, exc: Exception) -> Response:
    return _internal_failure()


class _InternalFailure:
    """An unexpected error is logged once and answered with the envelope's 500 (Starlette's
    own error middleware sends `_unexpected`'s answer, then raises the error again: here it
    ends), never with a traceback or a plain-text page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("internal error answering %s %s", scope.get("method"),
                          scope.get("path"))
            if not started:
                await _internal_failure()(scope, receive, send)


def control_app(ctx: ControlContext, extensions: ControlExtensions | None = None,
                policy: GuardPolicy | None = None) -> ASGIApp:
    """The control plane behind its guard (guard.py; loopback names only when no policy)."""
    from starlette.applications import Starlette  # made on the first control request

    extensions = extensions if extensions is not None else ControlExtensions()
    app = Starlette(routes=[*_routes(ctx, extensions), *extensions.routes],
                    exception_handlers={HTTPException: _http_error, ControlError: _control_error,
                                        Exception: _unexpected})
    policy = policy if policy is not None else GuardPolicy.for_server("127.0.0.1", None, None)
    return ControlGuard(RefuseSpApiTokens(_InternalFailure(app)), policy)
