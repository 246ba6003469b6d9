"""The core's figures: the sandbox-matched Orders GET against bare Starlette serving the same
bytes (the pipeline alone, then with authentication, throttling and the journal), unloaded
latency, cold start to first 200 with all models, memory."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bench.load import LoadResult, median_of, wrk
from bench.servers import emulator_argv, free_port, serve, uvicorn_argv

ORDERS_GET = "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=TEST_CASE_200"
# The same operation, not matched by a case: validated against the model, then answered by the
# handler or synthesized. Reported for information (no target).
VALIDATED_GET = "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2024-01-01"
TARGETS = {"ratio": 0.7, "p50_ms": 1.0, "cold_start_s": 1.5, "rss_mb": 150.0,
           "stages_cost": 0.10}
# The pipeline alone: no token needed, no buckets, no journal.
BARE_PIPELINE = ("--auth", "none", "--throttle", "off", "--journal-size", "0")
# As users run it (strict auth, journal on), with throttling scaled so far up that the load
# measures the buckets' cost without being refused by them.
FULL_PIPELINE = ("--throttle", "scale:10000000")


@dataclass
class CoreFigures:
    baseline: LoadResult
    emulator: LoadResult  # the pipeline alone
    full: LoadResult  # with authentication, throttling and the journal
    unloaded: LoadResult
    validated: LoadResult
    cold_starts: list[float]
    rss_mb: float
    rss_all_models_mb: float

    @property
    def ratio(self) -> float:
        return self.emulator.requests_per_second / self.baseline.requests_per_second

    @property
    def full_ratio(self) -> float:
        return self.full.requests_per_second / self.baseline.requests_per_second

    @property
    def stages_cost(self) -> float:
        """The share of throughput that auth + throttling + journal take."""
        return 1 - self.full.requests_per_second / self.emulator.requests_per_second


def _loaded(base_url: str, seconds: float, runs: int, headers: dict[str, str],
            path: str = ORDERS_GET) -> LoadResult:
    url = base_url + path
    wrk(url, connections=32, seconds=min(2.0, seconds), headers=headers)  # warm-up
    return median_of([wrk(url, connections=32, seconds=seconds, headers=headers)
                      for _ in range(runs)])


def _access_token(base_url: str) -> dict[str, str]:
    """An LWA access token for the default seller, fetched like a client would."""
    import httpx

    from emulator.auth.accounts import Accounts
    from emulator.config import FIXTURES

    accounts = Accounts.load(FIXTURES / "accounts.yaml")
    app, seller = accounts.apps[0], accounts.sellers[0]
    response = httpx.post(f"{base_url}/auth/o2/token", data={
        "grant_type": "refresh_token", "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": accounts.refresh_token_of(seller, app)})
    response.raise_for_status()
    return {"x-amz-access-token": response.json()["access_token"]}


def _interleaved(targets: list[tuple[str, dict[str, str]]], seconds: float,
                 runs: int) -> list[LoadResult]:
    """Load each target in turn, `runs` rounds, and take each one's median. Taking turns
    spreads the machine's drift (other processes, heat) over all targets alike, which
    back-to-back series do not: their ratios moved by 5 points between runs."""
    for url, headers in targets:
        wrk(url, connections=32, seconds=min(2.0, seconds), headers=headers)  # warm-up
    results: list[list[LoadResult]] = [[] for _ in targets]
    for _ in range(runs):
        for index, (url, headers) in enumerate(targets):
            results[index].append(wrk(url, connections=32, seconds=seconds, headers=headers))
    return [median_of(series) for series in results]


def measure(seconds: float, runs: int) -> CoreFigures:
    cold_starts = []
    for _ in range(3):
        port = free_port()
        with serve(emulator_argv(port, *BARE_PIPELINE), ORDERS_GET, port) as cold:
            cold_starts.append(cold.first_ok_seconds)
    # Every server gets a token header of the same size (the pipeline alone and bare Starlette
    # ignore it): all three parse the same request bytes, as SP-API clients send them, and the
    # differences are the servers' own work.
    same_size = {"x-amz-access-token": "Atza|" + "x" * 352}
    ports = [free_port() for _ in range(3)]
    with serve(uvicorn_argv("bench.bare_app:app", ports[0]), ORDERS_GET, ports[0]) as bare, \
            serve(emulator_argv(ports[1], *BARE_PIPELINE), ORDERS_GET, ports[1]) as core, \
            serve(emulator_argv(ports[2], *FULL_PIPELINE), "/_emulator/health",
                  ports[2]) as emulator:
        headers = _access_token(emulator.base_url)
        baseline, pipeline, full = _interleaved(
            [(bare.base_url + ORDERS_GET, same_size), (core.base_url + ORDERS_GET, same_size),
             (emulator.base_url + ORDERS_GET, headers)], seconds, runs)
        unloaded = median_of([
            wrk(emulator.base_url + ORDERS_GET, connections=1, seconds=seconds, headers=headers)
            for _ in range(runs)
        ])
        rss = emulator.rss_mb()
        validated = _loaded(emulator.base_url, seconds, runs, headers, VALIDATED_GET)
        _use_every_model(emulator.base_url, headers)
        rss_all = emulator.rss_mb()
    return CoreFigures(baseline, pipeline, full, unloaded, validated, cold_starts, rss, rss_all)


def _use_every_model(base_url: str, headers: dict[str, str]) -> None:
    """One valid request per operation, so every model's validator and synthesizer exist."""
    import httpx

    from emulator.models import source as modelsource
    from emulator.models import spec
    from emulator.models.sample_requests import valid_request

    models = spec.load(modelsource.locate())
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        for operation in models.operations:
            # Grantless and RDT-only operations answer 403 to this token; that is enough to
            # build their model's validator, and every other operation is answered in full.
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
        f"  emulator, pipeline alone      {figures.emulator.requests_per_second:9.0f} req/s"
        f"  p50 {figures.emulator.p50_ms:.2f} ms  p99 {figures.emulator.p99_ms:.2f} ms"
        f"  non-2xx {figures.emulator.non_2xx}",
        f"  emulator, auth+throttle+journal {figures.full.requests_per_second:7.0f} req/s"
        f"  p50 {figures.full.p50_ms:.2f} ms  p99 {figures.full.p99_ms:.2f} ms"
        f"  non-2xx {figures.full.non_2xx}",
        f"  ratio pipeline/bare           {figures.ratio:9.3f}"
        f"      target >= {TARGETS['ratio']:.2f}  {verdict(figures.ratio >= TARGETS['ratio'])}",
        f"  ratio full/bare               {figures.full_ratio:9.3f}"
        f"      target >= {TARGETS['ratio']:.2f}  "
        f"{verdict(figures.full_ratio >= TARGETS['ratio'])}",
        f"  cost of auth+throttle+journal {figures.stages_cost:9.3f}"
        f"      target <= {TARGETS['stages_cost']:.2f}  "
        f"{verdict(figures.stages_cost <= TARGETS['stages_cost'])}",
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
        "  (no case matches: validation, then handler or synthesis; no target)",
    ]
