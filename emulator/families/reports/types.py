"""Report documents: the registry of report type -> generator, and what Amazon says about report
types that no model does (which are restricted, which cannot be requested).

Generators live one module per family (listings, orders, inventory, settlement,
sales_traffic); each module's FAMILIES maps its report types to a ReportFamily.

The restricted report types are listed here, not in emulator/models/restricted.py: that table names
operations, and getReportDocument is restricted only for these types (the reports handler
decides, with the RDT the call carried).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from emulator.families.reports.generators import (
    inventory,
    listings,
    orders,
    sales_traffic,
    settlement,
)
from emulator.families.reports.generators.base import ReportFamily

FAMILIES: dict[str, ReportFamily] = {
    **listings.FAMILIES, **orders.FAMILIES, **inventory.FAMILIES, **settlement.FAMILIES,
    **sales_traffic.FAMILIES,
}

# Report types whose documents hold buyer PII: getReportDocument needs a Restricted Data Token
# naming the document's path (Tokens API use-case guide; fact sheet section 8).
RESTRICTED_TYPES = frozenset({
    "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING", "GET_FLAT_FILE_ORDER_REPORT_DATA_INVOICING",
    "GET_FLAT_FILE_ORDER_REPORT_DATA_TAX", "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING",
    "GET_ORDER_REPORT_DATA_SHIPPING", "GET_ORDER_REPORT_DATA_INVOICING",
    "GET_ORDER_REPORT_DATA_TAX", "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_INVOICING",
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_TAX", "GET_FLAT_FILE_ORDERS_RECONCILIATION_DATA_SHIPPING",
    "GET_FLAT_FILE_ORDERS_RECONCILIATION_DATA_INVOICING",
    "GET_FLAT_FILE_ORDERS_RECONCILIATION_DATA_TAX", "GET_EASYSHIP_DOCUMENTS",
    "GET_GST_MTR_B2B_CUSTOM", "GET_VAT_TRANSACTION_DATA", "SC_VAT_TAX_REPORT",
})

# Settlement reports are made by Amazon every 14 days and cannot be requested or scheduled:
# createReport answers 400 naming Amazon's internal type number (1117 and 1118 observed,
# docs#1633 and jl#573; the XML report's number is not known, 1116 is a guess).
SETTLEMENT_CODES = {
    "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE": 1117,
    "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2": 1118,
    "GET_V2_SETTLEMENT_REPORT_DATA_XML": 1116,
}


def _report_type_values(value: Any) -> Iterator[str]:
    """Every string a `reportType` key holds, anywhere in a JSON document (enums, examples,
    sandbox requests)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reportType":
                if isinstance(item, str):
                    yield item
                elif isinstance(item, dict):
                    yield from (v for v in item.get("enum", ()) if isinstance(v, str))
                    if isinstance(item.get("value"), str):
                        yield item["value"]
            yield from _report_type_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _report_type_values(item)


@cache
def model_report_types(models_dir: Path) -> frozenset[str]:
    """The report types Amazon's models and report schemas name. The sandbox's error cases
    name deliberately invalid types (`BAD_FEE_DISCOUNTS_REPORT`): those are left out."""
    documents = [models_dir / "models" / "reports-api-model" / "reports_2021-06-30.json",
                 *sorted((models_dir / "schemas" / "reports").glob("*.json"))]
    found: set[str] = set()
    for path in documents:
        if path.is_file():
            found.update(_report_type_values(json.loads(path.read_text(encoding="utf-8"))))
    return frozenset(t for t in found if not t.startswith("BAD_"))


def is_known(report_type: str, models_dir: Path) -> bool:
    """Whether Amazon knows the report type. Amazon's full list lives in its documentation,
    not in the models: every `GET_...` name is taken as a report type, and so is any other
    name the models use (FEE_DISCOUNTS_REPORT, MARKETPLACE_ASIN_PAGE_VIEW_METRICS...) or the
    restricted list names (SC_VAT_TAX_REPORT)."""
    return (report_type.startswith("GET_") or report_type in FAMILIES
            or report_type in RESTRICTED_TYPES or report_type in model_report_types(models_dir))
