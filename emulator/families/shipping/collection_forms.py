"""Carrier collection forms (manifests) over the Shipping v2 labels actually bought:
the labels not on a form yet (getUnmanifestedShipments, by carrier and ship-from address),
a form for a carrier's unmanifested labels (generateCollectionForm, a real PDF listing them),
and the forms made so far (getCollectionFormHistory, getCollectionForm).

A form is a record of its own (store record kind "collection_form") and its labels point at
it; its PDF is rendered again from the record on each read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from emulator.business import shipments
from emulator.business.entities import Address
from emulator.business.records import dataclass_kind
from emulator.business.shipments import LabelShipment
from emulator.business.store import SellerState, StateStore
from emulator.families.shipping.rules import Refusal

KIND = "collection_form"


@dataclass(slots=True)
class CollectionForm:
    form_id: str
    carrier_id: str
    carrier_name: str
    ship_from: Address
    created: float
    shipment_ids: list[str] = field(default_factory=list)
    idempotency_key: str | None = None


RECORDS = dataclass_kind(KIND, CollectionForm)  # registered with the store at install


def forms(state: SellerState) -> dict[str, CollectionForm]:
    return state.table(KIND)


def _place_key(address: Address) -> tuple[str, str, str]:
    return (address.line1.strip().lower(), address.postal_code.replace(" ", "").upper(),
            address.country_code)


def unmanifested(state: SellerState) -> list[LabelShipment]:
    """Shipping v2 labels bought, not cancelled and on no form yet, oldest first."""
    return sorted((s for s in shipments.book(state).values()
                   if s.api == "v2" and s.cancelled_at is None and s.manifest_id is None),
                  key=lambda s: s.purchased_at)


def last_form(state: SellerState, carrier_id: str, ship_from: Address) -> CollectionForm | None:
    found = [f for f in forms(state).values() if f.carrier_id == carrier_id
             and _place_key(f.ship_from) == _place_key(ship_from)]
    return max(found, key=lambda f: f.created) if found else None


def generate(store: StateStore, state: SellerState, carrier_id: str,
             ship_from: Address | None, idempotency_key: str | None) -> CollectionForm:
    if idempotency_key:
        again = next((f for f in forms(state).values()
                      if f.idempotency_key == idempotency_key), None)
        if again is not None:
            return again
    picked = [s for s in unmanifested(state) if s.carrier_id == carrier_id and (
        ship_from is None or _place_key(s.ship_from) == _place_key(ship_from))]
    if not picked:
        raise Refusal("No unmanifested shipments found for specified carrierId"
                      + (" and shipFromAddress" if ship_from is not None else ""))
    now = store.clock.now()
    number = shipments.draw(store.randomness, state, now, f"collection-form-{len(forms(state))}")
    form = CollectionForm(shipments.uuid_from(number), carrier_id, picked[0].carrier.name,
                          ship_from or picked[0].ship_from, now,
                          [s.shipment_id for s in picked], idempotency_key)
    store.prepare(state, KIND, form.form_id)
    forms(state)[form.form_id] = form
    store.changed(state, KIND, form.form_id, form)
    for label in picked:
        store.prepare(state, shipments.KIND, label.shipment_id)
        label.manifest_id = form.form_id
        store.changed(state, shipments.KIND, label.shipment_id, label)
    return form


def document(state: SellerState, form: CollectionForm) -> bytes:
    book = shipments.book(state)
    rows = [(label.tracking_id, label.ship_to.name, label.ship_to.postal_code,
             f"{label.weight_g / 1000:.2f} kg") for label in
            (book[i] for i in form.shipment_ids if i in book)]
    made = datetime.fromtimestamp(form.created, UTC).strftime("%Y-%m-%d %H:%M UTC")
    heading = [f"Carrier: {form.carrier_name} ({form.carrier_id})",
               "Ship from: " + ", ".join(shipments.address_lines(form.ship_from)),
               f"Collection form {form.form_id}, {made}, {len(rows)} parcels"]
    from emulator.business import labels as label_files  # reportlab, on first use

    return label_files.manifest("Collection form", heading, rows)
