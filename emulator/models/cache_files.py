"""Files the emulator keeps in the user's cache directory to start faster: values derived from
inputs that rarely change (the models, Faker's pools), pickled under a key that names all of
those inputs, so that a file found is the value the inputs give.

`$XDG_CACHE_HOME/spapi-emulator/<kind>/` (default `~/.cache/...`); `SPAPI_EMULATOR_CACHE=off`
turns every such cache off. A file that cannot be read is a miss and one that cannot be written
is skipped, never an error; several emulators may share the directory (a file is written whole,
then renamed into place), and each kind keeps a bounded number of files (the oldest go).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

ENV_SWITCH = "SPAPI_EMULATOR_CACHE"
STALE_TMP_S = 60.0  # a file being written is renamed into place long before this


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "").lower() not in ("off", "0", "no", "false")


def directory(kind: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spapi-emulator" / kind


def read(path: Path) -> Any | None:
    """The value pickled at `path`, or None (no file, a half-gone or foreign one)."""
    try:
        with path.open("rb") as file:
            return pickle.load(file)
    except Exception:  # missing, damaged, or of classes that changed: made again
        return None


def write(path: Path, value: object, keep: int) -> None:
    """Pickle `value` to `path` atomically; keep the `keep` newest files of its directory."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, path)
        _prune(path.parent, keep)
    except OSError:
        return  # a read-only or full disk: the next start makes the value again


def _prune(folder: Path, keep: int) -> None:
    files, stale = [], []
    for entry in os.scandir(folder):
        modified = entry.stat().st_mtime
        if entry.name.endswith(".pickle"):
            files.append((modified, entry.path))
        elif entry.name.endswith(".tmp") and modified < time.time() - STALE_TMP_S:
            stale.append(entry.path)  # left by an emulator stopped mid-write
    for old in stale + [path for _, path in sorted(files)[:-keep]]:
        with contextlib.suppress(OSError):  # another emulator removed it first
            os.unlink(old)
