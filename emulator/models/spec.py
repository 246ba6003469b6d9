"""Amazon's Swagger 2.0 models, loaded into memory as models and operations.

Only this module reads the model files. It applies the named patches of `patches.py`, keeps each
model's raw document (for validation and synthesis) and describes every operation:
its path template, method, merged parameters, responses and sandbox markers.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator.models import cache_files, patches

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(eq=False)
class Operation:
    """One operation of one model: what routing, validation and answering need to know."""

    model: ApiModel
    operation_id: str
    method: str  # upper case
    path: str  # template as in the model, e.g. /orders/v0/orders/{orderId}
    uid: str  # unique across all models, e.g. ordersV0.getOrder
    spec: dict[str, Any]
    parameters: list[dict[str, Any]]
    consumes: list[str]
    produces: list[str]
    dynamic_sandbox: bool
    sandbox_only: bool

    @property
    def responses(self) -> dict[str, dict[str, Any]]:
        return {code: self.model.deref(r) for code, r in self.spec.get("responses", {}).items()}

    @property
    def description(self) -> str:
        return str(self.spec.get("description", ""))

    @property
    def param_by_name(self) -> dict[str, dict[str, Any]]:
        return self._by_name

    def __post_init__(self) -> None:
        self._by_name = {p["name"]: p for p in self.parameters}

    @property
    def body_parameter(self) -> dict[str, Any] | None:
        return next((p for p in self.parameters if p["in"] == "body"), None)

    def parameters_in(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.parameters if p["in"] == where]

    def success_code(self) -> str | None:
        """The first 2xx response the model declares (what a synthesized answer uses)."""
        codes = sorted(c for c in self.spec.get("responses", {}) if c.startswith("2"))
        return codes[0] if codes else None

    def __repr__(self) -> str:
        return f"<Operation {self.uid} {self.method} {self.path}>"


@dataclass(eq=False)
class ApiModel:
    """One model file (e.g. ordersV0.json) after patching."""

    name: str
    file: Path
    document: dict[str, Any]
    operations: list[Operation] = field(default_factory=list)
    applied_patches: list[str] = field(default_factory=list)

    def deref(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow a local `$ref` (one level); models only use `#/...` references."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"{self.name}: non-local $ref {ref!r}")
            target: Any = self.document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
            seen += 1
            if seen > 50:
                raise ValueError(f"{self.name}: $ref cycle at {ref!r}")
        return node


@dataclass
class ModelSet:
    root: Path
    models: dict[str, ApiModel]

    @property
    def operations(self) -> Iterator[Operation]:
        for model in self.models.values():
            yield from model.operations

    def operation(self, uid: str) -> Operation:
        for op in self.operations:
            if op.uid == uid:
                return op
        raise KeyError(uid)

    def find(self, model: str, operation_id: str) -> list[Operation]:
        return [op for op in self.models[model].operations if op.operation_id == operation_id]

    def summary(self) -> dict[str, Any]:
        return {"apis": len(self.models), "operations": sum(1 for _ in self.operations)}


def _merge_parameters(model: ApiModel, path_level: list[Any], op_level: list[Any]) -> list[dict]:
    # Operation parameters override path parameters with the same name and location (Swagger 2.0).
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*path_level, *op_level]:
        param = model.deref(raw)
        merged[(param["name"], param["in"])] = param
    return list(merged.values())


def _build_operations(model: ApiModel) -> None:
    doc = model.document
    file_consumes = doc.get("consumes", [])
    file_produces = doc.get("produces", [])
    ids: dict[str, int] = {}
    for item in doc.get("paths", {}).values():
        for method in HTTP_METHODS:
            if method in item:
                opid = item[method].get("operationId") or f"{method}"
                ids[opid] = ids.get(opid, 0) + 1
    for path, item in doc.get("paths", {}).items():
        path_sandbox = "x-amzn-api-sandbox" in item and "dynamic" in item["x-amzn-api-sandbox"]
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op_spec = item[method]
            opid = op_spec.get("operationId") or method
            # An operationId repeated inside one model (shippingV2 linkCarrierAccount on PUT and
            # POST) gets its method appended so every uid stays unique.
            uid = f"{model.name}.{opid}" if ids[opid] == 1 else f"{model.name}.{opid}.{method}"
            sandbox = op_spec.get("x-amzn-api-sandbox", {})
            model.operations.append(
                Operation(
                    model=model,
                    operation_id=opid,
                    method=method.upper(),
                    path=path,
                    uid=uid,
                    spec=op_spec,
                    parameters=_merge_parameters(
                        model, item.get("parameters", []), op_spec.get("parameters", [])
                    ),
                    consumes=list(op_spec.get("consumes", file_consumes)),
                    produces=list(op_spec.get("produces", file_produces)),
                    dynamic_sandbox=path_sandbox or "dynamic" in sandbox,
                    sandbox_only=bool(
                        item.get("x-amzn-api-sandbox-only")
                        or op_spec.get("x-amzn-api-sandbox-only")
                    ),
                )
            )


def load_model(file: Path) -> ApiModel:
    document = json.loads(file.read_bytes())
    model = ApiModel(name=file.stem, file=file, document=document)
    model.applied_patches = patches.apply(model.name, document)
    _build_operations(model)
    return model


def load(root: Path) -> ModelSet:
    """Load every model file under `root`/models (sorted, so the order never varies).

    The loaded set is kept in the user's cache (models/cache_files.py) under a key naming every
    file's path, size and modification time and this loading code: unpickling it takes half
    the time of parsing 8 MB of JSON (0.02 s instead of 0.045 at every start)."""
    files = sorted((root / "models").rglob("*.json"), key=lambda p: p.name)
    cache = _cache_file(root, files)
    if cache is not None:
        found = cache_files.read(cache)
        if isinstance(found, ModelSet):
            return found
    loaded = _load(root, files)
    if cache is not None:
        cache_files.write(cache, loaded, keep=MODEL_CACHE_FILES)
    return loaded


MODEL_CACHE_FILES = 4  # model sets kept: a few checkouts or commits side by side
_MODEL_CACHE_FORMAT = 1  # bump when ModelSet, ApiModel or Operation change what they hold


def _cache_file(root: Path, files: list[Path]) -> Path | None:
    if not cache_files.enabled():
        return None
    digest = hashlib.sha256(f"{_MODEL_CACHE_FORMAT} {sys.version_info[:3]} {root}".encode())
    try:
        for source in (Path(__file__), Path(patches.__file__)):
            digest.update(source.read_bytes())
        for file in files:
            stat = file.stat()
            digest.update(f"{file} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    except OSError:
        return None
    return cache_files.directory("models-loaded") / f"{digest.hexdigest()[:40]}.pickle"


def _load(root: Path, files: list[Path]) -> ModelSet:
    models: dict[str, ApiModel] = {}
    for file in files:
        model = load_model(file)
        if model.name in models:
            first = models[model.name].file
            raise ValueError(f"two model files named {model.name}: {first}, {file}")
        models[model.name] = model
    return ModelSet(root=root, models=models)
