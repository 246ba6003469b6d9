"""The state file (`--state-file PATH`): a snapshot of what changed, then a log of what changed
since, one JSON record a line.

Line 1 is a header: the seed, scenario and anchor the business was generated with. The
snapshot's records follow, closed by `{"snapshot_end": N}` (N: how many), then the log.
Every record line is one record as it became:

    {"seller": ID, "kind": K, "key": KEY, "value": V}   an entity of a seller's business
    {"section": NAME, "key": KEY, "value": V}           a record a family keeps (a report, a
                                                        feed, a document, a subscription...)

(V null: deleted). The business is generated from seed and scenario, so only changes are
kept: at start it is regenerated and the records are laid over it, the last record of a key
winning. Each batch of records is written and fsynced before the client is told the change
happened, so a killed process loses nothing acknowledged.

When the log outgrows the snapshot (and at a clean shutdown), the file is compacted: the live
records are written to `PATH.tmp`, fsynced, and renamed over PATH (then the directory is
fsynced). A process killed at any moment leaves either the old file or the new one, whole. A
last line cut short is a write that was never acknowledged: it is dropped (and cut off the
file). Any other line that cannot be read refuses the whole file, naming the line.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT_VERSION = 2  # 1: a header and a log (no snapshot count); still read
# A log shorter than this is never worth compacting, however small the snapshot.
MIN_COMPACT_BYTES = 1 << 20


class StateFileError(ValueError):
    """A state file that cannot be used (the message names the file and line)."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def encode(record: dict[str, Any]) -> str:
    """One record as its line (compact JSON; NaN and Infinity are refused, not written)."""
    return json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n"


@dataclass(frozen=True)
class Line:
    number: int
    record: dict[str, Any]


class StateFile:
    def __init__(self, path: Path, min_compact_bytes: int = MIN_COMPACT_BYTES) -> None:
        self.path = path
        self.min_compact_bytes = min_compact_bytes
        self.snapshot_bytes = 0  # bytes of the header and the snapshot
        self.size = 0  # bytes of the whole file

    @property
    def log_bytes(self) -> int:
        return self.size - self.snapshot_bytes

    def needs_compaction(self) -> bool:
        """Whether the log has outgrown the snapshot (and is worth folding into it)."""
        return self.log_bytes > max(self.snapshot_bytes, self.min_compact_bytes)

    # -- reading --------------------------------------------------------------------------

    def read(self) -> tuple[dict[str, Any] | None, list[Line]]:
        """The header and every record, checked for shape (not for meaning: the store and
        the sections check values). A torn last line is cut off the file."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None, []
        header: dict[str, Any] | None = None
        lines: list[Line] = []
        good_end = 0  # byte offset after the last complete line
        with self.path.open("rb") as file:
            for number, raw in enumerate(file, 1):
                if not raw.endswith(b"\n"):
                    # The last line, cut short: a write that was never acknowledged.
                    break
                good_end += len(raw)
                if not raw.strip():
                    continue
                value = self._parse(raw, number)
                if header is None:
                    if not isinstance(value, dict) or "seed" not in value:
                        raise StateFileError(f"{self.path}:{number}: not a state file header")
                    header = value
                    self.snapshot_bytes = good_end
                    continue
                if isinstance(value, dict) and "snapshot_end" in value:
                    if value != {"snapshot_end": len(lines)}:
                        raise StateFileError(f"{self.path}:{number}: the snapshot should end "
                                             f"after {value.get('snapshot_end')!r} records, "
                                             f"not {len(lines)}")
                    self.snapshot_bytes = good_end
                    continue
                lines.append(Line(number, self._checked(value, number)))
        if header is None:
            raise StateFileError(f"{self.path}:1: not a state file header")
        if good_end < self.path.stat().st_size:
            with self.path.open("r+b") as file:
                file.truncate(good_end)
                file.flush()
                os.fsync(file.fileno())
        self.size = good_end
        return header, lines

    def _parse(self, raw: bytes, number: int) -> Any:
        try:
            return json.loads(raw, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            raise StateFileError(f"{self.path}:{number}: not JSON") from None

    def _checked(self, value: Any, number: int) -> dict[str, Any]:
        where = f"{self.path}:{number}"
        if not isinstance(value, dict) or not {"key", "value"} <= set(value):
            raise StateFileError(f"{where}: not a state record")
        if not isinstance(value["key"], str):
            raise StateFileError(f"{where}: key: expected a string")
        if "section" in value:
            if not isinstance(value["section"], str) or len(value) != 3:
                raise StateFileError(f"{where}: not a section record")
        elif not (isinstance(value.get("seller"), str) and isinstance(value.get("kind"), str)
                  and len(value) == 4):
            raise StateFileError(f"{where}: not a state record")
        return value

    # -- writing --------------------------------------------------------------------------

    def rewrite(self, header: dict[str, Any], snapshot: Iterable[dict[str, Any]]) -> None:
        """Replace the file with a header and these records (the snapshot), atomically:
        written aside (record by record: memory stays flat), fsynced, renamed over the file,
        the directory fsynced."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        count = 0
        with temporary.open("w", encoding="utf-8", newline="\n") as file:
            file.write(encode({**header, "version": FORMAT_VERSION}))
            for record in snapshot:
                file.write(encode(record))
                count += 1
            file.write(encode({"snapshot_end": count}))
            file.flush()
            os.fsync(file.fileno())
        size = temporary.stat().st_size
        os.replace(temporary, self.path)
        _sync_directory(self.path.parent)
        self.snapshot_bytes = self.size = size

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        text = "".join(encode(r) for r in records)
        if not text:
            return
        data = text.encode()
        with self.path.open("ab") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        self.size += len(data)


def _sync_directory(path: Path) -> None:
    """fsync a directory, so a rename in it survives a crash (not possible everywhere)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

