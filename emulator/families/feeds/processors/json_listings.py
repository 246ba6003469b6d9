"""JSON_LISTINGS_FEED: a batch of Listings Items submissions in one JSON document
(<models>/schemas/feeds/listings-feed-schema-v2.json), answered by a JSON processing report
(listings-feed-processing-report-schema-v2.json), gzip-compressed as Amazon serves it.

Each message is what putListingsItem (UPDATE), patchListingsItem (PATCH; PARTIAL_UPDATE is
"PATCH with the replace op", the schema says) or deleteListingsItem (DELETE) would do, checked
and applied by the same rules (emulator/families/listings/rules.py), in the feed's first
marketplace: same issues, same changes, same events. A message with errors changes nothing.

Issue codes, as SP-API's processing reports show them:
  4002001 "Item 'Feed' cannot be parsed."                      not JSON (models#1982)
  4002005 "Attribute '<name>' is required, but not present."   header/messages/... missing
                                                               (models#4679, models#4636)
  4002006 "Attribute 'version' does not match the required value."  (models#1662, seen in
                                                               French; the English is inferred)
  4002008 "The provided message did not meet the schema validation requirements for a feed
          message."                                            per message (models#1641)
  BAD_REQUEST                                                  a message the Listings service
                                                               refuses (models#2851)
Those four without a messageId concern the whole document: the feed ends FATAL (the emulator's
choice: Amazon's status for them is not documented) and nothing is applied. Other envelope
violations (wrong types, 0 or more than 25000 messages, a bad `report`) get 4002002, the
emulator's own code, with the schema's complaint. A header `sellerId` other than the caller's
refuses every message with BAD_REQUEST "Invalid 'sellerId' provided.", as putListingsItem
refuses a foreign sellerId (Amazon was seen answering "Invalid 'accountId' provided." per
message, models#2851, for a cause it did not name).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from emulator.business.documents import EncodedDocument
from emulator.business.entities import ListingIssue
from emulator.families.feeds.processors.base import (
    DONE,
    FATAL,
    FeedInput,
    Outcome,
    Processing,
    Unreadable,
    bad_request,
    decode,
    patch,
    submit,
)
from emulator.families.listings import rules
from emulator.runtime import strictjson

FEED_TYPE = "JSON_LISTINGS_FEED"
SCHEMA = "listings-feed-schema-v2.json"
VERSION = "2.0"
MAX_MESSAGE_ID = 2147483647
CANNOT_PARSE = ("4002001", "Item 'Feed' cannot be parsed.")
NOT_PRESENT = "4002005"
WRONG_VERSION = ("4002006", "Attribute 'version' does not match the required value.")
ENVELOPE = "4002002"  # the emulator's code for the other envelope violations
BAD_MESSAGE = ("4002008", "The provided message did not meet the schema validation "
                          "requirements for a feed message.")
FOREIGN_SELLER = "Invalid 'sellerId' provided."


@cache
def validators(schemas_dir: Path) -> tuple[Draft7Validator, Draft7Validator]:
    """(the envelope's validator, one message's validator): the feed schema split so that a
    bad message is that message's issue, not the whole feed's."""
    schema = json.loads((schemas_dir / SCHEMA).read_text(encoding="utf-8"))
    messages = schema["properties"]["messages"]
    envelope = {**schema, "properties": {
        **schema["properties"], "messages": {k: v for k, v in messages.items() if k != "items"}}}
    return Draft7Validator(envelope), Draft7Validator(messages["items"])


@dataclass
class Report:
    """The processing report being written."""

    header: dict[str, Any]
    issues: list[dict[str, Any]] = field(default_factory=list)
    processed: int = 0
    accepted: int = 0

    def record(self, message: Any, found: list[ListingIssue]) -> bool:
        """One message's issues; whether it was accepted (no errors)."""
        message_id, sku = _identity(message)
        for issue in found:
            body: dict[str, Any] = {}
            if message_id is not None:
                body["messageId"] = message_id
            if sku is not None:
                body["sku"] = sku
            body.update({"code": issue.code, "severity": issue.severity,
                         "message": issue.message})
            if issue.attribute_names:
                body["attributeName"] = issue.attribute_names[0]
            self.issues.append(body)
        accepted = not any(issue.severity == "ERROR" for issue in found)
        self.processed += 1
        self.accepted += accepted
        return accepted

    def body(self, items: list[dict[str, Any]] | None = None,
             item_summary: dict[str, int] | None = None) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "errors": self._count("ERROR"), "warnings": self._count("WARNING"),
            "messagesProcessed": self.processed, "messagesAccepted": self.accepted,
            "messagesInvalid": self.processed - self.accepted,
        }
        if item_summary is not None:
            summary["itemSummary"] = item_summary
        body: dict[str, Any] = {"header": self.header, "issues": self.issues,
                                "summary": summary}
        if items is not None:
            body["items"] = items
        return body

    def _count(self, severity: str) -> int:
        return sum(issue["severity"] == severity for issue in self.issues)


