"""Fulfillment Inbound 2024-03-20 over HTTP: each handler runs what fell due on the clock,
asks the rules and renders Amazon's answer. Mutating operations answer 202 with their
`operationId` (and `inboundPlanId` on create); lists page with `pageSize` and
`paginationToken`; refusals are 400 `BadRequest`, Amazon's code for this API.

The operations that do not belong to the three Send to Amazon flows (content update
previews, self-ship appointments, item compliance, prep details, item labels, delivery
challans) keep the emulator's synthesized answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from emulator.business.store import SellerState
from emulator.families import ApiContext
from emulator.families.common import refused, seller_state, token_error
from emulator.families.fulfillment_inbound import render
from emulator.families.fulfillment_inbound.book import InboundBook
from emulator.families.fulfillment_inbound.records import InboundPlan, Shipment
from emulator.families.fulfillment_inbound.rules import NO_SHIPMENT, InboundRules
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply
from emulator.runtime.paging import TokenRejected

MODEL = "fulfillmentInbound_2024-03-20"
T = TypeVar("T")


class BadRequest(InvalidInput):
    """400 with the code Fulfillment Inbound 2024-03-20 uses (its sandbox cases)."""

    code = "BadRequest"


def _apply(change: Callable[[], T]) -> T:
    return refused(change, BadRequest)


class Inbound:
    def __init__(self, context: ApiContext, book: InboundBook, rules: InboundRules) -> None:
        self.context = context
        self.store = context.store
        self.clock = context.clock
        self.book = book
        self.rules = rules
        self.page_tokens = context.page_tokens

    # -- plumbing -------------------------------------------------------------------------

    def _state(self, call: Call) -> tuple[SellerState, dict[str, Any]]:
        self.context.scheduler.run_due()
        return seller_state(self.store, call), call.params or {}

    def _plan(self, state: SellerState, params: dict[str, Any]) -> InboundPlan:
        return _apply(lambda: self.book.find(state, params["inboundPlanId"]))

    def _shipment(self, plan: InboundPlan, shipment_id: str,
                  message: str = NO_SHIPMENT) -> Shipment:
        shipment = plan.shipment(shipment_id)
        if shipment is None:
            raise BadRequest(message)
        return shipment

    def _accepted(self, operation_id: str, **extra: str) -> Reply:
        self.context.scheduler.run_due()  # --lifecycle instant: done before the answer
        return json_reply(202, {**extra, "operationId": operation_id})

    def _page(self, state: SellerState, params: dict[str, Any], listing: str, name: str,
              found: Sequence[Any], render_one: Callable[[Any], Any]) -> Reply:
        size = params.get("pageSize") or 10
        filters = {k: v for k, v in sorted(params.items())
                   if k not in ("pageSize", "paginationToken")}
        start = 0
        if params.get("paginationToken"):
            try:
                start = int(self.page_tokens.read(params["paginationToken"], listing,
                                                  state.seller_id, filters))
            except TokenRejected as error:
                raise token_error(error) from None
        body: dict[str, Any] = {name: [render_one(x) for x in found[start:start + size]]}
        if start + size < len(found):
            body["pagination"] = {"nextToken": self.page_tokens.issue(
                listing, state.seller_id, filters, start + size)}
        return json_reply(200, body)

    # -- plans ----------------------------------------------------------------------------

    async def list_plans(self, call: Call) -> Reply:
        state, params = self._state(call)
        plans = [p for p in self.book.plans(state).values()
                 if params.get("status") in (None, p.status)]
        by_creation = params.get("sortBy") == "CREATION_TIME"
        plans.sort(key=lambda p: (p.created if by_creation else p.updated, p.plan_id),
                   reverse=params.get("sortOrder", "DESC") == "DESC")
        return self._page(state, params, "inbound.plans", "inboundPlans", plans,
                          render.plan_summary)

    async def create_plan(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan, operation = _apply(lambda: self.rules.create(state, params["body"],
                                                           self.clock.now()))
        return self._accepted(operation.operation_id, inboundPlanId=plan.plan_id)

    async def get_plan(self, call: Call) -> Reply:
        state, params = self._state(call)
        return json_reply(200, render.plan(self._plan(state, params)))

    async def cancel_plan(self, call: Call) -> Reply:
        state, params = self._state(call)
        operation = _apply(lambda: self.rules.cancel(state, params["inboundPlanId"],
                                                     self.clock.now()))
        return self._accepted(operation.operation_id)

    async def rename_plan(self, call: Call) -> Reply:
        state, params = self._state(call)
        _apply(lambda: self.rules.rename(state, params["inboundPlanId"],
                                         params["body"]["name"], self.clock.now()))
        return json_reply(204, None)

    async def plan_items(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        return self._page(state, params, "inbound.items", "items",
                          [i for i in plan.items if i.asin], render.item)

    async def plan_boxes(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        return self._page(state, params, "inbound.boxes", "boxes", plan.boxes,
                          lambda b: render.box(plan, b))

    async def plan_pallets(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        pallets = [p for s in plan.confirmed_shipments() for p in s.pallets]
        return self._page(state, params, "inbound.pallets", "pallets", pallets, render.pallet)

    # -- packing --------------------------------------------------------------------------

    async def generate_packing(self, call: Call) -> Reply:
        state, params = self._state(call)
        operation = _apply(lambda: self.rules.generate_packing(state, params["inboundPlanId"],
                                                               self.clock.now()))
        return self._accepted(operation.operation_id)

    async def packing_options(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        return self._page(state, params, "inbound.packing", "packingOptions",
                          plan.packing_options, render.packing_option)

    async def confirm_packing(self, call: Call) -> Reply:
        state, params = self._state(call)
        operation = _apply(lambda: self.rules.confirm_packing(
            state, params["inboundPlanId"], params["packingOptionId"], self.clock.now()))
        return self._accepted(operation.operation_id)

    def _group(self, plan: InboundPlan, group_id: str) -> Any:
        group = next((g for g in plan.groups if g.group_id == group_id), None)
        if group is None:
            raise BadRequest("The requested packingGroupId does not exist for the specified "
                             "inbound plan.")
        return group

    async def group_items(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        group = self._group(plan, params["packingGroupId"])
        return self._page(state, params, "inbound.groupItems", "items",
                          render.items_of(plan, group.items), lambda x: x)

    async def group_boxes(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        group = self._group(plan, params["packingGroupId"])
        boxes = [b for b in plan.boxes if b.group_id == group.group_id]
        return self._page(state, params, "inbound.groupBoxes", "boxes", boxes,
                          lambda b: render.box(plan, b))

    async def set_packing(self, call: Call) -> Reply:
        state, params = self._state(call)
        operation = _apply(lambda: self.rules.set_packing(
            state, params["inboundPlanId"], params["body"]["packageGroupings"],
            self.clock.now()))
        return self._accepted(operation.operation_id)

    # -- placement ------------------------------------------------------------------------

    async def generate_placement(self, call: Call) -> Reply:
        state, params = self._state(call)
        operation = _apply(lambda: self.rules.generate_placement(
            state, params["inboundPlanId"], params.get("body") or {}, self.clock.now()))
        return self._accepted(operation.operation_id)

    async def placement_options(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        return self._page(state, params, "inbound.placement", "placementOptions",
                          plan.placement_options, render.placement_option)

    async def confirm_placement(self, call: Call) -> Reply:
        state, params = self._state(call)
        operation = _apply(lambda: self.rules.confirm_placement(
            state, params["inboundPlanId"], params["placementOptionId"], self.clock.now()))
        return self._accepted(operation.operation_id)

    # -- shipments ------------------------------------------------------------------------

    async def get_shipment(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        shipment = self._shipment(plan, params["shipmentId"], "The requested shipment does "
                                  "not exist for the provided inbound plan.")
        return json_reply(200, render.shipment(plan, shipment))

    async def shipment_items(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        shipment = self._shipment(plan, params["shipmentId"])
        return self._page(state, params, "inbound.shipmentItems", "items",
                          render.items_of(plan, shipment.items), lambda x: x)

    async def shipment_boxes(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        shipment = self._shipment(plan, params["shipmentId"])
        boxes = [b for b in plan.boxes if b.shipment_id == shipment.shipment_id
                 or b.package_id in shipment.box_ids]
        return self._page(state, params, "inbound.shipmentBoxes", "boxes", boxes,
                          lambda b: render.box(plan, b))

    async def shipment_pallets(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        shipment = self._shipment(plan, params["shipmentId"])
        return self._page(state, params, "inbound.shipmentPallets", "pallets",
                          shipment.pallets, render.pallet)

    async def rename_shipment(self, call: Call) -> Reply:
        state, params = self._state(call)
        _apply(lambda: self.rules.rename_shipment(state, params["inboundPlanId"],
                                                  params["shipmentId"], params["body"]["name"],
                                                  self.clock.now()))
        return json_reply(204, None)

    async def update_source(self, call: Call) -> Reply:
        state, params = self._state(call)
        operation = _apply(lambda: self.rules.update_source(
            state, params["inboundPlanId"], params["shipmentId"], params["body"]["address"],
            self.clock.now()))
        return self._accepted(operation.operation_id)

    async def update_tracking(self, call: Call) -> Reply:
        state, params = self._state(call)
        operation = _apply(lambda: self.rules.update_tracking(
            state, params["inboundPlanId"], params["shipmentId"],
            params["body"]["trackingDetails"], self.clock.now()))
        return self._accepted(operation.operation_id)

    # -- transportation and delivery windows ----------------------------------------------

    async def generate_transport(self, call: Call) -> Reply:
        state, params = self._state(call)
        operation = _apply(lambda: self.rules.generate_transport(
            state, params["inboundPlanId"], params["body"], self.clock.now()))
        return self._accepted(operation.operation_id)

    async def transport_options(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        placement_id, shipment_id = params.get("placementOptionId"), params.get("shipmentId")
        if placement_id is None and shipment_id is None:
            raise BadRequest("Either placementOptionId or shipmentId must be specified.")
        if shipment_id is not None:
            self._shipment(plan, shipment_id)
        found = [t for t in plan.transport_options
                 if placement_id in (None, t.placement_option_id)
                 and shipment_id in (None, t.shipment_id)]
        voidable = {s.shipment_id: s.voidable_until for s in plan.shipments}
        return self._page(state, params, "inbound.transport", "transportationOptions", found,
                          lambda t: render.transport_option(
                              t, voidable.get(t.shipment_id)
                              if t.option_id in {s.transport for s in plan.shipments}
                              else None))

    async def confirm_transport(self, call: Call) -> Reply:
        state, params = self._state(call)
        operation = _apply(lambda: self.rules.confirm_transport(
            state, params["inboundPlanId"], params["body"]["transportationSelections"],
            self.clock.now()))
        return self._accepted(operation.operation_id)

    async def generate_windows(self, call: Call) -> Reply:
        state, params = self._state(call)
        operation = _apply(lambda: self.rules.generate_windows(
            state, params["inboundPlanId"], params["shipmentId"], self.clock.now()))
        return self._accepted(operation.operation_id)

    async def window_options(self, call: Call) -> Reply:
        state, params = self._state(call)
        plan = self._plan(state, params)
        shipment = self._shipment(plan, params["shipmentId"])
        return self._page(state, params, "inbound.windows", "deliveryWindowOptions",
                          shipment.window_options, render.window_option)

    async def confirm_window(self, call: Call) -> Reply:
        state, params = self._state(call)
        operation = _apply(lambda: self.rules.confirm_window(
            state, params["inboundPlanId"], params["shipmentId"],
            params["deliveryWindowOptionId"], self.clock.now()))
        return self._accepted(operation.operation_id)

    # -- operations -----------------------------------------------------------------------

    async def operation(self, call: Call) -> Reply:
        state, params = self._state(call)
        found = _apply(lambda: self.book.find_operation(state, params["operationId"]))
        return json_reply(200, render.operation(found))


def install(registry: HandlerRegistry, context: ApiContext, book: InboundBook,
            rules: InboundRules) -> Inbound:
    api = Inbound(context, book, rules)
    for operation, handler in {
        "listInboundPlans": api.list_plans, "createInboundPlan": api.create_plan,
        "getInboundPlan": api.get_plan, "cancelInboundPlan": api.cancel_plan,
        "updateInboundPlanName": api.rename_plan, "listInboundPlanItems": api.plan_items,
        "listInboundPlanBoxes": api.plan_boxes, "listInboundPlanPallets": api.plan_pallets,
        "generatePackingOptions": api.generate_packing,
        "listPackingOptions": api.packing_options, "confirmPackingOption": api.confirm_packing,
        "listPackingGroupItems": api.group_items, "listPackingGroupBoxes": api.group_boxes,
        "setPackingInformation": api.set_packing,
        "generatePlacementOptions": api.generate_placement,
        "listPlacementOptions": api.placement_options,
        "confirmPlacementOption": api.confirm_placement, "getShipment": api.get_shipment,
        "listShipmentItems": api.shipment_items, "listShipmentBoxes": api.shipment_boxes,
        "listShipmentPallets": api.shipment_pallets, "updateShipmentName": api.rename_shipment,
        "updateShipmentSourceAddress": api.update_source,
        "updateShipmentTrackingDetails": api.update_tracking,
        "generateTransportationOptions": api.generate_transport,
        "listTransportationOptions": api.transport_options,
        "confirmTransportationOptions": api.confirm_transport,
        "generateDeliveryWindowOptions": api.generate_windows,
        "listDeliveryWindowOptions": api.window_options,
        "confirmDeliveryWindowOptions": api.confirm_window,
        "getInboundOperationStatus": api.operation,
    }.items():
        registry.register(f"{MODEL}.{operation}", handler)
    return api
