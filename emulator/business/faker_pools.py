"""A disk cache of what Faker makes for a seller: its brand names and its buyers' pools.

Making a seller's first pools imports Faker and builds a Faker per locale: about 0.07 s of
the 0.12 s a first seller takes, paid by the first request of every start. What Faker makes
is a pure function of the random source's state, the arguments, the code that draws (this
module, generate.py, places.py, entities.py), Faker's version and Python's: the cache is
keyed by all of them, so a hit gives the very values, and leaves the random source in the
very state, that making them would have. A cache that cannot be read or written is a miss,
never an error; a cache dir may be shared by several emulators at once (files are written
whole, then renamed into place).

`SPAPI_EMULATOR_CACHE=off` turns it off; the directory is `$XDG_CACHE_HOME/spapi-emulator/
faker-pools` (default `~/.cache/...`), at most MAX_FILES files (the oldest go first).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import pickle
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

FORMAT = 1  # bump when what a file holds changes shape
MAX_FILES = 64
STALE_TMP_S = 60.0  # a file being written is renamed into place long before this
ENV_SWITCH = "SPAPI_EMULATOR_CACHE"
_SOURCES = ("faker_pools.py", "generate.py", "places.py", "entities.py")


def cached(kind: str, args: tuple[object, ...], rnd: random.Random, make: Callable[[], T]) -> T:
    """`make()`'s value (it draws from `rnd`), from the cache when it holds it."""
    version = _version()
    if version is None:
        return make()
    key = hashlib.sha256(pickle.dumps((version, kind, args, rnd.getstate()))).hexdigest()
    path = _directory() / f"{kind}-{key[:40]}.pickle"
    try:
        with path.open("rb") as file:
            value, state = pickle.load(file)
    except Exception:  # missing, half-gone or foreign: made again below
        pass
    else:
        rnd.setstate(state)
        return value  # type: ignore[no-any-return]
    value = make()
    _write(path, (value, rnd.getstate()))
    return value


def _directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spapi-emulator" / "faker-pools"


@functools.cache
def _version() -> bytes | None:
    """What the values depend on besides the arguments, or None when caching is off."""
    if os.environ.get(ENV_SWITCH, "").lower() in ("off", "0", "no", "false"):
        return None
    digest = hashlib.sha256(f"{FORMAT} {sys.version_info[:3]}".encode())
    here = Path(__file__).parent
    faker = importlib.util.find_spec("faker")
    if faker is None or faker.origin is None:
        return None
    try:
        for source in [*(here / name for name in _SOURCES), Path(faker.origin)]:
            digest.update(source.read_bytes())  # faker/__init__.py holds Faker's VERSION
    except OSError:
        return None
    return digest.digest()


def _write(path: Path, content: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as file:
            pickle.dump(content, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, path)
        _prune(path.parent)
    except OSError:
        return  # a read-only or full disk: the next start makes the values again


def _prune(directory: Path) -> None:
    files, stale = [], []
    for entry in os.scandir(directory):
        modified = entry.stat().st_mtime
        if entry.name.endswith(".pickle"):
            files.append((modified, entry.path))
        elif entry.name.endswith(".tmp") and modified < time.time() - STALE_TMP_S:
            stale.append(entry.path)  # left by an emulator stopped mid-write
    for old in stale + [path for _, path in sorted(files)[:-MAX_FILES]]:
        with contextlib.suppress(OSError):  # another emulator removed it first
            os.unlink(old)
