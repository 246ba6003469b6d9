"""Assembles the emulator: the models, the request pipeline and the control plane, one ASGI app.

    /_emulator/ui/...     the inspector, a web page over all of it (inspector/)
    /_emulator/...        control plane (control/plane.py, plus the families' routes)
    /auth/o2/token        Login with Amazon (auth/lwa.py)
    /apps/authorize/...   website authorization (auth/consent.py)
    /_documents/...       report and feed documents at presigned URLs (gateway/s3.py)
    everything else       SP-API operations of every model (gateway/pipeline.py):
                          auth -> throttling -> faults -> answer, recorded in the journal
                          (the other planes' requests are recorded there too, without bodies)

The stateful handlers come from the families (emulator/families/*), each installing itself.
"""

from __future__ import annotations

import gc
import time
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.auth.accounts import Accounts
from emulator.auth.lwa import lwa_app
from emulator.auth.stage import Authenticator
from emulator.auth.tokens import TokenStore
from emulator.business import runtime_records
from emulator.business import scenario as scenarios
from emulator.business.changes import ChangeLog
from emulator.business.living.engine import LivingStore
from emulator.business.persistence import StateFile
from emulator.business.store import StateStore
from emulator.business.synthesis_hints import SynthesisHints
from emulator.config import Settings
from emulator.control.guard import GuardPolicy
from emulator.control.plane import ControlContext, control_app
from emulator.families import ApiContext, install_all
from emulator.gateway.answer import Answerer
from emulator.gateway.call import Call
from emulator.gateway.coverage import coverage
from emulator.gateway.pipeline import Pipeline
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.router import Router
from emulator.gateway.s3 import DocumentEndpoint
from emulator.gateway.stages import FaultStage, ThrottleStage
from emulator.gateway.validation import RequestValidator
from emulator.gateway.wire import Reply
from emulator.models import spec
from emulator.models.steer import Hints
from emulator.runtime.clock import Clock
from emulator.runtime.documents import PATH_PREFIX as DOCUMENTS_PREFIX
from emulator.runtime.documents import DocumentStore
from emulator.runtime.events import EventBus
from emulator.runtime.faults import Faults
from emulator.runtime.journal import Journal
from emulator.runtime.paging import PageTokens
from emulator.runtime.rng import Randomness
from emulator.runtime.scheduler import Scheduler
from emulator.runtime.throttle import ThrottleMode, Throttler

CONTROL_PREFIX = "/_emulator"
INSPECTOR_PREFIX = "/_emulator/ui"
JOURNAL_PATH = "/_emulator/journal"
LWA_TOKEN_PATH = "/auth/o2/token"
CONSENT_PREFIX = "/apps/authorize/"


def _as_sent(scope: Scope) -> str:
    """The request's path still percent-encoded, as the dispatch reads it."""
    raw = scope.get("raw_path")
    return raw.decode("latin-1") if raw else quote(scope["path"])


