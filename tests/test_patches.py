"""Each in-memory patch of Amazon's models, by name: it applies where the defect is, and the
patched model does what the defect prevented."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from emulator.models import patches, spec


def _model_file(models_dir: Path, name: str) -> Path:
    return next((models_dir / "models").rglob(f"{name}.json"))


def test_patch_names_are_unique() -> None:
    names = [p.name for p in patches.PATCHES]
    assert len(names) == len(set(names))


def test_array_parameter_default_as_list(models_dir: Path) -> None:
    raw = json.loads(_model_file(models_dir, "catalogItems_2020-12-01").read_text())
    model = spec.load_model(_model_file(models_dir, "catalogItems_2020-12-01"))
    assert model.applied_patches == ["array-parameter-default-as-list"]
    defaults = [p["default"] for op in model.operations for p in op.parameters
                if p["name"] == "includedData" and "default" in p]
    assert defaults and all(d == ["summaries"] for d in defaults)
    raw_defaults = [p.get("default") for item in raw["paths"].values() for op in item.values()
                    if isinstance(op, dict) for p in op.get("parameters", [])
                    if p.get("name") == "includedData"]
    assert "summaries" in raw_defaults  # the file on disk keeps Amazon's scalar


def test_array_default_patch_is_needed_by_connexion(models_dir: Path) -> None:
    from connexion.exceptions import InvalidSpecification
    from connexion.spec import Swagger2Specification

    raw = json.loads(_model_file(models_dir, "catalogItems_2020-12-01").read_text())
    try:
        Swagger2Specification(raw)
    except InvalidSpecification:
        pass
    else:  # pragma: no cover - Amazon fixed the model: drop the patch
        raise AssertionError("catalogItems_2020-12-01 validates unpatched; remove the patch")
    patched = spec.load_model(_model_file(models_dir, "catalogItems_2020-12-01")).document
    Swagger2Specification(patched)


def test_uploads_resource_greedy(models_dir: Path, client: httpx.Client) -> None:
    model = spec.load_model(_model_file(models_dir, "uploads_2020-11-01"))
    assert model.applied_patches == ["uploads-resource-greedy"]
    response = client.post(
        "/uploads/2020-11-01/uploadDestinations/messaging/v1/orders/123/messages/invoice",
        params={"marketplaceIds": "ATVPDKIKX0DER", "contentMD5": "abc"},
    )
    assert response.status_code == 201, response.text


def test_patches_touch_nothing_else(models: spec.ModelSet) -> None:
    patched = {m.name: m.applied_patches for m in models.models.values() if m.applied_patches}
    assert patched == {
        "catalogItems_2020-12-01": ["array-parameter-default-as-list"],
        "uploads_2020-11-01": ["uploads-resource-greedy"],
    }
