"""SP-API's throttling: a token bucket per (app, seller, operation), on the emulator clock.

Each bucket holds up to `burst` tokens and refills at `rate` tokens per second, both from the
operation's usage plan (usage_plans.py). A request takes one token; an empty bucket means 429
QuotaExceeded. Modes (`--throttle`): `amazon` (the models' plans, the default), `sandbox`
(Amazon's sandbox: rate 5, burst 15 for every operation), `off`, `scale:N` (rates x N, for
fast test suites).

A bucket that has refilled to its burst is the same as no bucket at all, so a sweep every
SWEEP_EVERY requests forgets such buckets: the buckets kept are those used within the time
they take to refill (memory follows the callers active lately, not all there ever were).
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.models.spec import Operation
from emulator.models.usage_plans import UsagePlan, plan_for
from emulator.runtime.clock import Clock

SANDBOX_PLAN = UsagePlan(rate=5.0, burst=15, parsed=True)
SWEEP_EVERY = 4096  # requests between two sweeps of the refilled buckets


@dataclass(frozen=True)
class ThrottleMode:
    kind: str  # amazon | sandbox | off | scale
    factor: float = 1.0

    @classmethod
    def parse(cls, text: str) -> ThrottleMode:
        if text in ("amazon", "sandbox", "off"):
            return cls(text)
        if text.startswith("scale:"):
            try:
                factor = float(text.removeprefix("scale:"))
            except ValueError:
                factor = 0.0
            if factor > 0:
                return cls("scale", factor)
        raise ValueError(
            f"--throttle must be amazon, sandbox, off or scale:N (N > 0), not {text!r}")

    def plan(self, operation: Operation) -> UsagePlan:
        if self.kind == "sandbox":
            return SANDBOX_PLAN
        plan = plan_for(operation)
        if self.kind == "scale":
            return UsagePlan(plan.rate * self.factor, plan.burst, plan.parsed)
        return plan


class Throttler:
    def __init__(self, clock: Clock, mode: ThrottleMode) -> None:
        self.clock = clock
        self.mode = mode
        self._plans: dict[str, UsagePlan] = {}
        # (client id, seller id or "" for grantless calls, operation uid) -> [tokens, last refill]
        self._buckets: dict[tuple[str, str, str], list[float]] = {}
        self._until_sweep = SWEEP_EVERY

    def plan(self, operation: Operation) -> UsagePlan:
        plan = self._plans.get(operation.uid)
        if plan is None:
            plan = self._plans[operation.uid] = self.mode.plan(operation)
        return plan

    def take(self, client_id: str, seller_id: str, operation: Operation) -> bool:
        """Take a token for one request; False when the bucket is empty (throttled)."""
        return self.draw(client_id, seller_id, operation) >= 0.0

    def draw(self, client_id: str, seller_id: str, operation: Operation) -> float:
        """Take a token for one request; returns the tokens left in the bucket after it, or
        -1 - the level when the bucket was empty (throttled; the journal shows the level).
        With throttling off there is no bucket: always 0.0."""
        if self.mode.kind == "off":
            return 0.0
        plan = self.plan(operation)
        now = self.clock.now()
        key = (client_id, seller_id, operation.uid)
        bucket = self._buckets.get(key)
        if bucket is None:
            self._until_sweep -= 1
            if self._until_sweep <= 0:
                self.sweep()
            bucket = self._buckets[key] = [float(plan.burst), now]  # a new bucket starts full
        else:
            bucket[0] = min(float(plan.burst), bucket[0] + (now - bucket[1]) * plan.rate)
            bucket[1] = now
        if bucket[0] < 1.0:
            return -1.0 - bucket[0]
        bucket[0] -= 1.0
        return bucket[0]

    def sweep(self) -> None:
        """Forget the buckets that have refilled (they are as good as new ones)."""
        now = self.clock.now()
        plans = self._plans
        self._buckets = {
            key: bucket for key, bucket in self._buckets.items()
            if bucket[0] + (now - bucket[1]) * plans[key[2]].rate < plans[key[2]].burst}
        self._until_sweep = SWEEP_EVERY

    def __len__(self) -> int:
        return len(self._buckets)

    def reset(self) -> None:
        self._buckets.clear()
