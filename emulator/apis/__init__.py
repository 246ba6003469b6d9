"""Stateful handlers, one module per SP-API family (`orders_v0.py`, `listings.py`, ...).

Every module here that defines `install(registry, context)` is installed when the app is
assembled: it registers its handlers by operation uid. Handlers translate between HTTP and
the state code in `emulator/state/`; they never hold state themselves.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from emulator.accounts import Accounts
from emulator.clock import Clock
from emulator.config import Settings
from emulator.documents import DocumentStore
from emulator.events import EventBus
from emulator.notify import Notifier
from emulator.paging import PageTokens
from emulator.registry import HandlerRegistry
from emulator.router import Router
from emulator.scheduler import Scheduler
from emulator.spec import ModelSet
from emulator.state.store import StateStore
from emulator.tokens import TokenStore


@dataclass
class ApiContext:
    """What handlers may use."""

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
    notifier: Notifier


def install_all(registry: HandlerRegistry, context: ApiContext) -> list[str]:
    """Install every family module's handlers; returns the module names, sorted."""
    installed = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name.startswith("_") or module.name == "common":
            continue
        family = importlib.import_module(f"{__name__}.{module.name}")
        install = getattr(family, "install", None)
        if install is not None:
            install(registry, context)
            installed.append(module.name)
    return installed
