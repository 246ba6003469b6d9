"""Finding Amazon's models, and downloading the pinned commit with a content check."""

from __future__ import annotations

import io
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from emulator.models import source as modelsource


def _archive(models_dir: Path, tamper: bool = False) -> bytes:
    """A GitHub-style tarball (`<repo>-<commit>/…`) of the models beside this checkout."""
    buffer = io.BytesIO()
    prefix = f"selling-partner-api-models-{modelsource.PINNED_COMMIT}"
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for folder in ("models", "schemas"):
            for path in sorted((models_dir / folder).rglob("*")):
                if not path.is_file():
                    continue
                data = path.read_bytes()
                if tamper and path.name == "ordersV0.json":
                    data = data.replace(b"getOrders", b"getOrderz", 1)
                info = tarfile.TarInfo(f"{prefix}/{path.relative_to(models_dir)}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        readme = b"not part of the models"
        info = tarfile.TarInfo(f"{prefix}/README.md")
        info.size = len(readme)
        tar.addfile(info, io.BytesIO(readme))
    return buffer.getvalue()


@pytest.fixture
def archive_server(models_dir: Path) -> Iterator[str]:
    payload = _archive(models_dir)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/archive.tar.gz"
    server.shutdown()


def test_shared_models_are_the_pinned_commit(models_dir: Path) -> None:
    assert modelsource.content_digest(models_dir) == modelsource.CONTENT_DIGEST


def test_download_verifies_and_reports_progress(archive_server: str, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    target = tmp_path / "cache" / "models"
    path = modelsource.download(target, progress=lambda n, t: seen.append((n, t)),
                                url=archive_server)
    assert path == target and modelsource.is_models_dir(target)
    assert not (target / "README.md").exists()
    assert sum(n for n, _ in seen) == seen[0][1]  # progress adds up to Content-Length


def test_tampered_archive_is_refused(models_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "models"
    with pytest.raises(modelsource.ChecksumMismatch):
        modelsource.extract(_archive(models_dir, tamper=True), target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no half-extracted staging left behind


def test_locate_prefers_explicit_then_env_then_cache(models_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(modelsource, "CHECKOUT", None)  # as if installed from a wheel
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv(modelsource.ENV_VAR, str(models_dir))
    assert modelsource.locate() == models_dir.resolve()
    assert modelsource.locate(models_dir) == models_dir.resolve()
    monkeypatch.delenv(modelsource.ENV_VAR)
    with pytest.raises(modelsource.ModelsNotFound, match="spapi-emulator models"):
        modelsource.locate()
    modelsource.extract(_archive(models_dir), _cache(tmp_path))
    assert modelsource.locate() == modelsource.cache_dir()


def test_locate_finds_the_models_beside_the_checkout_as_make_does(
        models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkout = tmp_path / "work" / "spapi-emulator"
    checkout.mkdir(parents=True)
    (tmp_path / "work" / "shared").mkdir()
    (tmp_path / "work" / "shared" / "spapi-models").symlink_to(models_dir)
    monkeypatch.setattr(modelsource, "CHECKOUT", checkout)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(modelsource.ENV_VAR, raising=False)
    beside = tmp_path / "work" / "shared" / "spapi-models"
    assert modelsource.locate() == beside.resolve()
    monkeypatch.setenv(modelsource.ENV_VAR, str(models_dir))  # the variable still wins
    assert modelsource.locate() == models_dir.resolve()


def _cache(tmp_path: Path) -> Path:
    path = modelsource.cache_dir()
    assert tmp_path in path.parents
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
