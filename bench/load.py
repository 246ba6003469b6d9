"""Load from a second process: wrk (Debian's `wrk`), parsed into requests/s and latencies."""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("bench needs wrk (Debian: apt-get install wrk); `make bench` installs it")
    return path


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:  # wrk prints "-nan" when a run completed no request
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, *, connections: int, seconds: float,
        headers: dict[str, str] | None = None, body: bytes | None = None) -> LoadResult:
    """GETs of `url`, or POSTs of `body` (JSON) when one is given (through a wrk script); an
    `@VARY@` in the body becomes a number that changes with every request."""
    argv = [wrk_path(), "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if body is not None:
            # A Lua long string keeps the JSON as it is (quotes, backslashes).
            script.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                         f"local body = [==[{body.decode()}]==]\nlocal n = 0\n"
                         "request = function()\n  n = n + 1\n"
                         '  return wrk.format(nil, nil, nil, (body:gsub("@VARY@", '
                         "tostring(1 + (n % 9973) / 100))))\nend\n")
            script.flush()
            argv += ["-s", script.name]
        output = subprocess.run([*argv, url], capture_output=True, text=True,
                                check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return LoadResult(rps, p50, p99, int(non_2xx.group(1)) if non_2xx else 0)


def median_of(results: list[LoadResult]) -> LoadResult:
    return LoadResult(
        statistics.median(r.requests_per_second for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.non_2xx for r in results),
    )
