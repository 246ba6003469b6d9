"""Amazon Shipping v2 (`/shipping/v2/...`), stateful, both channels: rates for the seller's
Amazon orders (AMAZON) and for any parcel (EXTERNAL), buying them (purchaseShipment,
oneClickShipment, directPurchaseShipment) as real label files, documents, cancellation,
tracking that moves on the emulator clock, NDR feedback, claims, access points and the
carriers' collection forms over the labels bought. The legacy Shipping v1 (`shipping.json`)
stays synthesized. Carriers, labels and label records are the business core's.
"""

from __future__ import annotations

from emulator.business import shipments
from emulator.families import ApiContext
from emulator.families.shipping import collection_forms, handlers
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    context.store.register(shipments.RECORDS)
    context.store.register(collection_forms.RECORDS)
    return handlers.install(registry, context)
