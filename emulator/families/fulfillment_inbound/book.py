"""The seller's inbound plans and operations, and what keeps them moving: where they are kept,
their seeded ids in Amazon's formats, the asynchronous operations (IN_PROGRESS for a while
on the emulator clock, then SUCCESS or FAILED with their problems), and the shipments' steps
on the scheduler (put back after a restore).

Every mutating call of the API makes an operation. The call itself refuses what Amazon
refuses at once (400, nothing changes); what Amazon finds while processing (an unknown MSKU,
box contents that disagree with the plan) fails the operation when it ends, and then too
nothing changes. Only a successful operation applies its change.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from typing import Any

from emulator.business import service_fees
from emulator.business.records import dataclass_kind
from emulator.business.store import SellerState, StateStore
from emulator.families.common import Refusal
from emulator.families.fulfillment_inbound.records import (
    FAILED,
    IN_PROGRESS,
    OPERATION_KIND,
    PLAN_KIND,
    SUCCESS,
    InboundPlan,
    Operation,
    Shipment,
)
from emulator.runtime.scheduler import Scheduler

Problem = tuple[str, str, str, str]  # (code, message, details, severity)
Effect = Callable[[SellerState, InboundPlan | None, dict[str, Any], float], list[Problem]]
ShipmentStep = Callable[[SellerState, InboundPlan, Shipment, str, float], None]
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
PLAN_ID = re.compile(f"wf{UUID}")
OPERATION_ID = re.compile(UUID)
UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# Seconds an operation is IN_PROGRESS, by --lifecycle: Amazon's staff say "Ideally should be
# within 30-60sec but can take longer sometimes" (models#4503).
OPERATION_TIME = {"instant": (0.0, 0.0), "fast": (2.0, 5.0), "realistic": (30.0, 60.0)}


class InboundError(Refusal):
    """A request the Fulfillment Inbound API refuses at once (400 BadRequest by default)."""


def problem(code: str, message: str, details: str = "", severity: str = "ERROR") -> Problem:
    """An operation problem; Amazon's messages start with the severity ("ERROR: ...")."""
    return code, f"{severity}: {message}", details, severity


