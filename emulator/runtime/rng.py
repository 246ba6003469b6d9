"""The one seeded source of randomness. Everything random in the emulator derives from it.

`derive(*parts)` gives an independent `random.Random` for a named purpose (a synthesized
answer for a request, a seller's data, ...), so the same seed and the same inputs always give
the same values, whatever else happened before. `stream` serves values that only need to be
unique per run (request ids); it is seeded too, so a run can be replayed.

Values that stand for a permission (access tokens, RDTs, authorization codes, document ids,
the presigned-URL key) must not follow from the seed, which is public: `secret_source` gives
the operating system's CSPRNG (`secrets`), unless `deterministic_secrets` asks for the seed.
"""

from __future__ import annotations

import hashlib
import random
import secrets

# uuid.UUID(version=4): the variant bits (10xx) and the version nibble (4).
_UUID_KEEP = ~((0xc000 << 48) | (0xf000 << 64))
_UUID_V4 = (0x8000 << 48) | (4 << 76)


class Randomness:
    def __init__(self, seed: int, deterministic_secrets: bool = False) -> None:
        self.seed = seed
        self.deterministic_secrets = deterministic_secrets
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

    def secret_source(self, purpose: str) -> random.Random:
        """Where unguessable values for `purpose` come from: `secrets.SystemRandom` (the OS's
        CSPRNG), or the seed's stream for `purpose` with deterministic secrets (a test that
        needs the same tokens every run; then anyone who knows the seed can forge them)."""
        if self.deterministic_secrets:
            return self.derive("secret", purpose)
        return secrets.SystemRandom()

    def request_id(self) -> str:
        """A UUID (version 4 layout) for `x-amzn-RequestId`: what `str(uuid.UUID(int=bits,
        version=4))` gives, formatted directly (a quarter of its cost; on every request)."""
        bits = self.stream.getrandbits(128) & _UUID_KEEP | _UUID_V4
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def rid(self) -> str:
        """20 upper-case alphanumerics, the shape of Amazon's `x-amz-rid` (here hexadecimal,
        which costs a tenth of drawing 20 letters one by one)."""
        return f"{self.stream.getrandbits(80):020X}"
