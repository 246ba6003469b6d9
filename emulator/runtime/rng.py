"""The one seeded source of randomness. Everything random in the emulator derives from it.

`derive(*parts)` gives an independent `random.Random` for a named purpose (a synthesized
answer for a request, a seller's data, ...), so the same seed and the same inputs always give
the same values, whatever else happened before. `stream` serves values that only need to be
unique per run (request ids); it is seeded too, so a run can be replayed.
"""

from __future__ import annotations

import hashlib
import random
import uuid


class Randomness:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.stream = random.Random(self._key("stream"))

    def _key(self, *parts: object) -> int:
        digest = hashlib.blake2b(digest_size=8)
        digest.update(str(self.seed).encode())
        for part in parts:
            digest.update(b"\x1f")
            digest.update(part if isinstance(part, bytes) else str(part).encode())
        return int.from_bytes(digest.digest(), "big")

    def derive(self, *parts: object) -> random.Random:
        return random.Random(self._key(*parts))

    def request_id(self) -> str:
        """A UUID (version 4 layout) for `x-amzn-RequestId`."""
        return str(uuid.UUID(int=self.stream.getrandbits(128), version=4))

    def rid(self) -> str:
        """20 upper-case alphanumerics, the shape of Amazon's `x-amz-rid` (here hexadecimal,
        which costs a tenth of drawing 20 letters one by one)."""
        return f"{self.stream.getrandbits(80):020X}"