class InboundBook:
    def __init__(self, store: StateStore, scheduler: Scheduler, lifecycle: str) -> None:
        self.store = store
        self.scheduler = scheduler
        self.operation_time = OPERATION_TIME.get(lifecycle, OPERATION_TIME["fast"])
        store.register(dataclass_kind(PLAN_KIND, InboundPlan, rearm=self._rearm_plan))
        store.register(dataclass_kind(OPERATION_KIND, Operation, rearm=self._rearm_operation))
        store.register(service_fees.KIND)
        # What each operation does when it ends (set by the rules), and a shipment's steps
        # on the clock (set by the shipping lifecycle).
        self.effects: dict[str, Effect] = {}
        self.on_shipment_step: ShipmentStep | None = None

    # -- records --------------------------------------------------------------------------

    def plans(self, state: SellerState) -> dict[str, InboundPlan]:
        return state.table(PLAN_KIND)

    def operations(self, state: SellerState) -> dict[str, Operation]:
        return state.table(OPERATION_KIND)

    def find(self, state: SellerState, plan_id: str) -> InboundPlan:
        """The plan, or Amazon's errors for a malformed and an unknown id."""
        if not PLAN_ID.fullmatch(plan_id):
            raise InboundError("The inboundPlanId is malformed.",
                               f"{plan_id!r} is not an inbound plan id (wf and a UUID).")
        plan = self.plans(state).get(plan_id)
        if plan is None:
            raise InboundError("The requested inbound plan does not exist.")
        # A plan looked up in a write may change: kept as it is until the request succeeds.
        self.store.prepare(state, PLAN_KIND, plan_id)
        return plan

    def save(self, state: SellerState, plan: InboundPlan, when: float) -> None:
        plan.updated = max(plan.updated, when)
        self.store.changed(state, PLAN_KIND, plan.plan_id, plan)

    # -- ids ------------------------------------------------------------------------------

    @staticmethod
    def uuid_of(rnd: random.Random) -> str:
        return str(uuid.UUID(int=rnd.getrandbits(128), version=4))

    def new_plan_id(self, state: SellerState) -> str:
        plans = self.plans(state)
        rnd = self.store.randomness.derive("inbound-plan", state.seller_id, len(plans))
        found = "wf" + self.uuid_of(rnd)
        while found in plans:
            found = "wf" + self.uuid_of(rnd)
        return found

    def draw(self, state: SellerState, plan: InboundPlan, purpose: str) -> random.Random:
        """A seeded source for the plan's next ids and fates: same calls, same ids."""
        plan.sequence += 1
        return self.store.randomness.derive("inbound", state.seller_id, plan.plan_id, purpose,
                                            plan.sequence)

    def new_id(self, state: SellerState, plan: InboundPlan, prefix: str) -> str:
        """An id of Amazon's shape: two letters (po, pg, pl, sh, to, dw, pk) and a UUID."""
        return prefix + self.uuid_of(self.draw(state, plan, prefix))

    def confirmation_id(self, state: SellerState, plan: InboundPlan) -> str:
        """A shipment confirmation id, the FBA… number printed on box labels."""
        rnd = self.draw(state, plan, "confirmation")
        taken = {s.confirmation_id for p in self.plans(state).values() for s in p.shipments}
        found = "FBA" + "".join(rnd.choices(UPPER_ALNUM, k=9))
        while found in taken:
            found = "FBA" + "".join(rnd.choices(UPPER_ALNUM, k=9))
        return found

    # -- operations -----------------------------------------------------------------------

    def start(self, state: SellerState, name: str, plan: InboundPlan | None,
              args: dict[str, Any], when: float) -> Operation:
        """A new operation of `name` (an operation id), ending after its processing time."""
        operations = self.operations(state)
        rnd = self.store.randomness.derive("inbound-operation", state.seller_id,
                                           len(operations))
        operation_id = self.uuid_of(rnd)
        while operation_id in operations:
            operation_id = self.uuid_of(rnd)
        low, high = self.operation_time
        self.store.prepare(state, OPERATION_KIND, operation_id)
        operation = Operation(operation_id=operation_id, name=name, status=IN_PROGRESS,
                              created=when, due=when + rnd.uniform(low, high),
                              plan_id=plan.plan_id if plan is not None else None, args=args)
        operations[operation_id] = operation
        self.store.changed(state, OPERATION_KIND, operation_id, operation)
        self._schedule_end(state, operation)
        return operation

    def find_operation(self, state: SellerState, operation_id: str) -> Operation:
        if not OPERATION_ID.fullmatch(operation_id):
            raise InboundError("The operationId is malformed.")
        operation = self.operations(state).get(operation_id)
        if operation is None:
            # Amazon's wording for a well-formed unknown id is not documented.
            raise InboundError("The requested operationId does not exist.")
        return operation

    def _schedule_end(self, state: SellerState, operation: Operation) -> None:
        self.scheduler.at(operation.due, lambda: self._end(state, operation))

    def _end(self, state: SellerState, operation: Operation) -> None:
        if (operation.status != IN_PROGRESS or not self.store.is_current(state)
                or self.operations(state).get(operation.operation_id) is not operation):
            return
        plan = self.plans(state).get(operation.plan_id) if operation.plan_id else None
        problems = self.effects[operation.name](state, plan, operation.args, operation.due)
        operation.problems = list(problems)
        operation.status = FAILED if any(p[3] == "ERROR" for p in problems) else SUCCESS
        self.store.changed(state, OPERATION_KIND, operation.operation_id, operation)

    def _rearm_operation(self, state: SellerState, operation: Operation) -> None:
        if operation.status == IN_PROGRESS:
            self._schedule_end(state, operation)

    # -- shipments on the clock -----------------------------------------------------------

    def schedule(self, state: SellerState, plan: InboundPlan, shipment: Shipment,
                 step: str | None, when: float | None) -> None:
        shipment.step, shipment.due = step, when
        if step is not None and when is not None:
            self.scheduler.at(when, lambda: self._fire(state, plan, shipment, step, when))

    def _fire(self, state: SellerState, plan: InboundPlan, shipment: Shipment, step: str,
              when: float) -> None:
        if (not self.store.is_current(state) or self.plans(state).get(plan.plan_id) is not plan
                or shipment.step != step or shipment.due != when):
            return
        shipment.step = shipment.due = None
        if self.on_shipment_step is not None:
            self.on_shipment_step(state, plan, shipment, step, when)

    def _rearm_plan(self, state: SellerState, plan: InboundPlan) -> None:
        for shipment in plan.shipments:
            self.schedule(state, plan, shipment, shipment.step, shipment.due)
