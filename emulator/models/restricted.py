"""Restricted data: which operations need a Restricted Data Token (RDT), for which data
elements, and what an answer looks like without one. The one table of it is RESTRICTED.

Source: Amazon's Tokens API use-case guide (2022) and observed Orders behaviour (fact sheet
section 8). The models do not say which operations are restricted, so this table is written
by hand. Two policies exist: Orders answers a normal token with 200 and the buyer's PII
removed ("reduce"); the others refuse it with 403 ("deny").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from emulator.models.spec import Operation

DATA_ELEMENTS = frozenset({"buyerInfo", "shippingAddress", "buyerTaxInformation"})
_ALL = DATA_ELEMENTS


@dataclass(frozen=True)
class Restriction:
    # reduce: a normal token gets the answer without PII; deny: a normal token gets 403;
    # report-type: getReportDocument, restricted for some report types only (reports decide).
    policy: Literal["reduce", "deny", "report-type"]
    # The data elements an RDT may name for this operation (Orders only).
    data_elements: frozenset[str] = frozenset()
    # What an RDT for this operation unlocks when it names no data elements: the deprecated
    # single-purpose Orders operations (getOrderAddress...) need none, getOrders needs them.
    implicit: frozenset[str] = frozenset()

    def unlocked_by(self, named: frozenset[str]) -> frozenset[str]:
        return named if named else self.implicit


def _table() -> dict[str, Restriction]:
    reduce_all = Restriction("reduce", _ALL)
    table = {
        "ordersV0.getOrders": reduce_all,
        "ordersV0.getOrder": reduce_all,
        "ordersV0.getOrderItems": Restriction("reduce", frozenset({"buyerInfo"})),
        "ordersV0.getOrderAddress": Restriction("reduce", frozenset({"shippingAddress"}),
                                                frozenset({"shippingAddress"})),
        "ordersV0.getOrderBuyerInfo": Restriction("reduce", frozenset({"buyerInfo"}),
                                                  frozenset({"buyerInfo"})),
        "ordersV0.getOrderItemsBuyerInfo": Restriction("reduce", frozenset({"buyerInfo"}),
                                                       frozenset({"buyerInfo"})),
    }
    deny = Restriction("deny", implicit=_ALL)
    for uid in (
        "merchantFulfillmentV0.getShipment", "merchantFulfillmentV0.createShipment",
        "merchantFulfillmentV0.cancelShipment", "shipping.getShipment",
        "shipmentInvoicingV0.getShipmentDetails",
    ):
        table[uid] = deny
    for model in ("vendorDirectFulfillmentOrdersV1", "vendorDirectFulfillmentOrders_2021-12-28"):
        table[f"{model}.getOrders"] = table[f"{model}.getOrder"] = deny
    for model in ("vendorDirectFulfillmentShippingV1",
                  "vendorDirectFulfillmentShipping_2021-12-28"):
        for op in ("getShippingLabels", "getShippingLabel", "getPackingSlips", "getPackingSlip",
                   "getCustomerInvoices", "getCustomerInvoice"):
            table[f"{model}.{op}"] = deny
    # getReportDocument is restricted only for restricted report types: the reports API decides.
    table["reports_2021-06-30.getReportDocument"] = Restriction("report-type", implicit=_ALL)
    return table


RESTRICTED: dict[str, Restriction] = _table()


def restriction(operation: Operation) -> Restriction | None:
    return RESTRICTED.get(operation.uid)


# What each data element protects in Orders answers, by key, wherever the key occurs: keys to
# drop entirely, and objects reduced to a few keys (Amazon keeps the coarse location).
_KEEP_ADDRESS = frozenset({"City", "StateOrRegion", "PostalCode", "CountryCode"})
_PROTECTS: dict[str, tuple[dict[str, frozenset[str]], frozenset[str]]] = {
    "shippingAddress": ({"ShippingAddress": _KEEP_ADDRESS},
                        frozenset({"BuyerCompanyName", "DeliveryPreferences"})),
    "buyerInfo": ({"BuyerInfo": frozenset({"BuyerEmail"})},
                  frozenset({"BuyerName", "BuyerCounty", "BuyerTaxInfo", "PurchaseOrderNumber",
                             "BuyerCustomizedInfo", "GiftMessageText"})),
    "buyerTaxInformation": ({}, frozenset({"BuyerTaxInformation"})),
}


def reduce_pii(value: Any, unlocked: frozenset[str]) -> Any:
    """`value` (an Orders answer) without the PII of every data element not in `unlocked`."""
    reduce: dict[str, frozenset[str]] = {}
    drop: set[str] = set()
    for element, (reduced, dropped) in _PROTECTS.items():
        if element not in unlocked:
            reduce.update(reduced)
            drop |= dropped
    if not reduce and not drop:
        return value
    return _walk(value, reduce, frozenset(drop))


def _walk(value: Any, reduce: dict[str, frozenset[str]], drop: frozenset[str]) -> Any:
    if isinstance(value, list):
        return [_walk(v, reduce, drop) for v in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key in drop:
            continue
        if key in reduce and isinstance(item, dict):
            result[key] = {k: v for k, v in item.items() if k in reduce[key]}
        else:
            result[key] = _walk(item, reduce, drop)
    return result
