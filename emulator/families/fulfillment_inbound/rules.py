"""The steps of Send to Amazon and the order Amazon enforces between them. Each mutating
operation has a request check (what Amazon refuses at once with 400 BadRequest; the messages
of its sandbox where it has one, the emulator's own elsewhere) and an effect that runs when
the operation ends (what Amazon finds while processing becomes an operation problem, and a
problem of severity ERROR fails the operation and changes nothing).

The three documented flows:
  small parcel, partnered carrier: create -> packing options -> confirm packing -> packing
    information -> placement options -> transportation options -> confirm placement ->
    confirm transportation;
  small parcel, own carrier: the same with delivery windows generated and confirmed before
    transportation is confirmed;
  pack later (pallets): create -> placement options -> confirm placement -> packing
    information per shipment -> transportation options (pallets) -> delivery windows ->
    confirm transportation.
Confirmations cannot be undone: a confirmed placement cannot change, confirmed transportation
cannot be regenerated; a plan is cancelled whole (a partnered carrier's charge is given back
within its void window: 24 hours for small parcel, one hour for LTL, Amazon's words).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.business import fba_stock
from emulator.business import fulfillment_centers as centers
from emulator.business.marketplaces import marketplace
from emulator.business.store import SellerState
from emulator.families.common import parse_time
from emulator.families.fulfillment_inbound import planning
from emulator.families.fulfillment_inbound.book import (
    InboundBook,
    InboundError,
    Problem,
    problem,
)
from emulator.families.fulfillment_inbound.records import (
    ACCEPTED,
    ACTIVE,
    CANCELLED,
    CLOSED,
    EXPIRED,
    LTL,
    MOVING,
    OFFERED,
    OWN_CARRIER,
    PARTNERED,
    PLAN_KIND,
    READY_TO_SHIP,
    VOIDED,
    WORKING,
    Box,
    InboundPlan,
    Operation,
    Pallet,
    PlanItem,
    Shipment,
)
from emulator.families.fulfillment_inbound.shipping import Shipping
from emulator.runtime.clock import iso

HOUR, DAY = 3600.0, 86400.0
MAX_BOX_POUNDS = 50.0  # Amazon's limit for a box of several items
MAX_BOX_INCHES = 25.0
VOID_WINDOW = {"GROUND_SMALL_PARCEL": 24 * HOUR, "FREIGHT_LTL": HOUR}
NOT_VALID = "The inbound plan is not in a valid state to {}."
NO_SHIPMENT = "The requested shipmentId does not exist for the specified inbound plan."
RESOURCE = "There's an input error with the resource '{}'."  # Amazon's details wording


class InboundRules:
    def __init__(self, book: InboundBook, shipping: Shipping) -> None:
        self.book = book
        self.store = book.store
        self.shipping = shipping
        book.effects.update({
            "createInboundPlan": self._created, "cancelInboundPlan": self._cancelled,
            "generatePackingOptions": self._packing_generated,
            "confirmPackingOption": self._packing_confirmed,
            "setPackingInformation": self._packed,
            "generatePlacementOptions": self._placement_generated,
            "confirmPlacementOption": self._placement_confirmed,
            "generateTransportationOptions": self._transport_generated,
            "confirmTransportationOptions": self._transport_confirmed,
            "generateDeliveryWindowOptions": self._windows_generated,
            "confirmDeliveryWindowOptions": self._window_confirmed,
            "updateShipmentTrackingDetails": self._tracking_updated,
            "updateShipmentSourceAddress": self._source_updated,
        })

    # -- plans ----------------------------------------------------------------------------

    def create(self, state: SellerState, body: Mapping[str, Any],
               now: float) -> tuple[InboundPlan, Operation]:
        markets = body["destinationMarketplaces"]
        if len(markets) != 1 or state.market(markets[0]) is None:
            raise InboundError("Invalid destinationMarketplace provided.",
                               f"The seller does not sell in {markets[0]!r}." if markets
                               else "")
        items = []
        for item in body["items"]:
            listing = state.listings.get(item["msku"])
            record = state.inventory.get(item["msku"])
            fnsku = (record.fnsku if record is not None
                     else listing.fnsku if listing is not None and listing.fnsku else "")
            items.append(PlanItem(
                msku=item["msku"], asin=listing.asin if listing is not None else "",
                fnsku=fnsku, label_owner=item["labelOwner"], prep_owner=item["prepOwner"],
                quantity=int(item["quantity"]), expiration=item.get("expiration"),
                lot=item.get("manufacturingLotCode")))
        plan = InboundPlan(
            plan_id=self.book.new_plan_id(state),
            name=body.get("name") or f"FBA ({_default_stamp(now)})", status=ACTIVE,
            created=now, updated=now, marketplace_id=markets[0],
            source_address=dict(body["sourceAddress"]), items=items)
        self.store.prepare(state, PLAN_KIND, plan.plan_id)
        self.book.plans(state)[plan.plan_id] = plan
        self.book.save(state, plan, now)
        return plan, self.book.start(state, "createInboundPlan", plan, {}, now)

    def _created(self, state: SellerState, plan: InboundPlan | None, args: dict[str, Any],
                 when: float) -> list[Problem]:
        assert plan is not None
        problems = []
        seen: set[str] = set()
        for item in plan.items:
            listing = state.listings.get(item.msku)
            if item.msku in seen:
                problems.append(problem("BadRequest", "The MSKU appears more than once in the "
                                        "inbound plan's items.", RESOURCE.format(item.msku)))
            elif listing is None:
                # The FBA Inbound Eligibility model's code for an unknown SKU.
                problems.append(problem("FBA_INB_0006", "The SKU for this product is unknown "
                                        "or cannot be found.", RESOURCE.format(item.msku)))
            elif listing.fulfillment != "AFN":
                problems.append(problem("BadRequest", "This product is fulfilled by the "
                                        "merchant; convert its offer to Fulfilled by Amazon "
                                        "before sending it to Amazon.",
                                        RESOURCE.format(item.msku)))
            seen.add(item.msku)
        if problems:
            # "this plan will get VOIDED immediately when checking getInboundPlan" (models#4207)
            plan.status = VOIDED
        else:
            for item in plan.items:
                item.fnsku = item.fnsku or fba_stock.fnsku_for(self.store, state, item.msku)
            plan.ready = True
        self.book.save(state, plan, when)
        return problems

    def cancel(self, state: SellerState, plan_id: str, now: float) -> Operation:
        plan = self.book.find(state, plan_id)
        if plan.status == VOIDED:
            raise InboundError("The inbound plan is already cancelled.")
        moving = [s.shipment_id for s in plan.confirmed_shipments() if s.status in MOVING]
        if moving:
            raise InboundError("The inbound plan cannot be cancelled: its shipments have "
                               "shipped.", f"Shipped: {', '.join(moving)}.")
        return self.book.start(state, "cancelInboundPlan", plan, {}, now)

    def _cancelled(self, state: SellerState, plan: InboundPlan | None, args: dict[str, Any],
                   when: float) -> list[Problem]:
        assert plan is not None
        if plan.status == VOIDED:
            return [problem("BadRequest", "The inbound plan is already cancelled.")]
        if any(s.status in MOVING for s in plan.confirmed_shipments()):
            return [problem("BadRequest", "The inbound plan cannot be cancelled: its shipments "
                            "have shipped.")]
        for shipment in plan.confirmed_shipments():
            if shipment.status in (WORKING, READY_TO_SHIP):
                for msku, quantity in shipment.items:
                    fba_stock.cancel_inbound_working(self.store, state, msku, quantity)
            self._void_transport(state, plan, shipment, when)
            shipment.status = CANCELLED
            self.book.schedule(state, plan, shipment, None, None)
        plan.status = VOIDED
        self.book.save(state, plan, when)
        return []

    def _void_transport(self, state: SellerState, plan: InboundPlan, shipment: Shipment,
                        when: float) -> None:
        """A partnered carrier cancelled within its void window gives its charge back;
        later, "charges may apply" (Amazon): the charge stays."""
        option = next((o for o in plan.transport_options if o.option_id == shipment.transport),
                      None)
        if (option is not None and option.solution == PARTNERED and option.cost
                and shipment.voidable_until is not None and when <= shipment.voidable_until):
            self.shipping.book_transport(state, plan, shipment, option.cost,
                                         option.currency or "USD", when, voided=True)

    def rename(self, state: SellerState, plan_id: str, name: str, now: float) -> None:
        plan = self.book.find(state, plan_id)
        plan.name = name
        self.book.save(state, plan, now)

    def rename_shipment(self, state: SellerState, plan_id: str, shipment_id: str, name: str,
                        now: float) -> None:
        plan = self.book.find(state, plan_id)
        shipment = plan.shipment(shipment_id)
        if shipment is None:
            raise InboundError(NO_SHIPMENT)
        shipment.name = name
        self.book.save(state, plan, now)

    def _workable(self, plan: InboundPlan, action: str) -> None:
        if plan.status != ACTIVE or not plan.ready:
            raise InboundError(NOT_VALID.format(action),
                               f"The plan is {plan.status}" + ("" if plan.ready else
                                                               ", its creation not done") + ".")

    # -- packing --------------------------------------------------------------------------

    def generate_packing(self, state: SellerState, plan_id: str, now: float) -> Operation:
        plan = self.book.find(state, plan_id)
        self._workable(plan, "generate packing options")
        if plan.packing_confirmed() is not None or plan.placement_confirmed() is not None:
            raise InboundError(NOT_VALID.format("generate packing options"),
                               "A packing or placement option was already confirmed.")
        return self.book.start(state, "generatePackingOptions", plan, {}, now)

    def _packing_generated(self, state: SellerState, plan: InboundPlan | None,
                           args: dict[str, Any], when: float) -> list[Problem]:
        assert plan is not None
        if plan.packing_confirmed() is not None or plan.placement_confirmed() is not None:
            return [problem("BadRequest", NOT_VALID.format("generate packing options"))]
        plan.groups, plan.packing_options = planning.packing(self.book, state, plan, when)
        self.book.save(state, plan, when)
        return []

    def confirm_packing(self, state: SellerState, plan_id: str, option_id: str,
                        now: float) -> Operation:
        plan = self.book.find(state, plan_id)
        option = next((o for o in plan.packing_options if o.option_id == option_id), None)
        if option is None:
            raise InboundError("The requested packingOptionId does not exist for the given "
                               "inbound plan.")
        self._workable(plan, "confirm a packing option")
        if plan.packing_confirmed() is not None:
            raise InboundError("A packing option has already been confirmed for this inbound "
                               "plan.", "Confirmations cannot be undone.")
        if option.status == EXPIRED or now > option.expiration:
            raise InboundError("The packing option has expired.",
                               f"It expired at {iso(option.expiration)}; generate packing "
                               "options again.")
        return self.book.start(state, "confirmPackingOption", plan,
                               {"option_id": option_id}, now)

    def _packing_confirmed(self, state: SellerState, plan: InboundPlan | None,
                           args: dict[str, Any], when: float) -> list[Problem]:
        assert plan is not None
        option = next((o for o in plan.packing_options if o.option_id == args["option_id"]),
                      None)
        if option is None or option.status != OFFERED or plan.packing_confirmed() is not None:
            return [problem("BadRequest", "The packing option is no longer available.")]
        for other in plan.packing_options:
            other.status = ACCEPTED if other is option else EXPIRED
        used = set(option.group_ids)
        plan.groups = [g for g in plan.groups if g.group_id in used]
        self.book.save(state, plan, when)
        return []

    def set_packing(self, state: SellerState, plan_id: str, groupings: list[Mapping[str, Any]],
                    now: float) -> Operation:
        plan = self.book.find(state, plan_id)
        self._workable(plan, "set packing information")
        if plan.transport_confirmed:
            raise InboundError(NOT_VALID.format("set packing information"),
                               "Transportation was already confirmed.")
        packing = plan.packing_confirmed()
        placement = plan.placement_confirmed()
        for grouping in groupings:
            group_id, shipment_id = grouping.get("packingGroupId"), grouping.get("shipmentId")
            if (group_id is None) == (shipment_id is None):
                raise InboundError("One of ShipmentId or PackingGroupId must be provided.")
            if group_id is not None:
                if placement is not None:
                    raise InboundError("The PackingGroupId can only be provided before "
                                       "placement confirmation.")
                if packing is None or group_id not in packing.group_ids:
                    raise InboundError("The requested packingGroupId does not exist for the "
                                       "specified inbound plan.")
            else:
                if placement is None:
                    raise InboundError("The ShipmentId can only be provided after placement "
                                       "confirmation.")
                if shipment_id not in placement.shipment_ids:
                    raise InboundError(NO_SHIPMENT)
        return self.book.start(state, "setPackingInformation", plan,
                               {"packageGroupings": [dict(g) for g in groupings]}, now)

    def _packed(self, state: SellerState, plan: InboundPlan | None, args: dict[str, Any],
                when: float) -> list[Problem]:
        assert plan is not None
        problems: list[Problem] = []
        made: list[Box] = []
        replaced: set[str] = set()
        for grouping in args["packageGroupings"]:
            target = grouping.get("packingGroupId") or grouping["shipmentId"]
            replaced.add(target)
            expected = self._expected(plan, grouping)
            packed: dict[str, int] = {}
            for box in grouping["boxes"]:
                problems += self._box_problems(box)
                for item in box.get("items") or []:
                    packed[item["msku"]] = (packed.get(item["msku"], 0)
                                            + int(item["quantity"]) * int(box["quantity"]))
                for _ in range(int(box["quantity"])):
                    made.append(self._box(state, plan, box, grouping))
            provided = all(b["contentInformationSource"] == "BOX_CONTENT_PROVIDED"
                           for b in grouping["boxes"])
            if provided:
                for msku in sorted(set(expected) | set(packed)):
                    if expected.get(msku, 0) != packed.get(msku, 0):
                        problems.append(problem(
                            "BadRequest", "The box contents do not match the items to be "
                            f"packed in {target}.", f"MSKU '{msku}': "
                            f"{packed.get(msku, 0)} units in boxes, {expected.get(msku, 0)} "
                            "expected."))
        if any(p[3] == "ERROR" for p in problems):
            return problems
        # New packing information replaces the boxes of the groups or shipments it names.
        plan.boxes = [b for b in plan.boxes
                      if b.group_id not in replaced and b.shipment_id not in replaced]
        plan.boxes += made
        for shipment in plan.confirmed_shipments():
            if shipment.shipment_id in replaced:
                shipment.box_ids = [b.package_id for b in plan.boxes
                                    if b.shipment_id == shipment.shipment_id]
        self.book.save(state, plan, when)
        return problems

    @staticmethod
    def _expected(plan: InboundPlan, grouping: Mapping[str, Any]) -> dict[str, int]:
        if grouping.get("packingGroupId"):
            group = next((g for g in plan.groups if g.group_id == grouping["packingGroupId"]),
                         None)
            return dict(group.items) if group is not None else {}
        shipment = plan.shipment(grouping["shipmentId"])
        return dict(shipment.items) if shipment is not None else {}

    @staticmethod
    def _box_problems(box: Mapping[str, Any]) -> list[Problem]:
        found = []
        source = box["contentInformationSource"]
        if source != "BOX_CONTENT_PROVIDED" and box.get("items"):
            found.append(problem("BadRequest", f"Boxes whose contentInformationSource is "
                                 f"{source} must not list items."))
        if source == "BOX_CONTENT_PROVIDED" and not box.get("items"):
            found.append(problem("BadRequest", "Boxes whose contentInformationSource is "
                                 "BOX_CONTENT_PROVIDED must list their items."))
        weight = box["weight"]
        pounds = weight["value"] * (2.20462 if weight["unit"] == "KG" else 1.0)
        if pounds > MAX_BOX_POUNDS:
            found.append(problem("BadRequest", f"A box weighs {pounds:.1f} lb; boxes may weigh "
                                 f"at most {MAX_BOX_POUNDS:.0f} lb."))
        size = box["dimensions"]
        factor = 1 / 2.54 if size["unitOfMeasurement"] == "CM" else 1.0
        if max(size["length"], size["width"], size["height"]) * factor > MAX_BOX_INCHES:
            # The sandbox's own warning for dimensions (getInboundOperationStatus example).
            found.append(problem("DimensionMismatch", "The dimension does not match what is "
                                 "expected.", f"A box side exceeds {MAX_BOX_INCHES:.0f} inches.",
                                 "WARNING"))
        return found

    def _box(self, state: SellerState, plan: InboundPlan, box: Mapping[str, Any],
             grouping: Mapping[str, Any]) -> Box:
        size = box["dimensions"]
        owners = {i.msku: (i.label_owner, i.prep_owner) for i in plan.items}
        items = [(i["msku"], int(i["quantity"]), i.get("labelOwner") or owners.get(
            i["msku"], ("SELLER", "SELLER"))[0], i.get("prepOwner") or owners.get(
            i["msku"], ("SELLER", "SELLER"))[1], i.get("expiration"),
            i.get("manufacturingLotCode")) for i in box.get("items") or []]
        return Box(package_id=self.book.new_id(state, plan, "pk"),
                   source=box["contentInformationSource"],
                   dimensions=(float(size["length"]), float(size["width"]),
                               float(size["height"])),
                   dimension_unit=size["unitOfMeasurement"],
                   weight=float(box["weight"]["value"]), weight_unit=box["weight"]["unit"],
                   items=items, group_id=grouping.get("packingGroupId"),
                   shipment_id=grouping.get("shipmentId"))

    # -- placement ------------------------------------------------------------------------

    def generate_placement(self, state: SellerState, plan_id: str,
                           body: Mapping[str, Any], now: float) -> Operation:
        plan = self.book.find(state, plan_id)
        self._workable(plan, "generate placement options")
        if plan.placement_confirmed() is not None:
            raise InboundError(NOT_VALID.format("generate placement options"),
                               "A placement option was already confirmed.")
        packing = plan.packing_confirmed()
        if packing is not None:
            packed = {b.group_id for b in plan.boxes}
            missing = [g for g in packing.group_ids if g not in packed]
            if missing:
                raise InboundError(NOT_VALID.format("generate placement options"),
                                   f"Set the packing information of packing group(s) "
                                   f"{', '.join(missing)} first.")
        return self.book.start(state, "generatePlacementOptions", plan,
                               {"customPlacement": [dict(c) for c in
                                                    body.get("customPlacement") or []]}, now)

    def _placement_generated(self, state: SellerState, plan: InboundPlan | None,
                             args: dict[str, Any], when: float) -> list[Problem]:
        assert plan is not None
        if plan.placement_confirmed() is not None:
            return [problem("BadRequest", NOT_VALID.format("generate placement options"))]
        custom = args["customPlacement"]
        problems = self._custom_problems(plan, custom)
        if problems:
            return problems
        boxes = [b for b in plan.boxes if b.group_id is not None]
        options, shipments = planning.placement(self.book, state, plan, boxes, custom, when)
        if custom and boxes:  # the seller's split: each box goes where its first item goes
            for shipment in shipments:
                mskus = {m for m, _ in shipment.items}
                shipment.box_ids = [b.package_id for b in boxes if b.items
                                    and b.items[0][0] in mskus]
        stale = {o.option_id for o in plan.placement_options}
        plan.shipments = [s for s in plan.shipments if s.placement_option_id not in stale]
        plan.transport_options = [t for t in plan.transport_options
                                  if t.placement_option_id not in stale]
        plan.placement_options = options
        plan.shipments += shipments
        self.book.save(state, plan, when)
        return []

    @staticmethod
    def _custom_problems(plan: InboundPlan, custom: list[dict[str, Any]]) -> list[Problem]:
        if not custom:
            return []
        found = []
        known = {c.warehouse_id for c in centers.in_country(_country_of(plan))}
        wanted: dict[str, int] = {}
        for entry in custom:
            if entry["warehouseId"] not in known:
                found.append(problem("BadRequest", f"The warehouseId {entry['warehouseId']!r} "
                                     "cannot receive this inbound plan.",
                                     RESOURCE.format(entry["warehouseId"])))
            for item in entry["items"]:
                wanted[item["msku"]] = wanted.get(item["msku"], 0) + int(item["quantity"])
        planned = {i.msku: i.quantity for i in plan.items}
        if wanted != planned:
            found.append(problem("BadRequest", "The custom placement's items do not match the "
                                 "inbound plan's items."))
        return found

    def confirm_placement(self, state: SellerState, plan_id: str, option_id: str,
                          now: float) -> Operation:
        plan = self.book.find(state, plan_id)
        option = next((o for o in plan.placement_options if o.option_id == option_id), None)
        if option is None:
            raise InboundError("The requested placementOptionId does not exist for the given "
                               "inbound plan.")
        self._workable(plan, "confirm a placement option")
        if plan.placement_confirmed() is not None:
            raise InboundError("A placement option has already been confirmed for this inbound "
                               "plan.", "Once confirmed, it cannot be changed for the Inbound "
                               "Plan.")
        if option.status == EXPIRED or now > option.expiration:
            raise InboundError("The placement option has expired.",
                               f"It expired at {iso(option.expiration)}; generate placement "
                               "options again.")
        return self.book.start(state, "confirmPlacementOption", plan,
                               {"option_id": option_id}, now)

    def _placement_confirmed(self, state: SellerState, plan: InboundPlan | None,
                             args: dict[str, Any], when: float) -> list[Problem]:
        assert plan is not None
        option = next((o for o in plan.placement_options if o.option_id == args["option_id"]),
                      None)
        if option is None or option.status != OFFERED or plan.placement_confirmed():
            return [problem("BadRequest", "The placement option is no longer available.")]
        for other in plan.placement_options:
            other.status = ACCEPTED if other is option else EXPIRED
        chosen = set(option.shipment_ids)
        plan.shipments = [s for s in plan.shipments if s.shipment_id in chosen]
        plan.transport_options = [t for t in plan.transport_options
                                  if t.shipment_id in chosen]
        for shipment in plan.shipments:
            shipment.status = WORKING
            for box in plan.boxes:
                if box.package_id in shipment.box_ids:
                    box.shipment_id = shipment.shipment_id
            for msku, quantity in shipment.items:
                fba_stock.inbound_working(self.store, state, msku, quantity)
        self.book.save(state, plan, when)
        return []

    # -- transportation -------------------------------------------------------------------

    def generate_transport(self, state: SellerState, plan_id: str, body: Mapping[str, Any],
                           now: float) -> Operation:
        plan = self.book.find(state, plan_id)
        self._workable(plan, "generate transportation options")
        if plan.transport_confirmed:
            raise InboundError("Transportation options can no longer be generated: they were "
                               "confirmed for this inbound plan.")
        option = next((o for o in plan.placement_options
                       if o.option_id == body["placementOptionId"]), None)
        if option is None or option.status == EXPIRED:
            raise InboundError("The requested placementOptionId does not exist for the given "
                               "inbound plan.")
        for config in body["shipmentTransportationConfigurations"]:
            if config["shipmentId"] not in option.shipment_ids:
                raise InboundError("The requested shipmentId does not exist under the provided "
                                   "placement option.")
            start = _parse(config["readyToShipWindow"]["start"])
            if start < now - DAY:
                raise InboundError("The readyToShipWindow start must not be in the past.",
                                   f"start {config['readyToShipWindow']['start']}")
        return self.book.start(state, "generateTransportationOptions", plan, {
            "placementOptionId": body["placementOptionId"],
            "configurations": [dict(c) for c in body["shipmentTransportationConfigurations"]],
        }, now)

    def _transport_generated(self, state: SellerState, plan: InboundPlan | None,
                             args: dict[str, Any], when: float) -> list[Problem]:
        assert plan is not None
        if plan.transport_confirmed:
            return [problem("BadRequest", "Transportation was already confirmed.")]
        for config in args["configurations"]:
            shipment = plan.shipment(config["shipmentId"])
            if shipment is None:  # its placement option was not the one confirmed
                return [problem("BadRequest", "The requested shipmentId does not exist under "
                                "the provided placement option.")]
            start = _parse(config["readyToShipWindow"]["start"])
            shipment.ready_window = planning.ready_window(start)
            shipment.contact = config.get("contactInformation") or shipment.contact
            shipment.freight = config.get("freightInformation") or shipment.freight
            shipment.pallets = [self._pallet(state, plan, p) for p in config.get("pallets") or []]
            pallets = sum(p.quantity for p in shipment.pallets)
            boxes = [b for b in plan.boxes if b.package_id in shipment.box_ids
                     or b.shipment_id == shipment.shipment_id]
            options = planning.transport(self.book, state, plan, shipment, boxes, pallets,
                                         start, when)
            plan.transport_options = [t for t in plan.transport_options
                                      if t.shipment_id != shipment.shipment_id] + options
        self.book.save(state, plan, when)
        return []

    def _pallet(self, state: SellerState, plan: InboundPlan, given: Mapping[str, Any]) -> Pallet:
        size, weight = given.get("dimensions"), given.get("weight")
        return Pallet(
            package_id=self.book.new_id(state, plan, "pk"), quantity=int(given["quantity"]),
            dimensions=(float(size["length"]), float(size["width"]), float(size["height"]))
            if size else None, dimension_unit=size["unitOfMeasurement"] if size else None,
            weight=float(weight["value"]) if weight else None,
            weight_unit=weight["unit"] if weight else None,
            stackability=given.get("stackability"))

    def confirm_transport(self, state: SellerState, plan_id: str,
                          selections: list[Mapping[str, Any]], now: float) -> Operation:
        plan = self.book.find(state, plan_id)
        self._workable(plan, "confirm transportation options")
        placement = plan.placement_confirmed()
        if placement is None:
            raise InboundError("A placement option must be confirmed prior to confirming "
                               "transportation options.")
        if plan.transport_confirmed:
            raise InboundError("Transportation options have already been confirmed for this "
                               "inbound plan.", "Once confirmed, new transportation options can "
                               "not be generated or confirmed.")
        chosen: dict[str, str] = {}
        for selection in selections:
            shipment = plan.shipment(selection["shipmentId"])
            if shipment is None or shipment.shipment_id not in placement.shipment_ids:
                raise InboundError(NO_SHIPMENT)
            option = next((t for t in plan.transport_options
                           if t.option_id == selection["transportationOptionId"]
                           and t.shipment_id == shipment.shipment_id), None)
            if option is None:
                raise InboundError("The requested transportationOptionId does not exist under "
                                   "the associated shipment.")
            if now > option.expiration:
                raise InboundError("The transportation option has expired.",
                                   f"It expired at {iso(option.expiration)}; generate "
                                   "transportation options again.")
            if "CONFIRMED_DELIVERY_WINDOW" in option.preconditions and shipment.window is None:
                raise InboundError("A delivery window must be confirmed before this "
                                   "transportation option.", f"Shipment {shipment.shipment_id}: "
                                   "its option has the precondition CONFIRMED_DELIVERY_WINDOW.")
            chosen[shipment.shipment_id] = option.option_id
        missing = [s for s in placement.shipment_ids if s not in chosen]
        if missing:
            raise InboundError("Every shipment of the inbound plan needs a transportation "
                               "selection.", f"Missing: {', '.join(missing)}.")
        return self.book.start(state, "confirmTransportationOptions", plan, {
            "selections": [dict(s) for s in selections]}, now)

    def _transport_confirmed(self, state: SellerState, plan: InboundPlan | None,
                             args: dict[str, Any], when: float) -> list[Problem]:
        assert plan is not None
        if plan.transport_confirmed or plan.status != ACTIVE:
            return [problem("BadRequest", "Transportation options can no longer be confirmed "
                            "for this inbound plan.")]
        plan.transport_confirmed = True
        options = {t.option_id: t for t in plan.transport_options}
        for selection in args["selections"]:
            shipment = plan.shipment(selection["shipmentId"])
            option = options.get(selection["transportationOptionId"])
            if shipment is None or option is None:
                continue
            shipment.transport = option.option_id
            shipment.contact = selection.get("contactInformation") or shipment.contact
            shipment.status = READY_TO_SHIP
            shipment.confirmation_id = self.book.confirmation_id(state, plan)
            boxes = [b for b in plan.boxes if b.shipment_id == shipment.shipment_id]
            rnd = self.book.draw(state, plan, "tracking")
            for number, box in enumerate(boxes, 1):
                box.box_id = f"{shipment.confirmation_id}U{number:06d}"
                if option.solution == PARTNERED and option.mode != LTL:
                    shipment.spd_tracking[box.box_id] = "1Z" + "".join(rnd.choices(
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=6)) + "03" + "".join(
                        rnd.choices("0123456789", k=8))
            if option.solution == PARTNERED and option.cost:
                shipment.voidable_until = when + VOID_WINDOW.get(option.mode, DAY)
                self.shipping.book_transport(state, plan, shipment, option.cost,
                                             option.currency or "USD", when)
            self.shipping.start(state, plan, shipment, when)
        self.book.save(state, plan, when)
        return []

    # -- delivery windows -----------------------------------------------------------------

    def generate_windows(self, state: SellerState, plan_id: str, shipment_id: str,
                         now: float) -> Operation:
        plan = self.book.find(state, plan_id)
        shipment = plan.shipment(shipment_id)
        if shipment is None or shipment.status == CANCELLED:
            raise InboundError("The provided shipmentId is not valid for the specified "
                               "inbound plan.")
        self._workable(plan, "generate delivery window options")
        if shipment.window is not None:
            raise InboundError("Delivery window options can no longer be generated: one was "
                               "confirmed for this shipment.")
        return self.book.start(state, "generateDeliveryWindowOptions", plan,
                               {"shipmentId": shipment_id}, now)

    def _windows_generated(self, state: SellerState, plan: InboundPlan | None,
                           args: dict[str, Any], when: float) -> list[Problem]:
        assert plan is not None
        shipment = plan.shipment(args["shipmentId"])
        if shipment is None or shipment.window is not None:
            return [problem("BadRequest", "The shipment's delivery windows can no longer be "
                            "generated.")]
        shipment.window_options = planning.delivery_windows(self.book, state, plan, shipment,
                                                            when)
        self.book.save(state, plan, when)
        return []

    def confirm_window(self, state: SellerState, plan_id: str, shipment_id: str,
                       option_id: str, now: float) -> Operation:
        plan = self.book.find(state, plan_id)
        placement = plan.placement_confirmed()
        shipment = plan.shipment(shipment_id)
        if placement is None or shipment is None or shipment_id not in placement.shipment_ids:
            raise InboundError("The requested shipmentId does not exist under the associated "
                               "inbound plan.", "A placement option must be confirmed prior "
                               "to use of this API.")
        option = next((w for w in shipment.window_options if w.option_id == option_id), None)
        if option is None:
            raise InboundError("The requested deliveryWindowOptionId does not exist for the "
                               "specified shipment.")
        if shipment.status in (CLOSED, CANCELLED):
            raise InboundError(f"The shipment is {shipment.status}; its delivery window can no "
                               "longer change.")
        if now > option.valid_until:
            raise InboundError("The delivery window option has expired.",
                               f"It was valid until {iso(option.valid_until)}.")
        return self.book.start(state, "confirmDeliveryWindowOptions", plan,
                               {"shipmentId": shipment_id, "option_id": option_id}, now)

    def _window_confirmed(self, state: SellerState, plan: InboundPlan | None,
                          args: dict[str, Any], when: float) -> list[Problem]:
        assert plan is not None
        shipment = plan.shipment(args["shipmentId"])
        option = next((w for w in shipment.window_options if w.option_id == args["option_id"]),
                      None) if shipment is not None else None
        if shipment is None or option is None:
            return [problem("BadRequest", "The delivery window option is no longer available.")]
        shipment.window = option.option_id
        shipment.window_dates = (option.start, option.end, option.start - DAY)
        self.book.save(state, plan, when)
        return []

    # -- after confirmation ---------------------------------------------------------------

    def update_tracking(self, state: SellerState, plan_id: str, shipment_id: str,
                        details: Mapping[str, Any], now: float) -> Operation:
        plan = self.book.find(state, plan_id)
        shipment = plan.shipment(shipment_id)
        if shipment is None or shipment not in plan.confirmed_shipments():
            raise InboundError(NO_SHIPMENT)
        option = next((t for t in plan.transport_options if t.option_id == shipment.transport),
                      None)
        if option is None:
            raise InboundError("Tracking details can be given once the shipment's "
                               "transportation is confirmed.")
        if option.solution != OWN_CARRIER:
            raise InboundError("The Amazon-partnered carrier provides this shipment's tracking "
                               "details.", "Tracking details are updated for shipments with "
                               "your own carrier.")
        if shipment.status in (CLOSED, CANCELLED):
            raise InboundError(f"The shipment is {shipment.status}; its tracking can no "
                               "longer change.")
        ltl, spd = details.get("ltlTrackingDetail"), details.get("spdTrackingDetail")
        if (ltl is None) == (spd is None):
            raise InboundError("Give either ltlTrackingDetail or spdTrackingDetail.")
        if (ltl is not None) != (option.mode == LTL):
            raise InboundError(f"The shipment travels by {option.mode}; give its "
                               f"{'ltl' if option.mode == LTL else 'spd'}TrackingDetail.")
        if spd is not None:
            boxes = {b.box_id for b in plan.boxes if b.shipment_id == shipment.shipment_id}
            unknown = [i["boxId"] for i in spd["spdTrackingItems"] if i["boxId"] not in boxes]
            if unknown:
                raise InboundError(f"The boxId {unknown[0]!r} is not a box of this shipment.",
                                   "Use the boxId values of listShipmentBoxes.")
        return self.book.start(state, "updateShipmentTrackingDetails", plan,
                               {"shipmentId": shipment_id, "details": dict(details)}, now)

    def _tracking_updated(self, state: SellerState, plan: InboundPlan | None,
                          args: dict[str, Any], when: float) -> list[Problem]:
        assert plan is not None
        shipment = plan.shipment(args["shipmentId"])
        if shipment is None:
            return [problem("BadRequest", NO_SHIPMENT)]
        details = args["details"]
        if details.get("ltlTrackingDetail") is not None:
            ltl = details["ltlTrackingDetail"]
            shipment.freight_bills = list(ltl["freightBillNumber"])
            shipment.bill_of_lading = ltl.get("billOfLadingNumber", shipment.bill_of_lading)
        else:
            for item in details["spdTrackingDetail"]["spdTrackingItems"]:
                shipment.spd_tracking[item["boxId"]] = item["trackingId"]
        self.book.save(state, plan, when)
        return []

    def update_source(self, state: SellerState, plan_id: str, shipment_id: str,
                      address: Mapping[str, Any], now: float) -> Operation:
        plan = self.book.find(state, plan_id)
        shipment = plan.shipment(shipment_id)
        if shipment is None:
            raise InboundError(NO_SHIPMENT)
        if plan.transport_confirmed or shipment.status in MOVING:
            raise InboundError("The shipment source address can only be updated prior to the "
                               "confirmation of the shipment carriers.")
        return self.book.start(state, "updateShipmentSourceAddress", plan,
                               {"shipmentId": shipment_id, "address": dict(address)}, now)

    def _source_updated(self, state: SellerState, plan: InboundPlan | None,
                        args: dict[str, Any], when: float) -> list[Problem]:
        assert plan is not None
        shipment = plan.shipment(args["shipmentId"])
        if shipment is None or plan.transport_confirmed:
            return [problem("BadRequest", "The shipment source address can no longer be "
                            "updated.")]
        shipment.source_address = args["address"]
        # "existing transportation options will be invalidated and will need to be regenerated"
        plan.transport_options = [t for t in plan.transport_options
                                  if t.shipment_id != shipment.shipment_id]
        self.book.save(state, plan, when)
        return []


def _country_of(plan: InboundPlan) -> str:
    market = marketplace(plan.marketplace_id)
    return market.country if market is not None else "US"


def _default_stamp(moment: float) -> str:
    """Send to Amazon's default plan name date: 03/20/2024, 12:01 PM (UTC here)."""
    text = iso(moment)
    hour, minute = int(text[11:13]), text[14:16]
    return (f"{text[5:7]}/{text[8:10]}/{text[0:4]}, {hour % 12 or 12:02d}:{minute} "
            f"{'AM' if hour < 12 else 'PM'}")


def _parse(text: str) -> float:
    return parse_time(text, "readyToShipWindow.start")
