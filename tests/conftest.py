"""Shared fixtures: Amazon's models (from SPAPI_MODELS_DIR) and emulators on free ports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator import spec
from emulator.config import Settings
from emulator.embedded import Running, running

_DEFAULT_MODELS = Path(__file__).resolve().parents[2] / "shared" / "spapi-models"


@pytest.fixture(scope="session")
def models_dir() -> Path:
    path = Path(os.environ.get("SPAPI_MODELS_DIR") or _DEFAULT_MODELS)
    if not (path / "models").is_dir():
        pytest.exit(
            f"Amazon's models are not at {path}: set SPAPI_MODELS_DIR or run "
            "`spapi-emulator models`", returncode=2,
        )
    return path


@pytest.fixture(scope="session")
def models(models_dir: Path) -> spec.ModelSet:
    return spec.load(models_dir)


@pytest.fixture(scope="session")
def emulator(models_dir: Path) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir, port=0, mode="emulate")) as server:
        yield server


@pytest.fixture(scope="session")
def sandbox(models_dir: Path) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir, port=0, mode="sandbox")) as server:
        yield server


@pytest.fixture
def client(emulator: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def sandbox_client(sandbox: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, timeout=30) as http:
        yield http
