"""The proxy's report: every violation it saw, with the request it belongs to.

Served live at `GET /_proxy/report`, written as JSON at shutdown (`--report FILE`) and
summarised for people on stderr. Kinds the user chose to ignore are counted apart and never
fail the run.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from emulator.harness.proxy.checks import Finding
from emulator.harness.proxy.kinds import KINDS

Direction = Literal["request", "response"]


@dataclass(frozen=True)
class Violation:
    request_id: str
    operation: str | None  # operation uid, "LWA", or None when nothing routes
    method: str
    path: str
    kind: str
    message: str
    direction: Direction


class Report:
    def __init__(self, upstream: str, ignore: frozenset[str] = frozenset()) -> None:
        self.upstream = upstream
        self.ignore = ignore
        self._lock = threading.Lock()  # the proxy's loop writes; tests and the CLI read
        self._violations: list[Violation] = []
        self._ignored = 0
        self._requests = 0
        self._operations: Counter[str] = Counter()

    def add(self, request_id: str, operation: str | None, method: str, path: str,
            findings: list[tuple[Direction, Finding]]) -> list[Violation]:
        """Record one proxied request and its findings; return the violations that count."""
        counted = [Violation(request_id, operation, method, path, f.kind, f.message, direction)
                   for direction, f in findings if f.kind not in self.ignore]
        with self._lock:
            self._requests += 1
            self._operations[operation or "-"] += 1
            self._violations.extend(counted)
            self._ignored += len(findings) - len(counted)
        return counted

    def clear(self) -> None:
        with self._lock:
            self._violations.clear()
            self._operations.clear()
            self._requests = self._ignored = 0

    @property
    def violations(self) -> list[Violation]:
        with self._lock:
            return list(self._violations)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            violations = [asdict(v) for v in self._violations]
            by_kind = Counter(v.kind for v in self._violations)
            return {
                "upstream": self.upstream,
                "requests": self._requests,
                "operations": dict(sorted(self._operations.items())),
                "violations": violations,
                "by_kind": dict(sorted(by_kind.items())),
                "ignored": {"kinds": sorted(self.ignore), "count": self._ignored},
                "kinds": {kind: KINDS[kind] for kind in sorted(by_kind) if kind in KINDS},
            }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")

    def summary(self) -> str:
        """A few lines for people: counts per kind, with the first message of each."""
        data = self.as_dict()
        count = len(data["violations"])
        head = (f"spapi-emulator proxy: {data['requests']} requests to {self.upstream}, "
                f"{count} violation{'s' if count != 1 else ''}")
        if data["ignored"]["count"]:
            head += f" ({data['ignored']['count']} ignored)"
        lines = [head]
        first: dict[str, dict[str, Any]] = {}
        for violation in data["violations"]:
            first.setdefault(violation["kind"], violation)
        for kind, number in data["by_kind"].items():
            example = first[kind]
            lines.append(f"  {number:4d}  {kind:20s} {example['operation'] or example['path']}: "
                         f"{example['message'][:100]}")
        return "\n".join(lines)
