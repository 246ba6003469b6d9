"""The state file (`--state-file PATH`): an append-only log of changed records.

Line 1 is a header (seed, scenario); every further line is one record as it became:
`{"seller", "kind", "key", "value"}` (value null: deleted). Because the business is generated
from seed and scenario, the changes are all that needs keeping: at start the seed regenerates
each seller and the log is replayed over it. Each batch is written and fsynced before the
client is told the change happened, so a killed process loses nothing acknowledged.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class StateFileError(ValueError):
    """A state file that cannot be read (the message names the line)."""


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None, []
        header: dict[str, Any] | None = None
        records: list[dict[str, Any]] = []
        with self.path.open() as file:
            for number, line in enumerate(file, 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError:
                    # A torn last line is a write that never completed, hence never
                    # acknowledged: drop it. A torn line before the end is damage.
                    if not file.readline():
                        break
                    raise StateFileError(f"{self.path}:{number}: not JSON") from None
                if header is None:
                    if not isinstance(value, dict) or "seed" not in value:
                        raise StateFileError(f"{self.path}:1: not a state file header")
                    header = value
                else:
                    if not isinstance(value, dict) or not {"seller", "kind", "key",
                                                           "value"} <= set(value):
                        raise StateFileError(f"{self.path}:{number}: not a state record")
                    records.append(value)
        return header, records

    def start(self, header: dict[str, Any]) -> None:
        """Begin a new log (reset, reseed, restore): written aside, then swapped in."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        with temporary.open("w") as file:
            file.write(json.dumps(header, separators=(",", ":")) + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)

    def append(self, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        lines = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records)
        with self.path.open("a") as file:
            file.write(lines)
            file.flush()
            os.fsync(file.fileno())
