"""Fault injection: rules that make chosen requests fail or slow down, as SP-API sometimes does.

A rule matches by operation (uid `ordersV0.getOrders` or bare operationId `getOrders`) and/or a
path pattern (shell-style, `/orders/v0/orders/*`), optionally for one seller, with a
probability. It answers with one of SP-API's failures (500 InternalFailure, 503
ServiceUnavailable, the 503 HTML page Amazon's edge sometimes sends, 429 QuotaExceeded) and/or
adds latency. Rules come from `--faults FILE` (YAML or JSON list) or `POST /_emulator/faults`;
each rule draws from its own seeded random stream, so the same run fails the same way.
"""

from __future__ import annotations

import difflib
import fnmatch
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from emulator.runtime.rng import Randomness

FaultStatus = Literal["500", "503", "503-html", "429"]
STATUSES: tuple[FaultStatus, ...] = ("500", "503", "503-html", "429")
MAX_LATENCY_MS = 60_000


class FaultRuleError(ValueError):
    """A fault rule that cannot be used; the message names the field."""


@dataclass
class FaultRule:
    id: str
    operation: str | None = None
    path: str | None = None
    seller: str | None = None
    probability: float = 1.0
    status: FaultStatus | None = None
    latency_ms: int = 0
    times: int | None = None  # fire at most this many times, then stay inert
    fired: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "operation": self.operation, "path": self.path,
                "seller": self.seller, "probability": self.probability, "status": self.status,
                "latency_ms": self.latency_ms, "times": self.times, "fired": self.fired}

    def matches(self, operation_uid: str | None, path: str, seller: str | None) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.operation is not None and (
            operation_uid is None
            or (self.operation != operation_uid and self.operation != operation_uid.split(".")[1])
        ):
            return False
        if self.path is not None and not fnmatch.fnmatchcase(path, self.path):
            return False
        return self.seller is None or self.seller == seller


def _rule_from(data: object, rule_id: str) -> FaultRule:
    if not isinstance(data, dict):
        raise FaultRuleError("a fault rule is a JSON object")
    known = {"id", "operation", "path", "seller", "probability", "status", "latency_ms", "times"}
    unknown = set(data) - known
    if unknown:
        raise FaultRuleError(f"unknown field(s) {sorted(unknown)}; known: {sorted(known)}")
    for name in ("operation", "path", "seller", "id"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise FaultRuleError(f"'{name}' must be a string")
    if data.get("operation") is None and data.get("path") is None:
        raise FaultRuleError("a rule needs 'operation' or 'path'")
    probability = data.get("probability", 1.0)
    if isinstance(probability, bool) or not isinstance(probability, int | float) or not (
            0.0 <= probability <= 1.0):
        raise FaultRuleError("'probability' must be a number from 0 to 1")
    status = data.get("status")
    if status is not None:
        status = str(status)
        if status not in STATUSES:
            raise FaultRuleError(f"'status' must be one of {list(STATUSES)}")
    latency = data.get("latency_ms", 0)
    if isinstance(latency, bool) or not isinstance(latency, int) or not (
            0 <= latency <= MAX_LATENCY_MS):
        raise FaultRuleError(f"'latency_ms' must be an integer from 0 to {MAX_LATENCY_MS}")
    if status is None and latency == 0:
        raise FaultRuleError("a rule needs a 'status', a 'latency_ms', or both")
    times = data.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int)
                              or times < 1):
        raise FaultRuleError("'times' must be a positive integer")
    return FaultRule(id=str(data.get("id") or rule_id), operation=data.get("operation"),
                     path=data.get("path"), seller=data.get("seller"),
                     probability=float(probability), status=status,  # type: ignore[arg-type]
                     latency_ms=latency, times=times)


class Faults:
    def __init__(self, randomness: Randomness, operations: Iterable[str] | None = None) -> None:
        """`operations`: the uids served (`ordersV0.getOrders`); a rule naming another
        operation is refused. None: any name (the CLI's early check, before the models)."""
        self._randomness = randomness
        self._rules: list[FaultRule] = []
        self._next = 1
        self._operations: frozenset[str] | None = None
        if operations is not None:
            uids = frozenset(operations)
            self._operations = uids | {uid.split(".", 1)[1] for uid in uids}

    def _check_operation(self, name: str | None) -> None:
        if name is None or self._operations is None or name in self._operations:
            return
        close = difflib.get_close_matches(name, self._operations, n=3)
        hint = f"; did you mean {', '.join(sorted(close))}?" if close else ""
        raise FaultRuleError(f"unknown operation {name[:200]!r} (a uid like "
                             f"ordersV0.getOrders or an operationId like getOrders){hint}")

    @property
    def active(self) -> bool:
        return bool(self._rules)

    def add(self, data: object) -> FaultRule:
        rule = _rule_from(data, f"fault-{self._next}")
        self._check_operation(rule.operation)
        if any(r.id == rule.id for r in self._rules):
            raise FaultRuleError(f"a rule with id {rule.id!r} exists already")
        self._next += 1
        rule._random = self._randomness.derive("faults", rule.id)
        self._rules.append(rule)
        return rule

    def load(self, path: Path) -> None:
        try:
            data = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as error:
            raise FaultRuleError(f"{path}: {error}") from None
        rules = data.get("faults", data) if isinstance(data, dict) else data
        if not isinstance(rules, list):
            raise FaultRuleError(f"{path}: expected a list of rules (or {{faults: [...]}})")
        for index, rule in enumerate(rules):
            try:
                self.add(rule)
            except FaultRuleError as error:
                raise FaultRuleError(f"{path}: rule {index + 1}: {error}") from None

    def remove(self, rule_id: str) -> bool:
        before = len(self._rules)
        self._rules = [r for r in self._rules if r.id != rule_id]
        return len(self._rules) < before

    def clear(self) -> None:
        self._rules.clear()

    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def decide(self, operation_uid: str | None, path: str, seller: str | None) -> FaultRule | None:
        """The first matching rule that fires for this request, if any."""
        for rule in self._rules:
            if rule.matches(operation_uid, path, seller) and (
                    rule._random.random() < rule.probability):
                rule.fired += 1
                return rule
        return None
