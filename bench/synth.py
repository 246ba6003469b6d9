"""Synthesis: how long one synthesized getOrders answer takes (median of 100 seeds), against
building the same answer's JSON text from an already synthesized value (the baseline, measured
in the same run)."""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from pathlib import Path

from emulator.models import spec
from emulator.models.synth import Synthesizer

TARGETS = {"synth_ms": 10.0}


def measure(runs: int = 100) -> tuple[float, float]:
    """(median ms per synthesized answer, median ms to serialize one)."""
    models = spec.load(Path(os.environ["SPAPI_MODELS_DIR"]))
    operation = models.find("ordersV0", "getOrders")[0]
    schema = operation.responses["200"]["schema"]
    synth = Synthesizer(operation.model)
    value = synth.value(schema, random.Random(0))  # warms the schema caches
    made, dumped = [], []
    for seed in range(runs):
        began = time.perf_counter()
        synth.value(schema, random.Random(seed))
        made.append(time.perf_counter() - began)
        began = time.perf_counter()
        json.dumps(value)
        dumped.append(time.perf_counter() - began)
    return statistics.median(made) * 1000, statistics.median(dumped) * 1000


def report(figures: tuple[float, float]) -> list[str]:
    made, dumped = figures
    verdict = "ok" if made <= TARGETS["synth_ms"] else "OVER"
    return [f"synth: getOrders answer {made:.2f} ms (json.dumps of it {dumped:.3f} ms, "
            f"ratio {made / dumped:.0f}x); target {TARGETS['synth_ms']:.0f} ms   {verdict}"]
