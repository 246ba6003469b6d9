"""Where the proxy forwards: the emulator (started in-process), Amazon's sandbox in one of its
three regions, or any URL serving SP-API (another emulator, a staging deployment)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

AMAZON_LWA = "https://api.amazon.com/auth/o2/token"
REGIONS = ("na", "eu", "fe")
LWA_PATH = "/auth/o2/token"


def sandbox_endpoint(region: str) -> str:
    return f"https://sandbox.sellingpartnerapi-{region}.amazon.com"


def production_endpoint(region: str) -> str:
    return f"https://sellingpartnerapi-{region}.amazon.com"


@dataclass(frozen=True)
class Upstream:
    name: str  # as the user gave it
    base_url: str  # SP-API endpoint ("" until an embedded emulator is running)
    lwa_url: str
    embedded: bool = False  # `emulator`: the proxy starts one

    def with_base(self, base_url: str) -> Upstream:
        base = base_url.rstrip("/")
        return replace(self, base_url=base, lwa_url=base + LWA_PATH)


def resolve(spec: str) -> Upstream:
    """`emulator`, `sandbox-na|eu|fe` or an http(s) URL; ValueError for anything else."""
    if spec == "emulator":
        return Upstream(spec, "", "", embedded=True)
    if spec.startswith("sandbox-") and spec.removeprefix("sandbox-") in REGIONS:
        return Upstream(spec, sandbox_endpoint(spec.removeprefix("sandbox-")), AMAZON_LWA)
    parts = urlsplit(spec)
    if parts.scheme in ("http", "https") and parts.netloc:
        return Upstream(spec, "", "").with_base(spec)
    raise ValueError(f"--upstream must be emulator, sandbox-na, sandbox-eu, sandbox-fe or an "
                     f"http(s) URL, not {spec!r}")
