"""Where Amazon's models come from: an explicit directory, SPAPI_MODELS_DIR, or a local cache
filled by downloading the pinned commit of amzn/selling-partner-api-models.

The models are Amazon's (Apache-2.0) and are never part of this project; this module only finds
them, or fetches the exact commit the emulator was built against and checks it by content.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

PINNED_COMMIT = "34dc93fe45f37c9a0b2e56823c808f68b4f81754"
REPOSITORY = "amzn/selling-partner-api-models"
ARCHIVE_URL = f"https://codeload.github.com/{REPOSITORY}/tar.gz/{PINNED_COMMIT}"
# sha256 over "<path>\0<sha256 of file>\n" for every models/**/*.json and schemas/**/*.json of
# the pinned commit, sorted by path. A digest of the content, not of the archive bytes: GitHub
# does not promise byte-stable archives, but the files of a commit never change.
CONTENT_DIGEST = "40ec751c0a3d7bc65bed6e89fe3793f2ce123a0dfbdd62f946231a8706c9ff6d"
ENV_VAR = "SPAPI_MODELS_DIR"


class ModelsNotFound(RuntimeError):
    """No models directory could be found; the message tells the user both ways out."""


class ChecksumMismatch(RuntimeError):
    """A downloaded archive does not hold the files of the pinned commit."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spapi-emulator" / "models" / PINNED_COMMIT


def is_models_dir(path: Path) -> bool:
    return (path / "models").is_dir() and any((path / "models").rglob("*.json"))


def _checkout() -> Path | None:
    """The checkout this package runs from (None when it is installed from a wheel)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


# Where `make` looks after SPAPI_MODELS_DIR: ../shared/spapi-models beside the checkout.
CHECKOUT = _checkout()


def beside_checkout() -> Path | None:
    return CHECKOUT.parent / "shared" / "spapi-models" if CHECKOUT is not None else None


def locate(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The models directory, found as `make` finds it: `explicit` (--models), else
    $SPAPI_MODELS_DIR, else ../shared/spapi-models beside this checkout, else the cache."""
    for source, value in (("--models", explicit), (ENV_VAR, os.environ.get(ENV_VAR))):
        if value:
            path = Path(value).expanduser().resolve()
            if not is_models_dir(path):
                raise ModelsNotFound(
                    f"{source}={value} holds no Amazon models (expected {path}/models/*/*.json). "
                    f"Point {ENV_VAR} at a checkout of {REPOSITORY}, "
                    "or run `spapi-emulator models` to download them."
                )
            return path
    beside = beside_checkout()
    if beside is not None and is_models_dir(beside):
        return beside.resolve()
    cached = cache_dir()
    if is_models_dir(cached):
        return cached
    raise ModelsNotFound(
        f"Amazon's SP-API models were not found. Set {ENV_VAR} to a checkout of {REPOSITORY} "
        f"(commit {PINNED_COMMIT[:12]}), or run `spapi-emulator models` to download them "
        f"into {cached}."
    )


def content_digest(root: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for d in ("models", "schemas") for p in (root / d).rglob("*.json"))
    for path in files:
        file_hash = hashlib.sha256(path.read_bytes()).hexdigest()
        digest.update(f"{path.relative_to(root).as_posix()}\0{file_hash}\n".encode())
    return digest.hexdigest()


Progress = Callable[[int, int | None], None]


def _fetch(url: str, progress: Progress | None) -> bytes:
    import urllib.request  # only a download needs it (costs a serving start 10 ms)

    with urllib.request.urlopen(url, timeout=60) as response:
        total = response.headers.get("Content-Length")
        total_bytes = int(total) if total and total.isdigit() else None
        buffer = io.BytesIO()
        while chunk := response.read(1 << 16):
            buffer.write(chunk)
            if progress:
                progress(len(chunk), total_bytes)
        return buffer.getvalue()


def extract(archive: bytes, target: Path) -> Path:
    """Unpack models/ and schemas/ of a GitHub tarball into `target`, then check the digest."""
    staging = Path(tempfile.mkdtemp(prefix="spapi-models-", dir=target.parent))
    try:
        import tarfile

        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            for member in tar.getmembers():
                parts = Path(member.name).parts
                # GitHub archives nest everything under "<repo>-<commit>/".
                if len(parts) < 2 or parts[1] not in ("models", "schemas") or not member.isfile():
                    continue
                destination = staging.joinpath(*parts[1:])
                destination.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                if source is not None:
                    destination.write_bytes(source.read())
        found = content_digest(staging)
        if found != CONTENT_DIGEST:
            raise ChecksumMismatch(
                f"downloaded models do not match commit {PINNED_COMMIT[:12]} "
                f"(content sha256 {found[:16]}…, expected {CONTENT_DIGEST[:16]}…)"
            )
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def download(target: Path | None = None, progress: Progress | None = None,
             url: str = ARCHIVE_URL) -> Path:
    """Download the pinned commit into the cache (or `target`) and verify it by content."""
    target = target or cache_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    return extract(_fetch(url, progress), target)
