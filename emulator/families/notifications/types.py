"""The notification types the emulator knows: those Amazon publishes a schema for
(schemas/notifications/*.json), read at start. Each schema gives the type's name, payload
versions, envelope casing and an example payload (sendTestNotification's mock).

The model's notificationType parameter is a plain string (no enum), so the schemas decide.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Workflow = Literal["sqs", "eventBridge"]

# Amazon's Notifications API guide: these types are delivered only through the EventBridge
# workflow, every other type only through SQS; a subscription to the wrong kind of
# destination is refused (models#2323).
EVENT_BRIDGE_TYPES = frozenset({
    "BRANDED_ITEM_CONTENT_CHANGE", "ITEM_PRODUCT_TYPE_CHANGE", "LISTINGS_ITEM_STATUS_CHANGE",
    "LISTINGS_ITEM_ISSUES_CHANGE", "LISTINGS_ITEM_MFN_QUANTITY_CHANGE",
    "PRODUCT_TYPE_DEFINITIONS_CHANGE",
})
_DESCRIBED = re.compile(r"for (?:the )?([A-Z][A-Z0-9_]+) notification")


@dataclass
class NotificationType:
    name: str
    pascal: bool  # NotificationVersion/... (True) or notificationVersion/... (False)
    notification_version: str
    # payload version -> the schema file and its example payload (None without an example)
    versions: dict[str, Path] = field(default_factory=dict)
    examples: dict[str, Any] = field(default_factory=dict)

    @property
    def workflow(self) -> Workflow:
        return "eventBridge" if self.name in EVENT_BRIDGE_TYPES else "sqs"

    @property
    def latest_version(self) -> str:
        return max(self.versions, key=version_order)

    def key(self, name: str) -> str:
        """An envelope field in this type's casing (`payloadVersion` -> `PayloadVersion`)."""
        return name[:1].upper() + name[1:] if self.pascal else name


def version_order(version: str) -> tuple[bool, str]:
    """Sorts payload versions oldest first: dated ones ("2023-12-13") after "1.0"."""
    return len(version) > 4, version


def _root(schema: dict[str, Any]) -> dict[str, Any]:
    """The envelope object: some schemas keep it in definitions behind a root reference
    (one of them spells the keyword `#ref`)."""
    reference = schema.get("$ref") or schema.get("#ref")
    if isinstance(reference, str) and reference.startswith("#/definitions/"):
        found = schema.get("definitions", {}).get(reference.rsplit("/", 1)[1])
        if isinstance(found, dict):
            return found
    return schema


def _field(container: dict[str, Any], name: str) -> tuple[str | None, Any]:
    """The value of an envelope field in either casing, and the casing found."""
    for key in (name[:1].upper() + name[1:], name):
        if key in container:
            return key, container[key]
    return None, None


def _declared(properties: dict[str, Any], name: str) -> str | None:
    _, prop = _field(properties, name)
    if not isinstance(prop, dict):
        return None
    values = prop.get("enum") or prop.get("examples") or []
    return values[0] if values and isinstance(values[0], str) else None


def _describe(path: Path) -> tuple[str, str, bool, str, Any] | None:
    """(type, payload version, PascalCase?, notification version, example payload)."""
    schema = json.loads(path.read_text(encoding="utf-8"))
    root = _root(schema)
    properties = root.get("properties", {})
    example = next(iter(schema.get("examples") or root.get("examples") or []), None)
    example = example if isinstance(example, dict) else {}
    # The example's type first: it is the name Amazon documents and sends, where the enum of
    # one schema disagrees (LISTINGS_ITEM_STATUS_CHANGED vs LISTINGS_ITEM_STATUS_CHANGE).
    key, name = _field(example, "notificationType")
    if not isinstance(name, str):
        name = _declared(properties, "notificationType")
    if not isinstance(name, str):
        match = _DESCRIBED.search(str(schema.get("description", "")))
        name = match.group(1) if match else None
    if name is None:
        return None
    if key is None:
        key, _ = _field(properties, "notificationType")
    pascal = key != "notificationType"  # PascalCase unless the schema says otherwise
    _, version = _field(example, "payloadVersion")
    version = version if isinstance(version, str) else _declared(properties, "payloadVersion")
    _, envelope_version = _field(example, "notificationVersion")
    if not isinstance(envelope_version, str):
        envelope_version = _declared(properties, "notificationVersion") or "1.0"
    _, payload = _field(example, "payload")
    return name, version or "1.0", pascal, envelope_version, payload


def load_types(directory: Path) -> dict[str, NotificationType]:
    """Every notification type with a schema in `directory`, by name."""
    types: dict[str, NotificationType] = {}
    for path in sorted(directory.glob("*.json")):
        described = _describe(path)
        if described is None:
            continue
        name, version, pascal, envelope_version, payload = described
        known = types.setdefault(name, NotificationType(name, pascal, envelope_version))
        known.versions[version] = path
        if payload is not None:
            known.examples[version] = payload
    return types
