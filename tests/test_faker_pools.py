"""The disk cache of Faker's pools (business/faker_pools.py) gives the very buyers, addresses
and brands that Faker makes, and leaves the seeded random source where making them would:
everything generated after them is the same too."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from emulator.business import faker_pools, generate
from emulator.models import cache_files


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(cache_files.ENV_SWITCH, raising=False)
    faker_pools._version.cache_clear()
    yield tmp_path / "spapi-emulator" / "faker-pools"
    faker_pools._version.cache_clear()


def _draw(seed: int) -> tuple[object, ...]:
    """Pools as a seller gets them, then what the random source gives next."""
    rnd = random.Random(seed)
    brands = generate._brands(rnd, 8)
    people = {c: generate._people(rnd, c, 100) for c in ("US", "JP", "DE", "CA")}
    return brands, people, rnd.random(), rnd.getrandbits(64)


def test_a_cached_pool_is_the_one_faker_makes(cache_home: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    cold = _draw(7)
    assert len(list(cache_home.glob("*.pickle"))) == 5  # brands and four countries' people
    warm = _draw(7)
    monkeypatch.setenv(cache_files.ENV_SWITCH, "off")
    faker_pools._version.cache_clear()
    made = _draw(7)
    assert cold == warm == made
    assert _draw(8) != made


def test_a_damaged_cache_file_is_made_again(cache_home: Path) -> None:
    first = _draw(3)
    for file in cache_home.glob("*.pickle"):
        file.write_bytes(b"not a pickle")
    assert _draw(3) == first


def test_the_cache_keeps_a_bounded_number_of_files(cache_home: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faker_pools, "MAX_FILES", 4)
    for seed in range(3):
        generate._people(random.Random(seed), "US", 5)
        generate._brands(random.Random(seed), 2)
    assert len(list(cache_home.glob("*.pickle"))) == 4
    stale = cache_home / "left-mid-write.tmp"
    stale.write_bytes(b"")
    os.utime(stale, (0, 0))
    generate._people(random.Random(99), "US", 5)
    assert not stale.exists()
