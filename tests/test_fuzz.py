"""Schemathesis over every operation of all 66 models (tests/fuzzing.py): no 5xx, every answer
valid against its model (schema, status code, content type), every request that breaks the
model refused. Failures that are the models' own are listed in `KNOWN_DEFECTS` with their
reason; anything else is a bug of the emulator. `make fuzz` runs the long version."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.config import Settings
from emulator.harness.embedded import running
from tests.fuzzing import KNOWN_DEFECTS, Fuzzer

_MODELS_DIR = Path(os.environ.get("SPAPI_MODELS_DIR")
                   or Path(__file__).resolve().parents[2] / "shared" / "spapi-models")
MODEL_NAMES = sorted(p.stem for p in (_MODELS_DIR / "models").rglob("*.json"))


@pytest.fixture(scope="module")
def fuzzer(models_dir: Path) -> Iterator[Fuzzer]:
    # Its own emulator: the fuzzer creates listings, reports, destinations... at random.
    settings = Settings(models_dir=models_dir, port=0, throttle="off", scale=20,
                        lifecycle="instant")
    with running(settings) as server:
        yield Fuzzer(server)


def test_every_model_is_fuzzed(fuzzer: Fuzzer) -> None:
    assert sorted(fuzzer.server.app.models.models) == MODEL_NAMES
    assert len(MODEL_NAMES) == 66


@pytest.mark.parametrize("model_name", MODEL_NAMES)
def test_fuzz(fuzzer: Fuzzer, model_name: str) -> None:
    model = fuzzer.server.app.models.models[model_name]
    outcome = fuzzer.run(model)
    assert outcome.operations == len(model.operations)
    assert outcome.cases >= outcome.operations
    found = {(f.uid, f.check) for f in outcome.findings}
    new = [f for f in outcome.findings if (f.uid, f.check) not in KNOWN_DEFECTS]
    assert not new, "\n\n".join(f"{f.uid} {f.check} ({f.mode}): {f.title}\n  {f.curl}"
                                for f in new)
    known_here = {key for key in KNOWN_DEFECTS if key[0].startswith(f"{model_name}.")}
    gone = known_here - found
    assert not gone, f"known defects no longer found (remove them from KNOWN_DEFECTS): {gone}"
