"""Assembles the emulator: the models, the request pipeline and the control plane, one ASGI app.

    /_emulator/...   control plane (control.py)
    everything else  SP-API operations of every model (pipeline.py)
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from emulator import spec
from emulator.answer import Answerer
from emulator.config import Settings
from emulator.control import control_app
from emulator.pipeline import Pipeline
from emulator.registry import HandlerRegistry
from emulator.rng import Randomness
from emulator.router import Router
from emulator.validation import RequestValidator

CONTROL_PREFIX = "/_emulator"


class EmulatorApp:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.models = spec.load(settings.models_dir)
        self.randomness = Randomness(settings.seed)
        self.router = Router(self.models.operations)
        self.validator = RequestValidator(self.models)
        self.handlers = HandlerRegistry(op.uid for op in self.models.operations)
        self.answerer = Answerer(settings, self.validator, self.handlers, self.randomness)
        self.pipeline = Pipeline(settings, self.router, self.answerer, self.randomness)
        self.control = control_app(self.models)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
                await self.control(scope, receive, send)
            else:
                await self.pipeline(scope, receive, send)
        elif scope["type"] == "lifespan":
            await _lifespan(receive, send)
        # websockets: SP-API has none; the connection is simply not accepted.


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(settings: Settings) -> EmulatorApp:
    return EmulatorApp(settings)
