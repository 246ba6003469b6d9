"""A disk cache of what Faker makes for a seller: its brand names and its buyers' pools.

Making a seller's first pools imports Faker and builds a Faker per locale: about 0.07 s of
the 0.12 s a first seller takes, paid by the first request of every start. What Faker makes
is a pure function of the random source's state, the arguments, the code that draws (this
module, generate.py, places.py, entities.py), Faker's version and Python's: the cache is
keyed by all of them, so a hit gives the very values, and leaves the random source in the
very state, that making them would have.

Files: `~/.cache/spapi-emulator/faker-pools`, at most MAX_FILES (models/cache_files.py; also
how `SPAPI_EMULATOR_CACHE=off` turns it off).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import pickle
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from emulator.models import cache_files

T = TypeVar("T")

FORMAT = 1  # bump when what a file holds changes shape
KIND = "faker-pools"
MAX_FILES = 64
_SOURCES = ("faker_pools.py", "generate.py", "places.py", "entities.py")


def cached(kind: str, args: tuple[object, ...], rnd: random.Random, make: Callable[[], T]) -> T:
    """`make()`'s value (it draws from `rnd`), from the cache when it holds it."""
    version = _version()
    if version is None:
        return make()
    key = hashlib.sha256(pickle.dumps((version, kind, args, rnd.getstate()))).hexdigest()
    path = cache_files.directory(KIND) / f"{kind}-{key[:40]}.pickle"
    found = cache_files.read(path)
    if found is not None:
        value, state = found
        rnd.setstate(state)
        return value  # type: ignore[no-any-return]
    value = make()
    cache_files.write(path, (value, rnd.getstate()), MAX_FILES)
    return value


@functools.cache
def _version() -> bytes | None:
    """What the values depend on besides the arguments, or None when caching is off."""
    if not cache_files.enabled():
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
