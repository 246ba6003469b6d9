"""The core's figures (issue 2): the sandbox-matched Orders GET against bare Starlette serving
the same bytes, unloaded latency, cold start to first 200 with all models, memory."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bench.load import LoadResult, median_of, wrk
from bench.servers import emulator_argv, free_port, serve, uvicorn_argv

ORDERS_GET = "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=TEST_CASE_200"
# The same operation, not matched by a case: validated by Connexion, then answered by the
# handler or synthesized. Reported for information (no target).
VALIDATED_GET = "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2024-01-01"
TARGETS = {"ratio": 0.15, "p50_ms": 1.0, "cold_start_s": 1.5, "rss_mb": 150.0}


@dataclass
class CoreFigures:
    baseline: LoadResult
    emulator: LoadResult
    unloaded: LoadResult
    validated: LoadResult
    cold_starts: list[float]
    rss_mb: float
    rss_all_models_mb: float

    @property
    def ratio(self) -> float:
        return self.emulator.requests_per_second / self.baseline.requests_per_second


def _loaded(base_url: str, seconds: float, runs: int, headers: dict[str, str],
            path: str = ORDERS_GET) -> LoadResult:
    url = base_url + path
    wrk(url, connections=32, seconds=min(2.0, seconds), headers=headers)  # warm-up
    return median_of([wrk(url, connections=32, seconds=seconds, headers=headers)
                      for _ in range(runs)])


def measure(seconds: float, runs: int, token_headers: dict[str, str]) -> CoreFigures:
    port = free_port()
    with serve(uvicorn_argv("bench.bare_app:app", port), ORDERS_GET, port) as bare:
        baseline = _loaded(bare.base_url, seconds, runs, {})
    cold_starts = []
    for _ in range(2):
        port = free_port()
        with serve(emulator_argv(port), ORDERS_GET, port) as cold:
            cold_starts.append(cold.first_ok_seconds)
    port = free_port()
    with serve(emulator_argv(port), ORDERS_GET, port) as emulator:
        cold_starts.append(emulator.first_ok_seconds)
        loaded = _loaded(emulator.base_url, seconds, runs, token_headers)
        unloaded = median_of([
            wrk(emulator.base_url + ORDERS_GET, connections=1, seconds=seconds,
                headers=token_headers)
            for _ in range(runs)
        ])
        rss = emulator.rss_mb()
        validated = _loaded(emulator.base_url, seconds, runs, token_headers, VALIDATED_GET)
        _use_every_model(emulator.base_url, token_headers)
        rss_all = emulator.rss_mb()
    return CoreFigures(baseline, loaded, unloaded, validated, cold_starts, rss, rss_all)


def _use_every_model(base_url: str, headers: dict[str, str]) -> None:
    """One valid request per operation, so every model's validator and synthesizer exist."""
    import httpx

    from emulator import modelsource, spec
    from emulator.model_requests import valid_request

    models = spec.load(modelsource.locate())
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        for operation in models.operations:
            request = valid_request(operation, seed=1)
            client.request(**request.as_httpx())


def report(figures: CoreFigures) -> list[str]:
    cold = statistics.median(figures.cold_starts)
    validated_ratio = (figures.validated.requests_per_second
                       / figures.baseline.requests_per_second)

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    return [
        "core: sandbox-matched GET " + ORDERS_GET,
        f"  bare Starlette, same bytes    {figures.baseline.requests_per_second:9.0f} req/s"
        f"  p50 {figures.baseline.p50_ms:.2f} ms  p99 {figures.baseline.p99_ms:.2f} ms",
        f"  emulator (1 worker)           {figures.emulator.requests_per_second:9.0f} req/s"
        f"  p50 {figures.emulator.p50_ms:.2f} ms  p99 {figures.emulator.p99_ms:.2f} ms"
        f"  non-2xx {figures.emulator.non_2xx}",
        f"  ratio emulator/bare           {figures.ratio:9.3f}"
        f"      target >= {TARGETS['ratio']:.2f}  {verdict(figures.ratio >= TARGETS['ratio'])}",
        f"  p50 unloaded (1 connection)   {figures.unloaded.p50_ms:9.3f} ms"
        f"     target <= {TARGETS['p50_ms']:.1f}   "
        f"{verdict(figures.unloaded.p50_ms <= TARGETS['p50_ms'])}",
        f"  cold start to first 200       {cold:9.2f} s "
        f"     target <= {TARGETS['cold_start_s']:.1f}   "
        f"{verdict(cold <= TARGETS['cold_start_s'])}"
        f"  (runs: {', '.join(f'{c:.2f}' for c in figures.cold_starts)})",
        f"  RSS after load                {figures.rss_mb:9.1f} MB"
        f"     target <= {TARGETS['rss_mb']:.0f}   {verdict(figures.rss_mb <= TARGETS['rss_mb'])}",
        f"  RSS after all 370 operations  {figures.rss_all_models_mb:9.1f} MB"
        f"     target <= {TARGETS['rss_mb']:.0f}   "
        f"{verdict(figures.rss_all_models_mb <= TARGETS['rss_mb'])}",
        f"  validated + answered GET      {figures.validated.requests_per_second:9.0f} req/s"
        f"  p50 {figures.validated.p50_ms:.2f} ms  ratio {validated_ratio:.3f}"
        "  (no case matches: Connexion validation, then handler or synthesis; no target)",
    ]
