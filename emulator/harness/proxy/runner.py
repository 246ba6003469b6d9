"""Running the proxy: in a background thread (tests, tools) or in the foreground until a signal
(`spapi-emulator proxy`), with an embedded emulator as upstream when asked for one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from emulator.config import Mode, Settings
from emulator.harness.embedded import Running, running
from emulator.harness.proxy.app import ProxyApp
from emulator.harness.proxy.report import Report
from emulator.harness.proxy.serving import in_thread, wait_for_signal
from emulator.harness.proxy.upstream import Upstream, resolve
from emulator.models import spec
from emulator.server import bind


@dataclass(frozen=True)
class ProxySettings:
    upstream: str  # emulator | sandbox-na | sandbox-eu | sandbox-fe | URL
    models_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    report_file: Path | None = None
    ignore: frozenset[str] = frozenset()  # violation kinds that do not count
    # For `--upstream emulator`: the embedded emulator's mode and seed.
    emulator_mode: Mode = "emulate"
    seed: int = 1


@dataclass
class RunningProxy:
    base_url: str
    upstream: Upstream
    report: Report
    app: ProxyApp
    server: uvicorn.Server
    emulator: Running | None  # the embedded upstream, if any


@contextmanager
def running_proxy(settings: ProxySettings) -> Iterator[RunningProxy]:
    """Serve the proxy (port 0 picks a free one) until the block ends."""
    upstream = resolve(settings.upstream)
    sock = bind(settings.host, settings.port)
    base_url = f"http://{settings.host}:{sock.getsockname()[1]}"
    with ExitStack() as stack:
        stack.callback(sock.close)
        embedded = None
        if upstream.embedded:
            # Document URLs the emulator hands out point at the proxy, so downloads and
            # uploads go through it too.
            embedded = stack.enter_context(running(Settings(
                models_dir=settings.models_dir, port=0, mode=settings.emulator_mode,
                seed=settings.seed, public_url=base_url)))
            upstream = upstream.with_base(embedded.base_url)
        report = Report(upstream.name, settings.ignore)
        # The embedded emulator's models are the same files, already loaded and patched.
        models = embedded.app.models if embedded is not None else spec.load(settings.models_dir)
        app = ProxyApp(models, upstream, report)
        server = stack.enter_context(in_thread(app, sock, "spapi-proxy"))
        yield RunningProxy(base_url, upstream, report, app, server, embedded)


def serve(settings: ProxySettings) -> int:
    """Run until SIGINT/SIGTERM; write the report; exit 1 when violations were found."""
    with running_proxy(settings) as proxy:
        target = proxy.upstream.name
        if proxy.emulator is not None:
            target += f" ({proxy.emulator.base_url}, mode {settings.emulator_mode})"
        print(f"spapi-emulator proxy on {proxy.base_url} -> {target}; live report at "
              f"{proxy.base_url}/_proxy/report", file=sys.stderr, flush=True)
        wait_for_signal(proxy.server)
    report = proxy.report
    if settings.report_file is not None:
        report.write(settings.report_file)
    print(report.summary() + (f"\nreport: {settings.report_file}" if settings.report_file
                              else ""), file=sys.stderr, flush=True)
    return 1 if report.violations else 0
