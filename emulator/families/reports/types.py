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
    returns,
    sales_traffic,
    settlement,
)
from emulator.families.reports.generators.base import ReportFamily

FAMILIES: dict[str, ReportFamily] = {
    **listings.FAMILIES, **orders.FAMILIES, **inventory.FAMILIES, **settlement.FAMILIES,
    **sales_traffic.FAMILIES, **returns.FAMILIES,
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


# Amazon's report types ("Report Type Values" in its documentation, which the models do not
# carry), as the SP-API clients list them (amz-tools/amazon-sp-api's typings and
# python-amazon-sp-api's ReportType agree on these). A name outside this list, the models'
# own and the families' is refused, as Amazon refuses a misspelt type, instead of being
# accepted and CANCELLED.
DOCUMENTED_TYPES = frozenset({
    "GET_BRAND_ANALYTICS_MARKET_BASKET_REPORT", "GET_BRAND_ANALYTICS_SEARCH_TERMS_REPORT",
    "GET_BRAND_ANALYTICS_REPEAT_PURCHASE_REPORT", "GET_BRAND_ANALYTICS_ALTERNATE_PURCHASE_REPORT",
    "GET_BRAND_ANALYTICS_ITEM_COMPARISON_REPORT",
    "GET_BRAND_ANALYTICS_SEARCH_CATALOG_PERFORMANCE_REPORT",
    "GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT", "GET_VENDOR_REAL_TIME_INVENTORY_REPORT",
    "GET_VENDOR_REAL_TIME_TRAFFIC_REPORT", "GET_VENDOR_REAL_TIME_SALES_REPORT",
    "GET_VENDOR_SALES_REPORT", "GET_VENDOR_SALES_DIAGNOSTIC_REPORT",
    "GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT", "GET_VENDOR_TRAFFIC_REPORT",
    "GET_VENDOR_FORECASTING_REPORT", "GET_VENDOR_INVENTORY_REPORT",
    "GET_VENDOR_DEMAND_FORECAST_REPORT", "GET_VENDOR_INVENTORY_HEALTH_AND_PLANNING_REPORT",
    "GET_PROMOTION_PERFORMANCE_REPORT", "GET_COUPON_PERFORMANCE_REPORT",
    "GET_SALES_AND_TRAFFIC_REPORT", "GET_FLAT_FILE_OPEN_LISTINGS_DATA",
    "GET_MERCHANT_LISTINGS_ALL_DATA", "GET_MERCHANT_LISTINGS_DATA",
    "GET_MERCHANT_LISTINGS_INACTIVE_DATA", "GET_MERCHANT_LISTINGS_DATA_BACK_COMPAT",
    "GET_MERCHANT_LISTINGS_DATA_LITE", "GET_MERCHANT_LISTINGS_DATA_LITER",
    "GET_MERCHANT_CANCELLED_LISTINGS_DATA", "GET_MERCHANT_LISTINGS_DEFECT_DATA",
    "GET_MERCHANTS_LISTINGS_FYP_REPORT", "GET_PAN_EU_OFFER_STATUS", "GET_MFN_PANEU_OFFER_STATUS",
    "GET_MFN_PAN_EU_OFFER_STATUS", "GET_FLAT_FILE_GEO_OPPORTUNITIES",
    "GET_REFERRAL_FEE_PREVIEW_REPORT", "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING",
    "GET_ORDER_REPORT_DATA_INVOICING", "GET_ORDER_REPORT_DATA_TAX",
    "GET_ORDER_REPORT_DATA_SHIPPING", "GET_FLAT_FILE_ORDER_REPORT_DATA_INVOICING",
    "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING", "GET_FLAT_FILE_ORDER_REPORT_DATA_TAX",
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
    "GET_FLAT_FILE_ARCHIVED_ORDERS_DATA_BY_ORDER_DATE",
    "GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
    "GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL", "GET_FLAT_FILE_PENDING_ORDERS_DATA",
    "GET_PENDING_ORDERS_DATA", "GET_CONVERGED_FLAT_FILE_PENDING_ORDERS_DATA",
    "GET_XML_RETURNS_DATA_BY_RETURN_DATE", "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
    "GET_XML_MFN_PRIME_RETURNS_REPORT", "GET_CSV_MFN_PRIME_RETURNS_REPORT",
    "GET_XML_MFN_SKU_RETURN_ATTRIBUTES_REPORT", "GET_FLAT_FILE_MFN_SKU_RETURN_ATTRIBUTES_REPORT",
    "GET_SELLER_FEEDBACK_DATA", "GET_V1_SELLER_PERFORMANCE_REPORT",
    "GET_V2_SELLER_PERFORMANCE_REPORT", "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE",
    "GET_V2_SETTLEMENT_REPORT_DATA_XML", "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
    "GET_DATE_RANGE_FINANCIAL_HOLDS_DATA", "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL",
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_INVOICING", "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_TAX",
    "GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_SALES_DATA",
    "GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_PROMOTION_DATA",
    "GET_FBA_FULFILLMENT_CUSTOMER_TAXES_DATA", "GET_REMOTE_FULFILLMENT_ELIGIBILITY",
    "GET_AFN_INVENTORY_DATA", "GET_AFN_INVENTORY_DATA_BY_COUNTRY", "GET_LEDGER_SUMMARY_VIEW_DATA",
    "GET_LEDGER_DETAIL_VIEW_DATA", "GET_FBA_FULFILLMENT_CURRENT_INVENTORY_DATA",
    "GET_FBA_FULFILLMENT_MONTHLY_INVENTORY_DATA", "GET_FBA_FULFILLMENT_INVENTORY_RECEIPTS_DATA",
    "GET_RESERVED_INVENTORY_DATA", "GET_FBA_FULFILLMENT_INVENTORY_SUMMARY_DATA",
    "GET_FBA_FULFILLMENT_INVENTORY_ADJUSTMENTS_DATA", "GET_FBA_FULFILLMENT_INVENTORY_HEALTH_DATA",
    "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA", "GET_FBA_MYI_ALL_INVENTORY_DATA",
    "GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT",
    "GET_FBA_FULFILLMENT_INBOUND_NONCOMPLIANCE_DATA", "GET_STRANDED_INVENTORY_UI_DATA",
    "GET_STRANDED_INVENTORY_LOADER_DATA", "GET_FBA_INVENTORY_AGED_DATA",
    "GET_EXCESS_INVENTORY_DATA", "GET_FBA_STORAGE_FEE_CHARGES_DATA", "GET_PRODUCT_EXCHANGE_DATA",
    "GET_FBA_INVENTORY_PLANNING_DATA", "GET_FBA_OVERAGE_FEE_CHARGES_DATA",
    "GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA", "GET_FBA_REIMBURSEMENTS_DATA",
    "GET_FBA_FULFILLMENT_LONGTERM_STORAGE_FEE_CHARGES_DATA",
    "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
    "GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA", "GET_FBA_RECOMMENDED_REMOVAL_DATA",
    "GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA",
    "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA", "GET_FBA_SNS_FORECAST_DATA",
    "GET_FBA_SNS_PERFORMANCE_DATA", "GET_FBA_UNO_INVENTORY_DATA", "GST_MTR_STOCK_TRANSFER_REPORT",
    "GST_MTR_B2B", "GST_MTR_B2C", "GET_FLAT_FILE_SALES_TAX_DATA", "SC_VAT_TAX_REPORT",
    "GET_VAT_TRANSACTION_DATA", "GET_GST_MTR_B2B_CUSTOM", "GET_GST_MTR_B2C_CUSTOM",
    "GET_GST_STR_ADHOC", "GET_FLAT_FILE_VAT_INVOICE_DATA_REPORT",
    "GET_XML_VAT_INVOICE_DATA_REPORT", "GET_XML_BROWSE_TREE_DATA", "GET_EASYSHIP_DOCUMENTS",
    "GET_EASYSHIP_PICKEDUP", "GET_EASYSHIP_WAITING_FOR_PICKUP", "RFQD_BULK_DOWNLOAD",
    "FEE_DISCOUNTS_REPORT", "GET_FLAT_FILE_OFFAMAZONPAYMENTS_SANDBOX_SETTLEMENT_DATA",
    "GET_B2B_PRODUCT_OPPORTUNITIES_RECOMMENDED_FOR_YOU",
    "GET_B2B_PRODUCT_OPPORTUNITIES_NOT_YET_ON_AMAZON", "MARKETPLACE_ASIN_PAGE_VIEW_METRICS",
    "GET_EPR_MONTHLY_REPORTS", "GET_EPR_QUARTERLY_REPORTS", "GET_EPR_ANNUAL_REPORTS",
})


def is_known(report_type: str, models_dir: Path) -> bool:
    """Whether Amazon knows the report type: documented, named by the models and report
    schemas, restricted, or made by the emulator."""
    return (report_type in DOCUMENTED_TYPES or report_type in FAMILIES
            or report_type in RESTRICTED_TYPES or report_type in model_report_types(models_dir))
