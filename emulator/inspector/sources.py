"""What the inspector reads and turns: the emulator's parts, handed over by app.py as one
object, and the families' books found in what each family's install gave back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.auth.accounts import Accounts, Seller
from emulator.business.store import SellerState, StateStore
from emulator.config import Settings
from emulator.control.plane import ControlContext
from emulator.families.feeds.book import FeedBook
from emulator.families.notifications.notifier import Notifier
from emulator.families.reports.book import ReportBook
from emulator.models.spec import ModelSet
from emulator.runtime.clock import Clock
from emulator.runtime.documents import DocumentStore
from emulator.runtime.faults import Faults
from emulator.runtime.journal import Journal
from emulator.runtime.scheduler import Scheduler
from emulator.runtime.throttle import Throttler


@dataclass(frozen=True)
class ReviewedInteraction:
    """One recorded request and answer of a cassette, with the drift check's verdict."""

    cassette: str  # its path, relative to the cassettes folder
    index: int
    method: str
    uri: str
    status: int
    request_body: bytes
    response_body: bytes
    response_type: str | None
    checked: bool  # False: not an SP-API or LWA call, so not checked
    problems: tuple[str, ...]  # the drift found; empty when it agrees with the models


# Reads a cassettes folder: its interactions with their verdicts, or why it cannot be read.
CassetteReader = Callable[[], "list[ReviewedInteraction] | str"]


@dataclass
class Sources:
    settings: Settings
    models: ModelSet
    clock: Clock
    scheduler: Scheduler
    accounts: Accounts
    store: StateStore
    journal: Journal
    faults: Faults
    throttler: Throttler
    documents: DocumentStore
    control: ControlContext
    # What each family's install gave back, by family name (emulator.families.install_all).
    families: Mapping[str, object] = field(default_factory=dict)
    cassettes: CassetteReader | None = None

    def _book(self, family: str, kind: type[Any]) -> Any:
        book = getattr(self.families.get(family), "book", None)
        return book if isinstance(book, kind) else None

    @property
    def reports(self) -> ReportBook | None:
        return self._book("reports", ReportBook)  # type: ignore[no-any-return]

    @property
    def feeds(self) -> FeedBook | None:
        return self._book("feeds", FeedBook)  # type: ignore[no-any-return]

    @property
    def notifier(self) -> Notifier | None:
        found = self.families.get("notifications")
        return found if isinstance(found, Notifier) else None

    def seller(self, seller_id: str | None) -> Seller:
        """The seller a page is about: the one named, else the first of the accounts."""
        found = self.accounts.seller(seller_id) if seller_id else None
        return found or self.accounts.sellers[0]

    def state(self, seller: Seller) -> SellerState:
        """The seller's business (generated now if it was never used, as the APIs would)."""
        self.scheduler.run_due()
        return self.store.of(seller)

    def generated(self) -> dict[str, SellerState]:
        return {s.seller_id: s for s in self.store.generated()}
