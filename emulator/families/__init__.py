"""The SP-API families: one package per family (`orders/`, `listings/`, `reports/`...), each
holding its HTTP handlers (`handlers*.py`: read the validated call, ask the rules, render
Amazon's answer) apart from its business rules and records (`rules.py`, `book.py`, ... plain
Python over the seller's state in `emulator.business`), and what only it uses (report
generators, feed processors, notification messages).

A family is a package here whose `__init__` defines `install(registry, context)`: it
registers its handlers by operation uid and may add control-plane routes, reset listeners and
shutdown hooks through the context. Adding a family is adding its folder; `install_all` finds
it. Families may use every infrastructure layer and the business core, and reach each other
only through the core and the event bus (the exceptions are listed, with their reasons, in
the import-linter contracts of pyproject.toml).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.auth.accounts import Accounts
from emulator.auth.tokens import TokenStore
from emulator.business.store import StateStore
from emulator.config import Settings
from emulator.control.plane import ControlExtensions
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.router import Router
from emulator.models.spec import ModelSet
from emulator.runtime.clock import Clock
from emulator.runtime.documents import DocumentStore
from emulator.runtime.events import EventBus
from emulator.runtime.paging import PageTokens
from emulator.runtime.scheduler import Scheduler


@dataclass
class ApiContext:
    """What a family may use, and where it plugs into the emulator."""

    settings: Settings
    models: ModelSet
    router: Router
    store: StateStore
    page_tokens: PageTokens
    clock: Clock
    accounts: Accounts
    tokens: TokenStore
    events: EventBus
    scheduler: Scheduler
    documents: DocumentStore
    # Routes (and their OpenAPI paths) a family adds under /_emulator.
    control: ControlExtensions = field(default_factory=ControlExtensions)
    # Called when the server stops (a family's threads, connections).
    on_shutdown: list[Callable[[], None]] = field(default_factory=list)


def install_all(registry: HandlerRegistry, context: ApiContext) -> dict[str, object]:
    """Install every family package, in name order. Returns what each install gave back
    (its API object, for tools and tests that look inside), by family name."""
    installed: dict[str, object] = {}
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not module.ispkg or module.name.startswith("_"):
            continue
        family = importlib.import_module(f"{__name__}.{module.name}")
        installed[module.name] = family.install(registry, context)
    return installed