class EmulatorApp:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.models = spec.load(settings.models_dir)
        self.randomness = Randomness(settings.seed, settings.deterministic_tokens)
        self.clock = Clock()
        self.accounts = Accounts.load(settings.accounts_file)
        self.tokens = TokenStore(self.clock, self.randomness, settings.token_ttl)
        self.journal = Journal(settings.journal_size, settings.journal_bodies)
        self.faults = Faults(self.randomness, [op.uid for op in self.models.operations])
        if settings.faults_file is not None:
            self.faults.load(settings.faults_file)
        self.throttler = Throttler(self.clock, ThrottleMode.parse(settings.throttle))
        self.events = EventBus()
        self.store = StateStore(
            scenarios.load(settings.scenario_file, settings.scale), settings.seed, self.clock,
            self.accounts, self.events,
            StateFile(settings.state_file) if settings.state_file is not None else None,
        )

        self.page_tokens = PageTokens(self.clock, self.randomness)
        self.scheduler = Scheduler(self.clock)
        self.store.changes = ChangeLog(settings.journal_size)
        self.living = (LivingStore(self.store, self.scheduler, self.clock) if settings.live
                       else None)
        self.documents = DocumentStore(self.clock, self.randomness, settings.base_url,
                                       settings.document_budget_mb * 1024 * 1024)
        self.document_endpoint = DocumentEndpoint(self.documents, self.randomness)
        self.store.reset_listeners.append(self.documents.clear)
        runtime_records.install(self.documents, self.clock, self.store.sections)

        self.router = Router(self.models.operations)
        self.validator = RequestValidator(self.models)
        self.handlers = HandlerRegistry(op.uid for op in self.models.operations)
        family_context = ApiContext(
            settings=settings, models=self.models, router=self.router, store=self.store,
            page_tokens=self.page_tokens, clock=self.clock, accounts=self.accounts,
            tokens=self.tokens, events=self.events, scheduler=self.scheduler,
            documents=self.documents,
        )
        # Every package of emulator/families/ registers its handlers (and control routes).
        self.families = install_all(self.handlers, family_context)
        self._on_shutdown = family_context.on_shutdown
        # Every record section is registered: the state file's records go back in, and what
        # was under way (reports, feeds, deliveries) goes on.
        self.store.open()
        # What scheduled steps change (a report done, a feed applied) is written as it happens.
        self.scheduler.after_run.append(self.store.flush)
        self.answerer = Answerer(settings, self.validator, self.handlers, self.randomness,
                                 self.store.transaction)
        self.synthesis_hints = SynthesisHints(self.store, self.clock)
        self.answerer.hints = self._hints
        stages = [
            Authenticator(settings, self.accounts, self.tokens, self.clock),
            ThrottleStage(self.throttler),
            FaultStage(self.faults),
        ]
        observers = [self._record] if self.journal.enabled else []
        self.pipeline = Pipeline(settings, self.router, self.answerer, self.randomness,
                                 stages, observers, plan=self.throttler.plan,
                                 finishers=[self.store.flush])

        # Who may drive the emulator by hand: the control plane and any page mounted under
        # /_emulator sit behind control.guard.ControlGuard with this policy.
        self.guard_policy = GuardPolicy.for_server(settings.host, settings.public_url,
                                                   settings.control_token)
        self.lwa = lwa_app(self.accounts, self.tokens, settings, self.randomness)
        self.control_extensions = family_context.control
        self.control_context = ControlContext(
            models=self.models, accounts=self.accounts, clock=self.clock, faults=self.faults,
            journal=self.journal, store=self.store, throttler=self.throttler,
            scenarios_dir=settings.scenario_file.parent, scale=settings.scale,
            coverage=lambda: coverage(self.models, self.answerer),
        )
        self._consent: ASGIApp | None = None
        self._control: ASGIApp | None = None
        self._inspector: ASGIApp | None = None

    # The consent page, the control plane and the inspector are Starlette apps, made on their
    # first request: a start that serves SP-API calls first does not wait for them.

    @property
    def consent(self) -> ASGIApp:
        if self._consent is None:
            from emulator.auth.consent import consent_app

            self._consent = consent_app(self.accounts, self.tokens, self.settings)
        return self._consent

    @property
    def control(self) -> ASGIApp:
        if self._control is None:
            self._control = control_app(self.control_context, self.control_extensions,
                                        self.guard_policy)
        return self._control

    @property
    def inspector(self) -> ASGIApp:
        if self._inspector is None:
            from emulator.harness.cassettes.review import CassetteReview
            from emulator.inspector import Sources, inspector_app

            settings = self.settings
            self._inspector = inspector_app(Sources(
                settings=settings, models=self.models, clock=self.clock,
                scheduler=self.scheduler, accounts=self.accounts, store=self.store,
                journal=self.journal, faults=self.faults, throttler=self.throttler,
                documents=self.documents, control=self.control_context, families=self.families,
                cassettes=CassetteReview(self.models, settings.cassettes_dir),
            ))
        return self._inspector

    def _hints(self, call: Call) -> Hints:
        """The calling seller's data for a synthesized answer (a grantless call has none)."""
        principal = call.principal
        return self.synthesis_hints.for_seller(principal.seller if principal else None)

    def _record(self, call: Call, reply: Reply, elapsed: float) -> None:
        principal = call.principal
        operation = call.operation
        # Fields in journal.Entry's order; this runs on every request, so nothing is formatted.
        self.journal.record((
            self.clock.now(), call.request_id, call.method, call.raw_path,
            operation.uid if operation is not None else None,
            principal.app_id if principal is not None else None,
            principal.seller_id if principal is not None else None,
            reply.status, elapsed, call.throttled, call.fault, call.source, call.note,
            principal.kind if principal is not None else None, call.bucket, call.error,
            "sp-api", call.case,
        ))
        if self.journal.bodies_kept:
            self.journal.keep_bodies(call.request_id, call.scope.get("query_string", b""),
                                     call.body, reply.body, reply.content_type)

    async def _recorded(self, plane: str, app: ASGIApp, scope: Scope, receive: Receive,
                        send: Send) -> None:
        """Serve a request of another plane (LWA, the control plane, documents) and record
        it in the journal: method, path, status, latency; never its bodies (credentials)."""
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            self.journal.record((
                self.clock.now(), f"{plane}-{self.journal.recorded + 1}", scope["method"],
                scope["path"], None, None, None, status, time.perf_counter() - started,
                False, None, plane, None, None, None, None, plane,
            ))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # The path as sent: `/_emulator%2Fstate` or `/%5Femulator/...` must not reach
            # the control plane (they are SP-API paths no operation has: 403).
            path = _as_sent(scope)
            if path.startswith((CONTROL_PREFIX, DOCUMENTS_PREFIX)):
                send = self._durable(send)  # what they changed is written before the answer
            if path == INSPECTOR_PREFIX or path.startswith(INSPECTOR_PREFIX + "/"):
                await self.inspector(scope, receive, send)  # watches; never recorded
            elif path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
                if not self.journal.enabled or (path == JOURNAL_PATH and scope["method"] == "GET"):
                    await self.control(scope, receive, send)  # reading the journal is not news
                else:
                    await self._recorded("control", self.control, scope, receive, send)
            elif not self.journal.enabled:
                await self._other(scope, receive, send)
            elif path == LWA_TOKEN_PATH or path.startswith(CONSENT_PREFIX):
                await self._recorded("lwa", self._other, scope, receive, send)
            elif path.startswith(DOCUMENTS_PREFIX):
                await self._recorded("documents", self.document_endpoint, scope, receive, send)
            else:
                await self.pipeline(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        # websockets: SP-API has none (server.py serves an Upgrade request as plain HTTP).

    def shutdown(self) -> None:
        """Stop what the families started (delivery threads, connections)."""
        for hook in self._on_shutdown:
            hook()

    async def _other(self, scope: Scope, receive: Receive, send: Send) -> None:
        """LWA, consent pages, documents and SP-API, by path."""
        path = _as_sent(scope)
        if path == LWA_TOKEN_PATH:
            await self.lwa(scope, receive, send)
        elif path.startswith(CONSENT_PREFIX):
            await self.consent(scope, receive, send)
        elif path.startswith(DOCUMENTS_PREFIX):
            await self.document_endpoint(scope, receive, send)
        else:
            await self.pipeline(scope, receive, send)

    def _durable(self, send: Send) -> Send:
        """`send`, writing the state file before the answer starts: what the control plane
        or an upload changed is durable before the client hears of it (the SP-API pipeline
        does the same with its finishers)."""
        store = self.store

        async def durable_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                store.flush()
            await send(message)

        return durable_send

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.scheduler.start()  # lifecycles advance while the server runs
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.scheduler.stop()
                self.shutdown()
                self.store.close()  # the last changes written, the state file compacted
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(settings: Settings) -> EmulatorApp:
    app = EmulatorApp(settings)
    # The models are millions of long-lived objects. Left in the collector's view, every full
    # collection walks them all (measured: the journal's steady allocations then cost 4 us a
    # request instead of 0.6). Freezing what exists after start-up takes them out of its view
    # (without a full collection first: it would cost a tenth of a second, for little garbage).
    gc.freeze()
    return app
