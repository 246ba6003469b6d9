"""The inspector's web app under /_emulator/ui: Starlette routes over the views, Jinja2
templates with autoescaping (every value shown is text, never markup), static files, and the
live tail of the journal over Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from emulator.business.snapshot import SnapshotError
from emulator.business.snapshot import dump as snapshot_dump
from emulator.control.plane import ControlError, RefuseSpApiTokens, reseed, scenario_names
from emulator.inspector import business, cassettes, jobs, notifications, overview, requests
from emulator.inspector.guard import (
    PREFIX,
    SECURITY_HEADERS,
    TOKEN_FIELD,
    KnownHostsOnly,
    PageToken,
    Refused,
    safe_back,
)
from emulator.inspector.login import LoginRequired
from emulator.inspector.metrics import RealTime
from emulator.inspector.sessions import Sessions
from emulator.inspector.sources import Sources
from emulator.runtime.clock import iso
from emulator.runtime.faults import FaultRuleError

HERE = Path(__file__).parent
TAIL_TICK = 0.5  # seconds between looks at the journal for the live tail
# Rows a tick sends at most (40 a second: more than anyone reads). Under heavier traffic the
# tail shows the newest and skips the rest, which the page itself lists when reloaded.
TAIL_BATCH = 20
STREAM_SECONDS = 60.0  # a stream ends after this; the browser reconnects where it left off
MAX_SNAPSHOT = 1 << 30
PICKABLE = 100  # sellers a page's seller picker lists at most
MAX_ADVANCE = 10 * 366 * 86400  # ten years
# What the page says after an action (a fixed text per action: nothing from the URL is shown).
DONE = {"advanced": "The clock moved forward.", "fault-added": "Fault rule added.",
        "fault-removed": "Fault rule removed.", "faults-cleared": "Every fault rule removed.",
        "reset": "Back to the seeded state.", "reseeded": "Reseeded.",
        "restored": "Snapshot restored.", "retried": "Failed deliveries queued again.",
        "nothing-to-retry": "No failed delivery to try again."}

Handler = Callable[[Request], Awaitable[Response]]


def url(path: str = "", **query: Any) -> str:
    """A link inside the inspector; empty and None query values are left out."""
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    return PREFIX + path + ("?" + urlencode(kept) if kept else "")


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.globals.update(url=url, iso=iso, quote=lambda v: quote(str(v), safe=""),
                               money=business.money, record_fields=business.record_fields,
                               prefix=PREFIX)
    environment.filters["pretty"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False,
                                                         sort_keys=True, default=str)
    return environment


class Inspector:
    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.templates = _environment()
        self.token = PageToken()
        self.real = RealTime(sources.clock)
        self.counts = overview.StatusCounts()
        self.history = business.OrderHistory(sources.store.events)
        sources.store.reset_listeners.append(self.history.forget)

    # -- rendering --------------------------------------------------------------------------

    def render(self, request: Request, template: str, status: int = 200,
               **context: Any) -> HTMLResponse:
        done = request.query_params.get("done")
        context.setdefault("nav", None)
        page = self.templates.get_template(template).render(
            request=request, token=self.token.value, token_field=TOKEN_FIELD,
            here=request.url.path + ("?" + request.url.query if request.url.query else ""),
            done=DONE.get(done or ""), sellers=self._pickable(context.get("seller")),
            **context)
        return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)

    def _pickable(self, current: Any) -> list[Any]:
        """The sellers a page offers to switch to: the accounts' own and the generated ones
        (open auth makes a seller per refresh token: they are not all listed), and the one
        shown."""
        generated = self.sources.generated()
        found = [s for s in self.sources.accounts.sellers
                 if not s.derived or s.seller_id in generated][:PICKABLE]
        if current is not None and current not in found:
            found.append(current)
        return found

    def problem(self, request: Request, status: int, message: str) -> HTMLResponse:
        return self.render(request, "problem.html", status=status, message=message)

    async def posted(self, request: Request) -> Any:
        """The form of a POST from the inspector's own page; Refused otherwise."""
        form = await request.form(max_files=1, max_fields=50)
        self.token.check(request, form.get(TOKEN_FIELD))
        return form

    def back(self, form: Any, done: str, default: str = PREFIX) -> RedirectResponse:
        target = safe_back(form.get("back"), default)
        target = target.split("?")[0] + "?" + urlencode(
            {**dict(_query_of(target)), "done": done})
        return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)

    # -- overview ---------------------------------------------------------------------------

    def _overview(self) -> dict[str, Any]:
        sellers, seller_count = overview.seller_summaries(self.sources, self.counts)
        rate, latency, seen = overview.traffic_charts(self.sources, self.real)
        return {"settings": overview.settings_rows(self.sources),
                "clock": overview.clock_view(self.sources), "summaries": sellers,
                "seller_count": seller_count, "rate": rate, "latency": latency,
                "requests_seen": seen, "journal_total": self.sources.journal.recorded}

    async def overview_page(self, request: Request) -> Response:
        self.sources.scheduler.run_due()
        return self.render(request, "overview.html", nav="overview", **self._overview())

    async def advance(self, request: Request) -> Response:
        form = await self.posted(request)
        try:
            seconds = float(form.get("seconds", ""))
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds <= MAX_ADVANCE:
            return self.problem(request, 400, "The clock moves forward by 0 seconds to ten "
                                              "years: give a number of seconds.")
        self.sources.clock.advance(seconds)
        return self.back(form, "advanced")

    # -- requests ---------------------------------------------------------------------------

    async def requests_page(self, request: Request) -> Response:
        try:
            filters = requests.Filters.parse(request.query_params)
        except requests.FilterError as error:
            return self.problem(request, 400, f"Invalid filter: {error}.")
        found = requests.page(self.sources.journal, filters)
        operations = sorted({op.uid for op in self.sources.models.operations})
        return self.render(request, "requests.html", nav="requests", filters=filters,
                           page=found, operations=operations,
                           tail=url("/requests/stream", **filters.query(
                               before=None, after=self.sources.journal.recorded)),
                           journal=self.sources.journal)

    async def request_page(self, request: Request) -> Response:
        entry = self.sources.journal.find(request.path_params["request_id"])
        if entry is None:
            return self.problem(request, 404, "The journal no longer has this request (it "
                                              "keeps the most recent ones).")
        return self.render(request, "request.html", nav="requests", entry=entry,
                           why=requests.why(entry, self.sources.faults),
                           bodies=requests.bodies_of(self.sources.journal, entry),
                           bodies_kept=self.sources.journal.bodies_kept)

    async def stream(self, request: Request) -> Response:
        try:
            filters = requests.Filters.parse(request.query_params)
        except requests.FilterError as error:
            return self.problem(request, 400, f"Invalid filter: {error}.")
        journal = self.sources.journal
        start = request.headers.get("last-event-id") or request.query_params.get("after", "")
        seen = int(start) if start.isdigit() else journal.recorded
        rows = self.templates.get_template("request_rows.html")
        keep = filters.matcher()

        async def events() -> AsyncIterator[str]:
            nonlocal seen
            yield f"retry: 1000\nid: {seen}\n\n"
            ends = time.monotonic() + STREAM_SECONDS
            quiet = 0
            while time.monotonic() < ends:
                await asyncio.sleep(TAIL_TICK)
                if journal.recorded == seen:
                    quiet += 1
                    if quiet % 30 == 0:  # every 15 s: keeps proxies and the browser awake
                        yield f"id: {seen}\n\n"
                    continue
                fresh = journal.after(seen, TAIL_BATCH, keep)
                seen = journal.recorded
                if not fresh:
                    yield f"id: {seen}\n\n"
                    continue
                fresh.reverse()  # newest first, as the table lists them
                html = rows.render(entries=fresh)
                data = "".join(f"data: {line}\n" for line in html.splitlines() if line.strip())
                yield f"event: row\nid: {seen}\n{data}\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={**SECURITY_HEADERS, "x-accel-buffering": "no"})

    # -- business ---------------------------------------------------------------------------

    def _seller_state(self, request: Request) -> Any:
        seller = self.sources.seller(request.query_params.get("seller"))
        return seller, self.sources.state(seller)

    async def orders_page(self, request: Request) -> Response:
        seller, state = self._seller_state(request)
        filters = business.OrderFilters.parse(request.query_params)
        found = business.order_page(state, filters)
        return self.render(request, "orders.html", nav="orders", seller=seller, state=state,
                           filters=filters, page=found, statuses=business.ORDER_STATUSES)

    async def order_page(self, request: Request) -> Response:
        seller = self.sources.accounts.seller(request.path_params["seller_id"])
        state = self.sources.state(seller) if seller is not None else None
        order = state.orders.get(request.path_params["order_id"]) if state else None
        if seller is None or state is None or order is None:
            return self.problem(request, 404, "No such order for this seller.")
        market = state.market(order.marketplace_id)
        return self.render(
            request, "order.html", nav="orders", seller=seller, state=state, order=order,
            market=market,
            timeline=business.timeline(order, self.history.of(seller.seller_id,
                                                              order.order_id)),
            finances=business.financial_events(state, order),
            labels=business.order_labels(state, order.order_id, self.sources.clock.now()),
            records=[(kind, key, business.record_text(record, self._dump(kind)))
                     for kind, key, record in business.records_of_order(state, order.order_id)])

    async def label(self, request: Request) -> Response:
        seller = self.sources.accounts.seller(request.path_params["seller_id"])
        found = (business.label_download(self.sources.state(seller),
                                         request.path_params["shipment_id"])
                 if seller is not None else None)
        if found is None:
            return self.problem(request, 404, "No such label for this seller.")
        content, media, name = found
        return Response(content, headers={
            **SECURITY_HEADERS, "content-type": media,
            "content-disposition": f'attachment; filename="{name}"'})

    async def listings_page(self, request: Request) -> Response:
        seller, state = self._seller_state(request)
        search = request.query_params.get("q", "").strip()[:100] or None
        found = business.paged(business.listings(state, search), _page_number(request))
        return self.render(request, "listings.html", nav="listings", seller=seller,
                           state=state, search=search, page=found,
                           prices=lambda x: business.listing_prices(state, x),
                           statuses=lambda x: business.listing_statuses(state, x))

    async def listing_page(self, request: Request) -> Response:
        seller = self.sources.accounts.seller(request.path_params["seller_id"])
        state = self.sources.state(seller) if seller is not None else None
        listing = state.listings.get(request.path_params["sku"]) if state else None
        if seller is None or state is None or listing is None:
            return self.problem(request, 404, "No such listing for this seller.")
        return self.render(request, "listing.html", nav="listings", seller=seller,
                           state=state, listing=listing,
                           prices=business.listing_prices(state, listing),
                           statuses=business.listing_statuses(state, listing),
                           attributes=business.attributes_text(listing),
                           inventory=state.inventory.get(listing.sku),
                           item=state.catalog.get(listing.asin))

    async def inventory_page(self, request: Request) -> Response:
        seller, state = self._seller_state(request)
        records = sorted(state.inventory.values(), key=lambda r: r.sku)
        found = business.paged(records, _page_number(request))
        return self.render(request, "inventory.html", nav="inventory", seller=seller,
                           state=state, page=found)

    async def catalog_page(self, request: Request) -> Response:
        seller, state = self._seller_state(request)
        search = request.query_params.get("q", "").strip()[:100] or None
        found = business.paged(business.catalog(state, search), _page_number(request))
        return self.render(request, "catalog.html", nav="catalog", seller=seller,
                           state=state, search=search, page=found)

    def _dump(self, kind: str) -> Callable[[Any], Any]:
        found = self.sources.store.record_kinds.get(kind)
        return found.dump if found is not None else snapshot_dump

    async def records_page(self, request: Request) -> Response:
        seller, state = self._seller_state(request)
        kind = request.query_params.get("kind") or None
        table = state.records.get(kind, {}) if kind else {}
        rows = sorted(table.items())
        found = business.paged(rows, _page_number(request))
        dump = self._dump(kind or "")
        return self.render(request, "records.html", nav="records", seller=seller, state=state,
                           kinds=business.record_kinds(state, self.sources.store.record_kinds),
                           kind=kind, page=found,
                           text=lambda record: business.record_text(record, dump))

    # -- reports and feeds ------------------------------------------------------------------

    async def jobs_page(self, request: Request) -> Response:
        seller_id = request.query_params.get("seller") or None
        reports, feeds = jobs.rows(self.sources, seller_id)
        return self.render(request, "jobs.html", nav="jobs", reports=reports, feeds=feeds,
                           seller_id=seller_id, clock=overview.clock_view(self.sources))

    async def document(self, request: Request) -> Response:
        found = jobs.document(self.sources, request.path_params["document_id"])
        if found is None or found.content is None:
            return self.problem(request, 404, "No such document (or nothing uploaded yet).")
        # Documents are what clients uploaded or reports hold: shown as plain text (never
        # as a page or a script of the inspector's origin), anything else downloaded.
        declared = (found.content_type or "").lower()
        text = found.compression != "GZIP" and declared.startswith(
            ("text/", "application/json", "application/xml"))
        charset = declared.partition("charset=")[2].split(";")[0].strip() or "utf-8"
        media = f"text/plain; charset={charset}" if text else "application/octet-stream"
        name = found.document_id + ("" if text or found.compression != "GZIP" else ".gz")
        disposition = "inline" if text else "attachment"
        return Response(found.content, headers={
            **SECURITY_HEADERS, "content-type": media,
            "content-disposition": f'{disposition}; filename="{name}"'})

    # -- notifications ----------------------------------------------------------------------

    async def notifications_page(self, request: Request) -> Response:
        filters = notifications.OutboxFilters.parse(request.query_params)
        return self.render(request, "notifications.html", nav="notifications",
                           filters=filters, view=notifications.view(self.sources, filters),
                           message_text=notifications.message_text,
                           retryable=notifications.retryable)

    async def retry(self, request: Request) -> Response:
        form = await self.posted(request)
        notifier = self.sources.notifier
        queued = notifier.retry(request.path_params["notification_id"]) if notifier else 0
        return self.back(form, "retried" if queued else "nothing-to-retry",
                         PREFIX + "/notifications")

    # -- faults -----------------------------------------------------------------------------

    async def faults_page(self, request: Request, error: str | None = None,
                          values: dict[str, str] | None = None) -> Response:
        return self.render(request, "faults.html", status=400 if error else 200, nav="faults",
                           rules=self.sources.faults.rules(), error=error,
                           values=values or {})

    async def add_fault(self, request: Request) -> Response:
        form = await self.posted(request)
        values = {k: str(form.get(k, "")).strip() for k in (
            "operation", "path", "seller", "probability", "status", "latency_ms", "times")}
        rule: dict[str, Any] = {k: values[k] for k in ("operation", "path", "seller", "status")
                                if values[k]}
        try:
            for name, kind in (("probability", float), ("latency_ms", int), ("times", int)):
                if values[name]:
                    rule[name] = kind(values[name])
        except ValueError:
            return await self.faults_page(request, f"'{name}' must be a number.", values)
        try:
            self.sources.faults.add(rule)
        except FaultRuleError as error:
            return await self.faults_page(request, f"Invalid fault rule: {error}.", values)
        return self.back(form, "fault-added", PREFIX + "/faults")

    async def remove_fault(self, request: Request) -> Response:
        form = await self.posted(request)
        self.sources.faults.remove(request.path_params["rule_id"])
        return self.back(form, "fault-removed", PREFIX + "/faults")

    async def clear_faults(self, request: Request) -> Response:
        form = await self.posted(request)
        self.sources.faults.clear()
        return self.back(form, "faults-cleared", PREFIX + "/faults")

    # -- state ------------------------------------------------------------------------------

    async def state_page(self, request: Request, error: str | None = None) -> Response:
        store = self.sources.store
        return self.render(request, "state.html", status=400 if error else 200, nav="state",
                           store=store, error=error, generated=list(store.generated()),
                           scenarios=scenario_names(self.sources.control))

    async def reset(self, request: Request) -> Response:
        form = await self.posted(request)
        self.sources.store.reset()
        self.sources.throttler.reset()  # as the control plane's reset: buckets full again
        return self.back(form, "reset", PREFIX + "/state")

    async def reseed(self, request: Request) -> Response:
        form = await self.posted(request)
        body: dict[str, Any] = {}
        seed = str(form.get("seed", "")).strip()
        if seed:
            body["seed"] = int(seed) if seed.lstrip("-").isdigit() else seed
        if form.get("scenario"):
            body["scenario"] = str(form.get("scenario"))
        try:
            reseed(self.sources.control, body)
        except ControlError as error:
            return await self.state_page(request, error.message)
        return self.back(form, "reseeded", PREFIX + "/state")

    async def snapshot(self, request: Request) -> Response:
        body = json.dumps(self.sources.store.snapshot(), separators=(",", ":"))
        name = f"spapi-emulator-seed{self.sources.store.seed}-snapshot.json"
        return Response(body, media_type="application/json", headers={
            **SECURITY_HEADERS, "content-disposition": f'attachment; filename="{name}"'})

    async def restore(self, request: Request) -> Response:
        form = await self.posted(request)
        upload = form.get("snapshot")
        if not isinstance(upload, UploadFile):
            return await self.state_page(request, "Choose a snapshot file to restore.")
        raw = await upload.read(MAX_SNAPSHOT + 1)
        if len(raw) > MAX_SNAPSHOT:
            return await self.state_page(request, "A snapshot is limited to 1 GB.")
        try:
            self.sources.store.restore(json.loads(raw))
        except ValueError as error:  # not JSON, or SnapshotError
            reason = str(error) if isinstance(error, SnapshotError) else "it is not JSON"
            return await self.state_page(request,
                                         f"Invalid snapshot, nothing restored: {reason}.")
        return self.back(form, "restored", PREFIX + "/state")

    # -- cassettes --------------------------------------------------------------------------

    async def cassettes_page(self, request: Request) -> Response:
        return self.render(request, "cassettes.html", nav="cassettes",
                           view=cassettes.view(self.sources))

    # -- the app ----------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        get, post = ["GET"], ["POST"]
        return [
            Route(PREFIX, self.overview_page, methods=get),
            Route(PREFIX + "/", self.overview_page, methods=get),
            Route(PREFIX + "/clock/advance", self.advance, methods=post),
            Route(PREFIX + "/requests", self.requests_page, methods=get),
            Route(PREFIX + "/requests/stream", self.stream, methods=get),
            Route(PREFIX + "/requests/{request_id}", self.request_page, methods=get),
            Route(PREFIX + "/orders", self.orders_page, methods=get),
            Route(PREFIX + "/orders/{seller_id}/{order_id}", self.order_page, methods=get),
            Route(PREFIX + "/labels/{seller_id}/{shipment_id}", self.label, methods=get),
            Route(PREFIX + "/listings", self.listings_page, methods=get),
            Route(PREFIX + "/listings/{seller_id}/{sku:path}", self.listing_page, methods=get),
            Route(PREFIX + "/inventory", self.inventory_page, methods=get),
            Route(PREFIX + "/catalog", self.catalog_page, methods=get),
            Route(PREFIX + "/records", self.records_page, methods=get),
            Route(PREFIX + "/jobs", self.jobs_page, methods=get),
            Route(PREFIX + "/documents/{document_id}", self.document, methods=get),
            Route(PREFIX + "/notifications", self.notifications_page, methods=get),
            Route(PREFIX + "/notifications/{notification_id}/retry", self.retry,
                  methods=post),
            Route(PREFIX + "/faults", self.faults_page, methods=get),
            Route(PREFIX + "/faults", self.add_fault, methods=post),
            Route(PREFIX + "/faults/clear", self.clear_faults, methods=post),
            Route(PREFIX + "/faults/{rule_id}/delete", self.remove_fault, methods=post),
            Route(PREFIX + "/state", self.state_page, methods=get),
            Route(PREFIX + "/state/reset", self.reset, methods=post),
            Route(PREFIX + "/state/reseed", self.reseed, methods=post),
            Route(PREFIX + "/state/snapshot.json", self.snapshot, methods=get),
            Route(PREFIX + "/state/restore", self.restore, methods=post),
            Route(PREFIX + "/cassettes", self.cassettes_page, methods=get),
            Mount(PREFIX + "/static", app=StaticFiles(directory=HERE / "static"),
                  name="static"),
        ]


def _page_number(request: Request) -> int:
    value = request.query_params.get("page", "1")
    return int(value) if value.isdigit() else 1


def _query_of(target: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    query = target.partition("?")[2]
    return [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "done"]


def inspector_app(sources: Sources) -> ASGIApp:
    inspector = Inspector(sources)

    async def refused(request: Request, exc: Exception) -> Response:
        return inspector.problem(request, 403, f"Refused: {exc}.")

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return inspector.problem(request, 404, "No such page in the inspector.")
        if exc.status_code == 405:
            return inspector.problem(request, 405, f"{request.method} is not allowed here.")
        return inspector.problem(request, exc.status_code, str(exc.detail))

    app = Starlette(routes=inspector.routes(),
                    exception_handlers={Refused: refused, HTTPException: http_error})
    app.state.inspector = inspector
    settings = sources.settings
    names = (settings.host, urlsplit(settings.base_url).hostname or "")
    # The token comes after the Host check: a rebinding page is refused before it can try.
    door = LoginRequired(app, Sessions(settings.control_token), inspector.templates)
    return RefuseSpApiTokens(KnownHostsOnly(door, names))
