"""Transactions of the store: what one request changes happens whole, or not at all.

A write runs inside `store.transaction()` (the pipeline opens one around every stateful
handler that may write, the control plane around its writes). Before a rule changes, creates
or deletes a record it calls `store.prepare(state, kind, key)`, which keeps a copy of the
record as it was (or notes that there was none). `store.changed(...)` inside a transaction
stages the state-file record, the change-journal entry and the event instead of writing and
publishing them. When the block ends normally they are committed: queued for the state file,
recorded in the change journal (changes.py), published on the bus. When
it raises, every prepared record is put back as it was, in place (other objects may hold it),
records created in it are removed, the seller's version and order stream are rewound, and what
was staged is dropped: neither the state file nor a subscriber ever sees the change.

The transaction lives in a context variable: concurrent requests (asyncio tasks) each have
their own, and scheduled actions (scheduler.py runs each in a fresh context) are outside any.
A `changed()` of a record that was not prepared cannot be undone: it warns `UnpreparedChange`
(an error in the test suite), since the rule that made it has a bug to fix.
"""

from __future__ import annotations

import bisect
import copy
import warnings
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulator.runtime.events import Event

if TYPE_CHECKING:
    from emulator.business.store import SellerState


class UnpreparedChange(RuntimeWarning):
    """A record changed in a transaction without `store.prepare` first: not undoable."""


@dataclass
class _Joined:
    """A seller as the transaction first saw it."""

    state: SellerState
    version: int
    order_stream: Any  # the seller's OrderMaker random state


@dataclass
class Transaction:
    sellers: dict[str, _Joined] = field(default_factory=dict)
    # (seller id, kind, key) -> (the live record, a copy of it before) or (None, None): the
    # key had no record before.
    before: dict[tuple[str, str, str], tuple[Any, Any]] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)  # for the state file
    changes: list[Any] = field(default_factory=list)  # for the change journal (changes.py)
    events: list[Event] = field(default_factory=list)


_CURRENT: ContextVar[Transaction | None] = ContextVar("spapi_emulator_transaction",
                                                      default=None)


def current() -> Transaction | None:
    return _CURRENT.get()


def begin() -> tuple[Transaction, Any] | None:
    """A new transaction, or None when one is open already (the inner block joins it)."""
    if _CURRENT.get() is not None:
        return None
    transaction = Transaction()
    return transaction, _CURRENT.set(transaction)


def end(token: Any) -> None:
    _CURRENT.reset(token)


def join(transaction: Transaction, state: SellerState) -> None:
    if state.seller_id not in transaction.sellers:
        transaction.sellers[state.seller_id] = _Joined(state, state.version,
                                                       state.maker.rnd.getstate())


def prepare(transaction: Transaction, state: SellerState, kind: str, key: str,
            table: dict[str, Any]) -> None:
    join(transaction, state)
    slot = (state.seller_id, kind, key)
    if slot not in transaction.before:
        live = table.get(key)
        transaction.before[slot] = (live, copy.deepcopy(live) if live is not None else None)


def check_prepared(transaction: Transaction, state: SellerState, kind: str, key: str) -> None:
    if (state.seller_id, kind, key) not in transaction.before:
        warnings.warn(f"{kind} {key} of seller {state.seller_id} changed without "
                      "store.prepare(): the change cannot be undone if the request fails",
                      UnpreparedChange, stacklevel=3)


def rollback(transaction: Transaction,
             table_of: Callable[[SellerState, str], dict[str, Any]]) -> None:
    """Put every prepared record back as it was; rewind each seller's version and order
    stream. Staged records and events are simply never committed."""
    for (seller_id, kind, key), (live, before) in reversed(transaction.before.items()):
        state = transaction.sellers[seller_id].state
        table = table_of(state, kind)
        now = table.get(key)
        if live is None:  # made in this transaction
            if now is not None:
                del table[key]
                if kind == "order":
                    _unlist_order(state, now)
                    state.maker.taken_ids.discard(key)
            continue
        # An order replaced, deleted or moved in time leaves its place in the dated list.
        relist = kind == "order" and (now is not live
                                      or live.purchase_date != before.purchase_date)
        if relist:
            if now is not None and now is not live:
                _unlist_order(state, now)
            _unlist_order(state, live)
        _restore_into(live, before)
        table[key] = live
        if relist:
            _list_order(state, live)
    for joined in transaction.sellers.values():
        joined.state.version = joined.version
        joined.state.maker.rnd.setstate(joined.order_stream)


def _restore_into(live: Any, before: Any) -> None:
    """Make `live` equal to `before` again, keeping every part of it that did not change (and
    nested records, lists and dicts, whose identity steps scheduled earlier may hold)."""
    for name in live.__dataclass_fields__:
        now, was = getattr(live, name), getattr(before, name)
        if now == was:
            continue
        if _same_record(now, was):
            _restore_into(now, was)
        elif isinstance(now, list) and isinstance(was, list) and len(now) == len(was):
            for index, (item, old) in enumerate(zip(now, was, strict=True)):
                if _same_record(item, old):
                    _restore_into(item, old)
                elif item != old:
                    now[index] = old
        elif isinstance(now, tuple) and isinstance(was, tuple) and len(now) == len(was):
            # A tuple of records (an order's items, shipments): the same records, restored.
            setattr(live, name, tuple(_restored(item, old) for item, old in zip(now, was,
                                                                                strict=True)))
        elif isinstance(now, dict) and isinstance(was, dict):
            now.clear()
            now.update(was)
        else:
            setattr(live, name, was)


def _restored(now: Any, was: Any) -> Any:
    if _same_record(now, was):
        _restore_into(now, was)
        return now
    return was


def _same_record(now: Any, was: Any) -> bool:
    return hasattr(now, "__dataclass_fields__") and type(now) is type(was)


def _unlist_order(state: SellerState, order: Any) -> None:
    for index, listed in enumerate(state.order_list):
        if listed is order:
            del state.order_list[index]
            del state.order_times[index]
            return


def _list_order(state: SellerState, order: Any) -> None:
    index = bisect.bisect_right(state.order_times, order.purchase_date)
    state.order_list.insert(index, order)
    state.order_times.insert(index, order.purchase_date)
