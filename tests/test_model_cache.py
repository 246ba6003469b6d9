"""The loaded models kept in the user's cache (models/spec.py, models/cache_files.py) are the
models the files give: the same operations, parameters and patched documents; a model file
that changes is read again."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from emulator.models import cache_files, spec


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(cache_files.ENV_SWITCH, raising=False)
    return tmp_path / "cache" / "spapi-emulator" / "models-loaded"


def _shape(models: spec.ModelSet) -> list[object]:
    return [(m.name, m.file, m.document, m.applied_patches,
             [(o.uid, o.method, o.path, o.spec, o.parameters, o.consumes, o.produces,
               o.dynamic_sandbox, o.sandbox_only) for o in m.operations])
            for m in models.models.values()]


def test_cached_models_are_the_models_the_files_give(
        models_dir: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = spec.load(models_dir)
    assert len(list(cache_home.glob("*.pickle"))) == 1
    warm = spec.load(models_dir)
    assert warm is not cold and _shape(warm) == _shape(cold)
    operation = warm.operation("ordersV0.getOrders")
    assert operation.model is warm.models["ordersV0"]  # one object graph, as when parsed
    monkeypatch.setenv(cache_files.ENV_SWITCH, "off")
    assert _shape(spec.load(models_dir)) == _shape(cold)


def test_a_changed_model_file_is_read_again(models_dir: Path, cache_home: Path,
                                            tmp_path: Path) -> None:
    root = tmp_path / "models-copy"
    shutil.copytree(models_dir / "models" / "orders-api-model", root / "models" / "orders")
    first = spec.load(root)
    file = root / "models" / "orders" / "ordersV0.json"
    file.write_text(file.read_text().replace('"getOrders"', '"getOrdersRenamed"', 1))
    os.utime(file, ns=(file.stat().st_atime_ns, file.stat().st_mtime_ns + 10**9))
    second = spec.load(root)
    assert "ordersV0.getOrders" in {o.uid for o in first.operations}
    assert "ordersV0.getOrdersRenamed" in {o.uid for o in second.operations}
    assert len(list(cache_home.glob("*.pickle"))) == 2
