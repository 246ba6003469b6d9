"""The processing reports of Amazon's older feed types: the XML ProcessingReport of XML feeds
and the tab-separated report of flat-file feeds.

XML (MWS's amzn-envelope.xsd, as SP-API still serves it, models#3968):
  <AmazonEnvelope><Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>...
  <MessageType>ProcessingReport</MessageType><Message><MessageID>1</MessageID>
  <ProcessingReport><DocumentTransactionID>{feedId}</DocumentTransactionID>
  <StatusCode>Complete</StatusCode><ProcessingSummary>counts</ProcessingSummary>
  <Result>{MessageID, ResultCode Error|Warning, ResultMessageCode, ResultDescription,
  AdditionalInfo/SKU}</Result>...
A problem with the whole document is a Result of MessageID 0.

Flat file (as Seller Central and MWS show it):
  Feed Processing Summary:
  \tNumber of records processed\t\t4
  \tNumber of records successful\t\t2
  (blank line)
  original-record-number  sku  error-code  error-type  error-message   (one row per issue)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from emulator.business.documents import EncodedDocument
from emulator.business.entities import ListingIssue

XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
TSV_CONTENT_TYPE = "text/plain; charset=UTF-8"
TSV_COLUMNS = ("original-record-number", "sku", "error-code", "error-type", "error-message")
# Problems with a whole document. 5001 is Amazon's XML parsing error (models#3968); the
# emulator also uses it for a flat file it cannot read. 99001 is the emulator's own: a feed
# type it does not process.
UNREADABLE = "5001"
NOT_EMULATED = "99001"


@dataclass(frozen=True)
class Result:
    """One issue of one record (record 0: the whole document)."""

    record: int
    sku: str
    issue: ListingIssue
    order_id: str = ""  # order feeds name the order (and item) instead of a SKU
    order_item_id: str = ""


@dataclass
class Results:
    processed: int = 0
    successful: int = 0
    results: list[Result] = field(default_factory=list)

    def record(self, record: int, sku: str, issues: list[ListingIssue], order_id: str = "",
               order_item_id: str = "") -> None:
        self.processed += 1
        self.successful += not any(i.severity == "ERROR" for i in issues)
        self.results.extend(Result(record, sku, issue, order_id, order_item_id)
                            for issue in issues)

    def whole(self, code: str, message: str) -> Results:
        """The document as a whole failed: one error about record 0."""
        self.results.append(Result(0, "", ListingIssue(code, message, "ERROR")))
        return self

    def records_with(self, severity: str) -> int:
        return len({r.record for r in self.results if r.issue.severity == severity})


def _element(name: str, value: object) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def _result_xml(result: Result) -> str:
    kind = "Error" if result.issue.severity == "ERROR" else "Warning"
    parts = [_element("MessageID", result.record), _element("ResultCode", kind),
             _element("ResultMessageCode", result.issue.code),
             _element("ResultDescription", result.issue.message)]
    if result.sku:
        parts.append(f"<AdditionalInfo>{_element('SKU', result.sku)}</AdditionalInfo>")
    elif result.order_id:
        parts.append(f"<AdditionalInfo>{_element('AmazonOrderID', result.order_id)}"
                     "</AdditionalInfo>")
    return f"<Result>{''.join(parts)}</Result>"


def xml_report(seller_id: str, feed_id: str, results: Results) -> EncodedDocument:
    summary = "".join((
        _element("MessagesProcessed", results.processed),
        _element("MessagesSuccessful", results.successful),
        _element("MessagesWithError", results.records_with("ERROR")),
        _element("MessagesWithWarning", results.records_with("WARNING"))))
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">'
        f"<Header>{_element('DocumentVersion', '1.02')}"
        f"{_element('MerchantIdentifier', seller_id)}</Header>"
        f"{_element('MessageType', 'ProcessingReport')}<Message>{_element('MessageID', 1)}"
        f"<ProcessingReport>{_element('DocumentTransactionID', feed_id)}"
        f"{_element('StatusCode', 'Complete')}<ProcessingSummary>{summary}</ProcessingSummary>"
        f"{''.join(_result_xml(r) for r in results.results)}</ProcessingReport></Message>"
        "</AmazonEnvelope>\n")
    return EncodedDocument(text.encode("utf-8"), XML_CONTENT_TYPE, None)


def _cell(value: object) -> str:
    return str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")


# The order flat files' report names the order and its item instead of a SKU (a real report
# quoted in docs#133).
ORDER_TSV_COLUMNS = ("original-record-number", "order-id", "order-item-id", "error-code",
                     "error-type", "error-message")
# Severities as the flat-file reports write them (Fatal: the whole file, e.g. 90012).
_TSV_TYPES = {"ERROR": "Error", "WARNING": "Warning", "FATAL": "Fatal"}


def tsv_report(results: Results, orders: bool = False) -> EncodedDocument:
    lines = ["Feed Processing Summary:",
             f"\tNumber of records processed\t\t{results.processed}",
             f"\tNumber of records successful\t\t{results.successful}", ""]
    if results.results:
        lines.append("\t".join(ORDER_TSV_COLUMNS if orders else TSV_COLUMNS))
        lines.extend("\t".join(_cell(v) for v in (
            r.record, *((r.order_id, r.order_item_id) if orders else (r.sku,)), r.issue.code,
            _TSV_TYPES.get(r.issue.severity, "Error"), r.issue.message))
            for r in results.results)
    return EncodedDocument(("\n".join(lines) + "\n").encode("utf-8"), TSV_CONTENT_TYPE, None)
