"""The registry of stateful handlers: which operations have an answer computed from state.

A handler takes the validated Call and returns a Reply, or None to decline (the answer then
falls through to the static case or the synthesized answer). Handlers are registered by
operation uid (`ordersV0.getOrders`) when the app is assembled; an unknown uid is an error at
start, never a silent miss.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from emulator.gateway.call import Call
from emulator.gateway.wire import Reply

Handler = Callable[[Call], Awaitable[Reply | None]]


class HandlerRegistry:
    def __init__(self, known_uids: Iterable[str]) -> None:
        self._known = set(known_uids)
        self._handlers: dict[str, Handler] = {}
        self._in_sandbox: set[str] = set()

    def register(self, uid: str, handler: Handler, *, in_sandbox: bool = False) -> None:
        """`in_sandbox`: also answer in `--mode sandbox` when no static case matches, for
        services Amazon's sandbox takes from production (Restricted Data Tokens)."""
        if uid not in self._known:
            raise KeyError(f"no operation {uid!r} in the models")
        if uid in self._handlers:
            raise ValueError(f"{uid} already has a handler")
        self._handlers[uid] = handler
        if in_sandbox:
            self._in_sandbox.add(uid)

    def unregister(self, uid: str) -> None:
        self._handlers.pop(uid, None)
        self._in_sandbox.discard(uid)

    def answers_in_sandbox(self, uid: str) -> bool:
        return uid in self._in_sandbox

    def get(self, uid: str) -> Handler | None:
        return self._handlers.get(uid)

    def __contains__(self, uid: str) -> bool:
        return uid in self._handlers

    def __len__(self) -> int:
        return len(self._handlers)
