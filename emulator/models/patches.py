"""Named, in-memory fixes for known defects in Amazon's models, applied once at load.

Each patch is a function over one model document that returns True when it changed something.
The files on disk are never touched; `tests/test_patches.py` checks each patch by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Document = dict[str, Any]


@dataclass(frozen=True)
class Patch:
    name: str
    why: str
    models: tuple[str, ...] | None  # None: every model
    fix: Callable[[Document], bool]


def _operation_parameters(doc: Document) -> Iterator[dict[str, Any]]:
    for item in doc.get("paths", {}).values():
        yield from item.get("parameters", [])
        for key, op in item.items():
            if key != "parameters" and isinstance(op, dict):
                yield from op.get("parameters", [])


def _array_defaults_as_lists(doc: Document) -> bool:
    changed = False
    for param in _operation_parameters(doc):
        default = param.get("default")
        if param.get("type") == "array" and default is not None and not isinstance(default, list):
            param["default"] = [default]
            changed = True
    return changed


def _uploads_resource_is_greedy(doc: Document) -> bool:
    changed = False
    for path, item in doc.get("paths", {}).items():
        if not path.endswith("/{resource}"):
            continue
        for op in item.values():
            if not isinstance(op, dict):
                continue
            for param in op.get("parameters", []):
                if param.get("in") == "path" and param.get("name") == "resource":
                    param["x-emulator-greedy"] = True
                    changed = True
    return changed


PATCHES: tuple[Patch, ...] = (
    Patch(
        name="array-parameter-default-as-list",
        why=(
            "catalogItems_2020-12-01 `includedData` is an array parameter whose default is the "
            "scalar 'summaries'; the default of an array must itself be an array."
        ),
        models=None,
        fix=_array_defaults_as_lists,
    ),
    Patch(
        name="uploads-resource-greedy",
        why=(
            "uploads_2020-11-01 `{resource}` is an SP-API path such as "
            "'aplus/2020-11-01/contentDocuments': it spans slashes, which Swagger 2.0 cannot say."
        ),
        models=("uploads_2020-11-01",),
        fix=_uploads_resource_is_greedy,
    ),
)


def apply(model_name: str, document: Document) -> list[str]:
    """Apply every patch meant for `model_name`; return the names of those that changed it."""
    return [
        patch.name
        for patch in PATCHES
        if (patch.models is None or model_name in patch.models) and patch.fix(document)
    ]