def _identity(message: Any) -> tuple[int | None, str | None]:
    """The message's messageId and sku where they are valid (the report's schema allows only
    a messageId >= 1 and a non-empty sku)."""
    if not isinstance(message, dict):
        return None, None
    message_id, sku = message.get("messageId"), message.get("sku")
    valid_id = (isinstance(message_id, int) and not isinstance(message_id, bool)
                and 1 <= message_id <= MAX_MESSAGE_ID)
    return (message_id if valid_id else None,
            sku if isinstance(sku, str) and sku else None)


def encode_report(body: dict[str, Any]) -> EncodedDocument:
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return EncodedDocument(gzip.compress(raw, mtime=0), "application/json", "GZIP")


def _header(feed: FeedInput) -> dict[str, Any]:
    return {"sellerId": feed.seller_id, "version": VERSION, "feedId": feed.feed_id}


def failed(feed: FeedInput, code: str, message: str) -> Outcome:
    """FATAL: one issue about the whole document, no message processed."""
    report = Report(_header(feed), [{"code": code, "severity": "ERROR", "message": message}])
    return Outcome(FATAL, encode_report(report.body()))


def envelope_problem(document: Any, validator: Draft7Validator) -> tuple[str, str] | None:
    """The issue that makes the whole document unusable, or None."""
    if not isinstance(document, dict):
        return CANNOT_PARSE
    errors: list[ValidationError] = sorted(validator.iter_errors(document),
                                           key=lambda e: len(e.absolute_path))
    if not errors:
        return None
    error = errors[0]
    if error.validator == "required" and isinstance(error.instance, dict):
        name = next(n for n in error.validator_value if n not in error.instance)
        return NOT_PRESENT, f"Attribute '{name}' is required, but not present."
    if error.validator == "const" and list(error.absolute_path)[-1:] == ["version"]:
        return WRONG_VERSION
    where = "/".join(str(part) for part in error.absolute_path) or "feed"
    return ENVELOPE, (f"The feed did not meet the schema validation requirements at "
                      f"'{where}': {error.message}")


def _replace_patches(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"op": "replace", "path": f"/attributes/{name}", "value": value}
            for name, value in attributes.items()]


def _apply(env: Processing, market: str, message: dict[str, Any]) -> list[ListingIssue]:
    """What the Listings Items API would do with the message, done."""
    sku, operation = message["sku"], message["operationType"]
    if operation == "DELETE":
        rules.delete(env.store, env.state, sku, market)
        return []
    if operation == "UPDATE":
        return submit(env, rules.put(
            env.state, env.rules, sku, market, message["productType"],
            message.get("requirements", "LISTING"), message["attributes"])).issues
    patches = (message["patches"] if operation == "PATCH"
               else _replace_patches(message["attributes"]))
    return patch(env, sku, market, patches, message["productType"]).issues


def process(feed: FeedInput, env: Processing) -> Outcome:
    try:
        document = strictjson.loads(decode(feed))
    except (Unreadable, strictjson.JsonError):
        return failed(feed, *CANNOT_PARSE)
    envelope, message_schema = validators(env.schemas_dir)
    problem = envelope_problem(document, envelope)
    if problem is not None:
        return failed(feed, *problem)
    header = _header(feed)
    wanted = document["header"].get("report")
    if wanted is not None:
        header["report"] = wanted
    report = Report(header)
    market = env.market(feed).id
    changed = _messages(env, market, document, feed.seller_id, message_schema, report)
    if wanted is None:
        return Outcome(DONE, encode_report(report.body()))
    items, summary = _items(env, changed, wanted["includedData"], market)
    return Outcome(DONE, encode_report(report.body(items, summary)))


def _messages(env: Processing, market: str, document: dict[str, Any], seller_id: str,
              message_schema: Draft7Validator, report: Report) -> list[str]:
    """Every message checked, applied when valid and recorded in the report; returns the
    SKUs created or updated, in order, each once."""
    ours = document["header"]["sellerId"] == seller_id
    changed: dict[str, None] = {}
    for message in document["messages"]:
        if not message_schema.is_valid(message):
            found = [ListingIssue(*BAD_MESSAGE, "ERROR")]
        elif not ours:
            found = [bad_request(FOREIGN_SELLER)]
        else:
            found = _apply(env, market, message)
        if report.record(message, found) and message["operationType"] != "DELETE":
            changed[message["sku"]] = None
    return list(changed)


def _items(env: Processing, skus: list[str], included: list[str],
           market: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The listings the feed created or updated, as the Listings Items API shows them with
    the data sets the header asked for, and their itemSummary."""
    found = [listing for sku in skus if (listing := env.state.listings.get(sku)) is not None]
    issues = [issue for listing in found for issue in listing.issues]
    summary = {"items": len(found),
               "errors": sum(issue.severity == "ERROR" for issue in issues),
               "warnings": sum(issue.severity == "WARNING" for issue in issues)}
    return env.render(env.state, found, included, market), summary
