"""The emulator's settings: one frozen object, built by the CLI (or by tests) and passed down."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

# How LWA and the token stage treat credentials (see README, "Authentication").
AuthMode = Literal["strict", "open", "none"]
AUTH_MODES: tuple[AuthMode, ...] = ("strict", "open", "none")
Mode = Literal["emulate", "sandbox"]
MODES: tuple[Mode, ...] = ("emulate", "sandbox")
Lifecycle = Literal["instant", "fast", "realistic"]
LIFECYCLES: tuple[Lifecycle, ...] = ("instant", "fast", "realistic")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the emulator to this machine."""
    return host.strip("[]").lower() in LOOPBACK_NAMES or host.startswith("127.")


def _fixtures() -> Path:
    """The scenario data (apps, sellers, scenarios): fixtures/ beside the package in a
    checkout, else the copy an installed wheel puts under <prefix>/share/spapi-emulator/."""
    checkout = Path(__file__).resolve().parents[1] / "fixtures"
    if (checkout / "accounts.yaml").is_file():
        return checkout
    return Path(sys.prefix) / "share" / "spapi-emulator" / "fixtures"


FIXTURES = _fixtures()


@dataclass(frozen=True)
class Settings:
    models_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    mode: Mode = "emulate"
    seed: int = 1
    # Where clients reach the emulator; document and upload URLs are built from it, never from
    # the Host header (clients send wrong ones). Defaults to http://host:port.
    public_url: str | None = None
    # Amazon's gateway refuses bodies over 10 MB with 413.
    max_body_bytes: int = 10 * 1024 * 1024
    auth: AuthMode = "strict"
    token_ttl: int = 3600  # LWA access tokens' expires_in
    throttle: str = "amazon"  # amazon | sandbox | off | scale:N
    journal_size: int = 10_000  # requests kept by the journal; 0 turns it off
    # Of the most recent requests, how many keep their bodies for the inspector (each body cut
    # at 16 KiB, runtime/journal.BODY_CAP); 0 keeps none.
    journal_bodies: int = 1000
    accounts_file: Path = FIXTURES / "accounts.yaml"
    faults_file: Path | None = None
    scenario_file: Path = FIXTURES / "scenarios" / "default.yaml"
    scale: int | None = None  # orders per seller, replacing the scenario's counts
    state_file: Path | None = None  # restore at start, persist every change
    # Megabytes of report and feed documents kept (the oldest go first past it).
    document_budget_mb: int = 64
    # How long reports and feeds take on the emulator clock: instant (0 s), fast (a few
    # seconds, the default) or realistic (minutes, as Amazon).
    lifecycle: Lifecycle = "fast"
    # Where notifications go: an SQS API (moto, LocalStack, ElasticMQ, AWS) for SQS
    # destinations, an EventBridge API for EventBridge ones (without the endpoint, messages
    # are only recorded in the outbox), and a URL every message is also POSTed to.
    sqs_endpoint: str | None = None
    eventbridge_endpoint: str | None = None
    webhook_url: str | None = None
    # HTTPS (`--tls`): the certificate and key PEM files the server presents.
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert is not None else "http"
    # The cassettes the inspector lists and checks for drift (default: fixtures/cassettes).
    cassettes_dir: Path = FIXTURES / "cassettes"
    # The living store: the business goes on after the anchor on the emulator clock (orders
    # arrive and move, stock runs down...). Off here, for tests and embedding (a still
    # business plus what clients do); `spapi-emulator serve` turns it on.
    live: bool = False
    # What the control plane asks for in x-emulator-control-token (control/guard.py); needed
    # when the emulator binds beyond loopback.
    control_token: str | None = None
    # Tokens, RDTs, authorization codes, document ids and the presigned-URL key from the seed
    # instead of the operating system's CSPRNG: the same run, the same tokens. For tests that
    # need them; anyone who knows the seed can then forge them.
    deterministic_tokens: bool = False

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"{self.scheme}://{host}:{self.port}"
